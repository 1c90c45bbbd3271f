//! DO101's reach, without an engine: what the fix does on the equivalence
//! tier's DO101 apps (split, or refused with the reason the trap is about),
//! and the refusal reasons counted over corpus/ and ../shared/field/:
//!
//! ```sh
//! cargo test --test do101_reach -- --nocapture refusal_reasons
//! ```
//! (`DOCKOPT_SHARED=/path/to/shared` when `../shared` is elsewhere.)

use dockopt::rewrite::{self, Settings};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn fix_at(df: &Path, ctx: &Path, unsafe_fixes: bool) -> Option<rewrite::Outcome> {
    let text = std::fs::read_to_string(df).ok()?;
    let settings = Settings {
        unsafe_fixes,
        select: Some(vec!["DO101".into()]),
        ..Settings::default()
    };
    rewrite::fix_file(&text, df, Some(ctx), &settings).ok()
}

fn app(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/engine_equiv/apps")
        .join(name)
}

#[test]
fn engine_apps_split_or_say_why() {
    for (name, expect) in [
        (
            "venv-between",
            "ENV PATH=/opt/venv/bin:$PATH\nCOPY requirements.txt ./",
        ),
        (
            "pip-nested-folder",
            "COPY requirements/prod.txt requirements/base.txt ./requirements/",
        ),
        (
            "pip-two-phase",
            "RUN pip install --no-cache-dir -r requirements.txt\nCOPY . .",
        ),
        (
            "poetry-two-phase",
            "--only main --no-interaction --no-root\nCOPY . .",
        ),
        ("poetry-root", "RUN poetry install --no-root\nCOPY . ."),
        (
            "uv-two-phase",
            "RUN uv sync --no-dev --frozen --no-install-project\nCOPY . .",
        ),
        (
            "pipenv-between",
            "RUN pip install pipenv\nCOPY Pipfile Pipfile.lock ./",
        ),
        (
            "workdir-between",
            "WORKDIR /srv/app\nCOPY requirements.txt /srv/app/",
        ),
        (
            "add-dir",
            "COPY requirements.txt ./\nRUN pip install -r requirements.txt\nADD . .",
        ),
        (
            "dotnet-restore-proj",
            "COPY Api/Api.csproj ./Api/\nRUN dotnet restore Api/Api.csproj",
        ),
    ] {
        let dir = app(name);
        let out = fix_at(&dir.join("Dockerfile"), &dir, false).expect(name);
        assert!(out.output.contains(expect), "{name}:\n{}", out.output);
        assert!(
            out.applied.iter().any(|a| a.code == "DO101"),
            "{name}: {:?}",
            out.skipped
        );
    }
    for (name, why) in [
        ("trap-add-archive", "vendor/blob.dat, an archive"),
        (
            "trap-run-between-reads",
            "the RUN on line 4 cannot move above the COPY",
        ),
        (
            "trap-workdir-relative",
            "WORKDIR on line 4 would move above a COPY whose destination (.) is relative",
        ),
    ] {
        let dir = app(name);
        let out = fix_at(&dir.join("Dockerfile"), &dir, true).expect(name);
        assert_refused(&out, name, why);
    }
}

/// Writes a context (`files` as path, text) into a fresh temporary folder.
fn context(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    for (p, text) in files {
        let path = dir.path().join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, text).expect("write");
    }
    dir
}

/// A named context (path, text) and what its fix must say or write.
type Case = (
    &'static str,
    Vec<(&'static str, &'static str)>,
    &'static str,
);

const NODE_DF: &str =
    "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"index.js\"]\n";
const RUBY_DF: &str = "FROM ruby:3.3\nWORKDIR /app\nCOPY . .\nRUN bundle install --frozen\nCMD [\"ruby\",\"app.rb\"]\n";
const PHP_DF: &str = "FROM composer:2\nWORKDIR /app\nCOPY . .\nRUN composer install --no-dev --no-scripts\nCMD [\"php\", \"index.php\"]\n";

