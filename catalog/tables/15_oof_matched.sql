-- Each ground-truth train box with the out-of-fold box of best GIoU (docs/pipeline.md §7.2): the
-- detected box the classifiers train on, with the truth's class. Written by
-- sql/train/02_oof_boxes.sql; empty until a detector is trained per fold.
CREATE TABLE IF NOT EXISTS oof_matched (
  box_id BIGINT, name VARCHAR, label BIGINT, class VARCHAR, model VARCHAR, fold BIGINT,
  x1 BIGINT, y1 BIGINT, x2 BIGINT, y2 BIGINT, score REAL, giou DOUBLE, padded BOOLEAN
);
