//! DO101 manifest-first: splits, refusals with their reasons, the cargo split.

use crate::rewrite::fixes::testutil::run_ctx;
use crate::rewrite::Applicability;

#[test]
fn pip_split_with_includes() {
    let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n";
    let out = run_ctx(
        df,
        &[
            ("requirements.txt", "-r base.txt\nflask\n"),
            ("base.txt", "requests\n"),
            ("app.py", "print(1)\n"),
        ],
        false,
        &["DO101"],
    );
    assert_eq!(
        out.output,
        "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt base.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\nCMD [\"python\", \"app.py\"]\n"
    );
}

#[test]
fn traps() {
    let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n";
    // A nested include in a subfolder is copied too (resolved against the including file).
    let out = run_ctx(
        df,
        &[
            ("requirements.txt", "-r reqs/base.txt\n"),
            ("reqs/base.txt", "-c c.txt\nflask\n"),
            ("reqs/c.txt", "a<2\n"),
            ("app.py", ""),
        ],
        false,
        &["DO101"],
    );
    assert!(
        out.output.contains("COPY reqs/base.txt reqs/c.txt ./reqs/"),
        "{}",
        out.output
    );
    // The pip.conf an ENV points at is copied with the manifest.
    let df2 = "FROM python:3.12\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY . .\nRUN pip install -r requirements.txt\n";
    let out = run_ctx(
        df2,
        &[
            ("requirements.txt", "flask\n"),
            ("pip.conf", "[global]\n"),
            ("app.py", ""),
        ],
        false,
        &["DO101"],
    );
    assert!(
        out.output.contains("COPY requirements.txt pip.conf ./"),
        "{}",
        out.output
    );
    // A local path in the requirements reads the project: not split, with the reason.
    let out = run_ctx(
        df,
        &[("requirements.txt", "./libs/x\n"), ("libs/x/setup.py", "")],
        false,
        &["DO101"],
    );
    assert_eq!(out.output, df);
    assert!(!out.skipped.is_empty());
}

