-- Per-class error rates of the submission against test_truth (matched as the metric does;
-- catalog view submission_class_errors), worst first.
SELECT class, support, predicted, round(precision, 3) AS precision, round(recall, 3) AS recall,
       round(f1, 3) AS f1, round(error_rate, 3) AS error_rate
FROM submission_class_errors
ORDER BY error_rate DESC NULLS LAST, class;
