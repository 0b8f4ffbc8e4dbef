use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Fields};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, TypeSignature, Volatility};

use crate::boxes::box_lists;
use cytologia_kernels::eval::coco::{CocoImage, coco_ap};

const NAME: &str = "coco_map";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Aggregate over images: COCO box AP as pycocotools' COCOeval computes it for one category \
         (IoU thresholds 0.50:0.05:0.95, 101 recall points, at most 100 detections per image by \
         score, area range 'all'). Each row is one image with its ground-truth boxes and its \
         detections; an image with no truth and some detections adds false positives. Returns a \
         struct: `ap` (AP@[.50:.95]), `ap50`, `ap75`, `ar100` (recall with 100 detections), and \
         the counts `images`, `truths`, `detections`. With no ground-truth box at all the APs are \
         -1, as pycocotools reports.",
        "coco_map(truth, detections[, image])",
    )
    .with_argument("truth", "List of structs with x1, y1, x2, y2 (pixels): the image's ground-truth boxes; NULL = none.")
    .with_argument("detections", "List of structs with x1, y1, x2, y2 and score: the image's detections; NULL = none.")
    .with_argument("image", "Optional image id: images are evaluated in its order, as pycocotools sorts image ids (it decides between detections of equal score on different images); without it, in the order rows arrive.")
    .with_sql_example(
        "SELECT (coco_map(t.boxes, d.boxes)).ap50 FROM truth t LEFT JOIN (SELECT image, array_agg(named_struct('x1', x1, 'y1', y1, 'x2', x2, 'y2', y2, 'score', score)) AS boxes FROM detections GROUP BY image) d USING (image);",
    )
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct CocoMap {
    signature: Signature,
}

impl Default for CocoMap {
    fn default() -> Self {
        CocoMap { signature: Signature::one_of(vec![TypeSignature::Any(2), TypeSignature::Any(3)], Volatility::Immutable) }
    }
}

fn result_fields() -> Fields {
    let f = |n: &str, t: DataType| Field::new(n, t, false);
    Fields::from(vec![
        f("ap", DataType::Float64),
        f("ap50", DataType::Float64),
        f("ap75", DataType::Float64),
        f("ar100", DataType::Float64),
        f("images", DataType::Int64),
        f("truths", DataType::Int64),
        f("detections", DataType::Int64),
    ])
}

impl AggregateUDFImpl for CocoMap {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Struct(result_fields()))
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::<CocoAcc>::default())
    }
    fn state_fields(&self, _args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new("images", DataType::Binary, true))])
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[derive(Debug, Default)]
struct CocoAcc {
    /// Each image with its sort key (the `image` argument, or its arrival number).
    images: Vec<(String, CocoImage)>,
}

/// The partial state: every image's boxes as little-endian f64s, counts first.
fn encode(images: &[(String, CocoImage)]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&(images.len() as f64).to_le_bytes());
    for (key, im) in images {
        out.extend_from_slice(&(key.len() as f64).to_le_bytes());
        out.extend_from_slice(key.as_bytes());
        let mut put = |v: f64| out.extend_from_slice(&v.to_le_bytes());
        put(im.truth.len() as f64);
        im.truth.iter().flatten().for_each(|&v| put(v));
        put(im.detections.len() as f64);
        for (b, s) in &im.detections {
            b.iter().for_each(|&v| put(v));
            put(*s);
        }
    }
    out
}

fn decode(bytes: &[u8], into: &mut Vec<(String, CocoImage)>) -> Result<()> {
    let bad = || datafusion::error::DataFusionError::Internal(format!("{NAME}: corrupt partial state"));
    let mut pos = 0usize;
    let mut take = |n: usize| -> Result<&[u8]> {
        let s = bytes.get(pos..pos + n).ok_or_else(bad)?;
        pos += n;
        Ok(s)
    };
    let n = f64::from_le_bytes(take(8)?.try_into().map_err(|_| bad())?) as usize;
    for _ in 0..n {
        let klen = f64::from_le_bytes(take(8)?.try_into().map_err(|_| bad())?) as usize;
        let key = String::from_utf8(take(klen)?.to_vec()).map_err(|_| bad())?;
        let mut next = || -> Result<f64> { Ok(f64::from_le_bytes(take(8)?.try_into().map_err(|_| bad())?)) };
        let t = next()? as usize;
        let truth = (0..t).map(|_| Ok([next()?, next()?, next()?, next()?])).collect::<Result<Vec<_>>>()?;
        let d = next()? as usize;
        let detections = (0..d).map(|_| Ok(([next()?, next()?, next()?, next()?], next()?))).collect::<Result<Vec<_>>>()?;
        into.push((key, CocoImage { truth, detections }));
    }
    Ok(())
}

