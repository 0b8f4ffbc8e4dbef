//! Progress with ETA for the SQL functions that do the long work row by row (`detect`,
//! `classify`, `crop`, `make_background`, `wbf`). A function sees its input batch by batch
//! and cannot know how many rows are coming; the plan can. This physical optimizer rule, run
//! after DataFusion's own, puts a counting node above each projection that calls one of them
//! (below the aggregate, for `wbf`), and the node draws a bar whose length is the row count
//! the plan's statistics give: exact for a table scan, an estimate through filters and joins
//! (the bar then says so), a plain counter when unknown.
use std::fmt;
use std::sync::{Arc, OnceLock};

use datafusion::common::config::ConfigOptions;
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode, TreeNodeRecursion};
use datafusion::error::Result;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::ScalarFunctionExpr;
use datafusion::physical_expr::async_scalar_function::AsyncFuncExpr;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::aggregates::{AggregateExec, AggregateMode};
use datafusion::physical_plan::async_func::AsyncFuncExec;
use datafusion::physical_plan::projection::ProjectionExec;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use datafusion::physical_plan::{
    ChildrenPropertiesMode, DisplayAs, DisplayFormatType, ExecutionPlan, PhysicalExpr, PlanProperties, ReplaceChildrenOptions, StatisticsArgs,
    StatisticsContext,
};
use futures::StreamExt;

use cytologia_udfs::env::ProgressSink;

use crate::progress::Board;

/// Functions whose rows are slow enough to deserve a bar, with the bar's label.
const TRACKED: &[(&str, &str)] =
    &[("detect_boxes", "detect"), ("classify", "classify"), ("crop", "crop"), ("make_background", "make_background"), ("wbf", "wbf")];

#[derive(Debug)]
pub struct RowProgressRule {
    board: Arc<Board>,
    tracked: &'static [(&'static str, &'static str)],
}

impl RowProgressRule {
    pub fn new(board: Arc<Board>) -> Self {
        RowProgressRule { board, tracked: TRACKED }
    }

    fn label_of(&self, name: &str) -> Option<&'static str> {
        self.tracked.iter().find(|(n, _)| *n == name).map(|(_, l)| *l)
    }

    /// Adds `name`'s label to `out` when the function is tracked, once.
    fn note(&self, name: &str, out: &mut Vec<&'static str>) {
        if let Some(label) = self.label_of(name)
            && !out.contains(&label)
        {
            out.push(label);
        }
    }

    /// The tracked functions an expression calls, outermost first.
    fn called(&self, expr: &Arc<dyn PhysicalExpr>, out: &mut Vec<&'static str>) {
        // An async function (detect_boxes, classify) is wrapped under a generated name.
        if let Some(a) = expr.downcast_ref::<AsyncFuncExpr>() {
            return self.called(&a.func, out);
        }
        if let Some(f) = expr.downcast_ref::<ScalarFunctionExpr>() {
            self.note(f.name(), out);
        }
        for child in expr.children() {
            self.called(child, out);
        }
    }

    fn wrap(&self, labels: Vec<&'static str>, node: Arc<dyn ExecutionPlan>) -> Arc<dyn ExecutionPlan> {
        Arc::new(ProgressExec::new(labels.join("+"), node, self.board.clone()))
    }
}

