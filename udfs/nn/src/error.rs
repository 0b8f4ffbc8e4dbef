//! The crate's one error type; kernels' errors convert into it with `?`.
use cytologia_kernels::error::KernelError;

#[derive(Debug, thiserror::Error)]
pub enum NnError {
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

impl From<KernelError> for NnError {
    fn from(e: KernelError) -> Self {
        match e {
            KernelError::Decode(m) => NnError::Decode(m),
            KernelError::Io { path, source } => NnError::Io { path, source },
            KernelError::Other(m) => NnError::Other(m),
        }
    }
}

pub type Result<T, E = NnError> = std::result::Result<T, E>;
