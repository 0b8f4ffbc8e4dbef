-- train 4. background images (docs/pipeline.md §5) for the 24-class models: train images with a
-- single box get their cell painted over with the background colour. As the winning recipe, the box is
-- the image's fitted out-of-fold detection (`oof_boxes`, sql/train/02_oof_boxes.sql) and the
-- images go in order of their mean detection score, most confident first; images of folds
-- without a detector (or without a detection) follow with their ground-truth box, by name.
-- Each background keeps the fold of the image it came from.
-- Parameters: max_backgrounds (1000), crops_from ('detections' or 'truth'), seed (0).
CREATE OR REPLACE TABLE backgrounds AS
SELECT name, fold, box_source, make_background(path, x1, y1, x2, y2, ${seed:int:-0}) AS jpeg
FROM (
  SELECT f.name, f.fold, i.path,
         CASE WHEN o.name IS NULL THEN b.x1 ELSE o.x1 END AS x1, CASE WHEN o.name IS NULL THEN b.y1 ELSE o.y1 END AS y1,
         CASE WHEN o.name IS NULL THEN b.x2 ELSE o.x2 END AS x2, CASE WHEN o.name IS NULL THEN b.y2 ELSE o.y2 END AS y2,
         CASE WHEN o.name IS NULL THEN 'truth' ELSE 'detection' END AS box_source, o.bb_score_avg
  FROM folds f
  JOIN images i ON i.name = f.name AND i.error IS NULL
  JOIN boxes b ON b.name = f.name
  LEFT JOIN (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY name ORDER BY bb_score_avg DESC, model) AS r
    FROM oof_boxes WHERE bbs = 1 AND NOT padded
  ) o ON o.name = f.name AND o.r = 1 AND '${crops_from:-detections}' = 'detections'
  WHERE f.n_boxes = 1
  ORDER BY o.bb_score_avg DESC NULLS LAST, f.name
  LIMIT ${max_backgrounds:int:-1000}
) s;

SELECT fold, box_source, count(*) AS backgrounds FROM backgrounds GROUP BY fold, box_source ORDER BY fold, box_source;
