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
fn package_json_problem(eco: &str, files: &dyn Files, ignore_scripts: bool) -> Result<(), String> {
    let text = files
        .read("package.json")
        .ok_or_else(|| super::absent(files, "package.json"))?;
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
        if let Some(why) = builds_native_addon(eco, &v, files) {
            return Err(why);
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

/// Whether installing the package itself runs `node-gyp rebuild`, which
/// reads `binding.gyp` and the sources it names: a package folder with a
/// `binding.gyp` and no `install`/`preinstall` script gets that default
/// install script. npm (@npmcli/run-script's `run-script-pkg.js`: `event
/// === 'install' && !scripts.install && !scripts.preinstall && gypfile !==
/// false && isNodeGypPackage(path)`) lets `"gypfile": false` turn it off;
/// pnpm's `checkBindingGyp` and yarn's default install script look at the
/// file alone. After the split `binding.gyp` is not there when the install
/// runs, and the addon would never be built. The caller has already
/// refused an `install`/`preinstall` script, so only the file and the
/// `gypfile` flag are read here.
fn builds_native_addon(eco: &str, pkg: &serde_json::Value, files: &dyn Files) -> Option<String> {
    if eco == "npm" && pkg.get("gypfile") == Some(&serde_json::Value::Bool(false)) {
        return None;
    }
    files.kind("binding.gyp")?;
    Some(
        "the context has binding.gyp beside package.json, so the install runs `node-gyp rebuild`, which reads sources the manifest COPY would not copy (the addon would not be built)"
            .into(),
    )
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
    if let Err(e) = package_json_problem(eco, files, ignore_scripts) {
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

    /// A binding.gyp beside package.json makes each tool build the package
    /// as a native addon (`node-gyp rebuild`) when it installs: the split
    /// would leave binding.gyp and the sources out of that install.
    #[test]
    fn binding_gyp_refuses_the_split() {
        let installs: [&[&str]; 4] = [
            &["npm", "ci"],
            &["npm", "install"],
            &["yarn", "install", "--frozen-lockfile"],
            &["pnpm", "install", "--frozen-lockfile"],
        ];
        let pkg = r#"{"name":"x","dependencies":{"nan":"2.20.0"}}"#;
        let gyp = r#"{"targets":[{"target_name":"addon","sources":["src/addon.cc"]}]}"#;
        for argv in installs {
            let f = mem(&[("package.json", pkg), ("binding.gyp", gyp)]);
            match classify(argv, &f) {
                Class::Unsafe(why) => assert!(why.contains("binding.gyp"), "{argv:?}: {why}"),
                c => panic!("{argv:?}: {c:?}"),
            }
            // Without it, the ordinary install still splits.
            let f = mem(&[("package.json", pkg)]);
            assert!(
                matches!(
                    classify(argv, &f),
                    Class::Install(_) | Class::LockMayChange(..)
                ),
                "{argv:?}"
            );
            // Scripts turned off: no node-gyp either.
            let mut off = argv.to_vec();
            off.push("--ignore-scripts");
            let f = mem(&[("package.json", pkg), ("binding.gyp", gyp)]);
            assert!(!matches!(classify(&off, &f), Class::Unsafe(_)), "{off:?}");
        }
        // npm honours `"gypfile": false`; pnpm and yarn do not read it.
        let pkg = r#"{"name":"x","gypfile":false}"#;
        let f = mem(&[("package.json", pkg), ("binding.gyp", gyp)]);
        assert!(matches!(classify(&["npm", "ci"], &f), Class::Install(_)));
        assert!(matches!(
            classify(&["pnpm", "install", "--frozen-lockfile"], &f),
            Class::Unsafe(_)
        ));
    }

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
