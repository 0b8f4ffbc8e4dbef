-- Images and boxes per fold, and boxes per class per fold (columns = folds 0-3).
SELECT f.fold, count(DISTINCT f.name) AS images, count(*) AS boxes
FROM folds f JOIN boxes b ON b.name = f.name
GROUP BY f.fold ORDER BY f.fold;

SELECT b.class_id, b.class,
       count(*) FILTER (WHERE f.fold = 0) AS fold0, count(*) FILTER (WHERE f.fold = 1) AS fold1,
       count(*) FILTER (WHERE f.fold = 2) AS fold2, count(*) FILTER (WHERE f.fold = 3) AS fold3
FROM boxes b JOIN folds f ON f.name = b.name
GROUP BY b.class_id, b.class ORDER BY b.class_id;
