//! Graph renderings: DOT (graphviz), JSON and Mermaid.

use super::{Edge, Graph, Node};
use petgraph::visit::EdgeRef;
use serde_json::{json, Value};
use std::fmt::Write as _;

fn label(n: &Node) -> String {
    match n {
        Node::Context => "build context".to_string(),
        Node::Image { reference } => format!("image {reference}"),
        Node::MetaArg { name, .. } => format!("ARG {name}"),
        Node::Stage { index, name, .. } => match name {
            Some(n) => format!("stage {index} ({n})"),
            None => format!("stage {index}"),
        },
        // Masked before a format escapes its quotes (`#quot;`, `\"`), which
        // would hide where a quoted secret value ends.
        Node::Step { line, text, .. } => {
            crate::report::mask::text(&format!("{line}: {text}")).into_owned()
        }
    }
}

fn edge_label(e: &Edge) -> String {
    match e {
        Edge::Sequence => String::new(),
        Edge::Base => "base".into(),
        Edge::CopyFrom => "copy-from".into(),
        Edge::Context { patterns } => {
            let p: Vec<&str> = patterns
                .iter()
                .map(|p| if p.is_empty() { "." } else { p.as_str() })
                .collect();
            format!("context: {}", p.join(" "))
        }
        Edge::Var { name } => format!("${name}"),
        Edge::Workdir => "workdir".into(),
        Edge::User => "user".into(),
    }
}

fn dot_escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}

/// The step nodes of stage `si`, in order.
fn stage_steps(g: &Graph, si: usize) -> impl Iterator<Item = petgraph::graph::NodeIndex> + '_ {
    g.step_nodes
        .iter()
        .copied()
        .filter(move |&st| matches!(g.graph[st], Node::Step { stage, .. } if stage == si))
}

/// Inputs drawn outside the stages: the context, images, global ARGs.
fn external_nodes(g: &Graph) -> impl Iterator<Item = petgraph::graph::NodeIndex> + '_ {
    g.graph.node_indices().filter(move |&n| {
        matches!(
            g.graph[n],
            Node::Context | Node::Image { .. } | Node::MetaArg { .. }
        )
    })
}

/// Graphviz DOT: one cluster per stage; unbuilt stages are dashed.
fn to_dot_unmasked(g: &Graph) -> String {
    let mut out = String::from(
        "digraph dockerfile {\n  rankdir=TB;\n  node [shape=box, fontname=\"monospace\"];\n",
    );
    for (si, &sn) in g.stage_nodes.iter().enumerate() {
        let built = matches!(g.graph[sn], Node::Stage { built: true, .. });
        let _ = writeln!(out, "  subgraph cluster_{si} {{");
        let _ = writeln!(out, "    label=\"{}\";", dot_escape(&label(&g.graph[sn])));
        if !built {
            let _ = writeln!(out, "    style=dashed;");
        }
        let _ = writeln!(
            out,
            "    n{} [label=\"{}\", shape=ellipse];",
            sn.index(),
            dot_escape(&label(&g.graph[sn]))
        );
        for st in stage_steps(g, si) {
            let _ = writeln!(
                out,
                "    n{} [label=\"{}\"];",
                st.index(),
                dot_escape(&label(&g.graph[st]))
            );
        }
        let _ = writeln!(out, "  }}");
    }
    for n in external_nodes(g) {
        let _ = writeln!(
            out,
            "  n{} [label=\"{}\", shape=note];",
            n.index(),
            dot_escape(&label(&g.graph[n]))
        );
    }
    for e in g.graph.edge_references() {
        let style = match e.weight() {
            Edge::Sequence => "",
            Edge::Var { .. } | Edge::Workdir | Edge::User => ", style=dotted",
            _ => ", style=bold",
        };
        let _ = writeln!(
            out,
            "  n{} -> n{} [label=\"{}\"{}];",
            e.source().index(),
            e.target().index(),
            dot_escape(&edge_label(e.weight())),
            style
        );
    }
    out.push_str("}\n");
    out
}

/// `{"nodes":[{"id":..,"kind":..,...}],"edges":[{"from":..,"to":..,"kind":..,...}]}`.
fn to_json_unmasked(g: &Graph) -> Value {
    let nodes: Vec<Value> = g
        .graph
        .node_indices()
        .map(|n| {
            let mut v = serde_json::to_value(&g.graph[n]).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("id".into(), json!(n.index()));
            }
            v
        })
        .collect();
    let edges: Vec<Value> = g
        .graph
        .edge_references()
        .map(|e| {
            let mut v = serde_json::to_value(e.weight()).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("from".into(), json!(e.source().index()));
                m.insert("to".into(), json!(e.target().index()));
            }
            v
        })
        .collect();
    json!({ "nodes": nodes, "edges": edges })
}

fn mermaid_text(s: &str) -> String {
    s.replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

/// A Mermaid flowchart (renders in GitHub Markdown).
fn to_mermaid_unmasked(g: &Graph) -> String {
    let mut out = String::from("flowchart TD\n");
    for (si, &sn) in g.stage_nodes.iter().enumerate() {
        let _ = writeln!(
            out,
            "  subgraph s{si}[\"{}\"]",
            mermaid_text(&label(&g.graph[sn]))
        );
        let _ = writeln!(
            out,
            "    n{}([\"{}\"])",
            sn.index(),
            mermaid_text(&label(&g.graph[sn]))
        );
        for st in stage_steps(g, si) {
            let _ = writeln!(
                out,
                "    n{}[\"{}\"]",
                st.index(),
                mermaid_text(&label(&g.graph[st]))
            );
        }
        out.push_str("  end\n");
    }
    for n in external_nodes(g) {
        let _ = writeln!(
            out,
            "  n{}[/\"{}\"/]",
            n.index(),
            mermaid_text(&label(&g.graph[n]))
        );
    }
    for e in g.graph.edge_references() {
        let l = edge_label(e.weight());
        let arrow = match e.weight() {
            Edge::Var { .. } | Edge::Workdir | Edge::User => "-.->",
            Edge::Sequence => "-->",
            _ => "==>",
        };
        if l.is_empty() {
            let _ = writeln!(
                out,
                "  n{} {} n{}",
                e.source().index(),
                arrow,
                e.target().index()
            );
        } else {
            let _ = writeln!(
                out,
                "  n{} {}|\"{}\"| n{}",
                e.source().index(),
                arrow,
                mermaid_text(&l),
                e.target().index()
            );
        }
    }
    out
}

/// Secrets masked ([`crate::report::mask`]).
pub fn to_dot(g: &Graph) -> String {
    crate::report::mask::text(&to_dot_unmasked(g)).into_owned()
}

/// Secrets masked ([`crate::report::mask`]).
pub fn to_json(g: &Graph) -> Value {
    let mut v = to_json_unmasked(g);
    crate::report::mask::json(&mut v);
    v
}

/// Secrets masked ([`crate::report::mask`]).
pub fn to_mermaid(g: &Graph) -> String {
    crate::report::mask::text(&to_mermaid_unmasked(g)).into_owned()
}
