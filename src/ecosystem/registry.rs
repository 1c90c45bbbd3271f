//! Sizing packages from their registries (`dockopt estimate --registry`, opt-in). A package a
//! change adds to a manifest is named there without a size, and is in no earlier build log;
//! but one big wheel (numpy: 18 MB, ~60 MB unpacked) costs far more to install than a small
//! one, which a package count cannot tell. The registry can: PyPI's JSON API names each
//! release's files with their sizes (`pip.rs` picks the one pip would take), npm's manifest
//! says what a version unpacks to (`npm.rs`). HTTP goes through `crate::http`; answers are
//! cached on disk (`DOCKOPT_CACHE_DIR`, else `$XDG_CACHE_HOME/dockopt`, else
//! `~/.cache/dockopt`): a pinned version for good, `latest` for a day. A registry that does
//! not answer is asked once per run; the caller falls back to the package count and says so.
//!
//! Base URLs: `DOCKOPT_PYPI_URL` (default `https://pypi.org/pypi`), `DOCKOPT_NPM_URL`
//! (default `https://registry.npmjs.org`); `DOCKOPT_REGISTRY_TIMEOUT` seconds per request
//! (default 3); `DOCKOPT_REGISTRY_OFFLINE=1` answers from the cache only (the real tier's
//! offline replay); `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` as curl reads them (`crate::http`,
//! [`Registries::from_env`] only). The cache is keyed by registry, name, version (and for PyPI the
//! interpreter the wheel is picked for), not by base URL: a mirror serves the same files.

use super::pip::{self, PyTarget};
use crate::http::{Client, HttpError, Proxies};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use std::time::Duration;

/// Which registry a package comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Pypi,
    Npm,
}

impl Kind {
    /// The registry's name, for messages.
    pub fn registry(self) -> &'static str {
        match self {
            Kind::Pypi => "PyPI",
            Kind::Npm => "npm",
        }
    }

    fn key(self) -> &'static str {
        match self {
            Kind::Pypi => "pypi",
            Kind::Npm => "npm",
        }
    }
}

/// A dependency a manifest names: its (normalized) name and, when pinned to one version,
/// that version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    pub kind: Kind,
    pub name: String,
    pub version: Option<String>,
}

/// The file a registry says an install of one version fetches, and its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryFile {
    pub version: String,
    /// The wheel or sdist (PyPI), `<tarball> (unpacked)` (npm).
    pub file: String,
    /// PyPI: the file's bytes; npm: the bytes it unpacks to.
    pub bytes: u64,
}

/// One package sized, and where the answer came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sized {
    pub registry: Kind,
    pub name: String,
    #[serde(flatten)]
    pub file: RegistryFile,
    /// The URL that answered.
    pub source: String,
    /// Whether the answer came from the on-disk cache.
    #[serde(default)]
    pub cached: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum RegistryError {
    /// The registry did not answer (offline, DNS, timeout); not asked again this run.
    #[error("{registry} unreachable: {source}")]
    Unreachable {
        registry: &'static str,
        source: HttpError,
    },
    #[error("{0}")]
    Http(HttpError),
    #[error("{url}: no such package or version")]
    NotFound { url: String },
    #[error("{url}: {message}")]
    Answer { url: String, message: String },
    /// `DOCKOPT_REGISTRY_OFFLINE`: not asked, and not in the cache.
    #[error("not in the cache, and DOCKOPT_REGISTRY_OFFLINE is set")]
    NotCached,
}

/// Each request's time limit unless `DOCKOPT_REGISTRY_TIMEOUT` says otherwise: a registry
/// that is slower than this is treated as unreachable.
pub const TIMEOUT: Duration = Duration::from_secs(3);
/// PyPI's project pages list every release's files: numpy's is 3.6 MB.
const MAX_ANSWER: u64 = 64 * 1024 * 1024;
/// How long an unpinned (`latest`) answer is reused.
const LATEST_TTL: Duration = Duration::from_secs(24 * 3600);

