//! The `cytologia` crate's error type. Messages are one line: what failed, where, and what to
//! do; the CLI prints them without a backtrace.
use datafusion::error::DataFusionError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    DataFusion(#[from] DataFusionError),
    #[error("{0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
    #[error("table '{table}': {message}")]
    Table { table: String, message: String },
    /// The end of the table's Delta log cannot be read; the message says how to repair it.
    #[error("table '{table}': {message}")]
    DamagedLog { table: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}:{line}: {message}")]
    Script { file: String, line: usize, message: String },
    #[error("invalid warehouse location '{0}': {1}")]
    Warehouse(String, String),
    #[error("{0}")]
    Usage(String),
    #[error("synthetic data: {0}")]
    Synth(#[from] crate::synth::SynthError),
}

impl Error {
    pub fn table(table: &str, message: impl Into<String>) -> Self {
        Error::Table { table: table.to_string(), message: message.into() }
    }
    pub fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Error::Io { path: path.as_ref().display().to_string(), source }
    }
}

impl From<Error> for DataFusionError {
    fn from(e: Error) -> Self {
        match e {
            Error::DataFusion(d) => d,
            other => DataFusionError::External(Box::new(other)),
        }
    }
}

/// Maps a Delta error to one line that names the table and, for concurrent writers, says
/// that nothing was committed.
pub fn delta_error(table: &str, e: deltalake::DeltaTableError) -> Error {
    use deltalake::DeltaTableError as D;
    let message = match &e {
        D::VersionAlreadyExists(_) | D::Transaction { .. } => {
            format!("another writer committed to this table while this statement ran; nothing was committed, re-run the statement ({e})")
        }
        D::NotATable(_) | D::InvalidTableLocation(_) => "no such table".to_string(),
        _ => e.to_string(),
    };
    Error::table(table, message)
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
