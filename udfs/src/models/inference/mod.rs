//! Batched inference over an image column: decoding on the rayon pool, batches on the
//! model's session pool (`cytologia_nn::runtime`). `detect_boxes`/`detect` and `classify`
//! call these.
pub mod classification;
pub mod detection;

use cytologia_nn::runtime::batching;

use crate::error::UdfError;

/// What to change when even one image does not fit (batches are already split down to one).
const SINGLE_IMAGE_ADVICE: &str =
    "a single image does not fit: use a model registered at a smaller input size, or device => 'cpu' when the GPU is short of memory";

/// An inference error, with what to change when it says the runtime ran out of memory.
fn explain_single_image_oom(e: UdfError) -> UdfError {
    let message = e.to_string();
    if batching::is_out_of_memory(&message) { UdfError::Other(batching::explain_out_of_memory(message, SINGLE_IMAGE_ADVICE)) } else { e }
}
