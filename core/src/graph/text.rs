//! A [`Graph`] as Graphviz DOT and as a Mermaid flowchart, for `pipelab graph` and for pasting
//! into docs. A node's rows (a stage's jobs) and badges become extra label lines; its status
//! becomes a colour (DOT) or a class (Mermaid) in Argo's phase colours.
//!
//! **Architecture Invariant:** the output is valid for any ids and labels: DOT strings are quoted
//! and escaped; Mermaid node ids are generated (`n0`, `n1`…) and labels are entity-escaped.

use std::fmt::Write;

use super::{Direction, Graph, Node};

/// The colour of a status, as in the SVG renderer.
fn status_colour(status: &str) -> Option<&'static str> {
    Some(match status.to_ascii_lowercase().as_str() {
        "succeeded" => "#18BE94",
        "failed" | "error" => "#E96D76",
        "running" => "#0DADEA",
        "pending" => "#f4c030",
        "skipped" | "omitted" | "canceled" => "#6D7F8B",
        _ => return None,
    })
}

/// The label's lines: the label (with the status), badges, then one line per row.
fn lines(n: &Node) -> Vec<String> {
    let mut out = vec![if n.look.status.is_empty() {
        n.label.clone()
    } else {
        format!("{} ({})", n.label, n.look.status)
    }];
    if !n.look.badges.is_empty() {
        out.push(n.look.badges.join(" · "));
    }
    for r in &n.look.rows {
        let mut line = format!("• {}", r.label);
        if !r.status.is_empty() {
            let _ = write!(line, " ({})", r.status);
        }
        if !r.badges.is_empty() {
            let _ = write!(line, " [{}]", r.badges.join(" · "));
        }
        out.push(line);
    }
    out
}

fn dot_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Graphviz DOT: `digraph NAME { … }`.
pub fn dot(name: &str, graph: &Graph, direction: Direction) -> String {
    let mut out = format!("digraph {} {{\n", dot_string(name));
    let rankdir = match direction {
        Direction::LeftToRight => "LR",
        Direction::TopToBottom => "TB",
    };
    let _ = writeln!(
        out,
        "  rankdir={rankdir};\n  node [shape=box, style=rounded, fontname=\"sans-serif\"];"
    );
    for n in &graph.nodes {
        let label = lines(n).join("\n");
        let _ = write!(out, "  {} [label={}", dot_string(&n.id), dot_string(&label));
        if let Some(c) = status_colour(&n.look.status) {
            let _ = write!(out, ", color={}", dot_string(c));
        }
        out.push_str("];\n");
    }
    for e in &graph.edges {
        let _ = writeln!(out, "  {} -> {};", dot_string(&e.from), dot_string(&e.to));
    }
    out.push_str("}\n");
    out
}

fn mermaid_text(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A Mermaid flowchart (`flowchart LR` / `TB`).
pub fn mermaid(graph: &Graph, direction: Direction) -> String {
    let mut out = String::from(match direction {
        Direction::LeftToRight => "flowchart LR\n",
        Direction::TopToBottom => "flowchart TB\n",
    });
    let index: std::collections::BTreeMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut classes: Vec<(String, usize)> = Vec::new();
    for (i, n) in graph.nodes.iter().enumerate() {
        let label: Vec<String> = lines(n).iter().map(|l| mermaid_text(l)).collect();
        let _ = writeln!(out, "  n{i}[\"{}\"]", label.join("<br/>"));
        if status_colour(&n.look.status).is_some() {
            classes.push((n.look.status.to_ascii_lowercase(), i));
        }
    }
    for e in &graph.edges {
        if let (Some(a), Some(b)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) {
            let _ = writeln!(out, "  n{a} --> n{b}");
        }
    }
    let mut defined: Vec<&str> = Vec::new();
    for (status, i) in &classes {
        if !defined.contains(&status.as_str()) {
            if let Some(c) = status_colour(status) {
                let _ = writeln!(out, "  classDef {status} stroke:{c},stroke-width:2px");
            }
            defined.push(status);
        }
        let _ = writeln!(out, "  class n{i} {status}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::{Edge, Look, Row};

    fn sample() -> Graph {
        let mut a = Node::new("stage:a \"x\"", 0);
        a.label = "Build <1>".into();
        a.look = Look {
            status: "Failed".into(),
            rows: vec![Row {
                id: "job:a.b".into(),
                label: "b#1".into(),
                status: "Failed".into(),
                ..Row::default()
            }],
            ..Look::default()
        };
        let b = Node::new("stage:b", 1);
        Graph {
            nodes: vec![a, b],
            edges: vec![Edge::new("stage:a \"x\"", "stage:b")],
            groups: Vec::new(),
        }
    }

    #[test]
    fn dot_quotes_and_escapes_everything() {
        let out = dot("p \"1\"", &sample(), Direction::LeftToRight);
        assert!(out.starts_with("digraph \"p \\\"1\\\"\" {\n  rankdir=LR;"));
        assert!(out.contains(
            "\"stage:a \\\"x\\\"\" [label=\"Build <1> (Failed)\\n• b#1 (Failed)\", color=\"#E96D76\"];"
        ));
        assert!(out.contains("\"stage:a \\\"x\\\"\" -> \"stage:b\";"));
    }

    #[test]
    fn mermaid_uses_generated_ids_and_escaped_labels() {
        let out = mermaid(&sample(), Direction::TopToBottom);
        assert_eq!(
            out,
            "flowchart TB\n  n0[\"Build #lt;1#gt; (Failed)<br/>• b#35;1 (Failed)\"]\n  n1[\"stage:b\"]\n  n0 --> n1\n  classDef failed stroke:#E96D76,stroke-width:2px\n  class n0 failed\n"
        );
    }
}
