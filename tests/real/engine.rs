//! The Docker engine as the real tier uses it: builds with `--network=host` (RUN steps reach
//! the package registries), the apps' `FROM python:3.11-bookworm` mapped to the
//! `dockopt-real/…` images of images.sh, containers run on the host network.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

pub fn docker() -> String {
    std::env::var("DOCKER").unwrap_or_else(|_| "/usr/bin/docker".into())
}

/// The tags images.sh makes, without their `dockopt-real/` prefix.
pub const BASES: &[&str] = &[
    "debian:bookworm-slim",
    "python:3.11-slim-bookworm",
    "python:3.11-bookworm",
    "node:18-bookworm-slim",
    "node:18-bookworm",
    "golang:1.19-bookworm",
    "rust:1-bookworm",
];

/// The Dockerfile the engine builds: each `FROM <base>` of [`BASES`] points at its
/// `<prefix><base>` image. dockopt always sees the text with the real names; the engine
/// sees the same text with only the FROM references rewritten, for original and fix alike.
pub fn for_engine(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| {
            let t = l.trim_start();
            if !t.get(..5).is_some_and(|k| k.eq_ignore_ascii_case("FROM ")) {
                return l.to_string();
            }
            let mut words: Vec<String> = t.split_whitespace().map(str::to_string).collect();
            if let Some(img) = words.iter_mut().skip(1).find(|w| !w.starts_with("--")) {
                if BASES.contains(&img.as_str()) {
                    *img = format!("{prefix}{img}");
                }
            }
            words.join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// The machine's 1-minute load average (`/proc/loadavg`), recorded beside each measurement.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

pub struct Built {
    pub log: String,
    pub seconds: f64,
}

fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Builds `dockerfile` (written outside `ctx`, so both variants share the context byte for
/// byte) and tags it, labelled `dockopt.real=<the app's recipe hash>` so a later run can
/// find and reuse it.
pub fn build(dockerfile: &Path, ctx: &Path, tag: &str, no_cache: bool) -> Result<Built, String> {
    build_labelled(dockerfile, ctx, tag, no_cache, "")
}

/// Retried when the engine went away mid-build: Docker 20.10's BuildKit can panic in
/// `GetByBlob` while another client builds from a re-imported single-layer image
/// (moby/buildkit#2153), which takes every build on the daemon down with it. Whoever runs the
/// daemon restarts it; the retry waits up to two minutes for that. Retried too, twice, 10 s
/// apart, when a registry looked unreachable (downloads are retried); if it still is, the
/// error names the registry.
pub fn build_labelled(
    dockerfile: &Path,
    ctx: &Path,
    tag: &str,
    no_cache: bool,
    label: &str,
) -> Result<Built, String> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match build_once(dockerfile, ctx, tag, no_cache, label) {
            Err(e) if engine_lost(&e) && attempt == 1 => {
                eprintln!("real tier: the Docker engine went away during a build; waiting for it");
                wait_for_engine(std::time::Duration::from_secs(120))?;
            }
            Err(e) if (e.contains(UNREACHABLE) || e.contains(REPUBLISHED)) && attempt < 3 => {
                let why = if e.contains(UNREACHABLE) {
                    UNREACHABLE
                } else {
                    REPUBLISHED
                };
                eprintln!("real tier: {tag}: {why}; retrying in 10 s (attempt {attempt} of 3)");
                std::thread::sleep(std::time::Duration::from_secs(10));
            }
            r => return r,
        }
    }
}

fn engine_lost(err: &str) -> bool {
    err.contains("Cannot connect to the Docker daemon")
        || err.contains("unexpected EOF")
        || err.contains("failed to dial gRPC")
}

fn wait_for_engine(within: std::time::Duration) -> Result<(), String> {
    let t = Instant::now();
    while t.elapsed() < within {
        if output(&["info", "--format", "{{.ServerVersion}}"]).is_ok() {
            return Ok(());
        }
        std::thread::sleep(std::time::Duration::from_secs(2));
    }
    Err(format!(
        "the Docker engine did not answer again within {within:?}"
    ))
}

fn build_once(
    dockerfile: &Path,
    ctx: &Path,
    tag: &str,
    no_cache: bool,
    label: &str,
) -> Result<Built, String> {
    let mut c = Command::new(docker());
    c.env("DOCKER_BUILDKIT", "1")
        .args(["build", "--network=host", "--progress=plain", "-t", tag]);
    if !label.is_empty() {
        c.arg("--label").arg(format!("dockopt.real={label}"));
    }
    if no_cache {
        c.arg("--no-cache");
    }
    // tests/real/proxy.py, when the run has one: Docker's predefined proxy argument stays out
    // of the image's config, its history and the cache key, so the image is the same.
    if let Some(p) = proxy() {
        c.arg("--build-arg").arg(format!("http_proxy={p}"));
    }
    c.arg("-f").arg(dockerfile).arg(ctx);
    let t = Instant::now();
    let out = c.output().map_err(|e| format!("cannot run docker: {e}"))?;
    let seconds = t.elapsed().as_secs_f64();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        return Err(format!(
            "build of {} failed{}:\n{}",
            dockerfile.display(),
            registry_hint(&log),
            tail(&log, 25)
        ));
    }
    Ok(Built { log, seconds })
}

const UNREACHABLE: &str = "a registry looks unreachable";
const REPUBLISHED: &str = "the Debian mirror changed during the build";

