//! What the server shares across connections ([`Shared`]), and what each connection owns: its
//! handlers, its engine session once authenticated, its cancel flag and its log prefix.
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use pgwire::api::cancel::CancelHandler;
use pgwire::api::{ConnectionManager, NoopHandler, PgWireServerHandlers};
use pgwire::messages::cancel::CancelRequest;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use cytologia_udfs::access::Role;

use super::roles::Roles;
use super::{Limits, ServeOptions};
use crate::engine::Engine;

pub struct Shared {
    pub engine: Engine,
    pub roles: Roles,
    pub opts: ServeOptions,
    pub connections: Arc<Semaphore>,
    /// pgwire's registry: a cancel request stops the statement it is awaiting.
    pub manager: Arc<ConnectionManager>,
    /// Ours: a cancel request also stops rows still streaming after that.
    cancels: Mutex<HashMap<(i32, Vec<u8>), Arc<CancelFlag>>>,
    next_id: AtomicU64,
    pub running: AtomicUsize,
    idle: Notify,
    pub stopping: AtomicBool,
    /// Salts the mock verifiers of unknown users, per server start.
    pub secret: [u8; 32],
}

impl Shared {
    pub fn new(engine: Engine, roles: Roles, opts: ServeOptions) -> Shared {
        Shared {
            engine,
            roles,
            connections: Arc::new(Semaphore::new(opts.max_connections)),
            opts,
            manager: Arc::new(ConnectionManager::new()),
            cancels: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(1),
            running: AtomicUsize::new(0),
            idle: Notify::new(),
            stopping: AtomicBool::new(false),
            secret: super::scram::random_bytes(),
        }
    }

    /// Marks a statement as running until the guard drops.
    pub fn statement_started(self: &Arc<Self>) -> RunningGuard {
        self.running.fetch_add(1, Ordering::SeqCst);
        RunningGuard(self.clone())
    }

    /// Waits until no statement runs; new ones are refused from now on.
    pub async fn drained(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        loop {
            let notified = self.idle.notified();
            if self.running.load(Ordering::SeqCst) == 0 {
                return;
            }
            notified.await;
        }
    }

    pub fn register_cancel(&self, pid: i32, key: Vec<u8>, flag: Arc<CancelFlag>) {
        self.cancels.lock().unwrap_or_else(|p| p.into_inner()).insert((pid, key), flag);
    }

    pub fn unregister_cancel(&self, pid: i32, key: &[u8]) {
        self.cancels.lock().unwrap_or_else(|p| p.into_inner()).remove(&(pid, key.to_vec()));
    }
}

pub struct RunningGuard(Arc<Shared>);

impl Drop for RunningGuard {
    fn drop(&mut self) {
        if self.0.running.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// Raised by a cancel request; every statement remembers the count it started under.
#[derive(Default)]
pub struct CancelFlag {
    count: AtomicU64,
    notify: Notify,
}

impl CancelFlag {
    pub fn current(&self) -> u64 {
        self.count.load(Ordering::SeqCst)
    }

    pub fn cancel(&self) {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// Resolves once a cancel arrives after `since`.
    pub async fn cancelled(&self, since: u64) {
        loop {
            let notified = self.notify.notified();
            if self.current() != since {
                return;
            }
            notified.await;
        }
    }
}

/// An authenticated connection's engine session and settings.
pub struct Session {
    pub engine: Engine,
    pub user: String,
    pub role: Role,
    pub limits: Limits,
    /// PostgreSQL settings a client sets for itself (DateStyle, statement_timeout, ...).
    pub settings: Mutex<HashMap<String, String>>,
}

/// One connection: created at accept, authenticated by the startup handler.
pub struct Connection {
    pub id: u64,
    pub peer: SocketAddr,
    pub shared: Arc<Shared>,
    /// None: the server was full when this connection arrived; it is refused at startup.
    pub permit: Mutex<Option<OwnedSemaphorePermit>>,
    pub session: OnceLock<Session>,
    pub cancel: Arc<CancelFlag>,
    pub cancel_key: Mutex<Option<(i32, Vec<u8>)>>,
    pub opened: std::time::Instant,
    pub statements: AtomicU64,
}

impl Connection {
    /// `conn=N user=U role=R`, the prefix of every log line of this connection.
    pub fn label(&self) -> String {
        match self.session.get() {
            Some(s) => format!("conn={} user={} role={}", self.id, s.user, s.role.name()),
            None => format!("conn={} from={}", self.id, self.peer),
        }
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if let Some((pid, key)) = self.cancel_key.lock().unwrap_or_else(|p| p.into_inner()).take() {
            self.shared.unregister_cancel(pid, &key);
        }
        if self.session.get().is_some() {
            eprintln!(
                "serve: {} closed after {:.1} s, {} statement(s)",
                self.label(),
                self.opened.elapsed().as_secs_f64(),
                self.statements.load(Ordering::SeqCst)
            );
        }
    }
}

/// pgwire's handlers for one connection.
pub struct ConnectionHandlers {
    startup: Arc<super::startup::Startup>,
    queries: Arc<super::query::Queries>,
    cancel: Arc<Cancels>,
}

impl ConnectionHandlers {
    pub fn new(shared: Arc<Shared>, peer: SocketAddr) -> ConnectionHandlers {
        let permit = shared.connections.clone().try_acquire_owned().ok();
        let conn = Arc::new(Connection {
            id: shared.next_id.fetch_add(1, Ordering::SeqCst),
            peer,
            shared: shared.clone(),
            permit: Mutex::new(permit),
            session: OnceLock::new(),
            cancel: Arc::new(CancelFlag::default()),
            cancel_key: Mutex::new(None),
            opened: std::time::Instant::now(),
            statements: AtomicU64::new(0),
        });
        ConnectionHandlers {
            startup: Arc::new(super::startup::Startup::new(conn.clone())),
            queries: Arc::new(super::query::Queries::new(conn)),
            cancel: Arc::new(Cancels(shared)),
        }
    }
}

impl PgWireServerHandlers for ConnectionHandlers {
    fn simple_query_handler(&self) -> Arc<impl pgwire::api::query::SimpleQueryHandler> {
        self.queries.clone()
    }

    fn extended_query_handler(&self) -> Arc<impl pgwire::api::query::ExtendedQueryHandler> {
        self.queries.clone()
    }

    fn startup_handler(&self) -> Arc<impl pgwire::api::auth::StartupHandler> {
        self.startup.clone()
    }

    fn copy_handler(&self) -> Arc<impl pgwire::api::copy::CopyHandler> {
        Arc::new(NoopHandler)
    }

    fn cancel_handler(&self) -> Arc<impl CancelHandler> {
        self.cancel.clone()
    }
}

/// A cancel request arrives on a connection of its own, naming the target by its key.
pub struct Cancels(Arc<Shared>);

#[async_trait::async_trait]
impl CancelHandler for Cancels {
    async fn on_cancel_request(&self, request: CancelRequest) {
        let key = request.secret_key.to_bytes().to_vec();
        let flag = self.0.cancels.lock().unwrap_or_else(|p| p.into_inner()).get(&(request.pid, key)).cloned();
        if let Some(flag) = flag {
            flag.cancel();
            self.0.manager.cancel(request.pid, &request.secret_key).await;
        }
    }
}