/// Installs that read more than their manifests through each tool's own
/// rules (a native addon's binding.gyp, a Gemfile's Ruby, Bundler's
/// vendor/cache, composer's artifact repository): the safe and the unsafe
/// fix both refuse, naming the file; the same context without the trap
/// still splits.
#[test]
fn tool_rule_traps_refuse_and_their_twins_split() {
    let pkg = r#"{"name":"x","version":"1.0.0","dependencies":{"nan":"2.20.0"}}"#;
    let lock = r#"{"name":"x","lockfileVersion":3,"requires":true,"packages":{}}"#;
    let gyp = r#"{"targets":[{"target_name":"addon","sources":["src/addon.cc"]}]}"#;
    let gems = "source \"https://rubygems.org\"\ngem \"rack\"\n";
    let traps: Vec<Case> = vec![
        (
            "binding.gyp",
            vec![
                ("Dockerfile", NODE_DF),
                ("package.json", pkg),
                ("package-lock.json", lock),
                ("binding.gyp", gyp),
                ("src/addon.cc", "// c\n"),
                ("index.js", ""),
            ],
            "binding.gyp",
        ),
        (
            "ruby file:",
            vec![
                ("Dockerfile", RUBY_DF),
                (
                    "Gemfile",
                    "source \"https://rubygems.org\"\nruby file: \".ruby-version\"\ngem \"rack\"\n",
                ),
                ("Gemfile.lock", "GEM\n"),
                (".ruby-version", "3.3.0\n"),
                ("app.rb", ""),
            ],
            "`file:`",
        ),
        (
            "File.read",
            vec![
                ("Dockerfile", RUBY_DF),
                (
                    "Gemfile",
                    "source \"https://rubygems.org\"\nruby File.read(File.join(__dir__, \".ruby-version\")).strip\ngem \"rack\"\n",
                ),
                ("Gemfile.lock", "GEM\n"),
                (".ruby-version", "3.3.0\n"),
                ("app.rb", ""),
            ],
            "`File`",
        ),
        (
            "vendor/cache",
            vec![
                ("Dockerfile", RUBY_DF),
                ("Gemfile", gems),
                ("Gemfile.lock", "GEM\n"),
                ("vendor/cache/rack-3.0.0.gem", ""),
                ("app.rb", ""),
            ],
            "vendor/cache",
        ),
        (
            "artifact",
            vec![
                ("Dockerfile", PHP_DF),
                (
                    "composer.json",
                    r#"{"repositories": [{"type": "artifact", "url": "artifacts/"}], "require": {"acme/lib": "1.0.0"}}"#,
                ),
                ("composer.lock", "{}"),
                ("artifacts/lib-1.0.0.zip", ""),
                ("index.php", ""),
            ],
            "artifacts/",
        ),
    ];
    for (name, files, why) in &traps {
        let dir = context(files);
        for unsafe_fixes in [false, true] {
            let out = fix_at(&dir.path().join("Dockerfile"), dir.path(), unsafe_fixes).expect(name);
            assert_refused(&out, name, why);
        }
    }
    // The twins: the trap taken out (or ignored), the split is safe.
    let twins: Vec<Case> = vec![
        (
            "npm without binding.gyp",
            vec![
                ("Dockerfile", NODE_DF),
                ("package.json", pkg),
                ("package-lock.json", lock),
                ("index.js", ""),
            ],
            "COPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .",
        ),
        (
            "plain Gemfile",
            vec![
                ("Dockerfile", RUBY_DF),
                ("Gemfile", gems),
                ("Gemfile.lock", "GEM\n"),
                ("app.rb", ""),
            ],
            "COPY Gemfile Gemfile.lock ./\nRUN bundle install --frozen\nCOPY . .",
        ),
        (
            "vendor/cache ignored",
            vec![
                ("Dockerfile", RUBY_DF),
                ("Gemfile", gems),
                ("Gemfile.lock", "GEM\n"),
                ("vendor/cache/rack-3.0.0.gem", ""),
                (".dockerignore", "vendor/cache\n"),
                ("app.rb", ""),
            ],
            "COPY Gemfile Gemfile.lock ./\nRUN bundle install --frozen\nCOPY . .",
        ),
        (
            "composer from packagist",
            vec![
                ("Dockerfile", PHP_DF),
                ("composer.json", r#"{"require": {"acme/lib": "1.0.0"}}"#),
                ("composer.lock", "{}"),
                ("index.php", ""),
            ],
            "COPY composer.json composer.lock ./\nRUN composer install --no-dev --no-scripts\nCOPY . .",
        ),
    ];
    for (name, files, expect) in &twins {
        let dir = context(files);
        let out = fix_at(&dir.path().join("Dockerfile"), dir.path(), false).expect(name);
        assert!(
            out.applied.iter().any(|a| a.code == "DO101") && out.output.contains(expect),
            "{name}: {:?}\n{}",
            out.skipped,
            out.output
        );
    }
}

/// A refusal reason without its particulars (paths, commands, line numbers).
fn reason_class(reason: &str) -> String {
    let r = reason.strip_prefix("not split: ").unwrap_or(reason);
    let mut out = Vec::new();
    let mut in_tick = false;
    for w in r.split(' ') {
        let starts = w.starts_with('`');
        let ends = w.trim_end_matches([',', ')', ':', ';']).ends_with('`');
        if in_tick {
            in_tick = !ends;
            continue;
        }
        if starts {
            out.push("`…`".to_string());
            in_tick = !(ends && w.len() > 1);
            continue;
        }
        let core = w.trim_end_matches([',', ')', ':', ';', '.']);
        let tail = &w[core.len()..];
        if core.contains('/')
            || (core.contains('.') && core.len() > 1)
            || core.chars().all(|c| c.is_ascii_digit()) && !core.is_empty()
        {
            out.push(format!("<x>{tail}"));
        } else {
            out.push(w.to_string());
        }
    }
    out.join(" ")
}

/// Dockerfiles with their contexts: corpus/<name>/Dockerfile, and each
/// ../shared/field/<id>/ with the Dockerfile its manifest.tsv names.
fn sets() -> Vec<(&'static str, Vec<(PathBuf, PathBuf)>)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut corpus = Vec::new();
    if let Ok(rd) = std::fs::read_dir(root.join("corpus")) {
        for e in rd.flatten() {
            let df = e.path().join("Dockerfile");
            if df.is_file() {
                corpus.push((df, e.path()));
            }
        }
    }
    corpus.sort();
    let mut field = Vec::new();
    // `../shared` next to the checkout; DOCKOPT_SHARED names it elsewhere (a worktree).
    let shared = std::env::var_os("DOCKOPT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared"));
    let fdir = shared.join("field");
    if let Ok(tsv) = std::fs::read_to_string(fdir.join("manifest.tsv")) {
        for line in tsv.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            if let (Some(id), Some(df)) = (cols.first(), cols.get(3)) {
                let ctx = fdir.join(id);
                if ctx.join(df).is_file() {
                    field.push((ctx.join(df), ctx));
                }
            }
        }
    }
    vec![("corpus/", corpus), ("../shared/field/", field)]
}

