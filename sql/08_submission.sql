-- 8. submission (docs/pipeline.md §10): one row per test.csv row in file order, columns
-- trustii_id,NAME,x1,y1,x2,y2,class with the fitted box (not the crop) and the class name.
-- Checked before anything is written: a missing box or class stops the script and the
-- previous file stays. The CSV is written to a temporary file and renamed (atomic), so the
-- script is safe to run from cron. Parameter: out (submission.csv).
CREATE OR REPLACE TABLE submission AS
SELECT t.trustii_id, t.name, b.x1, b.y1, b.x2, b.y2, f.class, t.row_number
FROM test_rows t
LEFT JOIN test_boxes b ON b.trustii_id = t.trustii_id
LEFT JOIN final_predictions f ON f.trustii_id = t.trustii_id;

SELECT assert_true(count(*) = (SELECT count(*) FROM test_rows), 'submission: row count differs from test.csv')
   AND assert_true(count(*) = count(DISTINCT trustii_id), 'submission: a trustii_id appears twice')
   AND assert_true(count(*) = count(x1) AND count(*) = count(x2) AND count(*) = count(y2) AND count(*) = count(class),
                   'submission: some rows have no box or no class (is a classifier registered and were 04-07 run?)') AS ok
FROM submission;

COPY (SELECT s.trustii_id, s.name AS "NAME", s.x1, s.y1, s.x2, s.y2, s.class
      FROM submission s JOIN test_rows t ON t.trustii_id = s.trustii_id
      ORDER BY t.row_number)
TO '${out:-submission.csv}';