impl Accumulator for CocoAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let err = |e: crate::error::UdfError| datafusion::error::DataFusionError::Execution(e.to_string());
        let truth = box_lists::read(NAME, "truth", &values[0], &["x1", "y1", "x2", "y2"], &[]).map_err(err)?;
        let dets = box_lists::read(NAME, "detections", &values[1], &["x1", "y1", "x2", "y2", "score"], &[]).map_err(err)?;
        let keys: Option<Vec<Option<String>>> = match values.get(2) {
            Some(k) => Some(super::macro_f1::labels(k, None)?),
            None => None,
        };
        for (r, (t, d)) in truth.into_iter().zip(dets).enumerate() {
            let truth: Vec<[f64; 4]> = t.unwrap_or_default().into_iter().map(|v| [v[0], v[1], v[2], v[3]]).collect();
            let detections: Vec<([f64; 4], f64)> = d.unwrap_or_default().into_iter().map(|v| ([v[0], v[1], v[2], v[3]], v[4])).collect();
            if truth.iter().flatten().chain(detections.iter().flat_map(|(b, s)| b.iter().chain(std::iter::once(s)))).any(|v| !v.is_finite()) {
                return Err(datafusion::error::DataFusionError::Execution(format!("{NAME}(): row {r}: a box coordinate or score is NULL or not finite")));
            }
            // Without ids, the arrival number (zero-padded, so text order is number order).
            let key = match &keys {
                Some(k) => k[r].clone().unwrap_or_default(),
                None => format!("{:020}", self.images.len()),
            };
            self.images.push((key, CocoImage { truth, detections }));
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let s = states[0].as_binary::<i32>();
        for i in 0..s.len() {
            if !s.is_null(i) {
                decode(s.value(i), &mut self.images)?;
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Binary(Some(encode(&self.images)))])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        // A stable sort: equal ids keep their arrival order.
        self.images.sort_by(|a, b| a.0.cmp(&b.0));
        let images: Vec<CocoImage> = std::mem::take(&mut self.images).into_iter().map(|(_, i)| i).collect();
        let r = coco_ap(&images);
        let values: Vec<ArrayRef> = vec![
            Arc::new(datafusion::arrow::array::Float64Array::from(vec![r.ap])),
            Arc::new(datafusion::arrow::array::Float64Array::from(vec![r.ap50])),
            Arc::new(datafusion::arrow::array::Float64Array::from(vec![r.ap75])),
            Arc::new(datafusion::arrow::array::Float64Array::from(vec![r.ar100])),
            Arc::new(datafusion::arrow::array::Int64Array::from(vec![r.images as i64])),
            Arc::new(datafusion::arrow::array::Int64Array::from(vec![r.truths as i64])),
            Arc::new(datafusion::arrow::array::Int64Array::from(vec![r.detections as i64])),
        ];
        Ok(ScalarValue::Struct(Arc::new(datafusion::arrow::array::StructArray::try_new(result_fields(), values, None)?)))
    }

    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.images.iter().map(|(k, i)| 72 + k.len() + i.truth.len() * 32 + i.detections.len() * 40).sum::<usize>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_state_round_trips() {
        let images = vec![
            ("b".to_string(), CocoImage { truth: vec![[1.0, 2.0, 3.0, 4.0]], detections: vec![([1.5, 2.0, 3.0, 4.0], 0.9), ([0.0, 0.0, 1.0, 1.0], 0.1)] }),
            ("é".to_string(), CocoImage { truth: vec![], detections: vec![] }),
        ];
        let mut back = Vec::new();
        decode(&encode(&images), &mut back).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!((back[0].0.as_str(), back[1].0.as_str()), ("b", "é"));
        assert_eq!(back[0].1.truth, images[0].1.truth);
        assert_eq!(back[0].1.detections, images[0].1.detections);
        assert!(back[1].1.truth.is_empty() && back[1].1.detections.is_empty());
        assert!(decode(&encode(&images)[..20], &mut Vec::new()).is_err());
    }
}
