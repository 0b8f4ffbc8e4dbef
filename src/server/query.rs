//! The simple and extended query protocols over one connection's engine session. A statement
//! is prepared (client statement, catalog query, or the engine's own plan, checked against
//! the role), then run under the role's limits: progress NOTICEs while it computes, cancel
//! and timeout at any point, rows streamed.
use std::fmt::Debug;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use datafusion::arrow::datatypes::DataType;
use datafusion::logical_expr::{LogicalPlan, WriteOp};
use datafusion::sql::parser::Statement as DFStatement;
use futures::{Sink, SinkExt, StreamExt};
use pgwire::api::portal::{Format, Portal};
use pgwire::api::query::{ExtendedQueryHandler, SimpleQueryHandler};
use pgwire::api::results::{FieldFormat, FieldInfo, QueryResponse, Response, Tag};
use pgwire::api::stmt::QueryParser;
use pgwire::api::store::PortalStore;
use pgwire::api::{ClientInfo, ClientPortalStore, Type};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::response::NoticeResponse;
use pgwire::types::format::FormatOptions;

use super::client_statements::{self, ClientStatement};
use super::connection::{Connection, Session};
use super::errors::{canceled, from_engine, pg_error};
use super::rows::{Guards, StatementLog};
use crate::engine::Output;

/// A statement ready to run: what the extended protocol keeps between Parse and Execute.
#[derive(Clone, Debug)]
pub enum Prepared {
    Empty,
    Client(ClientStatement),
    /// psql's `\df`, answered from the function reference.
    DescribeFunctions(String),
    Plan {
        plan: LogicalPlan,
        sql: String,
    },
}

pub struct Queries {
    conn: Arc<Connection>,
}

fn notice(message: String) -> PgWireBackendMessage {
    PgWireBackendMessage::NoticeResponse(NoticeResponse::from(ErrorInfo::new("NOTICE".into(), "00000".into(), message)))
}

/// Statements that return rows, as opposed to those answered with a command tag.
fn returns_rows(plan: &LogicalPlan) -> bool {
    !matches!(plan, LogicalPlan::Ddl(_) | LogicalPlan::Dml(_) | LogicalPlan::Copy(_) | LogicalPlan::Statement(_))
}

fn command_tag(plan: &LogicalPlan) -> String {
    use datafusion::logical_expr::DdlStatement as D;
    match plan {
        LogicalPlan::Ddl(D::CreateMemoryTable(_)) => "CREATE TABLE".into(),
        LogicalPlan::Ddl(D::CreateView(_)) => "CREATE VIEW".into(),
        LogicalPlan::Ddl(D::DropTable(_)) => "DROP TABLE".into(),
        LogicalPlan::Ddl(D::DropView(_)) => "DROP VIEW".into(),
        LogicalPlan::Ddl(d) => d.name().to_ascii_uppercase(),
        LogicalPlan::Dml(d) => match d.op {
            WriteOp::Insert(_) => "INSERT".into(),
            WriteOp::Delete => "DELETE".into(),
            WriteOp::Update => "UPDATE".into(),
            WriteOp::Ctas => "SELECT".into(),
            WriteOp::Truncate => "TRUNCATE".into(),
            _ => "UPDATE".into(),
        },
        LogicalPlan::Copy(_) => "COPY".into(),
        LogicalPlan::Statement(datafusion::logical_expr::Statement::SetVariable(_)) => "SET".into(),
        LogicalPlan::Statement(datafusion::logical_expr::Statement::ResetVariable(_)) => "RESET".into(),
        LogicalPlan::Statement(s) => s.name().to_ascii_uppercase(),
        _ => "SELECT".into(),
    }
}

/// The parameter types of a plan's `$1..$n`, in order (None where DataFusion cannot tell).
fn parameter_types(plan: &LogicalPlan) -> PgWireResult<Vec<Option<DataType>>> {
    let types = plan.get_parameter_types().map_err(|e| from_engine(e.into()))?;
    let count = types.keys().filter_map(|k| k.trim_start_matches('$').parse::<usize>().ok()).max().unwrap_or(0);
    Ok((1..=count).map(|i| types.get(&format!("${i}")).cloned().flatten()).collect())
}

fn wire_types(plan: &LogicalPlan) -> PgWireResult<Vec<Type>> {
    parameter_types(plan)?.iter().map(|t| t.as_ref().map_or(Ok(Type::UNKNOWN), arrow_pg::datatypes::into_pg_type)).collect()
}

/// A one-row, one-column text result (SHOW).
fn text_row(name: &str, value: &str) -> PgWireResult<QueryResponse> {
    super::describe_functions::text_rows(&[name], vec![vec![value.to_string()]])
}

