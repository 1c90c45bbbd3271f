//! What npm, yarn and pnpm share: package.json's scripts, workspaces and
//! local dependencies, and the directories an install writes.

use super::{opt, Class, Files, Install};

pub(super) const NODE_OUTPUTS: &[&str] = &[
    "node_modules",
    ".pnp.cjs",
    ".pnp.loader.mjs",
    ".yarn/cache",
    ".yarn/unplugged",
    ".yarn/install-state.gz",
];

/// Reasons a package.json makes an install read more than its manifests.
fn package_json_problem(files: &dyn Files, ignore_scripts: bool) -> Result<(), String> {
    let text = files
        .read("package.json")
        .ok_or_else(|| "package.json is not in the build context".to_string())?;
    let v: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("package.json does not parse: {e}"))?;
    if !ignore_scripts {
        if let Some(scripts) = v.get("scripts").and_then(|s| s.as_object()) {
            for s in [
                "preinstall",
                "install",
                "postinstall",
                "prepare",
                "preprepare",
                "postprepare",
                "prepublish",
            ] {
                if scripts.contains_key(s) {
                    return Err(format!(
                        "package.json has a `{s}` script, which may read files not copied yet"
                    ));
                }
            }
        }
    }
    if v.get("workspaces").is_some() {
        return Err("package.json declares workspaces, whose manifests live elsewhere".into());
    }
    for deps in [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
        "peerDependencies",
    ] {
        if let Some(d) = v.get(deps).and_then(|d| d.as_object()) {
            for (name, spec) in d {
                let s = spec.as_str().unwrap_or("");
                if s.starts_with("file:") || s.starts_with("link:") || s.starts_with("portal:") {
                    return Err(format!("dependency {name} is a local path ({s})"));
                }
            }
        }
    }
    Ok(())
}

pub(super) fn node_install(
    eco: &'static str,
    files: &dyn Files,
    ignore_scripts: bool,
    lock: &[&str],
    frozen: bool,
) -> Class {
    if let Err(e) = package_json_problem(files, ignore_scripts) {
        return Class::Unsafe(e);
    }
    let locks = opt(files, lock);
    let rewrite = (!locks.is_empty() && !frozen).then(|| {
        format!(
            "this install may rewrite {}, which the later full COPY puts back (a frozen install — npm ci, --frozen-lockfile, --immutable — makes the split safe)",
            locks[0]
        )
    });
    let install = Install {
        eco,
        required: vec!["package.json".into()],
        optional: locks,
        outputs: NODE_OUTPUTS.to_vec(),
    };
    match rewrite {
        Some(r) => Class::LockMayChange(install, r),
        None => Class::Install(install),
    }
}
