//! Runs the 144 Azure Pipelines cases of runner.server
//! (`../shared/corpus/azure/runner-server/testworkflows/azpipelines`) through expansion and
//! schema validation, as the corpus README describes: a case passes when expansion succeeds
//! (and validates) or fails with the expected message, as its header states.
//!
//! The test is a ratchet: it prints the pass count and every failing case with the reason, and
//! fails when fewer cases pass than [`PINNED`].
//!
//! The one known failure: `syntax-validation-do-not-report-unknown-function-error-if-true` is an
//! editor (language server) case that tolerates an unknown named value in a taken branch, which
//! Azure rejects.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use pipelab_core::azure::pipeline::{self, azure_message, Options};
use pipelab_core::azure::template::Input;

const CORPUS: &str = "../../shared/corpus/azure/runner-server/testworkflows/azpipelines";

/// The number of cases that must pass (raise it when more pass).
const PINNED: usize = 143;
/// How many `# ExpectedMessage:` lines (informational in runner.server) Pipelab's messages
/// contain; the other two are copied from a neighbouring case and name an identifier that does
/// not occur in their file (`verify-if-true-unclosed-expr-error*`).
const PINNED_MESSAGES: usize = 11;

thread_local! {
    static MESSAGE_HITS: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((0, 0)) };
}

struct Case {
    folder: PathBuf,
    entry: String,
    header: BTreeMap<String, Vec<String>>,
}

fn yml_files(dir: &Path, base: &Path, out: &mut Vec<(String, String)>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            yml_files(&p, base, out);
        } else if p.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            let name = p
                .strip_prefix(base)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            out.push((name, std::fs::read_to_string(&p).unwrap_or_default()));
        }
    }
}

/// The leading comment block: `# Key: value` lines (keys lower-cased).
fn header(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let Some(c) = t.strip_prefix('#') else {
            break;
        };
        if let Some((k, v)) = c.split_once(':') {
            let k = k.trim();
            if !k.is_empty() && !k.contains(' ') {
                out.entry(k.to_ascii_lowercase())
                    .or_default()
                    .push(v.trim().to_string());
            }
        }
    }
    out
}

fn cases(root: &Path) -> Vec<Case> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("corpus folder")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files = Vec::new();
        yml_files(&dir, &dir, &mut files);
        let entries: Vec<&(String, String)> = files
            .iter()
            .filter(|(n, _)| !n.contains('/') && n.starts_with("pipeline"))
            .collect();
        let chosen: Vec<&(String, String)> = if entries.is_empty() {
            files
                .iter()
                .filter(|(_, t)| {
                    let h = header(t);
                    h.contains_key("expectedexception") || h.contains_key("name")
                })
                .collect()
        } else {
            entries
        };
        for (name, text) in chosen {
            out.push(Case {
                folder: dir.clone(),
                entry: name.clone(),
                header: header(text),
            });
        }
    }
    out
}

/// Runs one case; `Ok` when it behaves as its header says.
fn run(case: &Case, root: &Path) -> Result<(), String> {
    let mut files = Vec::new();
    yml_files(&case.folder, &case.folder, &mut files);
    for spec in case.header.get("localrepository").into_iter().flatten() {
        let Some((key, folder)) = spec.split_once('=') else {
            continue;
        };
        let mut repo = Vec::new();
        let dir = root.join(folder.trim());
        yml_files(&dir, &dir, &mut repo);
        files.extend(
            repo.into_iter()
                .map(|(n, t)| (format!("@{}/{n}", key.trim()), t)),
        );
    }
    let input = Input {
        files,
        entry: case.entry.clone(),
        ..Input::default()
    };
    let outcome = pipeline::build(&input, Options { validate: true });
    let expect_error = case.header.contains_key("expectedexception");
    let messages: Vec<String> = outcome
        .diagnostics
        .iter()
        .map(|d| azure_message(d, &outcome.sources))
        .collect();
    match (expect_error, outcome.pipeline.is_some()) {
        (false, true) => Ok(()),
        (false, false) => Err(format!("expected success, got: {}", messages.join(" | "))),
        (true, true) => Err("expected an error, expansion succeeded".into()),
        (true, false) => {
            // `# ExpectedMessage:` is informational in runner.server (not every one matches its
            // own output); report how many Pipelab matches without counting them.
            for want in case.header.get("expectedmessage").into_iter().flatten() {
                let hit = messages.iter().any(|m| m.contains(want.as_str()));
                MESSAGE_HITS.with(|c| {
                    let (h, t) = c.get();
                    c.set((h + usize::from(hit), t + 1));
                });
                if !hit {
                    println!("ExpectedMessage not matched in {}: {want:?}", case.entry);
                }
            }
            for want in case
                .header
                .get("expectederrormessage")
                .into_iter()
                .flatten()
            {
                let want = squeeze(want);
                if !messages.iter().any(|m| squeeze(m).contains(want.as_str())) {
                    return Err(format!(
                        "error message {:?} does not contain {want:?}",
                        messages.join(" | ")
                    ));
                }
            }
            Ok(())
        }
    }
}

/// The text with the blanks after each `:` removed. runner.server writes one emulated message
/// as `(Line: 40, Col:11)` where Azure (and Pipelab) write `Col: 11`.
fn squeeze(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut after_colon = false;
    for c in text.chars() {
        if after_colon && c == ' ' {
            continue;
        }
        after_colon = c == ':';
        out.push(c);
    }
    out
}

#[test]
fn runner_server_azure_pipelines_cases() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    let cases = cases(&root);
    let mut passed = 0;
    let mut failures = Vec::new();
    for case in &cases {
        let name = format!(
            "{}/{}",
            case.folder
                .file_name()
                .unwrap_or_default()
                .to_string_lossy(),
            case.entry
        );
        // A panic is a failure of this case, reported like the others.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(case, &root)))
            .unwrap_or_else(|_| Err("panicked".into()));
        match result {
            Ok(()) => passed += 1,
            Err(why) => failures.push(format!("FAIL {name}: {why}")),
        }
    }
    for f in &failures {
        println!("{f}");
    }
    println!("runner-server: {passed}/{} cases pass", cases.len());
    let (hits, total) = MESSAGE_HITS.with(|c| c.get());
    println!("runner-server: {hits}/{total} ExpectedMessage lines matched");
    assert!(
        hits >= PINNED_MESSAGES,
        "{hits} ExpectedMessage lines matched, fewer than the pinned {PINNED_MESSAGES}"
    );
    assert_eq!(cases.len(), 144, "the corpus README promises 144 cases");
    assert!(
        passed >= PINNED,
        "{passed} cases pass, fewer than the pinned {PINNED}"
    );
}
