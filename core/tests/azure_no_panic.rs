//! Expansion never panics and always terminates: every runner-server corpus file is fed to the
//! engine after deterministic mutations (truncations, deleted and duplicated characters and
//! lines), plus deeply nested and self-including inputs.

use std::path::Path;

use pipelab_core::azure::pipeline::{self, Options};
use pipelab_core::azure::template::Input;

const CORPUS: &str = "../../shared/corpus/azure/runner-server/testworkflows/azpipelines";

fn files(dir: &Path, out: &mut Vec<String>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|e| e == "yml") {
            out.push(std::fs::read_to_string(&p).unwrap_or_default());
        }
    }
}

fn run(text: &str) -> bool {
    let input = Input {
        files: vec![
            ("pipeline.yml".into(), text.to_string()),
            ("tmpl.yml".into(), text.to_string()),
        ],
        entry: "pipeline.yml".into(),
        ..Input::default()
    };
    pipeline::build(&input, Options::default())
        .pipeline
        .is_some()
}

/// Deterministic mutations of `text`.
fn mutations(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    let mut out = Vec::new();
    for k in 1..8 {
        let at = n * k / 8;
        out.push(chars[..at].iter().collect());
        let mut deleted = chars.clone();
        if at < deleted.len() {
            deleted.remove(at);
        }
        out.push(deleted.into_iter().collect());
        let mut doubled = chars.clone();
        if at < doubled.len() {
            doubled.insert(at, chars[at]);
        }
        out.push(doubled.into_iter().collect());
    }
    let lines: Vec<&str> = text.lines().collect();
    for i in 0..lines.len().min(12) {
        let mut l = lines.clone();
        l.insert(i, lines[i]);
        out.push(l.join("\n"));
        let mut l = lines.clone();
        l.remove(i);
        out.push(l.join("\n"));
    }
    out.push(text.replace("}}", "}"));
    out.push(text.replace("${{", "${{ ${{"));
    out.push(text.replace("'", ""));
    out.push(text.replace("${{ ", "${{ 'é' ").replace(" }}", " ü}}"));
    out.push(text.replace("a", "ä"));
    out
}

#[test]
fn mutated_corpus_files_never_panic() {
    let mut all = Vec::new();
    files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS),
        &mut all,
    );
    assert!(all.len() > 200, "corpus files found: {}", all.len());
    let mut runs = 0;
    for text in &all {
        for m in mutations(text) {
            run(&m);
            runs += 1;
        }
    }
    println!("{runs} mutated inputs expanded without a panic");
}

#[test]
fn deep_nesting_is_bounded() {
    let mut deep = String::from("steps:\n- script: x\n  env:\n");
    for i in 0..240 {
        deep.push_str(&" ".repeat(4 + i * 2));
        deep.push_str(&format!("k{i}:\n"));
    }
    run(&deep);
    let nested_expr = format!(
        "steps:\n- script: ${{{{ {}1{} }}}}\n",
        "not(".repeat(60),
        ")".repeat(60)
    );
    assert!(!run(&nested_expr), "expression depth is limited");
    // Each template doubles the steps: the size limit stops the blow-up.
    let mut input = Input {
        entry: "pipeline.yml".into(),
        ..Input::default()
    };
    input
        .files
        .push(("pipeline.yml".into(), "steps:\n- template: t0.yml\n".into()));
    for i in 0..40 {
        input.files.push((
            format!("t{i}.yml"),
            format!(
                "steps:\n- template: t{0}.yml\n- template: t{0}.yml\n",
                i + 1
            ),
        ));
    }
    input
        .files
        .push(("t40.yml".into(), "steps:\n- script: x\n".into()));
    let outcome = pipeline::build(&input, Options::default());
    assert!(outcome.pipeline.is_none(), "2^40 steps must hit a limit");
}
