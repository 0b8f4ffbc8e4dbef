//! Family `eval`: the challenge metric's parts, per-class error analysis and detection AP.
//! `f1` (scikit-learn semantics) and `coco` (pycocotools semantics) are the kernels, checked
//! by goldens; each SQL function is its own file.
mod class_report;
mod coco_map;
mod confusion;
mod grouped;
mod macro_f1;

use std::sync::Arc;

use datafusion::logical_expr::AggregateUDF;

use crate::tablefn::TableFnRef;

pub const FAMILY: &str = "eval";

/// The reference page's section of this family.
pub(crate) const SECTION: datafusion::logical_expr::DocSection = crate::docs::section("Evaluation functions");

pub fn aggregate_functions() -> Vec<(crate::access::Effect, Arc<AggregateUDF>)> {
    vec![
        (macro_f1::EFFECT, Arc::new(AggregateUDF::new_from_impl(macro_f1::MacroF1::default()))),
        (coco_map::EFFECT, Arc::new(AggregateUDF::new_from_impl(coco_map::CocoMap::default()))),
    ]
}

pub fn table_functions() -> Vec<TableFnRef> {
    vec![Arc::new(class_report::ClassReport), Arc::new(confusion::Confusion)]
}
