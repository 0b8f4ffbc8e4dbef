//! A statement's rows on their way to the client: encoded batch by batch, stopped by a cancel
//! request, the statement timeout or the row limit, and logged (one line) when the stream
//! ends, however it ends.
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::record_batch::RecordBatch;
use datafusion::physical_plan::SendableRecordBatchStream;
use futures::{Stream, StreamExt};
use pgwire::api::results::FieldInfo;
use pgwire::error::PgWireResult;
use pgwire::messages::data::DataRow;

use super::connection::{CancelFlag, RunningGuard};
use super::errors::{canceled, pg_error};

/// One log line per statement, written when it is dropped.
pub struct StatementLog {
    pub label: String,
    pub sql: String,
    pub started: Instant,
    pub rows: u64,
    pub outcome: Option<String>,
}

impl StatementLog {
    pub fn new(label: String, sql: &str) -> StatementLog {
        let one_line: String = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        let sql = if one_line.chars().count() > 160 { format!("{}...", one_line.chars().take(160).collect::<String>()) } else { one_line };
        StatementLog { label, sql, started: Instant::now(), rows: 0, outcome: None }
    }
}

impl Drop for StatementLog {
    fn drop(&mut self) {
        let outcome = self.outcome.take().unwrap_or_else(|| "stopped: the client closed the statement or left".into());
        eprintln!(
            "serve: {} {} {:.0} ms rows={} sql=\"{}\"",
            self.label,
            outcome,
            self.started.elapsed().as_secs_f64() * 1e3,
            self.rows,
            self.sql.replace('"', "'")
        );
    }
}

pub struct Guards {
    pub cancel: Arc<CancelFlag>,
    pub since: u64,
    pub deadline: Option<tokio::time::Instant>,
    pub max_rows: Option<u64>,
    pub log: StatementLog,
    pub _running: RunningGuard,
}

struct State {
    fields: Arc<Vec<FieldInfo>>,
    first: Option<RecordBatch>,
    inner: SendableRecordBatchStream,
    guards: Guards,
    done: bool,
    /// Sent after the rows that went before it (the row limit).
    pending: Option<pgwire::error::PgWireError>,
}

async fn until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

impl State {
    async fn next_batch(&mut self) -> Option<PgWireResult<Vec<DataRow>>> {
        if let Some(e) = self.pending.take() {
            return Some(Err(e));
        }
        if self.done {
            return None;
        }
        let batch = match self.first.take() {
            Some(b) => Ok(b),
            None => {
                let g = &self.guards;
                tokio::select! {
                    b = self.inner.next() => match b {
                        Some(b) => b.map_err(|e| super::errors::from_engine(e.into())),
                        None => {
                            self.done = true;
                            self.guards.log.outcome = Some("ok".into());
                            return None;
                        }
                    },
                    _ = g.cancel.cancelled(g.since) => Err(canceled("user request")),
                    _ = until(g.deadline) => Err(canceled("statement timeout")),
                }
            }
        };
        let mut batch = match batch {
            Ok(b) => b,
            Err(e) => return Some(self.fail(e)),
        };
        let mut over = false;
        if let Some(max) = self.guards.max_rows {
            let left = max.saturating_sub(self.guards.log.rows);
            if batch.num_rows() as u64 > left {
                batch = batch.slice(0, left as usize);
                over = true;
            }
        }
        self.guards.log.rows += batch.num_rows() as u64;
        let rows: PgWireResult<Vec<DataRow>> = arrow_pg::datatypes::encode_recordbatch(self.fields.clone(), batch).collect();
        match rows {
            Err(e) => Some(self.fail(e)),
            Ok(rows) if over => {
                let max = self.guards.max_rows.unwrap_or_default();
                let e = pg_error("54000", format!("the result has more than {max} rows, this role's limit: add a LIMIT or narrow the query"));
                self.done = true;
                self.guards.log.outcome = Some(format!("error: row limit {max}"));
                self.pending = Some(e);
                Some(Ok(rows))
            }
            Ok(rows) => Some(Ok(rows)),
        }
    }

    fn fail(&mut self, e: pgwire::error::PgWireError) -> PgWireResult<Vec<DataRow>> {
        self.done = true;
        self.guards.log.outcome = Some(format!("error: {}", super::errors::describe(&e)));
        Err(e)
    }
}

/// The rows of `inner` (after `first`, already fetched) as DataRows for `fields`.
pub fn stream(
    fields: Arc<Vec<FieldInfo>>,
    first: Option<RecordBatch>,
    inner: SendableRecordBatchStream,
    guards: Guards,
) -> impl Stream<Item = PgWireResult<DataRow>> + Send + 'static {
    let state = State { fields, first, inner, guards, done: false, pending: None };
    futures::stream::unfold(state, |mut s| async move { s.next_batch().await.map(|r| (r, s)) }).flat_map(|r: PgWireResult<Vec<DataRow>>| match r {
        Ok(rows) => futures::stream::iter(rows.into_iter().map(Ok).collect::<Vec<_>>()),
        Err(e) => futures::stream::iter(vec![Err(e)]),
    })
}