/// DO101 on `df` in a context of `files` and one symbolic link (`link` ->
/// `target`): the file is left as it is, with a reason naming the link.
#[cfg(unix)]
fn assert_refused_for_a_link(df: &str, files: &[(&str, &str)], (link, target): (&str, &str)) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("Dockerfile"), df).unwrap();
    for (name, text) in files {
        let p = dir.path().join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    std::os::unix::fs::symlink(target, dir.path().join(link)).unwrap();
    let out = crate::rewrite::fix_file(
        df,
        &dir.path().join("Dockerfile"),
        None,
        &crate::rewrite::Settings {
            select: Some(vec!["DO101".into()]),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(out.output, df);
    assert!(
        out.skipped.iter().any(|s| s.reason.contains("symlink")),
        "{:?}",
        out.skipped
    );
}

#[cfg(unix)]
#[test]
fn symlinked_manifest_is_not_split() {
    assert_refused_for_a_link(
        "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n",
        &[("deps/prod.txt", "flask\n")],
        ("requirements.txt", "deps/prod.txt"),
    );
}

#[test]
fn dest_and_flags_kept() {
    let df = "FROM node:20\nCOPY --chown=node:node . /srv/app\nWORKDIR /srv/app\nRUN npm ci\n";
    // WORKDIR between: not a config-only instruction, so no split.
    let out = run_ctx(df, &[("package.json", "{}")], false, &["DO101"]);
    assert!(out.applied.is_empty());
    let df = "FROM node:20\nWORKDIR /srv/app\nCOPY --chown=node:node . /srv/app\nRUN npm ci\n";
    let out = run_ctx(
        df,
        &[("package.json", "{}"), ("package-lock.json", "{}")],
        false,
        &["DO101"],
    );
    assert_eq!(
        out.output,
        "FROM node:20\nWORKDIR /srv/app\nCOPY --chown=node:node package.json package-lock.json /srv/app/\nRUN npm ci\nCOPY --chown=node:node . /srv/app\n"
    );
}

#[test]
fn skips_with_reasons() {
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
    let out = run_ctx(
        df,
        &[
            ("package.json", r#"{"scripts":{"postinstall":"node x.js"}}"#),
            ("x.js", ""),
        ],
        false,
        &["DO101"],
    );
    assert!(out.applied.is_empty());
    assert!(out.skipped[0].reason.contains("postinstall"));
    let out = run_ctx(
        df,
        &[("package.json", "{}"), ("node_modules/a/index.js", "")],
        false,
        &["DO101"],
    );
    assert!(out.applied.is_empty());
    assert!(out.skipped[0].reason.contains("node_modules"));
}

#[test]
fn ignored_manifest_not_copied() {
    let df = "FROM python:3\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n";
    let out = run_ctx(
        df,
        &[
            ("requirements.txt", "x\n"),
            (".dockerignore", "requirements.txt\n"),
        ],
        false,
        &["DO101"],
    );
    assert!(out.applied.is_empty());
}

#[test]
fn crlf_and_comments_move() {
    let df = "FROM python:3\r\nWORKDIR /app\r\n# all\r\nCOPY . .\r\n# deps\r\nRUN pip install -r requirements.txt\r\n";
    let out = run_ctx(df, &[("requirements.txt", "x\n")], false, &["DO101"]);
    assert_eq!(
        out.output,
        "FROM python:3\r\nWORKDIR /app\r\nCOPY requirements.txt ./\r\n# deps\r\nRUN pip install -r requirements.txt\r\n# all\r\nCOPY . .\r\n"
    );
}
const BIN_TOML: &str =
    "[package]\nname = \"my-app\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1\"\n";

fn cargo_files(toml: &'static str) -> Vec<(&'static str, &'static str)> {
    vec![
        ("Cargo.toml", toml),
        ("Cargo.lock", "version = 4\n"),
        ("src/main.rs", "fn main() { println!(\"hi\"); }\n"),
    ]
}

#[test]
fn cargo_bin_debug_split_is_unsafe() {
    let df = "FROM rust:1.79\nWORKDIR /app\nCOPY . .\nRUN cargo build --locked\nCMD [\"./target/debug/my-app\"]\n";
    let out = run_ctx(df, &cargo_files(BIN_TOML), true, &["DO101"]);
    assert_eq!(
        out.output,
        "FROM rust:1.79\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\n\
         RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --locked && \
         rm -rf src target/debug/deps/my_app-* target/debug/my-app target/debug/my-app.d target/debug/.fingerprint/my-app-*\n\
         COPY . .\nRUN cargo build --locked\nCMD [\"./target/debug/my-app\"]\n"
    );
    assert_eq!(out.applied.len(), 1);
    assert_eq!(out.applied[0].applicability, Applicability::Unsafe);
    assert!(
        out.applied[0].message.contains("unsafe: "),
        "{}",
        out.applied[0].message
    );
}

#[test]
fn cargo_release_chown_dest_crlf_and_comments() {
    let df = "FROM rust:1.79\r\n# sources\r\nCOPY --chown=app:app . /srv/app\r\nWORKDIR /srv/app\r\nRUN cargo build --release\r\n";
    // WORKDIR between the COPY and the build: not split (as for every ecosystem).
    let out = run_ctx(df, &cargo_files(BIN_TOML), true, &["DO101"]);
    assert!(out.applied.is_empty());
    let df = "FROM rust:1.79\r\nWORKDIR /srv/app\r\n# sources\r\nCOPY --chown=app:app . /srv/app\r\nRUN cargo build --release --locked\r\n";
    let out = run_ctx(df, &cargo_files(BIN_TOML), true, &["DO101"]);
    assert_eq!(
        out.output,
        "FROM rust:1.79\r\nWORKDIR /srv/app\r\nCOPY --chown=app:app Cargo.toml Cargo.lock /srv/app/\r\n\
         RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --release --locked && \
         rm -rf src target/release/deps/my_app-* target/release/my-app target/release/my-app.d target/release/.fingerprint/my-app-*\r\n\
         # sources\r\nCOPY --chown=app:app . /srv/app\r\nRUN cargo build --release --locked\r\n"
    );
}

#[test]
fn cargo_lib_crate_and_subdirectory_copy() {
    let df = "FROM rust:1.79\nWORKDIR /app\nCOPY core/ .\nRUN cargo build -r\n";
    let out = run_ctx(
        df,
        &[
            (
                "core/Cargo.toml",
                "[package]\nname = \"ledger-core\"\nversion = \"0.1.0\"\n",
            ),
            ("core/src/lib.rs", "pub fn f() {}\n"),
        ],
        true,
        &["DO101"],
    );
    assert_eq!(
        out.output,
        "FROM rust:1.79\nWORKDIR /app\nCOPY core/Cargo.toml ./\n\
         RUN mkdir -p src && touch src/lib.rs && cargo build -r && \
         rm -rf src target/release/deps/libledger_core-* target/release/deps/ledger_core-* target/release/libledger_core.* target/release/.fingerprint/ledger-core-*\n\
         COPY core/ .\nRUN cargo build -r\n"
    );
}

#[test]
fn cargo_install_path_uninstalls_the_dummy() {
    let df = "FROM rust:1.79\nWORKDIR /src\nCOPY . .\nRUN cargo install --locked --path .\n";
    let out = run_ctx(df, &cargo_files(BIN_TOML), true, &["DO101"]);
    assert!(
        out.output.contains(
            "&& cargo install --locked --path . && cargo uninstall my-app && rm -rf src target/release/deps/my_app-*"
        ),
        "{}",
        out.output
    );
}

#[test]
fn cargo_refusals() {
    let df = "FROM rust:1.79\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n";
    let ws = "[workspace]\nmembers = [\"api\", \"core\"]\n";
    let out = run_ctx(
        df,
        &[("Cargo.toml", ws), ("api/Cargo.toml", "")],
        true,
        &["DO101"],
    );
    assert!(out.applied.is_empty());
    assert!(out.skipped[0]
        .reason
        .contains("workspace with members (api, core)"));
    let mut files = cargo_files(BIN_TOML);
    files.push(("target/release/my-app", ""));
    let out = run_ctx(df, &files, true, &["DO101"]);
    assert!(out.applied.is_empty());
    assert!(
        out.skipped[0].reason.contains("target/"),
        "{:?}",
        out.skipped
    );
    let df = "FROM rust:1.79\nWORKDIR /app\nCOPY . .\nRUN cargo build --all-targets\n";
    let out = run_ctx(df, &cargo_files(BIN_TOML), true, &["DO101"]);
    assert!(out.skipped[0].reason.contains("--all-targets"));
}

#[test]
fn cargo_safe_mode_lists_it_and_second_run_is_idempotent() {
    let df = "FROM rust:1.79\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n";
    let files = cargo_files(BIN_TOML);
    let safe = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(safe.output, df);
    assert!(safe.applied.is_empty() && safe.skipped.is_empty());
    assert_eq!(safe.unsafe_available.len(), 1);
    assert_eq!(safe.unsafe_available[0].code, "DO101");
    let fixed = run_ctx(df, &files, true, &["DO101"]);
    assert_eq!(fixed.iterations, 1);
    let again = run_ctx(&fixed.output, &files, true, &[]);
    assert!(again.applied.is_empty(), "{:?}", again.applied);
    assert!(again.unsafe_available.is_empty());
    assert!(
        again.skipped.iter().all(|s| s.code != "DO101"),
        "{:?}",
        again.skipped
    );
    assert_eq!(again.output, fixed.output);
}

#[test]
fn poetry_two_phase_keeps_the_full_install() {
    let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN poetry config virtualenvs.create false && poetry install --only main\n";
    let files = [
        ("pyproject.toml", "[tool.poetry]\nname = \"x\"\n"),
        ("poetry.lock", ""),
        ("x/__init__.py", ""),
    ];
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(
        out.output,
        "FROM python:3.12\nWORKDIR /app\nCOPY pyproject.toml poetry.lock ./\n\
         RUN poetry config virtualenvs.create false && poetry install --only main --no-root\n\
         COPY . .\nRUN poetry config virtualenvs.create false && poetry install --only main\n"
    );
    assert_eq!(out.applied[0].applicability, Applicability::Safe);
    // Idempotent: the second run sees the dependency-only install above the COPY.
    let again = run_ctx(&out.output, &files, false, &["DO101"]);
    assert!(again.applied.is_empty() && again.skipped.is_empty());
}

#[test]
fn uv_two_phase_frozen_is_safe_unlocked_is_unsafe() {
    let files = [
        ("pyproject.toml", "[project]\nname = \"x\"\n"),
        ("uv.lock", ""),
        ("main.py", ""),
    ];
    let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv sync --locked --no-dev\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert!(
        out.output
            .contains("COPY pyproject.toml uv.lock ./\nRUN uv sync --no-dev --frozen --no-install-project\nCOPY . .\nRUN uv sync --locked --no-dev\n"),
        "{}",
        out.output
    );
    let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN uv sync\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(out.output, df);
    assert_eq!(out.unsafe_available.len(), 1);
    let out = run_ctx(df, &files, true, &["DO101"]);
    assert!(out.applied[0].message.contains("unsafe: "));
}

#[test]
fn pip_requirements_then_project() {
    let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt && pip install .\n";
    let files = [
        ("requirements.txt", "flask\n"),
        ("pyproject.toml", "[project]\n"),
        ("app.py", ""),
    ];
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert!(
        out.output.contains(
            "COPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\nRUN pip install -r requirements.txt && pip install .\n"
        ),
        "{}",
        out.output
    );
    // `pip install .` alone: no requirements file to install first, and the reason says so.
    let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install .\n";
    let out = run_ctx(df, &files, true, &["DO101"]);
    assert_eq!(out.output, df);
    assert!(
        out.skipped[0].reason.contains("requirements file"),
        "{:?}",
        out.skipped
    );
}

#[test]
fn instructions_between_move_up() {
    let files = [
        ("Pipfile", "[packages]\n"),
        ("Pipfile.lock", "{}"),
        ("app.py", ""),
    ];
    // A RUN that reads nothing from the context, and an ENV.
    let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nENV PIP_NO_CACHE_DIR=1\nRUN pip install pipenv\nRUN pipenv install --system --deploy\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(
        out.output,
        "FROM python:3.12\nWORKDIR /app\nENV PIP_NO_CACHE_DIR=1\nRUN pip install pipenv\nCOPY Pipfile Pipfile.lock ./\nRUN pipenv install --system --deploy\nCOPY . .\n"
    );
    // A WORKDIR after an absolute COPY destination.
    let df = "FROM python:3.12\nCOPY . /app\nWORKDIR /app\nRUN pipenv install --system --deploy\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(
        out.output,
        "FROM python:3.12\nWORKDIR /app\nCOPY Pipfile Pipfile.lock /app/\nRUN pipenv install --system --deploy\nCOPY . /app\n"
    );
    // A RUN between that reads what the COPY brings: not split, with the reason.
    let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN cat app.py\nRUN pipenv install --system --deploy\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(out.output, df);
    assert!(
        out.skipped[0].reason.contains("line 4"),
        "{:?}",
        out.skipped
    );
    // A relative COPY destination under a WORKDIR that would move: refused.
    let df = "FROM python:3.12\nWORKDIR /src\nCOPY . .\nWORKDIR /src/app\nRUN pipenv install --system --deploy\n";
    let files = [("app/Pipfile", "[packages]\n"), ("app/x.py", "")];
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(out.output, df);
    assert!(
        out.skipped[0].reason.contains("WORKDIR"),
        "{:?}",
        out.skipped
    );
}

#[test]
fn add_of_a_directory_splits_unless_it_holds_an_archive() {
    let df = "FROM python:3.12\nWORKDIR /app\nADD . .\nRUN pip install -r requirements.txt\n";
    let out = run_ctx(
        df,
        &[("requirements.txt", "flask\n"), ("app.py", "")],
        false,
        &["DO101"],
    );
    assert_eq!(
        out.output,
        "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt\nADD . .\n"
    );
    let out = run_ctx(
        df,
        &[("requirements.txt", "flask\n"), ("data.tar.gz", "x")],
        false,
        &["DO101"],
    );
    assert_eq!(out.output, df);
    assert!(
        out.skipped[0].reason.contains("archive"),
        "{:?}",
        out.skipped
    );
}

#[test]
fn nested_requirements_in_a_folder() {
    let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements/prod.txt\n";
    let out = run_ctx(
        df,
        &[
            ("requirements/prod.txt", "-r base.txt\ngunicorn\n"),
            ("requirements/base.txt", "flask\n"),
            ("requirements/dev.txt", "pytest\n"),
            ("app.py", ""),
        ],
        false,
        &["DO101"],
    );
    assert!(
        out.output
            .contains("COPY requirements/prod.txt requirements/base.txt ./requirements/\n"),
        "{}",
        out.output
    );
}

#[test]
fn a_file_copy_between_says_why() {
    let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nCOPY entrypoint.sh /usr/local/bin/\nRUN pip install -r requirements.txt\n";
    let out = run_ctx(
        df,
        &[("requirements.txt", "flask\n"), ("entrypoint.sh", "")],
        true,
        &["DO101"],
    );
    assert_eq!(out.output, df);
    // The install crosses that COPY too, and may not: pip reads /usr/local.
    assert!(
        out.skipped[0]
            .reason
            .contains("may not move above `COPY entrypoint.sh /usr/local/bin/`"),
        "{:?}",
        out.skipped
    );
    // The manifest-first shape is not reported.
    let df = "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n";
    let out = run_ctx(df, &[("requirements.txt", "flask\n")], true, &["DO101"]);
    assert!(out.skipped.is_empty() && out.applied.is_empty());
}

/// A yarn-berry split copies `.yarn/releases` to its own folder above the
/// install: on the next round that COPY is not the sources' copy (the
/// install runs in /app, outside it), so fix reports no bogus "not split".
#[test]
fn a_copy_the_install_does_not_run_in_is_not_the_sources() {
    let df = "FROM node:20\nWORKDIR /app\nCOPY package.json yarn.lock .yarnrc.yml ./\nCOPY .yarn/releases ./.yarn/releases/\nRUN yarn install --immutable\nCOPY . .\n";
    let out = run_ctx(
        df,
        &[
            ("package.json", "{\"name\":\"a\",\"version\":\"1.0.0\"}"),
            ("yarn.lock", "# yarn lockfile\n"),
            (".yarnrc.yml", "yarnPath: .yarn/releases/yarn-4.1.0.cjs\n"),
            (".yarn/releases/yarn-4.1.0.cjs", "x\n"),
            ("index.js", "x\n"),
        ],
        false,
        &["DO101"],
    );
    assert_eq!(out.output, df);
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);
}

/// A hand-written dependency pre-build a few lines above the full COPY (the
/// dummy main, the build, an `rm` of its artifacts: rustypaste's shape) is
/// the split already: no second dummy build is added.
#[test]
fn cargo_hand_written_prebuild_is_left_alone() {
    let df = "FROM rust:1.79 AS builder\nWORKDIR /app\nCOPY Cargo.toml Cargo.toml\nRUN mkdir -p src/\nRUN echo 'fn main() {}' > src/main.rs\nRUN cargo build --release\nRUN rm -f target/release/deps/my_app*\nCOPY . .\nRUN cargo build --locked --release\n\nFROM scratch\nCOPY --from=builder /app/target/release/my-app /\n";
    let out = run_ctx(df, &cargo_files(BIN_TOML), true, &["DO101"]);
    assert_eq!(out.output, df);
    // A cargo build in an earlier stage does not count.
    let df2 = "FROM rust:1.79 AS tools\nRUN cargo install just\n\nFROM rust:1.79\nWORKDIR /app\nCOPY . .\nRUN cargo build --locked --release\n";
    let out = run_ctx(df2, &cargo_files(BIN_TOML), true, &["DO101"]);
    assert_ne!(out.output, df2);
}

/// The COPY names a build argument: the manifests the split copies are
/// those of the default value, and `--build-arg SRC=web` would copy web/
/// in the original but the root's package.json in the split. Refused; an
/// ENV (a fixed value) between the ARG and the COPY is fine.
#[test]
fn a_copy_that_names_a_build_arg_is_not_split() {
    let files = [
        ("package.json", "{\"name\":\"x\",\"version\":\"1.0.0\"}\n"),
        (
            "package-lock.json",
            "{\"lockfileVersion\":3,\"packages\":{}}\n",
        ),
        ("index.js", "1\n"),
    ];
    let df = "FROM node:20\nARG SRC=.\nWORKDIR /app\nCOPY ${SRC} .\nRUN npm ci\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(out.output, df);
    assert!(
        out.skipped
            .iter()
            .any(|s| s.reason.contains("build argument SRC")),
        "{:?}",
        out.skipped
    );
    let df = "FROM node:20\nARG SRC=.\nENV SRC=.\nWORKDIR /app\nCOPY ${SRC} .\nRUN npm ci\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert!(
        out.output
            .contains("COPY package.json package-lock.json ./"),
        "{}",
        out.output
    );
}

