//! npm: `npm ci` / `npm install` (package.json + package-lock.json or
//! npm-shrinkwrap.json; `.npmrc` is the effects model's).

use super::node::node_install;
use super::registry::{Dep, Kind, RegistryFile};
use super::{has, no_relative_args, CacheDir, Class, Ecosystem, Files};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "npm",
    manifests: &["package.json"],
    lockfiles: &["package-lock.json", "npm-shrinkwrap.json"],
    effects: "node",
    installs: &["npm ci", "npm install"],
    caches: &["/root/.npm"],
    install_outputs: super::node::NODE_OUTPUTS,
    build_outputs: &["dist", "build", ".next"],
    runtime_images: &["node"],
    toolchain: None,
    git_sources: super::node::GIT_SOURCES,
    plain_value_flags: &[],
    elsewhere: &[
        super::Elsewhere::Any("--prefix"),
        super::Elsewhere::Any("-C"),
        super::Elsewhere::Any("--userconfig"),
        super::Elsewhere::Any("--globalconfig"),
        super::Elsewhere::Any("-w"),
        super::Elsewhere::Any("--workspace"),
        super::Elsewhere::Any("--workspaces"),
        super::Elsewhere::Relative("--cache"),
    ],
    detect,
    classify,
};

/// npm's download cache (`npm ci`, `npm install`): `--cache`, then
/// `npm_config_cache`, then `~/.npm`.
pub const CACHE: CacheDir = CacheDir {
    what: "npm's download cache",
    flag: Some("--cache"),
    env: &["npm_config_cache", "NPM_CONFIG_CACHE"],
    off: None,
    xdg: None,
    home: ".npm",
};

/// npm's cache for the `node` user of the official node images.
pub const NODE_USER_CACHE: &str = "/home/node/.npm";

/// npm's command, the other arguments (options before the command
/// included: nopt reads them anywhere) and whether it has operands.
fn command<'a>(args: &[&'a str]) -> Option<(&'a str, Vec<&'a str>, bool)> {
    let (at, operands) = crate::shell::options::npm_words(args);
    let at = at?;
    let rest = args
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != at)
        .map(|(_, a)| *a)
        .collect();
    Some((args[at], rest, !operands.is_empty()))
}

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    let (s, _, positional) = command(args)?;
    (prog == "npm" && matches!(s, "ci" | "install" | "i") && !positional)
        .then_some(&["package.json", "package-lock.json"][..])
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if prog != "npm" {
        return None;
    }
    let (sub, rest, positional) = command(args)?;
    let rest = rest.as_slice();
    let global = has(rest, &["-g", "--global"]);
    match sub {
        "install" | "i" | "add" if global => Some(
            if no_relative_args(rest) && !rest.iter().any(|a| a.contains('$')) {
                Class::Neutral
            } else {
                Class::Other
            },
        ),
        "ci" | "install" | "i" if !positional || sub == "ci" => {
            if positional {
                return Some(Class::Other);
            }
            Some(node_install(
                "npm",
                files,
                has(rest, &["--ignore-scripts"]),
                // npm 7+ also reads a `yarn.lock` beside them (and rewrites it).
                &["package-lock.json", "npm-shrinkwrap.json", "yarn.lock"],
                sub == "ci",
            ))
        }
        _ => None,
    }
}

// ---- The npm registry: what a dependency unpacks to (`dockopt estimate --registry`) ----

/// The packages a `package.json` depends on (`dependencies`, `devDependencies`,
/// `optionalDependencies`: what `npm ci` installs), each with its version when the range is
/// one exact version (`1.2.3`, `=1.2.3`); `None` for a JSON that does not parse.
pub fn package_json_deps(text: &str) -> Option<Vec<Dep>> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let mut out: Vec<Dep> = Vec::new();
    for key in ["dependencies", "devDependencies", "optionalDependencies"] {
        for (name, range) in v[key].as_object().into_iter().flatten() {
            if out.iter().any(|d| d.name == *name) {
                continue;
            }
            let version = range.as_str().and_then(exact_version);
            out.push(Dep {
                kind: Kind::Npm,
                name: name.clone(),
                version,
            });
        }
    }
    Some(out)
}

/// `1.2.3`, `=1.2.3`, `1.2.3-beta.1`: one exact version; ranges and tags are not.
fn exact_version(range: &str) -> Option<String> {
    let r = range.trim().trim_start_matches('=');
    let core = r.split(['-', '+']).next().unwrap_or("");
    let nums: Vec<&str> = core.split('.').collect();
    (nums.len() == 3
        && nums
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())))
    .then(|| r.to_string())
}

