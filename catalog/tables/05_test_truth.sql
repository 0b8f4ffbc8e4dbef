-- The answers to test.csv when they are known (synthetic data).
CREATE TABLE IF NOT EXISTS test_truth (
  trustii_id BIGINT, name VARCHAR, x1 BIGINT, y1 BIGINT, x2 BIGINT, y2 BIGINT, class VARCHAR
);
