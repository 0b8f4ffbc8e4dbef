-- The 23 challenge classes in the winning recipe's id order (docs/pipeline.md §1.2): the canonical order of
-- every 23-vector (logits, probabilities, indicators).
CREATE TABLE IF NOT EXISTS classes AS
SELECT CAST(id AS BIGINT) AS id, CAST(name AS VARCHAR) AS name, CAST(meaning AS VARCHAR) AS meaning
FROM (VALUES
  (0, 'PNN', 'Polynucléaires neutrophiles'),
  (1, 'LY', 'Lymphocytes'),
  (2, 'MO', 'Monocytes'),
  (3, 'EO', 'Polynucléaires éosinophiles'),
  (4, 'BA', 'Polynucléaires basophiles'),
  (5, 'Er', 'Érythroblastes'),
  (6, 'PM', 'Promyélocytes (ig)'),
  (7, 'Thromb', 'Plaquettes géantes'),
  (8, 'LAM3', 'Leucémie aiguë myéloïde 3'),
  (9, 'Lysee', 'Cellules lysées'),
  (10, 'LyB', 'Lymphoblastes'),
  (11, 'LLC', 'Leucémie lymphoïde chronique'),
  (12, 'MBL', 'Myéloblastes'),
  (13, 'LGL', 'Lymphocytes à grains'),
  (14, 'B', 'Blastes indifférenciés'),
  (15, 'M', 'Myélocytes (ig)'),
  (16, 'MM', 'Métamyélocytes (ig)'),
  (17, 'LF', 'Lymphome folliculaire'),
  (18, 'MoB', 'Monoblastes'),
  (19, 'LH_lyAct', 'Lymphocytes hyperbasophiles / activés'),
  (20, 'LM', 'Lymphome du manteau'),
  (21, 'LZMG', 'Lymphome de la zone marginale ganglionnaire'),
  (22, 'SS', 'Cellules de Sézary')
) AS t(id, name, meaning);
