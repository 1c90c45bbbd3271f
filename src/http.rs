//! HTTP GET, for the package registries `dockopt estimate --registry` asks (PyPI, npm): one
//! small blocking client with short timeouts. The only module that talks to the network;
//! what a registry's answer means is the ecosystem's (`crate::ecosystem::registry`).

use std::io::Read;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// No answer: DNS, connection refused, TLS, timeout. The registry is unreachable.
    /// (`message` names the URL.)
    #[error("{message}")]
    Unreachable { url: String, message: String },
    /// An answer other than 200 or 404.
    #[error("{url}: HTTP {status}")]
    Status { url: String, status: u16 },
    /// The body was cut off or larger than the caller allows.
    #[error("{url}: {message}")]
    Body { url: String, message: String },
}

impl HttpError {
    /// Whether the host could not be reached at all (asking it again now is pointless).
    pub fn unreachable(&self) -> bool {
        matches!(self, HttpError::Unreachable { .. })
    }
}

pub struct Client {
    agent: ureq::Agent,
}

impl Client {
    /// `timeout` bounds each request as a whole (connect, send, read).
    pub fn new(timeout: Duration) -> Client {
        Client {
            agent: ureq::AgentBuilder::new()
                .timeout_connect(timeout)
                .timeout(timeout)
                .user_agent(concat!("dockopt/", env!("CARGO_PKG_VERSION")))
                .build(),
        }
    }

    /// The body of `url` (at most `limit` bytes), `None` when the server says 404.
    pub fn get(&self, url: &str, limit: u64) -> Result<Option<Vec<u8>>, HttpError> {
        let resp = match self.agent.get(url).call() {
            Ok(r) => r,
            Err(ureq::Error::Status(404, _)) => return Ok(None),
            Err(ureq::Error::Status(status, _)) => {
                return Err(HttpError::Status {
                    url: url.to_string(),
                    status,
                })
            }
            Err(ureq::Error::Transport(t)) => {
                let message = t.to_string();
                return Err(HttpError::Unreachable {
                    message: if message.contains(url) {
                        message
                    } else {
                        format!("{url}: {message}")
                    },
                    url: url.to_string(),
                });
            }
        };
        let mut body = Vec::new();
        resp.into_reader()
            .take(limit.saturating_add(1))
            .read_to_end(&mut body)
            .map_err(|e| HttpError::Body {
                url: url.to_string(),
                message: e.to_string(),
            })?;
        if body.len() as u64 > limit {
            return Err(HttpError::Body {
                url: url.to_string(),
                message: format!("answer larger than {limit} bytes"),
            });
        }
        Ok(Some(body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::net::TcpListener;

    /// Serves each of `answers` (status line, body) to one connection, in order.
    fn serve(answers: Vec<(&'static str, String)>) -> String {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            for (status, body) in answers {
                let Ok((mut s, _)) = l.accept() else { return };
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        format!("http://{addr}")
    }

    #[test]
    fn bodies_missing_pages_errors_and_limits() {
        let base = serve(vec![
            ("200 OK", "hello".into()),
            ("404 Not Found", String::new()),
            ("503 Service Unavailable", "busy".into()),
            ("200 OK", "x".repeat(100)),
        ]);
        let c = Client::new(Duration::from_secs(5));
        assert_eq!(
            c.get(&format!("{base}/a"), 10).unwrap(),
            Some(b"hello".to_vec())
        );
        assert_eq!(c.get(&format!("{base}/b"), 10).unwrap(), None);
        let e = c.get(&format!("{base}/c"), 10).unwrap_err();
        assert!(matches!(e, HttpError::Status { status: 503, .. }), "{e}");
        assert!(!e.unreachable());
        let e = c.get(&format!("{base}/d"), 10).unwrap_err();
        assert!(e.to_string().contains("larger than 10 bytes"), "{e}");
    }

    #[test]
    fn a_closed_port_is_unreachable() {
        // Bind then drop: nothing listens there any more.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = Client::new(Duration::from_secs(2));
        let e = c
            .get(&format!("http://127.0.0.1:{port}/x"), 10)
            .unwrap_err();
        assert!(e.unreachable(), "{e}");
    }
}
