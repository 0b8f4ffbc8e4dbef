//! The one integration-test binary: sqllogictest files under tests/slt/ and end-to-end tests
//! of the CLI.
mod cli;
mod common;
mod inference;
mod metric;
mod pipeline;
mod s3;
#[cfg(feature = "pg")]
mod serve;
mod training;
mod upgrade;