impl Queries {
    pub fn new(conn: Arc<Connection>) -> Queries {
        Queries { conn }
    }

    fn session(&self) -> PgWireResult<&Session> {
        self.conn.session.get().ok_or_else(|| pg_error("08P01", "not authenticated"))
    }

    /// Parses and plans one statement of `sql`.
    async fn prepare(&self, sql: &str) -> PgWireResult<Prepared> {
        let session = self.session()?;
        let max = self.conn.shared.opts.max_query_bytes;
        if sql.len() > max {
            return Err(pg_error("54000", format!("the query is {} bytes; this server takes at most {max}", sql.len())));
        }
        if sql.trim().trim_matches(';').trim().is_empty() {
            return Ok(Prepared::Empty);
        }
        if let Some(c) = client_statements::classify(sql) {
            return Ok(Prepared::Client(c));
        }
        if super::describe_functions::is_describe_functions(sql) {
            return Ok(Prepared::DescribeFunctions(sql.to_string()));
        }
        let plan = if super::pg_catalog::is_catalog_query(sql) {
            let mut statements = super::pg_catalog::parse(sql).map_err(from_engine)?;
            if statements.len() > 1 {
                return Err(pg_error("42601", "one statement at a time here"));
            }
            let Some(statement) = statements.pop() else { return Ok(Prepared::Empty) };
            session.engine.plan_statement(DFStatement::Statement(Box::new(statement))).await
        } else {
            session.engine.plan(sql).await
        }
        .map_err(from_engine)?;
        Ok(Prepared::Plan { plan, sql: sql.to_string() })
    }

    /// The statement timeout in force: the role's, or the client's `statement_timeout` if
    /// shorter.
    fn timeout(&self, session: &Session) -> Option<Duration> {
        let mine = session
            .settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get("statement_timeout")
            .and_then(|v| client_statements::parse_duration(v))
            .filter(|d| !d.is_zero());
        match (session.limits.statement_timeout, mine) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Awaits `work` while sending a progress NOTICE every few seconds; a cancel request, the
    /// deadline or a client that no longer reads stops it.
    async fn drive<C, T>(
        &self,
        client: &mut C,
        work: impl Future<Output = crate::error::Result<T>>,
        deadline: Option<tokio::time::Instant>,
        since: u64,
    ) -> PgWireResult<T>
    where
        C: Sink<PgWireBackendMessage> + Unpin + Send,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        tokio::pin!(work);
        let every = self.conn.shared.opts.progress_every;
        let started = std::time::Instant::now();
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        let until = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(until);
        loop {
            tokio::select! {
                r = &mut work => return r.map_err(from_engine),
                _ = self.conn.cancel.cancelled(since) => return Err(canceled("user request")),
                _ = &mut until => return Err(canceled("statement timeout")),
                _ = tick.tick() => {
                    client.send(notice(format!("still running ({:.0} s)", started.elapsed().as_secs_f64()))).await?;
                }
            }
        }
    }

