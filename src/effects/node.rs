//! npm, yarn, pnpm, npx, corepack and node. Configuration: `.npmrc` in the
//! project (the cwd and the directories above it that npm may pick as the
//! project root), `~/.npmrc`, the global `npmrc` under the prefix,
//! `NPM_CONFIG_USERCONFIG`/`GLOBALCONFIG`, every `npm_config_*` and
//! `NPM_CONFIG_*`; yarn's `.yarnrc`/`.yarnrc.yml` (cwd, ancestors, home) and
//! `YARN_*`; pnpm's `pnpm-workspace.yaml`, `.pnpmfile.cjs`. An install with
//! lifecycle scripts in package.json (or a workspace, or a package.json
//! this model cannot read) reads the whole project. Builds read `NODE_ENV`
//! and the bundlers' public variables (`VITE_*`, `NEXT_PUBLIC_*`,
//! `REACT_APP_*`…).

use super::{
    config_from_env, config_rel, read_arg, read_cwd, write_cwd, write_rel, Cmd, Cx, Effects,
};
use crate::model::path;

/// Variables node tools and the bundlers they run read.
const NODE_ENV: &[&str] = &[
    "NODE_",
    "npm_config_",
    "NPM_CONFIG_",
    "YARN_",
    "PNPM_",
    "COREPACK_",
    "VITE_",
    "NEXT_",
    "NEXT_PUBLIC_",
    "REACT_APP_",
    "NUXT_",
    "GATSBY_",
    "VUE_APP_",
    "PUBLIC_",
    "EXPO_PUBLIC_",
    "CI",
    "http_",
    "https_",
    "HTTP_",
    "HTTPS_",
    "no_proxy",
    "NO_PROXY",
    "SASS_",
    "PUPPETEER_",
    "CYPRESS_",
    "ELECTRON_",
    "PLAYWRIGHT_",
    "PRISMA_",
    "SHARP_",
    "npm_",
];

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    match c.prog {
        "npm" | "yarn" | "pnpm" | "yarnpkg" | "corepack" | "npx" | "pnpx" | "node" | "bun" => {}
        _ => return false,
    }
    fx.env_prefix(NODE_ENV);
    // corepack manages package-manager shims; it reads no npm/yarn config.
    if c.prog != "corepack" {
        config(cx, fx);
        elsewhere(c, cx, fx);
    }
    match c.prog {
        "npm" => npm(c, cx, fx),
        "yarn" | "yarnpkg" => yarn(c, cx, fx),
        "pnpm" => pnpm(c, cx, fx),
        "corepack" => corepack(c, cx, fx),
        "node"
            if c.vals()
                .iter()
                .all(|v| matches!(v, Some("--version" | "-v"))) => {}
        p => fx.give_up(format!("`{p}` runs JavaScript this model does not read")),
    }
    true
}

fn config(cx: &Cx, fx: &mut Effects) {
    config_from_env(fx, cx, "NPM_CONFIG_USERCONFIG");
    config_from_env(fx, cx, "npm_config_userconfig");
    config_from_env(fx, cx, "NPM_CONFIG_GLOBALCONFIG");
    config_from_env(fx, cx, "npm_config_globalconfig");
    fx.config(&cx.home(".npmrc"));
    fx.config(&cx.home(".yarnrc"));
    fx.config(&cx.home(".yarnrc.yml"));
    for g in [
        "/usr/local/etc/npmrc",
        "/usr/etc/npmrc",
        "/etc/npmrc",
        "/usr/local/lib/node_modules/npm/npmrc",
    ] {
        fx.config(g);
    }
    // The project root npm and yarn pick is the cwd or a directory above it.
    for d in cx.cwd_and_ancestors() {
        for f in [
            ".npmrc",
            ".yarnrc",
            ".yarnrc.yml",
            "package.json",
            "pnpm-workspace.yaml",
        ] {
            fx.config(&path::join_abs(&d, f));
        }
    }
    fx.network = true;
    fx.read("/usr/local/lib/node_modules");
    fx.write(&cx.home(".npm"));
    fx.write(&cx.home(".cache"));
    fx.write(&cx.home(".yarn"));
    fx.write(&cx.home(".local/share/pnpm"));
    fx.write("/usr/local/share/.cache");
    fx.write("/tmp");
}

