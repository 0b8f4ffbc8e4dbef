-- train 1. crops for the classifiers: every cleaned train box with its class and its image's
-- fold (seed-spec §7). Until train_detector() provides out-of-fold detections matched to the
-- truth (§7.2), the classifiers learn from the ground-truth boxes; train_classifier() cuts
-- the crop itself (margin 16, §7.1), so the table holds the image path and the box.
CREATE OR REPLACE TABLE train_crops AS
SELECT b.box_id, b.name, i.path, b.x1, b.y1, b.x2, b.y2, b.class_id AS label, b.class, f.fold
FROM boxes b
JOIN folds f ON f.name = b.name
JOIN images i ON i.name = b.name AND i.error IS NULL;

SELECT fold, count(*) AS crops, count(DISTINCT label) AS classes FROM train_crops GROUP BY fold ORDER BY fold;
