//! HTTP GET, for the package registries `dockopt estimate --registry` asks (PyPI, npm): one
//! small blocking client with short timeouts. The only module that talks to the network;
//! what a registry's answer means is the ecosystem's (`crate::ecosystem::registry`).
//!
//! Proxies as curl and pip read them from the environment ([`Proxies::from_env`]):
//! `https_proxy`/`HTTPS_PROXY` for `https://` URLs, `http_proxy`/`HTTP_PROXY` for `http://`,
//! `all_proxy`/`ALL_PROXY` for either when its own is unset, the lowercase name first;
//! `no_proxy`/`NO_PROXY` lists hosts reached directly (`*`, a host or domain suffix with or
//! without a leading dot, optionally `:port`, an IP address or a CIDR block). A proxy is
//! `http://host:port` (or `host:port`), reached for https URLs by CONNECT; another scheme
//! (`socks5://`, `https://`) is not supported by this client: each request that would go
//! through it fails as unreachable, saying why.

use std::io::Read;
use std::net::IpAddr;
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

/// The proxy settings of the environment (see the module doc).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Proxies {
    /// For `http://` URLs.
    pub http: Option<String>,
    /// For `https://` URLs.
    pub https: Option<String>,
    /// `NO_PROXY`'s entries, lowercased, empty ones dropped.
    pub no_proxy: Vec<String>,
}

impl Proxies {
    /// Read through `var` (the process environment in [`Proxies::from_env`]): for each
    /// setting the lowercase name first, as curl does; an empty value is unset.
    pub fn read(var: impl Fn(&str) -> Option<String>) -> Proxies {
        let get = |name: &str| {
            [name.to_ascii_lowercase(), name.to_string()]
                .iter()
                .find_map(|n| {
                    var(n)
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty())
                })
        };
        let all = get("ALL_PROXY");
        Proxies {
            http: get("HTTP_PROXY").or_else(|| all.clone()),
            https: get("HTTPS_PROXY").or(all),
            no_proxy: get("NO_PROXY")
                .unwrap_or_default()
                .split(',')
                .map(|e| e.trim().to_ascii_lowercase())
                .filter(|e| !e.is_empty())
                .collect(),
        }
    }

    pub fn from_env() -> Proxies {
        Proxies::read(|k| std::env::var(k).ok())
    }

    /// The proxy for `url`, or `None` to connect directly.
    pub fn for_url(&self, url: &str) -> Option<&str> {
        let (scheme, rest) = url.split_once("://")?;
        let proxy = match scheme.to_ascii_lowercase().as_str() {
            "http" => self.http.as_deref()?,
            "https" => self.https.as_deref()?,
            _ => return None,
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = split_host_port(authority);
        let port = port.unwrap_or(if scheme.eq_ignore_ascii_case("https") {
            443
        } else {
            80
        });
        let host = host.to_ascii_lowercase();
        (!self.no_proxy.iter().any(|e| bypasses(e, &host, port))).then_some(proxy)
    }
}

/// `host[:port]`, `[v6][:port]` → the host (without brackets) and the port.
fn split_host_port(a: &str) -> (&str, Option<u16>) {
    if let Some(rest) = a.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((h, p)) => (h, p.strip_prefix(':').and_then(|p| p.parse().ok())),
            None => (rest, None),
        };
    }
    match a.rsplit_once(':') {
        // A bare IPv6 address has several colons and no port.
        Some((h, p)) if !h.contains(':') => (h, p.parse().ok()),
        _ => (a, None),
    }
}

/// Whether one `NO_PROXY` entry covers `host` (lowercase) at `port`.
fn bypasses(entry: &str, host: &str, port: u16) -> bool {
    if entry == "*" {
        return true;
    }
    // A CIDR block or an address.
    if let Some((net, bits)) = entry.split_once('/') {
        return match (
            net.parse::<IpAddr>(),
            bits.parse::<u32>(),
            host.parse::<IpAddr>(),
        ) {
            (Ok(n), Ok(b), Ok(h)) => in_block(n, b, h),
            _ => false,
        };
    }
    let (name, want) = split_host_port(entry);
    if want.is_some_and(|p| p != port) {
        return false;
    }
    if let (Ok(a), Ok(b)) = (name.parse::<IpAddr>(), host.parse::<IpAddr>()) {
        return a == b;
    }
    let name = name.trim_start_matches("*.").trim_start_matches('.');
    !name.is_empty()
        && (host == name
            || host
                .strip_suffix(name)
                .is_some_and(|prefix| prefix.ends_with('.')))
}

