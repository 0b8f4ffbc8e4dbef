//! The crate's one error type. Every SQL adapter maps it into `DataFusionError` with the
//! function name as context, so a user sees which call failed and why.
use datafusion::error::DataFusionError;

#[derive(Debug, thiserror::Error)]
pub enum UdfError {
    #[error("{function}(): {message}")]
    Argument { function: String, message: String },
    #[error("{0}")]
    Decode(String),
    #[error("cannot read '{path}': {source}")]
    Io { path: String, #[source] source: std::io::Error },
    #[error("runtime {runtime}: {message}")]
    Runtime { runtime: &'static str, message: String },
    #[error("{0}")]
    Other(String),
}

impl UdfError {
    pub fn arg(function: &str, message: impl Into<String>) -> Self {
        UdfError::Argument { function: function.to_string(), message: message.into() }
    }
}

impl From<UdfError> for DataFusionError {
    fn from(e: UdfError) -> Self {
        match e {
            // Argument problems are the user's query: report them as plan errors.
            UdfError::Argument { .. } => DataFusionError::Plan(e.to_string()),
            other => DataFusionError::External(Box::new(other)),
        }
    }
}

pub type Result<T, E = UdfError> = std::result::Result<T, E>;
