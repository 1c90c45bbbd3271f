//! Issue 11's probes through the CLI: `dockopt fix --diff` leaves both
//! alone and prints why, instead of a bare "Nothing to fix".

use std::process::Command;

fn fix_diff(dockerfile: &str, files: &[(&str, &str)]) -> (i32, String, String) {
    fix_with(&["fix", "--diff"], dockerfile, files)
}

/// `dockopt ARGS DIR/Dockerfile` on a temporary context holding `files`.
fn fix_with(args: &[&str], dockerfile: &str, files: &[(&str, &str)]) -> (i32, String, String) {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("Dockerfile"), dockerfile).unwrap();
    for (p, c) in files {
        let full = d.path().join(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, c).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(args)
        .arg(d.path().join("Dockerfile"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn pip_conf_probe_is_left_alone_with_the_reason() {
    let (code, stdout, stderr) = fix_diff(
        "FROM python:3.11-slim\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY . .\nRUN pip install flask\n",
        &[("app.py", "print(1)\n"), ("pip.conf", "[global]\nno-cache-dir = true\n")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "no diff: {stdout}");
    assert!(
        stderr.contains("DO102 not fixed") && stderr.contains("pip.conf"),
        "{stderr}"
    );
    assert!(!stderr.contains("Nothing to fix"), "{stderr}");
}

#[test]
fn usermod_before_copy_chown_is_left_alone_with_the_reason() {
    let (code, stdout, stderr) = fix_diff(
        "FROM myorg/base:1\nWORKDIR /app\nCOPY --chown=app . /app\nRUN usermod -u 2000 app\n",
        &[("app.py", "print(1)\n")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "no diff: {stdout}");
    assert!(stderr.contains("DO102 not fixed"), "{stderr}");
}

/// A RUN whose shell reads startup files reads what a COPY put there, even
/// when its script names no file: `BASH_ENV` under a bash SHELL, a login
/// shell's /etc/profile.d. Both were moved above the COPY as safe fixes.
#[test]
fn shell_startup_files_keep_a_run_below_the_copy_that_brings_them() {
    let (code, stdout, stderr) = fix_diff(
        "FROM debian:12\nENV BASH_ENV=/app/env.sh\nSHELL [\"/bin/bash\", \"-c\"]\nCOPY . /app\nRUN echo \"$FOO\" > /foo\n",
        &[("env.sh", "export FOO=bar\n")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "no diff: {stdout}");
    assert!(!stderr.contains("DO102 move"), "{stderr}");
    let (code, stdout, stderr) = fix_diff(
        "FROM debian:12\nSHELL [\"/bin/bash\", \"-l\", \"-c\"]\nCOPY profile.sh /etc/profile.d/zz.sh\nCOPY . /app\nRUN echo \"$FOO\" > /foo\n",
        &[("profile.sh", "export FOO=bar\n")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "no diff: {stdout}");
    assert!(!stderr.contains("DO102 move"), "{stderr}");
    // The same script under a plain bash still moves.
    let (_, stdout, stderr) = fix_diff(
        "FROM debian:12\nSHELL [\"/bin/bash\", \"-c\"]\nCOPY . /app\nRUN echo \"$FOO\" > /foo\n",
        &[("profile.sh", "export FOO=bar\n")],
    );
    assert!(stdout.contains("+RUN echo"), "{stdout}{stderr}");
}

/// A tool configuration file copied first by the manifest split can name
/// other project files (pip.conf's find-links, .npmrc's cafile, .yarnrc's
/// offline mirror): the split copied the config alone, and the install above
/// the COPY did not find them. A named file is now copied first with the
/// config; a named directory refuses the split, naming the config.
#[test]
fn config_files_that_name_project_files_refuse_the_split() {
    let (code, stdout, stderr) = fix_diff(
        "FROM python:3.12\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY . .\nRUN pip install -r requirements.txt\n",
        &[
            ("requirements.txt", "flask\n"),
            ("pip.conf", "[global]\nfind-links = /app/wheels\nno-index = true\n"),
            ("wheels/flask-3.0-py3-none-any.whl", "x"),
        ],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "no diff: {stdout}");
    assert!(stderr.contains("pip.conf names /app/wheels"), "{stderr}");
    let (_, stdout, stderr) = fix_diff(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
        &[
            ("package.json", "{\"name\":\"x\",\"version\":\"1.0.0\"}"),
            (
                "package-lock.json",
                "{\"lockfileVersion\":3,\"packages\":{}}",
            ),
            (".npmrc", "cafile=./certs/ca.pem\n"),
            ("certs/ca.pem", "c"),
        ],
    );
    assert!(
        stdout.contains("+COPY package.json package-lock.json .npmrc ./")
            && stdout.contains("+COPY certs/ca.pem ./certs/"),
        "{stdout}{stderr}"
    );
    // A config that names only remote places still goes first with the manifests.
    let (_, stdout, stderr) = fix_diff(
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n",
        &[
            ("package.json", "{\"name\":\"x\",\"version\":\"1.0.0\"}"),
            (
                "package-lock.json",
                "{\"lockfileVersion\":3,\"packages\":{}}",
            ),
            (".npmrc", "registry=https://registry.example.com/\n"),
        ],
    );
    assert!(
        stdout.contains("+COPY package.json package-lock.json .npmrc ./"),
        "{stdout}{stderr}"
    );
}

fn fix_diff_unsafe(dockerfile: &str) -> (String, String) {
    let (code, stdout, stderr) = fix_with(&["fix", "--diff", "--unsafe-fixes"], dockerfile, &[]);
    assert!((0..=1).contains(&code), "{code}: {stderr}");
    (stdout, stderr)
}

/// Deleting apt's lists where `apt-get update` made them breaks a later RUN
/// that installs without updating (in the stage or one built on it): that
/// RUN would find no package. The fix leaves them, says why, and `check`
/// does not flag them; with no such RUN the same line is fixed.
#[test]
fn apt_lists_a_later_install_reads_are_kept() {
    for later in [
        "RUN apt-get install -y git\n",
        "FROM base\nRUN apt-get install -y git\n",
    ] {
        let text = format!(
            "FROM debian:12 AS base\nRUN apt-get update && apt-get install -y curl\n{later}"
        );
        let (stdout, stderr) = fix_diff_unsafe(&text);
        assert!(!stdout.contains("/var/lib/apt/lists"), "{stdout}");
        assert!(
            stderr.contains("DO202 not fixed") && stderr.contains("without `apt-get update`"),
            "{stderr}"
        );
    }
    // the control: a later RUN that updates first, or one in a stage on
    // another base
    for text in [
        "FROM debian:12\nRUN apt-get update && apt-get install -y jq\nRUN apt-get update && apt-get install -y git\n",
        "FROM debian:12 AS other\nRUN apt-get install -y git\nFROM debian:12\nRUN apt-get update && apt-get install -y jq\n",
    ] {
        let (stdout, _) = fix_diff_unsafe(text);
        assert!(
            stdout.contains("+RUN apt-get update && apt-get install --no-install-recommends -y jq && rm -rf /var/lib/apt/lists/*"),
            "{stdout}"
        );
    }
}

/// `apk add -U` saves the index it fetches and a later `apk upgrade` (or
/// plain `apk add`) reads it: `--no-cache` on the first would leave the
/// second with none, and `apk upgrade` would quietly upgrade nothing.
#[test]
fn apk_index_a_later_add_reads_is_kept() {
    let (stdout, stderr) =
        fix_diff_unsafe("FROM alpine:3.19\nRUN apk add -U curl\nRUN apk upgrade\n");
    assert!(!stdout.contains("-RUN apk add -U curl"), "{stdout}");
    assert!(
        stderr.contains("DO204 not fixed") && stderr.contains("line 3"),
        "{stderr}"
    );
    // a later plain `apk add` gets `--no-cache` itself, fetching its own
    // index, and then nothing reads the first one
    let (stdout, _) = fix_diff_unsafe("FROM alpine:3.19\nRUN apk add -U curl\nRUN apk add git\n");
    assert!(
        stdout.contains("+RUN apk add --no-cache -U curl\n+RUN apk add --no-cache git"),
        "{stdout}"
    );
}

/// A RUN refused below several COPYs: the reason names the COPY it needs
/// (it named the first one crossed, which writes nothing it reads).
#[test]
fn a_refusal_names_the_copy_of_several_that_blocks() {
    let (code, stdout, stderr) = fix_diff(
        "FROM nginx:1.25\nCOPY dist /usr/share/nginx/html\nCOPY . /src\nRUN cat /src/build/out.js\n",
        &[("dist/index.html", "<h1>\n"), ("build/out.js", "b\n")],
    );
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.is_empty(), "no diff: {stdout}");
    assert!(
        stderr.contains("DO102 not fixed") && stderr.contains("(the COPY to /src)"),
        "{stderr}"
    );
}

/// `ADD` unpacks a local file that is an archive by its content, whatever
/// its name (BuildKit reads its magic bytes): DO408 reads them from the
/// context and leaves that ADD; a plain file's becomes COPY. (The engine
/// app `trap-add-archive-by-content` shows the naive COPY differs.)
#[test]
fn add_of_an_archive_by_content_stays_add() {
    let (code, stdout, stderr) = fix_with(
        &["fix", "--diff", "--unsafe-fixes"],
        "FROM debian:12\nADD bundle.data /opt/\nADD notes.txt /opt/\n",
        &[
            ("bundle.data", "BZh91AY&SY not really"),
            ("notes.txt", "hello\n"),
        ],
    );
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.contains("+COPY notes.txt /opt/"), "{stdout}");
    assert!(!stdout.contains("COPY bundle.data"), "{stdout}");
}

/// `npm ci --offline` installs from the tarballs an earlier RUN left in
/// `~/.npm`: cleaning that cache where it is made (DO205) or keeping it in
/// a cache mount (DO210) would leave the offline install nothing, and a
/// mount on the offline RUN itself hides what it reads. Without the offline
/// install both fixes apply.
#[test]
fn npm_cache_an_offline_install_reads_is_kept() {
    let text = "FROM node:20-slim\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm ci --offline --omit=dev && npm cache clean --force\n";
    let files = [
        ("package.json", "{}"),
        ("package-lock.json", "{}"),
        ("index.js", "1"),
    ];
    let (code, stdout, stderr) = fix_with(&["fix", "--diff", "--unsafe-fixes"], text, &files);
    assert!((0..=1).contains(&code), "{code}: {stderr}");
    assert!(!stdout.contains("--mount=type=cache"), "{stdout}");
    assert!(
        !stdout.contains("+RUN npm ci && npm cache clean"),
        "{stdout}"
    );
    assert!(
        stderr.contains("DO210 not fixed") && stderr.contains("line 6"),
        "{stderr}"
    );
    let online = text.replace("--offline ", "");
    let (_, stdout, _) = fix_with(&["fix", "--diff", "--unsafe-fixes"], &online, &files);
    assert!(
        stdout.contains("+RUN --mount=type=cache,target=/root/.npm npm ci\n"),
        "{stdout}"
    );
}

/// A context COPY above the full COPY (the usual manifest COPY of a
/// two-phase install) brings no link when the context holds none: DO101's
/// move across the full COPY below it was refused ("a build context this
/// model has not read") because the links it brings were read without the
/// context (the hazard check's own tests cover the links a COPY brings).
#[test]
fn an_earlier_context_copy_is_read_in_the_context() {
    let text = "FROM python:3.12-slim\nWORKDIR /app\nCOPY setup.cfg ./\nCOPY . .\nRUN pip install -r requirements.txt\n";
    let files = [
        ("setup.cfg", "[x]\n"),
        ("requirements.txt", "flask\n"),
        ("app.py", "1\n"),
    ];
    let (code, stdout, stderr) = fix_with(&["fix", "--diff"], text, &files);
    assert!((0..=1).contains(&code), "{code}: {stderr}");
    assert!(!stderr.contains("has not read"), "{stderr}");
    assert!(
        stdout
            .contains("+COPY requirements.txt ./\n RUN pip install -r requirements.txt\n+COPY . ."),
        "{stdout}\n{stderr}"
    );
}
