//! Splitting a script into statements, with the line each starts on (for error messages).
use super::lex::{Kind, pieces};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// 1-based line of the statement's first token.
    pub line: usize,
    /// 1-based line of the first character of `sql` (a leading comment's, if any).
    pub text_line: usize,
    pub sql: String,
}

/// Splits on `;` outside quotes, comments and `${...}` placeholders. Statements holding only
/// comments are dropped.
pub fn split(text: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut first_token, mut first_text): (Option<usize>, Option<usize>) = (None, None);
    let flush = |cur: &mut String, first_token: &mut Option<usize>, first_text: &mut Option<usize>, out: &mut Vec<Statement>| {
        if let (Some(line), Some(text_line)) = (first_token.take(), first_text.take()) {
            out.push(Statement { line, text_line, sql: cur.trim().to_string() });
        }
        *first_text = None;
        cur.clear();
    };
    for p in pieces(text) {
        if p.kind != Kind::Code {
            first_text.get_or_insert(p.line);
            if p.kind != Kind::Comment {
                first_token.get_or_insert(p.line);
            }
            cur.push_str(p.text);
            continue;
        }
        let mut line = p.line;
        let mut rest = p.text;
        while let Some(c) = rest.chars().next() {
            if rest.starts_with("${") {
                let end = rest.find('}').map_or(rest.len(), |n| n + 1);
                first_text.get_or_insert(line);
                first_token.get_or_insert(line);
                cur.push_str(&rest[..end]);
                rest = &rest[end..];
                continue;
            }
            match c {
                ';' => flush(&mut cur, &mut first_token, &mut first_text, &mut out),
                '\n' => {
                    line += 1;
                    cur.push(c);
                }
                c if c.is_whitespace() => cur.push(c),
                c => {
                    first_text.get_or_insert(line);
                    first_token.get_or_insert(line);
                    cur.push(c);
                }
            }
            rest = &rest[c.len_utf8()..];
        }
    }
    flush(&mut cur, &mut first_token, &mut first_text, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_with_lines_quotes_and_comments() {
        let text = "-- header; not a statement\nSELECT 1;\n\nSELECT 'a;b' AS x, \"c;d\"\n  FROM t; /* c; */ SELECT 'it''s;';\n-- trailing";
        let s = split(text);
        assert_eq!(s.len(), 3, "{s:?}");
        assert_eq!(s[0], Statement { line: 2, text_line: 1, sql: "-- header; not a statement\nSELECT 1".into() });
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
    fn placeholders_are_whole() {
        let s = split("SELECT ${a:-x;y}; SELECT 2");
        assert_eq!(s.iter().map(|s| s.sql.as_str()).collect::<Vec<_>>(), ["SELECT ${a:-x;y}", "SELECT 2"]);
    }
}
