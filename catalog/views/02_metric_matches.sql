-- The rows the organisers' metric (docs/pipeline.md §11.1) scores: `submission` matched to
-- `test_truth` image by image. For each image: its true boxes, and the submission's rows with
-- the image's NAME whose trustii_id is one of the image's true ids (a row under another image, or carrying another
-- image's id, never counts for it), in file order, de-duplicated as pandas did: first
-- drop_duplicates(trustii_id), then drop_duplicates(x1, y1, x2, y2, class), the first
-- occurrence kept each time. Every true box takes the remaining row of its image with the best
-- GIoU (float32, the first in file order on ties; several boxes may take the same row); an
-- image left without rows counts GIoU -1 and class 'nan' for each of its boxes.
-- score = 0.2 · mean((GIoU + 1) / 2) + 0.8 · macro-F1 (scikit-learn, over the label union).
-- File order: the submission's `row_number` when the table has that column (a CSV loaded with
-- read_annotations(path, kind => 'test_truth') keeps its line numbers there), otherwise the
-- test.csv line of the trustii_id, the order in which sql/08_submission.sql writes the file.
-- Without line numbers, rows that repeat a trustii_id in one image are taken in box order.
CREATE OR REPLACE VIEW metric_matches AS
WITH sub AS (   -- BY NAME adds a NULL row_number to a submission table without one
  SELECT s.trustii_id, s.name, s.x1, s.y1, s.x2, s.y2, s.class, COALESCE(s.row_number, t.row_number) AS ord
  FROM (SELECT * FROM submission UNION ALL BY NAME SELECT CAST(NULL AS BIGINT) AS row_number WHERE false) s
  LEFT JOIN test_rows t ON t.trustii_id = s.trustii_id
), img AS (     -- the rows each image keeps: its NAME and one of its own true trustii_ids
  SELECT * FROM sub
  WHERE EXISTS (SELECT 1 FROM test_truth g WHERE g.name = sub.name AND g.trustii_id = sub.trustii_id)
), p1 AS (      -- within the image, drop_duplicates(trustii_id), first kept
  SELECT * FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY name, trustii_id ORDER BY ord, x1, y1, x2, y2, class) AS k FROM img
  ) WHERE k = 1
), p AS (       -- then drop_duplicates(x1, y1, x2, y2, class), first kept
  SELECT * FROM (
    SELECT *, ROW_NUMBER() OVER (PARTITION BY name, x1, y1, x2, y2, class ORDER BY ord) AS d FROM p1
  ) WHERE d = 1
), g AS (       -- one key per true box (trustii_id need not be unique in a truth file)
  SELECT *, ROW_NUMBER() OVER () AS box FROM test_truth
), pairs AS (
  SELECT g.box, g.trustii_id, g.name, g.class AS truth, p.class AS pred,
         CAST(giou(g.x1, g.y1, g.x2, g.y2, p.x1, p.y1, p.x2, p.y2) AS REAL) AS giou, p.ord
  FROM g LEFT JOIN p ON p.name = g.name
)
SELECT trustii_id, name, truth, pred, COALESCE(giou, -1) AS giou FROM (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY box ORDER BY giou DESC NULLS LAST, ord) AS best FROM pairs
) WHERE best = 1;
