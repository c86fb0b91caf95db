//! Garbage in, diagnostics out: loading mutated and random YAML never panics, and every
//! diagnostic points inside its file.

use pipelab_core::examples::EXAMPLES;
use pipelab_core::workspace::analyze;

/// xorshift64: deterministic, dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pieces of YAML syntax that make interesting mutations.
const TOKENS: &[&str] = &[
    ":",
    "- ",
    "\n",
    "  ",
    "\t",
    "[",
    "]",
    "{",
    "}",
    ",",
    "'",
    "\"",
    "|",
    ">",
    "&a ",
    "*a",
    "!!str ",
    "---\n",
    "...\n",
    "#",
    "? ",
    "${{ ",
    " }}",
    "é",
    "😀",
    "\\",
    "%YAML 1.2\n",
    "<<: *a\n",
    "\r\n",
    "\u{feff}",
];

#[test]
fn mutated_examples_never_panic() {
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    let sources: Vec<&str> = EXAMPLES
        .iter()
        .flat_map(|e| e.files.iter().map(|(_, t)| *t))
        .collect();
    for round in 0..3000 {
        let mut text = sources[round % sources.len()].to_string();
        for _ in 0..=rng.below(6) {
            let mut at = rng.below(text.len() + 1);
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            match rng.below(3) {
                0 => text.insert_str(at, TOKENS[rng.below(TOKENS.len())]),
                1 => {
                    let mut end = (at + rng.below(12)).min(text.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.replace_range(at..end, "");
                }
                _ => text.truncate(at),
            }
        }
        check(&text);
    }
}

#[test]
fn random_token_soup_never_panics() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..3000 {
        let text: String = (0..rng.below(40))
            .map(|_| TOKENS[rng.below(TOKENS.len())])
            .collect::<Vec<_>>()
            .concat();
        check(&text);
    }
}

#[test]
fn deep_nesting_and_alias_bombs_are_bounded() {
    check(&"[".repeat(100_000));
    check(&"- ".repeat(5_000));
    let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..12 {
        let p = format!("*a{}", i - 1);
        bomb.push_str(&format!("a{i}: &a{i} [{}]\n", [p.as_str(); 10].join(", ")));
    }
    let analysis = check(&bomb);
    assert!(
        analysis
            .diagnostics
            .iter()
            .any(|d| d.code == "yaml-alias-limit"),
        "{:?}",
        analysis.diagnostics
    );
    // An alias inside the node it names would be infinite.
    let analysis = check("a: &x [1, *x]\n");
    assert_eq!(
        analysis.diagnostics[0].message,
        "Alias '*x' refers to a node that contains it"
    );
}

fn check(text: &str) -> pipelab_core::workspace::Analysis {
    let analysis = analyze([("fuzz.yml", text)]);
    for d in &analysis.diagnostics {
        for label in &d.labels {
            assert!(
                label.span.end as usize <= text.len(),
                "span past the end for {text:?}: {d:?}"
            );
            assert!(
                text.is_char_boundary(label.span.start as usize),
                "span inside a character for {text:?}"
            );
        }
        let _ = pipelab_core::diag::render_long(d, &analysis.sources);
    }
    analysis
}

/// Values that stress the parsers the simulation runs on a workflow's text: jq and JSONPath
/// filters, label-selector conditions, URLs, durations, quantities, expressions, scripts.
const VALUES: &[&str] = &[
    "\"\"",
    "'{{'",
    "'}}'",
    "'[['",
    "-1",
    "0",
    "99999999999999999999",
    "'1e309'",
    "'.a[|'",
    "'.[]|.[]|.'",
    "'{.metadata.name'",
    "'status.phase=='",
    "'a in (b'",
    "'!'",
    "'x notin ()'",
    "'http://'",
    "'://x'",
    "'httpbin:9100/status/99999'",
    "'httpbin.org/delay/99999999'",
    "'5Qi'",
    "'-5Mi'",
    "'1h1h1h'",
    "'P1D'",
    "'{{=}}'",
    "'{{= 1/0 }}'",
    "'[i for i in]'",
    "'echo a | tee'",
    "'json.dump([x for x in range(99999999)], sys.stdout)'",
    "'dd bs=999999999999G'",
    "'é😀'",
    "null",
    "[]",
    "{}",
];

/// The Argo corpus's workflows with scalar values replaced at random, run to the end: whatever
/// a value says, the simulation answers with phases and messages, never a panic or a hang.
#[test]
fn mutated_argo_workflows_run_without_panic() {
    use pipelab_core::argo::model::Manifests;
    use pipelab_core::argo::run::{run, RunConfig};
    use pipelab_core::diag::FileId;
    use pipelab_core::yaml;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/argo");
    let mut files: Vec<std::path::PathBuf> = Vec::new();
    for dir in ["workflows", "e2e/functional", "e2e/testdata", "e2e-inline"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        let mut names: Vec<_> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        names.sort();
        files.extend(names);
    }
    let texts: Vec<String> = files
        .iter()
        .filter_map(|f| std::fs::read_to_string(f).ok())
        .filter(|t| t.contains("kind: Workflow") || !t.contains("kind:"))
        .collect();
    assert!(!texts.is_empty(), "corpus not found");
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut seen = std::collections::BTreeMap::new();
    for round in 0..3000 {
        let text = &texts[round % texts.len()];
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for _ in 0..=rng.below(3) {
            let candidates: Vec<usize> = (0..lines.len())
                .filter(|&i| {
                    lines[i].trim_start().contains(": ") && !lines[i].trim_start().starts_with('#')
                })
                .collect();
            if candidates.is_empty() {
                break;
            }
            let i = candidates[rng.below(candidates.len())];
            let at = lines[i].find(": ").unwrap() + 2;
            lines[i].truncate(at);
            lines[i].push_str(VALUES[rng.below(VALUES.len())]);
        }
        let mutated = lines.join("\n");
        let docs: Vec<_> = yaml::load(FileId(0), &mutated)
            .documents
            .into_iter()
            .map(|d| d.root)
            .collect();
        let mut diags = Vec::new();
        let ms = Manifests::from_documents(docs.iter().map(|d| (FileId(0), d)), &mut diags);
        let config = RunConfig {
            until: 3_600_000,
            ..RunConfig::default()
        };
        let report = run(&ms, &config);
        for w in &report.workflows {
            *seen.entry(w.phase.as_str().to_string()).or_insert(0usize) += 1;
        }
    }
    // The mutations leave most workflows runnable: they exercise the simulation, not only the
    // loader (a few thousand runs end Succeeded and Failed alike).
    println!("phases of the mutated runs: {seen:?}");
    assert!(seen.get("Succeeded").is_some_and(|&n| n > 100), "{seen:?}");
    assert!(seen.get("Failed").is_some_and(|&n| n > 100), "{seen:?}");
}
