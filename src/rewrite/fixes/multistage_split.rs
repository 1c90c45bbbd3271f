//! DO207 multistage-split: build on a full image, run on a slim one.
//!
//! ## What it does
//! Splits a single-stage Dockerfile whose image carries compilers, `-dev`
//! headers or SDKs into a `builder` stage and a runtime stage on the same
//! family's small image (see `crate::multistage` for the patterns and the
//! base-image tables).
//!
//! ## Why is this bad?
//! Build tools shipped in the final image cost size, pull time and attack
//! surface, and every build-only package is one more thing to patch.
//!
//! ## Example
//! ```dockerfile
//! FROM python:3.9-buster
//! RUN apt-get update && apt-get install -y gcc libpq-dev
//! COPY requirements.txt .
//! RUN pip install -r requirements.txt
//! ```
//! Use instead: a `python:3.9-buster AS builder` stage that builds wheels,
//! and a `python:3.9-slim-buster` runtime that installs them with `libpq5`.
//!
//! ## Fix safety
//! Unsafe: the image changes on purpose (another base, no compilers). The
//! runtime stage's config (ENV, WORKDIR, USER, EXPOSE, CMD, ENTRYPOINT,
//! HEALTHCHECK, LABEL, STOPSIGNAL) is checked equal to the original's; when
//! the converter cannot be sure it does not convert, and says why.

use crate::fix::{Applicability, Checker, Edit, Fix};
use crate::multistage::{convert, Options};

pub const CODE: &str = "DO207";

pub fn check(c: &mut Checker) {
    if c.model.stages.len() != 1 {
        return;
    }
    let line = c.df.instructions.first().map_or(1, |i| i.start_line);
    let opts = Options {
        context_root: c.root.map(|r| r.to_path_buf()),
        ..Options::default()
    };
    match convert(c.df, c.model, c.context, &opts) {
        Ok(conv) if conv.text != c.df.source => c.fix(Fix {
            transforms: Vec::new(),
            code: CODE,
            message: format!(
                "split into a `{}` builder and a `{}` runtime: build tools stay out of the image",
                conv.builder_base, conv.runtime_base
            ),
            applicability: Applicability::Unsafe,
            line,
            edits: vec![Edit {
                start: 0,
                end: c.df.source.len(),
                content: conv.text,
            }],
        }),
        Ok(_) => {}
        Err(r) => c.skip(CODE, line, r.reason),
    }
}
