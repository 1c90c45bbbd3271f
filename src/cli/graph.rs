//! `dockopt graph`.

use super::args::{GraphArgs, GraphFormat};
use super::input::{build_args, expand_paths, load};
use super::Outcome;
use dockopt::graph;
use dockopt::model::{self, BuildOptions};

pub fn run(a: GraphArgs) -> anyhow::Result<Outcome> {
    let opts = BuildOptions {
        build_args: build_args(&a.build_args)?,
        target: a.target.clone(),
    };
    for path in expand_paths(&a.paths)? {
        let (file, df) = load(&path)?;
        let m = model::build(&df, &opts).map_err(|e| anyhow::anyhow!("{}: {e}", file.name))?;
        let g = graph::build(&df, &m);
        match a.format {
            GraphFormat::Dot => print!("{}", graph::to_dot(&g)),
            GraphFormat::Mermaid => print!("{}", graph::to_mermaid(&g)),
            GraphFormat::Json => println!("{}", serde_json::to_string_pretty(&graph::to_json(&g))?),
        }
    }
    Ok(Outcome::Clean)
}
