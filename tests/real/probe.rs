//! Checking a running image from the host: an HTTP GET over a plain TCP socket (no client
//! library needed), retried until the service is up or the deadline passes.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// `GET path` on 127.0.0.1:port → (status code, body).
pub fn http_get(port: u16, path: &str) -> Result<(u16, String), String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok();
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| format!("not an HTTP answer: {:.80}", text))?;
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    Ok((code, body))
}

/// Polls until `GET path` answers 200 with `expect` in the body; `alive` stops early when
/// the container died.
pub fn wait_http(
    port: u16,
    path: &str,
    expect: &str,
    within: Duration,
    alive: &dyn Fn() -> bool,
) -> Result<(), String> {
    let t = Instant::now();
    let mut last = String::from("no answer");
    while t.elapsed() < within {
        match http_get(port, path) {
            Ok((200, body)) if body.contains(expect) => return Ok(()),
            Ok((code, body)) => last = format!("HTTP {code}: {:.200}", body),
            Err(e) => last = e,
        }
        if !alive() {
            return Err(format!("the container exited; last probe: {last}"));
        }
        std::thread::sleep(Duration::from_millis(300));
    }
    Err(format!(
        "no `{expect}` from GET {path} on port {port} within {within:?}: {last}"
    ))
}

/// Whether something already listens on the port (a probe would then test the wrong server).
pub fn port_taken(port: u16) -> bool {
    TcpStream::connect(("127.0.0.1", port)).is_ok()
}
