//! DO403-DO407: package installs without versions.
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
        for c in &cmds {
            let pkgs = pick(c);
            if pkgs.is_empty() {
                continue;
            }
            out.push(
                cx.finding(
                    rule,
                    cx.find_in(ins, &pkgs[0]),
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

pub mod apt {
    use super::*;
    declare_rule! {
        /// ## What it does
        /// Finds `apt-get install` of packages without `=version`.
        ///
        /// ## Why is this bad?
        /// The package version depends on the day the cache was lost. Pinning
        /// makes builds reproducible, at the cost of updating pins when the
        /// distribution drops old versions.
        ///
        /// ## Example
        /// ```dockerfile
        /// RUN apt-get install -y --no-install-recommends curl
        /// ```
        ///
        /// Use instead:
        /// ```dockerfile
        /// RUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
        /// ```
        ///
        /// ## Fix safety
        /// Display-only: the version must be chosen.
        code: "DO403",
        name: "apt-unpinned",
        family: Correctness,
        severity: Info,
        hadolint: ["DL3008"],
        fix: Some(Applicability::DisplayOnly),
        check: Dockerfile(check),
    }
    pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
        report(
            cx,
            out,
            &RULE,
            |c| {
                if !c.is_apt_install() {
                    return Vec::new();
                }
                positional(c.after_subcommand(), &["-o", "-t", "--target-release"])
                    .into_iter()
                    .filter(|p| !p.contains('=') && !p.ends_with(".deb") && !p.contains('$'))
                    .collect()
            },
            "apt packages installed",
            "pin versions: `pkg=version`",
        )
    }
}

pub mod apk {
    use super::*;
    declare_rule! {
        /// ## What it does
        /// Finds `apk add` of packages without `=version`.
        ///
        /// ## Why is this bad?
        /// As with apt: what gets installed depends on the day of the build.
        ///
        /// ## Example
        /// ```dockerfile
        /// RUN apk add --no-cache curl
        /// ```
        ///
        /// Use instead:
        /// ```dockerfile
        /// RUN apk add --no-cache curl=8.5.0-r0
        /// ```
        ///
        /// ## Fix safety
        /// Display-only: the version must be chosen.
        code: "DO404",
        name: "apk-unpinned",
        family: Correctness,
        severity: Info,
        hadolint: ["DL3018"],
        fix: Some(Applicability::DisplayOnly),
        check: Dockerfile(check),
    }
    pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
        report(
            cx,
            out,
            &RULE,
            |c| {
                if !c.is_apk_add() {
                    return Vec::new();
                }
                positional(
                    c.after_subcommand(),
                    &["-t", "--virtual", "-X", "--repository"],
                )
                .into_iter()
                .filter(|p| !p.contains('=') && !p.contains('$') && !p.starts_with('.'))
                .collect()
            },
            "apk packages added",
            "pin versions: `pkg=version`",
        )
    }
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

pub mod pip {
    use super::*;
    declare_rule! {
        /// ## What it does
        /// Finds `pip install pkg` without a version specifier (requirement
        /// files, local paths and wheels are fine).
        ///
        /// ## Why is this bad?
        /// The installed version depends on the day of the build.
        ///
        /// ## Example
        /// ```dockerfile
        /// RUN pip install --no-cache-dir gunicorn
        /// ```
        ///
        /// Use instead:
        /// ```dockerfile
        /// RUN pip install --no-cache-dir gunicorn==22.0.0
        /// ```
        ///
        /// ## Fix safety
        /// Display-only: the version must be chosen.
        code: "DO405",
        name: "pip-unpinned",
        family: Correctness,
        severity: Warning,
        hadolint: ["DL3013"],
        fix: Some(Applicability::DisplayOnly),
        check: Dockerfile(check),
    }
    pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
        report(
            cx,
            out,
            &RULE,
            |c| pip_unpinned(c, false),
            "pip packages installed",
            "pin versions (`pkg==1.2.3`) or use a requirements file",
        )
    }
}

pub mod pip_upgrade {
    use super::*;
    declare_rule! {
        /// ## What it does
        /// Finds `pip install --upgrade pip` (or setuptools, wheel) without a version.
        ///
        /// ## Why is this bad?
        /// The step's cache key is its text, so the "upgrade" is frozen at whatever
        /// pip was current when the cache was filled, and a fresh build gets another
        /// pip: not reproducible either way, and new pip releases have broken builds.
        ///
        /// ## Example
        /// ```dockerfile
        /// RUN pip install --upgrade pip
        /// ```
        ///
        /// Use instead:
        /// ```dockerfile
        /// RUN pip install --no-cache-dir pip==24.0
        /// ```
        ///
        /// ## Fix safety
        /// Display-only: the version must be chosen.
        code: "DO406",
        name: "pip-upgrade-unpinned",
        family: Correctness,
        severity: Warning,
        hadolint: ["DL3013"],
        fix: Some(Applicability::DisplayOnly),
        check: Dockerfile(check),
    }
    pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
        report(
            cx,
            out,
            &RULE,
            |c| pip_unpinned(c, true),
            "`pip install --upgrade` of packaging tools",
            "pin it: `pip install pip==24.0`",
        )
    }
}

pub mod npm_global {
    use super::*;
    declare_rule! {
        /// ## What it does
        /// Finds `npm install -g pkg` without `@version`.
        ///
        /// ## Why is this bad?
        /// Global tools are outside `package-lock.json`: the version depends on the
        /// day of the build.
        ///
        /// ## Example
        /// ```dockerfile
        /// RUN npm install -g pm2
        /// ```
        ///
        /// Use instead:
        /// ```dockerfile
        /// RUN npm install -g pm2@5.3.1
        /// ```
        ///
        /// ## Fix safety
        /// Display-only: the version must be chosen.
        code: "DO407",
        name: "npm-global-unpinned",
        family: Correctness,
        severity: Warning,
        hadolint: ["DL3016"],
        fix: Some(Applicability::DisplayOnly),
        check: Dockerfile(check),
    }
    pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
        report(
            cx,
            out,
            &RULE,
            |c| {
                if !c.is_npm_install() || !(c.has_arg("-g") || c.has_arg("--global")) {
                    return Vec::new();
                }
                positional(c.after_subcommand(), &[])
                    .into_iter()
                    .filter(|p| {
                        let name = p.strip_prefix('@').unwrap_or(p);
                        !name.contains('@')
                            && !p.starts_with('/')
                            && !p.starts_with('.')
                            && !p.contains('$')
                            && !p.contains("://")
                    })
                    .collect()
            },
            "global npm packages installed",
            "pin versions: `pkg@1.2.3`",
        )
    }
}
