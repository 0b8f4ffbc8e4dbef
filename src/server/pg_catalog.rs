//! The `pg_catalog` that psql's `\d` family and BI tools query, from datafusion-pg-catalog,
//! over the warehouse's tables and views. Its SQL rewrites (PostgreSQL-only syntax into
//! DataFusion's) are applied to catalog queries only: they change the meaning of some
//! queries (a correlated subquery in a SELECT list becomes NULL), so queries over the
//! warehouse's data are planned exactly as written.
use std::collections::BTreeSet;
use std::sync::LazyLock;

use datafusion::prelude::SessionContext;
use datafusion::sql::sqlparser::ast::Statement;
use datafusion::sql::sqlparser::dialect::PostgreSqlDialect;
use datafusion::sql::sqlparser::tokenizer::{Token, Tokenizer};
use datafusion_pg_catalog::pg_catalog::context::EmptyContextProvider;
use datafusion_pg_catalog::sql::PostgresCompatibilityParser;

use crate::engine::Engine;
use crate::error::{Error, Result};

const CATALOG: &str = "datafusion";

/// Adds `pg_catalog` and its functions to `engine` (and so to every session made from it).
pub fn install(engine: &Engine) -> Result<()> {
    datafusion_pg_catalog::setup_pg_catalog(engine.ctx(), CATALOG, EmptyContextProvider).map_err(|e| Error::DataFusion(*e))
}

/// The functions `install` registers. They read the catalog and nothing else, and are
/// declared as reading the warehouse (`engine::access`), so analysts' tools may call them.
pub fn catalog_function_names() -> &'static BTreeSet<String> {
    static NAMES: LazyLock<BTreeSet<String>> = LazyLock::new(|| {
        let ctx = SessionContext::new();
        let names = |ctx: &SessionContext| crate::engine::access::function_names(&ctx.state());
        let before = names(&ctx);
        if datafusion_pg_catalog::setup_pg_catalog(&ctx, CATALOG, EmptyContextProvider).is_err() {
            return BTreeSet::new();
        }
        names(&ctx).difference(&before).cloned().collect()
    });
    &NAMES
}

/// Whether `sql` reads the PostgreSQL catalog (`pg_*` relations or `information_schema`).
pub fn is_catalog_query(sql: &str) -> bool {
    let Ok(tokens) = Tokenizer::new(&PostgreSqlDialect {}, sql).tokenize() else { return false };
    tokens.iter().any(|t| match t {
        Token::Word(w) => {
            let v = w.value.to_ascii_lowercase();
            v.starts_with("pg_")
                || v == "information_schema"
                || v.starts_with("reg") && matches!(v.as_str(), "regclass" | "regtype" | "regproc" | "regnamespace" | "regprocedure" | "regoper" | "regrole")
        }
        _ => false,
    })
}

/// Parses a catalog query with the PostgreSQL compatibility rewrites.
pub fn parse(sql: &str) -> Result<Vec<Statement>> {
    static PARSER: LazyLock<PostgresCompatibilityParser> = LazyLock::new(PostgresCompatibilityParser::new);
    PARSER.parse(sql).map_err(|e| Error::Usage(format!("SQL error: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_catalog_queries_take_the_rewrites() {
        assert!(is_catalog_query("SELECT c.relname FROM pg_catalog.pg_class c WHERE pg_catalog.pg_table_is_visible(c.oid)"));
        assert!(is_catalog_query("select * from information_schema.tables"));
        assert!(is_catalog_query("SELECT 'submissions'::regclass"));
        assert!(!is_catalog_query("SELECT i.id, (SELECT max(j.v) FROM t j WHERE j.id = i.id) FROM t i"));
        assert!(!is_catalog_query("SELECT * FROM submission_class_errors"));
        assert!(!catalog_function_names().is_empty());
        assert!(catalog_function_names().contains("pg_table_is_visible"), "{:?}", catalog_function_names());
    }

    /// The server's engine, pg_catalog installed: every function an analyst's tool may reach
    /// still has a declared effect, and the catalog's read only the catalog.
    #[tokio::test]
    async fn the_catalog_functions_declare_their_effect() {
        let dir = tempfile::tempdir().unwrap();
        let engine = crate::engine::build(&crate::Config::default().with_warehouse(dir.path().to_str().unwrap())).await.unwrap();
        install(&engine).unwrap();
        let names = crate::engine::access::function_names(&engine.state());
        let undeclared: Vec<&String> = names.iter().filter(|n| crate::engine::access::effect_of(n).is_none()).collect();
        assert!(undeclared.is_empty(), "{undeclared:?}");
        for name in catalog_function_names() {
            assert_eq!(crate::engine::access::effect_of(name), Some(cytologia_udfs::access::Effect::ReadsWarehouse), "{name}");
        }
    }
}
