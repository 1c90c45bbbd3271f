//! Dependency-install commands by ecosystem: which manifests each reads,
//! what it writes next to them, and when it reads more than its manifests
//! (then the manifest-first split is not equivalent).

use super::run_view::{is_relative_pathish, program};

/// Context access for manifests, by path as written in the command (relative to the cwd).
pub trait Files {
    fn read(&self, p: &str) -> Option<String>;
    /// Some(true) for a directory, Some(false) for a file, None if absent (or ignored).
    fn kind(&self, p: &str) -> Option<bool>;
    /// Names of the entries directly under directory `p` ("" is the cwd).
    fn list(&self, p: &str) -> Vec<String>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    pub eco: &'static str,
    /// Manifests the install needs (paths as the command sees them).
    pub required: Vec<String>,
    /// Copied too when present (lock files, config files read by the tool).
    pub optional: Vec<String>,
    /// Paths the install writes next to the manifests: if the context also has
    /// them, the later full COPY would overwrite the install's output.
    pub outputs: Vec<&'static str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    Install(Install),
    /// A dependency install that reads (or may rewrite) more than its manifests.
    Unsafe(String),
    /// A manifest-only install that may rewrite its lock file: splitting it is
    /// possible, but the later full COPY would put the original lock back, so
    /// the image can differ in that one file (an Unsafe fix, with the reason).
    LockMayChange(Install, String),
    /// Reads nothing relative to the cwd and writes only system locations.
    Neutral,
    Other,
}

fn no_relative_args(args: &[&str]) -> bool {
    args.iter()
        .all(|a| !is_relative_pathish(a) && !a.contains('$') && !a.contains('='))
        || args
            .iter()
            .all(|a| !is_relative_pathish(a) && !a.contains('$'))
}

/// Classifies one simple command.
///
/// A command that is not a dependency install is `Neutral` here: whether it
/// may run before the full COPY is the effects model's question (see
/// `manifest_first::effects_allow`), not a hand list's.
pub fn classify(argv: &[&str], files: &dyn Files) -> Class {
    classify_inner(argv, files).unwrap_or(Class::Neutral)
}

fn has(args: &[&str], flags: &[&str]) -> bool {
    args.iter().any(|a| {
        flags
            .iter()
            .any(|f| a == f || a.starts_with(&format!("{f}=")))
    })
}

fn opt(files: &dyn Files, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .filter(|n| files.kind(n).is_some())
        .map(|n| n.to_string())
        .collect()
}

fn classify_inner(argv: &[&str], files: &dyn Files) -> Option<Class> {
    let (prog, i) = program(argv);
    let rest = &argv[(i + 1).min(argv.len())..];
    let p = prog.as_str();
    if p.starts_with("pip") && p[3..].chars().all(|c| c.is_ascii_digit() || c == '.') {
        return pip(rest, files);
    }
    if p.starts_with("python") && rest.len() >= 2 && rest[0] == "-m" && rest[1].starts_with("pip") {
        return pip(&rest[2..], files);
    }
    match p {
        "uv" => uv(rest, files),
        "poetry" => poetry(rest, files),
        "pipenv" => pipenv(rest, files),
        "npm" => npm(rest, files),
        "yarn" => yarn(rest, files),
        "pnpm" => pnpm(rest, files),
        "go" => go(rest, files),
        "mvn" | "mvnw" => maven(p, rest, files),
        "gradle" | "gradlew" => gradle(p, rest, files),
        "bundle" | "bundler" => bundler(rest, files),
        "composer" => composer(rest, files),
        "dotnet" => dotnet(rest, files),
        "cargo" => match rest.first() {
            Some(&"build" | &"fetch" | &"install") => Some(Class::Unsafe(
                "cargo needs the crate's sources (a dummy main.rs would change the image): not fixed"
                    .into(),
            )),
            _ => None,
        },
        _ => None,
    }
}

