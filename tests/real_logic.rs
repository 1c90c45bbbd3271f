//! The real-toolchains tier's logic without an engine: plain `cargo test` runs the unit tests
//! of tests/real's modules here (the tier itself is `harness = false`).

#[path = "real/apps.rs"]
#[allow(dead_code)]
mod apps;
#[path = "real/engine.rs"]
#[allow(dead_code)]
mod engine;
#[path = "real/excuses.rs"]
#[allow(dead_code)]
mod excuses;
#[path = "real/mirror.rs"]
#[allow(dead_code)]
mod mirror;

/// tests/real/proxy.py, against a local upstream whose answer changes on every request (a
/// mirror that republishes): the proxy must keep the first answer for the whole run, never
/// keep an error, and tunnel CONNECT untouched.
mod proxy {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::{TcpListener, TcpStream};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    /// An HTTP/1.0 upstream: `/InRelease` answers `v1`, `v2`, …; anything else 404.
    fn upstream(hits: Arc<AtomicUsize>) -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = l.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for s in l.incoming().flatten() {
                let mut r = BufReader::new(s.try_clone().unwrap());
                let mut line = String::new();
                r.read_line(&mut line).unwrap();
                loop {
                    let mut h = String::new();
                    if r.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                        break;
                    }
                }
                let n = hits.fetch_add(1, Ordering::SeqCst) + 1;
                let mut s = s;
                let reply = if line.contains("/InRelease") {
                    format!("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nv{n}")
                } else {
                    "HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string()
                };
                let _ = s.write_all(reply.as_bytes());
            }
        });
        port
    }

    fn status_and_body(s: &mut TcpStream) -> (String, String) {
        let mut text = String::new();
        let _ = s.read_to_string(&mut text);
        let status = text.lines().next().unwrap_or("").to_string();
        let body = text.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
        (status, body)
    }

    fn get(proxy: u16, url: &str) -> (String, String) {
        let mut s = TcpStream::connect(("127.0.0.1", proxy)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        write!(
            s,
            "GET {url} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        status_and_body(&mut s)
    }

    #[test]
    fn pins_the_first_answer_keeps_no_error_and_tunnels() {
        let Ok(py) = which_python() else {
            panic!("python3 is required for tests/real/proxy.py");
        };
        let hits = Arc::new(AtomicUsize::new(0));
        let up = upstream(hits.clone());
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let dir = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new(py)
            .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/real/proxy.py"))
            .arg(dir.path().join("cache"))
            .arg(port.to_string())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut up_ok = false;
        for _ in 0..100 {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                up_ok = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let result = std::panic::catch_unwind(|| {
            assert!(up_ok, "proxy.py did not start");
            let url = format!("http://127.0.0.1:{up}/debian/dists/bookworm/InRelease");
            assert_eq!(get(port, &url).1, "v1");
            // the upstream would now say v2: the run keeps v1
            assert_eq!(get(port, &url).1, "v1");
            assert_eq!(hits.load(Ordering::SeqCst), 1);
            let missing = format!("http://127.0.0.1:{up}/debian/pool/x.deb");
            assert!(get(port, &missing).0.contains(" 404"));
            assert!(get(port, &missing).0.contains(" 404"));
            assert_eq!(hits.load(Ordering::SeqCst), 3, "a 404 must not be cached");
            // CONNECT: a byte tunnel to the upstream, which answers the next request itself
            let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
            write!(s, "CONNECT 127.0.0.1:{up} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
            let mut r = BufReader::new(s.try_clone().unwrap());
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            assert!(line.contains(" 200"), "{line}");
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).unwrap() == 0 || h == "\r\n" {
                    break;
                }
            }
            write!(s, "GET /InRelease HTTP/1.0\r\n\r\n").unwrap();
            let mut rest = String::new();
            let _ = r.read_to_string(&mut rest);
            assert!(rest.ends_with("v4"), "{rest:?}");
        });
        let _ = child.kill();
        let _ = child.wait();
        if let Err(e) = result {
            std::panic::resume_unwind(e);
        }
    }

    fn which_python() -> Result<String, ()> {
        for p in ["python3", "python"] {
            if std::process::Command::new(p)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
            {
                return Ok(p.to_string());
            }
        }
        Err(())
    }
}
