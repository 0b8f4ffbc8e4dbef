-- Fused boxes fitted to test.csv: one row per test.csv row (docs/pipeline.md §6.3).
CREATE TABLE IF NOT EXISTS test_boxes (
  trustii_id BIGINT, name VARCHAR, width BIGINT, height BIGINT,
  x1 BIGINT, y1 BIGINT, x2 BIGINT, y2 BIGINT, score REAL, padded BOOLEAN
);
