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
    script!("sql/train/01_detector.sql", "train a YOLOX detector (train_detector)"),
    script!("sql/train/02_oof_boxes.sql", "out-of-fold detections, fitted and matched to the truth"),
    script!("sql/train/03_train_crops.sql", "training crops (matched detections)"),
    script!("sql/train/04_backgrounds.sql", "background images (make_background)"),
    script!("sql/train/05_classifier.sql", "train a classifier (train_classifier)"),
    script!("sql/train/06_oof_predictions.sql", "out-of-fold predictions"),
];

/// Where the training scripts start.
pub const FIRST_TRAIN_SCRIPT: &str = "sql/04_detect.sql";

/// What the demo trains: a classifier in about a minute and a nano detector in about ten on a
/// 2-core CPU (600 synthetic train images).
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
    ("det_epochs", "15"),
    ("det_batch", "16"),
    // 4x YOLOX's 0.01/64 per image: from scratch on 450 images the default rate had not
    // converged in 15 epochs (val AP50 0.39 vs 0.71, measured on the demo data).
    ("det_lr", "0.000625"),
    ("det_no_aug", "3"),
    ("det_warmup", "1"),
    ("det_multiscale", "2"),
    // Detection on the test images uses the detector trained above (the fixture detectors are
    // registered too, for the tests of their own, but not used).
    ("detectors", "yolox_nano_demo_fold0"),
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
