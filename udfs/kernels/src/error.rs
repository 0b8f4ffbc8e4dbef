//! The crate's one error type. Crates above convert it with `?` (`From` impls there), so a
//! kernel's message reaches the user unchanged.
#[derive(Debug, thiserror::Error)]
pub enum KernelError {
    #[error("{0}")]
    Decode(String),
    #[error("cannot read '{path}': {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Other(String),
}

pub type Result<T, E = KernelError> = std::result::Result<T, E>;
