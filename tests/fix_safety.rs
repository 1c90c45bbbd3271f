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
