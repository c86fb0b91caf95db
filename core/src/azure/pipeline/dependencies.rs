//! Dependency checks on the normalised pipeline: unique stage and job names, `dependsOn` naming
//! existing stages and jobs, and no cycles. Every problem is reported, not only the first.

use super::model::depends_on;
use crate::azure::template::expand::error;
use crate::azure::template::Tok;
use crate::diag::Diagnostic;

fn name_of(t: &Tok, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|k| t.get(k))
        .and_then(Tok::scalar_text)
}

/// The span to blame for a `dependsOn` problem: the `dependsOn` value, else the item.
fn depends_span(t: &Tok) -> crate::diag::Span {
    t.get("dependsOn").map_or(t.span, |d| d.span)
}

/// Checks one level (stages of the pipeline, or jobs of a stage). `sequential`: items without
/// `dependsOn` depend on the previous one (stages do, jobs do not).
fn check_level(
    items: &[Tok],
    keys: &[&str],
    what: &str,
    sequential: bool,
    out: &mut Vec<Diagnostic>,
) {
    let names: Vec<String> = items
        .iter()
        .map(|t| name_of(t, keys).unwrap_or_default())
        .collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].iter().any(|n| n.eq_ignore_ascii_case(name)) {
            out.push(*error(
                format!(
                    "The {what} name {name} appears more than once. {} names must be unique.",
                    capitalize(what)
                ),
                items[i].span,
            ));
        }
    }
    let deps: Vec<Vec<usize>> = items
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let written = depends_on(t);
            let list = match written {
                Some(list) => list,
                None if sequential && i > 0 => vec![names[i - 1].clone()],
                None => Vec::new(),
            };
            list.iter()
                .filter_map(|d| {
                    let found = names.iter().position(|n| n.eq_ignore_ascii_case(d));
                    if found.is_none() {
                        out.push(*error(
                            format!(
                                "{} {} depends on unknown {what} {d}.",
                                capitalize(what),
                                names[i]
                            ),
                            depends_span(t),
                        ));
                    }
                    found
                })
                .collect()
        })
        .collect();
    // Cycle detection: depth-first search with colours.
    let mut state = vec![0u8; items.len()];
    for start in 0..items.len() {
        if state[start] == 0 {
            if let Some(cycle) = visit(start, &deps, &mut state, &mut Vec::new()) {
                let path: Vec<&str> = cycle.iter().map(|i| names[*i].as_str()).collect();
                out.push(*error(
                    format!(
                        "The {what} dependency graph has a cycle: {}",
                        path.join(" -> ")
                    ),
                    depends_span(&items[cycle[0]]),
                ));
            }
        }
    }
}

fn visit(
    n: usize,
    deps: &[Vec<usize>],
    state: &mut [u8],
    path: &mut Vec<usize>,
) -> Option<Vec<usize>> {
    state[n] = 1;
    path.push(n);
    for &d in &deps[n] {
        if state[d] == 1 {
            let from = path.iter().position(|p| *p == d).unwrap_or(0);
            let mut cycle = path[from..].to_vec();
            cycle.push(d);
            return Some(cycle);
        }
        if state[d] == 0 {
            if let Some(c) = visit(d, deps, state, path) {
                return Some(c);
            }
        }
    }
    path.pop();
    state[n] = 2;
    None
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Every dependency problem of the normalised pipeline.
pub fn check(normalized: &Tok) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let stages = normalized
        .get("stages")
        .and_then(Tok::as_sequence)
        .unwrap_or(&[]);
    check_level(stages, &["stage"], "stage", true, &mut out);
    for st in stages {
        let jobs = st.get("jobs").and_then(Tok::as_sequence).unwrap_or(&[]);
        check_level(jobs, &["job", "deployment"], "job", false, &mut out);
    }
    out
}
