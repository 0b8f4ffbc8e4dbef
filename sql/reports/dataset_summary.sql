-- Dataset at a glance: images, boxes and boxes-per-image for train and test.
SELECT 'train' AS split, count(DISTINCT name) AS images, count(*) AS boxes,
       round(CAST(count(*) AS DOUBLE) / count(DISTINCT name), 3) AS boxes_per_image
FROM labels
UNION ALL
SELECT 'test', count(DISTINCT name), count(*), round(CAST(count(*) AS DOUBLE) / count(DISTINCT name), 3)
FROM test_rows
ORDER BY split DESC;

-- Boxes per class, in class-id order.
SELECT class_id, class, boxes, images FROM label_summary;
