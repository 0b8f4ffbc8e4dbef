//! Statements PostgreSQL clients send about their connection rather than the data: BEGIN,
//! COMMIT, SET and SHOW of PostgreSQL settings (DateStyle, statement_timeout, ...), DISCARD.
//! The server answers them itself. Each statement commits on its own (a Delta commit per
//! statement), so a transaction block groups nothing: BEGIN and COMMIT are accepted for
//! drivers that send them, and ROLLBACK undoes nothing. Settings with a dot
//! (`datafusion.*`, `cytologia.*`) are the engine's and go to it.
use std::time::Duration;

use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClientStatement {
    Begin,
    Commit,
    Rollback,
    /// `SET name = value`; `name` lower-cased, `value` unquoted.
    Set {
        name: String,
        value: String,
    },
    Reset(Option<String>),
    Show(String),
    Discard,
}

/// Words and literals of `sql`, or None when it does not tokenize.
fn words(sql: &str) -> Option<Vec<String>> {
    let tokens = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize().ok()?;
    let mut out = Vec::new();
    for t in tokens {
        match t {
            Token::Whitespace(_) | Token::SemiColon => {}
            Token::Word(w) => out.push(if w.quote_style.is_some() { w.value } else { w.value.to_ascii_lowercase() }),
            Token::SingleQuotedString(s) => out.push(s),
            Token::Number(n, _) => out.push(n),
            Token::Eq => out.push("=".into()),
            Token::Comma => out.push(",".into()),
            Token::Minus => out.push("-".into()),
            Token::Period => out.push(".".into()),
            other => out.push(other.to_string()),
        }
    }
    Some(out)
}

/// The client statement `sql` is, if it is one.
pub fn classify(sql: &str) -> Option<ClientStatement> {
    let w = words(sql)?;
    let first = w.first()?.as_str();
    let has_dot = |name: &[String]| name.iter().any(|t| t == ".");
    match first {
        "begin" => Some(ClientStatement::Begin),
        "start" if w.get(1).is_some_and(|t| t == "transaction") => Some(ClientStatement::Begin),
        "commit" | "end" => Some(ClientStatement::Commit),
        "rollback" | "abort" => Some(ClientStatement::Rollback),
        "discard" => Some(ClientStatement::Discard),
        "set" => {
            let mut rest = &w[1..];
            if rest.first().is_some_and(|t| t == "session" || t == "local") {
                rest = &rest[1..];
            }
            match rest {
                [t, ..] if t == "transaction" || t == "characteristics" => Some(ClientStatement::Set { name: "transaction".into(), value: String::new() }),
                [t, z, value @ ..] if t == "time" && z == "zone" => Some(ClientStatement::Set { name: "timezone".into(), value: value.join(" ") }),
                [name, op, value @ ..] if (op == "=" || op == "to") && !has_dot(std::slice::from_ref(name)) => Some(ClientStatement::Set {
                    name: name.to_ascii_lowercase(),
                    value: value.iter().filter(|v| *v != ",").cloned().collect::<Vec<_>>().join(", "),
                }),
                _ => None,
            }
        }
        "reset" => match &w[1..] {
            [all] if all == "all" => Some(ClientStatement::Reset(None)),
            [name] => Some(ClientStatement::Reset(Some(name.clone()))),
            _ => None,
        },
        "show" => match &w[1..] {
            [t, i, l] if t == "transaction" && i == "isolation" && l == "level" => Some(ClientStatement::Show("transaction_isolation".into())),
            [name] => Some(ClientStatement::Show(name.to_ascii_lowercase())),
            _ => None,
        },
        _ => None,
    }
}

/// A PostgreSQL duration setting (`'5s'`, `'250ms'`, `'2min'`, `5000` in ms); 0 is none.
pub fn parse_duration(value: &str) -> Option<Duration> {
    let v = value.trim().to_ascii_lowercase();
    let split = v.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(v.len());
    let (number, unit) = v.split_at(split);
    let n: f64 = number.parse().ok()?;
    let ms = match unit.trim() {
        "" | "ms" => n,
        "s" | "sec" | "secs" | "second" | "seconds" => n * 1e3,
        "min" | "mins" | "minute" | "minutes" => n * 60e3,
        "h" | "hour" | "hours" => n * 3600e3,
        "us" => n / 1e3,
        _ => return None,
    };
    Some(Duration::from_micros((ms * 1e3) as u64))
}

/// What SHOW answers for a setting the client has not set.
pub fn default_value(name: &str) -> Option<&'static str> {
    Some(match name {
        "server_version" => "16.6",
        "server_version_num" => "160006",
        "server_encoding" | "client_encoding" => "UTF8",
        "datestyle" => "ISO, YMD",
        "intervalstyle" => "postgres",
        "timezone" => "Etc/UTC",
        "standard_conforming_strings" | "integer_datetimes" => "on",
        "transaction_isolation" | "default_transaction_isolation" => "read committed",
        "transaction_read_only" => "off",
        "search_path" => "public",
        "max_identifier_length" => "63",
        "extra_float_digits" => "1",
        "lc_collate" | "lc_ctype" => "C",
        "bytea_output" => "hex",
        "application_name" => "",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_statements_are_told_from_the_engines() {
        use ClientStatement as C;
        assert_eq!(classify("BEGIN"), Some(C::Begin));
        assert_eq!(classify("start transaction isolation level read committed"), Some(C::Begin));
        assert_eq!(classify("COMMIT;"), Some(C::Commit));
        assert_eq!(classify("rollback"), Some(C::Rollback));
        assert_eq!(classify("SET extra_float_digits = 3"), Some(C::Set { name: "extra_float_digits".into(), value: "3".into() }));
        assert_eq!(classify("SET SESSION statement_timeout TO '5s'"), Some(C::Set { name: "statement_timeout".into(), value: "5s".into() }));
        assert_eq!(classify("SET DateStyle = ISO, MDY"), Some(C::Set { name: "datestyle".into(), value: "iso, mdy".into() }));
        assert_eq!(classify("SET TIME ZONE 'UTC'"), Some(C::Set { name: "timezone".into(), value: "UTC".into() }));
        assert_eq!(classify("show transaction isolation level"), Some(C::Show("transaction_isolation".into())));
        assert_eq!(classify("SHOW search_path"), Some(C::Show("search_path".into())));
        assert_eq!(classify("DISCARD ALL"), Some(C::Discard));
        // The engine's own settings and statements are not client statements.
        assert_eq!(classify("SET datafusion.format.null = 'x'"), None);
        assert_eq!(classify("SET cytologia.role = 'admin'"), None);
        assert_eq!(classify("SHOW datafusion.format.null"), None);
        assert_eq!(classify("SELECT 1"), None);
        assert_eq!(classify("settle"), None);
    }

    #[test]
    fn durations_read_as_postgres_reads_them() {
        assert_eq!(parse_duration("5s"), Some(Duration::from_secs(5)));
        assert_eq!(parse_duration("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_duration("1500"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("2min"), Some(Duration::from_secs(120)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("soon"), None);
    }
}
