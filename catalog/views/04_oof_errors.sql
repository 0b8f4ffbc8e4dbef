-- Out-of-fold predictions with class names: the truth and the argmax of the logits (a logit past
-- the 23 classes, the winning recipe's extra one, shows as 'logit N'); then per-class error
-- rates and confusion per model and fold.
CREATE OR REPLACE VIEW oof_matches AS
SELECT p.model, p.fold, p.box_id, p.name, t.name AS truth,
       COALESCE(c.name, 'logit ' || CAST(argmax(p.logits) AS VARCHAR)) AS pred
FROM oof_predictions p
JOIN classes t ON t.id = p.label
LEFT JOIN classes c ON c.id = argmax(p.logits);

CREATE OR REPLACE VIEW oof_class_errors AS
SELECT model, fold, class, support, predicted, tp, precision, recall, f1, error_rate
FROM class_report(oof_matches);

CREATE OR REPLACE VIEW oof_confusion AS
SELECT model, fold, truth, pred, n FROM confusion(oof_matches);
