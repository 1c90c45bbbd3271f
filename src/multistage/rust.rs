//! Rust: `cargo build --release` in the builder; the runtime gets the
//! binary the CMD/ENTRYPOINT names (`target/release/X`, or `X` from
//! `cargo install`) on debian:<release>-slim (alpine for rust:V-alpine).

use super::compiled::{self, delivery_path, Artifact, Spec};
use super::images::{self, ImageRef};
use super::shell::CmdKind;
use super::{abs, Analysis, Plan, Refusal};

pub(crate) fn plan(a: &Analysis, r: &ImageRef, opts: &super::Options) -> Result<Plan, Refusal> {
    compiled::only(a, |k| matches!(k, CmdKind::Cargo { .. }), "Rust")?;
    let (runtime_base, saving) = images::native_runtime(r, 1400, 800)?;
    let install = a
        .cmds()
        .any(|(_, c)| c.kind == CmdKind::Cargo { install: true });
    let built = a
        .cmds()
        .any(|(_, c)| matches!(c.kind, CmdKind::Cargo { .. }));
    if !built {
        return Err(Refusal::new(
            "no `cargo build`: nothing to carry to the runtime",
        ));
    }
    let argv = compiled::exec_argv(a)?;
    let workdir = a.workdir();
    let first = &argv[0];
    let from = if first.contains('/') {
        let p = abs(&workdir, first);
        if !p.contains("/target/") {
            return Err(Refusal::new(format!(
                "`{first}` is not a cargo output (target/…)"
            )));
        }
        p
    } else if install {
        format!("/usr/local/cargo/bin/{first}")
    } else {
        return Err(Refusal::new(format!(
            "cannot tell which binary `{first}` is: name it as target/release/{first} or use cargo install"
        )));
    };
    let to = delivery_path(a, &from);
    compiled::plan(
        a,
        opts,
        Spec {
            runtime_base,
            base_saving: saving,
            artifacts: vec![Artifact { from, to }],
            allow_shell_less: true,
            notes: vec!["a binary linked against OpenSSL needs libssl in the runtime".into()],
        },
    )
}

#[cfg(test)]
mod tests {
    use super::super::tests::convert_text;

    #[test]
    fn release_binary() {
        let c = convert_text("FROM rust:1.79\nWORKDIR /usr/src/ledger\nCOPY . .\nRUN cargo build --release\nCMD [\"./target/release/ledger\"]\n").unwrap();
        assert_eq!(c.runtime_base, "debian:bookworm-slim");
        assert!(c.text.contains("COPY --from=builder /usr/src/ledger/target/release/ledger /usr/src/ledger/target/release/ledger"));
    }

    #[test]
    fn cargo_install_and_unknown_binary() {
        let c = convert_text(
            "FROM rust:1.79-alpine3.20\nCOPY . .\nRUN cargo install --path .\nCMD [\"svc\"]\n",
        )
        .unwrap();
        assert!(
            c.text
                .contains("/usr/local/cargo/bin/svc /usr/local/bin/svc"),
            "{}",
            c.text
        );
        assert!(convert_text(
            "FROM rust:1.79\nCOPY . .\nRUN cargo build --release\nCMD [\"svc\"]\n"
        )
        .is_err());
    }
}
