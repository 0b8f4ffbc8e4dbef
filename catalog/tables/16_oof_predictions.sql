-- Out-of-fold logits (sql/train/06_oof_predictions.sql): each fold's classifier on the crops of
-- its own fold; `label` is the true class id.
CREATE TABLE IF NOT EXISTS oof_predictions (
  model VARCHAR, model_sha256 VARCHAR, fold BIGINT, box_id BIGINT, name VARCHAR, label BIGINT, logits REAL[]
);
