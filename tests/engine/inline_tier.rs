//! Inline-cache tier: what a fresh CI runner reuses from the previous run's image.
//!
//! Per scenario (`tests/engine/inline/<id>-<slug>/`, same layout as the cache scenarios plus
//! an optional `before_target`): prune all build cache; build `before/` with
//! `--build-arg BUILDKIT_INLINE_CACHE=1`, tag it `127.0.0.1:PORT/dockopt-ci/<id>` and push it
//! to a private `docker-registry` on loopback; remove that image and prune all build cache
//! again (the runner is fresh); build `after/` with `--cache-from` that image; record which
//! steps were `CACHED`. dockopt is asked `simulate --cache-source inline [--cache-target T]`.
//!
//! The registry is Debian's `docker-registry` (distribution v2), started here on a free port
//! with its storage in a temp dir and stopped at the end. Loopback registries need no TLS.

use crate::dockopt;
use crate::engine::{run_with_timeout, tail, Docker};
use crate::inline_scenario::{args_vec, load_all, scenarios_dir, sim_command, Loaded};
use crate::progress::{self, Status, Step};
use crate::scenario;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A private registry process; stopped (by its own pid) when dropped.
pub struct Registry {
    child: Child,
    pub port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn registry_bin() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("DOCKOPT_REGISTRY") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin")])
        .map(|d| d.join("docker-registry"))
        .find(|p| p.is_file())
}

fn answers(port: u16) -> bool {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    if s.write_all(b"GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 64];
    matches!(s.read(&mut buf), Ok(n) if n > 0 && buf[..n].starts_with(b"HTTP/1.") && buf[..n].windows(3).any(|w| w == b"200"))
}

impl Registry {
    pub fn start() -> Result<Registry, String> {
        let bin = registry_bin().ok_or(
            "docker-registry not found: `apt-get install -y docker-registry` (.ci/run does), or set DOCKOPT_REGISTRY",
        )?;
        let dir = tempfile::Builder::new()
            .prefix("dockopt-registry-")
            .tempdir()
            .map_err(|e| format!("tempdir: {e}"))?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| format!("no free loopback port: {e}"))?;
        let config = dir.path().join("config.yml");
        let storage = dir.path().join("data");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:{port}\n",
                storage.display()
            ),
        )
        .map_err(|e| format!("{}: {e}", config.display()))?;
        let log = std::fs::File::create(dir.path().join("registry.log"))
            .map_err(|e| format!("registry log: {e}"))?;
        let log2 = log.try_clone().map_err(|e| format!("registry log: {e}"))?;
        let child = Command::new(&bin)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log2)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", bin.display()))?;
        let mut reg = Registry {
            child,
            port,
            _dir: dir,
        };
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if answers(port) {
                return Ok(reg);
            }
            if let Ok(Some(st)) = reg.child.try_wait() {
                let text = std::fs::read_to_string(reg._dir.path().join("registry.log"))
                    .unwrap_or_default();
                return Err(format!(
                    "docker-registry exited ({st}) during start-up:\n{}",
                    tail(&text, 10)
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Err(format!(
            "docker-registry did not answer on 127.0.0.1:{port} within 20s"
        ))
    }
}

struct Build<'a> {
    context: &'a Path,
    dockerfile: &'a str,
    target: Option<&'a str>,
    args: Vec<(String, String)>,
    tag: &'a str,
    cache_from: Option<&'a str>,
}

fn docker(bin: &str, args: &[&str]) -> Result<String, String> {
    let mut c = Command::new(bin);
    c.env("DOCKER_BUILDKIT", "1").args(args);
    let o = run_with_timeout(c, Duration::from_secs(180))
        .map_err(|e| format!("cannot run {bin}: {e}"))?;
    if o.success {
        Ok(o.text)
    } else {
        Err(format!(
            "`{bin} {}` failed:\n{}",
            args.join(" "),
            tail(&o.text, 15)
        ))
    }
}

