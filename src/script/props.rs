//! Property tests of the script splitter and parameter binding: whatever a value holds, a bound
//! statement parses as exactly one statement whose literals are exactly that value.
use std::collections::BTreeMap;

use datafusion::sql::parser::{DFParser, Statement as DF};
use datafusion::sql::sqlparser::ast::{Expr, SelectItem, SetExpr, Statement, Value};
use proptest::prelude::*;

use super::{bind, split};

const CASES: u32 = 500;

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

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_text_value_is_one_literal(v in "(\\PC|[';\"\\\\$\\{\\}\\-/*\\n])*") {
        prop_assume!(!v.contains('\0'));
        let sql = bind("SELECT ${v} AS a, '${v}' AS b, 'x${v}y' AS c, E'${v}' AS d -- ${v}\n", &params(&v)).unwrap();
        prop_assert_eq!(split(&sql).len(), 1, "{}", sql);
        let p = projection(&sql);
        prop_assert_eq!(p.len(), 4);
        prop_assert_eq!(text(&p[0]), v.clone());
        prop_assert_eq!(text(&p[1]), v.clone());
        prop_assert_eq!(text(&p[2]), format!("x{v}y"));
        prop_assert_eq!(text(&p[3]), v.clone());
    }

    #[test]
    fn numbers_round_trip(n in any::<i64>(), x in any::<f64>().prop_filter("finite", |x| x.is_finite())) {
        let p = BTreeMap::from([("n".to_string(), n.to_string()), ("x".to_string(), format!("{x:e}"))]);
        let sql = bind("SELECT 0 - ${n:int}, 0 - ${x:float}", &p).unwrap();
        let e = projection(&sql);
        let num = |e: &Expr| -> String { e.to_string().trim_start_matches("0 - ").trim_matches(['(', ')']).to_string() };
        prop_assert_eq!(num(&e[0]).parse::<i64>().unwrap(), n);
        prop_assert_eq!(num(&e[1]).parse::<f64>().unwrap(), x);
    }

    #[test]
    fn typed_values_that_do_not_fit_are_refused(v in "\\PC*") {
        for ty in ["int", "float", "bool"] {
            if let Ok(sql) = bind(&format!("SELECT ${{v:{ty}}}"), &params(&v)) {
                // What is accepted is one number or TRUE/FALSE.
                prop_assert_eq!(projection(&sql).len(), 1, "{}", sql);
                prop_assert!(!sql[7..].contains([' ', ';', '\'', '"', '/']), "{}", sql);
            }
        }
        // An identifier is letters, digits and _ only (a keyword is then a planning error).
        if let Ok(sql) = bind("${v:ident}", &params(&v)) {
            prop_assert!(sql.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && !sql.starts_with(|c: char| c.is_ascii_digit()), "{}", sql);
        }
    }

    #[test]
    fn statements_split_where_they_end(parts in proptest::collection::vec("(\\PC|[';\"\\n])*", 1..6)) {
        let script: Vec<String> = parts.iter().enumerate().map(|(i, v)| bind(&format!("SELECT '${{v}}' AS c{i}"), &params(v)).unwrap()).collect();
        let stmts = split(&script.join(";\n-- ; a comment;\n"));
        prop_assert_eq!(stmts.len(), parts.len());
        for (s, v) in stmts.iter().zip(&parts) {
            prop_assert_eq!(text(&projection(&s.sql)[0]), v.clone());
        }
    }
}

#[test]
fn record_what_was_tried() {
    eprintln!(
        "property: script parameters and splitter: {CASES} text values in 4 places, {CASES} integer/float pairs, {CASES} values x 4 types, {CASES} scripts of 1-5 statements"
    );
}
