//! Batched inference over an image column: decoding on the rayon pool, batches on the
//! model's session pool (`cytologia_nn::runtime`). `detect_boxes`/`detect` and `classify`
//! call these.
pub mod classification;
pub mod detection;
