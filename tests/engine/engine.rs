//! Thin wrapper around the Docker CLI (`/usr/bin/docker`, Debian's 20.10 client: the other
//! `docker` on PATH lacks buildx/BuildKit support for `--progress=plain`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The client the tier uses. Override with `DOCKOPT_DOCKER` (e.g. a wrapper script).
pub fn docker_bin() -> String {
    std::env::var("DOCKOPT_DOCKER").unwrap_or_else(|_| "/usr/bin/docker".to_string())
}

/// A generous per-command limit: a scenario build takes about a second.
const BUILD_TIMEOUT: Duration = Duration::from_secs(180);

pub struct Output {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// stdout followed by stderr (`--progress=plain` writes to stderr).
    pub text: String,
}

/// Runs `cmd` with no stdin, capturing both streams, killing it after `timeout`.
pub fn run_with_timeout(mut cmd: Command, timeout: Duration) -> std::io::Result<Output> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn()?;
    let mut out = child.stdout.take().expect("piped stdout");
    let mut err = child.stderr.take().expect("piped stderr");
    let t_out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let t_err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break st;
        }
        if start.elapsed() > timeout {
            let _ = child.kill();
            timed_out = true;
            break child.wait()?;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = String::from_utf8_lossy(&t_out.join().unwrap_or_default()).into_owned();
    let mut stderr = String::from_utf8_lossy(&t_err.join().unwrap_or_default()).into_owned();
    if timed_out {
        stderr.push_str(&format!("\n[killed after {}s]\n", timeout.as_secs()));
    }
    let text = format!("{stdout}{stderr}");
    Ok(Output {
        success: status.success() && !timed_out,
        code: status.code(),
        stdout,
        stderr,
        text,
    })
}

pub struct Docker {
    bin: String,
}

/// One `docker build` request.
pub struct BuildRequest<'a> {
    pub context: &'a Path,
    /// Relative to `context`.
    pub dockerfile: &'a str,
    pub target: Option<&'a str>,
    pub build_args: Vec<(String, String)>,
}

impl Docker {
    pub fn new() -> Self {
        Docker { bin: docker_bin() }
    }

    pub fn bin(&self) -> &str {
        &self.bin
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new(&self.bin);
        c.env("DOCKER_BUILDKIT", "1");
        c
    }

    fn run(&self, args: &[&str], timeout: Duration) -> Result<Output, String> {
        let mut c = self.cmd();
        c.args(args);
        run_with_timeout(c, timeout)
            .map_err(|e| format!("cannot run {} {}: {e}", self.bin, args.join(" ")))
    }

    fn run_ok(&self, args: &[&str]) -> Result<String, String> {
        self.run_ok_within(args, Duration::from_secs(120))
    }

    fn run_ok_within(&self, args: &[&str], timeout: Duration) -> Result<String, String> {
        let o = self.run(args, timeout)?;
        if o.success {
            Ok(o.text)
        } else {
            Err(format!(
                "`{} {}` failed (exit {:?}):\n{}",
                self.bin,
                args.join(" "),
                o.code,
                tail(&o.text, 20)
            ))
        }
    }

    /// `docker info`: Ok(server version) when an engine answers.
    pub fn info(&self) -> Result<String, String> {
        // Plain `docker info`: with --format, a missing daemon gives a template error instead
        // of "Cannot connect to the Docker daemon".
        let text = self.run_ok(&["info"])?;
        Ok(text
            .lines()
            .find_map(|l| l.trim().strip_prefix("Server Version:"))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| "(unknown version)".to_string()))
    }

    pub fn image_exists(&self, name: &str) -> bool {
        self.run(
            &["image", "inspect", "--format", "{{.Id}}", name],
            Duration::from_secs(30),
        )
        .map(|o| o.success)
        .unwrap_or(false)
    }

    /// `docker image inspect NAME`: the JSON, as `dockopt --image-config` reads it.
    pub fn image_inspect(&self, name: &str) -> Result<String, String> {
        let o = self.run(&["image", "inspect", name], Duration::from_secs(30))?;
        if o.success {
            Ok(o.stdout)
        } else {
            Err(format!(
                "`{} image inspect {name}` failed:\n{}",
                self.bin,
                tail(&o.text, 5)
            ))
        }
    }

    /// A label of a local image, if the image exists and has it.
    pub fn image_label(&self, image: &str, label: &str) -> Option<String> {
        let format = format!("{{{{index .Config.Labels \"{label}\"}}}}");
        self.run(
            &["image", "inspect", "--format", &format, image],
            Duration::from_secs(30),
        )
        .ok()
        .filter(|o| o.success)
        .map(|o| o.stdout.trim().to_string())
    }

    /// Drops every build-cache record: each scenario starts cold.
    /// The first prune on an engine that earlier runs left a large cache in takes minutes
    /// (seen: over 120 s); a hang is still caught.
    pub fn prune_all(&self) -> Result<(), String> {
        self.run_ok_within(&["builder", "prune", "-af"], Duration::from_secs(900))
            .map(|_| ())
    }

    /// Drops the engine's copy of transferred contexts (kept op cache). The engine refreshes that
    /// copy by size+mtime+mode only (spec §9.4), so without this a measured build can be stale.
    pub fn prune_source_local(&self) -> Result<(), String> {
        self.run_ok(&["builder", "prune", "-f", "--filter", "type=source.local"])
            .map(|_| ())
    }

    /// `docker build --network=none --progress=plain`; returns the output even on failure.
    pub fn build(&self, req: &BuildRequest) -> Result<Output, String> {
        let df: PathBuf = req.context.join(req.dockerfile);
        let mut c = self.cmd();
        c.arg("build")
            .arg("--network=none")
            .arg("--progress=plain")
            .arg("-f")
            .arg(&df);
        if let Some(t) = req.target {
            c.arg("--target").arg(t);
        }
        for (k, v) in &req.build_args {
            c.arg("--build-arg").arg(format!("{k}={v}"));
        }
        c.arg(req.context);
        run_with_timeout(c, BUILD_TIMEOUT)
            .map_err(|e| format!("cannot run {} build: {e}", self.bin))
    }
}

/// The last `n` lines of `s`.
pub fn tail(s: &str, n: usize) -> String {
    let lines: Vec<&str> = s.lines().collect();
    let start = lines.len().saturating_sub(n);
    lines[start..].join("\n")
}
