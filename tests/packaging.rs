//! action.yml and .pre-commit-hooks.yaml must call commands and flags the
//! binary really has (checked against `dockopt <cmd> --help`).

use dockopt::rules::compose::{entries, get, items, parse, scalar};
use std::process::Command;

fn help(sub: &str) -> Option<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args([sub, "--help"])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).to_string())
}

/// Every `dockopt <sub> ... --flag` in a shell snippet: (sub, flags).
fn invocations(text: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut words = line.split_whitespace().skip_while(|w| *w != "dockopt");
        if words.next().is_none() {
            continue;
        }
        let Some(sub) = words.next() else { continue };
        if !sub.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
            continue; // `command -v dockopt >/dev/null`
        }
        let flags = words
            .filter(|w| w.starts_with("--"))
            .map(|w| w.split('=').next().unwrap_or(w).to_string())
            .collect();
        out.push((sub.to_string(), flags));
    }
    out
}

fn check_invocation(sub: &str, flags: &[String], from: &str) {
    match help(sub) {
        Some(h) => {
            for f in flags {
                assert!(
                    h.contains(f.as_str()),
                    "{from}: `dockopt {sub}` has no flag {f}"
                );
            }
        }
        None => panic!("{from}: `dockopt {sub}` is not a command"),
    }
}

#[test]
fn pre_commit_hooks_call_real_commands() {
    let text = std::fs::read_to_string(".pre-commit-hooks.yaml").unwrap_or_else(|e| panic!("{e}"));
    let root = parse(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let ids: Vec<String> = items(&root)
        .iter()
        .filter_map(|h| get(h, "id").and_then(|(_, v)| scalar(v)))
        .collect();
    assert_eq!(ids, ["dockopt-check", "dockopt-fix"]);
    for hook in items(&root) {
        let entry = get(hook, "entry")
            .and_then(|(_, v)| scalar(v))
            .unwrap_or_default();
        let args: Vec<String> = get(hook, "args")
            .map(|(_, v)| items(v).iter().filter_map(scalar).collect())
            .unwrap_or_default();
        let line = format!("{entry} {}", args.join(" "));
        let inv = invocations(&line);
        assert_eq!(inv.len(), 1, "{line}");
        check_invocation(&inv[0].0, &inv[0].1, ".pre-commit-hooks.yaml");
        assert_eq!(
            get(hook, "language")
                .and_then(|(_, v)| scalar(v))
                .as_deref(),
            Some("rust")
        );
        let files = get(hook, "files")
            .and_then(|(_, v)| scalar(v))
            .unwrap_or_default();
        let re = files.replace("(^|/)", "");
        assert!(re.contains("Dockerfile"), "{files}");
    }
}

#[test]
fn action_runs_real_commands_and_uploads_sarif() {
    let text = std::fs::read_to_string("action.yml").unwrap_or_else(|e| panic!("{e}"));
    let root = parse(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let runs = get(&root, "runs")
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("no runs"));
    assert_eq!(
        get(runs, "using").and_then(|(_, v)| scalar(v)).as_deref(),
        Some("composite")
    );
    let steps = items(
        get(runs, "steps")
            .map(|(_, v)| v)
            .unwrap_or_else(|| panic!("no steps")),
    );
    let mut formats = Vec::new();
    let mut uses = Vec::new();
    for step in steps {
        if let Some(u) = get(step, "uses").and_then(|(_, v)| scalar(v)) {
            uses.push(u);
        }
        let Some(run) = get(step, "run").and_then(|(_, v)| scalar(v)) else {
            continue;
        };
        for (sub, flags) in invocations(&run) {
            check_invocation(&sub, &flags, "action.yml");
        }
        for w in run.split("--format").skip(1) {
            formats.push(w.split_whitespace().next().unwrap_or("").to_string());
        }
    }
    for f in ["sarif", "github", "markdown"] {
        assert!(
            formats.iter().any(|x| x == f),
            "action.yml never runs --format {f}"
        );
    }
    assert!(
        uses.iter()
            .any(|u| u.starts_with("github/codeql-action/upload-sarif@")),
        "{uses:?}"
    );
    let inputs: Vec<String> = get(&root, "inputs")
        .map(|(_, v)| entries(v).iter().filter_map(|(k, _)| scalar(k)).collect())
        .unwrap_or_default();
    for used in text.split("inputs.").skip(1) {
        let name: String = used
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '-')
            .collect();
        assert!(
            inputs.contains(&name),
            "action.yml uses undeclared input {name}"
        );
    }
}
