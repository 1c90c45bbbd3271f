//! Composer: `composer install --no-scripts` reads composer.json and
//! composer.lock (`auth.json`, `COMPOSER_*` are the effects model's `php`),
//! and the local folders its `path`/`artifact` (or local-url) repositories
//! name.

use super::{has, opt, sub, Class, Ecosystem, Files, Install};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "composer",
    manifests: &["composer.json"],
    lockfiles: &["composer.lock"],
    effects: "php",
    installs: &["composer install --no-scripts --no-autoloader"],
    caches: &["/root/.composer/cache", "/tmp/cache"],
    install_outputs: &["vendor"],
    build_outputs: &[],
    runtime_images: &["php"],
    toolchain: None,
    git_sources: &[("composer.json", "\"vcs\""), ("composer.json", "\"git\"")],
    plain_value_flags: &[],
    elsewhere: &[
        super::Elsewhere::Any("-d"),
        super::Elsewhere::Any("--working-dir"),
    ],
    detect,
    classify,
};

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    (prog == "composer" && sub(args).0 == "install")
        .then_some(&["composer.json", "composer.lock"][..])
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if prog != "composer" || args.first() != Some(&"install") {
        return None;
    }
    if !has(args, &["--no-scripts"]) {
        return Some(Class::Unsafe(
            "`composer install` without --no-scripts runs scripts that may read the sources".into(),
        ));
    }
    let Some(json) = files.read("composer.json") else {
        return Some(super::missing(files, "composer.json"));
    };
    let optimize = has(
        args,
        &[
            "-o",
            "--optimize-autoloader",
            "-a",
            "--classmap-authoritative",
        ],
    );
    if !has(args, &["--no-autoloader"]) && (optimize || json.contains("\"classmap\"")) {
        return Some(Class::Unsafe(
            "the autoloader scans the sources (classmap or --optimize-autoloader); add --no-autoloader"
                .into(),
        ));
    }
    let repos = match local_repositories(&json) {
        Ok(r) => r,
        Err(e) => return Some(Class::Unsafe(format!("composer.json does not parse: {e}"))),
    };
    for r in repos {
        let what = match r.kind.as_str() {
            "path" | "artifact" => format!("a repository of type `{}`", r.kind),
            k => format!("a repository of type `{k}` with a local url"),
        };
        // A location the COPY does not bring (outside its destination, or
        // ignored) is the same before and after the split.
        if files.kind(&r.dir).is_some() {
            return Some(Class::Unsafe(format!(
                "composer.json has {what} ({}) in the build context, which the manifest COPY would not copy",
                r.url
            )));
        }
    }
    Some(Class::Install(Install {
        eco: "composer",
        required: vec!["composer.json".into()],
        optional: opt(files, &["composer.lock"]),
        outputs: vec!["vendor"],
    }))
}

/// A repository in composer.json that reads the local file system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalRepository {
    /// Its `type` (`path`, `artifact`, `vcs`, `composer`, `package`…).
    pub kind: String,
    /// The url as written.
    pub url: String,
    /// The folder (or file) it reads, relative to the cwd or absolute: the
    /// url without `file://`, cut before its first glob character
    /// (`packages/*` reads `packages`).
    pub dir: String,
}

/// The repositories of composer.json that read local files: every `path`
/// and `artifact` repository (their `url` is a folder: path packages are
/// read and linked or mirrored from it, artifact zips are read from it),
/// and any repository with a `url` (its own, or a `package`'s `dist`/`source`
/// url) that is a local path or `file://` (Composer reads a url without a
/// scheme as a path, relative to the working directory). Err when
/// composer.json does not parse (Composer then stops too).
pub fn local_repositories(json: &str) -> Result<Vec<LocalRepository>, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let repos: Vec<&serde_json::Value> = match v.get("repositories") {
        Some(serde_json::Value::Array(a)) => a.iter().collect(),
        Some(serde_json::Value::Object(o)) => o.values().collect(),
        _ => Vec::new(),
    };
    let mut out = Vec::new();
    for r in repos.into_iter().filter(|r| r.is_object()) {
        let kind = r
            .get("type")
            .and_then(|t| t.as_str())
            .unwrap_or("")
            .to_string();
        let mut urls = Vec::new();
        collect_urls(r, &mut urls);
        let folder_repo = matches!(kind.as_str(), "path" | "artifact");
        for url in urls {
            if folder_repo || local_url(&url) {
                let mut path = url.strip_prefix("file://").unwrap_or(&url);
                while let Some(p) = path.strip_prefix("./") {
                    path = p;
                }
                let dir = path
                    .split(['*', '?', '[', '{'])
                    .next()
                    .unwrap_or("")
                    .trim_end_matches('/');
                out.push(LocalRepository {
                    kind: kind.clone(),
                    dir: if dir.is_empty() {
                        ".".into()
                    } else {
                        dir.into()
                    },
                    url,
                });
            }
        }
    }
    Ok(out)
}