/// The on-disk cache directory: `DOCKOPT_CACHE_DIR`, else `$XDG_CACHE_HOME/dockopt`, else
/// `$HOME/.cache/dockopt`.
pub fn cache_dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty());
    var("DOCKOPT_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| var("XDG_CACHE_HOME").map(|x| PathBuf::from(x).join("dockopt")))
        .or_else(|| var("HOME").map(|h| PathBuf::from(h).join(".cache/dockopt")))
}

pub struct Registries {
    client: Client,
    pypi: String,
    npm: String,
    cache: Option<PathBuf>,
    target: PyTarget,
    /// Registries that did not answer this run, with why.
    down: Vec<(Kind, String)>,
    /// Answer from the cache only.
    offline: bool,
}

impl Registries {
    /// Connecting directly (no proxy: see [`Registries::from_env`]).
    pub fn new(
        pypi: impl Into<String>,
        npm: impl Into<String>,
        cache: Option<PathBuf>,
        target: PyTarget,
        timeout: Duration,
    ) -> Registries {
        Registries {
            client: Client::with_proxies(timeout, Proxies::default()),
            pypi: pypi.into(),
            npm: npm.into(),
            cache,
            target,
            down: Vec::new(),
            offline: false,
        }
    }

    /// Pick PyPI wheels for `target` from now on (each commit of a history has its own base
    /// images); the cache is keyed by it, and a registry found down stays down.
    pub fn set_target(&mut self, target: PyTarget) {
        self.target = target;
    }

    /// Answers from the cache only, never asking a registry.
    pub fn offline(mut self) -> Registries {
        self.offline = true;
        self
    }

    /// Through `proxies` (`HTTPS_PROXY`, `NO_PROXY`, …: `crate::http`).
    pub fn with_proxies(mut self, proxies: Proxies, timeout: Duration) -> Registries {
        self.client = Client::with_proxies(timeout, proxies);
        self
    }

    /// The public registries, or the ones the environment names (see the module doc),
    /// through the environment's proxies.
    pub fn from_env(target: PyTarget) -> Registries {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let timeout = var("DOCKOPT_REGISTRY_TIMEOUT")
            .and_then(|t| t.parse::<f64>().ok())
            .filter(|t| t.is_finite() && *t > 0.0 && *t < 3600.0)
            .map_or(TIMEOUT, Duration::from_secs_f64);
        let r = Registries::new(
            var("DOCKOPT_PYPI_URL").unwrap_or_else(|| "https://pypi.org/pypi".into()),
            var("DOCKOPT_NPM_URL").unwrap_or_else(|| "https://registry.npmjs.org".into()),
            cache_dir(),
            target,
            timeout,
        )
        .with_proxies(Proxies::from_env(), timeout);
        match var("DOCKOPT_REGISTRY_OFFLINE") {
            Some(v) if v != "0" => r.offline(),
            _ => r,
        }
    }

    fn base(&self, kind: Kind) -> &str {
        match kind {
            Kind::Pypi => &self.pypi,
            Kind::Npm => &self.npm,
        }
    }

    /// Where the answer for `d` is cached: per registry (and, for PyPI, the interpreter the
    /// wheel was picked for), per name and version.
    fn cache_path(&self, d: &Dep) -> Option<PathBuf> {
        let mut h = Sha256::new();
        if d.kind == Kind::Pypi {
            h.update(format!("{:?}", self.target).as_bytes());
        }
        let safe = |s: &str| -> String {
            s.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect()
        };
        let file = format!(
            "{}@{}.json",
            safe(&d.name),
            safe(d.version.as_deref().unwrap_or("latest"))
        );
        Some(
            self.cache
                .as_ref()?
                .join("registry")
                .join(d.kind.key())
                .join(&hex::encode(h.finalize())[..12])
                .join(file),
        )
    }

    fn cached(&self, d: &Dep) -> Option<Sized> {
        let path = self.cache_path(d)?;
        if d.version.is_none() {
            let age = std::fs::metadata(&path)
                .ok()?
                .modified()
                .ok()?
                .elapsed()
                .ok()?;
            if age > LATEST_TTL {
                return None;
            }
        }
        let mut s: Sized = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
        (s.registry == d.kind && s.name == d.name).then(|| {
            s.cached = true;
            s
        })
    }

