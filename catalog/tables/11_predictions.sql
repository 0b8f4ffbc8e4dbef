-- Classifier outputs: one row per crop or image per model.
CREATE TABLE IF NOT EXISTS predictions (
  model VARCHAR, model_sha256 VARCHAR, fold BIGINT, tta VARCHAR, split VARCHAR, -- split: oof | test
  name VARCHAR, trustii_id BIGINT, box_id BIGINT, logits REAL[]
);
