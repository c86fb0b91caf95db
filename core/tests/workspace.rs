//! Workspace fixtures: each file in `fixtures/workspace/` holds several workspace files, each
//! starting with a line `#### NAME`. The snapshot lists every document's kind and summary, then
//! the diagnostics.

use std::fmt::Write;

use pipelab_core::diag::render_short;
use pipelab_core::workspace::analyze;

/// Splits a fixture into `(name, text)` files at `#### NAME` lines.
fn split(fixture: &str) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for line in fixture.split_inclusive('\n') {
        match line.strip_prefix("#### ") {
            Some(name) => files.push((name.trim().to_string(), String::new())),
            None => match files.last_mut() {
                Some((_, text)) => text.push_str(line),
                None => assert!(
                    line.trim().is_empty() || line.starts_with('#'),
                    "text before the first #### line"
                ),
            },
        }
    }
    files
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/workspace/*.txt", |path| {
        let fixture = std::fs::read_to_string(path).unwrap();
        let files = split(&fixture);
        let analysis = analyze(files.iter().map(|(n, t)| (n.as_str(), t.as_str())));
        let mut out = String::new();
        for d in &analysis.documents {
            let name = &analysis.sources.get(d.file).unwrap().name;
            writeln!(
                out,
                "{name}#{}: {} — {}",
                d.index,
                d.kind.label(),
                d.summary
            )
            .unwrap();
        }
        for d in &analysis.diagnostics {
            writeln!(out, "{}", render_short(d, &analysis.sources)).unwrap();
        }
        insta::assert_snapshot!(out);
    });
}
