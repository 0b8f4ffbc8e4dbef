//! The startup phase of one connection: the connection limit, `--require-tls`, SCRAM-SHA-256
//! against the roles file (or `--trust`), then the connection's engine session.
use std::collections::HashMap;
use std::fmt::Debug;
use std::sync::Arc;

use futures::{Sink, SinkExt};
use pgwire::api::auth::ServerParameterProvider;
use pgwire::api::{ClientInfo, PgWireConnectionState, PidSecretKeyGenerator, RandomPidSecretKeyGenerator};
use pgwire::error::{ErrorInfo, PgWireError, PgWireResult};
use pgwire::messages::startup::Authentication;
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use tokio::sync::Mutex;

use cytologia_udfs::access::Role;

use super::connection::{Connection, Session};
use super::scram::{Exchange, Verifier};

const SCRAM: &str = "SCRAM-SHA-256";

enum State {
    Initial,
    Offered,
    Exchanging(Box<Exchange>),
    Done,
}

pub struct Startup {
    conn: Arc<Connection>,
    state: Mutex<State>,
}

fn fatal(code: &str, message: impl Into<String>) -> PgWireError {
    PgWireError::UserError(Box::new(ErrorInfo::new("FATAL".into(), code.into(), message.into())))
}

impl Startup {
    pub fn new(conn: Arc<Connection>) -> Startup {
        Startup { conn, state: Mutex::new(State::Initial) }
    }

    fn user<C: ClientInfo>(client: &C) -> String {
        client.metadata().get(pgwire::api::METADATA_USER).cloned().unwrap_or_default()
    }

    fn refuse<C: ClientInfo>(&self, client: &C, code: &str, message: String) -> PgWireError {
        eprintln!("serve: conn={} from={} user={} refused: {message}", self.conn.id, self.conn.peer, Self::user(client));
        fatal(code, message)
    }

    /// Opens the connection's engine session and tells the client it may start.
    async fn admit<C>(&self, client: &mut C, user: String, role: Role) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let shared = &self.conn.shared;
        let limits = shared.opts.limits(role);
        let mut engine = shared.engine.session(role).map_err(|e| fatal("XX000", e.to_string()))?;
        if let Some(bytes) = limits.memory_bytes {
            engine = engine.with_memory_limit(bytes).map_err(|e| fatal("XX000", e.to_string()))?;
        }
        let session = Session { engine, user, role, limits, settings: Default::default() };
        let _ = self.conn.session.set(session);

        let (pid, key) = RandomPidSecretKeyGenerator::default().generate(client);
        client.set_pid_and_secret_key(pid, key.clone());
        let (handle, guard) = shared.manager.register(pid, key.clone());
        client.session_extensions().insert(handle);
        client.session_extensions().insert(guard);
        shared.register_cancel(pid, key.to_bytes().to_vec(), self.conn.cancel.clone());
        *self.conn.cancel_key.lock().unwrap_or_else(|p| p.into_inner()) = Some((pid, key.to_bytes().to_vec()));

        eprintln!("serve: {} connected from {}{}", self.conn.label(), self.conn.peer, if client.is_secure() { " over TLS" } else { "" });
        pgwire::api::auth::finish_authentication(client, &Parameters { role }).await
    }
}

