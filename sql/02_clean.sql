-- 2. clean: the winning recipe's PHash dedupe (docs/pipeline.md §2.3), then box validation and clipping (§2.4).
-- Parameters: passes = dedupe passes (default 2 as the winning recipe; 0 = until no duplicate group is left).

-- Every image with its duplicate group and verdict, and the train boxes a drop removes.
CREATE OR REPLACE TABLE dedupe_report AS
SELECT d.name, d.src, d.phash, d.dup_group, d.group_size, d.kept, d.dropped_in_pass,
       CASE WHEN d.kept THEN 0 ELSE coalesce(b.boxes, 0) END AS boxes_removed
FROM dedupe_phash((SELECT name, phash, src FROM images WHERE error IS NULL), passes => ${passes:int:-2}) d
LEFT JOIN (SELECT name, count(*) AS boxes FROM labels GROUP BY name) b ON b.name = d.name;

-- Cleaned train boxes: boxes of kept, readable train images; is_bb_valid is the pre-fix
-- validity (0 <= x < W, 0 <= y < H, x1 < x2, y1 < y2); coordinates are clipped to
-- [0, W-1] x [0, H-1]. box_id is the winning recipe's running box index (images by name, boxes in file
-- order). A box that collapses after clipping (none in the challenge data) is dropped.
CREATE OR REPLACE TABLE boxes AS
SELECT CAST(row_number() OVER (ORDER BY name, row_number) - 1 AS BIGINT) AS box_id,
       name, x1, y1, x2, y2, class_id, class, width, height, is_bb_valid,
       x2 - x1 AS bb_width, y2 - y1 AS bb_height
FROM (
  SELECT l.row_number, l.name, c.id AS class_id, l.class, i.width, i.height,
         (0 <= l.x1 AND l.x1 < i.width AND 0 <= l.y1 AND l.y1 < i.height AND
          0 <= l.x2 AND l.x2 < i.width AND 0 <= l.y2 AND l.y2 < i.height AND
          l.x1 < l.x2 AND l.y1 < l.y2) AS is_bb_valid,
         least(greatest(l.x1, 0), i.width - 1) AS x1, least(greatest(l.y1, 0), i.height - 1) AS y1,
         least(greatest(l.x2, 0), i.width - 1) AS x2, least(greatest(l.y2, 0), i.height - 1) AS y2
  FROM labels l
  JOIN images i ON i.name = l.name AND i.error IS NULL
  JOIN dedupe_report d ON d.name = l.name AND d.kept
  JOIN classes c ON c.name = l.class
) b
WHERE x1 < x2 AND y1 < y2;

-- The dedupe report at a glance.
SELECT count(*) FILTER (WHERE dup_group IS NOT NULL) AS images_in_dup_groups,
       count(DISTINCT dup_group) AS dup_groups,
       count(*) FILTER (WHERE NOT kept) AS images_dropped,
       sum(boxes_removed) AS boxes_removed,
       (SELECT count(*) FROM boxes) AS boxes_kept,
       (SELECT count(*) FROM boxes WHERE NOT is_bb_valid) AS boxes_clipped
FROM dedupe_report;
