use std::collections::BTreeMap;

use datafusion::common::ScalarValue;
use datafusion::error::{DataFusionError, Result};

/// The SQL type an option accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    Int,
    Float,
    Str,
    Bool,
}

impl ParamKind {
    fn label(self) -> &'static str {
        match self {
            ParamKind::Int => "an integer",
            ParamKind::Float => "a number",
            ParamKind::Str => "a string",
            ParamKind::Bool => "a boolean",
        }
    }
}

/// One option of a table function.
#[derive(Debug, Clone)]
pub struct Param {
    pub name: &'static str,
    pub kind: ParamKind,
    /// `None` makes the option required.
    pub default: Option<ScalarValue>,
    pub description: &'static str,
}

impl Param {
    pub fn required(name: &'static str, kind: ParamKind, description: &'static str) -> Self {
        Param { name, kind, default: None, description }
    }
    pub fn optional(name: &'static str, kind: ParamKind, default: ScalarValue, description: &'static str) -> Self {
        Param { name, kind, default: Some(default), description }
    }

    /// Coerces a literal to this option's type, or says what was expected.
    pub(crate) fn coerce(&self, function: &str, value: &ScalarValue) -> Result<ScalarValue> {
        let bad = || DataFusionError::Plan(format!("{function}(): option '{}' expects {}, got {value} ({})", self.name, self.kind.label(), value.data_type()));
        if value.is_null() {
            return Ok(ScalarValue::Null);
        }
        Ok(match self.kind {
            ParamKind::Int => match value {
                ScalarValue::Int8(Some(v)) => ScalarValue::Int64(Some(*v as i64)),
                ScalarValue::Int16(Some(v)) => ScalarValue::Int64(Some(*v as i64)),
                ScalarValue::Int32(Some(v)) => ScalarValue::Int64(Some(*v as i64)),
                ScalarValue::Int64(Some(v)) => ScalarValue::Int64(Some(*v)),
                ScalarValue::UInt8(Some(v)) => ScalarValue::Int64(Some(*v as i64)),
                ScalarValue::UInt16(Some(v)) => ScalarValue::Int64(Some(*v as i64)),
                ScalarValue::UInt32(Some(v)) => ScalarValue::Int64(Some(*v as i64)),
                ScalarValue::UInt64(Some(v)) => ScalarValue::Int64(Some(i64::try_from(*v).map_err(|_| bad())?)),
                _ => return Err(bad()),
            },
            ParamKind::Float => match value.cast_to(&datafusion::arrow::datatypes::DataType::Float64) {
                Ok(v) if value.data_type().is_numeric() => v,
                _ => return Err(bad()),
            },
            ParamKind::Str => match value {
                ScalarValue::Utf8(Some(s)) | ScalarValue::LargeUtf8(Some(s)) | ScalarValue::Utf8View(Some(s)) => ScalarValue::Utf8(Some(s.clone())),
                _ => return Err(bad()),
            },
            ParamKind::Bool => match value {
                ScalarValue::Boolean(Some(b)) => ScalarValue::Boolean(Some(*b)),
                _ => return Err(bad()),
            },
        })
    }
}

/// Options of one call, resolved: every declared option has a value (possibly NULL).
#[derive(Debug, Clone, Default)]
pub struct Args {
    function: String,
    values: BTreeMap<&'static str, ScalarValue>,
}

impl Args {
    pub(crate) fn new(function: &str, values: BTreeMap<&'static str, ScalarValue>) -> Self {
        Args { function: function.to_string(), values }
    }

    pub fn get(&self, name: &str) -> Option<&ScalarValue> {
        self.values.get(name).filter(|v| !v.is_null())
    }

    fn missing(&self, name: &str) -> DataFusionError {
        DataFusionError::Plan(format!("{}(): option '{name}' is required", self.function))
    }

    pub fn i64(&self, name: &str) -> Result<i64> {
        match self.get(name) {
            Some(ScalarValue::Int64(Some(v))) => Ok(*v),
            _ => Err(self.missing(name)),
        }
    }
    pub fn opt_i64(&self, name: &str) -> Option<i64> {
        self.i64(name).ok()
    }
    pub fn f64(&self, name: &str) -> Result<f64> {
        match self.get(name) {
            Some(ScalarValue::Float64(Some(v))) => Ok(*v),
            _ => Err(self.missing(name)),
        }
    }
    pub fn str(&self, name: &str) -> Result<&str> {
        match self.get(name) {
            Some(ScalarValue::Utf8(Some(v))) => Ok(v.as_str()),
            _ => Err(self.missing(name)),
        }
    }
    pub fn opt_str(&self, name: &str) -> Option<&str> {
        self.str(name).ok()
    }
    pub fn bool(&self, name: &str) -> Result<bool> {
        match self.get(name) {
            Some(ScalarValue::Boolean(Some(v))) => Ok(*v),
            _ => Err(self.missing(name)),
        }
    }
    /// The field of the input column an option names, or an error listing the columns.
    pub fn column(&self, schema: &datafusion::common::DFSchema, name: &str) -> Result<datafusion::arrow::datatypes::FieldRef> {
        schema.qualified_field_with_unqualified_name(name).map(|(_, f)| f.clone()).map_err(|_| {
            let cols: Vec<_> = schema.fields().iter().map(|f| f.name().clone()).collect();
            self.error(format!("no column '{name}' in the input (columns: {})", cols.join(", ")))
        })
    }

    /// A plan error that names the function, for checks of option values.
    pub fn error(&self, message: impl std::fmt::Display) -> DataFusionError {
        DataFusionError::Plan(format!("{}(): {message}", self.function))
    }
}
