//! Go: `go build -o OUT` in the builder; the runtime gets OUT on the same
//! family's small image (golang:V → debian:<release>-slim,
//! golang:V-alpine → alpine), or scratch/distroless with `--runtime-base`.

use super::compiled::{self, delivery_path, Artifact, Spec};
use super::images::{self, ImageRef};
use super::shell::CmdKind;
use super::{abs, push_unique, Analysis, Plan, Refusal};

pub(crate) fn plan(a: &Analysis, r: &ImageRef, opts: &super::Options) -> Result<Plan, Refusal> {
    compiled::only(
        a,
        |k| matches!(k, CmdKind::GoBuild(_) | CmdKind::GoOther | CmdKind::Make(_)),
        "Go",
    )?;
    let (runtime_base, saving) = images::native_runtime(r, 740, 230)?;
    let mut outs = Vec::new();
    for (item, c) in a.cmds() {
        let kinds = match &c.kind {
            CmdKind::Make(target) => make_steps(a, item, target.as_deref(), &c.text)?,
            k => vec![k.clone()],
        };
        for kind in &kinds {
            if let CmdKind::GoBuild(out) = kind {
                let out = out.as_ref().ok_or_else(|| {
                    Refusal::new(format!(
                        "line {}: `go build` without -o: the binary's name depends on go.mod",
                        item.ins.start_line
                    ))
                })?;
                if out.contains('$') {
                    return Err(Refusal::new(format!(
                        "line {}: -o uses a variable",
                        item.ins.start_line
                    )));
                }
                push_unique(&mut outs, &abs(&item.step.cwd, out));
            }
        }
    }
    if outs.is_empty() {
        return Err(Refusal::new(
            "no `go build -o`: nothing to carry to the runtime",
        ));
    }
    compiled::exec_argv(a)?;
    let mut notes = Vec::new();
    if !runtime_base.starts_with("alpine") {
        notes.push(
            "debian-slim has no ca-certificates: install them if the program makes TLS calls"
                .into(),
        );
    }
    let artifacts = outs
        .iter()
        .map(|o| Artifact {
            from: o.clone(),
            to: delivery_path(a, o),
        })
        .collect();
    compiled::plan(
        a,
        opts,
        Spec {
            runtime_base,
            base_saving: saving,
            artifacts,
            allow_shell_less: true,
            notes,
        },
    )
}

/// What `make [target]` runs, from the Makefile the RUN finds in its cwd,
/// classified like RUN commands; only Go steps are accepted (a recipe that
/// also writes elsewhere would leave the runtime without it).
fn make_steps(
    a: &Analysis,
    item: &super::Item,
    target: Option<&str>,
    text: &str,
) -> Result<Vec<CmdKind>, Refusal> {
    use crate::effects::Files;
    let line = item.ins.start_line;
    let files = super::ContextFiles { a };
    // GNU make's order: GNUmakefile, makefile, Makefile.
    let mk = ["GNUmakefile", "makefile", "Makefile"]
        .iter()
        .find_map(|n| files.read(&abs(&item.step.cwd, n)))
        .ok_or_else(|| {
            Refusal::of_kind(
                "`make`: Makefile not readable from the context",
                format!(
                    "line {line}: `{text}`: no Makefile readable from the context in {}",
                    item.step.cwd
                ),
            )
        })?;
    let recipe = crate::effects::makefile::recipe(&mk, target).map_err(|e| {
        Refusal::of_kind(
            "`make`: a Makefile the reader does not follow",
            format!("line {line}: `{text}`: {e}"),
        )
    })?;
    let mut kinds = Vec::new();
    for r in &recipe {
        let cmds = super::shell::classify_run(r).map_err(|e| {
            Refusal::of_kind(
                "`make`: a recipe step it cannot classify",
                format!("line {line}: `{text}` runs `{r}` (Makefile): {e}"),
            )
        })?;
        for c in cmds {
            match c.kind {
                CmdKind::GoBuild(_) | CmdKind::GoOther | CmdKind::Noop => kinds.push(c.kind),
                _ => {
                    return Err(Refusal::of_kind(
                        "`make`: a recipe step that is not a Go build step",
                        format!(
                            "line {line}: `{text}` runs `{}` (Makefile), which is not a Go build step: the runtime would lack what it writes",
                            c.text
                        ),
                    ))
                }
            }
        }
    }
    Ok(kinds)
}

#[cfg(test)]
mod tests {
    use super::super::tests::{convert_text, convert_with};

    #[test]
    fn binary_to_debian_slim() {
        let c = convert_text("FROM golang:1.22\nWORKDIR /go/src/app\nCOPY . .\nRUN go mod download\nRUN go build -o /go/bin/app ./cmd/app\nCMD [\"app\"]\n").unwrap();
        assert_eq!(c.runtime_base, "debian:bookworm-slim");
        assert!(
            c.text
                .contains("COPY --from=builder /go/bin/app /usr/local/bin/app"),
            "{}",
            c.text
        );
    }

    #[test]
    fn alpine_and_scratch() {
        let src = "FROM golang:1.22-alpine3.20\nWORKDIR /src\nCOPY . .\nRUN CGO_ENABLED=0 go build -o /out/app .\nENTRYPOINT [\"/out/app\"]\n";
        assert_eq!(convert_text(src).unwrap().runtime_base, "alpine:3.20");
        let c = convert_with(src, Some("scratch")).unwrap();
        assert!(c.text.contains("\nFROM scratch\n"));
        let e = convert_with(
            "FROM golang:1.22\nCOPY . .\nRUN go build -o /app .\nCMD /app --x\n",
            Some("scratch"),
        )
        .unwrap_err();
        assert!(e.reason.contains("shell"), "{e}");
    }

    #[test]
    fn make_build_reads_the_recipe() {
        use super::super::tests::convert_ctx;
        let df =
            "FROM golang:1.22\nWORKDIR /src\nCOPY . .\nRUN make build\nCMD [\"/src/bin/app\"]\n";
        let mk = "BIN := bin/app\nbuild: deps\n\tgo build -o $(BIN) ./cmd/app\ndeps:\n\tgo mod download\n";
        let c = convert_ctx(&[("Dockerfile", df, 0o644), ("Makefile", mk, 0o644)])
            .unwrap_or_else(|r| panic!("{r}"));
        assert!(
            c.text
                .contains("COPY --from=builder /src/bin/app /src/bin/app"),
            "{}",
            c.text
        );
        let mk = "build:\n\tgo build -o bin/app ./cmd/app\n\tcp config/app.yaml /etc/app.yaml\n";
        let e = convert_ctx(&[("Dockerfile", df, 0o644), ("Makefile", mk, 0o644)]).unwrap_err();
        assert!(
            e.reason
                .contains("`cp config/app.yaml /etc/app.yaml` (Makefile)"),
            "{e}"
        );
    }

    #[test]
    fn refuses_go_build_without_output() {
        let e = convert_text("FROM golang:1.22\nCOPY . .\nRUN go build ./...\nCMD [\"app\"]\n")
            .unwrap_err();
        assert!(e.reason.contains("without -o"), "{e}");
    }
}