/// A file a copied configuration names (`.npmrc`'s cafile) is copied first
/// with it, where the folder it goes (`cafile=./certs/ca.pem`); a directory
/// it names (pip.conf's find-links) refuses the split, naming the config.
#[test]
fn what_a_copied_config_names_comes_first_or_refuses() {
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
    let out = run_ctx(
        df,
        &[
            ("package.json", "{\"name\":\"x\",\"version\":\"1.0.0\"}"),
            (
                "package-lock.json",
                "{\"lockfileVersion\":3,\"packages\":{}}",
            ),
            (".npmrc", "cafile=./certs/ca.pem\n"),
            ("certs/ca.pem", "c"),
            ("a.js", ""),
        ],
        false,
        &["DO101"],
    );
    assert!(
        out.output.contains("certs/ca.pem") && out.output.contains(".npmrc"),
        "{}\n{:?}",
        out.output,
        out.skipped
    );
    let df = "FROM python:3.12\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY . .\nRUN pip install -r requirements.txt\n";
    let out = run_ctx(
        df,
        &[
            ("requirements.txt", "flask\n"),
            (
                "pip.conf",
                "[global]\nfind-links = ./wheels\nno-index = true\n",
            ),
            ("wheels/flask-3.0-py3-none-any.whl", "x"),
        ],
        false,
        &["DO101"],
    );
    assert_eq!(out.output, df);
    assert!(
        out.skipped
            .iter()
            .any(|s| s.reason.contains("pip.conf names ./wheels")),
        "{:?}",
        out.skipped
    );
}