/// A package named on an install's command line (`koa`, `koa@2.15.3`, `@koa/router@^12`);
/// `None` for a path, URL, git or tarball operand (no registry has it).
pub fn operand_dep(word: &str) -> Option<Dep> {
    if word.starts_with(['.', '/', '-'])
        || word.contains(':')
        || word.ends_with(".tgz")
        || word.ends_with(".tar.gz")
    {
        return None;
    }
    // The version follows the last `@` that does not start a scope.
    let (name, version) = match word.rfind('@').filter(|&i| i > 0) {
        Some(i) => (&word[..i], exact_version(&word[i + 1..])),
        None => (word, None),
    };
    (!name.is_empty()).then(|| Dep {
        kind: Kind::Npm,
        name: name.to_string(),
        version,
    })
}

/// The registry's URL of `name`'s manifest at `version`, else at its `latest` tag (a scoped
/// name's `/` escaped).
pub fn npm_url(base: &str, name: &str, version: Option<&str>) -> String {
    format!(
        "{}/{}/{}",
        base.trim_end_matches('/'),
        name.replace('/', "%2F"),
        version.unwrap_or("latest")
    )
}

/// What one version's manifest says it unpacks to (`dist.unpackedSize`; npm publishes it
/// since 2018); `None` when it does not say.
pub fn npm_pick(doc: &serde_json::Value) -> Option<RegistryFile> {
    let version = doc["version"].as_str()?;
    let bytes = doc["dist"]["unpackedSize"].as_u64()?;
    let file = doc["dist"]["tarball"]
        .as_str()
        .and_then(|t| t.rsplit('/').next())
        .unwrap_or("")
        .to_string();
    Some(RegistryFile {
        version: version.to_string(),
        file: format!("{file} (unpacked)"),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::mem;
    use super::super::{classify, Class};

    #[test]
    fn scripts_and_lock() {
        let f = mem(&[
            ("package.json", r#"{"scripts":{"postinstall":"node x.js"}}"#),
            ("package-lock.json", "{}"),
        ]);
        assert!(matches!(classify(&["npm", "ci"], &f), Class::Unsafe(_)));
        let f = mem(&[("package.json", "{}"), ("package-lock.json", "{}")]);
        assert!(matches!(classify(&["npm", "ci"], &f), Class::Install(_)));
        // Splittable, but the lock it may rewrite is put back: an Unsafe fix.
        assert!(matches!(
            classify(&["npm", "install"], &f),
            Class::LockMayChange(..)
        ));
        let f = mem(&[("package.json", "{}")]);
        assert!(matches!(
            classify(&["npm", "install"], &f),
            Class::Install(_)
        ));
    }
}

#[cfg(test)]
mod registry_tests {
    use super::*;

    #[test]
    fn package_json_names_its_dependencies_and_exact_pins() {
        let deps = package_json_deps(
            r#"{"dependencies":{"koa":"2.15.3","@koa/router":"^12.0.1"},
                "devDependencies":{"jest":"=29.7.0","koa":"2.15.3"},
                "optionalDependencies":{"fsevents":"2.3.3-beta.1"}}"#,
        )
        .unwrap();
        let got: Vec<(&str, Option<&str>)> = deps
            .iter()
            .map(|d| (d.name.as_str(), d.version.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("koa", Some("2.15.3")),
                ("@koa/router", None),
                ("jest", Some("29.7.0")),
                ("fsevents", Some("2.3.3-beta.1")),
            ]
        );
        assert_eq!(package_json_deps("{not json"), None);
        let op = |w: &str| operand_dep(w).map(|d| (d.name, d.version));
        assert_eq!(op("koa"), Some(("koa".into(), None)));
        assert_eq!(
            op("koa@2.15.3"),
            Some(("koa".into(), Some("2.15.3".into())))
        );
        assert_eq!(op("@koa/router@^12"), Some(("@koa/router".into(), None)));
        assert_eq!(
            op("@types/node@20.1.0"),
            Some(("@types/node".into(), Some("20.1.0".into())))
        );
        assert_eq!(op("./local"), None);
        assert_eq!(op(""), None);
        assert_eq!(op("@"), Some(("@".into(), None)));
        assert_eq!(op("github:koajs/koa"), None);
        assert_eq!(op("https://x/koa.tgz"), None);
        assert_eq!(
            npm_url("https://r.example/", "@koa/router", None),
            "https://r.example/@koa%2Frouter/latest"
        );
        assert_eq!(
            npm_url("https://r.example", "koa", Some("2.15.3")),
            "https://r.example/koa/2.15.3"
        );
    }

    #[test]
    fn a_manifest_says_what_it_unpacks_to() {
        let doc = serde_json::json!({"name": "typescript", "version": "5.4.5",
            "dist": {"tarball": "https://r/typescript/-/typescript-5.4.5.tgz", "unpackedSize": 30_000_000}});
        let f = npm_pick(&doc).unwrap();
        assert_eq!(
            (f.version.as_str(), f.file.as_str(), f.bytes),
            ("5.4.5", "typescript-5.4.5.tgz (unpacked)", 30_000_000)
        );
        assert_eq!(
            npm_pick(&serde_json::json!({"version": "1.0.0", "dist": {}})),
            None
        );
    }
}
