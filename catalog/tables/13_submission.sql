-- row_number: the line of the row in the submission file (catalog version 2), the order the
-- challenge metric (sql/reports/score.sql) takes rows in.
CREATE TABLE IF NOT EXISTS submission (
  trustii_id BIGINT, name VARCHAR, x1 BIGINT, y1 BIGINT, x2 BIGINT, y2 BIGINT, class VARCHAR, row_number BIGINT
);