/// `RUN cd web; npm ci` (not the leading `cd DIR &&` that is followed): the
/// reason names the `cd`, not a package.json missing from the context.
#[test]
fn an_install_after_cd_says_so() {
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN cd web; npm ci\n";
    let out = run_ctx(
        df,
        &[
            ("web/package.json", "{\"name\":\"x\",\"version\":\"1.0.0\"}"),
            (
                "web/package-lock.json",
                "{\"lockfileVersion\":3,\"packages\":{}}",
            ),
        ],
        false,
        &["DO101"],
    );
    assert_eq!(out.output, df);
    let reasons: Vec<&str> = out.skipped.iter().map(|s| s.reason.as_str()).collect();
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("after `cd web`") && r.contains("(/app)")),
        "{reasons:?}"
    );
    assert!(!reasons
        .iter()
        .any(|r| r.contains("not in the build context")));
}

/// A requirements file reached through a symbolic link of the context: a
/// manifest COPY would follow the link and make a folder where `COPY . .`
/// puts the link. Refused, and the reason names the link (it said the file
/// was not in the context, which sent the user looking for a missing file).
#[test]
fn a_manifest_behind_a_symbolic_link_is_refused_naming_the_link() {
    use crate::rewrite::fixes::testutil::run_ctx_links;
    let df =
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r reqs/requirements.txt\n";
    let out = run_ctx_links(
        df,
        &[("real/requirements.txt", "flask==3.0.0\n"), ("app.py", "")],
        &[("reqs", "real")],
        false,
        &["DO101"],
    );
    assert_eq!(out.output, df);
    assert!(
        out.skipped
            .iter()
            .any(|s| s.reason.contains("through the symbolic link `reqs`")),
        "{:?}",
        out.skipped
    );
}

