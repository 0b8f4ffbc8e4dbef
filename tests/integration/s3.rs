//! An s3:// warehouse and images in a bucket, against a local S3-compatible server (moto,
//! installed by `scripts/setup --test`). Skipped, saying so, when moto_server is not installed.
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
    http_with_body(port, request, &[])
}

fn http_with_body(port: u16, request: &str, body: &[u8]) -> std::io::Result<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    s.write_all(request.as_bytes())?;
    s.write_all(body)?;
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

    let cli = |args: &[&str]| {
        Command::new(bin())
            .args(["--warehouse", "s3://cytologia-test/wh"])
            .args(args)
            .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ALLOW_HTTP", "true")
            .env_remove("CYTOLOGIA_WAREHOUSE")
            .output()
            .unwrap()
    };
    let run = |sql: &str| {
        let out = cli(&["sql", "--format", "csv", sql]);
        assert!(out.status.success(), "{sql}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    run("CREATE TABLE t AS SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS v(id, tag)");
    run("INSERT INTO t VALUES (3, 'c')");
    assert_eq!(run("SELECT id, tag FROM t ORDER BY id"), "id,tag\n1,a\n2,b\n3,c\n");
    assert_eq!(run("SELECT count(*) AS n FROM table_at(t, version => 0)"), "n\n2\n");
    assert_eq!(run("SELECT count(*) AS n FROM classes"), "n\n23\n");

    // Images in the bucket read as their local copies do: the same rows from read_images, the
    // same pixels through a path-taking function, one level of a prefix, globs, clear errors.
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let synth = Command::new(bin()).args(["synth", "--out", data.to_str().unwrap(), "--train", "3", "--test", "1"]).output().unwrap();
    assert!(synth.status.success(), "{}", String::from_utf8_lossy(&synth.stderr));
    let put = |key: &str, body: &[u8]| {
        let req = format!("PUT /cytologia-test/{key} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
        let r = http_with_body(port, &req, body).unwrap();
        assert!(r.starts_with("HTTP/1.1 200"), "PUT {key}: {r}");
    };
    let images = data.join("images");
    let mut names: Vec<String> = std::fs::read_dir(&images).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names.len(), 4);
    for n in &names {
        put(&format!("images/{n}"), &std::fs::read(images.join(n)).unwrap());
    }
    put("images/notes.txt", b"not an image");
    put("images/deeper/skipped.jpg", &std::fs::read(images.join(&names[0])).unwrap());
    let local = images.to_str().unwrap();
    let rows = |location: &str| run(&format!("SELECT name, width, height, mean, phash, sha256, error FROM read_images('{location}') ORDER BY name"));
    let from_bucket = rows("s3://cytologia-test/images/");
    assert_eq!(from_bucket.lines().count(), 1 + names.len() + 1, "{from_bucket}");
    assert!(from_bucket.contains("notes.txt,,,,,") && from_bucket.contains("unrecognised image format"), "{from_bucket}");
    assert!(!from_bucket.contains("skipped.jpg"), "{from_bucket}");
    assert_eq!(rows("s3://cytologia-test/images/*.jpg"), rows(local));
    assert_eq!(rows("s3://cytologia-test/images"), from_bucket);
    assert_eq!(
        run("SELECT path FROM read_images('s3://cytologia-test/images/*.jpg') ORDER BY name LIMIT 1"),
        format!("path\ns3://cytologia-test/images/{}\n", names[0])
    );
    let first = |root: &str| run(&format!("SELECT phash(crop('{root}/{}', 20, 30, 200, 210, 8)) AS h", names[0]));
    assert_eq!(first("s3://cytologia-test/images"), first(local));
    assert!(first(local).lines().nth(1).is_some_and(|h| h.len() == 16));

    // The ingest script over a dataset kept in the bucket: the CSVs and the images.
    for f in ["train.csv", "test.csv", "test_truth.csv"] {
        put(&format!("data/{f}"), &std::fs::read(data.join(f)).unwrap());
    }
    for n in &names {
        put(&format!("data/images/{n}"), &std::fs::read(images.join(n)).unwrap());
    }
    let ingest = cli(&["run", repo().join("sql/01_ingest.sql").to_str().unwrap(), "--set", "data=s3://cytologia-test/data"]);
    assert!(ingest.status.success(), "{}", String::from_utf8_lossy(&ingest.stderr));
    let train_rows = std::fs::read_to_string(data.join("train.csv")).unwrap().lines().count() - 1;
    assert_eq!(run("SELECT count(*) AS n FROM labels"), format!("n\n{train_rows}\n"));
    assert_eq!(
        run("SELECT count(*) AS n, count(phash) AS hashed, min(path) LIKE 's3://cytologia-test/data/images/%' AS remote FROM images"),
        "n,hashed,remote\n4,4,true\n"
    );

    let fails = |sql: &str| {
        let out = cli(&["sql", sql]);
        assert!(!out.status.success(), "{sql} should fail");
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let e = fails("SELECT * FROM read_images('s3://cytologia-test/nothing/')");
    assert!(e.contains("no files found at 's3://cytologia-test/nothing/'"), "{e}");
    let e = fails("SELECT image_info('s3://cytologia-test/images/missing.jpg')");
    assert!(e.contains("s3://cytologia-test/images/missing.jpg"), "{e}");
}
