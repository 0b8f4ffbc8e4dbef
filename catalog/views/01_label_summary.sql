-- Boxes and images per class in train.csv, in class-id order.
CREATE OR REPLACE VIEW label_summary AS
SELECT c.id AS class_id, c.name AS class, count(l.name) AS boxes, count(DISTINCT l.name) AS images
FROM classes c LEFT JOIN labels l ON l.class = c.name
GROUP BY c.id, c.name
ORDER BY c.id;