/// Options that name a config file (`--userconfig F`: npm ignores a
/// missing one, silently dropping its settings) or run the command in, or
/// cache to, another folder (`--prefix DIR`, `yarn --cwd DIR`, `pnpm
/// --dir DIR`, `--cache DIR`): that file is read, that folder read and
/// written as a whole.
fn elsewhere(c: &Cmd, cx: &Cx, fx: &mut Effects) {
    for v in c.opt_values(&["--userconfig", "--globalconfig", "--use-yarnrc"]) {
        match v.as_deref().and_then(|v| cx.abs(v)) {
            Some(p) => fx.config(&p),
            None => fx.give_up("a config file named by an expansion"),
        }
    }
    let dirs = [
        "--prefix",
        "-C",
        "--cwd",
        "--dir",
        "--cache",
        "--cache-folder",
        "--store-dir",
        "--modules-folder",
        "--global-folder",
    ];
    for v in c.opt_values(&dirs) {
        let a = super::Arg::text(v);
        super::read_arg(fx, cx, &a);
        super::write_arg(fx, cx, &a);
    }
}

fn sub<'a>(c: &'a Cmd) -> Option<&'a str> {
    c.args.iter().find(|a| !a.is_opt()).and_then(|a| a.str())
}

/// Operands after the subcommand.
fn operands<'a>(c: &'a Cmd) -> Vec<&'a super::Arg> {
    c.positional_with(&[
        "--prefix",
        "-C",
        "--cwd",
        "--dir",
        "--filter",
        "--registry",
        "--cache",
        "--userconfig",
        "-w",
        "--workspace",
    ])
    .into_iter()
    .skip(1)
    .collect()
}

/// Whether package.json may make an install run project code (lifecycle
/// scripts, workspaces, local dependencies); None if it cannot be read.
fn project_code(cx: &Cx) -> Option<bool> {
    let text = cx.files.read(&cx.abs("package.json")?)?;
    let json: serde_json::Value = serde_json::from_str(&text).ok()?;
    let scripts = json.get("scripts").and_then(|s| s.as_object());
    let hooks = [
        "preinstall",
        "install",
        "postinstall",
        "prepublish",
        "preprepare",
        "prepare",
        "postprepare",
        "dependencies",
    ];
    let has_hooks = scripts.is_some_and(|s| hooks.iter().any(|h| s.contains_key(*h)));
    let workspaces = json.get("workspaces").is_some();
    let local_dep = ["dependencies", "devDependencies", "optionalDependencies"]
        .iter()
        .any(|k| {
            json.get(k).and_then(|d| d.as_object()).is_some_and(|d| {
                d.values().any(|v| {
                    v.as_str().is_some_and(|s| {
                        s.starts_with("file:")
                            || s.starts_with("link:")
                            || s.starts_with("workspace:")
                            || s.starts_with('.')
                            || s.starts_with('/')
                    })
                })
            })
        });
    Some(has_hooks || workspaces || local_dep)
}

/// npm with `"gypfile": false` in package.json: no default `node-gyp rebuild`.
fn npm_no_gyp(c: &Cmd, cx: &Cx) -> bool {
    c.prog == "npm"
        && super::read_file_rel(cx, "package.json")
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|v| v.get("gypfile") == Some(&serde_json::Value::Bool(false)))
}

