//! Box geometry (IoU, GIoU), YOLOX's NMS and weighted boxes fusion, exact against the Python
//! libraries (goldens in tests/goldens/boxes).
pub mod fusion;
pub mod geometry;
pub mod nms;

#[cfg(test)]
mod boxes_goldens;