    async fn run<C>(&self, client: &mut C, prepared: Prepared, format: &Format) -> PgWireResult<Response>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let session = self.session()?;
        let shared = &self.conn.shared;
        if shared.stopping.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(PgWireError::UserError(Box::new(ErrorInfo::new("FATAL".into(), "57P01".into(), "the server is shutting down".into()))));
        }
        let running = shared.statement_started();
        match prepared {
            Prepared::Empty => Ok(Response::EmptyQuery),
            Prepared::DescribeFunctions(sql) => {
                let mut log = StatementLog::new(self.conn.label(), &sql);
                log.outcome = Some("ok: \\df".into());
                Ok(Response::Query(super::describe_functions::answer(&sql)?))
            }
            Prepared::Client(c) => {
                let mut log = StatementLog::new(self.conn.label(), &format!("{c:?}"));
                let r = self.client_statement(client, session, c);
                log.outcome = Some(match &r {
                    Ok(_) => "ok".into(),
                    Err(e) => format!("error: {}", super::errors::describe(e)),
                });
                r
            }
            Prepared::Plan { plan, sql } => {
                let mut log = StatementLog::new(self.conn.label(), &sql);
                let since = self.conn.cancel.current();
                let deadline = self.timeout(session).map(|t| tokio::time::Instant::now() + t);
                let tag = command_tag(&plan);
                let output = self.drive(client, session.engine.execute_plan(plan, &sql), deadline, since).await;
                let output = match output {
                    Ok(o) => o,
                    Err(e) => {
                        log.outcome = Some(format!("error: {}", super::errors::describe(&e)));
                        return Err(e);
                    }
                };
                match output {
                    Output::Done(message) => {
                        session.engine.finish_progress();
                        log.outcome = Some(format!("ok: {message}"));
                        client.feed(notice(message.clone())).await?;
                        let rows = message.split_whitespace().find_map(|w| w.trim_start_matches('(').parse::<usize>().ok());
                        let t = Tag::new(&tag);
                        Ok(Response::Execution(match (tag.as_str(), rows) {
                            ("INSERT", Some(n)) => t.with_oid(0).with_rows(n),
                            _ => t,
                        }))
                    }
                    Output::Rows { schema, mut stream } => {
                        let options = Arc::new(FormatOptions::from_client_metadata(client.metadata()));
                        let fields = Arc::new(arrow_pg::datatypes::arrow_schema_to_pg_fields(&schema, format, Some(options))?);
                        // The first batch holds most of a query's work (sorts, aggregates):
                        // fetched here, with progress notices, before rows stream.
                        let first = self.drive(client, async { stream.next().await.transpose().map_err(crate::error::Error::from) }, deadline, since).await;
                        session.engine.finish_progress();
                        let first = match first {
                            Ok(f) => f,
                            Err(e) => {
                                log.outcome = Some(format!("error: {}", super::errors::describe(&e)));
                                return Err(e);
                            }
                        };
                        let guards = Guards { cancel: self.conn.cancel.clone(), since, deadline, max_rows: session.limits.max_rows, log, _running: running };
                        let mut response = QueryResponse::new(fields.clone(), super::rows::stream(fields, first, stream, guards));
                        response.set_command_tag(&tag);
                        Ok(Response::Query(response))
                    }
                }
            }
        }
    }

    fn client_statement<C: ClientInfo>(&self, client: &mut C, session: &Session, statement: ClientStatement) -> PgWireResult<Response> {
        let mut settings = session.settings.lock().unwrap_or_else(|p| p.into_inner());
        Ok(match statement {
            ClientStatement::Begin => Response::TransactionStart(Tag::new("BEGIN")),
            ClientStatement::Commit => Response::TransactionEnd(Tag::new("COMMIT")),
            ClientStatement::Rollback => Response::TransactionEnd(Tag::new("ROLLBACK")),
            ClientStatement::Discard => {
                settings.clear();
                Response::Execution(Tag::new("DISCARD ALL"))
            }
            ClientStatement::Set { name, value } => {
                if name == "statement_timeout" && client_statements::parse_duration(&value).is_none() {
                    return Err(pg_error("22023", format!("invalid value for parameter \"statement_timeout\": \"{value}\"")));
                }
                // Format settings (DateStyle, extra_float_digits, bytea_output, ...) shape how
                // values are written as text.
                client.metadata_mut().insert(name.clone(), value.clone());
                settings.insert(name, value);
                Response::Execution(Tag::new("SET"))
            }
            ClientStatement::Reset(name) => {
                match name {
                    Some(n) => {
                        settings.remove(&n);
                    }
                    None => settings.clear(),
                }
                Response::Execution(Tag::new("RESET"))
            }
            ClientStatement::Show(name) => {
                let value = match name.as_str() {
                    "statement_timeout" => {
                        drop(settings);
                        self.timeout(session).map_or("0".to_string(), |d| format!("{}ms", d.as_millis()))
                    }
                    "is_superuser" => if session.role == cytologia_udfs::access::Role::Admin { "on" } else { "off" }.to_string(),
                    "default_transaction_read_only" | "transaction_read_only" => {
                        if session.role == cytologia_udfs::access::Role::Analyst { "on" } else { "off" }.to_string()
                    }
                    _ => match settings.get(&name) {
                        Some(v) => v.clone(),
                        None => client_statements::default_value(&name)
                            .map(str::to_string)
                            .ok_or_else(|| pg_error("42704", format!("unrecognized configuration parameter \"{name}\"")))?,
                    },
                };
                Response::Query(text_row(&name, &value)?)
            }
        })
    }
}

#[async_trait::async_trait]
impl SimpleQueryHandler for Queries {
    async fn do_query<C>(&self, client: &mut C, query: &str) -> PgWireResult<Vec<Response>>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let max = self.conn.shared.opts.max_query_bytes;
        if query.len() > max {
            return Err(pg_error("54000", format!("the query is {} bytes; this server takes at most {max}", query.len())));
        }
        let mut responses = Vec::new();
        for statement in crate::script::split(query) {
            self.conn.statements.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let result = match self.prepare(&statement.sql).await {
                Ok(p) => self.run(client, p, &Format::UnifiedText).await,
                Err(e) => {
                    StatementLog::new(self.conn.label(), &statement.sql).outcome = Some(format!("error: {}", super::errors::describe(&e)));
                    Err(e)
                }
            };
            match result {
                Ok(r) => responses.push(r),
                // Like PostgreSQL, the statements after a failed one do not run.
                Err(PgWireError::UserError(info)) if info.severity != "FATAL" => {
                    responses.push(Response::Error(info));
                    break;
                }
                Err(e) => return Err(e),
            }
        }
        if responses.is_empty() {
            responses.push(Response::EmptyQuery);
        }
        Ok(responses)
    }
}