/// An install from the project's manifests.
fn install(c: &Cmd, cx: &Cx, fx: &mut Effects, locks: &[&str], extra: &[&str], frozen: bool) {
    for f in locks.iter().chain(extra) {
        config_rel(fx, cx, f);
    }
    let ignore_scripts = c.has(&["--ignore-scripts"]);
    match project_code(cx) {
        Some(false) => {}
        Some(true) if ignore_scripts => read_cwd(fx, cx),
        _ => read_cwd(fx, cx),
    }
    // A binding.gyp beside package.json: the install builds the package as
    // a native addon (`node-gyp rebuild`), which reads the sources it names
    // (npm skips it for `"gypfile": false`; see `ecosystem::node`).
    if !ignore_scripts && super::read_file_rel(cx, "binding.gyp").is_some() && !npm_no_gyp(c, cx) {
        read_cwd(fx, cx);
    }
    write_rel(fx, cx, "node_modules");
    if !frozen {
        for l in locks {
            write_rel(fx, cx, l);
        }
    }
}

/// The lock files npm reads and (unless frozen) rewrites: its own, and a
/// `yarn.lock` beside them, which npm 7+ (arborist's `Shrinkwrap.load`) reads
/// as resolution guidance and keeps up to date.
const NPM_LOCKS: &[&str] = &["package-lock.json", "npm-shrinkwrap.json", "yarn.lock"];

fn npm(c: &Cmd, cx: &Cx, fx: &mut Effects) {
    let global = c.has(&["-g", "--global", "--location=global"]);
    // nopt reads options anywhere: `npm --prefix web ci` runs `ci`.
    let words = c.positional_with(crate::shell::options::NPM_VALUED);
    let ops: Vec<&super::Arg> = words.iter().skip(1).copied().collect();
    match words.first().map(|a| a.str()) {
        None => fx.give_up("this `npm` command runs project scripts this model does not read"),
        Some(None) => fx.give_up("an `npm` command named by an expansion"),
        Some(Some(command)) => npm_command(c, cx, fx, command, global, ops),
    }
}

fn npm_command(
    c: &Cmd,
    cx: &Cx,
    fx: &mut Effects,
    command: &str,
    global: bool,
    ops: Vec<&super::Arg>,
) {
    match command {
        "install" | "i" | "add" | "ci" | "isntall" | "in" if global => {
            for a in ops {
                package_spec(a, cx, fx);
            }
            fx.write("/usr/local");
        }
        "ci" => install(c, cx, fx, NPM_LOCKS, &[], true),
        "install" | "i" | "add" | "isntall" | "in" if ops.is_empty() => {
            install(c, cx, fx, NPM_LOCKS, &[], false)
        }
        "install" | "i" | "add" | "isntall" | "in" => {
            install(c, cx, fx, NPM_LOCKS, &[], false);
            write_rel(fx, cx, "package.json");
            for a in ops {
                package_spec(a, cx, fx);
            }
        }
        "config" | "set" => {
            fx.write(&cx.home(".npmrc"));
            if c.has(&["--location=project"]) {
                write_rel(fx, cx, ".npmrc");
            }
        }
        "cache" => {}
        "version" if ops.is_empty() => {}
        _ => {
            // run, build, test, exec, start, rebuild…: project code.
            fx.give_up("this `npm` command runs project scripts this model does not read");
        }
    }
}

/// A package argument: a name reads nothing; a path or `file:` is read.
fn package_spec(a: &super::Arg, cx: &Cx, fx: &mut Effects) {
    match a.str() {
        None => fx.reads = super::PathSet::everything(),
        Some(v) => {
            let v = v.strip_prefix("file:").unwrap_or(v);
            let pathish = v.starts_with('.')
                || v.starts_with('/')
                || v.starts_with('~')
                || v.ends_with(".tgz")
                || v.ends_with(".tar.gz")
                || (v.contains('/') && !v.starts_with('@') && !v.contains(':'));
            if pathish {
                read_arg(
                    fx,
                    cx,
                    &super::Arg {
                        value: Some(v.to_string()),
                        glob: a.glob,
                    },
                );
            }
        }
    }
}