#[async_trait::async_trait]
impl pgwire::api::auth::StartupHandler for Startup {
    async fn on_startup<C>(&self, client: &mut C, message: PgWireFrontendMessage) -> PgWireResult<()>
    where
        C: ClientInfo + Sink<PgWireBackendMessage> + Unpin + Send + Sync,
        C::Error: Debug,
        PgWireError: From<<C as Sink<PgWireBackendMessage>>::Error>,
    {
        let shared = self.conn.shared.clone();
        let mut state = self.state.lock().await;
        match (message, &*state) {
            (PgWireFrontendMessage::Startup(startup), State::Initial) => {
                pgwire::api::auth::protocol_negotiation(client, &startup).await?;
                pgwire::api::auth::save_startup_parameters_to_metadata(client, &startup);
                client.set_state(PgWireConnectionState::AuthenticationInProgress);
                if self.conn.permit.lock().unwrap_or_else(|p| p.into_inner()).is_none() {
                    return Err(self.refuse(client, "53300", format!("too many connections (this server takes {})", shared.opts.max_connections)));
                }
                if shared.stopping.load(std::sync::atomic::Ordering::SeqCst) {
                    return Err(self.refuse(client, "57P01", "the server is shutting down".into()));
                }
                if shared.opts.require_tls && !client.is_secure() {
                    return Err(self.refuse(client, "28000", "this server requires TLS (sslmode=require)".into()));
                }
                let user = Self::user(client);
                if user.is_empty() {
                    return Err(self.refuse(client, "28000", "no user name given".into()));
                }
                if shared.opts.trust {
                    let role = shared.roles.logins.get(&user).map_or(Role::Analyst, |l| l.role);
                    *state = State::Done;
                    return self.admit(client, user, role).await;
                }
                client.send(PgWireBackendMessage::Authentication(Authentication::SASL(vec![SCRAM.to_string()]))).await?;
                *state = State::Offered;
                Ok(())
            }
            (PgWireFrontendMessage::PasswordMessageFamily(msg), State::Offered) => {
                let initial = msg.into_sasl_initial_response()?;
                if initial.auth_method != SCRAM {
                    return Err(self.refuse(client, "28000", format!("authentication method '{}' is not offered (only {SCRAM})", initial.auth_method)));
                }
                let data = initial.data.ok_or_else(|| fatal("08P01", "empty SCRAM client-first message"))?;
                let client_first = std::str::from_utf8(&data).map_err(|_| fatal("08P01", "SCRAM message is not UTF-8"))?;
                let user = Self::user(client);
                let verifier = shared.roles.logins.get(&user).map_or_else(|| Verifier::mock(&user, &shared.secret), |l| l.verifier.clone());
                let nonce = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, super::scram::random_bytes::<18>());
                let (exchange, server_first) = Exchange::start(client_first, verifier, &nonce).map_err(|e| self.refuse(client, "08P01", e.to_string()))?;
                client.send(PgWireBackendMessage::Authentication(Authentication::SASLContinue(server_first.into_bytes().into()))).await?;
                *state = State::Exchanging(Box::new(exchange));
                Ok(())
            }
            (PgWireFrontendMessage::PasswordMessageFamily(msg), State::Exchanging(exchange)) => {
                let response = msg.into_sasl_response()?;
                let client_final = std::str::from_utf8(&response.data).map_err(|_| fatal("08P01", "SCRAM message is not UTF-8"))?;
                let user = Self::user(client);
                let login = shared.roles.logins.get(&user);
                let server_final = match (exchange.finish(client_final), login) {
                    (Ok(server_final), Some(_)) => server_final,
                    _ => return Err(self.refuse(client, "28P01", format!("password authentication failed for user \"{user}\""))),
                };
                let role = login.map_or(Role::Analyst, |l| l.role);
                client.send(PgWireBackendMessage::Authentication(Authentication::SASLFinal(server_final.into_bytes().into()))).await?;
                *state = State::Done;
                self.admit(client, user, role).await
            }
            _ => Err(fatal("08P01", "unexpected message during authentication")),
        }
    }
}

/// The ParameterStatus values a client gets at startup.
struct Parameters {
    role: Role,
}

impl ServerParameterProvider for Parameters {
    fn server_parameters<C: ClientInfo>(&self, client: &C) -> Option<HashMap<String, String>> {
        let mut p = HashMap::new();
        // psql and drivers read the major version to pick their catalog queries.
        p.insert("server_version".into(), format!("16.6 (cytologia {})", env!("CARGO_PKG_VERSION")));
        p.insert("server_encoding".into(), "UTF8".into());
        p.insert("client_encoding".into(), "UTF8".into());
        p.insert("integer_datetimes".into(), "on".into());
        p.insert("standard_conforming_strings".into(), "on".into());
        p.insert("DateStyle".into(), "ISO, YMD".into());
        p.insert("IntervalStyle".into(), "postgres".into());
        p.insert("TimeZone".into(), "Etc/UTC".into());
        p.insert("search_path".into(), "public".into());
        p.insert("is_superuser".into(), if self.role == Role::Admin { "on" } else { "off" }.into());
        p.insert("default_transaction_read_only".into(), if self.role == Role::Analyst { "on" } else { "off" }.into());
        if let Some(app) = client.metadata().get(pgwire::api::METADATA_APPLICATION_NAME) {
            p.insert("application_name".into(), app.clone());
        }
        if let Some(user) = client.metadata().get(pgwire::api::METADATA_USER) {
            p.insert("session_authorization".into(), user.clone());
        }
        Some(p)
    }
}
