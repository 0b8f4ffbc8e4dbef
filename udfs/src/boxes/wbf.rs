use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Float32Array, Float64Array, StructArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields, Float64Type};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, DocSection, Documentation, Signature, TypeSignature, Volatility};

use super::fusion::{self, RawBox};

const NAME: &str = "wbf";

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        DocSection { include: true, label: "Box functions", description: None },
        "Aggregate: weighted boxes fusion of one image's raw boxes with the exact semantics of \
         ensemble_boxes 1.0.9 `weighted_boxes_fusion` as the seed called it (seed-spec §6.1-6.2: \
         coordinates normalised by the image size, one model list, boxes below `skip_box_thr` \
         dropped, sorted by score, each matched to the running fused box with IoU strictly above \
         `iou_thr`, score-weighted coordinates in float32, mean score). Returns \
         `list<struct{x1, y1, x2, y2 (float64, pixels), score (float32)}>` in fused order. Rows \
         reach an aggregate in no set order, so equal scores are broken by (x1, y1, x2, y2) \
         ascending. Feeding every box several times (the seed did, once per test.csv row) gives \
         the same clusters and scores, but single boxes are then averaged in float32 like \
         merged ones, which moves about 0.2% of rounded boxes: repeat rows to match the seed \
         (sql/05_fit_boxes.sql does).",
        "wbf(x1, y1, x2, y2, score, width, height[, iou_thr[, skip_box_thr]])",
    )
    .with_argument("x1, y1, x2, y2", "A raw box in image pixels.")
    .with_argument("score", "The box's score.")
    .with_argument("width, height", "The image size (the same for every row of a group).")
    .with_argument("iou_thr", "Match threshold. Default: 0.25.")
    .with_argument("skip_box_thr", "Boxes scoring below it are ignored. Default: 0.0001.")
    .with_sql_example("SELECT name, unnest(wbf(x1, y1, x2, y2, score, width, height)) AS box FROM detections GROUP BY name;")
    .build()
});

pub fn fused_fields() -> Fields {
    Fields::from(vec![
        Field::new("x1", DataType::Float64, false),
        Field::new("y1", DataType::Float64, false),
        Field::new("x2", DataType::Float64, false),
        Field::new("y2", DataType::Float64, false),
        Field::new("score", DataType::Float32, false),
    ])
}

fn return_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Struct(fused_fields()), true)))
}

fn f64_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Float64, true)))
}

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct Wbf {
    signature: Signature,
}

impl Default for Wbf {
    fn default() -> Self {
        Wbf { signature: Signature::one_of((7..=9).map(TypeSignature::Any).collect(), Volatility::Immutable) }
    }
}

