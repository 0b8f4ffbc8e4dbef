-- train.csv as read; row_number is the line order of the file (1 = first data line).
CREATE TABLE IF NOT EXISTS labels (
  row_number BIGINT, name VARCHAR, x1 BIGINT, y1 BIGINT, x2 BIGINT, y2 BIGINT, class VARCHAR
);
