//! Engine errors as PostgreSQL errors, with the SQLSTATE a client can act on.
use pgwire::error::{ErrorInfo, PgWireError};

use crate::error::Error;

pub fn pg_error(code: &str, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new("ERROR".into(), code.into(), message.into())))
}

/// The SQLSTATE of an engine error: the one its message names (the role check's 25006 and
/// 42501), else one read from the kind of failure.
pub fn sqlstate(message: &str) -> &'static str {
    const NAMED: &[&str] = &["25006", "42501", "53200", "54000", "57014", "42704"];
    if let Some(code) = NAMED.iter().find(|c| message.contains(&format!("SQLSTATE {c}"))) {
        return code;
    }
    let m = message.to_ascii_lowercase();
    if m.contains("sql error") || m.contains("parsererror") || m.contains("expected:") {
        "42601"
    } else if m.contains("resources exhausted") {
        "53200"
    } else if (m.contains("table") || m.contains("view")) && (m.contains("not found") || m.contains("no such")) {
        "42P01"
    } else if m.contains("no field named") || m.contains("schema error") {
        "42703"
    } else if m.contains("invalid function") || m.contains("function") && m.contains("not found") {
        "42883"
    } else {
        "XX000"
    }
}

pub fn from_engine(e: Error) -> PgWireError {
    let message = e.to_string();
    pg_error(sqlstate(&message), message)
}

/// An error as one log line: `ERROR 25006: read-only session: ...`.
pub fn describe(e: &PgWireError) -> String {
    match e {
        PgWireError::UserError(info) => format!("{} {}: {}", info.severity, info.code, info.message),
        other => other.to_string(),
    }
}

pub fn canceled(why: &str) -> PgWireError {
    pg_error("57014", format!("canceling statement due to {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_errors_get_the_sqlstate_clients_expect() {
        assert_eq!(sqlstate("read-only session: CREATE TABLE writes, and the analyst role may only read (SQLSTATE 25006)"), "25006");
        assert_eq!(sqlstate("permission denied: 'x.csv' is a file (SQLSTATE 42501)"), "42501");
        assert_eq!(sqlstate("SQL error: ParserError(\"Expected: end of statement\")"), "42601");
        assert_eq!(sqlstate("Error during planning: table 'datafusion.public.nope' not found"), "42P01");
        assert_eq!(sqlstate("Resources exhausted: Failed to allocate"), "53200");
        assert_eq!(sqlstate("something else"), "XX000");
    }
}
