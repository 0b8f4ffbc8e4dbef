//! psql's `\df [PATTERN]` and `\df+`: cytologia's SQL functions with their documentation.
//! datafusion-pg-catalog's `pg_proc` holds PostgreSQL's built-ins only, so psql's query for
//! these commands is answered from the function reference (`cytologia functions`) instead.
use std::sync::Arc;

use pgwire::api::Type;
use pgwire::api::results::{DataRowEncoder, FieldFormat, FieldInfo, QueryResponse};
use pgwire::error::PgWireResult;

/// Whether `sql` is psql's `\df` query.
pub fn is_describe_functions(sql: &str) -> bool {
    sql.contains("pg_get_function_arguments") && sql.contains("pg_proc")
}

/// The name pattern of `\df PATTERN`, as psql sends it: `p.proname OPERATOR(pg_catalog.~) '^(class.*)$'`.
fn pattern(sql: &str) -> Option<regex::Regex> {
    let start = sql.find("proname OPERATOR(pg_catalog.~) '")? + "proname OPERATOR(pg_catalog.~) '".len();
    let end = sql[start..].find('\'')? + start;
    regex::Regex::new(&sql[start..end]).ok()
}

/// Rows of text columns.
pub fn text_rows(names: &[&str], rows: Vec<Vec<String>>) -> PgWireResult<QueryResponse> {
    let fields = Arc::new(names.iter().map(|n| FieldInfo::new(n.to_string(), None, None, Type::TEXT, FieldFormat::Text)).collect::<Vec<_>>());
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut encoder = DataRowEncoder::new(fields.clone());
        for value in row {
            encoder.encode_field(&Some(value))?;
        }
        out.push(Ok(encoder.take_row()));
    }
    Ok(QueryResponse::new(fields, futures::stream::iter(out)))
}

pub fn answer(sql: &str) -> PgWireResult<QueryResponse> {
    let wanted = pattern(sql);
    let mut functions = cytologia_udfs::all_functions();
    functions.sort_by(|a, b| a.name.cmp(&b.name));
    let rows = functions
        .into_iter()
        .filter(|f| wanted.as_ref().is_none_or(|r| r.is_match(&f.name)))
        .map(|f| {
            let arguments = f.doc.arguments.as_ref().map(|a| a.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default();
            let text = f.doc.description.split_whitespace().collect::<Vec<_>>().join(" ");
            // The first sentence; `cytologia functions NAME` has the rest.
            let description = text.split_once(". ").map_or(text.clone(), |(first, _)| format!("{first}."));
            vec!["public".into(), f.name.clone(), f.kind.label().into(), arguments, f.effect.label().into(), description]
        })
        .collect();
    text_rows(&["Schema", "Name", "Type", "Argument data types", "Effect", "Description"], rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psqls_pattern_is_read_from_its_query() {
        let sql = "SELECT ... FROM pg_catalog.pg_proc p WHERE pg_catalog.pg_get_function_arguments(p.oid) IS NOT NULL AND p.proname OPERATOR(pg_catalog.~) '^(class.*)$' COLLATE pg_catalog.default";
        assert!(is_describe_functions(sql));
        let r = pattern(sql).unwrap();
        assert!(r.is_match("classify") && !r.is_match("crop"));
        assert!(pattern("SELECT 1").is_none());
    }
}
