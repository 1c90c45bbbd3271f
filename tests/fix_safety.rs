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
