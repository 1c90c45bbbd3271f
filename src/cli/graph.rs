//! `dockopt graph`.

use super::args::{GraphArgs, GraphFormat};
use super::input::{build_args, expand_paths, load};
use super::{Outcome, Reported};
use dockopt::graph;
use dockopt::model::{self, BuildOptions};

pub fn run(a: GraphArgs) -> anyhow::Result<Outcome> {
    let opts = BuildOptions {
        build_args: build_args(&a.build_args)?,
        target: a.target.clone(),
        ..Default::default()
    };
    let mut failed = false;
    for path in expand_paths(&a.paths)? {
        let (file, df) = match load(&path) {
            Ok(x) => x,
            Err(e) => {
                if e.downcast_ref::<Reported>().is_none() {
                    eprintln!("error: {}", super::render_error(&e));
                }
                failed = true;
                continue;
            }
        };
        let m = match model::build(&df, &opts) {
            Ok(m) => m,
            Err(e) => {
                eprint!("{}", e.render(&file.name, &file.text));
                failed = true;
                continue;
            }
        };
        for w in &m.warnings {
            eprintln!("warning: {}", super::masked(&format!("{}: {w}", file.name)));
        }
        let g = graph::build(&df, &m);
        match a.format {
            GraphFormat::Dot => print!("{}", super::masked(&graph::to_dot(&g))),
            GraphFormat::Mermaid => print!("{}", super::masked(&graph::to_mermaid(&g))),
            GraphFormat::Json => println!(
                "{}",
                serde_json::to_string_pretty(&super::masked_json(graph::to_json(&g)))?
            ),
        }
    }
    if failed {
        return Err(Reported.into());
    }
    Ok(Outcome::Clean)
}
