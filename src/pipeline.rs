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
    script!("sql/04_detect.sql", "YOLOX detection on the test images"),
    script!("sql/05_fit_boxes.sql", "weighted boxes fusion and fitting to test.csv"),
    script!("sql/06_classify.sql", "crops and classifiers"),
    script!("sql/07_ensemble.sql", "logit ensemble and blend"),
    script!("sql/08_submission.sql", "submission.csv"),
];

/// The training scripts (sql/train/), run after the folds.
pub const TRAIN_SCRIPTS: &[Script] = &[
    script!("sql/train/01_train_crops.sql", "training crops (ground-truth boxes)"),
    script!("sql/train/02_backgrounds.sql", "background images (make_background)"),
    script!("sql/train/03_classifier.sql", "train a classifier (train_classifier)"),
    script!("sql/train/04_oof.sql", "out-of-fold predictions"),
    script!("sql/train/05_detector.sql", "train a YOLOX detector (train_detector)"),
];

/// Where the training scripts start.
pub const FIRST_TRAIN_SCRIPT: &str = "sql/04_detect.sql";

/// What the demo trains: small enough for a laptop CPU in well under a minute.
pub const DEMO_TRAINING: &[(&str, &str)] = &[
    ("name", "resnet18_demo"),
    ("architecture", "resnet18"),
    ("size", "64"),
    ("epochs", "4"),
    ("batch", "32"),
    ("lr", "0.001"),
    ("fold", "0"),
    ("backgrounds", "true"),
    ("max_backgrounds", "150"),
    ("det_name", "yolox_nano_demo"),
    ("det_preset", "nano"),
    ("det_size", "320"),
    ("det_epochs", "8"),
    ("det_batch", "16"),
    ("det_no_aug", "2"),
    ("det_warmup", "1"),
    ("det_multiscale", "2"),
    // A few CPU epochs from scratch do not yet beat the fixture detector on the GIoU term, so
    // detection keeps the fixtures; the trained detector is registered beside them.
    ("detectors", "yolox_fixture_fold0,yolox_fixture_fold1"),
];

/// Scripts that exist only for the demo, run before the inference scripts.
pub const DEMO_SETUP: Script = script!("sql/demo/register_fixtures.sql", "register the fixture models");

/// Where the inference scripts start (the demo registers models before them).
pub const FIRST_INFERENCE_SCRIPT: &str = "sql/04_detect.sql";

/// The project's fixture ONNX models, embedded so the demo needs no files beside the binary.
pub const FIXTURE_MODELS: &[(&str, &[u8])] = &[
    ("yolox_fixture_undecoded.onnx", include_bytes!("../tests/fixtures/models/yolox_fixture_undecoded.onnx")),
    ("yolox_fixture_decoded.onnx", include_bytes!("../tests/fixtures/models/yolox_fixture_decoded.onnx")),
    ("classifier_fixture.onnx", include_bytes!("../tests/fixtures/models/classifier_fixture.onnx")),
    ("multilabel_fixture.onnx", include_bytes!("../tests/fixtures/models/multilabel_fixture.onnx")),
];

/// Reports the demo prints after the pipeline.
pub const REPORTS: &[Script] = &[
    script!("sql/reports/dataset_summary.sql", "dataset summary"),
    script!("sql/reports/dedupe.sql", "dedupe report"),
    script!("sql/reports/fold_balance.sql", "fold balance"),
    script!("sql/reports/score.sql", "challenge score against test_truth"),
    script!("sql/reports/class_errors.sql", "per-class error rates"),
];