/// Cargo.toml a symbolic link to a file of the context: the split's COPY
/// copies the file it points to, and `COPY . .` then puts the link back over
/// it (checked on Docker 20.10: the final layer shows the link), so the
/// split goes ahead. A dangling link cannot be read: refused, naming the
/// link (the reason said Cargo.toml was not in the context).
#[test]
fn a_cargo_manifest_that_is_a_symbolic_link_is_read_through_or_named() {
    use crate::rewrite::fixes::testutil::run_ctx_links;
    let df = "FROM rust:1.79\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n";
    let files = [
        ("real.toml", BIN_TOML),
        ("Cargo.lock", "version = 4\n"),
        ("src/main.rs", "fn main() {}\n"),
    ];
    let out = run_ctx_links(df, &files, &[("Cargo.toml", "real.toml")], true, &["DO101"]);
    assert!(
        out.output.contains("COPY Cargo.toml Cargo.lock ./"),
        "{}",
        out.output
    );
    let out = run_ctx_links(df, &files, &[("Cargo.toml", "gone.toml")], true, &["DO101"]);
    assert_eq!(out.output, df);
    assert!(
        out.skipped.iter().any(|s| s.reason.contains(
            "Cargo.toml is a symbolic link in the build context whose target cannot be read"
        )),
        "{:?}",
        out.skipped
    );
}