/// The loopback proxy of tests/real/proxy.py (`DOCKOPT_REAL_PROXY=http://127.0.0.1:PORT`).
pub fn proxy() -> Option<String> {
    std::env::var("DOCKOPT_REAL_PROXY")
        .ok()
        .filter(|p| !p.is_empty())
}

/// Names the registry when a build failed for want of it, so an unreachable registry reads
/// as such rather than as a broken app.
pub fn registry_hint(log: &str) -> String {
    // apt read indexes of one publication and then asked for files of another: the mirror
    // was republished between its requests. Not the app's fault; a retry reads one state.
    const REPUBLISHING: &[&str] = &[
        "Hash Sum mismatch",
        "File has unexpected size",
        "Mirror sync in progress",
        "Release file expired",
    ];
    if let Some(sign) = REPUBLISHING.iter().find(|s| log.contains(*s)) {
        return format!(" ({REPUBLISHED}: apt says `{sign}`)");
    }
    if log.contains("E: Failed to fetch") && log.contains(" 404 ") {
        return format!(" ({REPUBLISHED}: apt got a 404 for a file its indexes name)");
    }
    const SIGNS: &[(&str, &str)] = &[
        ("pypi.org", "PyPI"),
        ("files.pythonhosted.org", "PyPI"),
        ("registry.npmjs.org", "the npm registry"),
        ("registry.yarnpkg.com", "the yarn/npm registry"),
        ("crates.io", "crates.io"),
        ("deb.debian.org", "the Debian mirror"),
    ];
    let unreachable = [
        "Temporary failure in name resolution",
        "Could not resolve",
        "Connection refused",
        "Network is unreachable",
        "ETIMEDOUT",
        "EAI_AGAIN",
        "ENOTFOUND",
        "timed out",
        "Failed to fetch",
        "certificate verify failed",
    ];
    if !unreachable.iter().any(|u| log.contains(u)) {
        return String::new();
    }
    let names: Vec<&str> = SIGNS
        .iter()
        .filter(|(host, _)| log.contains(host))
        .map(|(_, n)| *n)
        .collect();
    format!(
        " ({UNREACHABLE}: {})",
        if names.is_empty() {
            "see the log".to_string()
        } else {
            names.join(", ")
        }
    )
}

pub fn output(args: &[&str]) -> Result<String, String> {
    let out = Command::new(docker())
        .args(args)
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(format!(
            "`docker {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

pub fn size_mb(tag: &str) -> Result<f64, String> {
    let s = output(&["image", "inspect", "-f", "{{.Size}}", tag])?;
    s.parse::<f64>()
        .map(|b| b / 1e6)
        .map_err(|e| format!("size of {tag}: {e}"))
}

pub fn label(tag: &str, key: &str) -> Option<String> {
    output(&[
        "image",
        "inspect",
        "-f",
        &format!("{{{{index .Config.Labels \"{key}\"}}}}"),
        tag,
    ])
    .ok()
    .filter(|s| !s.is_empty() && s != "<no value>")
}

/// A container started detached on the host network; removed on drop.
pub struct Running {
    pub id: String,
}

impl Running {
    pub fn start(tag: &str, env: &[String], cmd: &[&str]) -> Result<Running, String> {
        let mut args: Vec<String> = vec!["run".into(), "-d".into(), "--network=host".into()];
        for e in env {
            args.push("-e".into());
            args.push(e.clone());
        }
        args.push(tag.into());
        args.extend(cmd.iter().map(|s| s.to_string()));
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        Ok(Running { id: output(&argv)? })
    }

    pub fn logs(&self) -> String {
        Command::new(docker())
            .args(["logs", "--tail", "30", &self.id])
            .output()
            .map(|o| {
                format!(
                    "{}{}",
                    String::from_utf8_lossy(&o.stdout),
                    String::from_utf8_lossy(&o.stderr)
                )
            })
            .unwrap_or_default()
    }

    pub fn alive(&self) -> bool {
        output(&["inspect", "-f", "{{.State.Running}}", &self.id]).as_deref() == Ok("true")
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = Command::new(docker()).args(["rm", "-f", &self.id]).output();
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn names_the_unreachable_registry() {
        let log = "ERROR: Could not find a version ... Temporary failure in name resolution ... https://pypi.org/simple/flask/";
        assert_eq!(
            super::registry_hint(log),
            " (a registry looks unreachable: PyPI)"
        );
        assert_eq!(
            super::registry_hint("npm ERR! code E404 registry.npmjs.org"),
            ""
        );
        let apt =
            "E: Failed to fetch http://deb.debian.org/debian/pool/main/p/x.deb  Hash Sum mismatch";
        assert!(super::registry_hint(apt).contains(super::REPUBLISHED));
        let gone = "E: Failed to fetch http://deb.debian.org/debian-security/pool/updates/main/o/openssl/libssl3_3.0.15-1~deb12u1_amd64.deb  404  Not Found [IP: 151.101.2.132 80]";
        assert!(super::registry_hint(gone).contains("404"));
    }

    #[test]
    fn maps_only_known_bases_in_from() {
        let t = "FROM python:3.11-bookworm AS b\nRUN echo python:3.11-bookworm\nfrom --platform=x rust:1-bookworm\nFROM b\n";
        assert_eq!(
            super::for_engine(t, "dockopt-real/"),
            "FROM dockopt-real/python:3.11-bookworm AS b\nRUN echo python:3.11-bookworm\nfrom --platform=x dockopt-real/rust:1-bookworm\nFROM b\n"
        );
    }
}
