-- The organisers' metric (docs/pipeline.md §11.1) of `submission` against `test_truth`:
-- score = 0.2 · mean((GIoU + 1) / 2) + 0.8 · macro-F1 over the catalog view `metric_matches`
-- (catalog/views/02_metric_matches.sql: each true box with its best-GIoU submission row).
SELECT count(*) AS truth_boxes,
       round(0.2 * avg((giou + 1) / 2) + 0.8 * macro_f1(truth, pred), 5) AS score,
       round(avg((giou + 1) / 2), 5) AS giou_term,
       round(macro_f1(truth, pred), 5) AS macro_f1
FROM metric_matches;
