//! The apps under tests/real/apps/<name>/: a build context with its Dockerfile and a `probe`
//! file of `key=value` lines saying how to check the running image and what to change for the
//! cost measurements:
//!
//!   port=N path=/ expect=TEXT   an HTTP GET on 127.0.0.1:N must answer 200 with TEXT
//!   cmd=1 expect=TEXT           running the image's CMD must print TEXT
//!   postgres=1 env=K=V sql=Q    needs the test's PostgreSQL ({PGPORT} in env); Q must work after
//!   baseline=1                  two --no-cache builds measure this toolchain's nondeterminism
//!   edit=PATH deps=PATH         the source file and the dependency file the cost changes touch
//!   base=1                      also measure a base-image change

use std::path::{Path, PathBuf};

#[derive(Debug, Default, Clone)]
pub struct App {
    pub name: String,
    pub dir: PathBuf,
    pub port: Option<u16>,
    pub path: String,
    pub expect: String,
    pub cmd: bool,
    pub postgres: bool,
    pub env: Vec<String>,
    pub sql: Option<String>,
    pub baseline: bool,
    pub edit: Option<String>,
    pub deps: Option<String>,
    pub base_change: bool,
}

pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/real/apps")
}

pub fn parse(name: &str, dir: &Path, text: &str) -> Result<App, String> {
    let mut a = App {
        name: name.into(),
        dir: dir.into(),
        path: "/".into(),
        ..App::default()
    };
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .ok_or_else(|| format!("{name}/probe: `{line}` is not key=value"))?;
        let v = v.to_string();
        match k {
            "port" => a.port = Some(v.parse().map_err(|e| format!("{name}/probe: port: {e}"))?),
            "path" => a.path = v,
            "expect" => a.expect = v,
            "cmd" => a.cmd = v == "1",
            "postgres" => a.postgres = v == "1",
            "env" => a.env.push(v),
            "sql" => a.sql = Some(v),
            "baseline" => a.baseline = v == "1",
            "edit" => a.edit = Some(v),
            "deps" => a.deps = Some(v),
            "base" => a.base_change = v == "1",
            _ => return Err(format!("{name}/probe: unknown key `{k}`")),
        }
    }
    if a.expect.is_empty() || (a.port.is_none() && !a.cmd) {
        return Err(format!("{name}/probe: needs expect= and port= or cmd=1"));
    }
    Ok(a)
}

/// Every app whose name contains one of `filter` (all when empty), sorted.
pub fn load(filter: &[String]) -> Result<Vec<App>, String> {
    let mut apps = Vec::new();
    let rd = std::fs::read_dir(dir()).map_err(|e| format!("{}: {e}", dir().display()))?;
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        let probe = std::fs::read_to_string(e.path().join("probe"))
            .map_err(|err| format!("{name}: no probe file: {err}"))?;
        apps.push(parse(&name, &e.path(), &probe)?);
    }
    apps.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(apps)
}

/// A copy of the app's context in a fresh directory (the probe file stays behind).
pub fn copy_context(app: &App, to: &Path) -> Result<(), String> {
    for e in walkdir::WalkDir::new(&app.dir).min_depth(1) {
        let e = e.map_err(|e| e.to_string())?;
        let rel = e.path().strip_prefix(&app.dir).unwrap();
        if rel == Path::new("probe") {
            continue;
        }
        let dst = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dst).map_err(|e| e.to_string())?;
        } else {
            std::fs::copy(e.path(), &dst).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_a_probe() {
        let a = super::parse(
            "x",
            std::path::Path::new("/x"),
            "# c\nport=80\nexpect=ok\nenv=A=B\nbaseline=1\n",
        )
        .unwrap();
        assert_eq!(a.port, Some(80));
        assert_eq!(a.env, vec!["A=B"]);
        assert!(a.baseline && !a.cmd);
        assert!(super::parse("x", std::path::Path::new("/x"), "cmd=1\n").is_err());
    }
}