/// A path dependency (here, and in [patch] / a target table): Cargo reads its
/// manifest even for the dummy build, and the split copies only Cargo.toml
/// and Cargo.lock, so the dummy build would fail. Refused, naming it.
#[test]
fn a_cargo_path_dependency_is_refused() {
    let df = "FROM rust:1.79\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n";
    for toml in [
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\n[dependencies]\nlib = { path = \"crates/lib\" }\n",
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\n[target.'cfg(unix)'.dependencies]\nlib = { path = \"crates/lib\" }\n",
        "[package]\nname = \"a\"\nversion = \"0.1.0\"\n[dependencies]\nserde = \"1\"\n[patch.crates-io]\nserde = { path = \"vendor/serde\" }\n",
    ] {
        let out = run_ctx(
            df,
            &[
                ("Cargo.toml", toml),
                ("Cargo.lock", "version = 4\n"),
                ("src/main.rs", "fn main() {}\n"),
                ("crates/lib/Cargo.toml", "[package]\nname = \"lib\"\n"),
            ],
            true,
            &["DO101"],
        );
        assert_eq!(out.output, df, "{toml}");
        assert!(
            out.skipped
                .iter()
                .any(|s| s.reason.contains("path dependency")),
            "{toml}: {:?}",
            out.skipped
        );
    }
}

/// An install run in a folder above the COPY's destination (`WORKDIR /code`,
/// `COPY app/ app/`, `pip install -r app/requirements.txt`; `dotnet restore
/// Api/Api.csproj` in /src) is split when every manifest it needs is inside
/// the copy: includes resolve from the requirements file's folder. An install
/// that needs a manifest elsewhere, or reads another copied file, is not.
#[test]
fn an_install_run_above_the_copy_is_split_when_its_manifests_are_inside() {
    let files = [
        ("app/requirements.txt", "-r base.txt\nflask\n"),
        ("app/base.txt", "six\n"),
        ("app/main.py", "print(1)\n"),
    ];
    let df = "FROM python:3.12\nWORKDIR /code\nCOPY app/ app/\nRUN pip install -r app/requirements.txt\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(
        out.output,
        "FROM python:3.12\nWORKDIR /code\nCOPY app/requirements.txt app/base.txt app/\nRUN pip install -r app/requirements.txt\nCOPY app/ app/\n"
    );
    let df = "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY src/api/ Api/\nRUN dotnet restore Api/Api.csproj\n";
    let out = run_ctx(
        df,
        &[
            (
                "src/api/Api.csproj",
                "<Project Sdk=\"Microsoft.NET.Sdk\"></Project>\n",
            ),
            ("src/api/Program.cs", "x\n"),
        ],
        false,
        &["DO101"],
    );
    assert!(
        out.output
            .contains("COPY src/api/Api.csproj Api/\nRUN dotnet restore"),
        "{}",
        out.output
    );
    // The install reads a copied file besides its manifests: copied first
    // with them, as when the install runs in the copied folder (this looked
    // the file up relative to the wrong folder and refused).
    let df = "FROM python:3.12\nWORKDIR /code\nCOPY app/ app/\nRUN pip install -r app/requirements.txt && cp app/main.py /code/m.py\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(
        out.output,
        "FROM python:3.12\nWORKDIR /code\nCOPY app/requirements.txt app/base.txt app/main.py app/\nRUN pip install -r app/requirements.txt && cp app/main.py /code/m.py\nCOPY app/ app/\n"
    );
    // An editable install of the copied folder: not moved, and the reason
    // is given (it was dropped for an install run above the COPY).
    let df = "FROM python:3.12\nWORKDIR /code\nCOPY app/ app/\nRUN pip install --no-deps -r app/requirements.txt -e app/\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(out.output, df);
    assert!(
        out.skipped.iter().any(|s| s.reason.contains("editable")),
        "{:?}",
        out.skipped
    );
    // It reads a whole copied folder: not moved.
    let df = "FROM python:3.12\nWORKDIR /code\nCOPY app/ app/\nRUN pip install -r app/requirements.txt && cp -r app /code/m\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(out.output, df);
    // Its manifest is not in the copied folder (the original build fails): not moved.
    let df =
        "FROM python:3.12\nWORKDIR /code\nCOPY app/ app/\nRUN pip install -r requirements.txt\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(out.output, df);
}