    /// A cache that cannot be written only costs the next run a request.
    fn store(&self, d: &Dep, s: &Sized) {
        if let (Some(path), Ok(json)) = (self.cache_path(d), serde_json::to_vec(s)) {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir).and_then(|_| std::fs::write(&path, json));
            }
        }
    }

    fn fetch(&mut self, url: &str, kind: Kind) -> Result<Option<serde_json::Value>, RegistryError> {
        let body = match self.client.get(url, MAX_ANSWER) {
            Ok(b) => b,
            Err(e) if e.unreachable() => {
                self.down.push((kind, e.to_string()));
                return Err(RegistryError::Unreachable {
                    registry: kind.registry(),
                    source: e,
                });
            }
            Err(e) => return Err(RegistryError::Http(e)),
        };
        body.map(|b| {
            serde_json::from_slice(&b).map_err(|e| RegistryError::Answer {
                url: url.to_string(),
                message: format!("not JSON: {e}"),
            })
        })
        .transpose()
    }

    /// The size of what installing `d` fetches (PyPI) or unpacks (npm).
    pub fn size(&mut self, d: &Dep) -> Result<Sized, RegistryError> {
        if let Some(s) = self.cached(d) {
            return Ok(s);
        }
        if self.offline {
            return Err(RegistryError::NotCached);
        }
        if let Some((_, why)) = self.down.iter().find(|(k, _)| *k == d.kind) {
            return Err(RegistryError::Unreachable {
                registry: d.kind.registry(),
                source: HttpError::Unreachable {
                    url: self.base(d.kind).to_string(),
                    message: format!("did not answer earlier in this run ({why})"),
                },
            });
        }
        let base = self.base(d.kind).to_string();
        let version = d.version.as_deref();
        // A version's own page first; a mirror that serves only project pages (or an old
        // release PyPI has no version page for) is read from the project page's `releases`.
        let urls = match d.kind {
            Kind::Pypi => {
                let mut u = vec![pip::pypi_url(&base, &d.name, version)];
                if version.is_some() {
                    u.push(pip::pypi_url(&base, &d.name, None));
                }
                u
            }
            Kind::Npm => vec![super::npm::npm_url(&base, &d.name, version)],
        };
        let mut last = None;
        for url in urls {
            let Some(doc) = self.fetch(&url, d.kind)? else {
                last = Some(RegistryError::NotFound { url });
                continue;
            };
            let file = match d.kind {
                Kind::Pypi => pip::pypi_pick(&doc, version, self.target),
                Kind::Npm => super::npm::npm_pick(&doc),
            };
            match file {
                Some(file) => {
                    let s = Sized {
                        registry: d.kind,
                        name: d.name.clone(),
                        file,
                        source: url,
                        cached: false,
                    };
                    self.store(d, &s);
                    return Ok(s);
                }
                None => {
                    last = Some(RegistryError::Answer {
                        message: match d.kind {
                            Kind::Pypi => {
                                "no file of this version fits (no wheel for Linux x86_64, no sdist)"
                                    .into()
                            }
                            Kind::Npm => "the manifest has no dist.unpackedSize".into(),
                        },
                        url,
                    })
                }
            }
        }
        Err(last.unwrap_or(RegistryError::NotFound { url: base }))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::sync::{Arc, Mutex};

    /// A registry on 127.0.0.1 serving `pages` (path → JSON; anything else 404), and the
    /// paths it was asked for.
    pub(crate) fn fake(pages: &[(&str, String)]) -> (String, Arc<Mutex<Vec<String>>>) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", l.local_addr().unwrap());
        let pages: BTreeMap<String, String> = pages
            .iter()
            .map(|(p, b)| (p.to_string(), b.clone()))
            .collect();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let log = asked.clone();
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(mut s) = s else { return };
                let mut buf = [0u8; 4096];
                let n = s.read(&mut buf).unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]);
                let path = req.split_whitespace().nth(1).unwrap_or("").to_string();
                log.lock().unwrap().push(path.clone());
                let (status, body) = match pages.get(&path) {
                    Some(b) => ("200 OK", b.as_str()),
                    None => ("404 Not Found", ""),
                };
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        (base, asked)
    }

    fn dep(kind: Kind, name: &str, version: Option<&str>) -> Dep {
        Dep {
            kind,
            name: name.into(),
            version: version.map(str::to_string),
        }
    }

    const PY311: PyTarget = PyTarget {
        cpython: Some((3, 11)),
        musl: false,
    };

    #[test]
    fn sizes_from_the_version_page_else_the_project_page_then_from_the_cache() {
        let numpy = serde_json::json!({
            "info": {"version": "2.0.0"},
            "urls": [],
            "releases": {"1.26.4": [{"filename": "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl",
                                     "size": 18_252_005, "packagetype": "bdist_wheel"}]},
        })
        .to_string();
        let koa = r#"{"name":"koa","version":"2.15.3","dist":{"unpackedSize":65000,"tarball":"x/koa-2.15.3.tgz"}}"#;
        let (base, asked) = fake(&[
            ("/pypi/numpy/json", numpy),
            ("/npm/koa/latest", koa.to_string()),
        ]);
        let cache = tempfile::tempdir().unwrap();
        let reg = || {
            Registries::new(
                format!("{base}/pypi"),
                format!("{base}/npm"),
                Some(cache.path().to_path_buf()),
                PY311,
                Duration::from_secs(5),
            )
        };
        let mut r = reg();
        let n = dep(Kind::Pypi, "numpy", Some("1.26.4"));
        let s = r.size(&n).unwrap();
        assert_eq!((s.file.bytes, s.cached), (18_252_005, false));
        assert_eq!(s.source, format!("{base}/pypi/numpy/json"));
        // The version page first (this registry has none: 404), then the project page.
        assert_eq!(
            *asked.lock().unwrap(),
            ["/pypi/numpy/1.26.4/json", "/pypi/numpy/json"]
        );
        let k = r.size(&dep(Kind::Npm, "koa", None)).unwrap();
        assert_eq!((k.file.version.as_str(), k.file.bytes), ("2.15.3", 65_000));
        // Unknown package: not found, said with its URL.
        let e = r.size(&dep(Kind::Pypi, "nope", None)).unwrap_err();
        assert!(matches!(e, RegistryError::NotFound { .. }), "{e}");
        // A second run answers from the disk cache without asking; offline too.
        asked.lock().unwrap().clear();
        let s2 = reg().offline().size(&n).unwrap();
        assert!(s2.cached);
        assert_eq!(s2.file, s.file);
        assert!(asked.lock().unwrap().is_empty());
        let e = reg()
            .offline()
            .size(&dep(Kind::Pypi, "six", None))
            .unwrap_err();
        assert!(matches!(e, RegistryError::NotCached), "{e}");
        // Another interpreter is another cache entry.
        let mut other = Registries::new(
            format!("{base}/pypi"),
            format!("{base}/npm"),
            Some(cache.path().to_path_buf()),
            PyTarget::default(),
            Duration::from_secs(5),
        );
        assert!(!other.size(&n).unwrap().cached);
    }

    #[test]
    fn an_unreachable_registry_is_asked_once() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let mut r = Registries::new(base.clone(), base, None, PY311, Duration::from_secs(2));
        let e = r
            .size(&dep(Kind::Pypi, "numpy", Some("1.26.4")))
            .unwrap_err();
        assert!(
            matches!(
                e,
                RegistryError::Unreachable {
                    registry: "PyPI",
                    ..
                }
            ),
            "{e}"
        );
        let e = r.size(&dep(Kind::Pypi, "six", None)).unwrap_err();
        assert!(e.to_string().contains("did not answer earlier"), "{e}");
        // npm is another registry: asked on its own.
        let e = r.size(&dep(Kind::Npm, "koa", None)).unwrap_err();
        assert!(!e.to_string().contains("earlier"), "{e}");
    }
}
