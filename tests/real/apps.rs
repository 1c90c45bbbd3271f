//! The apps under tests/real/apps/<name>/: a build context with its Dockerfile and a `probe`
//! file of `key=value` lines saying how to check the running image and what to change for the
//! cost measurements:
//!
//!   port=N path=/ expect=TEXT   an HTTP GET on 127.0.0.1:N must answer 200 with TEXT
//!   cmd=1 expect=TEXT           running the image's CMD must print TEXT
//!   postgres=1 env=K=V sql=Q    needs the test's PostgreSQL ({PGPORT} in env); Q must work after
//!   toolchain=NAME              apps sharing a toolchain share its nondeterminism baseline
//!                               (default: the app's own name)
//!   baseline=1                  this app measures its toolchain's baseline when selected
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
    pub toolchain: String,
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
            "toolchain" => a.toolchain = v,
            "edit" => a.edit = Some(v),
            "deps" => a.deps = Some(v),
            "base" => a.base_change = v == "1",
            _ => return Err(format!("{name}/probe: unknown key `{k}`")),
        }
    }
    if a.toolchain.is_empty() {
        a.toolchain = name.to_string();
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

/// Which of the apps measure a nondeterminism baseline (indices into `apps`), given which
/// apps' safe fixes changed the Dockerfile. An unchanged Dockerfile builds the same image by
/// construction, so it needs no excuse and no baseline. Each toolchain is measured once:
/// on its changed apps marked `baseline=1`, else on its first changed app. Two `--no-cache`
/// builds of an app are the tier's most expensive step, so this is where cold time goes.
pub fn baseline_apps(apps: &[App], changed: &[bool]) -> Vec<usize> {
    let mut out = Vec::new();
    let mut toolchains: Vec<&str> = apps.iter().map(|a| a.toolchain.as_str()).collect();
    toolchains.sort();
    toolchains.dedup();
    for t in toolchains {
        let of: Vec<usize> = (0..apps.len())
            .filter(|&i| apps[i].toolchain == t && changed.get(i) == Some(&true))
            .collect();
        let marked: Vec<usize> = of.iter().copied().filter(|&i| apps[i].baseline).collect();
        if !marked.is_empty() {
            out.extend(marked);
        } else if let Some(&first) = of.first() {
            out.push(first);
        }
    }
    out.sort();
    out
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
        assert_eq!(a.toolchain, "x");
    }

    #[test]
    fn one_baseline_per_toolchain_and_none_for_unchanged_apps() {
        let app = |name: &str, probe: &str| {
            super::parse(
                name,
                std::path::Path::new("/x"),
                &format!("cmd=1\nexpect=ok\n{probe}"),
            )
            .unwrap()
        };
        let apps = vec![
            app("fastapi", "toolchain=pip"),
            app("flask", "toolchain=pip\nbaseline=1"),
            app("go", ""),
            app("npm", ""),
            app("yarn", ""),
        ];
        // flask is marked: it measures pip's baseline, fastapi reuses it; go is unchanged.
        assert_eq!(
            super::baseline_apps(&apps, &[true, true, false, true, true]),
            vec![1, 3, 4]
        );
        // without flask in the run, fastapi measures pip itself.
        assert_eq!(super::baseline_apps(&apps[..1], &[true]), vec![0]);
        // a marked app whose fix changes nothing measures nothing; the toolchain's first
        // changed app does.
        assert_eq!(super::baseline_apps(&apps[..2], &[true, false]), vec![0]);
        assert_eq!(
            super::baseline_apps(&apps, &[false; 5]),
            Vec::<usize>::new()
        );
    }
}