impl PhysicalOptimizerRule for RowProgressRule {
    fn optimize(&self, plan: Arc<dyn ExecutionPlan>, _config: &ConfigOptions) -> Result<Arc<dyn ExecutionPlan>> {
        if !self.board.enabled() {
            return Ok(plan);
        }
        plan.transform_up(|node| {
            let mut labels = Vec::new();
            if let Some(a) = node.downcast_ref::<AggregateExec>() {
                // Only the first aggregation step sees the input's rows.
                if !matches!(a.mode(), AggregateMode::Partial | AggregateMode::Single | AggregateMode::SinglePartitioned) {
                    return Ok(Transformed::no(node));
                }
                for f in a.aggr_expr() {
                    self.note(f.fun().name(), &mut labels);
                }
            }
            node.apply_expressions(&mut |e| {
                self.called(e, &mut labels);
                Ok(TreeNodeRecursion::Continue)
            })?;
            if labels.is_empty() {
                return Ok(Transformed::no(node));
            }
            // A projection's output rows are its input rows, counted once computed; any other
            // node (aggregate, filter, sort) counts the rows that enter it.
            if node.is::<ProjectionExec>() || node.is::<AsyncFuncExec>() {
                return Ok(Transformed::yes(self.wrap(labels, node)));
            }
            match node.children().as_slice() {
                [input] => {
                    let input = self.wrap(labels, (*input).clone());
                    Ok(Transformed::yes(node.clone().replace_children(vec![input], ReplaceChildrenOptions::new(ChildrenPropertiesMode::Keep))?))
                }
                _ => Ok(Transformed::no(node)),
            }
        })
        .data()
    }

    fn name(&self) -> &str {
        "cytologia_row_progress"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Passes its input through unchanged, counting rows into one bar shared by its partitions.
struct ProgressExec {
    label: String,
    input: Arc<dyn ExecutionPlan>,
    board: Arc<Board>,
    sink: OnceLock<Arc<dyn ProgressSink>>,
}

impl ProgressExec {
    fn new(label: String, input: Arc<dyn ExecutionPlan>, board: Arc<Board>) -> Self {
        ProgressExec { label, input, board, sink: OnceLock::new() }
    }

    fn sink(&self) -> Arc<dyn ProgressSink> {
        self.sink
            .get_or_init(|| {
                let stats = StatisticsContext::new().compute(self.input.as_ref(), &StatisticsArgs::new());
                let total = match stats.map(|s| s.num_rows) {
                    Ok(Precision::Exact(n)) => Some((n as u64, true)),
                    Ok(Precision::Inexact(n)) if n > 0 => Some((n as u64, false)),
                    _ => None,
                };
                self.board.rows(&self.label, total)
            })
            .clone()
    }
}

impl fmt::Debug for ProgressExec {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_struct("ProgressExec").field("label", &self.label).field("input", &self.input).finish()
    }
}

impl DisplayAs for ProgressExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "ProgressExec: {}", self.label)
    }
}

