-- 6. classify: every registered classifier on the crops of the fitted boxes (margin 16,
-- docs/pipeline.md §7.1), and every multi-label model on the full test images (§8.5), into
-- `predictions` (one row per crop or image per model, logits as float32 lists).
-- Parameters: tta = 'hflip' (default, as most of the winning recipe's models) or 'none';
-- margin (16); classifiers (the crop classifiers' names, comma-separated, or * for every
-- registered one); sample_every (1: classify the test rows whose trustii_id is a multiple of it,
-- a sample for measurements; the submission then holds those rows only).
CREATE OR REPLACE TABLE test_crops AS
SELECT b.trustii_id, b.name, crop(i.path, b.x1, b.y1, b.x2, b.y2, ${margin:int:-16}) AS png
FROM test_boxes b JOIN images i ON i.name = b.name
WHERE i.error IS NULL AND b.trustii_id % ${sample_every:int:-1} = 0;

CREATE OR REPLACE TABLE predictions AS
SELECT m.name AS model, m.sha256 AS model_sha256, m.fold, '${tta:-hflip}' AS tta, 'test' AS split,
       c.name, c.trustii_id, CAST(NULL AS BIGINT) AS box_id,
       classify(c.png, m.name, '${tta:-hflip}') AS logits
FROM test_crops c CROSS JOIN models m
WHERE m.task = 'classifier' AND ('${classifiers:-*}' = '*' OR array_has(string_to_array(replace('${classifiers:-*}', ' ', ''), ','), m.name))
UNION ALL
SELECT m.name, m.sha256, m.fold, '${tta:-hflip}', 'test', i.name, CAST(NULL AS BIGINT), CAST(NULL AS BIGINT),
       classify(i.path, m.name, '${tta:-hflip}')
FROM images i CROSS JOIN models m
WHERE m.task = 'multilabel' AND i.src = 'test' AND i.error IS NULL;

SELECT model, split, count(*) AS rows, min(array_length(logits)) AS classes FROM predictions GROUP BY model, split ORDER BY model;
