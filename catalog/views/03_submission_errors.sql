-- Per-class error rates and confusion of the submission against test_truth, matched as the
-- challenge metric matches them (metric_matches); an unmatched true box counts as class 'nan'.
CREATE OR REPLACE VIEW submission_class_errors AS
SELECT class, support, predicted, tp, precision, recall, f1, error_rate
FROM class_report((SELECT truth, COALESCE(pred, 'nan') AS pred FROM metric_matches));

CREATE OR REPLACE VIEW submission_confusion AS
SELECT truth, pred, n
FROM confusion((SELECT truth, COALESCE(pred, 'nan') AS pred FROM metric_matches));
