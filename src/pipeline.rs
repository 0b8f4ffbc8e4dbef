//! The pipeline scripts under `sql/`, embedded so `cytologia demo` runs from any folder.
//! (`cytologia run sql/NN_*.sql` runs the same files from a checkout.)

pub struct Script {
    pub file: &'static str,
    pub stage: &'static str,
    pub sql: &'static str,
}

macro_rules! script {
    ($file:literal, $stage:literal) => {
        Script { file: $file, stage: $stage, sql: include_str!(concat!("../", $file)) }
    };
}

/// Pipeline scripts in run order.
pub const SCRIPTS: &[Script] = &[
    script!("sql/01_ingest.sql", "ingest images and CSVs"),
    script!("sql/02_clean.sql", "PHash dedupe and box cleaning"),
    script!("sql/03_folds.sql", "multilabel stratified folds"),
];

/// Reports the demo prints after the pipeline.
pub const REPORTS: &[Script] = &[
    script!("sql/reports/dataset_summary.sql", "dataset summary"),
    script!("sql/reports/dedupe.sql", "dedupe report"),
    script!("sql/reports/fold_balance.sql", "fold balance"),
];