/// Follows `-r`/`-c` includes of a requirements file; Err on local or editable requirements.
fn requirements(
    path: &str,
    files: &dyn Files,
    seen: &mut Vec<String>,
    depth: usize,
) -> Result<(), String> {
    if seen.iter().any(|s| s == path) {
        return Ok(());
    }
    if depth > 8 {
        return Err("requirements includes nest too deeply".into());
    }
    let Some(text) = files.read(path) else {
        return Err(format!("{path} is not in the build context"));
    };
    seen.push(path.to_string());
    let dir = match path.rfind('/') {
        Some(i) => &path[..=i],
        None => "",
    };
    for line in text.lines() {
        let line = match line.find(" #") {
            Some(i) => &line[..i],
            None => line,
        }
        .trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let (flag, val) = match words.first().copied() {
            Some(w) if w.starts_with('-') => match w.split_once('=') {
                Some((f, v)) => (f, Some(v)),
                None => (w, words.get(1).copied()),
            },
            _ => ("", None),
        };
        match flag {
            "-r" | "--requirement" | "-c" | "--constraint" => {
                let v = val.ok_or_else(|| format!("{path}: `{line}` has no file"))?;
                if v.contains("://") {
                    return Err(format!("{path} includes a remote file"));
                }
                let inc = if v.starts_with('/') {
                    return Err(format!("{path} includes an absolute path {v}"));
                } else {
                    format!("{dir}{v}")
                };
                requirements(&inc, files, seen, depth + 1)?;
            }
            "-e" | "--editable" => {
                return Err(format!(
                    "{path} has an editable requirement (`{line}`), which reads the source tree"
                ))
            }
            "-f" | "--find-links" if !val.is_some_and(|v| v.contains("://")) => {
                return Err(format!("{path} finds links in a local directory"));
            }
            "" if line.starts_with('.')
                || line.starts_with('/')
                || line.starts_with("file:")
                || line.contains("@ file:")
                || line.ends_with(".whl")
                || line.ends_with(".tar.gz") =>
            {
                return Err(format!(
                    "{path} installs a local path (`{line}`), which is not copied first"
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

fn pip(args: &[&str], files: &dyn Files) -> Option<Class> {
    if args.first() != Some(&"install") {
        return None;
    }
    let mut reqs = Vec::new();
    let mut it = args[1..].iter().peekable();
    while let Some(&a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if a.starts_with("--") => (f, Some(v)),
            _ => (a, None),
        };
        let mut value = || {
            inline
                .map(str::to_string)
                .or_else(|| it.next().map(|s| s.to_string()))
        };
        match flag {
            "-r" | "--requirement" | "-c" | "--constraint" => match value() {
                Some(v) => reqs.push(v),
                None => return Some(Class::Other),
            },
            "-e" | "--editable" => {
                return Some(Class::Unsafe(
                    "an editable install reads the source tree".into(),
                ))
            }
            "-t" | "--target" | "--prefix" | "--root" | "--src" | "-f" | "--find-links" => {
                return Some(Class::Other)
            }
            "-i" | "--index-url" | "--extra-index-url" | "--trusted-host" | "--progress-bar"
            | "--root-user-action" | "--platform" | "--python-version" | "--implementation"
            | "--abi" | "--only-binary" | "--no-binary" | "--retries" | "--timeout"
            | "--cache-dir" => {
                value();
            }
            f if f.starts_with('-') => {}
            pkg => {
                if is_relative_pathish(pkg) || pkg.starts_with('/') || pkg.contains("file:") {
                    return Some(Class::Unsafe(format!(
                        "`pip install {pkg}` installs from the source tree, which is not copied first"
                    )));
                }
                if pkg.contains('$') {
                    return Some(Class::Other);
                }
            }
        }
    }
    if reqs.is_empty() {
        return Some(Class::Neutral);
    }
    let mut seen = Vec::new();
    for r in &reqs {
        if let Err(e) = requirements(r, files, &mut seen, 0) {
            return Some(Class::Unsafe(e));
        }
    }
    Some(Class::Install(Install {
        eco: "pip",
        required: seen,
        optional: Vec::new(),
        outputs: vec![],
    }))
}

fn uv(args: &[&str], files: &dyn Files) -> Option<Class> {
    match args.first() {
        Some(&"pip") => pip(&args[1..], files).map(|c| match c {
            Class::Install(mut i) => {
                i.eco = "uv";
                Class::Install(i)
            }
            c => c,
        }),
        Some(&"sync") => {
            if !has(args, &["--no-install-project"]) {
                return Some(Class::Unsafe(
                    "`uv sync` without --no-install-project installs the project itself, which needs its sources".into(),
                ));
            }
            if !has(args, &["--frozen", "--locked"]) {
                return Some(Class::Unsafe(
                    "`uv sync` without --frozen/--locked may rewrite uv.lock".into(),
                ));
            }
            let py = files.read("pyproject.toml")?;
            if py.contains("[tool.uv.workspace]") || py.contains("[tool.uv.sources]") {
                return Some(Class::Unsafe(
                    "pyproject.toml declares a uv workspace or local sources".into(),
                ));
            }
            Some(Class::Install(Install {
                eco: "uv",
                required: vec!["pyproject.toml".into(), "uv.lock".into()],
                optional: opt(files, &[".python-version", "uv.toml"]),
                outputs: vec![".venv"],
            }))
        }
        _ => None,
    }
}

fn poetry(args: &[&str], files: &dyn Files) -> Option<Class> {
    if args.first() != Some(&"install") {
        return None;
    }
    if !has(args, &["--no-root"]) {
        return Some(Class::Unsafe(
            "`poetry install` without --no-root installs the project itself, which needs its sources".into(),
        ));
    }
    let py = files.read("pyproject.toml")?;
    if py.contains("path =") || py.contains("path=") {
        return Some(Class::Unsafe(
            "pyproject.toml has path dependencies, which are not copied first".into(),
        ));
    }
    Some(Class::Install(Install {
        eco: "poetry",
        required: vec!["pyproject.toml".into()],
        optional: opt(files, &["poetry.lock", "poetry.toml"]),
        outputs: vec![".venv"],
    }))
}

fn pipenv(args: &[&str], files: &dyn Files) -> Option<Class> {
    let ok = match args.first() {
        Some(&"sync") => true,
        Some(&"install") => {
            if args[1..].iter().any(|a| !a.starts_with('-')) {
                return Some(Class::Other);
            }
            has(args, &["--deploy", "--ignore-pipfile"])
        }
        _ => return None,
    };
    if !ok {
        return Some(Class::Unsafe(
            "`pipenv install` without --deploy may rewrite Pipfile.lock".into(),
        ));
    }
    files.kind("Pipfile")?;
    Some(Class::Install(Install {
        eco: "pipenv",
        required: vec!["Pipfile".into()],
        optional: opt(files, &["Pipfile.lock"]),
        outputs: vec![".venv"],
    }))
}

const NODE_OUTPUTS: &[&str] = &[
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

fn node_install(
    eco: &'static str,
    files: &dyn Files,
    ignore_scripts: bool,
    lock: &[&str],
    frozen: bool,
    extra: &[&str],
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
    let mut optional = locks;
    optional.extend(opt(files, extra));
    let class = |i: Install| match &rewrite {
        Some(r) => Class::LockMayChange(i, r.clone()),
        None => Class::Install(i),
    };
    class(Install {
        eco,
        required: vec!["package.json".into()],
        optional,
        outputs: NODE_OUTPUTS.to_vec(),
    })
}

fn npm(args: &[&str], files: &dyn Files) -> Option<Class> {
    let sub = *args.first()?;
    let rest = &args[1..];
    let positional = rest.iter().any(|a| !a.starts_with('-'));
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
            if positional && rest.iter().any(|a| !a.starts_with('-')) {
                return Some(Class::Other);
            }
            let ignore = has(rest, &["--ignore-scripts"]);
            Some(node_install(
                "npm",
                files,
                ignore,
                &["package-lock.json", "npm-shrinkwrap.json"],
                sub == "ci",
                &[".npmrc"],
            ))
        }
        _ => None,
    }
}

fn yarn(args: &[&str], files: &dyn Files) -> Option<Class> {
    let rest = match args.first() {
        None => args,
        Some(&"install") => &args[1..],
        Some(a) if a.starts_with('-') => args,
        Some(&"global") => {
            return Some(if no_relative_args(&args[1..]) {
                Class::Neutral
            } else {
                Class::Other
            })
        }
        _ => return None,
    };
    if rest.iter().any(|a| !a.starts_with('-')) {
        return Some(Class::Other);
    }
    let frozen = has(
        rest,
        &["--frozen-lockfile", "--immutable", "--pure-lockfile"],
    );
    let mut c = node_install(
        "yarn",
        files,
        has(rest, &["--ignore-scripts"]),
        &["yarn.lock"],
        frozen,
        &[".yarnrc", ".yarnrc.yml", ".npmrc"],
    );
    if let Class::Install(i) = &mut c {
        for d in [".yarn/releases", ".yarn/plugins", ".yarn/patches"] {
            if files.kind(d) == Some(true) {
                i.optional.push(d.into());
            }
        }
    }
    Some(c)
}

fn pnpm(args: &[&str], files: &dyn Files) -> Option<Class> {
    let sub = *args.first()?;
    let rest = &args[1..];
    match sub {
        "add" if has(rest, &["-g", "--global"]) => Some(Class::Neutral),
        "install" | "i" => {
            if rest.iter().any(|a| !a.starts_with('-')) {
                return Some(Class::Other);
            }
            if files.kind("pnpm-workspace.yaml").is_some() {
                return Some(Class::Unsafe(
                    "a pnpm workspace installs packages whose manifests live elsewhere".into(),
                ));
            }
            Some(node_install(
                "pnpm",
                files,
                has(rest, &["--ignore-scripts"]),
                &["pnpm-lock.yaml"],
                has(rest, &["--frozen-lockfile"]),
                &[".npmrc", ".pnpmfile.cjs"],
            ))
        }
        _ => None,
    }
}

fn go(args: &[&str], files: &dyn Files) -> Option<Class> {
    if args.first() != Some(&"mod") || args.get(1) != Some(&"download") {
        return None;
    }
    if args[2..].iter().any(|a| !a.starts_with('-')) {
        return Some(Class::Other);
    }
    let gomod = files.read("go.mod")?;
    for line in gomod.lines() {
        let l = line.trim();
        if (l.starts_with("replace") || l.contains("=>"))
            && (l.contains("=> ./") || l.contains("=> ../") || l.contains("=> /"))
        {
            return Some(Class::Unsafe(
                "go.mod replaces a module with a local directory, which is not copied first".into(),
            ));
        }
    }
    if files.kind("go.work").is_some() || files.kind("vendor").is_some() {
        return Some(Class::Unsafe(
            "a go.work file or vendor directory changes what `go mod download` reads".into(),
        ));
    }
    Some(Class::Install(Install {
        eco: "go",
        required: vec!["go.mod".into()],
        optional: opt(files, &["go.sum"]),
        outputs: vec![],
    }))
}

fn maven(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if !args
        .iter()
        .any(|a| a.ends_with("dependency:go-offline") || a.ends_with("dependency:resolve"))
    {
        return None;
    }
    if args
        .iter()
        .any(|a| !a.starts_with('-') && !a.contains("dependency:"))
        || has(args, &["-f", "--file"])
    {
        return Some(Class::Other);
    }
    let pom = files.read("pom.xml")?;
    if pom.contains("<modules>") || pom.contains("<relativePath>") {
        return Some(Class::Unsafe(
            "a multi-module pom.xml needs the modules' poms too".into(),
        ));
    }
    let mut required = vec!["pom.xml".to_string()];
    if prog == "mvnw" {
        required.push("mvnw".into());
    }
    let mut optional = opt(files, &[".mvn"]);
    optional.retain(|o| o != "mvnw");
    Some(Class::Install(Install {
        eco: "maven",
        required,
        optional,
        outputs: vec!["target"],
    }))
}

fn gradle(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    let tasks: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    if tasks.is_empty() || !tasks.iter().all(|t| *t == "dependencies") {
        return None;
    }
    if files.kind("buildSrc").is_some() {
        return Some(Class::Unsafe(
            "buildSrc is compiled by every Gradle invocation".into(),
        ));
    }
    for s in ["settings.gradle", "settings.gradle.kts"] {
        if let Some(t) = files.read(s) {
            if t.contains("include") {
                return Some(Class::Unsafe(
                    "a multi-project build needs the subprojects' build files".into(),
                ));
            }
        }
    }
    let build = opt(files, &["build.gradle", "build.gradle.kts"]);
    if build.is_empty() {
        return None;
    }
    let mut required = build;
    if prog == "gradlew" {
        required.push("gradlew".into());
    }
    let mut optional = opt(
        files,
        &[
            "settings.gradle",
            "settings.gradle.kts",
            "gradle.properties",
        ],
    );
    if files.kind("gradle") == Some(true) {
        optional.push("gradle".into());
    }
    Some(Class::Install(Install {
        eco: "gradle",
        required,
        optional,
        outputs: vec![".gradle", "build"],
    }))
}

fn bundler(args: &[&str], files: &dyn Files) -> Option<Class> {
    if args.first() != Some(&"install") {
        return None;
    }
    let gemfile = files.read("Gemfile")?;
    if gemfile.contains("gemspec") || gemfile.contains("path:") || gemfile.contains(":path") {
        return Some(Class::Unsafe(
            "the Gemfile reads a gemspec or local path gems".into(),
        ));
    }
    let lock = opt(files, &["Gemfile.lock"]);
    let rewrite = (!lock.is_empty() && !has(args, &["--frozen", "--deployment"])).then(|| {
        "`bundle install` may rewrite Gemfile.lock, which the later full COPY puts back (--frozen or --deployment makes the split safe)".to_string()
    });
    if files.kind(".bundle").is_some() {
        return Some(Class::Unsafe(
            "the context has a .bundle directory the install also writes".into(),
        ));
    }
    let install = Install {
        eco: "bundler",
        required: vec!["Gemfile".into()],
        optional: lock,
        outputs: vec![".bundle", "vendor/bundle"],
    };
    Some(match rewrite {
        Some(r) => Class::LockMayChange(install, r),
        None => Class::Install(install),
    })
}

fn composer(args: &[&str], files: &dyn Files) -> Option<Class> {
    if args.first() != Some(&"install") {
        return None;
    }
    if !has(args, &["--no-scripts"]) {
        return Some(Class::Unsafe(
            "`composer install` without --no-scripts runs scripts that may read the sources".into(),
        ));
    }
    let json = files.read("composer.json")?;
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
        optional: opt(files, &["composer.lock", "auth.json"]),
        outputs: vec!["vendor"],
    }))
}

fn dotnet(args: &[&str], files: &dyn Files) -> Option<Class> {
    if args.first() != Some(&"restore") {
        return None;
    }
    let positional: Vec<&str> = args[1..]
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !positional.is_empty() || has(&args[1..], &["-r", "--runtime", "-s", "--source"]) {
        return Some(Class::Other);
    }
    let top = files.list("");
    let projects: Vec<String> = top
        .iter()
        .filter(|n| n.ends_with(".csproj") || n.ends_with(".fsproj") || n.ends_with(".vbproj"))
        .cloned()
        .collect();
    if projects.len() != 1 || top.iter().any(|n| n.ends_with(".sln")) {
        return Some(Class::Unsafe(
            "not exactly one project file at the top (solutions and multi-project builds are not split)"
                .into(),
        ));
    }
    let proj = files.read(&projects[0]).unwrap_or_default();
    if proj.contains("ProjectReference") {
        return Some(Class::Unsafe(
            "the project references other projects, which are not copied first".into(),
        ));
    }
    Some(Class::Install(Install {
        eco: "dotnet",
        required: projects,
        optional: opt(
            files,
            &[
                "NuGet.config",
                "nuget.config",
                "NuGet.Config",
                "Directory.Build.props",
                "Directory.Build.targets",
                "Directory.Packages.props",
                "global.json",
            ],
        ),
        outputs: vec!["obj", "bin"],
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    struct Mem(BTreeMap<&'static str, &'static str>);
    impl Files for Mem {
        fn read(&self, p: &str) -> Option<String> {
            self.0.get(p).map(|s| s.to_string())
        }
        fn kind(&self, p: &str) -> Option<bool> {
            if self.0.contains_key(p) {
                return Some(false);
            }
            let pre = format!("{p}/");
            self.0.keys().any(|k| k.starts_with(&pre)).then_some(true)
        }
        fn list(&self, _: &str) -> Vec<String> {
            self.0.keys().map(|k| k.to_string()).collect()
        }
    }

    fn mem(files: &[(&'static str, &'static str)]) -> Mem {
        Mem(files.iter().copied().collect())
    }

    #[test]
    fn pip_follows_includes() {
        let f = mem(&[
            ("requirements.txt", "-r base.txt\nflask==2\n"),
            ("base.txt", "-c constraints.txt\nrequests\n"),
            ("constraints.txt", "urllib3<2\n"),
        ]);
        match classify(&["pip", "install", "-r", "requirements.txt"], &f) {
            Class::Install(i) => assert_eq!(
                i.required,
                vec!["requirements.txt", "base.txt", "constraints.txt"]
            ),
            c => panic!("{c:?}"),
        }
    }

    #[test]
    fn pip_editable_is_unsafe() {
        let f = mem(&[("requirements.txt", "-e .\n")]);
        assert!(matches!(
            classify(&["pip", "install", "-r", "requirements.txt"], &f),
            Class::Unsafe(_)
        ));
        assert!(matches!(
            classify(&["pip", "install", "."], &f),
            Class::Unsafe(_)
        ));
        assert_eq!(
            classify(&["pip", "install", "--upgrade", "pip"], &f),
            Class::Neutral
        );
    }

    #[test]
    fn npm_scripts_and_lock() {
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
        let f = mem(&[("Gemfile", "source 'x'\n"), ("Gemfile.lock", "")]);
        assert!(matches!(
            classify(&["bundle", "install"], &f),
            Class::LockMayChange(..)
        ));
        assert!(matches!(
            classify(&["bundle", "install", "--frozen"], &f),
            Class::Install(_)
        ));
        let f = mem(&[("package.json", "{}")]);
        assert!(matches!(
            classify(&["npm", "install"], &f),
            Class::Install(_)
        ));
    }

    #[test]
    fn poetry_needs_no_root() {
        let f = mem(&[("pyproject.toml", "[tool.poetry]\n"), ("poetry.lock", "")]);
        assert!(matches!(
            classify(&["poetry", "install"], &f),
            Class::Unsafe(_)
        ));
        assert!(matches!(
            classify(&["poetry", "install", "--no-root"], &f),
            Class::Install(_)
        ));
    }
}
