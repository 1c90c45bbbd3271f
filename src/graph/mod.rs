//! The dependency graph (petgraph): stages and steps with typed edges,
//! rendered as DOT, JSON or Mermaid.

mod render;

pub use render::{to_dot, to_json, to_mermaid};

use crate::model::{Base, CopySource, Model, Op};
use crate::syntax::{Dockerfile, Keyword};
use petgraph::graph::{DiGraph, NodeIndex};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Node {
    /// The build context.
    Context,
    /// An image not defined in the Dockerfile.
    Image { reference: String },
    /// A global ARG used to expand FROM lines.
    MetaArg { name: String, line: usize },
    Stage {
        index: usize,
        name: Option<String>,
        line: usize,
        /// Reachable from the target: BuildKit builds it.
        built: bool,
    },
    Step {
        index: usize,
        stage: usize,
        line: usize,
        keyword: Keyword,
        text: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Edge {
    /// Step order inside a stage (the LLB chain).
    Sequence,
    /// `FROM <stage>`: the stage continues another.
    Base,
    /// `COPY --from` or `RUN --mount from=`.
    CopyFrom,
    /// Reads these build-context paths ("" is the whole context).
    Context { patterns: Vec<String> },
    /// A variable's definition to its use.
    Var { name: String },
    /// The WORKDIR in effect.
    Workdir,
    /// The USER in effect.
    User,
}

#[derive(Debug, Clone)]
pub struct Graph {
    pub graph: DiGraph<Node, Edge>,
    pub stage_nodes: Vec<NodeIndex>,
    pub step_nodes: Vec<NodeIndex>,
}

/// Builds the graph of a model; `df` gives line numbers and text.
pub fn build(df: &Dockerfile, model: &Model) -> Graph {
    let mut g: DiGraph<Node, Edge> = DiGraph::new();
    let reachable = model.reachable();
    let context = g.add_node(Node::Context);
    let mut images: Vec<(String, NodeIndex)> = Vec::new();
    let mut image_node = |g: &mut DiGraph<Node, Edge>, r: &str| -> NodeIndex {
        if let Some((_, n)) = images.iter().find(|(x, _)| x == r) {
            return *n;
        }
        let n = g.add_node(Node::Image {
            reference: r.to_string(),
        });
        images.push((r.to_string(), n));
        n
    };
    let meta_nodes: Vec<NodeIndex> = model
        .meta_args
        .iter()
        .map(|m| {
            g.add_node(Node::MetaArg {
                name: m.name.clone(),
                line: df
                    .instructions
                    .get(m.instruction)
                    .map_or(0, |i| i.start_line),
            })
        })
        .collect();
    let stage_nodes: Vec<NodeIndex> = model
        .stages
        .iter()
        .map(|s| {
            g.add_node(Node::Stage {
                index: s.index,
                name: s.name.clone(),
                line: df
                    .instructions
                    .get(s.from_instruction)
                    .map_or(0, |i| i.start_line),
                built: reachable.get(s.index).copied().unwrap_or(false),
            })
        })
        .collect();
    for s in &model.stages {
        match &s.base {
            Base::Stage(b) => {
                g.add_edge(stage_nodes[*b], stage_nodes[s.index], Edge::Base);
            }
            Base::Image(r) => {
                let n = image_node(&mut g, r);
                g.add_edge(n, stage_nodes[s.index], Edge::Base);
            }
            Base::Scratch => {}
        }
        for (m, node) in model.meta_args.iter().zip(&meta_nodes) {
            let refs = s.base_raw.contains(&format!("${}", m.name))
                || s.base_raw.contains(&format!("${{{}", m.name));
            if refs {
                g.add_edge(
                    *node,
                    stage_nodes[s.index],
                    Edge::Var {
                        name: m.name.clone(),
                    },
                );
            }
        }
    }
    let step_nodes: Vec<NodeIndex> = model
        .steps
        .iter()
        .enumerate()
        .map(|(i, st)| {
            let ins = &df.instructions[st.instruction];
            g.add_node(Node::Step {
                index: i,
                stage: st.stage,
                line: ins.start_line,
                keyword: st.keyword,
                text: ins.first_line(&df.source).to_string(),
            })
        })
        .collect();

    for s in &model.stages {
        let mut prev = stage_nodes[s.index];
        // Definitions visible in this stage: inherited from a base stage too.
        let mut defs: Vec<(String, NodeIndex)> = Vec::new();
        let mut base = s.base.clone();
        let mut chain = Vec::new();
        while let Base::Stage(b) = base {
            chain.push(b);
            base = model.stages[b].base.clone();
        }
        for b in chain.into_iter().rev() {
            for (i, st) in model
                .steps
                .iter()
                .enumerate()
                .filter(|(_, st)| st.stage == b)
            {
                for d in &st.defines {
                    defs.push((d.clone(), step_nodes[i]));
                }
            }
        }
        let mut workdir: Option<NodeIndex> = None;
        let mut user: Option<NodeIndex> = None;
        for (i, st) in model
            .steps
            .iter()
            .enumerate()
            .filter(|(_, st)| st.stage == s.index)
        {
            let node = step_nodes[i];
            g.add_edge(prev, node, Edge::Sequence);
            prev = node;
            for r in &st.var_refs {
                if let Some((_, d)) = defs.iter().rev().find(|(n, _)| n == r) {
                    g.add_edge(*d, node, Edge::Var { name: r.clone() });
                }
            }
            let uses_cwd = matches!(
                st.keyword,
                Keyword::Run | Keyword::Copy | Keyword::Add | Keyword::Workdir
            );
            if let (true, Some(w)) = (uses_cwd, workdir) {
                g.add_edge(w, node, Edge::Workdir);
            }
            let uses_user = matches!(st.keyword, Keyword::Run | Keyword::Workdir);
            if let (true, Some(u)) = (uses_user, user) {
                g.add_edge(u, node, Edge::User);
            }
            let ctx = st.context_reads();
            if !ctx.is_empty() {
                g.add_edge(context, node, Edge::Context { patterns: ctx });
            }
            for from in st.stage_reads() {
                g.add_edge(stage_nodes[from], node, Edge::CopyFrom);
            }
            if let Some(Op::Copy(c)) = &st.op {
                if let CopySource::Image(r) = &c.source {
                    let n = image_node(&mut g, r);
                    g.add_edge(n, node, Edge::CopyFrom);
                }
            }
            for d in &st.defines {
                defs.push((d.clone(), node));
            }
            match st.keyword {
                Keyword::Workdir => workdir = Some(node),
                Keyword::User => user = Some(node),
                _ => {}
            }
        }
    }
    Graph {
        graph: g,
        stage_nodes,
        step_nodes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{build as build_model, BuildOptions};
    use crate::syntax::parse;

    fn edges(src: &str) -> Vec<(String, String, Edge)> {
        let df = parse(src).unwrap_or_else(|e| panic!("{e}"));
        let m = build_model(&df, &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let g = build(&df, &m);
        let name = |n: NodeIndex| match &g.graph[n] {
            Node::Context => "context".to_string(),
            Node::Image { reference } => format!("image:{reference}"),
            Node::MetaArg { name, .. } => format!("arg:{name}"),
            Node::Stage { index, .. } => format!("stage{index}"),
            Node::Step { line, .. } => format!("L{line}"),
        };
        g.graph
            .edge_indices()
            .filter_map(|e| {
                let (a, b) = g.graph.edge_endpoints(e)?;
                Some((name(a), name(b), g.graph[e].clone()))
            })
            .collect()
    }

    #[test]
    fn typed_edges() {
        let e = edges(
            "ARG V=1\nFROM img:$V AS b\nENV X=1\nWORKDIR /app\nUSER u\nCOPY req.txt .\nRUN echo $X\nFROM b\nCOPY --from=b /app /app\nRUN --mount=type=bind,source=src,target=/s ls\n",
        );
        let has = |a: &str, b: &str, k: &Edge| e.iter().any(|(x, y, z)| x == a && y == b && z == k);
        assert!(has("arg:V", "stage0", &Edge::Var { name: "V".into() }));
        assert!(has("image:img:1", "stage0", &Edge::Base));
        assert!(has("stage0", "stage1", &Edge::Base));
        assert!(has("L3", "L7", &Edge::Var { name: "X".into() }));
        assert!(has("L4", "L7", &Edge::Workdir));
        assert!(has("L5", "L7", &Edge::User));
        assert!(has(
            "context",
            "L6",
            &Edge::Context {
                patterns: vec!["req.txt".into()]
            }
        ));
        assert!(has("stage0", "L9", &Edge::CopyFrom));
        assert!(has(
            "context",
            "L10",
            &Edge::Context {
                patterns: vec!["src".into()]
            }
        ));
        assert!(has("L6", "L7", &Edge::Sequence));
    }
}
