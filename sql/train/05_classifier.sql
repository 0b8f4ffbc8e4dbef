-- train 5. one fold of a crop classifier (docs/pipeline.md §8): every other fold trains, `fold`
-- validates; the best checkpoint is registered in `models` as '<name>_fold<fold>'. Rows
-- stream as training goes (two evaluations per epoch). Crops are cut as the winning recipe dumped them
-- (PNG, margin 16, §7.1); train_classifier() also accepts the image with x1..y2 columns.
-- Parameters: name (resnet18_crops), architecture (resnet18), size (224), fold (0),
-- epochs (10), batch (32), lr (0.0002), init ('random', a .safetensors file or a registered
-- model), precision ('auto'), backgrounds (false: true adds the background images as class 23, i.e. a 24-class
-- model as the winning recipe's ViT-L bg), mix ('mixup_cutmix'), device ('auto'), seed (42).
SELECT model, round(epoch, 2) AS epoch, step, round(train_loss, 4) AS train_loss, round(val_loss, 4) AS val_loss,
       round(val_f1, 4) AS val_f1, round(lr, 7) AS lr, round(seconds, 1) AS seconds, round(images_per_s, 1) AS images_per_s, best
FROM train_classifier((
    SELECT crop(path, x1, y1, x2, y2, 16) AS image, label, fold, false AS background FROM train_crops
    UNION ALL
    SELECT CAST(jpeg AS BYTEA), 23, fold, true FROM backgrounds WHERE ${backgrounds:bool:-false}
  ),
  name => '${name:-resnet18_crops}_fold${fold:int:-0}', architecture => '${architecture:-resnet18}',
  input_size => ${size:int:-224}, num_classes => CASE WHEN ${backgrounds:bool:-false} THEN 24 ELSE 23 END,
  fold => ${fold:int:-0}, epochs => ${epochs:int:-10}, batch_size => ${batch:int:-32}, lr => ${lr:float:-0.0002},
  init => '${init:-random}', precision => '${precision:-auto}', mix => '${mix:-mixup_cutmix}', device => '${device:-auto}', seed => ${seed:int:-42})
ORDER BY step;
