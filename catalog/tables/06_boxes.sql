-- Cleaned train boxes (docs/pipeline.md §2.4, §3.4); box_id is the winning recipe's running box index.
CREATE TABLE IF NOT EXISTS boxes (
  box_id BIGINT, name VARCHAR, x1 BIGINT, y1 BIGINT, x2 BIGINT, y2 BIGINT,
  class_id BIGINT, class VARCHAR, width BIGINT, height BIGINT,
  is_bb_valid BOOLEAN, bb_width BIGINT, bb_height BIGINT
);
