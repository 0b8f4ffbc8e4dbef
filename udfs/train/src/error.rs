//! The crate's one error type; errors of the layers below convert into it with `?`.
use cytologia_kernels::error::KernelError;
use cytologia_nn::error::NnError;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("{function}(): {message}")]
    Argument { function: String, message: String },
    #[error(transparent)]
    Nn(#[from] NnError),
    #[error("cannot read '{path}': {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

impl From<KernelError> for TrainError {
    fn from(e: KernelError) -> Self {
        TrainError::Nn(e.into())
    }
}

impl TrainError {
    pub fn arg(function: &str, message: impl Into<String>) -> Self {
        TrainError::Argument { function: function.to_string(), message: message.into() }
    }
}

pub type Result<T, E = TrainError> = std::result::Result<T, E>;
