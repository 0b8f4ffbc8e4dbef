//! Script parameters, bound as values: a `${name}` placeholder becomes exactly one SQL value,
//! so no parameter can change what a script's statements are.
//!
//! | placeholder | where | becomes |
//! |---|---|---|
//! | `${name}` or `${name:text}` | in code | one string literal: `'it''s'` |
//! | `${name:int}` / `${name:float}` | in code | a checked number (negative ones in parentheses) |
//! | `${name:bool}` | in code | `TRUE` or `FALSE` (from true/false, yes/no, on/off, 1/0) |
//! | `${name:ident}` | in code | a checked identifier: a letter or `_`, then letters, digits, `_` |
//! | any of these | inside `'...'` or `"..."` | the checked value, its quotes doubled (and backslashes in `E'...'`) |
//!
//! `${name:TYPE:-default}` (or `${name:-default}` for text) gives the value used when none is
//! passed; defaults are checked like values. Placeholders in comments are left alone.
use std::collections::BTreeMap;

use super::lex::{Kind, pieces};

/// The declared type of a placeholder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    Text,
    Int,
    Float,
    Bool,
    Ident,
}

impl ParamType {
    fn parse(s: &str) -> Option<ParamType> {
        Some(match s {
            "text" => ParamType::Text,
            "int" => ParamType::Int,
            "float" => ParamType::Float,
            "bool" => ParamType::Bool,
            "ident" => ParamType::Ident,
            _ => return None,
        })
    }

    fn what(self) -> &'static str {
        match self {
            ParamType::Text => "text",
            ParamType::Int => "an integer",
            ParamType::Float => "a finite number",
            ParamType::Bool => "true or false",
            ParamType::Ident => "an identifier (a letter or _, then letters, digits or _)",
        }
    }

    /// The value checked and written as SQL outside quotes.
    fn literal(self, v: &str) -> Option<String> {
        let t = v.trim();
        match self {
            ParamType::Text => Some(format!("'{}'", v.replace('\'', "''"))),
            ParamType::Int => t.parse::<i64>().ok().map(|n| if n < 0 { format!("({n})") } else { n.to_string() }),
            ParamType::Float => t.parse::<f64>().ok().filter(|x| x.is_finite()).map(|x| {
                let s = x.to_string();
                let s = if s.contains('.') { s } else { format!("{s}.0") };
                if x.is_sign_negative() { format!("({s})") } else { s }
            }),
            ParamType::Bool => match t.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Some("TRUE".into()),
                "false" | "no" | "off" | "0" => Some("FALSE".into()),
                _ => None,
            },
            ParamType::Ident => {
                let mut c = t.chars();
                let ok = c.next().is_some_and(|f| f.is_ascii_alphabetic() || f == '_') && c.all(|c| c.is_ascii_alphanumeric() || c == '_');
                ok.then(|| t.to_string())
            }
        }
    }
}

/// A `${...}` placeholder's parts.
#[derive(Debug, PartialEq)]
struct Placeholder<'a> {
    name: &'a str,
    ty: ParamType,
    default: Option<&'a str>,
}

fn placeholder(inner: &str) -> Result<Placeholder<'_>, String> {
    let (head, default) = match inner.split_once(":-") {
        Some((h, d)) => (h, Some(d)),
        None => (inner, None),
    };
    let (name, ty) = match head.split_once(':') {
        Some((n, t)) => (
            n.trim(),
            ParamType::parse(t.trim()).ok_or_else(|| format!("unknown parameter type '{}' in ${{{inner}}}: use text, int, float, bool or ident", t.trim()))?,
        ),
        None => (head.trim(), ParamType::Text),
    };
    let valid = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return Err(format!("invalid parameter name in ${{{inner}}}: use letters, digits and _"));
    }
    Ok(Placeholder { name, ty, default })
}

