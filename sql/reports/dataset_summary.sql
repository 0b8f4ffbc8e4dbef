-- Dataset at a glance: images, boxes and boxes-per-image for train and test (catalog view
-- dataset_summary).
SELECT split, images, boxes, round(boxes_per_image, 3) AS boxes_per_image
FROM dataset_summary
ORDER BY split DESC;

-- Boxes per class, in class-id order.
SELECT class_id, class, boxes, images FROM label_summary;
