-- train 6. out-of-fold predictions (docs/pipeline.md §8.3): each trained classifier (a model with a
-- fold and safetensors weights) predicts the validation rows of its own fold, without TTA;
-- logits go to `oof_predictions`, for out-of-fold macro-F1 per model and for choosing the
-- ensemble's alpha (docs/pipeline.md §9) on out-of-fold rather than test predictions.
-- Parameters: classifiers (the models' names, comma-separated, or * for every one);
-- sample_every (1: keep the crops whose box_id is a multiple of it, a sample for measurements).
CREATE OR REPLACE TABLE oof_predictions AS
SELECT m.name AS model, m.sha256 AS model_sha256, m.fold, c.box_id, c.name, c.label,
       classify(crop(c.path, c.x1, c.y1, c.x2, c.y2, 16), m.name) AS logits
FROM train_crops c
JOIN models m ON m.fold = c.fold
WHERE m.task = 'classifier' AND m.format = 'safetensors' AND ('${classifiers:-*}' = '*' OR array_has(string_to_array(replace('${classifiers:-*}', ' ', ''), ','), m.name))
  AND c.box_id % ${sample_every:int:-1} = 0;

-- Out-of-fold macro-F1 per model, and over all folds of an architecture (the winning recipe's CV).
SELECT model, fold, count(*) AS rows, round(macro_f1(CAST(label AS VARCHAR), CAST(argmax(logits) AS VARCHAR)), 4) AS oof_macro_f1
FROM oof_predictions GROUP BY model, fold ORDER BY model;
