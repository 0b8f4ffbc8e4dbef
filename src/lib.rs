//! cytologia: a SQL-first engine for detecting and classifying white blood cells in
//! blood-smear images. See ARCHITECTURE.md for the map.
pub mod catalog;
pub mod cli;
pub mod config;
pub mod engine;
pub mod error;
pub mod output;
pub mod pipeline;
pub mod progress;
pub mod runtime;
pub mod script;
#[cfg(feature = "pg")]
pub mod server;
pub mod synth;
pub mod warehouse;

pub use config::Config;
pub use engine::{Engine, Output, build};
pub use error::{Error, Result};