fn in_block(net: IpAddr, bits: u32, host: IpAddr) -> bool {
    match (net, host) {
        (IpAddr::V4(n), IpAddr::V4(h)) if bits <= 32 => {
            let mask = u32::MAX.checked_shl(32 - bits).unwrap_or(0);
            u32::from(n) & mask == u32::from(h) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(h)) if bits <= 128 => {
            let mask = u128::MAX.checked_shl(128 - bits).unwrap_or(0);
            u128::from(n) & mask == u128::from(h) & mask
        }
        _ => false,
    }
}

pub struct Client {
    /// Direct connections.
    direct: ureq::Agent,
    /// One agent per proxy URL in use (at most two: http and https), or why it cannot be used.
    proxied: Vec<(String, Result<ureq::Agent, String>)>,
    proxies: Proxies,
}

impl Client {
    /// `timeout` bounds each request as a whole (connect, send, read). Proxies are read
    /// from the environment.
    pub fn new(timeout: Duration) -> Client {
        Client::with_proxies(timeout, Proxies::from_env())
    }

    pub fn with_proxies(timeout: Duration, proxies: Proxies) -> Client {
        let builder = || {
            ureq::AgentBuilder::new()
                .timeout_connect(timeout)
                .timeout(timeout)
                .user_agent(concat!("dockopt/", env!("CARGO_PKG_VERSION")))
                // The environment is read here, with NO_PROXY, not by ureq.
                .try_proxy_from_env(false)
        };
        let mut proxied: Vec<(String, Result<ureq::Agent, String>)> = Vec::new();
        for p in [&proxies.http, &proxies.https].into_iter().flatten() {
            if proxied.iter().any(|(u, _)| u == p) {
                continue;
            }
            let scheme = p.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
            let agent = match scheme.as_deref() {
                None | Some("http") => ureq::Proxy::new(p)
                    .map(|proxy| builder().proxy(proxy).build())
                    .map_err(|e| format!("proxy {p}: {e}")),
                Some(other) => Err(format!(
                    "proxy {p}: {other}:// proxies are not supported (an http:// proxy is)"
                )),
            };
            proxied.push((p.clone(), agent));
        }
        Client {
            direct: builder().build(),
            proxied,
            proxies,
        }
    }

    /// The agent for `url`: its proxy's, or the direct one.
    fn agent(&self, url: &str) -> Result<&ureq::Agent, HttpError> {
        let Some(p) = self.proxies.for_url(url) else {
            return Ok(&self.direct);
        };
        match self.proxied.iter().find(|(u, _)| u == p).map(|(_, a)| a) {
            Some(Ok(a)) => Ok(a),
            Some(Err(message)) => Err(HttpError::Unreachable {
                url: url.to_string(),
                message: format!("{url}: {message}"),
            }),
            None => Ok(&self.direct),
        }
    }

