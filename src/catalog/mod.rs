//! Schema as code: the DDL under `catalog/`, embedded in the binary and applied idempotently
//! (`cytologia init`, and on first use of a warehouse), and its versions ([`migrate`]).
pub mod migrate;

use crate::engine::{Engine, Output};
use crate::error::{Error, Result};

/// (file, SQL) in application order: tables, then views.
pub const FILES: &[(&str, &str)] = &[
    ("catalog/tables/01_classes.sql", include_str!("../../catalog/tables/01_classes.sql")),
    ("catalog/tables/02_images.sql", include_str!("../../catalog/tables/02_images.sql")),
    ("catalog/tables/03_labels.sql", include_str!("../../catalog/tables/03_labels.sql")),
    ("catalog/tables/04_test_rows.sql", include_str!("../../catalog/tables/04_test_rows.sql")),
    ("catalog/tables/05_test_truth.sql", include_str!("../../catalog/tables/05_test_truth.sql")),
    ("catalog/tables/06_boxes.sql", include_str!("../../catalog/tables/06_boxes.sql")),
    ("catalog/tables/07_folds.sql", include_str!("../../catalog/tables/07_folds.sql")),
    ("catalog/tables/08_models.sql", include_str!("../../catalog/tables/08_models.sql")),
    ("catalog/tables/09_detections.sql", include_str!("../../catalog/tables/09_detections.sql")),
    ("catalog/tables/10_test_boxes.sql", include_str!("../../catalog/tables/10_test_boxes.sql")),
    ("catalog/tables/11_predictions.sql", include_str!("../../catalog/tables/11_predictions.sql")),
    ("catalog/tables/12_final_predictions.sql", include_str!("../../catalog/tables/12_final_predictions.sql")),
    ("catalog/tables/13_submission.sql", include_str!("../../catalog/tables/13_submission.sql")),
    ("catalog/tables/14_oof_boxes.sql", include_str!("../../catalog/tables/14_oof_boxes.sql")),
    ("catalog/tables/15_oof_matched.sql", include_str!("../../catalog/tables/15_oof_matched.sql")),
    ("catalog/tables/16_oof_predictions.sql", include_str!("../../catalog/tables/16_oof_predictions.sql")),
    ("catalog/views/01_label_summary.sql", include_str!("../../catalog/views/01_label_summary.sql")),
    ("catalog/views/02_metric_matches.sql", include_str!("../../catalog/views/02_metric_matches.sql")),
    ("catalog/views/03_submission_errors.sql", include_str!("../../catalog/views/03_submission_errors.sql")),
    ("catalog/views/04_oof_errors.sql", include_str!("../../catalog/views/04_oof_errors.sql")),
    ("catalog/views/05_model_lineage.sql", include_str!("../../catalog/views/05_model_lineage.sql")),
    ("catalog/views/06_fold_balance.sql", include_str!("../../catalog/views/06_fold_balance.sql")),
    ("catalog/views/07_dataset_summary.sql", include_str!("../../catalog/views/07_dataset_summary.sql")),
];

/// Applies every catalog file; returns one line per statement that changed something.
pub async fn apply(engine: &Engine) -> Result<Vec<String>> {
    let mut done = Vec::new();
    for (file, sql) in FILES {
        for stmt in crate::script::split(sql) {
            let out = engine.execute(&stmt.sql).await.map_err(|e| Error::Script { file: file.to_string(), line: stmt.line, message: e.to_string() })?;
            if let Output::Done(msg) = out {
                done.push(msg);
            }
        }
    }
    Ok(done)
}
