//! Evaluation kernels: pycocotools-exact COCO AP and scikit-learn-exact F1.
pub mod coco;
pub mod f1;
