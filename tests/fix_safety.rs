//! Issue 11's probes through the CLI: `dockopt fix --diff` leaves both
//! alone and prints why, instead of a bare "Nothing to fix".

use std::process::Command;

fn fix_diff(dockerfile: &str, files: &[(&str, &str)]) -> (i32, String, String) {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("Dockerfile"), dockerfile).unwrap();
    for (p, c) in files {
        let full = d.path().join(p);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, c).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .arg("fix")
        .arg("--diff")
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