#[test]
fn refusal_reasons() {
    for (set, files) in sets() {
        if files.is_empty() {
            println!("{set}: not present, skipped");
            continue;
        }
        let (mut safe, mut unsafe_only) = (0, 0);
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for (df, ctx) in &files {
            let (Some(s), Some(u)) = (fix_at(df, ctx, false), fix_at(df, ctx, true)) else {
                continue;
            };
            let fixed = |o: &rewrite::Outcome| o.applied.iter().any(|a| a.code == "DO101");
            if fixed(&s) {
                safe += 1;
            } else if fixed(&u) {
                unsafe_only += 1;
            }
            for sk in u.skipped.iter().filter(|s| s.code == "DO101") {
                *reasons.entry(reason_class(&sk.reason)).or_default() += 1;
            }
        }
        println!(
            "{set}: {} Dockerfiles; DO101 split safely in {safe}, only with --unsafe-fixes in {unsafe_only}; refusals:",
            files.len()
        );
        let mut rows: Vec<(&String, &usize)> = reasons.iter().collect();
        rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        for (r, n) in rows {
            println!("  {n:>3}  {r}");
        }
    }
}

#[test]
fn reason_classes_drop_particulars() {
    assert_eq!(
        reason_class("not split: the context has src/node_modules, which the install also writes"),
        "the context has <x>, which the install also writes"
    );
    assert_eq!(
        reason_class("not split: `poetry install --only-root` installs only the project"),
        "`…` installs only the project"
    );
}

/// Nothing applied, and DO101's reason names `why`.
fn assert_refused(out: &dockopt::rewrite::Outcome, name: &str, why: &str) {
    assert!(out.applied.is_empty(), "{name}: {:?}", out.applied);
    assert!(
        out.skipped
            .iter()
            .any(|s| s.code == "DO101" && s.reason.contains(why)),
        "{name}: {:?}",
        out.skipped
    );
}
