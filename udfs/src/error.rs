//! The crate's one error type. Every SQL adapter maps it into `DataFusionError` with the
//! function name as context, so a user sees which call failed and why.
use cytologia_kernels::error::KernelError;
use cytologia_nn::error::NnError;
use cytologia_train::error::TrainError;
use datafusion::error::DataFusionError;

#[derive(Debug, thiserror::Error)]
pub enum UdfError {
    #[error("{function}(): {message}")]
    Argument { function: String, message: String },
    #[error("{0}")]
    Decode(String),
    #[error("cannot read '{path}': {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("runtime {runtime}: {message}")]
    Runtime { runtime: &'static str, message: String },
    #[error("{0}")]
    Other(String),
}

impl From<KernelError> for UdfError {
    fn from(e: KernelError) -> Self {
        match e {
            KernelError::Decode(m) => UdfError::Decode(m),
            KernelError::Io { path, source } => UdfError::Io { path, source },
            KernelError::Other(m) => UdfError::Other(m),
        }
    }
}

impl From<NnError> for UdfError {
    fn from(e: NnError) -> Self {
        match e {
            NnError::Decode(m) => UdfError::Decode(m),
            NnError::Io { path, source } => UdfError::Io { path, source },
            NnError::Runtime { runtime, message } => UdfError::Runtime { runtime, message },
            NnError::Other(m) => UdfError::Other(m),
        }
    }
}

impl From<TrainError> for UdfError {
    fn from(e: TrainError) -> Self {
        match e {
            TrainError::Argument { function, message } => UdfError::Argument { function, message },
            TrainError::Nn(e) => e.into(),
            TrainError::Io { path, source } => UdfError::Io { path, source },
            TrainError::Other(m) => UdfError::Other(m),
        }
    }
}

/// Errors of the layers below, as a DataFusion error (through [`UdfError`], so argument
/// errors stay plan errors).
pub fn df<E: Into<UdfError>>(e: E) -> DataFusionError {
    e.into().into()
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
