CREATE TABLE IF NOT EXISTS final_predictions (
  trustii_id BIGINT, name VARCHAR, class_id BIGINT, class VARCHAR, prob REAL
);
