-- train 5. one fold of a crop classifier (docs/pipeline.md §8): every other fold trains, `fold`
-- validates; the best checkpoint is registered in `models` as '<name>_fold<fold>'. Rows
-- stream as training goes (two evaluations per epoch). Each crop is the box of `train_crops`
-- with margin 16 (§7.1), cut from its image when a batch needs it: the same pixels as the
-- winning recipe's dumped PNG crops, without holding 52k encoded crops in the query's result
-- (background images, kept as JPEG bytes, travel as data: URLs in the same column).
-- Parameters: name (resnet18_crops), architecture (resnet18), size (224), fold (0),
-- epochs (10), batch (32), lr (0.0002), init ('random', a .safetensors file or a registered
-- model), precision ('auto'), backgrounds (false: true adds the background images as class 23, i.e. a 24-class
-- model as the winning recipe's ViT-L bg), mix ('mixup_cutmix'), device ('auto'), seed (42),
-- max_steps (0 = no bound: stop after this many steps; the run still validates and registers),
-- cache_mb (MB of decoded crops kept in memory; unset: an eighth of the machine's memory),
-- sample_every (1: keep the crops whose box_id is a multiple of it, a sample for measurements).
SELECT model, round(epoch, 2) AS epoch, step, round(train_loss, 4) AS train_loss, round(val_loss, 4) AS val_loss,
       round(val_f1, 4) AS val_f1, round(lr, 7) AS lr, round(seconds, 1) AS seconds, round(images_per_s, 1) AS images_per_s, best
FROM train_classifier((
    SELECT path AS image, CAST(x1 AS DOUBLE) AS x1, CAST(y1 AS DOUBLE) AS y1, CAST(x2 AS DOUBLE) AS x2, CAST(y2 AS DOUBLE) AS y2,
           label, fold, false AS background
    FROM train_crops WHERE box_id % ${sample_every:int:-1} = 0
    UNION ALL
    SELECT 'data:image/jpeg;base64,' || encode(jpeg, 'base64'), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE), 23, fold, true
    FROM backgrounds WHERE ${backgrounds:bool:-false}
  ),
  name => '${name:-resnet18_crops}_fold${fold:int:-0}', architecture => '${architecture:-resnet18}',
  input_size => ${size:int:-224}, num_classes => CASE WHEN ${backgrounds:bool:-false} THEN 24 ELSE 23 END,
  fold => ${fold:int:-0}, epochs => ${epochs:int:-10}, batch_size => ${batch:int:-32}, lr => ${lr:float:-0.0002},
  init => '${init:-random}', precision => '${precision:-auto}', mix => '${mix:-mixup_cutmix}', device => '${device:-auto}', seed => ${seed:int:-42},
  max_steps => NULLIF(${max_steps:int:-0}, 0), cache_mb => NULLIF(${cache_mb:int:--1}, -1))
ORDER BY step;
