-- train 2. out-of-fold boxes (docs/pipeline.md §4.5, §6.3, §7.2): each fold's detector
-- ('<det_name>_fold<k>', sql/train/01_detector.sql) runs on the train images of its own fold
-- (confidence 0.001, NMS 0.30, no WBF). Images of folds without a detector are skipped; the
-- tables below stay empty when no detector was trained, and the classifier crops and the
-- backgrounds then use the ground-truth boxes.
-- Parameters: det_name (yolox_nano), confidence (0.001), nms_iou (0.30).
CREATE OR REPLACE TABLE oof_detections AS
SELECT d.name, d.width, d.height, d.model, d.x1, d.y1, d.x2, d.y2, d.score
FROM detect((SELECT i.name, i.path, f.fold FROM images i JOIN folds f ON f.name = i.name WHERE i.error IS NULL),
            model => '${det_name:-yolox_nano}_fold*', oof => true,
            confidence => ${confidence:float:-0.001}, nms_iou => ${nms_iou:float:-0.30}, crops => false) d;

-- Fitted to the ground-truth count (§4.5 then §6.3): each raw box clipped to the image and
-- rounded half to even, ranked by score (ties: the detector's order, here by position),
-- the first `bbs` kept, full-image boxes at score 0 fill the rest. bb_score_avg is the mean
-- raw score of the image (the background selection's order, §5).
CREATE OR REPLACE TABLE oof_boxes AS
WITH ran AS (
  -- every image a detector ran on, with or without boxes
  SELECT f.name, m.name AS model, f.fold, f.n_boxes AS bbs, f.width, f.height
  FROM folds f JOIN models m ON m.fold = f.fold
  WHERE m.task = 'detector' AND starts_with(m.name, '${det_name:-yolox_nano}_fold')
), raw AS (
  SELECT name, model, score,
         -- Clipped before rounding: the same integers (the bounds are integers), and a barely
         -- trained detector's boxes far outside the image (1e19 px) stay within integer range.
         round_half_even(LEAST(GREATEST(x1, 0), width - 1)) AS x1, round_half_even(LEAST(GREATEST(y1, 0), height - 1)) AS y1,
         round_half_even(LEAST(GREATEST(x2, 0), width - 1)) AS x2, round_half_even(LEAST(GREATEST(y2, 0), height - 1)) AS y2,
         ROW_NUMBER() OVER (PARTITION BY name, model ORDER BY score DESC, x1, y1, x2, y2) AS k,
         count(*) OVER (PARTITION BY name, model) AS raw_boxes,
         avg(CAST(score AS DOUBLE)) OVER (PARTITION BY name, model) AS bb_score_avg
  FROM oof_detections
), slots AS (
  SELECT name, model, fold, bbs, width, height, unnest(generate_series(1, bbs)) AS k FROM ran
)
SELECT s.name, s.model, s.fold, s.k, s.bbs,
       COALESCE(r.x1, 0) AS x1, COALESCE(r.y1, 0) AS y1, COALESCE(r.x2, s.width - 1) AS x2, COALESCE(r.y2, s.height - 1) AS y2,
       COALESCE(r.score, CAST(0 AS REAL)) AS score, r.k IS NULL AS padded,
       COALESCE(max(r.raw_boxes) OVER (PARTITION BY s.name, s.model), 0) AS raw_boxes,
       COALESCE(max(r.bb_score_avg) OVER (PARTITION BY s.name, s.model), 0.0) AS bb_score_avg
FROM slots s LEFT JOIN raw r ON r.name = s.name AND r.model = s.model AND r.k = s.k;

-- Each ground-truth box with the fitted box of best GIoU (first on ties in fitted order,
-- several truths may share one), keeping the truth's class (§7.2; the metric's rule, §11.1).
CREATE OR REPLACE TABLE oof_matched AS
WITH pairs AS (
  SELECT b.box_id, b.name, b.class_id AS label, b.class, o.model, o.fold, o.x1, o.y1, o.x2, o.y2, o.score, o.padded,
         giou(b.x1, b.y1, b.x2, b.y2, o.x1, o.y1, o.x2, o.y2) AS giou, o.k
  FROM boxes b JOIN oof_boxes o ON o.name = b.name
), best AS (
  SELECT *, ROW_NUMBER() OVER (PARTITION BY box_id ORDER BY giou DESC, k, model) AS r FROM pairs
)
SELECT box_id, name, label, class, model, fold, x1, y1, x2, y2, score, giou, padded FROM best WHERE r = 1;

SELECT model, count(DISTINCT name) AS images, sum(CASE WHEN padded THEN 0 ELSE 1 END) AS fitted_boxes,
       sum(CASE WHEN padded THEN 1 ELSE 0 END) AS padded_boxes, round(avg(bb_score_avg), 4) AS mean_score
FROM oof_boxes GROUP BY model ORDER BY model;

SELECT model, count(*) AS truth_boxes, round(avg(giou), 4) AS mean_giou,
       sum(CASE WHEN giou >= ${min_giou:float:-0.5} THEN 1 ELSE 0 END) AS at_least_min_giou
FROM oof_matched GROUP BY model ORDER BY model;