/// `RUN cd web && npm ci` after `COPY . .`: the manifests are read in web/,
/// and the folder the install enters exists once they are copied. A RUN that
/// also reads the folder as a whole (`cp -r .`), or reaches it through a
/// symbolic link in the context, or runs under a CDPATH, is not split.
#[test]
fn an_install_after_a_leading_cd_is_split_in_that_folder() {
    let files = [
        ("web/package.json", "{\"name\":\"a\",\"version\":\"1.0.0\"}"),
        (
            "web/package-lock.json",
            "{\"name\":\"a\",\"lockfileVersion\":3}",
        ),
        ("web/index.js", "x\n"),
        ("api.py", "x\n"),
    ];
    let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN cd web && npm ci\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(
        out.output,
        "FROM node:20\nWORKDIR /app\nCOPY web/package.json web/package-lock.json ./web/\nRUN cd web && npm ci\nCOPY . .\n"
    );
    for unsplit in [
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN cd web && npm ci && cp -r . /out\n",
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN cd web; npm ci\n",
        "FROM node:20\nENV CDPATH=/srv\nWORKDIR /app\nCOPY . .\nRUN cd web && npm ci\n",
    ] {
        let out = run_ctx(unsplit, &files, false, &["DO101"]);
        assert_eq!(out.output, unsplit);
    }
}

/// `COPY src/accounting/ Accounting/`, then `COPY pb/demo.proto
/// Accounting/protos/`, then `dotnet restore` (opentelemetry-demo's
/// accounting service): the install moves above both COPYs when it may
/// cross the file COPY too. The traps: a file COPY that brings what the
/// install reads (a manifest or a config it loads), or writes where the
/// install writes, or a RUN between the COPYs.
#[test]
fn an_install_crosses_a_file_copy_after_the_folder_copy() {
    let files = [
        (
            "src/accounting/Accounting.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk\"></Project>\n",
        ),
        ("src/accounting/Program.cs", "x\n"),
        ("pb/demo.proto", "syntax = \"proto3\";\n"),
        (
            "pb/Accounting.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk\"></Project>\n",
        ),
        ("pb/Directory.Build.props", "<Project></Project>\n"),
        ("pb/x.json", "{}\n"),
    ];
    let head =
        "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY src/accounting/ Accounting/\n";
    let df = format!("{head}COPY pb/demo.proto Accounting/protos/demo.proto\nLABEL a=b\nRUN dotnet restore Accounting/Accounting.csproj\n");
    let out = run_ctx(&df, &files, false, &["DO101"]);
    assert_eq!(
        out.output,
        "FROM mcr.microsoft.com/dotnet/sdk:8.0\nWORKDIR /src\nCOPY src/accounting/Accounting.csproj Accounting/\nRUN dotnet restore Accounting/Accounting.csproj\nCOPY src/accounting/ Accounting/\nCOPY pb/demo.proto Accounting/protos/demo.proto\nLABEL a=b\n"
    );
    for (between, why) in [
        (
            "COPY pb/Accounting.csproj Accounting/Accounting.csproj\n",
            "writes /src/Accounting/Accounting.csproj",
        ),
        (
            "COPY pb/Directory.Build.props Accounting/\n",
            "Directory.Build.props",
        ),
        ("COPY pb/x.json Accounting/obj/x.json\n", "obj"),
        (
            "COPY pb/demo.proto Accounting/protos/demo.proto\nRUN echo hi\n",
            "line 5",
        ),
    ] {
        let df = format!("{head}{between}RUN dotnet restore Accounting/Accounting.csproj\n");
        let out = run_ctx(&df, &files, false, &["DO101"]);
        assert_eq!(out.output, df, "{between}");
        assert!(
            out.skipped.iter().any(|s| s.reason.contains(why)),
            "{between}: {:?}",
            out.skipped
        );
    }
}

