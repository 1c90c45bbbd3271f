//! DO403-DO407: package installs without versions, one rule per file;
//! the helpers they share are here.

pub mod apk;
pub mod apt;
pub mod npm_global;
pub mod pip;
pub mod pip_upgrade;

use crate::rules::ctx::Cmd;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};

fn report(
    cx: &DockerfileCtx,
    out: &mut Vec<Finding>,
    rule: &crate::rules::Rule,
    pick: impl Fn(&Cmd<'_>) -> Vec<String>,
    what: &str,
    how: &str,
) {
    for (_, ins, cmds) in cx.runs() {
        for c in cmds {
            let pkgs = pick(c);
            if pkgs.is_empty() {
                continue;
            }
            out.push(
                cx.finding(
                    rule,
                    // This command's own operand: the same package named by
                    // an earlier install of the RUN took its finding before.
                    cx.arg_span(ins, c, &pkgs[0])
                        .unwrap_or_else(|| cx.find_in(ins, &pkgs[0])),
                    format!("{what} without a version: {}", pkgs.join(", ")),
                )
                .with_fix(Fix::display(how.to_string())),
            );
        }
    }
}

fn positional(args: &[String], with_value: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        if a.starts_with('-') {
            skip = with_value.contains(&a.as_str());
            continue;
        }
        out.push(a.clone());
    }
    out
}

fn pip_unpinned(c: &Cmd<'_>, upgrade_tools: bool) -> Vec<String> {
    let Some(args) = c.pip_install_args() else {
        return Vec::new();
    };
    let upgrading = args.iter().any(|a| a == "-U" || a == "--upgrade");
    positional(
        &args,
        &[
            "-r",
            "--requirement",
            "-c",
            "--constraint",
            "-e",
            "--editable",
            "-i",
            "--index-url",
            "--extra-index-url",
            "-f",
            "--find-links",
            "-t",
            "--target",
            "--prefix",
            "--root",
        ],
    )
    .into_iter()
    .filter(|p| {
        let is_tool = matches!(p.as_str(), "pip" | "setuptools" | "wheel");
        (is_tool && upgrading) == upgrade_tools
    })
    .filter(|p| {
        !p.contains("==")
            && !p.contains(">=")
            && !p.contains("~=")
            && !p.contains('@')
            && !p.contains('/')
            && !p.starts_with('.')
            && !p.ends_with(".whl")
            && !p.ends_with(".tar.gz")
            && !p.contains('$')
            && !p.contains('<')
    })
    .collect()
}

#[cfg(test)]
mod tests {
    /// Two installs of the same package in one RUN: a finding on each.
    #[test]
    fn each_install_on_its_own_line() {
        let text =
            "FROM debian:12\nRUN apt-get install -y curl && \\\n    apt-get install -y curl git\n";
        let lines: Vec<usize> = crate::rules::testutil::findings(text, "DO403")
            .iter()
            .map(|f| f.start.line)
            .collect();
        assert_eq!(lines, [2, 3]);
    }
}