fn build(bin: &str, b: &Build, which: &str) -> Result<Vec<Step>, String> {
    let df = b.context.join(b.dockerfile);
    let dfs = df.to_string_lossy().into_owned();
    let ctx = b.context.to_string_lossy().into_owned();
    let mut args: Vec<String> = [
        "build",
        "--network=none",
        "--progress=plain",
        "-f",
        &dfs,
        "-t",
        b.tag,
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if let Some(t) = b.target {
        args.extend(["--target".into(), t.into()]);
    }
    for (k, v) in &b.args {
        args.extend(["--build-arg".into(), format!("{k}={v}")]);
    }
    match b.cache_from {
        Some(c) => args.extend(["--cache-from".into(), c.into()]),
        None => args.extend(["--build-arg".into(), "BUILDKIT_INLINE_CACHE=1".into()]),
    }
    args.push(ctx);
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    let text = docker(bin, &refs).map_err(|e| format!("{which} build: {e}"))?;
    if std::env::var_os("DOCKOPT_ENGINE_VERBOSE").is_some() {
        eprintln!("--- {which} build ---\n{text}");
    }
    let steps = progress::parse(&text);
    if let Some(bad) = steps.iter().find(|s| s.status == Status::Error) {
        return Err(format!("{which} build: step {} ERROR", bad.label()));
    }
    Ok(steps.into_iter().filter(|s| !s.is_from()).collect())
}

/// Removes our tag (never another image), ignoring "no such image".
fn remove_image(bin: &str, tag: &str) {
    let _ = docker(bin, &["image", "rm", "-f", tag]);
}

struct Run {
    after: Vec<Step>,
    before_dir: PathBuf,
    after_dir: PathBuf,
    _tmp: tempfile::TempDir,
}

fn run_builds(d: &Docker, reg: &Registry, sc: &Loaded) -> Result<Run, String> {
    let spec = &sc.spec;
    let tmp = tempfile::Builder::new()
        .prefix("dockopt-inline-")
        .tempdir()
        .map_err(|e| format!("tempdir: {e}"))?;
    let before_dir = tmp.path().join("before");
    let after_dir = tmp.path().join("after");
    scenario::copy_tree(&sc.dir.join("before"), &before_dir).map_err(|e| e.to_string())?;
    let after_src = if sc.dir.join("after").is_dir() {
        sc.dir.join("after")
    } else {
        sc.dir.join("before")
    };
    scenario::copy_tree(&after_src, &after_dir).map_err(|e| e.to_string())?;
    scenario::apply_ops(&after_dir, &spec.after_ops)?;
    let id = sc
        .name
        .split('-')
        .next()
        .unwrap_or("x")
        .to_ascii_lowercase();
    let image = format!("127.0.0.1:{}/dockopt-ci/{id}:cache", reg.port);
    let local_after = format!("dockopt-ci/{id}:after");
    let bin = d.bin();
    d.prune_all()?;
    build(
        bin,
        &Build {
            context: &before_dir,
            dockerfile: &spec.dockerfile,
            target: spec.before_target.as_deref().or(spec.target.as_deref()),
            args: args_vec(&spec.build_args),
            tag: &image,
            cache_from: None,
        },
        "before",
    )?;
    docker(bin, &["push", &image])?;
    // A fresh runner: neither the image nor any build cache is left.
    remove_image(bin, &image);
    d.prune_all()?;
    let mut merged = spec.build_args.clone();
    merged.extend(spec.after_build_args.clone());
    let after = build(
        bin,
        &Build {
            context: &after_dir,
            dockerfile: &spec.dockerfile,
            target: spec.target.as_deref(),
            args: args_vec(&merged),
            tag: &local_after,
            cache_from: Some(&image),
        },
        "after",
    );
    remove_image(bin, &local_after);
    remove_image(bin, &image);
    Ok(Run {
        after: after?,
        before_dir,
        after_dir,
        _tmp: tmp,
    })
}

pub fn check(bin: &Path, sc: &Loaded, before: &Path, after: &Path, engine: &[Step]) -> Vec<String> {
    let cmd = sim_command(bin, &sc.spec, before, after);
    let shown = format!("{cmd:?}");
    let out = match run_with_timeout(cmd, Duration::from_secs(60)) {
        Ok(o) if o.success => o,
        Ok(o) => return vec![format!("dockopt failed: {}\n    {shown}", tail(&o.text, 6))],
        Err(e) => return vec![format!("cannot run dockopt: {e}")],
    };
    match dockopt::parse_output(&out.stdout) {
        Ok(sim) => dockopt::compare(engine, &sim, &[]),
        Err(e) => vec![e],
    }
}

fn run_one(d: &Docker, reg: &Registry, sc: &Loaded, record: bool) -> Result<String, String> {
    let r = run_builds(d, reg, sc)?;
    let live = crate::cache_tier::to_expected(&r.after)?;
    if record {
        scenario::write_expected(&sc.dir, &live)?;
        let hits = live.steps.iter().filter(|s| s.result == "hit").count();
        return Ok(format!("recorded {} steps ({hits} hit)", live.steps.len()));
    }
    let mut problems = Vec::new();
    match scenario::read_expected(&sc.dir)? {
        None => problems.push("no expected.json (record it with --record)".to_string()),
        Some(exp) => problems.extend(crate::cache_tier::drift(&exp, &live)),
    }
    let bin = std::env::var_os("DOCKOPT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_dockopt")));
    problems.extend(
        check(&bin, sc, &r.before_dir, &r.after_dir, &r.after)
            .into_iter()
            .map(|p| format!("DOCKOPT: {p}")),
    );
    if problems.is_empty() {
        Ok(String::new())
    } else {
        Err(problems.join("\n    "))
    }
}

/// Runs the selected inline scenarios; (passed, failed).
pub fn run(d: &Docker, filters: &[String], record: bool) -> (usize, usize) {
    let all = match load_all(&scenarios_dir()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("FAIL loading inline scenarios: {e}");
            return (0, 1);
        }
    };
    let selected: Vec<&Loaded> = all
        .iter()
        .filter(|s| filters.is_empty() || filters.iter().any(|f| s.name.contains(f.as_str())))
        .collect();
    if selected.is_empty() {
        return (0, 0);
    }
    let reg = match Registry::start() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("FAIL inline-cache tier: cannot start a local registry: {e}");
            return (0, 1);
        }
    };
    println!("inline-cache tier: registry on 127.0.0.1:{}", reg.port);
    let (mut passed, mut failed) = (0, 0);
    for sc in selected {
        let t = Instant::now();
        match run_one(d, &reg, sc, record) {
            Ok(note) => {
                passed += 1;
                let secs = t.elapsed().as_secs_f64();
                if note.is_empty() {
                    println!("ok {} ({secs:.1}s)", sc.name);
                } else {
                    println!("ok {} ({secs:.1}s): {note}", sc.name);
                }
            }
            Err(e) => {
                failed += 1;
                println!("FAIL {}: {e}", sc.name);
            }
        }
    }
    println!("inline-cache scenarios: {passed} passed, {failed} failed");
    (passed, failed)
}
