//! `dockopt multistage FILE [--context DIR] [--runtime-base IMAGE] [--diff|--stdout]`.
//! Exit 1 when the file would change, 0 when it is left as it is — already lean, or a
//! refusal, whose reasons go to stderr as `fix` reports the fixes it does not apply —
//! and 2 on errors (bad input, unreadable context).

use super::args::MultistageArgs;
use super::input::load;
use super::Outcome;
use anyhow::Context as _;
use dockopt::context::ContextTree;
use dockopt::model::{self, BuildOptions};
use dockopt::multistage::{self, Options};

pub fn run(a: MultistageArgs) -> anyhow::Result<Outcome> {
    if let Some(b) = &a.runtime_base {
        // An empty or blank reference would only fail later, as an
        // "internal: converted file does not parse".
        if b.trim().is_empty() || b.chars().any(char::is_whitespace) {
            anyhow::bail!(
                "--runtime-base {b:?}: expected an image reference such as python:3.12-slim"
            );
        }
    }
    let (file, df) = load(&a.file)?;
    let m = match model::build(&df, &BuildOptions::default()) {
        Ok(m) => m,
        Err(e) => {
            eprint!("{}", e.render(&file.name, &file.text));
            return Err(super::Reported.into());
        }
    };
    let root = a
        .context
        .clone()
        .unwrap_or_else(|| dockopt::context::default_root(&a.file).to_path_buf());
    let ctx = ContextTree::load(&root, Some(&a.file))
        .with_context(|| format!("cannot read the build context {}", root.display()))?;
    let opts = Options {
        runtime_base: a.runtime_base.clone(),
        context_root: Some(root.clone()),
    };
    let c = match multistage::convert(&df, &m, Some(&ctx), &opts) {
        Ok(c) => c,
        Err(r) => {
            // A refusal is an answer, not an error: nothing to change, and why.
            eprintln!("{}: not converted: {}", file.name, super::masked(&r.reason));
            if a.stdout {
                print!("{}", file.text);
            }
            return Ok(Outcome::Clean);
        }
    };
    if a.stdout {
        print!("{}", c.text);
    } else {
        let diff = similar::TextDiff::from_lines(&file.text, &c.text);
        // Masked like `fix --diff`: the diff is read in CI logs.
        let shown = diff
            .unified_diff()
            .context_radius(3)
            .header(&file.name, &format!("{} (multistage)", file.name))
            .to_string();
        print!("{}", super::masked(&shown));
    }
    eprintln!(
        "{}: {} → {} ({}), estimated saving {} MB",
        file.name,
        c.builder_base,
        c.runtime_base,
        c.ecosystem,
        c.estimated_saving_mb
            .map_or("unknown".to_string(), |n| format!("~{n}"))
    );
    if !c.moved_packages.is_empty() {
        eprintln!("  left in the builder: {}", c.moved_packages.join(" "));
    }
    for n in &c.notes {
        eprintln!("  note: {}", super::masked(n));
    }
    if c.text == file.text {
        return Ok(Outcome::Clean);
    }
    // Exit 1: the file would change. (Outcome has no "changes" variant yet; the rewrite
    // branch's `fix` adds one, and this becomes `Ok(Outcome::Changes)` at merge time.)
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    std::process::exit(1)
}
