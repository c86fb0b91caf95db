//! YAML loader fixtures: every file in `fixtures/yaml/` is loaded and its tree (each node with
//! its line:column span and the source text the span covers) plus diagnostics is snapshotted.

use std::fmt::Write;

use pipelab_core::diag::{render_short, Sources};
use pipelab_core::yaml::{load, Node, Value};

fn dump(out: &mut String, sources: &Sources, node: &Node, depth: usize) {
    let file = sources.get(node.span.file).unwrap();
    let (a, b) = (
        file.line_col(node.span.start as usize),
        file.line_col(node.span.end as usize),
    );
    let covered = &file.text[node.span.range()];
    let covered = if covered.len() > 40 {
        format!("{}…", &covered[..covered.floor_char_boundary(40)])
    } else {
        covered.to_string()
    };
    let pad = "  ".repeat(depth);
    let tag = node
        .tag
        .as_deref()
        .map(|t| format!(" tag={t}"))
        .unwrap_or_default();
    match &node.value {
        Value::Scalar(s) => {
            writeln!(
                out,
                "{pad}scalar {:?} {:?}{tag} @{}:{}-{}:{} {covered:?}",
                s.style, s.text, a.line, a.col, b.line, b.col
            )
            .unwrap();
        }
        Value::Sequence(items) => {
            writeln!(
                out,
                "{pad}sequence{tag} @{}:{}-{}:{}",
                a.line, a.col, b.line, b.col
            )
            .unwrap();
            for item in items {
                dump(out, sources, item, depth + 1);
            }
        }
        Value::Mapping(entries) => {
            writeln!(
                out,
                "{pad}mapping{tag} @{}:{}-{}:{}",
                a.line, a.col, b.line, b.col
            )
            .unwrap();
            for entry in entries {
                dump(out, sources, &entry.key, depth + 1);
                dump(out, sources, &entry.value, depth + 2);
            }
        }
    }
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/yaml/*.yml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let mut sources = Sources::new();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let file = sources.add(name.clone(), text.clone());
        let loaded = load(file, &text);
        let mut out = String::new();
        for doc in &loaded.documents {
            writeln!(out, "--- document {}", doc.index).unwrap();
            dump(&mut out, &sources, &doc.root, 0);
        }
        for d in &loaded.diagnostics {
            writeln!(out, "{}", render_short(d, &sources)).unwrap();
        }
        let must_fail = name.starts_with("err_");
        assert_eq!(
            must_fail,
            !loaded.diagnostics.is_empty(),
            "{name}: err_ prefix must match diagnostics:\n{out}"
        );
        insta::assert_snapshot!(out);
    });
}
