//! `cytologia serve` and `cytologia role`: the Postgres-wire server and its roles file.
use std::io::{BufRead, IsTerminal, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use cytologia_udfs::access::Role;

use crate::error::{Error, Result};
use crate::server::roles::{Login, Roles, check_name};
use crate::server::scram::Verifier;
use crate::server::{Limits, ServeOptions};

#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on (PostgreSQL wire protocol).
    #[arg(long, default_value = "127.0.0.1:5432")]
    pg: SocketAddr,
    /// PEM certificate chain for TLS.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for TLS.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Refuse connections that do not use TLS.
    #[arg(long)]
    require_tls: bool,
    /// The roles file (`cytologia role add` writes it).
    #[arg(long, env = "CYTOLOGIA_ROLES")]
    roles: Option<PathBuf>,
    /// No passwords (every login is an analyst unless the roles file makes it an admin); only
    /// on a loopback address.
    #[arg(long)]
    trust: bool,
    #[arg(long, default_value_t = 64)]
    max_connections: usize,
    /// An analyst's statement timeout in seconds (0: none).
    #[arg(long, default_value_t = 300)]
    analyst_timeout: u64,
    /// The most rows an analyst's statement returns (0: no limit).
    #[arg(long, default_value_t = 1_000_000)]
    analyst_max_rows: u64,
    /// Operator memory of an analyst's connection, in MiB (0: no limit).
    #[arg(long, default_value_t = 4096)]
    analyst_memory_mb: usize,
    /// An admin's statement timeout in seconds (0: none).
    #[arg(long, default_value_t = 0)]
    admin_timeout: u64,
    /// Seconds between the NOTICEs of a statement still running.
    #[arg(long, default_value_t = 2)]
    progress_every: u64,
    /// Seconds SIGTERM waits for running statements.
    #[arg(long, default_value_t = 30)]
    drain: u64,
    /// The longest query string accepted, in bytes.
    #[arg(long, default_value_t = 1 << 20)]
    max_query_bytes: usize,
}

fn some_if<T: PartialEq + Default>(v: T) -> Option<T> {
    if v == T::default() { None } else { Some(v) }
}

impl ServeArgs {
    pub fn options(&self) -> ServeOptions {
        ServeOptions {
            listen: self.pg,
            tls_cert: self.tls_cert.clone(),
            tls_key: self.tls_key.clone(),
            require_tls: self.require_tls,
            roles: self.roles.clone(),
            trust: self.trust,
            max_connections: self.max_connections,
            analyst: Limits {
                statement_timeout: some_if(self.analyst_timeout).map(Duration::from_secs),
                max_rows: some_if(self.analyst_max_rows),
                memory_bytes: some_if(self.analyst_memory_mb).map(|mb| mb << 20),
            },
            admin: Limits { statement_timeout: some_if(self.admin_timeout).map(Duration::from_secs), ..Limits::ADMIN },
            progress_every: Duration::from_secs(self.progress_every.max(1)),
            drain: Duration::from_secs(self.drain),
            max_query_bytes: self.max_query_bytes,
        }
    }
}

#[derive(clap::Subcommand, Debug)]
pub enum RoleCommand {
    /// Add a login (`--role analyst|admin`), or change its role and password. The password is
    /// read from CYTOLOGIA_PASSWORD, else from standard input (one line); only its SCRAM
    /// verifier is kept.
    Add { name: String },
    /// Remove a login.
    Remove { name: String },
    /// List the logins and their roles.
    List,
}

fn read_password(name: &str) -> Result<String> {
    if let Ok(p) = std::env::var("CYTOLOGIA_PASSWORD") {
        return Ok(p);
    }
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    if terminal {
        eprint!("password for {name}: ");
        let _ = std::io::stderr().flush();
        // No echo while the password is typed.
        let _ = std::process::Command::new("stty").arg("-echo").stdin(std::process::Stdio::inherit()).status();
    }
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if terminal {
        let _ = std::process::Command::new("stty").arg("echo").stdin(std::process::Stdio::inherit()).status();
        eprintln!();
    }
    read.map_err(|e| Error::io("standard input", e))?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        return Err(Error::Usage("empty password: give one on standard input or in CYTOLOGIA_PASSWORD".into()));
    }
    Ok(password)
}

pub fn role(command: &RoleCommand, role: Option<Role>, roles_file: Option<&Path>) -> Result<()> {
    let path = roles_file.ok_or_else(|| Error::Usage("no roles file: pass --roles FILE (or set CYTOLOGIA_ROLES)".into()))?;
    let mut roles = Roles::load(path)?;
    match command {
        RoleCommand::Add { name } => {
            check_name(name)?;
            let role = role.ok_or_else(|| Error::Usage(format!("say which role {name} has: --role analyst or --role admin")))?;
            let verifier = Verifier::new(&read_password(name)?);
            let existed = roles.logins.insert(name.clone(), Login { role, verifier }).is_some();
            roles.save(path)?;
            println!("{} {name} as {} in {}", if existed { "updated" } else { "added" }, role.name(), path.display());
        }
        RoleCommand::Remove { name } => {
            if roles.logins.remove(name).is_none() {
                return Err(Error::Usage(format!("no login '{name}' in {}", path.display())));
            }
            roles.save(path)?;
            println!("removed {name} from {}", path.display());
        }
        RoleCommand::List => {
            for (name, login) in &roles.logins {
                println!("{name}\t{}", login.role.name());
            }
        }
    }
    Ok(())
}
