-- train 2. background images (seed-spec §5) for the 24-class models: train images with a
-- single box get their cell painted over with the background colour. Until train_detector()
-- provides fitted out-of-fold boxes, the box is the ground truth. Each background keeps the
-- fold of the image it came from. Parameters: max_backgrounds (1000), seed (0).
CREATE OR REPLACE TABLE backgrounds AS
SELECT name, fold, make_background(path, x1, y1, x2, y2, ${seed:-0}) AS jpeg
FROM (
  SELECT c.name, c.fold, c.path, c.x1, c.y1, c.x2, c.y2
  FROM train_crops c
  JOIN (SELECT name FROM train_crops GROUP BY name HAVING count(*) = 1) single ON single.name = c.name
  ORDER BY c.name
  LIMIT ${max_backgrounds:-1000}
) s;

SELECT fold, count(*) AS backgrounds FROM backgrounds GROUP BY fold ORDER BY fold;
