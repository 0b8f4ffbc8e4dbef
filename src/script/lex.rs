//! The lexical structure scripts are read with: code, quoted text and comments. The splitter
//! and the parameter binder share it, so a `;` or `${name}` means the same to both.

/// What a piece of script text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// SQL outside quotes and comments; `${...}` placeholders are whole within one piece.
    Code,
    /// A quoted string (`'`) or identifier (`"`), quotes included. `backslash`: an `E'...'`
    /// string, where a backslash escapes the next character.
    Quoted { quote: char, backslash: bool },
    /// `-- ...` (without its newline) or `/* ... */`.
    Comment,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece<'a> {
    pub kind: Kind,
    pub text: &'a str,
    /// 1-based line of the piece's first character.
    pub line: usize,
}

/// Cuts `text` into pieces; concatenated they give `text` back. An unterminated quote or
/// comment runs to the end of the text (the SQL parser reports it).
pub fn pieces<'a>(text: &'a str) -> Vec<Piece<'a>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let (mut i, mut line) = (0usize, 1usize);
    let mut code_start = 0usize;
    let mut code_line = 1usize;
    let push = |out: &mut Vec<Piece<'a>>, kind, from: usize, to: usize, line| {
        if to > from {
            out.push(Piece { kind, text: &text[from..to], line });
        }
    };
    while i < bytes.len() {
        let b = bytes[i];
        let next = bytes.get(i + 1).copied();
        let end = match b {
            b'-' if next == Some(b'-') => Some((Kind::Comment, text[i..].find('\n').map_or(bytes.len(), |n| i + n))),
            b'/' if next == Some(b'*') => Some((Kind::Comment, text[i + 2..].find("*/").map_or(bytes.len(), |n| i + 2 + n + 2))),
            b'\'' | b'"' => {
                let backslash = b == b'\'' && i > 0 && matches!(bytes[i - 1], b'e' | b'E') && (i < 2 || !is_word(bytes[i - 2]));
                Some((Kind::Quoted { quote: b as char, backslash }, quoted_end(bytes, i, backslash)))
            }
            b'$' if next == Some(b'{') => {
                // A placeholder stays inside the code piece, whatever its default holds.
                i = text[i..].find('}').map_or(bytes.len(), |n| i + n + 1);
                None
            }
            _ => None,
        };
        match end {
            Some((kind, to)) => {
                // An E'...' prefix letter belongs to the code before it.
                push(&mut out, Kind::Code, code_start, i, code_line);
                push(&mut out, kind, i, to, line);
                line += text[i..to].matches('\n').count();
                i = to;
                code_start = i;
                code_line = line;
            }
            None => {
                if b == b'\n' {
                    line += 1;
                }
                if b != b'$' || next != Some(b'{') {
                    i += 1;
                }
            }
        }
    }
    push(&mut out, Kind::Code, code_start, bytes.len(), code_line);
    out
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// End (exclusive) of the quoted text starting at `start`: a doubled quote is part of it.
fn quoted_end(bytes: &[u8], start: usize, backslash: bool) -> usize {
    let q = bytes[start];
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if backslash => i += 2,
            b if b == q && bytes.get(i + 1) == Some(&q) => i += 2,
            b if b == q => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str, usize)> {
        pieces(text).into_iter().map(|p| (p.kind, p.text, p.line)).collect()
    }

    #[test]
    fn cuts_code_quotes_and_comments() {
        let t = "SELECT 'a;''b', \"c\"\"d\" -- x'\n/* y\n */ E'\\'' ${p:-it's} e";
        let k = kinds(t);
        assert_eq!(k.iter().map(|p| p.1).collect::<String>(), t);
        let q = |quote, backslash| Kind::Quoted { quote, backslash };
        assert_eq!(
            k,
            vec![
                (Kind::Code, "SELECT ", 1),
                (q('\'', false), "'a;''b'", 1),
                (Kind::Code, ", ", 1),
                (q('"', false), "\"c\"\"d\"", 1),
                (Kind::Code, " ", 1),
                (Kind::Comment, "-- x'", 1),
                (Kind::Code, "\n", 1),
                (Kind::Comment, "/* y\n */", 2),
                (Kind::Code, " E", 3),
                (q('\'', true), "E'\\''"[1..].as_ref(), 3),
                (Kind::Code, " ${p:-it's} e", 3),
            ]
        );
    }

    #[test]
    fn unterminated_runs_to_the_end() {
        assert_eq!(kinds("SELECT 'abc"), vec![(Kind::Code, "SELECT ", 1), (Kind::Quoted { quote: '\'', backslash: false }, "'abc", 1)]);
        assert_eq!(kinds("a /* b").last().unwrap().0, Kind::Comment);
    }
}
