//! The scenario format: one folder per scenario under `tests/engine/scenarios/<id>-<slug>/` with
//! `scenario.json`, `before/` (the full first context), optionally `after/` (the full second
//! context; a copy of `before/` when absent) and `expected.json` (recorded with `--record`).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub description: String,
    /// Relative to the context directories.
    #[serde(default = "default_dockerfile")]
    pub dockerfile: String,
    #[serde(default)]
    pub target: Option<String>,
    /// Given to both builds.
    #[serde(default)]
    pub build_args: BTreeMap<String, String>,
    /// Given to the second build only, overriding `build_args`.
    #[serde(default)]
    pub after_build_args: BTreeMap<String, String>,
    #[serde(default)]
    pub base_change: Option<BaseChange>,
    /// Applied to the copy of the after context.
    #[serde(default)]
    pub after_ops: Vec<AfterOp>,
    /// Where current BuildKit behaves differently from the v0.8 engine (spec §13/§14).
    #[serde(default)]
    pub modern_differs: Option<String>,
    /// The verdicts current BuildKit gives where they differ from this engine's: dockopt
    /// models current BuildKit, so these replace the engine's verdict in the comparison.
    #[serde(default)]
    pub modern_results: Vec<ModernResult>,
    /// What a static tool cannot know here (e.g. ONBUILD triggers inside a base image's
    /// config): the engine is still checked for drift, dockopt is not compared, and the
    /// scenario is counted as skipped, loudly.
    #[serde(default)]
    pub dockopt_gap: Option<String>,
    /// Base images whose config dockopt is given (`--image-config NAME=FILE`): the engine
    /// tier passes a live `docker image inspect NAME`; the recorded replay passes the
    /// committed `<NAME>.inspect.json` next to scenario.json.
    #[serde(default)]
    pub image_configs: Vec<String>,
}

