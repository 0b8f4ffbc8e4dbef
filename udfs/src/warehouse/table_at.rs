use std::sync::LazyLock;

use datafusion::datasource::provider_as_source;
use datafusion::error::Result;
use datafusion::logical_expr::{Documentation, LogicalPlan, LogicalPlanBuilder};

use crate::sync::block_on;
use crate::tablefn::{InputKind, Param, ParamKind, TableFn, TableFnCall, TableFnSignature};

pub(crate) const EFFECT: crate::access::Effect = crate::access::Effect::ReadsWarehouse;

static DOC: LazyLock<Documentation> = LazyLock::new(|| {
    Documentation::builder(
        super::SECTION,
        "Reads a warehouse table as it was at an earlier committed version (Delta time travel). \
         Every CREATE, INSERT or REPLACE commits a new version; `table_history` lists them.",
        "table_at(table, version => N)",
    )
    .with_argument("table", "A warehouse table name, bare or quoted.")
    .with_argument("version", "The committed version to read (0 is the first commit).")
    .with_sql_example("SELECT count(*) FROM table_at(labels, version => 0);")
    .with_related_udf("table_history")
    .build()
});

static SIG: LazyLock<TableFnSignature> =
    LazyLock::new(|| TableFnSignature { input: InputKind::TableName, params: vec![Param::required("version", ParamKind::Int, "the table version to read")] });

#[derive(Debug, Default)]
pub struct TableAt;

impl TableFn for TableAt {
    fn name(&self) -> &'static str {
        "table_at"
    }
    fn effect(&self) -> crate::access::Effect {
        EFFECT
    }
    fn signature(&self) -> &TableFnSignature {
        &SIG
    }
    fn documentation(&self) -> &Documentation {
        &DOC
    }
    fn plan(&self, call: TableFnCall) -> Result<LogicalPlan> {
        let name = call.table_name.clone().unwrap_or_default();
        let version = call.args.i64("version")?;
        if version < 0 {
            return Err(call.args.error(format!("version must be >= 0, got {version}")));
        }
        let env = call.env.clone();
        let provider = block_on(async { env.table(&name, Some(version)).await })?;
        LogicalPlanBuilder::scan(name, provider_as_source(provider), None)?.build()
    }
}
