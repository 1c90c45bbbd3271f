//! DO401 latest-tag and DO402 untagged-base.
use crate::model::Base;
use crate::rules::ctx::{has_digest, image_tag};
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};

pub mod latest {
    use super::*;
    declare_rule! {
        /// ## What it does
        /// Finds `FROM image:latest`.
        ///
        /// ## Why is this bad?
        /// `latest` moves: the same Dockerfile builds a different image next
        /// week, and a new base invalidates every cached layer at an unknown time.
        ///
        /// ## Example
        /// ```dockerfile
        /// FROM node:latest
        /// ```
        ///
        /// Use instead:
        /// ```dockerfile
        /// FROM node:20.11-bookworm-slim
        /// ```
        ///
        /// ## Fix safety
        /// Display-only: which version to pin is your choice.
        code: "DO401",
        name: "latest-tag",
        family: Correctness,
        severity: Warning,
        hadolint: ["DL3007"],
        fix: Some(Applicability::DisplayOnly),
        check: Dockerfile(check),
    }

    pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
        super::check_tags(cx, out, true)
    }
}

pub mod untagged {
    use super::*;
    declare_rule! {
        /// ## What it does
        /// Finds `FROM image` with neither a tag nor a digest.
        ///
        /// ## Why is this bad?
        /// An untagged image means `latest`: not reproducible, and the base can
        /// change under the cache at any time.
        ///
        /// ## Example
        /// ```dockerfile
        /// FROM python
        /// ```
        ///
        /// Use instead:
        /// ```dockerfile
        /// FROM python:3.12-slim
        /// ```
        ///
        /// ## Fix safety
        /// Display-only: which version to pin is your choice.
        code: "DO402",
        name: "untagged-base",
        family: Correctness,
        severity: Warning,
        hadolint: ["DL3006"],
        fix: Some(Applicability::DisplayOnly),
        check: Dockerfile(check),
    }

    pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
        super::check_tags(cx, out, false)
    }
}

fn check_tags(cx: &DockerfileCtx, out: &mut Vec<Finding>, latest: bool) {
    for stage in &cx.model.stages {
        let Base::Image(img) = &stage.base else {
            continue;
        };
        if stage.base_raw.contains('$') || has_digest(img) {
            continue;
        }
        let ins = cx.ins(stage.from_instruction);
        let span = cx.find_in(ins, &stage.base_raw);
        match (image_tag(img), latest) {
            (Some("latest"), true) => out.push(
                cx.finding(&latest::RULE, span, format!("`{img}` follows a moving tag"))
                    .with_fix(Fix::display("pin a version tag (or a digest)")),
            ),
            (None, false) => out.push(
                cx.finding(
                    &untagged::RULE,
                    span,
                    format!("`{img}` has no tag: it means `latest`"),
                )
                .with_fix(Fix::display("pin a version tag (or a digest)")),
            ),
            _ => {}
        }
    }
}