/// Every string under a `url` key, at any depth (a `package` repository's
/// packages name theirs in `dist` and `source`).
fn collect_urls(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                match x.as_str() {
                    Some(u) if k == "url" => out.push(u.to_string()),
                    _ => collect_urls(x, out),
                }
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| collect_urls(x, out)),
        _ => {}
    }
}

/// Whether a repository url reads the local file system: `file://`, or no
/// scheme and not an scp-like `user@host:path` git address.
fn local_url(url: &str) -> bool {
    if url.starts_with("file://") {
        return true;
    }
    if url.contains("://") {
        return false;
    }
    let scp = url
        .split_once(':')
        .is_some_and(|(host, _)| host.contains('@') && !host.contains('/'));
    !scp
}

/// What composer needs only to fetch packages (dists are zips, sources git
/// clones): a runtime without composer needs none of them.
pub const FETCH_TOOLS: &[&str] = &["git", "unzip", "zip", "p7zip-full", "7zip"];

/// Script events `composer install` and `dump-autoload` fire (unless
/// `--no-scripts`): commands that may read the sources and write anywhere.
pub const SCRIPT_EVENTS: &[&str] = &[
    "pre-install-cmd",
    "post-install-cmd",
    "pre-autoload-dump",
    "post-autoload-dump",
    "pre-package-install",
    "post-package-install",
    "post-root-package-install",
];

/// `composer.json` keys that put installed files outside `vendor/`: the
/// `config` settings (`vendor-dir`, `bin-dir`) and `composer/installers`'
/// `extra.installer-paths`.
pub const OUTSIDE_VENDOR: &[(&str, &str)] = &[
    ("config", "vendor-dir"),
    ("config", "bin-dir"),
    ("extra", "installer-paths"),
];

/// Environment that moves vendor/ or its binaries.
pub const OUTSIDE_VENDOR_ENV: &[&str] = &["COMPOSER_VENDOR_DIR", "COMPOSER_BIN_DIR"];

#[cfg(test)]
mod tests {
    use super::super::testutil::mem;
    use super::super::{classify, Class};
    use super::local_repositories;

    const INSTALL: &[&str] = &["composer", "install", "--no-scripts", "--no-autoloader"];

    /// Repositories that read the project's own folders refuse the split:
    /// `path`, `artifact`, and any type whose url is local or `file://`.
    #[test]
    fn local_repositories_in_the_context_refuse_the_split() {
        let traps = [
            (
                r#"{"repositories":[{"type":"artifact","url":"artifacts/"}]}"#,
                "artifacts/",
            ),
            (
                r#"{"repositories":[{"type":"path","url":"packages/*"}]}"#,
                "packages/*",
            ),
            (
                r#"{"repositories":{"libs":{"type":"vcs","url":"./libs/acme"}}}"#,
                "./libs/acme",
            ),
            (
                r#"{"repositories":[{"type":"composer","url":"file://satis/packages.json"}]}"#,
                "satis/packages.json",
            ),
            (
                r#"{"repositories":[{"type":"package","package":{"name":"a/b","version":"1.0.0","dist":{"type":"zip","url":"libs/b.zip"}}}]}"#,
                "libs/b.zip",
            ),
        ];
        for (json, url) in traps {
            let f = mem(&[
                ("composer.json", json),
                ("composer.lock", "{}"),
                ("artifacts/lib-1.0.0.zip", ""),
                ("packages/a/composer.json", "{}"),
                ("libs/acme/composer.json", "{}"),
                ("libs/b.zip", ""),
                ("satis/packages.json", "{}"),
            ]);
            match classify(INSTALL, &f) {
                Class::Unsafe(why) => assert!(why.contains(url), "{json}: {why}"),
                c => panic!("{json}: {c:?}"),
            }
        }
        // Remote repositories, and a local one the context does not have
        // (outside the copy, or ignored): the same before and after.
        for json in [
            r#"{"repositories":[{"type":"vcs","url":"https://github.com/a/b"}]}"#,
            r#"{"repositories":[{"type":"vcs","url":"git@github.com:a/b.git"}]}"#,
            r#"{"repositories":[{"type":"composer","url":"https://repo.example"}, {"packagist.org": false}]}"#,
            r#"{"repositories":[{"type":"path","url":"/opt/libs/*"}]}"#,
            r#"{"require":{"a/b":"1.0.0"}}"#,
        ] {
            let f = mem(&[("composer.json", json), ("composer.lock", "{}")]);
            assert!(matches!(classify(INSTALL, &f), Class::Install(_)), "{json}");
        }
        let f = mem(&[("composer.json", "{not json")]);
        assert!(matches!(classify(INSTALL, &f), Class::Unsafe(_)));
        assert_eq!(
            local_repositories(r#"{"repositories":[{"type":"path","url":"*"}]}"#).unwrap()[0].dir,
            "."
        );
    }
}