fn yarn(c: &Cmd, cx: &Cx, fx: &mut Effects) {
    // Yarn berry reads `.yarn/` (releases, plugins, patches) and `.pnp.*`;
    // Yarn 4 loads `.env.yarn` into its environment (`injectEnvironmentFiles`),
    // where `YARN_*` settings configure the install.
    for f in [
        ".env.yarn",
        ".yarn/releases",
        ".yarn/plugins",
        ".yarn/patches",
        ".yarn/sdks",
        ".pnp.cjs",
        ".pnp.loader.mjs",
    ] {
        config_rel(fx, cx, f);
    }
    fx.env(&["YARN_RC_FILENAME"]);
    let frozen = c.has(&["--frozen-lockfile", "--immutable", "--pure-lockfile"]);
    match sub(c) {
        None | Some("install") => {
            install(c, cx, fx, &["yarn.lock"], &["package-lock.json"], frozen);
            for f in [
                ".yarn/cache",
                ".yarn/install-state.gz",
                ".yarn/unplugged",
                ".pnp.cjs",
                ".pnp.loader.mjs",
                ".yarn/build-state.yml",
            ] {
                write_rel(fx, cx, f);
            }
        }
        Some("global") => {
            for a in operands(c).into_iter().skip(1) {
                package_spec(a, cx, fx);
            }
            fx.write("/usr/local");
        }
        Some("config") => {
            fx.write(&cx.home(".yarnrc"));
            fx.write(&cx.home(".yarnrc.yml"));
            write_rel(fx, cx, ".yarnrc.yml");
        }
        Some("cache" | "--version" | "-v") => {}
        _ => fx.give_up("this `yarn` command runs project scripts this model does not read"),
    }
}

fn pnpm(c: &Cmd, cx: &Cx, fx: &mut Effects) {
    for f in [".pnpmfile.cjs", "pnpm-workspace.yaml"] {
        config_rel(fx, cx, f);
    }
    let global = c.has(&["-g", "--global"]);
    match sub(c) {
        Some("add" | "install" | "i") if global => {
            for a in operands(c) {
                package_spec(a, cx, fx);
            }
            fx.write("/usr/local");
            fx.write(&cx.home(".local/share/pnpm"));
        }
        Some("install" | "i") if operands(c).is_empty() => {
            install(
                c,
                cx,
                fx,
                &["pnpm-lock.yaml"],
                &[],
                c.has(&["--frozen-lockfile"]),
            );
            if cx
                .files
                .read(&cx.abs("pnpm-workspace.yaml").unwrap_or_default())
                .is_some()
            {
                read_cwd(fx, cx);
            }
            // Without file contents a workspace file may exist: the tree.
            if cx.cwd.as_deref().and_then(|d| cx.files.list(d)).is_none() {
                read_cwd(fx, cx);
            }
        }
        Some("fetch") => {
            config_rel(fx, cx, "pnpm-lock.yaml");
        }
        Some("config" | "store" | "--version" | "-v" | "setup") => {
            fx.write(&cx.home(".config/pnpm"));
        }
        _ => fx.give_up("this `pnpm` command runs project scripts this model does not read"),
    }
}

