//! What a session may do. Every SQL function declares its [`Effect`] next to its documentation;
//! a session's role (`cytologia.role`, `admin` by default) bounds the effects its statements
//! may have. Table functions are checked here when they are planned; the engine checks the
//! rest of a statement's logical plan (statement kinds, scalar and aggregate functions, file
//! scans) before it runs.
use datafusion::common::config::{ConfigExtension, ConfigOptions};
use datafusion::common::extensions_options;
use datafusion::error::{DataFusionError, Result};

/// What a function may touch, from least to most. Declared by every function (the `EFFECT`
/// constant next to its `DOC`), listed on the reference page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Effect {
    /// Computes from its arguments and input rows only.
    Pure,
    /// Reads warehouse tables or their history beyond its input rows.
    ReadsWarehouse,
    /// Reads files or object-store paths named by its arguments (images, models, CSVs).
    ReadsFiles,
    /// Writes files or warehouse tables (models, exports).
    Writes,
    /// Trains a model: long CPU/GPU work that writes checkpoints and registers models.
    Trains,
}

impl Effect {
    pub fn label(self) -> &'static str {
        match self {
            Effect::Pure => "pure",
            Effect::ReadsWarehouse => "reads the warehouse",
            Effect::ReadsFiles => "reads files",
            Effect::Writes => "writes",
            Effect::Trains => "trains",
        }
    }
}

/// A session's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Runs the pipeline: every statement and function.
    Admin,
    /// Reads the warehouse's tables and views and runs functions up to
    /// [`Effect::ReadsWarehouse`]; never writes, reads files or changes settings.
    Analyst,
}

impl Role {
    pub fn parse(s: &str) -> Result<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Role::Admin),
            "analyst" => Ok(Role::Analyst),
            other => Err(DataFusionError::Configuration(format!("unknown role '{other}': expected 'admin' or 'analyst'"))),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
        }
    }

    /// The most a function called by this role may do.
    pub fn max_effect(self) -> Effect {
        match self {
            Role::Admin => Effect::Trains,
            Role::Analyst => Effect::ReadsWarehouse,
        }
    }
}

extensions_options! {
    /// cytologia's session settings.
    pub struct AccessOptions {
        /// The session's role: 'admin' (everything) or 'analyst' (read-only, no files).
        pub role: String, default = "admin".to_string()
    }
}

impl ConfigExtension for AccessOptions {
    const PREFIX: &'static str = "cytologia";
}

/// The role of the session whose options these are (admin where the extension is absent).
pub fn role(options: &ConfigOptions) -> Result<Role> {
    match options.extensions.get::<AccessOptions>() {
        Some(o) => Role::parse(&o.role),
        None => Ok(Role::Admin),
    }
}

/// SQLSTATE 42501 (insufficient_privilege) and 25006 (read_only_sql_transaction) lead the
/// message, so a Postgres front end can return the code and every front end shows the reason.
pub const DENIED: &str = "permission denied";
pub const READ_ONLY: &str = "read-only session";

/// The error for `function` (of `effect`) called by a role that may not.
pub fn denied_function(role: Role, function: &str, effect: Effect) -> DataFusionError {
    DataFusionError::Plan(format!(
        "{DENIED}: {function}() {} and the {} role may only run functions that are pure or read the warehouse (SQLSTATE 42501)",
        effect.label(),
        role.name()
    ))
}

/// Fails unless the session's role may call `function`.
pub fn check_function(options: &ConfigOptions, function: &str, effect: Effect) -> Result<()> {
    let role = role(options)?;
    if effect > role.max_effect() { Err(denied_function(role, function, effect)) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn analyst_bound_sits_between_warehouse_and_files() {
        let mut options = ConfigOptions::new();
        options.extensions.insert(AccessOptions::default());
        assert!(check_function(&options, "read_images", Effect::ReadsFiles).is_ok());
        options.set("cytologia.role", "analyst").unwrap();
        assert!(check_function(&options, "table_history", Effect::ReadsWarehouse).is_ok());
        let e = check_function(&options, "read_images", Effect::ReadsFiles).unwrap_err().to_string();
        assert!(e.contains("permission denied: read_images() reads files"), "{e}");
        options.set("cytologia.role", "owner").unwrap();
        assert!(check_function(&options, "giou", Effect::Pure).unwrap_err().to_string().contains("unknown role 'owner'"));
    }
}
