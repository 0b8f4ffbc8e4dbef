-- 4. detect: raw boxes of the registered detectors on the test images (docs/pipeline.md §4.4, §4.6).
-- Parameters: detectors = detector names, comma-separated, or * for every registered detector
-- (the winning recipe pooled its 4 fold models); confidence (0.001) and nms_iou (0.30) as the winning recipe.
-- The winning recipe ran each image once per test.csv row; with one WBF model list that changes
-- nothing (wbf() is tested for it), so each image runs once here.
CREATE OR REPLACE TABLE detections AS
SELECT name, width, height, model, model_sha256, x1, y1, x2, y2, score
FROM detect((SELECT name, path FROM images WHERE src = 'test' AND error IS NULL),
            model => '${detectors:-*}', confidence => ${confidence:float:-0.001}, nms_iou => ${nms_iou:float:-0.30}, crops => false);

SELECT model, count(DISTINCT name) AS images, count(*) AS raw_boxes, round(avg(score), 4) AS mean_score
FROM detections GROUP BY model ORDER BY model;