impl ExecutionPlan for ProgressExec {
    fn name(&self) -> &str {
        "ProgressExec"
    }
    fn properties(&self) -> &Arc<PlanProperties> {
        self.input.properties()
    }
    fn apply_expressions(&self, _f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>) -> Result<TreeNodeRecursion> {
        Ok(TreeNodeRecursion::Continue)
    }
    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.input]
    }
    fn maintains_input_order(&self) -> Vec<bool> {
        vec![true]
    }
    fn benefits_from_input_partitioning(&self) -> Vec<bool> {
        vec![false]
    }
    fn replace_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>, _options: ReplaceChildrenOptions) -> Result<Arc<dyn ExecutionPlan>> {
        let input = children.into_iter().next().ok_or_else(|| datafusion::error::DataFusionError::Internal("ProgressExec needs one child".into()))?;
        Ok(Arc::new(ProgressExec::new(self.label.clone(), input, self.board.clone())))
    }
    fn with_new_children(self: Arc<Self>, children: Vec<Arc<dyn ExecutionPlan>>) -> Result<Arc<dyn ExecutionPlan>> {
        self.replace_children(children, ReplaceChildrenOptions::new(ChildrenPropertiesMode::Recompute))
    }
    fn execute(&self, partition: usize, context: Arc<TaskContext>) -> Result<SendableRecordBatchStream> {
        let sink = self.sink();
        let stream = self.input.execute(partition, context)?;
        let schema = stream.schema();
        let counted = stream.map(move |batch| {
            if let Ok(b) = &batch {
                sink.inc(b.num_rows() as u64);
            }
            batch
        });
        Ok(Box::pin(RecordBatchStreamAdapter::new(schema, counted)))
    }
    fn statistics_from_inputs(
        &self,
        input_stats: &[Arc<datafusion::common::Statistics>],
        _args: &StatisticsArgs,
    ) -> Result<Arc<datafusion::common::Statistics>> {
        input_stats.first().cloned().ok_or_else(|| datafusion::error::DataFusionError::Internal("ProgressExec: no input statistics".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::progress::RowCount;
    use datafusion::arrow::array::{Int64Array, RecordBatch};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    use datafusion::execution::session_state::SessionStateBuilder;
    use datafusion::physical_plan::{collect, displayable};
    use datafusion::prelude::SessionContext;

    /// Built-in functions stand in for the slow ones, so the test needs no model or image.
    const STANDINS: &[(&str, &str)] = &[("abs", "abs"), ("sum", "sum")];

    fn context(board: &Arc<Board>) -> SessionContext {
        let rule = RowProgressRule { board: board.clone(), tracked: STANDINS };
        let state = SessionStateBuilder::new().with_default_features().with_physical_optimizer_rule(Arc::new(rule)).build();
        let ctx = SessionContext::new_with_state(state);
        let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, false), Field::new("g", DataType::Int64, false)]));
        let batch = RecordBatch::try_new(
            schema,
            vec![Arc::new(Int64Array::from_iter_values(0..1000)), Arc::new(Int64Array::from_iter_values((0..1000).map(|v| v % 7)))],
        )
        .expect("batch");
        ctx.register_batch("t", batch).expect("register");
        ctx
    }

    async fn run(ctx: &SessionContext, sql: &str) -> String {
        let plan = ctx.sql(sql).await.expect("plan").create_physical_plan().await.expect("physical plan");
        let text = displayable(plan.as_ref()).indent(true).to_string();
        collect(plan, ctx.task_ctx()).await.expect("run");
        text
    }

    #[tokio::test]
    async fn a_bar_per_projection_with_the_plans_row_count() {
        let board = Arc::new(Board::new(true));
        let ctx = context(&board);
        let plan = run(&ctx, "SELECT abs(x - 500) AS a, x FROM t").await;
        assert!(plan.contains("ProgressExec: abs"), "{plan}");
        assert_eq!(board.snapshot(), vec![RowCount { label: "abs".into(), done: 1000, total: Some((1000, true)) }]);
        board.finish();
        assert!(board.snapshot().is_empty());

        // Through a filter the count is an estimate, and the bar says so.
        run(&ctx, "SELECT abs(x) FROM t WHERE x % 2 = 0").await;
        let rows = board.snapshot();
        assert_eq!((rows.len(), rows[0].done), (1, 500));
        assert!(matches!(rows[0].total, Some((_, false))), "{rows:?}");
    }

    #[tokio::test]
    async fn aggregates_count_their_input_rows() {
        let board = Arc::new(Board::new(true));
        let ctx = context(&board);
        let plan = run(&ctx, "SELECT g, sum(x) FROM t GROUP BY g").await;
        assert_eq!(plan.matches("ProgressExec: sum").count(), 1, "{plan}");
        assert_eq!(board.snapshot(), vec![RowCount { label: "sum".into(), done: 1000, total: Some((1000, true)) }]);
    }

    #[tokio::test]
    async fn plans_without_tracked_functions_or_with_progress_off_stay_as_they_are() {
        let board = Arc::new(Board::new(true));
        let plan = run(&context(&board), "SELECT x + 1 FROM t").await;
        assert!(!plan.contains("ProgressExec"), "{plan}");
        let off = Arc::new(Board::new(false));
        let plan = run(&context(&off), "SELECT abs(x) FROM t").await;
        assert!(!plan.contains("ProgressExec"), "{plan}");
        assert!(board.snapshot().is_empty() && off.snapshot().is_empty());
    }
}