/// An install in the folder above the copied one names its manifests
/// relative to its own folder; a manifest that is a symbolic link is still
/// checked there (items were looked up relative to the wrong folder).
#[cfg(unix)]
#[test]
fn a_symlinked_manifest_is_refused_from_the_folder_above() {
    assert_refused_for_a_link(
        "FROM python:3.12\nWORKDIR /code\nCOPY app/ app/\nRUN pip install -r app/requirements.txt\n",
        &[("app/main.py", "print(1)\n"), ("app/deps/prod.txt", "flask\n")],
        ("app/requirements.txt", "deps/prod.txt"),
    );
}

/// A build argument in a flag whose value names no file (`dotnet restore
/// -r linux-$TARGETARCH`) changes no file the install reads: split. One
/// that names the manifest (`pip install -r $REQS`) is not.
#[test]
fn a_build_argument_in_a_runtime_flag_is_no_read() {
    let files = [
        (
            "Api.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk\"></Project>\n",
        ),
        ("Program.cs", "x\n"),
        ("requirements.txt", "flask\n"),
    ];
    let df = "FROM mcr.microsoft.com/dotnet/sdk:8.0\nARG TARGETARCH\nWORKDIR /src\nCOPY . .\nRUN dotnet restore Api.csproj -r linux-$TARGETARCH\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert!(
        out.output.contains(
            "COPY Api.csproj ./\nRUN dotnet restore Api.csproj -r linux-$TARGETARCH\nCOPY . .\n"
        ),
        "{}",
        out.output
    );
    for unsplit in [
        "FROM python:3.12\nARG REQS=requirements.txt\nWORKDIR /src\nCOPY . .\nRUN pip install -r $REQS\n",
        "FROM mcr.microsoft.com/dotnet/sdk:8.0\nARG P=Api.csproj\nWORKDIR /src\nCOPY . .\nRUN dotnet restore $P -r linux-x64\n",
        "FROM mcr.microsoft.com/dotnet/sdk:8.0\nARG A\nWORKDIR /src\nCOPY . .\nRUN echo $A && dotnet restore Api.csproj\n",
    ] {
        let out = run_ctx(unsplit, &files, false, &["DO101"]);
        assert_eq!(out.output, unsplit);
    }
}

/// opentelemetry-demo's cart: the service folder to the cwd, then `COPY
/// ./pb/ ./pb/`, then the restore of a project inside the first: the
/// nearest COPY is not the sources, the one above it is, and the install
/// crosses the folder COPY between. A folder COPY that brings a file the
/// install reads is not crossed.
#[test]
fn an_install_crosses_a_folder_copy_to_its_sources() {
    let files = [
        (
            "src/cart/src/cart.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk\"></Project>\n",
        ),
        ("src/cart/src/Program.cs", "x\n"),
        ("src/cart/NuGet.config", "<configuration/>\n"),
        ("pb/demo.proto", "syntax = \"proto3\";\n"),
        ("app/requirements.txt", "-r base.txt\nflask\n"),
        ("app/base.txt", "six\n"),
        ("app/main.py", "x\n"),
        ("extra/base.txt", "requests\n"),
        ("extra/notes.md", "x\n"),
    ];
    let df = "FROM mcr.microsoft.com/dotnet/sdk:8.0\nARG TARGETARCH\nWORKDIR /usr/src/app/\nCOPY ./src/cart/ ./\nCOPY ./pb/ ./pb/\nRUN dotnet restore ./src/cart.csproj -r linux-musl-$TARGETARCH\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(
        out.output,
        "FROM mcr.microsoft.com/dotnet/sdk:8.0\nARG TARGETARCH\nWORKDIR /usr/src/app/\nCOPY src/cart/src/cart.csproj ./src/\nCOPY src/cart/NuGet.config ./\nRUN dotnet restore ./src/cart.csproj -r linux-musl-$TARGETARCH\nCOPY ./src/cart/ ./\nCOPY ./pb/ ./pb/\n"
    );
    let df = "FROM python:3.12\nWORKDIR /code\nCOPY app/ app/\nCOPY extra/ app/\nRUN pip install -r app/requirements.txt\n";
    let out = run_ctx(df, &files, false, &["DO101"]);
    assert_eq!(out.output, df);
    assert!(
        out.skipped
            .iter()
            .any(|s| s.reason.contains("may not move above `COPY extra/ app/`")),
        "{:?}",
        out.skipped
    );
}
