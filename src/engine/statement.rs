//! Parsing one statement for the engine. Generated SQL (BI tools, scripts that build `OR`
//! lists or `UNION ALL` of many selects) can hold thousands of terms; the parser builds them as
//! a chain as deep as the list is long, and every later pass over the plan recurses that
//! deep. Chains of one associative operator (`AND`, `OR`, `||`, `UNION [ALL]`) are rebuilt as
//! balanced trees of the same terms in the same order (log-deep, same result), and what is
//! still deeper than [`MAX_DEPTH`] is refused with a clear error instead of exhausting the
//! stack ([`crate::runtime::STACK`] holds that depth with room to spare).
use std::ops::ControlFlow;

use datafusion::execution::context::SessionState;
use datafusion::sql::parser::{CopyToSource, Statement as DFStatement};
use datafusion::sql::sqlparser::ast::{BinaryOperator, Expr, Query, SetExpr, SetOperator, Value, Values, Visit, VisitMut, Visitor, VisitorMut};

use crate::error::{Error, Result};

/// Deepest expression nesting a statement may have after balancing.
pub const MAX_DEPTH: usize = 20_000;

/// Parses `sql` (one statement) with the session's dialect and limits, balanced and checked.
pub fn parse(state: &SessionState, sql: &str) -> Result<DFStatement> {
    let dialect = state.config().options().sql_parser.dialect;
    let limit = state.config().options().sql_parser.recursion_limit.get();
    let mut statement = state.sql_to_statement(sql, &dialect).map_err(|e| match e.to_string() {
        m if m.contains("RecursionLimitExceeded") => Error::Usage(format!(
            "statement too deeply nested: more than {limit} levels of parentheses or subqueries \
             (SET datafusion.sql_parser.recursion_limit raises it)"
        )),
        _ => Error::DataFusion(e),
    })?;
    balance(&mut statement);
    let depth = depth(&statement);
    if depth > MAX_DEPTH {
        return Err(Error::Usage(format!(
            "statement too deeply nested: an expression {depth} levels deep (the limit is {MAX_DEPTH}); \
             split long chains of + - * / into parts, or use IN (...) lists"
        )));
    }
    Ok(statement)
}

fn balance(statement: &mut DFStatement) {
    let _ = match statement {
        DFStatement::Statement(s) => s.visit(&mut Balancer),
        DFStatement::CopyTo(c) => match &mut c.source {
            CopyToSource::Query(q) => q.visit(&mut Balancer),
            CopyToSource::Relation(_) => ControlFlow::Continue(()),
        },
        DFStatement::Explain(e) => {
            balance(&mut e.statement);
            ControlFlow::Continue(())
        }
        DFStatement::CreateExternalTable(_) | DFStatement::Reset(_) => ControlFlow::Continue(()),
    };
}

/// The deepest expression nesting in `statement`.
pub fn depth(statement: &DFStatement) -> usize {
    let mut d = Depth::default();
    let _ = match statement {
        DFStatement::Statement(s) => s.visit(&mut d),
        DFStatement::CopyTo(c) => match &c.source {
            CopyToSource::Query(q) => q.visit(&mut d),
            CopyToSource::Relation(_) => ControlFlow::Continue(()),
        },
        DFStatement::Explain(e) => return depth(&e.statement),
        DFStatement::CreateExternalTable(_) | DFStatement::Reset(_) => ControlFlow::Continue(()),
    };
    d.max
}

#[derive(Default)]
struct Depth {
    now: usize,
    max: usize,
}

impl Visitor for Depth {
    type Break = ();
    fn pre_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
        self.now += 1;
        self.max = self.max.max(self.now);
        ControlFlow::Continue(())
    }
    fn post_visit_expr(&mut self, _: &Expr) -> ControlFlow<()> {
        self.now -= 1;
        ControlFlow::Continue(())
    }
}

/// Rebuilds chains before the visitor descends into them, so it only ever walks balanced trees.
struct Balancer;

