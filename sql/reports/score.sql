-- The organisers' metric (docs/pipeline.md §11.1) of `submission` against `test_truth`: per true box,
-- the prediction of the same image (restricted to the image's true trustii_ids, duplicates
-- dropped as pandas did) with the best GIoU (float32, first in file order on ties);
-- score = 0.2 · mean((GIoU + 1) / 2) + 0.8 · macro-F1 (scikit-learn label union; an image
-- without predictions counts GIoU -1 and class 'nan').
CREATE OR REPLACE VIEW metric_matches AS
WITH sub AS (
  SELECT s.*, t.row_number AS ord FROM submission s JOIN test_rows t ON t.trustii_id = s.trustii_id
), p1 AS (      -- drop_duplicates(trustii_id), keep first
  SELECT * FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY trustii_id ORDER BY ord) AS k FROM sub) WHERE k = 1
), p AS (       -- restricted to the image's true ids, then drop_duplicates(x1, y1, x2, y2, class)
  SELECT * FROM (
    SELECT p1.*, ROW_NUMBER() OVER (PARTITION BY p1.name, p1.x1, p1.y1, p1.x2, p1.y2, p1.class ORDER BY p1.ord) AS d
    FROM p1 WHERE p1.trustii_id IN (SELECT trustii_id FROM test_truth)
  ) WHERE d = 1
), pairs AS (
  SELECT g.trustii_id, g.name, g.class AS truth, p.class AS pred,
         CAST(giou(g.x1, g.y1, g.x2, g.y2, p.x1, p.y1, p.x2, p.y2) AS REAL) AS giou, p.ord
  FROM test_truth g LEFT JOIN p ON p.name = g.name
)
SELECT trustii_id, name, truth, pred, COALESCE(giou, -1) AS giou FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY trustii_id ORDER BY giou DESC NULLS LAST, ord) AS best FROM pairs
) WHERE best = 1;

SELECT count(*) AS truth_boxes,
       round(0.2 * avg((giou + 1) / 2) + 0.8 * macro_f1(truth, pred), 5) AS score,
       round(avg((giou + 1) / 2), 5) AS giou_term,
       round(macro_f1(truth, pred), 5) AS macro_f1
FROM metric_matches;
