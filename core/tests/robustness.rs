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
