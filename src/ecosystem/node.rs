//! What npm, yarn and pnpm share: package.json's scripts, workspaces and
//! local dependencies, and the directories an install writes.

use super::{opt, Class, Files, Install};

/// npm, yarn and pnpm: a dependency given as a git URL or a hosted-git
/// shorthand (`git+https://`, `git://`, `github:user/repo`), and how each
/// lock file records it (npm `"resolved": "git+ssh://…"`, yarn's codeload
/// tarballs, pnpm's `type: git` resolutions).
pub(super) const GIT_SOURCES: &[(&str, &str)] = &[
    ("package.json", "git+"),
    ("package.json", "git://"),
    ("package.json", "github:"),
    ("package.json", "gitlab:"),
    ("package.json", "bitbucket:"),
    ("package-lock.json", "\"git+"),
    ("npm-shrinkwrap.json", "\"git+"),
    ("yarn.lock", "git+"),
    ("yarn.lock", "codeload.github.com"),
    ("pnpm-lock.yaml", "type: git"),
];

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
    // pnpm applies patch files from the project when it installs.
    if let Some(p) = v
        .pointer("/pnpm/patchedDependencies")
        .and_then(|p| p.as_object())
        .filter(|p| !p.is_empty())
    {
        let first = p
            .values()
            .find_map(|f| f.as_str())
            .unwrap_or("a patch file");
        return Err(format!(
            "package.json patches dependencies with files of the project (pnpm.patchedDependencies: {first}), which the manifest COPY would not copy"
        ));
    }
    for deps in [
        "dependencies",
        "devDependencies",
        "optionalDependencies",
        "peerDependencies",
        // yarn's resolutions, npm's and pnpm's overrides: versions forced
        // on the whole tree, written like dependencies
        "resolutions",
        "overrides",
    ] {
        let found = v
            .get(deps)
            .or_else(|| {
                (deps == "overrides")
                    .then(|| v.pointer("/pnpm/overrides"))
                    .flatten()
            })
            .and_then(|d| local_spec(d, ""));
        if let Some((name, spec)) = found {
            return Err(format!("dependency {name} is a local path ({spec})"));
        }
    }
    Ok(())
}

/// The first dependency (name, spec) in a map of specs (nested maps, as
/// npm's overrides write them, included) that installs from the project's
/// own files: `file:`, `link:`, `portal:`, or a `patch:` whose patch is a
/// project path (yarn's builtin patches are not).
fn local_spec(d: &serde_json::Value, parent: &str) -> Option<(String, String)> {
    for (name, spec) in d.as_object()? {
        let full = if parent.is_empty() {
            name.clone()
        } else {
            format!("{parent} > {name}")
        };
        if spec.is_object() {
            if let Some(found) = local_spec(spec, &full) {
                return Some(found);
            }
            continue;
        }
        let s = spec.as_str().unwrap_or("");
        let patch_file = s
            .split_once("patch:")
            .and_then(|(_, rest)| rest.split_once('#'))
            .is_some_and(|(_, path)| !path.starts_with("optional!builtin"));
        if s.starts_with("file:")
            || s.starts_with("link:")
            || s.starts_with("portal:")
            || patch_file
        {
            return Some((full, s.to_string()));
        }
    }
    None
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

#[cfg(test)]
mod tests {
    use super::super::testutil::mem;
    use super::super::{classify, Class};

    /// Installs that apply the project's own patch files (pnpm's
    /// patchedDependencies, yarn's `patch:` protocol) or force a local
    /// package through resolutions/overrides read more than the manifests.
    #[test]
    fn patches_and_local_overrides_refuse_the_split() {
        let cases: [(&str, &[&str]); 4] = [
            (
                r#"{"dependencies":{"a":"1"},"pnpm":{"patchedDependencies":{"a@1":"patches/a@1.patch"}}}"#,
                &["pnpm", "install", "--frozen-lockfile"],
            ),
            (
                r#"{"resolutions":{"a@1":"patch:a@npm:1#./.yarn/patches/a.patch"}}"#,
                &["yarn", "install", "--immutable"],
            ),
            (
                r#"{"overrides":{"b":{"c":"file:./vendor/c"}}}"#,
                &["npm", "ci"],
            ),
            (
                r#"{"pnpm":{"overrides":{"c":"link:../c"}}}"#,
                &["pnpm", "install", "--frozen-lockfile"],
            ),
        ];
        for (pkg, argv) in cases {
            let f = mem(&[("package.json", Box::leak(pkg.to_string().into_boxed_str()))]);
            match classify(argv, &f) {
                Class::Unsafe(why) => assert!(
                    why.contains("patch") || why.contains("local path"),
                    "{pkg}: {why}"
                ),
                c => panic!("{pkg}: {c:?}"),
            }
        }
        // yarn's builtin compat patches are not the project's files.
        let f = mem(&[(
            "package.json",
            r#"{"resolutions":{"typescript":"patch:typescript@npm:5#optional!builtin<compat/typescript>"}}"#,
        )]);
        assert!(!matches!(
            classify(&["yarn", "install", "--immutable"], &f),
            Class::Unsafe(_)
        ));
    }
}
