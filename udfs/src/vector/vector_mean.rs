use std::sync::{Arc, LazyLock};

use datafusion::arrow::array::{Array, ArrayRef, AsArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, FieldRef, Float64Type};
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::function::{AccumulatorArgs, StateFieldsArgs};
use datafusion::logical_expr::{Accumulator, AggregateUDFImpl, Documentation, Signature, TypeSignature, Volatility};

use super::lists;

const NAME: &str = "vector_mean";

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::Pure;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Aggregate: the element-wise weighted mean of lists, skipping NaN and NULL elements per \
         position (numpy's nanmean; with weights, np.average normalised by the weights of the \
         values present). All lists of a group must have the same length. A position with no value \
         gives NaN. Weights default to 1; rows with a NULL list or weight are ignored.",
        "vector_mean(list[, weight])",
    )
    .with_argument("list", "A list of numbers, e.g. logits.")
    .with_argument("weight", "A non-negative number per row. Default: 1.")
    .with_sql_example("SELECT trustii_id, vector_mean(logits) AS fold_mean FROM predictions WHERE split = 'test' GROUP BY trustii_id;")
    .build()
});

#[derive(Debug, PartialEq, Eq, Hash)]
pub struct VectorMean {
    signature: Signature,
}

impl Default for VectorMean {
    fn default() -> Self {
        VectorMean { signature: Signature::one_of(vec![TypeSignature::Any(1), TypeSignature::Any(2)], Volatility::Immutable) }
    }
}

impl AggregateUDFImpl for VectorMean {
    fn name(&self) -> &str {
        NAME
    }
    fn signature(&self) -> &Signature {
        &self.signature
    }
    fn return_type(&self, args: &[DataType]) -> Result<DataType> {
        if !lists::is_numeric_list(&args[0]) {
            return datafusion::common::plan_err!("{NAME}(): expects a list of numbers, got {}", args[0]);
        }
        if args.len() == 2 && !(args[1].is_numeric() || args[1].is_null()) {
            return datafusion::common::plan_err!("{NAME}(): the weight must be a number, got {}", args[1]);
        }
        Ok(lists::list_f64_type())
    }
    fn accumulator(&self, _args: AccumulatorArgs) -> Result<Box<dyn Accumulator>> {
        Ok(Box::<MeanAcc>::default())
    }
    fn state_fields(&self, _args: StateFieldsArgs) -> Result<Vec<FieldRef>> {
        Ok(vec![Arc::new(Field::new("sum", lists::list_f64_type(), true)), Arc::new(Field::new("weight", lists::list_f64_type(), true))])
    }
    fn documentation(&self) -> Option<&Documentation> {
        Some(&DOC)
    }
}

#[derive(Debug, Default)]
struct MeanAcc {
    sum: Vec<f64>,
    weight: Vec<f64>,
    seen: bool,
}

impl MeanAcc {
    fn ensure(&mut self, len: usize) -> Result<()> {
        if !self.seen {
            self.sum = vec![0.0; len];
            self.weight = vec![0.0; len];
            self.seen = true;
        }
        if len != self.sum.len() {
            return Err(DataFusionError::Execution(format!("{NAME}(): lists of lengths {} and {len} in one group", self.sum.len())));
        }
        Ok(())
    }
}

fn null_list() -> ScalarValue {
    ScalarValue::new_null_list(DataType::Float64, true, 1)
}

fn list(v: impl Iterator<Item = f64>) -> ScalarValue {
    ScalarValue::List(ScalarValue::new_list_from_iter(v.map(|x| ScalarValue::Float64(Some(x))).collect::<Vec<_>>().into_iter(), &DataType::Float64, true))
}

impl Accumulator for MeanAcc {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let l = lists::as_f64_lists(NAME, &values[0])?;
        let w = match values.get(1) {
            Some(w) => Some(cast(w, &DataType::Float64)?),
            None => None,
        };
        let w = w.as_ref().map(|w| w.as_primitive::<Float64Type>());
        for i in 0..l.len() {
            let Some(v) = lists::row(&l, i) else { continue };
            let weight = match w {
                Some(w) if w.is_null(i) => continue,
                Some(w) => w.value(i),
                None => 1.0,
            };
            if weight < 0.0 || !weight.is_finite() {
                return Err(DataFusionError::Execution(format!("{NAME}(): weight {weight} is not a finite non-negative number")));
            }
            self.ensure(v.len())?;
            for (k, x) in v.iter().enumerate() {
                if !x.is_nan() {
                    self.sum[k] += x * weight;
                    self.weight[k] += weight;
                }
            }
        }
        Ok(())
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let (s, w) = (lists::as_f64_lists(NAME, &states[0])?, lists::as_f64_lists(NAME, &states[1])?);
        for i in 0..s.len() {
            if let (Some(sum), Some(weight)) = (lists::row(&s, i), lists::row(&w, i)) {
                self.ensure(sum.len())?;
                for k in 0..sum.len() {
                    self.sum[k] += sum[k];
                    self.weight[k] += weight[k];
                }
            }
        }
        Ok(())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        if !self.seen {
            return Ok(vec![null_list(), null_list()]);
        }
        Ok(vec![list(self.sum.iter().copied()), list(self.weight.iter().copied())])
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        if !self.seen {
            return Ok(null_list());
        }
        Ok(list(self.sum.iter().zip(&self.weight).map(|(s, w)| if *w > 0.0 { s / w } else { f64::NAN })))
    }

    fn size(&self) -> usize {
        std::mem::size_of::<Self>() + 16 * self.sum.capacity()
    }
}
