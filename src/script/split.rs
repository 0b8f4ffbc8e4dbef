//! SQL scripts: splitting into statements (with the line each starts on, for error messages)
//! and `${name}` parameter substitution.
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// 1-based line of the statement's first token.
    pub line: usize,
    pub sql: String,
}

/// Splits on `;` outside quotes and comments. Statements holding only comments are dropped.
pub fn split(text: &str) -> Vec<Statement> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0usize, 1usize);
    let mut cur = String::new();
    let mut start_line: Option<usize> = None;
    let flush = |cur: &mut String, start: &mut Option<usize>, out: &mut Vec<Statement>| {
        if let Some(l) = start.take() {
            let sql = cur.trim().to_string();
            if !sql.is_empty() {
                out.push(Statement { line: l, sql });
            }
        }
        cur.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            '-' if next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    cur.push(chars[i]);
                    i += 1;
                }
                continue;
            }
            '/' if next == Some('*') => {
                cur.push_str("/*");
                i += 2;
                while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    cur.push(chars[i]);
                    i += 1;
                }
                if i < chars.len() {
                    cur.push_str("*/");
                    i += 2;
                }
                continue;
            }
            '\'' | '"' => {
                start_line.get_or_insert(line);
                cur.push(c);
                i += 1;
                while i < chars.len() {
                    let d = chars[i];
                    cur.push(d);
                    i += 1;
                    if d == '\n' {
                        line += 1;
                    }
                    if d == c {
                        // A doubled quote is an escaped quote inside the literal.
                        if chars.get(i) == Some(&c) {
                            cur.push(c);
                            i += 1;
                        } else {
                            break;
                        }
                    }
                }
                continue;
            }
            ';' => {
                flush(&mut cur, &mut start_line, &mut out);
                i += 1;
                continue;
            }
            '\n' => line += 1,
            c if !c.is_whitespace() => {
                start_line.get_or_insert(line);
            }
            _ => {}
        }
        cur.push(c);
        i += 1;
    }
    flush(&mut cur, &mut start_line, &mut out);
    out
}

/// Replaces `${name}` with its value, or `${name:-default}` with the default when no value is
/// given. A name with neither is an error naming its line.
pub fn substitute(text: &str, params: &BTreeMap<String, String>) -> Result<String, (usize, String)> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    let mut line = 1;
    while let Some(pos) = rest.find("${") {
        let before = &rest[..pos];
        line += before.matches('\n').count();
        out.push_str(before);
        let after = &rest[pos + 2..];
        let Some(end) = after.find('}') else {
            return Err((line, "unterminated ${...} parameter".into()));
        };
        let (name, default) = match after[..end].split_once(":-") {
            Some((n, d)) => (n.trim(), Some(d)),
            None => (after[..end].trim(), None),
        };
        match params.get(name).map(String::as_str).or(default) {
            Some(v) => out.push_str(v),
            None => {
                let known: Vec<_> = params.keys().cloned().collect();
                let hint = if known.is_empty() { "none given".to_string() } else { known.join(", ") };
                return Err((line, format!("parameter '${{{name}}}' has no value: pass --set {name}=VALUE (given: {hint})")));
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_lines_quotes_and_comments() {
        let text = "-- header; not a statement\nSELECT 1;\n\nSELECT 'a;b' AS x, \"c;d\"\n  FROM t; /* c; */ SELECT 'it''s;';\n-- trailing";
        let s = split(text);
        assert_eq!(s.len(), 3, "{s:?}");
        assert_eq!(s[0], Statement { line: 2, sql: "-- header; not a statement\nSELECT 1".into() });
        assert_eq!(s[1].line, 4);
        assert!(s[1].sql.starts_with("SELECT 'a;b'"));
        assert_eq!(s[2].line, 5);
        assert!(s[2].sql.ends_with("SELECT 'it''s;'"));
    }

    #[test]
    fn only_comments_is_no_statement() {
        assert!(split("-- nothing\n/* here */\n;;").is_empty());
    }

    #[test]
    fn substitutes_and_reports_missing() {
        let mut p = BTreeMap::new();
        p.insert("fold".to_string(), "2".to_string());
        assert_eq!(substitute("WHERE fold = ${fold}", &p).unwrap(), "WHERE fold = 2");
        assert_eq!(substitute("k => ${k:-4}, f => ${fold:-9}", &p).unwrap(), "k => 4, f => 2");
        let (line, msg) = substitute("SELECT 1;\nSELECT ${seed}", &p).unwrap_err();
        assert_eq!(line, 2);
        assert!(msg.contains("--set seed=VALUE"), "{msg}");
    }
}
