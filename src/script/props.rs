//! Property tests of the script splitter and parameter binding: whatever a value holds, a bound
//! statement parses as exactly one statement whose literals are exactly that value. Cases come
//! from a fixed seed (the same cases on every run).
use std::collections::BTreeMap;

use datafusion::sql::parser::{DFParser, Statement as DF};
use datafusion::sql::sqlparser::ast::{Expr, SelectItem, SetExpr, Statement, Value};
use rand_mt::Mt64;

use super::{bind, split};

const CASES: usize = 500;

/// The projection of a parsed `SELECT a, b, ...`.
fn projection(sql: &str) -> Vec<Expr> {
    let mut stmts = DFParser::parse_sql(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert_eq!(stmts.len(), 1, "{sql}");
    let DF::Statement(s) = stmts.pop_front().unwrap() else { panic!("{sql}") };
    let Statement::Query(q) = *s else { panic!("{sql}") };
    let SetExpr::Select(sel) = *q.body else { panic!("{sql}") };
    sel.projection
        .into_iter()
        .map(|p| match p {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
            other => panic!("{other:?}"),
        })
        .collect()
}

fn text(e: &Expr) -> String {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) | Value::EscapedStringLiteral(s) => s.clone(),
            other => panic!("not a string: {other:?}"),
        },
        other => panic!("not a literal: {other:?}"),
    }
}

fn params(v: &str) -> BTreeMap<String, String> {
    BTreeMap::from([("v".to_string(), v.to_string())])
}

/// A string of up to 40 characters, biased toward what SQL lexing reacts to.
fn value(rng: &mut Mt64) -> String {
    const SPECIAL: &[char] = &['\'', '"', ';', '\\', '$', '{', '}', '-', '/', '*', '\n', ' ', 'E', 'x', 'é', '漢', '🙂', '\t'];
    (0..rng.next_u64() % 40)
        .map(|_| {
            let r = rng.next_u64();
            if r.is_multiple_of(3) {
                char::from_u32((r >> 8) as u32 % 0x2FFF + 0x20).filter(|c| !c.is_control()).unwrap_or('?')
            } else {
                SPECIAL[(r >> 8) as usize % SPECIAL.len()]
            }
        })
        .collect()
}

#[test]
fn any_text_value_is_one_literal() {
    let mut rng = Mt64::new(5);
    for _ in 0..CASES {
        let v = value(&mut rng);
        let sql = bind("SELECT ${v} AS a, '${v}' AS b, 'x${v}y' AS c, E'${v}' AS d -- ${v}\n", &params(&v)).unwrap();
        assert_eq!(split(&sql).len(), 1, "{sql}");
        let p = projection(&sql);
        assert_eq!(p.len(), 4, "{sql}");
        assert_eq!(text(&p[0]), v);
        assert_eq!(text(&p[1]), v);
        assert_eq!(text(&p[2]), format!("x{v}y"));
        assert_eq!(text(&p[3]), v);
    }
}

#[test]
fn numbers_round_trip() {
    let mut rng = Mt64::new(6);
    for _ in 0..CASES {
        let n = rng.next_u64() as i64;
        let x = f64::from_bits(rng.next_u64());
        if !x.is_finite() {
            continue;
        }
        let p = BTreeMap::from([("n".to_string(), n.to_string()), ("x".to_string(), format!("{x:e}"))]);
        let sql = bind("SELECT 0 - ${n:int}, 0 - ${x:float}", &p).unwrap();
        let e = projection(&sql);
        let num = |e: &Expr| -> String { e.to_string().trim_start_matches("0 - ").trim_matches(['(', ')']).to_string() };
        assert_eq!(num(&e[0]).parse::<i64>().unwrap(), n);
        assert_eq!(num(&e[1]).parse::<f64>().unwrap(), x);
    }
}

#[test]
fn typed_values_that_do_not_fit_are_refused() {
    let mut rng = Mt64::new(7);
    for case in 0..CASES {
        // Every fourth value looks like a number, to exercise acceptance too.
        let v = if case % 4 == 0 { format!("{}", rng.next_u64() as i64 % 1000) } else { value(&mut rng) };
        for ty in ["int", "float", "bool"] {
            if let Ok(sql) = bind(&format!("SELECT ${{v:{ty}}}"), &params(&v)) {
                // What is accepted is one number or TRUE/FALSE.
                assert_eq!(projection(&sql).len(), 1, "{sql}");
                assert!(!sql[7..].contains([' ', ';', '\'', '"', '/']), "{sql}");
            }
        }
        // An identifier is letters, digits and _ only (a keyword is then a planning error).
        if let Ok(sql) = bind("${v:ident}", &params(&v)) {
            assert!(sql.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !sql.starts_with(|c: char| c.is_ascii_digit()), "{sql}");
        }
    }
}

#[test]
fn statements_split_where_they_end() {
    let mut rng = Mt64::new(8);
    for _ in 0..CASES {
        let parts: Vec<String> = (0..1 + rng.next_u64() % 5).map(|_| value(&mut rng)).collect();
        let script: Vec<String> = parts.iter().enumerate().map(|(i, v)| bind(&format!("SELECT '${{v}}' AS c{i}"), &params(v)).unwrap()).collect();
        let stmts = split(&script.join(";\n-- ; a comment;\n"));
        assert_eq!(stmts.len(), parts.len());
        for (s, v) in stmts.iter().zip(&parts) {
            assert_eq!(&text(&projection(&s.sql)[0]), v);
        }
    }
    eprintln!(
        "property: script parameters and splitter: {CASES} text values in 4 places, {CASES} integer/float pairs, {CASES} values x 4 types, {CASES} scripts of 1-5 statements"
    );
}
