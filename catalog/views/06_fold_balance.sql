-- Images and boxes per fold and class (after cleaning): `boxes` and `images` of one class in
-- one fold; sum over `class` for a fold's totals.
CREATE OR REPLACE VIEW fold_balance AS
SELECT f.fold, b.class_id, b.class, count(*) AS boxes, count(DISTINCT f.name) AS images
FROM folds f JOIN boxes b ON b.name = f.name
GROUP BY f.fold, b.class_id, b.class;
