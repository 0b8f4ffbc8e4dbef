use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef};
use datafusion::common::ScalarValue;
use datafusion::error::Result;
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, Volatility};

use cytologia_kernels::eval::f1;

const NAME: &str = "macro_f1";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Aggregate: macro-averaged F1 with scikit-learn's semantics (`f1_score(average='macro')`): \
         the classes are the union of the labels seen in truth and prediction (compared as text), \
         a class never predicted or never true scores 0. A NULL prediction counts as the label \
         'nan', as the challenge metric's pandas code would; NULL truth rows are ignored.",
        "macro_f1(truth, pred)",
    )
    .with_argument("truth", "The true class (text or id).")
    .with_argument("pred", "The predicted class, same kind as truth.")
    .with_sql_example("SELECT fold, macro_f1(class, pred_class) FROM oof GROUP BY fold;")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct MacroF1 {
    signature: Signature,
}

impl Default for MacroF1 {
    fn default() -> Self {
        MacroF1 { signature: Signature::any(2, Volatility::Immutable) }
    }
}

fn text_list() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

impl AggregateUDFImpl for MacroF1 {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(DataType::Float64)
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::<F1Acc>::default())
    }
    fn state_fields(&self, _args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new("truth", text_list(), true)), Arc::new(Field::new("pred", text_list(), true))])
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[derive(Debug, Default)]
struct F1Acc {
    truth: Vec<String>,
    pred: Vec<String>,
}

/// Labels compared as text; a missing prediction is pandas' "nan".
pub fn labels(a: &ArrayRef, missing: Option<&str>) -> Result<Vec<Option<String>>> {
    let s = cast(a, &DataType::Utf8)?;
    let s = s.as_string::<i32>();
    Ok((0..s.len()).map(|i| if s.is_null(i) { missing.map(String::from) } else { Some(s.value(i).to_string()) }).collect())
}

impl Accumulator for F1Acc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let (t, p) = (labels(&values[0], None)?, labels(&values[1], Some("nan"))?);
        for (t, p) in t.into_iter().zip(p) {
            if let (Some(t), Some(p)) = (t, p) {
                self.truth.push(t);
                self.pred.push(p);
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (t, p) = (states[0].as_list::<i32>(), states[1].as_list::<i32>());
        for i in 0..t.len() {
            if t.is_null(i) || p.is_null(i) {
                continue;
            }
            let (tv, pv) = (labels(&t.value(i), None)?, labels(&p.value(i), Some("nan"))?);
            for (a, b) in tv.into_iter().zip(pv) {
                if let (Some(a), Some(b)) = (a, b) {
                    self.truth.push(a);
                    self.pred.push(b);
                }
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        let list =
            |v: &[String]| ScalarValue::List(ScalarValue::new_list_from_iter(v.iter().map(|s| ScalarValue::Utf8(Some(s.clone()))), &DataType::Utf8, true));
        Ok(vec![list(&self.truth), list(&self.pred)])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if self.truth.is_empty() {
            return Ok(ScalarValue::Float64(None));
        }
        let r = f1::class_report(self.truth.iter().map(String::as_str).zip(self.pred.iter().map(String::as_str)));
        Ok(ScalarValue::Float64(Some(r.macro_f1)))
    }

    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + self.truth.iter().chain(&self.pred).map(|s| s.capacity() + 24).sum::<usize>()
    }
}
