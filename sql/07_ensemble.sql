-- 7. ensemble (docs/pipeline.md §9): per crop, the multi-class logits 0..22 (a 24th "Background"
-- logit is dropped first) are averaged NaN-skipping over folds, then over the models of a
-- group, then across groups with weights; for images with exactly one test.csv row the
-- class is argmax(alpha·softmax(multi-class) + (1-alpha)·sigmoid(multi-label)), otherwise
-- argmax of the multi-class logits.
-- A model's group is the part of its `architecture` before '/' (register e.g.
-- architecture => 'mc_224/vitl'); models without one form a group of their own.
-- Parameters: alpha (0.457), classes (23), group_weight (0.25: the winning recipe weighted its four
-- groups equally; np.average normalises, so equal weights are a plain mean; to weight groups
-- differently, add rows to the `weights` CTE below).
CREATE OR REPLACE TABLE final_predictions AS
WITH member AS (
  SELECT name AS model, task,
         COALESCE(split_part(architecture, '/', 1), name) AS grp,
         COALESCE(architecture, name) AS arch
  FROM models
), weights AS (
  SELECT DISTINCT grp, CAST(${group_weight:float:-0.25} AS DOUBLE) AS w FROM member
), per_arch AS (     -- fold average of each architecture
  SELECT m.grp, m.arch, p.trustii_id, vector_mean(array_slice(p.logits, 1, ${classes:int:-23})) AS l
  FROM predictions p JOIN member m ON m.model = p.model
  WHERE p.split = 'test' AND m.task = 'classifier'
  GROUP BY m.grp, m.arch, p.trustii_id
), per_group AS (    -- models of a group weigh equally
  SELECT grp, trustii_id, vector_mean(l) AS l FROM per_arch GROUP BY grp, trustii_id
), mc AS (
  SELECT g.trustii_id, vector_mean(g.l, w.w) AS l FROM per_group g JOIN weights w ON w.grp = g.grp GROUP BY g.trustii_id
), ml AS (           -- multi-label: fold average per image, background logit dropped
  SELECT p.name, vector_mean(array_slice(p.logits, 1, ${classes:int:-23})) AS l
  FROM predictions p JOIN member m ON m.model = p.model
  WHERE p.split = 'test' AND m.task = 'multilabel'
  GROUP BY p.name
), wbc AS (
  SELECT name, count(*) AS n FROM test_rows GROUP BY name
), rows AS (
  SELECT t.trustii_id, t.name, mc.l AS l_mc, ml.l AS l_ml, wbc.n
  FROM test_rows t JOIN wbc ON wbc.name = t.name
  LEFT JOIN mc ON mc.trustii_id = t.trustii_id LEFT JOIN ml ON ml.name = t.name
), blended AS (      -- np.average([p_mc, p_ml], weights=[alpha, 1-alpha]) for single-WBC images
  SELECT trustii_id, vector_mean(p, w) AS e FROM (
    SELECT trustii_id, softmax(l_mc) AS p, CAST(${alpha:float:-0.457} AS DOUBLE) AS w FROM rows WHERE n = 1 AND l_ml IS NOT NULL
    UNION ALL
    SELECT trustii_id, sigmoid(l_ml), 1 - CAST(${alpha:float:-0.457} AS DOUBLE) FROM rows WHERE n = 1 AND l_ml IS NOT NULL
  ) GROUP BY trustii_id
), decided AS (
  SELECT r.trustii_id, r.name,
         CASE WHEN b.e IS NOT NULL THEN argmax(b.e) ELSE argmax(r.l_mc) END AS class_id,
         CASE WHEN b.e IS NOT NULL THEN b.e ELSE softmax(r.l_mc) END AS probs
  FROM rows r LEFT JOIN blended b ON b.trustii_id = r.trustii_id
)
SELECT d.trustii_id, d.name, d.class_id, c.name AS class, CAST(d.probs[d.class_id + 1] AS REAL) AS prob
FROM decided d LEFT JOIN classes c ON c.id = d.class_id;

SELECT class, count(*) AS rows, round(avg(prob), 3) AS mean_prob FROM final_predictions GROUP BY class ORDER BY rows DESC, class;
