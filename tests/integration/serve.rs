//! `cytologia serve` against real clients: psql (Debian) and psycopg/pandas (PyPI), both
//! installed by `scripts/setup --test`, plus hostile raw-protocol clients. Skipped, saying so,
//! when psql or the venv's psycopg is missing.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::common::{bin, cytologia, repo};

const ANALYST_PW: &str = "analyst secret";
const ADMIN_PW: &str = "admin secret";
const MAX_ROWS: &str = "5000";

struct Server {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    fn start(dir: &Path, wh: &Path, name: &str, args: &[&str]) -> Server {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = dir.join(format!("{name}.log"));
        let child = Command::new(bin())
            .arg("--warehouse")
            .arg(wh)
            .args(["serve", "--pg", &format!("127.0.0.1:{port}")])
            .args(args)
            .env_remove("CYTOLOGIA_WAREHOUSE")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("start cytologia serve");
        let server = Server { child, port, log };
        let started = Instant::now();
        while !server.log_text().contains("serve: listening on") {
            assert!(started.elapsed() < Duration::from_secs(60), "the server did not start:\n{}", server.log_text());
            std::thread::sleep(Duration::from_millis(100));
        }
        server
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn psql(&self, user: &str, password: &str, sslmode: &str, args: &[&str]) -> Output {
        Command::new("psql")
            .args(["-X", "-v", "ON_ERROR_STOP=1", "-v", "VERBOSITY=verbose", "-At"])
            .arg(format!("host=127.0.0.1 port={} user={user} dbname=cytologia sslmode={sslmode} connect_timeout=10", self.port))
            .args(args)
            .env("PGPASSWORD", password)
            .output()
            .expect("run psql")
    }
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn venv_python() -> PathBuf {
    repo().join(".cytologia-env/venv/bin/python")
}

fn clients_installed() -> bool {
    let psql = Command::new("psql").arg("--version").output().is_ok_and(|o| o.status.success());
    let psycopg = Command::new(venv_python()).args(["-c", "import psycopg, pandas"]).output().is_ok_and(|o| o.status.success());
    psql && psycopg
}

/// A warehouse with the catalog and a three-image test set: truth, rows and a submission.
fn warehouse(dir: &Path) -> PathBuf {
    let wh = dir.join("wh");
    let (ok, _, err) = cytologia(&wh, &["init"]);
    assert!(ok, "{err}");
    let sql = "INSERT INTO test_rows VALUES (1, 1, 'img_0.jpg'), (2, 2, 'img_1.jpg'), (3, 3, 'img_2.jpg');
        INSERT INTO test_truth VALUES (1, 'img_0.jpg', 10, 10, 50, 50, 'LY'), (2, 'img_1.jpg', 5, 5, 40, 40, 'NEU'), (2, 'img_1.jpg', 60, 60, 90, 90, 'MO');
        INSERT INTO submission VALUES (1, 'img_0.jpg', 11, 10, 50, 52, 'LY', 1), (2, 'img_1.jpg', 5, 5, 40, 40, 'MO', 2), (3, 'img_2.jpg', 1, 1, 9, 9, 'EO', 3)";
    let (ok, _, err) = cytologia(&wh, &["sql", sql]);
    assert!(ok, "{err}");
    wh
}

fn add_role(roles: &Path, name: &str, role: &str, password: &str) {
    let out = Command::new(bin()).args(["role", "add", name, "--role", role, "--roles"]).arg(roles).env("CYTOLOGIA_PASSWORD", password).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
}

fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("server.crt"), dir.join("server.key"));
    let out = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("run openssl");
    assert!(out.status.success(), "{}", text(&out));
    (cert, key)
}

