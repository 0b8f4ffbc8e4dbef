-- Duplicate groups and what the dedupe rule did with each member.
SELECT dup_group, name, src, phash, kept, dropped_in_pass, boxes_removed
FROM dedupe_report WHERE dup_group IS NOT NULL
ORDER BY dup_group, name
LIMIT 40;
