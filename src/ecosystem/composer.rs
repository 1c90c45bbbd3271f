//! Composer: `composer install --no-scripts` reads composer.json and
//! composer.lock (`auth.json`, `COMPOSER_*` are the effects model's `php`).

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
        return Some(super::missing("composer.json"));
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
    if json.contains("\"type\": \"path\"") || json.contains("\"type\":\"path\"") {
        return Some(Class::Unsafe("composer.json has a path repository".into()));
    }
    Some(Class::Install(Install {
        eco: "composer",
        required: vec!["composer.json".into()],
        optional: opt(files, &["composer.lock"]),
        outputs: vec!["vendor"],
    }))
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
