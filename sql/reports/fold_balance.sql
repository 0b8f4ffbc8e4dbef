-- Images and boxes per fold, and boxes per class per fold (columns = folds 0-3), from the
-- catalog view fold_balance.
SELECT f.fold, count(DISTINCT f.name) AS images, count(*) AS boxes
FROM folds f JOIN boxes b ON b.name = f.name
GROUP BY f.fold ORDER BY f.fold;

SELECT class_id, class,
       sum(boxes) FILTER (WHERE fold = 0) AS fold0, sum(boxes) FILTER (WHERE fold = 1) AS fold1,
       sum(boxes) FILTER (WHERE fold = 2) AS fold2, sum(boxes) FILTER (WHERE fold = 3) AS fold3
FROM fold_balance
GROUP BY class_id, class ORDER BY class_id;
