//! Shared test helpers and cross-ecosystem properties.

use super::{convert, Conversion, Options, Refusal};
use crate::model::{self, BuildOptions};
use crate::syntax;

pub(crate) fn convert_with(src: &str, runtime_base: Option<&str>) -> Result<Conversion, Refusal> {
    let df = syntax::parse(src).expect("parses");
    let m = model::build(&df, &BuildOptions::default()).expect("model");
    let opts = Options {
        runtime_base: runtime_base.map(str::to_string),
        ..Options::default()
    };
    convert(&df, &m, None, &opts)
}

pub(crate) fn convert_text(src: &str) -> Result<Conversion, Refusal> {
    convert_with(src, None)
}

#[test]
fn refusals_say_why() {
    let cases = [
        (
            "FROM python:3.12 AS a\nRUN true\nFROM a\n",
            "already multistage",
        ),
        ("FROM python:3.12\nONBUILD RUN true\n", "ONBUILD"),
        (
            "FROM python:3.12\nRUN <<EOF\npip install x\nEOF\n",
            "heredoc",
        ),
        (
            "FROM python:3.12\nCOPY --from=nginx:1 /x /x\nRUN pip install -r r.txt\n",
            "COPY --from an image",
        ),
        (
            "FROM python:3.12-weird\nCOPY . .\nRUN pip install -r r.txt\n",
            "no known slim variant",
        ),
        (
            "FROM python:3.12\nCOPY . .\nRUN make all\n",
            "not a Python build step",
        ),
        (
            "FROM ubuntu:22.04\nRUN apt-get update\n",
            "no recognised build toolchain",
        ),
        (
            "FROM python:3.12\nCOPY . .\nRUN pip install -r r.txt && echo 'x\n",
            "line 3: RUN step does not parse as a shell script: ",
        ),
        (
            "FROM python:3.12@sha256:abcd\nRUN pip install x\n",
            "digest",
        ),
    ];
    for (src, want) in cases {
        let e = convert_text(src).expect_err(src);
        assert!(e.reason.contains(want), "{src}: {e}");
    }
}

/// A path with a blank, `$` or a glob character would be written unquoted into
/// `COPY --from=builder /my app /my app` (four words) or `cd /my app`: refused,
/// whether it comes from WORKDIR, a RUN's directory or a build output. The
/// same files with plain paths convert (the refusal is the path's, not the
/// pattern's).
#[test]
fn paths_that_need_quoting_are_refused() {
    let cases = [
        (
            "FROM node:20.11-slim\nWORKDIR \"/my app\"\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\nRUN npm run build\nCMD [\"node\", \"index.js\"]\n",
            "\"/my app\"",
            "/app",
        ),
        (
            "FROM golang:1.22\nWORKDIR /s\nCOPY . .\nRUN go build -o \"/bin/my app\" .\nCMD [\"/bin/app\"]\n",
            "\"/bin/my app\"",
            "/bin/app",
        ),
        (
            "FROM golang:1.22\nWORKDIR /s\nCOPY . .\nRUN go build -o '/bin/a[1]' .\nCMD [\"/bin/app\"]\n",
            "'/bin/a[1]'",
            "/bin/app",
        ),
        (
            "FROM python:3.12\nWORKDIR /app\nCOPY . .\nWORKDIR \"/app/s d\"\nRUN pip install -r requirements.txt\nWORKDIR /app\nCMD [\"python\", \"app.py\"]\n",
            "\"/app/s d\"",
            "/app/sub",
        ),
    ];
    for (src, odd, fine) in cases {
        let e = convert_text(src).expect_err(src);
        assert!(e.reason.contains("needs quoting"), "{src}: {e}");
        let plain = src.replace(odd, fine);
        let c = convert_text(&plain).unwrap_or_else(|e| panic!("{plain}: {e}"));
        assert!(c.text.contains(" AS builder"), "{}", c.text);
    }
}

#[test]
fn output_is_a_fixpoint() {
    let src =
        "FROM golang:1.22\nWORKDIR /s\nCOPY . .\nRUN go build -o /bin/app .\nCMD [\"/bin/app\"]\n";
    let c = convert_text(src).unwrap();
    let again = convert_text(&c.text).unwrap_err();
    assert!(again.reason.starts_with("already multistage"), "{again}");
}

/// Converts the Dockerfile of a context written to a temp dir (`files`:
/// path, text, mode), with the context and its directory as the CLI passes them.
pub(crate) fn convert_ctx(files: &[(&str, &str, u32)]) -> Result<Conversion, Refusal> {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    for (p, text, mode) in files {
        let f = dir.path().join(p);
        std::fs::create_dir_all(f.parent().unwrap()).unwrap();
        std::fs::write(&f, text).unwrap();
        std::fs::set_permissions(&f, std::fs::Permissions::from_mode(*mode)).unwrap();
    }
    let src = std::fs::read_to_string(dir.path().join("Dockerfile")).unwrap();
    let df = syntax::parse(&src).expect("parses");
    let m = model::build(&df, &BuildOptions::default()).expect("model");
    let tree = crate::context::ContextTree::load(dir.path(), Some(&dir.path().join("Dockerfile")))
        .expect("context");
    let opts = Options {
        context_root: Some(dir.path().to_path_buf()),
        ..Options::default()
    };
    convert(&df, &m, Some(&tree), &opts)
}