    /// The body of `url` (at most `limit` bytes), `None` when the server says 404.
    pub fn get(&self, url: &str, limit: u64) -> Result<Option<Vec<u8>>, HttpError> {
        let resp = match self.agent(url)?.get(url).call() {
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
        let c = Client::with_proxies(Duration::from_secs(5), Proxies::default());
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

    /// A fake proxy: answers each of `n` connections with `answer`, and sends back what
    /// each connection's first request line was.
    fn fake_proxy(n: usize, answer: &'static str) -> (String, std::sync::mpsc::Receiver<String>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for _ in 0..n {
                let Ok((mut s, _)) = l.accept() else { return };
                let mut buf = [0u8; 4096];
                let got = s.read(&mut buf).unwrap_or(0);
                let text = String::from_utf8_lossy(&buf[..got]).to_string();
                let _ = tx.send(text.lines().next().unwrap_or("").to_string());
                let _ = s.write_all(answer.as_bytes());
            }
        });
        (format!("http://{addr}"), rx)
    }

    fn env(pairs: &[(&str, &str)]) -> Proxies {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Proxies::read(move |k| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()))
    }

    #[test]
    fn proxies_are_read_per_scheme_lowercase_first() {
        let p = env(&[
            ("HTTP_PROXY", "http://upper:1"),
            ("http_proxy", "http://lower:2"),
            ("ALL_PROXY", "http://all:3"),
            ("NO_PROXY", " .internal, ,10.0.0.0/8,Mirror.Example:8080"),
        ]);
        assert_eq!(p.http.as_deref(), Some("http://lower:2"));
        assert_eq!(p.https.as_deref(), Some("http://all:3"));
        assert_eq!(
            p.no_proxy,
            [".internal", "10.0.0.0/8", "mirror.example:8080"]
        );
        assert_eq!(env(&[("https_proxy", "")]), Proxies::default());
    }

    #[test]
    fn no_proxy_decides_per_host_and_port() {
        let p = env(&[
            ("HTTPS_PROXY", "http://p:1"),
            ("HTTP_PROXY", "http://q:2"),
            (
                "NO_PROXY",
                ".internal,pypi.example,10.0.0.0/8,::1,mirror.example:8080,*.corp",
            ),
        ]);
        let via = |u: &str| p.for_url(u);
        assert_eq!(via("https://pypi.org/pypi/six/json"), Some("http://p:1"));
        assert_eq!(via("http://pypi.org/x"), Some("http://q:2"));
        // Domain suffixes, with or without the dot, but not a longer name ending the same.
        assert_eq!(via("https://a.b.internal/x"), None);
        assert_eq!(via("https://internal/x"), None);
        assert_eq!(via("https://notinternal/x"), Some("http://p:1"));
        assert_eq!(via("https://PyPI.Example/x"), None);
        assert_eq!(via("https://sub.pypi.example:8443/x"), None);
        assert_eq!(via("https://x.corp/"), None);
        // Addresses and blocks.
        assert_eq!(via("http://10.1.2.3:8080/x"), None);
        assert_eq!(via("http://11.1.2.3/x"), Some("http://q:2"));
        assert_eq!(via("http://[::1]:3141/x"), None);
        // A port names that port only (the scheme's default when the URL has none).
        assert_eq!(via("http://mirror.example:8080/x"), None);
        assert_eq!(via("http://mirror.example/x"), Some("http://q:2"));
        assert_eq!(via("https://user:pw@mirror.example:8080/"), None);
        assert_eq!(
            env(&[("HTTPS_PROXY", "http://p:1"), ("no_proxy", "*")]).for_url("https://pypi.org/"),
            None
        );
        // No proxy for the scheme: direct.
        assert_eq!(
            env(&[("HTTPS_PROXY", "http://p:1")]).for_url("http://pypi.org/"),
            None
        );
    }

    #[test]
    fn requests_go_through_the_proxy_unless_no_proxy_says_otherwise() {
        // http: the proxy is asked for the absolute URL and its answer is the body.
        let (proxy, seen) = fake_proxy(
            1,
            "HTTP/1.1 200 OK\r\nContent-Length: 7\r\nConnection: close\r\n\r\nproxied",
        );
        let c = Client::with_proxies(
            Duration::from_secs(5),
            Proxies {
                http: Some(proxy.clone()),
                https: Some(proxy),
                no_proxy: vec!["127.0.0.1".into()],
            },
        );
        let body = c.get("http://pypi.invalid/pypi/six/json", 100).unwrap();
        assert_eq!(body, Some(b"proxied".to_vec()));
        assert_eq!(
            seen.recv().unwrap(),
            "GET http://pypi.invalid/pypi/six/json HTTP/1.1"
        );
        // NO_PROXY: the origin on 127.0.0.1 is asked directly (the proxy served its one
        // connection; a second one would hang until the timeout).
        let origin = serve(vec![("200 OK", "direct".into())]);
        assert_eq!(
            c.get(&format!("{origin}/a"), 100).unwrap(),
            Some(b"direct".to_vec())
        );
    }

    #[test]
    fn https_goes_through_connect_and_a_refusing_proxy_is_an_error() {
        let (proxy, seen) = fake_proxy(1, "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
        let c = Client::with_proxies(
            Duration::from_secs(5),
            Proxies {
                https: Some(proxy),
                ..Proxies::default()
            },
        );
        assert!(c.get("https://pypi.invalid/pypi/six/json", 100).is_err());
        assert_eq!(seen.recv().unwrap(), "CONNECT pypi.invalid:443 HTTP/1.1");
    }

    #[test]
    fn an_unsupported_proxy_scheme_is_unreachable_and_says_why() {
        let c = Client::with_proxies(
            Duration::from_secs(2),
            Proxies {
                https: Some("socks5://127.0.0.1:1".into()),
                ..Proxies::default()
            },
        );
        let e = c.get("https://pypi.invalid/x", 10).unwrap_err();
        assert!(e.unreachable(), "{e}");
        assert!(
            e.to_string()
                .contains("socks5:// proxies are not supported"),
            "{e}"
        );
    }

    #[test]
    fn a_closed_port_is_unreachable() {
        // Bind then drop: nothing listens there any more.
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let c = Client::with_proxies(Duration::from_secs(2), Proxies::default());
        let e = c
            .get(&format!("http://127.0.0.1:{port}/x"), 10)
            .unwrap_err();
        assert!(e.unreachable(), "{e}");
    }
}
