-- Out-of-fold detector boxes fitted to each train image's ground-truth count (docs/pipeline.md §4.5,
-- §6.3): one row per expected box (k = 1..bbs), padded with full-image boxes at score 0.
-- Written by sql/train/02_oof_boxes.sql; empty until a detector is trained per fold.
CREATE TABLE IF NOT EXISTS oof_boxes (
  name VARCHAR, model VARCHAR, fold BIGINT, k BIGINT, bbs BIGINT,
  x1 BIGINT, y1 BIGINT, x2 BIGINT, y2 BIGINT, score REAL, padded BOOLEAN,
  raw_boxes BIGINT, bb_score_avg DOUBLE
);
