-- The dataset at a glance: images, boxes and boxes per image of train.csv and test.csv.
CREATE OR REPLACE VIEW dataset_summary AS
SELECT 'train' AS split, count(DISTINCT name) AS images, count(*) AS boxes,
       CAST(count(*) AS DOUBLE) / nullif(count(DISTINCT name), 0) AS boxes_per_image
FROM labels
UNION ALL
SELECT 'test', count(DISTINCT name), count(*), CAST(count(*) AS DOUBLE) / nullif(count(DISTINCT name), 0)
FROM test_rows;