fn corepack(c: &Cmd, cx: &Cx, fx: &mut Effects) {
    fx.network = true;
    match sub(c) {
        Some("enable" | "disable") => {
            fx.write("/usr/local/bin");
            fx.write("/usr/local/lib/node_modules");
        }
        Some("prepare" | "install" | "use" | "up") => {
            fx.write(&cx.home(".cache/node/corepack"));
            if operands(c).is_empty() {
                config_rel(fx, cx, "package.json");
            }
            if matches!(sub(c), Some("use" | "up")) {
                write_rel(fx, cx, "package.json");
            }
        }
        _ => {
            read_cwd(fx, cx);
            write_cwd(fx, cx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{fx, fx_files};

    /// Config files and folders named on the command line are read: npm
    /// drops a missing `--userconfig` silently, `--prefix` runs elsewhere.
    #[test]
    fn options_naming_files_and_folders_are_read() {
        let e = fx("npm install -g --userconfig /srv/npmrc pnpm", &[]);
        assert!(e.reads_under("/srv/npmrc"));
        let e = fx("npm install -g --globalconfig=/srv/g pnpm", &[]);
        assert!(e.reads_under("/srv/g"));
        for c in [
            "npm ci --prefix=/srv/web",
            "npm ci --prefix /srv/web",
            // nopt reads options anywhere: the command is `ci`, not `/srv/web`
            "npm --prefix /srv/web ci",
            "npm -C /srv/web install",
            "yarn install --cwd /srv/web",
            "pnpm i --dir=/srv/web",
        ] {
            let e = fx(c, &[]);
            assert!(
                e.reads_under("/srv/web/package.json") && e.writes_under("/srv/web"),
                "{c}"
            );
        }
    }

    /// Yarn 4 loads `.env.yarn` from the project into its environment, so
    /// the manifest split copies it with package.json.
    #[test]
    fn yarn_reads_its_env_file() {
        let e = fx("yarn install --immutable", &[]);
        assert!(e.config_files.contains("/app/.env.yarn"));
    }

    /// An unknown option is a flag to nopt: the word after it stays an
    /// operand (a package to install), and a global install of a path reads it.
    #[test]
    fn npm_options_before_the_command() {
        let e = fx("npm --loglevel warn ci", &[]);
        assert!(!e.unknown && e.reads_under("/app/package-lock.json"));
        let e = fx("npm -g install --foo ./tool", &[]);
        assert!(e.reads_under("/app/tool"));
    }

    #[test]
    fn installs() {
        let e = fx("npm install -g pnpm@8", &[]);
        assert!(!e.unknown && e.reads_under("/app/.npmrc") && !e.reads_under("/app/src"));
        assert!(e.reads_env("NPM_CONFIG_REGISTRY") && e.reads_env("npm_config_cache"));
        let e = fx_files(
            "npm ci",
            &[("/app/package.json", "{\"dependencies\":{\"a\":\"1\"}}")],
        );
        assert!(e.reads_under("/app/package-lock.json") && e.reads_under("/app/.npmrc"));
        assert!(!e.reads_under("/app/src") && e.writes_under("/app/node_modules"));
        assert!(!e.writes_under("/app/package-lock.json"));
        let e = fx_files(
            "npm ci",
            &[(
                "/app/package.json",
                "{\"scripts\":{\"postinstall\":\"node x\"}}",
            )],
        );
        assert!(
            e.reads_under("/app/src"),
            "lifecycle scripts read the project"
        );
        assert!(
            fx("npm ci", &[]).reads_under("/app/src"),
            "unknown package.json"
        );
        let gyp = [
            ("/app/package.json", "{}"),
            ("/app/binding.gyp", "{\"targets\":[]}"),
        ];
        assert!(
            fx_files("npm ci", &gyp).reads_under("/app/src"),
            "node-gyp rebuild reads the addon's sources"
        );
        assert!(!fx_files("npm ci --ignore-scripts", &gyp).reads_under("/app/src"));
        let no_gyp = [
            ("/app/package.json", "{\"gypfile\":false}"),
            ("/app/binding.gyp", "{}"),
        ];
        assert!(!fx_files("npm ci", &no_gyp).reads_under("/app/src"));
        assert!(fx_files("pnpm install --frozen-lockfile", &no_gyp).reads_under("/app/src"));
        assert!(fx("npm run build", &[]).unknown);
        let e = fx("corepack enable", &[]);
        assert!(!e.reads_under("/app/src") && e.reads_env("VITE_API"));
    }
}