#[async_trait::async_trait]
impl QueryParser for Queries {
    type Statement = Prepared;

    async fn parse_sql<C>(&self, _client: &C, sql: &str, _types: &[Option<Type>]) -> PgWireResult<Option<Prepared>>
    where
        C: ClientInfo + Unpin + Send + Sync,
    {
        let prepared = self.prepare(sql).await;
        if let Err(e) = &prepared {
            StatementLog::new(self.conn.label(), sql).outcome = Some(format!("error: {}", super::errors::describe(e)));
        }
        match prepared? {
            Prepared::Empty => Ok(None),
            p => Ok(Some(p)),
        }
    }

    fn get_parameter_types(&self, stmt: &Prepared) -> PgWireResult<Vec<Type>> {
        match stmt {
            Prepared::Plan { plan, .. } => wire_types(plan),
            _ => Ok(vec![]),
        }
    }

    fn get_result_schema(&self, stmt: &Prepared, format: Option<&Format>) -> PgWireResult<Vec<FieldInfo>> {
        match stmt {
            Prepared::Plan { plan, .. } if returns_rows(plan) => {
                arrow_pg::datatypes::arrow_schema_to_pg_fields(plan.schema().as_arrow(), format.unwrap_or(&Format::UnifiedText), None)
            }
            Prepared::Client(ClientStatement::Show(name)) => Ok(vec![FieldInfo::new(name.clone(), None, None, Type::TEXT, FieldFormat::Text)]),
            Prepared::DescribeFunctions(sql) => Ok(super::describe_functions::answer(sql)?.row_schema().as_ref().clone()),
            _ => Ok(vec![]),
        }
    }
}

#[async_trait::async_trait]
impl ExtendedQueryHandler for Queries {
    type Statement = Prepared;
    type QueryParser = Queries;

    fn query_parser(&self) -> Arc<Queries> {
        Arc::new(Queries { conn: self.conn.clone() })
    }

    /// pgwire's Parse, refusing parameter types that do not exist (PostgreSQL's 42704)
    /// instead of reading their values as text.
    async fn on_parse<C>(&self, client: &mut C, message: pgwire::messages::extendedquery::Parse) -> PgWireResult<()>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        if let Some(oid) = message.type_oids.iter().find(|&&oid| oid != 0 && Type::from_oid(oid).is_none()) {
            return Err(pg_error("42704", format!("type with OID {oid} does not exist")));
        }
        let name = message.name.clone().unwrap_or_else(|| pgwire::api::DEFAULT_NAME.to_owned());
        match pgwire::api::stmt::StoredStatement::parse(client, &message, self.query_parser()).await? {
            Some(statement) => client.portal_store().put_statement(Arc::new(statement)),
            None => client.portal_store().put_empty_statement(&name),
        }
        client.send(PgWireBackendMessage::ParseComplete(pgwire::messages::extendedquery::ParseComplete::new())).await?;
        Ok(())
    }

    async fn do_query<C>(&self, client: &mut C, portal: &Portal<Prepared>, _max_rows: usize) -> PgWireResult<Response>
    where
        C: ClientInfo + ClientPortalStore + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::PortalStore: PortalStore<Statement = Prepared>,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        self.conn.statements.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let prepared = match &portal.statement.statement {
            // Planned again: a plan holds the table versions of its planning, and a statement
            // prepared once (psycopg prepares a query run five times) must see later commits.
            Prepared::Plan { sql, .. } => match self.prepare(sql).await? {
                Prepared::Plan { plan, sql } if !portal.parameters.is_empty() || !parameter_types(&plan)?.is_empty() => {
                    let inferred = parameter_types(&plan)?;
                    let wire = wire_types(&plan)?;
                    let inferred_refs: Vec<Option<&DataType>> = inferred.iter().map(Option::as_ref).collect();
                    let wire_refs: Vec<Option<&Type>> = wire.iter().map(Some).collect();
                    let values = arrow_pg::datatypes::df::deserialize_parameters_with_server_types(portal, &inferred_refs, &wire_refs)?;
                    let plan = plan.with_param_values(values).map_err(|e| from_engine(e.into()))?;
                    Prepared::Plan { plan, sql }
                }
                fresh => fresh,
            },
            other => other.clone(),
        };
        self.run(client, prepared, &portal.result_column_format).await
    }
}