impl AggregateUDFImpl for Wbf {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        if let Some(t) = args.iter().find(|t| !(t.is_numeric() || t.is_null())) {
            return datafusion::common::plan_err!("{NAME}(): every argument must be a number, got {t}");
        }
        Ok(return_type())
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::<WbfAcc>::default())
    }
    fn state_fields(&self, _args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        // Boxes as five parallel lists, plus [width, height, iou_thr, skip_box_thr].
        Ok(["x1", "y1", "x2", "y2", "score", "params"].iter().map(|n| Arc::new(Field::new(*n, f64_list(), true))).collect())
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[derive(Debug, Default)]
struct WbfAcc {
    boxes: Vec<RawBox>,
    /// width, height, iou_thr, skip_box_thr of the group (the first row's).
    params: Option<[f64; 4]>,
}

impl WbfAcc {
    fn set_params(&mut self, p: [f64; 4]) -> Result<()> {
        match self.params {
            None => {
                if !(p[0] > 0.0 && p[1] > 0.0) {
                    return Err(DataFusionError::Execution(format!("{NAME}(): image size {}x{} must be positive", p[0], p[1])));
                }
                self.params = Some(p);
                Ok(())
            }
            Some(q) if q == p => Ok(()),
            Some(q) => Err(DataFusionError::Execution(format!(
                "{NAME}(): one group mixes image sizes or thresholds ({}x{} iou {} skip {} vs {}x{} iou {} skip {}); group by image",
                q[0], q[1], q[2], q[3], p[0], p[1], p[2], p[3]
            ))),
        }
    }
}

fn f64s(a: &ArrayRef) -> Result<Float64Array> {
    Ok(cast(a, &DataType::Float64)?.as_primitive::<Float64Type>().clone())
}

impl Accumulator for WbfAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let cols: Vec<Float64Array> = values.iter().map(f64s).collect::<Result<_>>()?;
        let opt = |k: usize, i: usize, d: f64| cols.get(k).map(|c| if c.is_null(i) { d } else { c.value(i) }).unwrap_or(d);
        for i in 0..cols[0].len() {
            if cols[..7].iter().any(|c| c.is_null(i)) {
                continue;
            }
            self.set_params([cols[5].value(i), cols[6].value(i), opt(7, i, 0.25), opt(8, i, 0.0001)])?;
            self.boxes.push(RawBox { x1: cols[0].value(i), y1: cols[1].value(i), x2: cols[2].value(i), y2: cols[3].value(i), score: cols[4].value(i) });
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let lists: Vec<_> = states.iter().map(|s| s.as_list::<i32>().clone()).collect();
        for i in 0..lists[0].len() {
            if lists[5].is_null(i) {
                continue;
            }
            let get = |k: usize| -> Float64Array { lists[k].value(i).as_primitive::<Float64Type>().clone() };
            let p = get(5);
            if p.len() == 4 {
                self.set_params([p.value(0), p.value(1), p.value(2), p.value(3)])?;
            }
            let (x1, y1, x2, y2, s) = (get(0), get(1), get(2), get(3), get(4));
            for k in 0..x1.len() {
                self.boxes.push(RawBox { x1: x1.value(k), y1: y1.value(k), x2: x2.value(k), y2: y2.value(k), score: s.value(k) });
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let list = |v: Vec<f64>| ScalarValue::List(ScalarValue::new_list_from_iter(v.into_iter().map(|x| ScalarValue::Float64(Some(x))), &DataType::Float64, true));
        let b = &self.boxes;
        Ok(vec![
            list(b.iter().map(|r| r.x1).collect()),
            list(b.iter().map(|r| r.y1).collect()),
            list(b.iter().map(|r| r.x2).collect()),
            list(b.iter().map(|r| r.y2).collect()),
            list(b.iter().map(|r| r.score).collect()),
            match self.params {
                Some(p) => list(p.to_vec()),
                None => ScalarValue::new_null_list(DataType::Float64, true, 1),
            },
        ])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        let fused = match self.params {
            Some([w, h, iou, skip]) => fusion::weighted_boxes_fusion(&self.boxes, w, h, iou, skip),
            None => Vec::new(),
        };
        let cols: Vec<ArrayRef> = vec![
            Arc::new(Float64Array::from_iter_values(fused.iter().map(|f| f.x1))),
            Arc::new(Float64Array::from_iter_values(fused.iter().map(|f| f.y1))),
            Arc::new(Float64Array::from_iter_values(fused.iter().map(|f| f.x2))),
            Arc::new(Float64Array::from_iter_values(fused.iter().map(|f| f.y2))),
            Arc::new(Float32Array::from_iter_values(fused.iter().map(|f| f.score as f32))),
        ];
        let s = StructArray::try_new(fused_fields(), cols, None)?;
        Ok(ScalarValue::List(Arc::new(datafusion::arrow::array::ListArray::new(
            Arc::new(Field::new_list_field(DataType::Struct(fused_fields()), true)),
            datafusion::arrow::buffer::OffsetBuffer::from_lengths([s.len()]),
            Arc::new(s),
            None,
        ))))
    }

    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.boxes.capacity() * std::mem::size_of::<RawBox>()
    }
}