impl VisitorMut for Balancer {
    type Break = ();
    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::BinaryOp { op, .. } = expr
            && matches!(op, BinaryOperator::And | BinaryOperator::Or | BinaryOperator::StringConcat)
        {
            let op = op.clone();
            let terms = unchain(std::mem::replace(expr, Expr::value(Value::Null)), |e| match e {
                Expr::BinaryOp { left, op: o, right } if o == op => Link::Pair(*left, *right),
                other => Link::Leaf(other),
            });
            *expr = rebuild(terms, &|l, r| Expr::BinaryOp { left: Box::new(l), op: op.clone(), right: Box::new(r) });
        }
        ControlFlow::Continue(())
    }
    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let SetExpr::SetOperation { op: SetOperator::Union, set_quantifier, .. } = query.body.as_ref() {
            let q = *set_quantifier;
            let body = std::mem::replace(query.body.as_mut(), SetExpr::Values(Values { explicit_row: false, value_keyword: false, rows: Vec::new() }));
            let terms = unchain(body, |e| match e {
                SetExpr::SetOperation { left, op: SetOperator::Union, set_quantifier, right } if set_quantifier == q => Link::Pair(*left, *right),
                other => Link::Leaf(other),
            });
            *query.body = rebuild(terms, &|l, r| SetExpr::SetOperation { left: Box::new(l), op: SetOperator::Union, set_quantifier: q, right: Box::new(r) });
        }
        ControlFlow::Continue(())
    }
}

/// A node of a chain: a link (left, right) or the first term.
enum Link<T> {
    Pair(T, T),
    Leaf(T),
}

/// The terms of a chain, in order, without recursion: every link of the operator is opened,
/// on either side, so a tree already balanced gives the same terms and is rebuilt the same.
fn unchain<T>(root: T, split: impl Fn(T) -> Link<T>) -> Vec<T> {
    let mut terms = Vec::new();
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        match split(node) {
            Link::Pair(left, right) => {
                stack.push(right);
                stack.push(left);
            }
            Link::Leaf(term) => terms.push(term),
        }
    }
    terms
}

/// A balanced tree of `terms` in order (depth log2 of their number).
fn rebuild<T>(mut terms: Vec<T>, join: &impl Fn(T, T) -> T) -> T {
    if terms.len() == 1 {
        return terms.pop().expect("one term");
    }
    let right = terms.split_off(terms.len() / 2);
    join(rebuild(terms, join), rebuild(right, join))
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::prelude::SessionContext;

    /// Deep statements need the engine's stack, as in the CLI.
    fn on_big_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
        std::thread::scope(|s| std::thread::Builder::new().stack_size(crate::runtime::STACK).spawn_scoped(s, f).unwrap().join().unwrap())
    }

    fn parsed(sql: &str) -> DFStatement {
        parse(&SessionContext::new().state(), sql).unwrap()
    }

    #[test]
    fn long_chains_become_log_deep_with_terms_in_order() {
        let or = format!("SELECT * FROM t WHERE {}", (0..1000).map(|i| format!("x = {i}")).collect::<Vec<_>>().join(" OR "));
        let s = parsed(&or);
        // 1000 terms: 10 levels of OR, then `x = i` (2 levels).
        assert!(depth(&s) <= 13, "depth {}", depth(&s));
        let text = s.to_string();
        let firsts: Vec<usize> = (0..1000).map(|i| text.find(&format!("x = {i})")).or_else(|| text.find(&format!("x = {i} "))).unwrap_or(usize::MAX)).collect();
        assert!(firsts.windows(2).all(|w| w[0] < w[1]), "terms reordered");

        let union = (0..500).map(|i| format!("SELECT {i} AS v")).collect::<Vec<_>>().join(" UNION ALL ");
        let text = parsed(&union).to_string();
        assert!(text.find("SELECT 0 AS v").unwrap() < text.find("SELECT 499 AS v").unwrap());
        assert!(!text.contains("UNION SELECT"), "quantifier kept: {text}");
    }

    #[test]
    fn mixed_operators_keep_their_meaning() {
        // Only links of the same operator are regrouped; AND inside OR stays inside.
        let s = parsed("SELECT a OR b AND c OR d FROM t").to_string();
        assert!(s.contains("b AND c"), "{s}");
        let s = parsed("SELECT 1 UNION SELECT 2 UNION ALL SELECT 3").to_string();
        assert!(s.contains("UNION ALL"), "{s}");
    }

    #[test]
    fn too_deep_is_a_clear_error() {
        let sql = format!("SELECT {}", vec!["1"; MAX_DEPTH + 10].join(" - "));
        let e = on_big_stack(|| parse(&SessionContext::new().state(), &sql).unwrap_err().to_string());
        assert!(e.contains("too deeply nested") && e.contains(&MAX_DEPTH.to_string()), "{e}");
    }
}
