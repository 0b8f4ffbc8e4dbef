-- One row per train image with its stratification features and fold (docs/pipeline.md §3).
CREATE TABLE IF NOT EXISTS folds (
  name VARCHAR, fold BIGINT, width BIGINT, height BIGINT, img_surface BIGINT,
  bb_avg_surface_ratio DOUBLE, n_boxes BIGINT, labels BIGINT[], multilabel VARCHAR,
  surface_bin BIGINT, bb_avg_surface_ratio_bin BIGINT, mean_bin BIGINT, std_bin BIGINT
);
