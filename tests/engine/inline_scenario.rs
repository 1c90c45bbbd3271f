//! The inline-cache scenario format (`tests/engine/inline/<id>-<slug>/`), shared by the
//! engine tier (`inline_tier.rs`) and the recorded replay (`tests/recorded_inline.rs`).

use crate::dockopt::{self, SimArgs};
use crate::scenario::AfterOp;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InlineScenario {
    pub description: String,
    #[serde(default = "default_dockerfile")]
    pub dockerfile: String,
    /// The target both builds use, unless `before_target` is set.
    #[serde(default)]
    pub target: Option<String>,
    /// The target the exporting (first) build used: a target switch.
    #[serde(default)]
    pub before_target: Option<String>,
    #[serde(default)]
    pub build_args: BTreeMap<String, String>,
    #[serde(default)]
    pub after_build_args: BTreeMap<String, String>,
    #[serde(default)]
    pub after_ops: Vec<AfterOp>,
}

fn default_dockerfile() -> String {
    "Dockerfile".into()
}

pub struct Loaded {
    pub name: String,
    pub dir: PathBuf,
    pub spec: InlineScenario,
}

pub fn scenarios_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine/inline")
}

pub fn load_all(root: &Path) -> Result<Vec<Loaded>, String> {
    let mut out = Vec::new();
    let rd = std::fs::read_dir(root).map_err(|e| format!("{}: {e}", root.display()))?;
    for entry in rd.flatten() {
        let dir = entry.path();
        let file = dir.join("scenario.json");
        if !file.is_file() {
            continue;
        }
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let spec: InlineScenario =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", file.display()))?;
        out.push(Loaded {
            name: entry.file_name().to_string_lossy().into_owned(),
            dir,
            spec,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

pub fn args_vec(m: &BTreeMap<String, String>) -> Vec<(String, String)> {
    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The `dockopt simulate` arguments for a scenario (shared with the recorded replay).
pub fn sim_command(bin: &Path, spec: &InlineScenario, before: &Path, after: &Path) -> Command {
    let ba = args_vec(&spec.build_args);
    let aa = args_vec(&spec.after_build_args);
    let args = SimArgs {
        before,
        after,
        dockerfile: &spec.dockerfile,
        target: spec.target.as_deref(),
        build_args: &ba,
        after_build_args: &aa,
        base_changed: None,
        image_configs: &[],
    };
    let mut c = dockopt::command(bin, &args);
    c.arg("--cache-source").arg("inline");
    if let Some(t) = &spec.before_target {
        c.arg("--cache-target").arg(t);
    }
    c
}
