//! Options of the inference scalar functions (detect_boxes, classify): constants per call,
//! read from the evaluated arguments with errors that name the function and the option.
use datafusion::arrow::datatypes::DataType;
use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};
use datafusion::logical_expr::ColumnarValue;

pub struct CallArgs<'a> {
    function: &'static str,
    names: &'static [&'static str],
    args: &'a [ColumnarValue],
}

impl<'a> CallArgs<'a> {
    pub fn new(function: &'static str, names: &'static [&'static str], args: &'a [ColumnarValue]) -> Self {
        CallArgs { function, names, args }
    }

    fn scalar(&self, i: usize) -> Result<Option<ScalarValue>> {
        match self.args.get(i) {
            None => Ok(None),
            Some(ColumnarValue::Scalar(s)) if s.is_null() => Ok(None),
            Some(ColumnarValue::Scalar(s)) => Ok(Some(s.clone())),
            Some(ColumnarValue::Array(_)) => {
                Err(DataFusionError::Plan(format!("{}(): option '{}' must be a constant, not a column", self.function, self.names[i])))
            }
        }
    }

    pub fn str(&self, i: usize) -> Result<Option<String>> {
        Ok(match self.scalar(i)? {
            None => None,
            Some(s) => Some(s.cast_to(&DataType::Utf8)?.to_string()),
        })
    }

    pub fn f64(&self, i: usize, default: f64) -> Result<f64> {
        match self.scalar(i)? {
            None => Ok(default),
            Some(s) => match s.cast_to(&DataType::Float64)? {
                ScalarValue::Float64(Some(v)) if v.is_finite() => Ok(v),
                _ => Err(self.bad(i, "a finite number")),
            },
        }
    }

    pub fn usize(&self, i: usize, default: usize, min: usize) -> Result<usize> {
        match self.scalar(i)? {
            None => Ok(default),
            Some(s) => match s.cast_to(&DataType::Int64)? {
                ScalarValue::Int64(Some(v)) if v >= min as i64 => Ok(v as usize),
                _ => Err(self.bad(i, &format!("an integer >= {min}"))),
            },
        }
    }

    pub fn bool(&self, i: usize, default: bool) -> Result<bool> {
        match self.scalar(i)? {
            None => Ok(default),
            Some(ScalarValue::Boolean(Some(v))) => Ok(v),
            Some(_) => Err(self.bad(i, "true or false")),
        }
    }

    fn bad(&self, i: usize, what: &str) -> DataFusionError {
        DataFusionError::Plan(format!("{}(): option '{}' must be {what}", self.function, self.names[i]))
    }
}