#[test]
fn psql_and_psycopg_over_scram_and_tls() {
    if !clients_installed() {
        eprintln!("SKIPPED psql_and_psycopg_over_scram_and_tls: psql or psycopg not installed (run scripts/setup --test)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let wh = warehouse(dir.path());
    let roles = dir.path().join("roles");
    add_role(&roles, "ana", "analyst", ANALYST_PW);
    add_role(&roles, "ops", "admin", ADMIN_PW);
    let stored = std::fs::read_to_string(&roles).unwrap();
    assert!(!stored.contains(ANALYST_PW) && stored.contains("SCRAM-SHA-256$4096:"), "{stored}");
    let (cert, key) = self_signed(dir.path());
    let server = Server::start(
        dir.path(),
        &wh,
        "tls",
        &[
            "--roles",
            roles.to_str().unwrap(),
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
            "--require-tls",
            "--analyst-max-rows",
            MAX_ROWS,
            "--progress-every",
            "1",
            "--drain",
            "20",
        ],
    );

    let o = server.psql("ana", ANALYST_PW, "require", &["-c", "SELECT count(*) FROM test_rows"]);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "3", "{}", text(&o));
    let o = server.psql("ana", "wrong", "require", &["-c", "SELECT 1"]);
    assert!(!o.status.success() && text(&o).contains("password authentication failed"), "{}", text(&o));
    let o = server.psql("ana", ANALYST_PW, "disable", &["-c", "SELECT 1"]);
    assert!(!o.status.success() && text(&o).contains("requires TLS"), "{}", text(&o));
    let o = server.psql("ana", ANALYST_PW, "require", &["-c", "INSERT INTO test_rows VALUES (9, 9, 'x')"]);
    assert!(!o.status.success() && text(&o).contains("25006"), "{}", text(&o));

    // psql's catalog commands.
    let o = server.psql("ana", ANALYST_PW, "require", &["-c", "\\dt"]);
    assert!(o.status.success() && text(&o).contains("submission") && text(&o).contains("test_truth"), "\\dt: {}", text(&o));
    let o = server.psql("ana", ANALYST_PW, "require", &["-c", "\\dv"]);
    assert!(o.status.success() && text(&o).contains("submission_class_errors"), "\\dv: {}", text(&o));
    let o = server.psql("ana", ANALYST_PW, "require", &["-c", "\\d test_truth"]);
    assert!(o.status.success() && text(&o).contains("trustii_id") && text(&o).contains("bigint"), "\\d: {}", text(&o));

    let python = Command::new(venv_python())
        .arg(repo().join("tests/pg/clients.py"))
        .env("PGHOST", "127.0.0.1")
        .env("PGPORT", server.port.to_string())
        .env("CY_ANALYST", "ana")
        .env("CY_ANALYST_PASSWORD", ANALYST_PW)
        .env("CY_ADMIN", "ops")
        .env("CY_ADMIN_PASSWORD", ADMIN_PW)
        .env("CY_MAX_ROWS", MAX_ROWS)
        .output()
        .unwrap();
    assert!(python.status.success(), "tests/pg/clients.py:\n{}\nserver log:\n{}", text(&python), server.log_text());

    // A client that leaves mid-query stops its query.
    let mut leaver = Command::new("psql")
        .arg(format!("host=127.0.0.1 port={} user=ana dbname=cytologia sslmode=require", server.port))
        .args(["-c", "SELECT count(*) FROM generate_series(1, 50000000000) AS leaving"])
        .env("PGPASSWORD", ANALYST_PW)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    leaver.kill().unwrap();
    let _ = leaver.wait();
    let left = Instant::now();
    let stopped = |log: &str| log.lines().any(|l| l.contains("AS leaving") && l.contains(" error"));
    while !stopped(&server.log_text()) {
        assert!(left.elapsed() < Duration::from_secs(10), "the query of a client that left still runs:\n{}", server.log_text());
        std::thread::sleep(Duration::from_millis(200));
    }

    // A writer replaces the submission while 32 readers query the analyst views.
    let load = Command::new(venv_python())
        .arg(repo().join("scripts/bench/serve_load.py"))
        .args(["--port", &server.port.to_string(), "--user", "ana", "--clients", "32", "--seconds", "15"])
        .args(["--writer", &format!("{} --warehouse {} sql 'CREATE OR REPLACE TABLE submission AS SELECT * FROM submission'", bin(), wh.display())])
        .env("PGPASSWORD", ANALYST_PW)
        .env("PGSSLMODE", "require")
        .output()
        .unwrap();
    assert!(
        load.status.success(),
        "serve_load.py:\n{}\nserver log tail:\n{}",
        text(&load),
        server.log_text().lines().rev().take(20).collect::<Vec<_>>().join("\n")
    );
    assert!(text(&load).contains("errors=0"), "{}", text(&load));

    let log = server.log_text();
    assert!(log.contains("user=ana role=analyst") && log.contains("over TLS"), "{log}");
    assert!(log.lines().any(|l| l.contains("refused: password authentication failed")), "{log}");

    // SIGTERM: running statements finish, then the server exits cleanly.
    let mut server = server;
    let pid = server.child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let waited = Instant::now();
    let status = loop {
        if let Some(s) = server.child.try_wait().unwrap() {
            break s;
        }
        assert!(waited.elapsed() < Duration::from_secs(25), "the server did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(status.success(), "{status}\n{}", server.log_text());
    assert!(server.log_text().contains("serve: stopped"), "{}", server.log_text());
}

/// One PostgreSQL protocol message: type byte, length, body.
fn message(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&((body.len() + 4) as i32).to_be_bytes());
    m.extend_from_slice(body);
    m
}

fn startup(user: &str) -> Vec<u8> {
    let mut body = 196608i32.to_be_bytes().to_vec();
    for s in ["user", user, "database", "cytologia", ""] {
        body.extend_from_slice(s.as_bytes());
        body.push(0);
    }
    let mut m = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    m.extend(body);
    m
}

/// Reads messages until one of type `until` (or the socket closes); returns their type bytes.
fn read_until(s: &mut TcpStream, until: u8) -> Vec<u8> {
    let mut kinds = Vec::new();
    let mut header = [0u8; 5];
    while s.read_exact(&mut header).is_ok() {
        let len = i32::from_be_bytes([header[1], header[2], header[3], header[4]]).max(4) as usize - 4;
        let mut body = vec![0u8; len];
        if s.read_exact(&mut body).is_err() {
            break;
        }
        kinds.push(header[0]);
        if header[0] == until {
            break;
        }
    }
    kinds
}

/// A small deterministic generator for the fuzzer (no dependency).
struct XorShift(u64);
impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Malformed startup and query messages for a bounded time, 1,000 connections at once and an
/// unknown type in a Bind: each gets an error or a refusal, and the server keeps serving.
#[test]
fn serve_survives_hostile_clients() {
    let dir = tempfile::tempdir().unwrap();
    let wh = dir.path().join("wh");
    let (ok, _, err) = cytologia(&wh, &["init"]);
    assert!(ok, "{err}");
    let server = Server::start(dir.path(), &wh, "trust", &["--trust", "--max-connections", "40"]);
    let addr = ("127.0.0.1", server.port);
    let alive = || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(&startup("ana")).unwrap();
        assert_eq!(read_until(&mut s, b'Z').last(), Some(&b'Z'), "the server stopped answering:\n{}", server.log_text());
        s.write_all(&message(b'Q', b"SELECT 41 + 1\0")).unwrap();
        let kinds = read_until(&mut s, b'Z');
        assert!(kinds.contains(&b'D') && !kinds.contains(&b'E'), "{kinds:?}");
    };
    alive();

    let seconds: u64 = std::env::var("CYTOLOGIA_FUZZ_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10).min(30);
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let valid_query = message(b'Q', b"SELECT 1\0");
    let (started, mut tried) = (Instant::now(), 0u64);
    while started.elapsed() < Duration::from_secs(seconds) {
        let Ok(mut s) = TcpStream::connect(addr) else { continue };
        s.set_read_timeout(Some(Duration::from_millis(300))).unwrap();
        let authenticated = rng.below(2) == 0;
        let mut bytes = if authenticated { startup("fuzz") } else { Vec::new() };
        let mut body = if authenticated { valid_query.clone() } else { startup("fuzz") };
        match rng.below(4) {
            // Flip bytes of a valid message.
            0 => (0..1 + rng.below(4)).for_each(|_| {
                let i = rng.below(body.len());
                body[i] ^= 1 << rng.below(8);
            }),
            // A length far beyond the bytes that follow.
            1 => body[1..5].copy_from_slice(&(rng.next() as i32).to_be_bytes()),
            // Random bytes.
            2 => body = (0..rng.below(64)).map(|_| rng.next() as u8).collect(),
            // A truncated message.
            _ => body.truncate(rng.below(body.len())),
        }
        bytes.extend(body);
        let _ = s.write_all(&bytes);
        let _ = s.read(&mut [0u8; 256]);
        tried += 1;
    }
    eprintln!("fuzzed {tried} malformed startup and query messages in {seconds} s");
    assert!(tried > 50, "only {tried} fuzz cases ran");
    alive();

    // 1,000 connections: the first 40 are served, the rest refused with 53300.
    let mut held = Vec::new();
    for _ in 0..1000 {
        if let Ok(s) = TcpStream::connect(addr) {
            held.push(s);
        }
    }
    let mut refused = 0;
    for s in held.iter_mut() {
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let _ = s.write_all(&startup("crowd"));
    }
    for s in held.iter_mut() {
        let mut first = [0u8; 1];
        if s.read_exact(&mut first).is_ok() && first[0] == b'E' {
            refused += 1;
        }
    }
    // Those past the 40 served are refused (fewer connections open if this process runs out
    // of file descriptors first).
    assert!(held.len() >= 500 && refused + 40 >= held.len(), "{refused} of {} connections were refused", held.len());
    drop(held);
    std::thread::sleep(Duration::from_millis(500));
    alive();

    // An unknown parameter type in Parse/Bind.
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(&startup("ana")).unwrap();
    read_until(&mut s, b'Z');
    let mut parse = b"\0SELECT $1\0".to_vec();
    parse.extend_from_slice(&1i16.to_be_bytes());
    parse.extend_from_slice(&987_654i32.to_be_bytes());
    let mut bind = b"\0\0".to_vec();
    bind.extend_from_slice(&0i16.to_be_bytes());
    bind.extend_from_slice(&1i16.to_be_bytes());
    bind.extend_from_slice(&3i32.to_be_bytes());
    bind.extend_from_slice(b"abc");
    bind.extend_from_slice(&0i16.to_be_bytes());
    let mut sequence = message(b'P', &parse);
    sequence.extend(message(b'B', &bind));
    sequence.extend(message(b'E', b"\0\0\0\0\0"));
    sequence.extend(message(b'S', b""));
    s.write_all(&sequence).unwrap();
    let kinds = read_until(&mut s, b'Z');
    assert!(kinds.contains(&b'E') && kinds.last() == Some(&b'Z'), "{kinds:?}");
    s.write_all(&message(b'Q', b"SELECT 1\0")).unwrap();
    assert!(read_until(&mut s, b'Z').contains(&b'D'));
    alive();
}
