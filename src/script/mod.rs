//! SQL scripts: splitting into statements and binding `${name}` parameters as values.
mod lex;
mod params;
#[cfg(test)]
mod props;
mod split;

pub use params::{ParamType, bind};
pub use split::{Statement, split};
