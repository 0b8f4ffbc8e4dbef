-- One row per image file (read_images): statistics over RGB values, PHash, file hash.
CREATE TABLE IF NOT EXISTS images (
  name VARCHAR, path VARCHAR, src VARCHAR, -- src: train | test | background | unknown
  width BIGINT, height BIGINT, channels BIGINT,
  mean DOUBLE, std DOUBLE, mean_c DOUBLE[], std_c DOUBLE[],
  phash VARCHAR, sha256 VARCHAR, error VARCHAR
);
