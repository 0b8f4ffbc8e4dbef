-- 3. folds: per-image stratification features (docs/pipeline.md §3.1-3.2) and multilabel stratified
-- folds (§3.3). Parameters: k = folds (default 4), seed (default 42); near_dup_folds (default
-- false, as the winning recipe): keep each cluster of near-duplicate images (near_duplicates
-- within near_dup_distance bits, default 10) inside one fold, so none straddles train and
-- validation.

-- One row per cleaned train image; `labels` holds the 23 class indicators in class-id order.
CREATE OR REPLACE TABLE fold_features AS
SELECT name, width, height, img_surface, bb_avg_surface_ratio, n_boxes, labels, multilabel,
       cut_bin(img_surface, min(img_surface) OVER (), max(img_surface) OVER (), 5) AS surface_bin,
       cut_bin(bb_avg_surface_ratio, min(bb_avg_surface_ratio) OVER (), max(bb_avg_surface_ratio) OVER (), 5) AS bb_avg_surface_ratio_bin,
       cut_bin(mean, min(mean) OVER (), max(mean) OVER (), 5) AS mean_bin,
       cut_bin(std, min(std) OVER (), max(std) OVER (), 4) AS std_bin
FROM (
  SELECT b.name, b.width, b.height, b.width * b.height AS img_surface,
         avg(CAST(b.bb_width * b.bb_height * 100 AS DOUBLE) / (b.width * b.height)) AS bb_avg_surface_ratio,
         count(*) AS n_boxes,
         make_array(
           max(CASE WHEN class_id = 0 THEN 1 ELSE 0 END), max(CASE WHEN class_id = 1 THEN 1 ELSE 0 END),
           max(CASE WHEN class_id = 2 THEN 1 ELSE 0 END), max(CASE WHEN class_id = 3 THEN 1 ELSE 0 END),
           max(CASE WHEN class_id = 4 THEN 1 ELSE 0 END), max(CASE WHEN class_id = 5 THEN 1 ELSE 0 END),
           max(CASE WHEN class_id = 6 THEN 1 ELSE 0 END), max(CASE WHEN class_id = 7 THEN 1 ELSE 0 END),
           max(CASE WHEN class_id = 8 THEN 1 ELSE 0 END), max(CASE WHEN class_id = 9 THEN 1 ELSE 0 END),
           max(CASE WHEN class_id = 10 THEN 1 ELSE 0 END), max(CASE WHEN class_id = 11 THEN 1 ELSE 0 END),
           max(CASE WHEN class_id = 12 THEN 1 ELSE 0 END), max(CASE WHEN class_id = 13 THEN 1 ELSE 0 END),
           max(CASE WHEN class_id = 14 THEN 1 ELSE 0 END), max(CASE WHEN class_id = 15 THEN 1 ELSE 0 END),
           max(CASE WHEN class_id = 16 THEN 1 ELSE 0 END), max(CASE WHEN class_id = 17 THEN 1 ELSE 0 END),
           max(CASE WHEN class_id = 18 THEN 1 ELSE 0 END), max(CASE WHEN class_id = 19 THEN 1 ELSE 0 END),
           max(CASE WHEN class_id = 20 THEN 1 ELSE 0 END), max(CASE WHEN class_id = 21 THEN 1 ELSE 0 END),
           max(CASE WHEN class_id = 22 THEN 1 ELSE 0 END)
         ) AS labels,
         array_to_string(array_sort(array_distinct(array_agg(b.class_id))), '|') AS multilabel,
         max(i.mean) AS mean, max(i.std) AS std
  FROM boxes b JOIN images i ON i.name = b.name
  GROUP BY b.name, b.width, b.height
) per_image;

-- The winning recipe's 27 stratification columns: 23 indicators then the four bins (iterstrat casts
-- them to booleans, so a bin counts as "bin != 0").
-- Only one of the two multilabel_kfold calls runs: the other's filter is constant false.
CREATE OR REPLACE TABLE folds AS
SELECT f.name, k.fold, f.width, f.height, f.img_surface, f.bb_avg_surface_ratio, f.n_boxes, f.labels,
       f.multilabel, f.surface_bin, f.bb_avg_surface_ratio_bin, f.mean_bin, f.std_bin
FROM fold_features f
JOIN (
  SELECT * FROM multilabel_kfold(
    (SELECT name, array_concat(labels, make_array(surface_bin, bb_avg_surface_ratio_bin, mean_bin, std_bin)) AS y FROM fold_features),
    id => 'name', labels => 'y', k => ${k:int:-4}, seed => ${seed:int:-42})
  WHERE NOT ${near_dup_folds:bool:-false}
  UNION ALL
  SELECT * FROM multilabel_kfold(
    (SELECT f.name, array_concat(f.labels, make_array(f.surface_bin, f.bb_avg_surface_ratio_bin, f.mean_bin, f.std_bin)) AS y,
            COALESCE('near-duplicates ' || CAST(n.cluster_id AS VARCHAR), f.name) AS grp
     FROM fold_features f
     LEFT JOIN near_duplicates((SELECT i.name, i.phash FROM images i JOIN fold_features ff ON ff.name = i.name),
                               max_distance => ${near_dup_distance:int:-10}) n ON n.name = f.name),
    id => 'name', labels => 'y', k => ${k:int:-4}, seed => ${seed:int:-42}, group => 'grp')
  WHERE ${near_dup_folds:bool:-false}
) k ON k.name = f.name;
