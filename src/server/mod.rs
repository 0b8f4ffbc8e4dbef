//! `cytologia serve`: the warehouse over the PostgreSQL wire protocol (pgwire), one engine
//! session per connection. Authentication is SCRAM-SHA-256 against the roles file
//! ([`roles`]); every statement runs as the login's role through the engine's plan check
//! (`engine::access`), under the role's limits ([`Limits`]). Catalog queries of psql and BI
//! tools see a `pg_catalog` ([`pg_catalog`]); everything else is planned by DataFusion
//! unchanged.
mod client_statements;
mod connection;
mod describe_functions;
mod errors;
mod pg_catalog;
mod query;
pub mod roles;
mod rows;
pub mod scram;
mod startup;
mod tls;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use cytologia_udfs::access::Role;

use crate::engine::Engine;
use crate::error::{Error, Result};

pub use pg_catalog::catalog_function_names;

/// What one statement of a role may use. `None` is no limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    pub statement_timeout: Option<Duration>,
    pub max_rows: Option<u64>,
    pub memory_bytes: Option<usize>,
}

impl Limits {
    /// An admin runs the pipeline's long statements: no limits unless given.
    pub const ADMIN: Limits = Limits { statement_timeout: None, max_rows: None, memory_bytes: None };
}

pub struct ServeOptions {
    pub listen: SocketAddr,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub require_tls: bool,
    pub roles: Option<PathBuf>,
    /// No passwords: for local use, on a loopback address only.
    pub trust: bool,
    pub max_connections: usize,
    pub analyst: Limits,
    pub admin: Limits,
    /// A statement still running sends a NOTICE this often (and so notices a client that left).
    pub progress_every: Duration,
    /// How long SIGTERM waits for running statements before exiting.
    pub drain: Duration,
    /// Longer query strings are refused before parsing.
    pub max_query_bytes: usize,
}

impl ServeOptions {
    pub fn limits(&self, role: Role) -> Limits {
        match role {
            Role::Admin => self.admin,
            Role::Analyst => self.analyst,
        }
    }

    fn check(&self) -> Result<()> {
        if self.trust && !self.listen.ip().is_loopback() {
            return Err(Error::Usage(format!("--trust accepts connections without a password and is allowed only on a loopback address, not {}", self.listen)));
        }
        if !self.trust && self.roles.is_none() {
            return Err(Error::Usage(
                "no roles file: create one with `cytologia role add NAME --role analyst --roles FILE` and pass --roles FILE (or --trust on a loopback address for local use)".into(),
            ));
        }
        if self.require_tls && self.tls_cert.is_none() {
            return Err(Error::Usage("--require-tls needs --tls-cert and --tls-key".into()));
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err(Error::Usage("--tls-cert and --tls-key go together".into()));
        }
        if self.max_connections == 0 {
            return Err(Error::Usage("--max-connections must be at least 1".into()));
        }
        Ok(())
    }
}

/// Serves `engine`'s warehouse until SIGTERM or Ctrl-C, then lets running statements finish
/// (up to `drain`) and returns.
pub async fn serve(engine: Engine, opts: ServeOptions) -> Result<()> {
    opts.check()?;
    let roles = match &opts.roles {
        Some(path) => roles::Roles::load(path)?,
        None => roles::Roles::default(),
    };
    if !opts.trust && roles.logins.is_empty() {
        let path = opts.roles.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
        return Err(Error::Usage(format!("the roles file {path} has no logins: add one with `cytologia role add NAME --role analyst --roles {path}`")));
    }
    let tls = match (&opts.tls_cert, &opts.tls_key) {
        (Some(cert), Some(key)) => Some(tls::acceptor(cert, key)?),
        _ => None,
    };
    pg_catalog::install(&engine)?;
    raise_open_files_limit();
    let listener = tokio::net::TcpListener::bind(opts.listen).await.map_err(|e| Error::Usage(format!("cannot listen on {}: {e}", opts.listen)))?;
    let local = listener.local_addr().map_err(|e| Error::io("listener", e))?;
    let shared = Arc::new(connection::Shared::new(engine, roles, opts));
    eprintln!(
        "serve: listening on {local} ({}; {}; at most {} connections)",
        if tls.is_some() { if shared.opts.require_tls { "TLS required" } else { "TLS offered" } } else { "no TLS" },
        if shared.opts.trust { "trust: no passwords" } else { "SCRAM-SHA-256" },
        shared.opts.max_connections
    );

    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).map_err(|e| Error::io("SIGTERM handler", e))?;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, peer)) => {
                    let _ = socket.set_nodelay(true);
                    let handlers = connection::ConnectionHandlers::new(shared.clone(), peer);
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        if let Err(e) = pgwire::tokio::process_socket(socket, tls, handlers).await {
                            eprintln!("serve: connection from {peer}: {e}");
                        }
                    });
                }
                // Running out of file descriptors must not end the server: wait and go on.
                Err(e) => {
                    eprintln!("serve: accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    drop(listener);
    let running = shared.running.load(Ordering::SeqCst);
    eprintln!("serve: stopping; waiting for {running} running statement(s) (at most {} s)", shared.opts.drain.as_secs());
    let drained = tokio::time::timeout(shared.opts.drain, shared.drained()).await.is_ok();
    eprintln!("serve: stopped{}", if drained { "" } else { " (statements still running were cut off)" });
    Ok(())
}

/// Each connection holds a socket: the soft limit on open files (often 1,024) goes up to the
/// hard one, so `--max-connections` and the refusals past it are what bounds clients.
fn raise_open_files_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit/setrlimit only read and write the struct passed to them.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 && limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}
