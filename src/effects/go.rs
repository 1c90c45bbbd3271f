//! The go command: `go.mod`, `go.sum`, `go.work`, `go.work.sum` found from
//! the cwd upward, `replace` directives pointing at local directories (their
//! trees are read), `GOFLAGS`, `CGO_ENABLED`, `GOPROXY` and every `GO*`
//! variable, and `$GOENV` (`~/.config/go/env`). Building reads the module
//! tree; `go mod download` reads only the module files.

use super::{config_rel, read_cwd, read_rel, write_cwd, Cmd, Cx, Effects};
use crate::model::path;

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    if c.prog != "go" {
        return false;
    }
    fx.env_prefix(&[
        "GO",
        "CGO_",
        "CC",
        "CXX",
        "AR",
        "PKG_CONFIG",
        "http_",
        "https_",
        "HTTP_",
        "HTTPS_",
        "no_proxy",
        "NO_PROXY",
    ]);
    super::config_from_env(fx, cx, "GOENV");
    fx.config(&cx.home(".config/go/env"));
    let gopath = cx
        .var("GOPATH")
        .map(str::to_string)
        .unwrap_or_else(|| cx.home("go"));
    // The module cache and installed binaries live under GOPATH (the
    // golang images set GOPATH=/go), not the whole GOPATH tree.
    for g in [gopath.as_str(), "/go"] {
        fx.read_write(&path::join_abs(g, "pkg"));
        fx.read_write(&path::join_abs(g, "bin"));
    }
    fx.read_write(&cx.home(".cache/go-build"));
    fx.read("/usr/local/go");
    if let Some(m) = cx.var("GOMODCACHE") {
        super::write_rel(fx, cx, m);
    }
    for d in cx.cwd_and_ancestors() {
        for f in ["go.mod", "go.sum", "go.work", "go.work.sum"] {
            fx.config(&path::join_abs(&d, f));
        }
    }
    fx.network = true;
    let vals = c.vals();
    let sub = vals.first().copied().flatten();
    match sub {
        Some("mod")
            if vals.get(1).copied().flatten() == Some("download")
                && vals[2..]
                    .iter()
                    .all(|v| v.is_some_and(|v| v.starts_with('-'))) =>
        {
            module_files(cx, fx);
        }
        Some("install")
            if c.positional_with(&[])
                .iter()
                .skip(1)
                .all(|a| a.str().is_some_and(|v| v.contains('@')))
                && c.args.len() > 1 =>
        {
            // `go install pkg@version` ignores the current module.
            fx.write(&path::join_abs(&gopath, "bin"));
        }
        Some("version" | "env") if !vals.contains(&Some("-w")) => {}
        Some("env") => fx.write(&cx.home(".config/go")),
        _ => {
            // build, test, generate, vet, run, mod tidy…: the module tree,
            // and outputs in the cwd (`go build` writes the binary there).
            read_cwd(fx, cx);
            module_files(cx, fx);
            write_cwd(fx, cx);
            if matches!(sub, Some("run" | "generate" | "test")) {
                fx.give_up(format!(
                    "`go {}` runs code this model does not read",
                    sub.unwrap_or("")
                ));
            }
        }
    }
    true
}

/// go.mod's local `replace` targets (trees); unknown go.mod: the cwd tree.
fn module_files(cx: &Cx, fx: &mut Effects) {
    config_rel(fx, cx, "go.mod");
    config_rel(fx, cx, "go.sum");
    config_rel(fx, cx, "vendor");
    let Some(text) = cx.abs("go.mod").and_then(|p| cx.files.read(&p)) else {
        read_cwd(fx, cx);
        return;
    };
    for line in text.lines() {
        if let Some((_, target)) = line.split_once("=>") {
            let t = target.split_whitespace().next().unwrap_or("");
            if t.starts_with("./")
                || t.starts_with("../")
                || t.starts_with('/')
                || t == "."
                || t == ".."
            {
                read_rel(fx, cx, t);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::fx_files;

    #[test]
    fn download_reads_module_files_and_replacements() {
        let e = fx_files(
            "go mod download",
            &[("/app/go.mod", "module x\nreplace y => ../y\n")],
        );
        assert!(
            e.reads_under("/app/go.mod") && e.reads_under("/app/go.sum") && e.reads_under("/y")
        );
        assert!(
            !e.reads_under("/app/main.go") && e.reads_env("GOFLAGS") && e.reads_env("CGO_ENABLED")
        );
        let e = fx_files("go build -o /bin/app .", &[]);
        assert!(e.reads_under("/app/main.go"));
    }
}