impl Scenario {
    /// The committed inspect output for `image`, used when no engine is present.
    pub fn recorded_inspect(dir: &Path, image: &str) -> PathBuf {
        dir.join(format!("{}.inspect.json", image.replace(['/', ':'], "_")))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModernResult {
    #[serde(default)]
    pub stage: Option<String>,
    pub k: u32,
    /// "hit" or "miss".
    pub result: String,
}

fn default_dockerfile() -> String {
    "Dockerfile".to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaseChange {
    pub image: String,
    pub kind: BaseChangeKind,
    #[serde(default)]
    pub env: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BaseChangeKind {
    /// Identical rootfs re-imported: new image ID, same chainID.
    Identical,
    /// An extra file in the rootfs: new chainID.
    Layers,
    /// Same rootfs, another `ENV`.
    Env,
}

impl BaseChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            BaseChangeKind::Identical => "identical",
            BaseChangeKind::Layers => "layers",
            BaseChangeKind::Env => "env",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "op", rename_all = "lowercase", deny_unknown_fields)]
pub enum AfterOp {
    Chmod { path: String, mode: String },
    Touch { path: String },
    Mkdir { path: String },
    Symlink { path: String, target: String },
    Rm { path: String },
    Mv { from: String, to: String },
}

/// `expected.json`: the recorded after-build steps.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expected {
    pub steps: Vec<ExpectedStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectedStep {
    pub stage: Option<String>,
    pub k: u32,
    pub n: u32,
    pub instruction: String,
    /// "hit" (CACHED) or "miss" (DONE).
    pub result: String,
}

impl Expected {
    /// The recorded steps as the engine's progress reported them, for replaying
    /// a recording through the same comparison as a live build.
    pub fn engine_steps(&self) -> Vec<crate::progress::Step> {
        self.steps
            .iter()
            .map(|s| crate::progress::Step {
                stage: s.stage.clone(),
                k: s.k,
                n: s.n,
                instruction: s.instruction.clone(),
                status: if s.result == "hit" {
                    crate::progress::Status::Cached
                } else {
                    crate::progress::Status::Done
                },
            })
            .collect()
    }
}

pub struct Loaded {
    pub name: String,
    pub dir: PathBuf,
    pub spec: Scenario,
}

pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine/scenarios")
}

/// Every scenario folder, sorted by name, with its parsed `scenario.json`.
pub fn load_all(root: &Path) -> Result<Vec<Loaded>, String> {
    let mut out = Vec::new();
    let entries = fs::read_dir(root).map_err(|e| format!("cannot read {}: {e}", root.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| e.to_string())?;
        let dir = entry.path();
        if !dir.is_dir() {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let json = dir.join("scenario.json");
        let text = fs::read_to_string(&json)
            .map_err(|e| format!("{name}: cannot read {}: {e}", json.display()))?;
        let spec: Scenario =
            serde_json::from_str(&text).map_err(|e| format!("{name}: bad scenario.json: {e}"))?;
        if !dir.join("before").is_dir() {
            return Err(format!("{name}: missing before/ directory"));
        }
        out.push(Loaded { name, dir, spec });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

pub fn read_expected(dir: &Path) -> Result<Option<Expected>, String> {
    let p = dir.join("expected.json");
    match fs::read_to_string(&p) {
        Ok(t) => serde_json::from_str(&t)
            .map(Some)
            .map_err(|e| format!("bad {}: {e}", p.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", p.display())),
    }
}

pub fn write_expected(dir: &Path, exp: &Expected) -> Result<(), String> {
    let mut text = serde_json::to_string_pretty(exp).map_err(|e| e.to_string())?;
    text.push('\n');
    fs::write(dir.join("expected.json"), text).map_err(|e| e.to_string())
}

/// Copies `src` into the new directory `dst`: regular files with their permission bits,
/// directories with theirs, symlinks as links (never followed).
pub fn copy_tree(src: &Path, dst: &Path) -> std::io::Result<()> {
    fs::create_dir(dst)?;
    let mut entries: Vec<_> = fs::read_dir(src)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let from = e.path();
        let to = dst.join(e.file_name());
        let ft = e.file_type()?;
        if ft.is_symlink() {
            std::os::unix::fs::symlink(fs::read_link(&from)?, &to)?;
        } else if ft.is_dir() {
            copy_tree(&from, &to)?;
        } else {
            fs::copy(&from, &to)?;
        }
    }
    fs::set_permissions(dst, fs::metadata(src)?.permissions())?;
    Ok(())
}

/// Resolves a scenario path inside `root`, refusing absolute paths and `..`.
fn inside(root: &Path, rel: &str) -> Result<PathBuf, String> {
    let p = Path::new(rel);
    if p.is_absolute()
        || p.components()
            .any(|c| matches!(c, std::path::Component::ParentDir))
    {
        return Err(format!(
            "after_ops path {rel:?} must be relative and stay in the context"
        ));
    }
    Ok(root.join(p))
}

pub fn apply_ops(root: &Path, ops: &[AfterOp]) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    for op in ops {
        let res = match op {
            AfterOp::Chmod { path, mode } => {
                let m = u32::from_str_radix(mode, 8)
                    .map_err(|_| format!("chmod {path}: mode {mode:?} is not octal"))?;
                fs::set_permissions(inside(root, path)?, fs::Permissions::from_mode(m))
            }
            AfterOp::Touch { path } => {
                let p = inside(root, path)?;
                // mtime-only when it exists (files and directories); creates an empty file
                // otherwise. The time is an hour ahead so it differs from the copy's mtime.
                let f = if p.exists() {
                    fs::File::open(&p)
                } else {
                    fs::File::create(&p)
                };
                f.and_then(|f| {
                    let t = std::time::SystemTime::now() + std::time::Duration::from_secs(3600);
                    f.set_times(fs::FileTimes::new().set_modified(t).set_accessed(t))
                })
            }
            AfterOp::Mkdir { path } => fs::create_dir_all(inside(root, path)?),
            AfterOp::Symlink { path, target } => {
                let p = inside(root, path)?;
                if fs::symlink_metadata(&p).is_ok() {
                    let _ = fs::remove_file(&p);
                }
                std::os::unix::fs::symlink(target, &p)
            }
            AfterOp::Rm { path } => {
                let p = inside(root, path)?;
                match fs::symlink_metadata(&p) {
                    Ok(m) if m.is_dir() => fs::remove_dir_all(&p),
                    _ => fs::remove_file(&p),
                }
            }
            AfterOp::Mv { from, to } => fs::rename(inside(root, from)?, inside(root, to)?),
        };
        res.map_err(|e| format!("after_op {op:?} failed: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn parses_full_format() {
        let s: Scenario = serde_json::from_str(
            r#"{"description":"d","dockerfile":"sub/app.Dockerfile","target":"one",
                "build_args":{"A":"1"},"after_build_args":{"A":"2"},
                "base_change":{"image":"bkenv","kind":"env","env":"X=2"},
                "after_ops":[{"op":"chmod","path":"a","mode":"755"},{"op":"touch","path":"a"},
                  {"op":"mkdir","path":"d/e"},{"op":"symlink","path":"l","target":"t"},
                  {"op":"rm","path":"x"},{"op":"mv","from":"y","to":"z"}],
                "modern_differs":null}"#,
        )
        .unwrap();
        assert_eq!(s.after_ops.len(), 6);
        assert_eq!(s.base_change.unwrap().kind, BaseChangeKind::Env);
        let minimal: Scenario = serde_json::from_str(r#"{"description":"d"}"#).unwrap();
        assert_eq!(minimal.dockerfile, "Dockerfile");
        assert!(serde_json::from_str::<Scenario>(r#"{"description":"d","typo":1}"#).is_err());
    }

    #[test]
    fn copy_and_ops() {
        let tmp = tempfile::tempdir().unwrap();
        let src = tmp.path().join("src");
        fs::create_dir_all(src.join("d")).unwrap();
        fs::write(src.join("d/a"), "a").unwrap();
        fs::write(src.join("t1"), "t").unwrap();
        std::os::unix::fs::symlink("t1", src.join("link")).unwrap();
        let dst = tmp.path().join("dst");
        copy_tree(&src, &dst).unwrap();
        assert_eq!(fs::read_link(dst.join("link")).unwrap(), Path::new("t1"));
        apply_ops(
            &dst,
            &[
                AfterOp::Chmod {
                    path: "d/a".into(),
                    mode: "755".into(),
                },
                AfterOp::Mkdir {
                    path: "empty".into(),
                },
                AfterOp::Symlink {
                    path: "link".into(),
                    target: "d/a".into(),
                },
                AfterOp::Mv {
                    from: "t1".into(),
                    to: "t2".into(),
                },
                AfterOp::Touch { path: "t2".into() },
                AfterOp::Touch { path: ".".into() },
                AfterOp::Touch { path: "new".into() },
                AfterOp::Rm { path: "d".into() },
            ],
        )
        .unwrap();
        assert!(dst.join("empty").is_dir());
        assert!(dst.join("new").is_file());
        assert!(!dst.join("d").exists());
        assert_eq!(fs::read_to_string(dst.join("t2")).unwrap(), "t");
        assert_eq!(fs::read_link(dst.join("link")).unwrap(), Path::new("d/a"));
        let m = fs::metadata(src.join("d/a")).unwrap().permissions().mode();
        assert_ne!(m & 0o111, 0o111, "source untouched");
        assert!(apply_ops(
            &dst,
            &[AfterOp::Rm {
                path: "../x".into()
            }]
        )
        .is_err());
    }
}
