-- 1. ingest: the images folder and the challenge CSVs into the warehouse.
-- Parameters: data = folder, or s3://bucket/prefix, holding images/, train.csv, test.csv and, when the answers are
-- known (synthetic data), test_truth.csv.

-- train.csv and test.csv as read, with row_number = line order in the file. A bad row stops
-- here with file, line and field; unknown class names are rejected.
CREATE OR REPLACE TABLE labels AS
SELECT row_number, name, x1, y1, x2, y2, class FROM read_annotations('${data}/train.csv', kind => 'train');

CREATE OR REPLACE TABLE test_rows AS
SELECT row_number, trustii_id, name FROM read_annotations('${data}/test.csv', kind => 'test');

CREATE OR REPLACE TABLE test_truth AS
SELECT trustii_id, name, x1, y1, x2, y2, class
FROM read_annotations('${data}/test_truth.csv', kind => 'test_truth', missing_ok => true);

-- One row per image file: size, statistics, PHash, sha256; unreadable files get `error`.
CREATE OR REPLACE TABLE images AS
SELECT i.name, i.path,
       CASE WHEN tr.name IS NOT NULL THEN 'train' WHEN te.name IS NOT NULL THEN 'test' ELSE 'unknown' END AS src,
       i.width, i.height, i.channels, i.mean, i.std, i.mean_c, i.std_c, i.phash, i.sha256, i.error
FROM read_images('${data}/images') i
LEFT JOIN (SELECT DISTINCT name FROM labels) tr ON tr.name = i.name
LEFT JOIN (SELECT DISTINCT name FROM test_rows) te ON te.name = i.name;

-- What needs a look before cleaning: unreadable images, rows whose image is missing,
-- images in both splits, exact duplicate rows. Empty on clean data.
SELECT 'unreadable image' AS problem, name AS detail FROM images WHERE error IS NOT NULL
UNION ALL
SELECT 'train row without image', name || ' (line ' || CAST(row_number + 1 AS VARCHAR) || ')'
FROM labels WHERE name NOT IN (SELECT name FROM images WHERE error IS NULL)
UNION ALL
SELECT 'test row without image', name || ' (line ' || CAST(row_number + 1 AS VARCHAR) || ')'
FROM test_rows WHERE name NOT IN (SELECT name FROM images WHERE error IS NULL)
UNION ALL
SELECT 'image in train and test', name FROM (SELECT DISTINCT name FROM labels) WHERE name IN (SELECT name FROM test_rows)
UNION ALL
SELECT 'duplicated train row', name || ' ' || CAST(count(*) AS VARCHAR) || 'x'
FROM labels GROUP BY name, x1, y1, x2, y2, class HAVING count(*) > 1
ORDER BY problem, detail
LIMIT 50;