/// Binds every placeholder of `sql`. An error gives the 0-based line within `sql` and a message
/// naming the parameter.
pub fn bind(sql: &str, params: &BTreeMap<String, String>) -> Result<String, (usize, String)> {
    let mut out = String::with_capacity(sql.len());
    for p in pieces(sql) {
        let quoted = match p.kind {
            Kind::Comment => {
                out.push_str(p.text);
                continue;
            }
            Kind::Code => None,
            Kind::Quoted { quote, backslash } => Some((quote, backslash)),
        };
        let mut rest = p.text;
        let mut line = p.line - 1;
        while let Some(pos) = rest.find("${") {
            out.push_str(&rest[..pos]);
            line += rest[..pos].matches('\n').count();
            let after = &rest[pos + 2..];
            let Some(end) = after.find('}') else {
                return Err((line, "unterminated ${...} parameter".into()));
            };
            let ph = placeholder(&after[..end]).map_err(|m| (line, m))?;
            let value = match params.get(ph.name).map(String::as_str).or(ph.default) {
                Some(v) => v,
                None => {
                    let known: Vec<_> = params.keys().cloned().collect();
                    let hint = if known.is_empty() { "none given".to_string() } else { known.join(", ") };
                    return Err((line, format!("parameter '{}' has no value: pass --set {}=VALUE (given: {hint})", ph.name, ph.name)));
                }
            };
            if value.contains('\0') {
                return Err((line, format!("parameter '{}': a value may not contain a NUL character", ph.name)));
            }
            let literal =
                ph.ty.literal(value).ok_or_else(|| (line, format!("parameter '{}' must be {}, got '{}'", ph.name, ph.ty.what(), value.escape_default())))?;
            match quoted {
                None => out.push_str(&literal),
                Some((quote, backslash)) => {
                    // Inside quotes the value stays what it is, with its quotes doubled.
                    let v = if ph.ty == ParamType::Text { value.to_string() } else { literal.trim_matches(['(', ')']).to_string() };
                    let v = if backslash { v.replace('\\', "\\\\") } else { v };
                    out.push_str(&v.replace(quote, &format!("{quote}{quote}")));
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn binds_values_by_type_and_place() {
        let p = params(&[("fold", "2"), ("data", "/srv/o'brien"), ("lr", "2e-4"), ("on", "yes"), ("t", "labels"), ("neg", "-1")]);
        assert_eq!(bind("WHERE fold = ${fold:int}", &p).unwrap(), "WHERE fold = 2");
        assert_eq!(bind("k => ${k:int:-4}, f => ${fold:int:-9}", &p).unwrap(), "k => 4, f => 2");
        assert_eq!(bind("read('${data}/train.csv')", &p).unwrap(), "read('/srv/o''brien/train.csv')");
        assert_eq!(bind("x = ${data}", &p).unwrap(), "x = '/srv/o''brien'");
        assert_eq!(bind("lr => ${lr:float}, w => ${w:float:-1}", &p).unwrap(), "lr => 0.0002, w => 1.0");
        assert_eq!(bind("WHERE ${on:bool}", &p).unwrap(), "WHERE TRUE");
        assert_eq!(bind("FROM ${t:ident}", &p).unwrap(), "FROM labels");
        assert_eq!(bind("x -${neg:int}", &p).unwrap(), "x -(-1)");
        assert_eq!(bind("'fold${fold:int}'", &p).unwrap(), "'fold2'");
        assert_eq!(bind("E'${data}\\n'", &params(&[("data", "a\\'b")])).unwrap(), "E'a\\\\''b\\n'");
        assert_eq!(bind("-- ${nothing}\nSELECT 1", &p).unwrap(), "-- ${nothing}\nSELECT 1");
    }

    #[test]
    fn values_that_do_not_fit_are_errors_naming_the_line() {
        let p = params(&[("k", "4; DROP TABLE models"), ("t", "x; DROP"), ("b", "maybe"), ("f", "nan")]);
        let (line, msg) = bind("SELECT 1,\n${k:int}", &p).unwrap_err();
        assert_eq!(line, 1);
        assert!(msg.contains("parameter 'k' must be an integer"), "{msg}");
        assert!(bind("${t:ident}", &p).unwrap_err().1.contains("identifier"));
        assert!(bind("${b:bool}", &p).unwrap_err().1.contains("true or false"));
        assert!(bind("${f:float}", &p).unwrap_err().1.contains("finite"));
        assert!(bind("${x:date}", &p).unwrap_err().1.contains("unknown parameter type 'date'"));
        let (line, msg) = bind("SELECT 1;\n\nSELECT ${seed}", &p).unwrap_err();
        assert_eq!(line, 2);
        assert!(msg.contains("--set seed=VALUE"), "{msg}");
    }

    #[test]
    fn a_value_cannot_end_its_literal() {
        let p = params(&[("v", "x'); DROP TABLE models; --")]);
        let sql = bind("SELECT '${v}', ${v}", &p).unwrap();
        assert_eq!(sql, "SELECT 'x''); DROP TABLE models; --', 'x''); DROP TABLE models; --'");
        assert_eq!(super::super::split(&sql).len(), 1);
    }
}
