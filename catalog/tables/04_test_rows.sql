-- test.csv as read: one row per box to predict, in file order.
CREATE TABLE IF NOT EXISTS test_rows (row_number BIGINT, trustii_id BIGINT, name VARCHAR);
