-- train 3. crops for the classifiers (docs/pipeline.md §7): every cleaned train box with its class and
-- its image's fold. As the winning recipe, the box is the out-of-fold detection matched to it by best
-- GIoU (§7.2, `oof_matched` from sql/train/02_oof_boxes.sql) so that the classifiers learn
-- from boxes like those they will see on the test images; a box without a match (its fold has
-- no detector) or whose match has GIoU below min_giou keeps its ground-truth box (the winning recipe
-- dropped ~0.6% of its crops by a rule it did not publish, §7.3). train_classifier() cuts
-- the crop itself (margin 16, §7.1), so the table holds the image path and the box.
-- Parameters: crops_from ('detections' or 'truth'), min_giou (0.5).
SELECT assert_true('${crops_from:-detections}' IN ('detections', 'truth'), 'crops_from must be detections or truth, got ''${crops_from:-detections}''') AS crops_from_ok;

CREATE OR REPLACE TABLE train_crops AS
SELECT b.box_id, b.name, i.path,
       CASE WHEN m.box_id IS NULL THEN b.x1 ELSE m.x1 END AS x1, CASE WHEN m.box_id IS NULL THEN b.y1 ELSE m.y1 END AS y1,
       CASE WHEN m.box_id IS NULL THEN b.x2 ELSE m.x2 END AS x2, CASE WHEN m.box_id IS NULL THEN b.y2 ELSE m.y2 END AS y2,
       b.class_id AS label, b.class, f.fold,
       CASE WHEN m.box_id IS NULL THEN 'truth' ELSE 'detection' END AS box_source, m.giou
FROM boxes b
JOIN folds f ON f.name = b.name
JOIN images i ON i.name = b.name AND i.error IS NULL
LEFT JOIN oof_matched m ON m.box_id = b.box_id AND m.giou >= ${min_giou:float:-0.5} AND '${crops_from:-detections}' = 'detections';

SELECT fold, box_source, count(*) AS crops, count(DISTINCT label) AS classes, round(avg(giou), 4) AS mean_giou
FROM train_crops GROUP BY fold, box_source ORDER BY fold, box_source;
