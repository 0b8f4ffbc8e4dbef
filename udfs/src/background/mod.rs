//! Family `background`: the winning recipe's synthetic background images (docs/pipeline.md §5), the 24th
//! class of its background-aware classifiers. `kernels` is the generator (bit-exact with the
//! seed's OpenCV / scikit-image code except the noise, goldens in tests/goldens/background);
//! `make_background` is its SQL function.
mod make_background;

use std::sync::Arc;

use datafusion::logical_expr::ScalarUDF;

pub const FAMILY: &str = "background";

/// The reference page's section of this family.
pub(crate) const SECTION: datafusion::logical_expr::DocSection = crate::docs::section("Image functions");

pub fn scalar_functions() -> Vec<(crate::access::Effect, Arc<ScalarUDF>)> {
    vec![(make_background::EFFECT, Arc::new(ScalarUDF::new_from_impl(make_background::MakeBackground::default())))]
}
