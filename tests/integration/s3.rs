//! An s3:// warehouse against a local S3-compatible server (moto, installed by
//! `scripts/setup --test`). Skipped, saying so, when moto_server is not installed.
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::common::{bin, repo};

struct Server(Child);
impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn moto_server() -> Option<std::path::PathBuf> {
    let local = repo().join(".cytologia-env/venv/bin/moto_server");
    if local.exists() {
        return Some(local);
    }
    std::env::var_os("PATH")?.to_str()?.split(':').map(|d| std::path::Path::new(d).join("moto_server")).find(|p| p.exists())
}

fn http(port: u16, request: &str) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(request.as_bytes())?;
    let mut buf = String::new();
    let _ = s.read_to_string(&mut buf);
    Ok(buf)
}

#[test]
fn s3_warehouse_on_a_local_server() {
    let Some(moto) = moto_server() else {
        eprintln!("SKIPPED s3_warehouse_on_a_local_server: moto_server not installed (run scripts/setup --test)");
        return;
    };
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let _server = Server(
        Command::new(&moto).args(["-H", "127.0.0.1", "-p", &port.to_string()]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("start moto_server"),
    );
    let started = Instant::now();
    let bucket = loop {
        let req = format!("PUT /cytologia-test HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        match http(port, &req) {
            Ok(r) if r.starts_with("HTTP/1.1 200") => break true,
            _ if started.elapsed() > Duration::from_secs(30) => break false,
            _ => std::thread::sleep(Duration::from_millis(200)),
        }
    };
    assert!(bucket, "moto_server did not start on port {port}");

    let run = |sql: &str| {
        let out = Command::new(bin())
            .args(["--warehouse", "s3://cytologia-test/wh", "sql", "--format", "csv", sql])
            .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ALLOW_HTTP", "true")
            .env_remove("CYTOLOGIA_WAREHOUSE")
            .output()
            .unwrap();
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    run("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(id, tag)");
    run("INSERT INTO t VALUES (3, 'c')");
    assert_eq!(run("SELECT id, tag FROM t ORDER BY id"), "id,tag\n1,a\n2,b\n3,c\n");
    assert_eq!(run("SELECT count(*) AS n FROM table_at(t, version => 0)"), "n\n2\n");
    assert_eq!(run("SELECT count(*) AS n FROM classes"), "n\n23\n");
}
