-- Raw detector boxes, image pixels.
CREATE TABLE IF NOT EXISTS detections (
  name VARCHAR, width BIGINT, height BIGINT, model VARCHAR, model_sha256 VARCHAR,
  x1 DOUBLE, y1 DOUBLE, x2 DOUBLE, y2 DOUBLE, score REAL
);
