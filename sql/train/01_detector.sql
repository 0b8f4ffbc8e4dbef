-- train 1. one fold of a YOLOX detector (docs/pipeline.md §4.1-4.3): every train image with its fold
-- and its cleaned boxes (one class, 'WBC'); the other folds train, `fold` validates. The best
-- EMA checkpoint (by COCO AP50:95) is registered in `models` as '<det_name>_fold<fold>' and
-- detect() serves it. Rows stream as training goes (one per evaluated epoch).
-- Parameters: det_name (yolox_nano), det_preset (nano), det_size (416), fold (0),
-- det_epochs (30), det_batch (16), det_lr (learning rate per image, 0.00015625 = YOLOX's 0.01/64),
-- det_no_aug (2), det_warmup (1), det_multiscale (3), det_mosaic (true),
-- det_init ('random', a .safetensors file such as a converted yolox_s.pth, or a registered
-- model), device ('auto'), seed (42), det_max_steps (0 = no bound: stop after this many steps, for a
-- measurement or a smoke test; the run still validates and registers its checkpoint),
-- det_cache_mb (MB of decoded images kept in memory; unset: an eighth of the machine's memory).
CREATE OR REPLACE TABLE detector_rows AS
SELECT i.name, i.path, f.fold,
       array_agg(named_struct('x1', b.x1, 'y1', b.y1, 'x2', b.x2, 'y2', b.y2) ORDER BY b.box_id) AS boxes
FROM images i
JOIN folds f ON f.name = i.name
JOIN boxes b ON b.name = i.name
WHERE i.error IS NULL
GROUP BY i.name, i.path, f.fold;

SELECT fold, count(*) AS images, sum(array_length(boxes)) AS boxes FROM detector_rows GROUP BY fold ORDER BY fold;

SELECT model, epoch, step, round(loss, 3) AS loss, round(iou_loss, 3) AS iou_loss, round(obj_loss, 3) AS obj_loss,
       round(cls_loss, 3) AS cls_loss, round(val_ap, 4) AS val_ap, round(val_ap50, 4) AS val_ap50, round(lr, 6) AS lr,
       round(seconds, 1) AS seconds, round(images_per_s, 1) AS images_per_s, best
FROM train_detector((SELECT path AS image, fold, boxes FROM detector_rows),
  name => '${det_name:-yolox_nano}_fold${fold:int:-0}', preset => '${det_preset:-nano}', input_size => ${det_size:int:-416},
  fold => ${fold:int:-0}, epochs => ${det_epochs:int:-30}, batch_size => ${det_batch:int:-16}, lr_per_image => ${det_lr:float:-0.00015625}, no_aug_epochs => ${det_no_aug:int:-2},
  warmup_epochs => ${det_warmup:int:-1}, multiscale_range => ${det_multiscale:int:-3}, mosaic => ${det_mosaic:bool:-true}, init => '${det_init:-random}',
  device => '${device:-auto}', seed => ${seed:int:-42}, max_steps => NULLIF(${det_max_steps:int:-0}, 0),
  cache_mb => NULLIF(${det_cache_mb:int:--1}, -1))
ORDER BY step;
