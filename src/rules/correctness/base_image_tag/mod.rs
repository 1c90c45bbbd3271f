//! DO401 latest-tag and DO402 untagged-base, one rule per file; the
//! tag reading they share is here.

pub mod latest;
pub mod untagged;

use crate::model::Base;
use crate::rules::ctx::{has_digest, image_tag};
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};

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
