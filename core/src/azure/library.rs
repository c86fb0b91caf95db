//! The variable-group library: what Azure DevOps keeps under Pipelines → Library and reads when a
//! run starts. A workspace holds it as a Pipelab file whose only top-level key is
//! `variableGroups` (by convention `.pipelab/variable-groups.yml`):
//!
//! ```yaml
//! variableGroups:
//!   groupvars_dev:
//!     mygroupvar: 'value for dev'
//! ```
//!
//! **Architecture Invariant:** a library is only consulted when the workspace has one; without it
//! Pipelab cannot know the project's groups and reports nothing about them. Group names match
//! ignoring case, as Azure matches them.

use crate::azure::template::token::{Tok, TokKind};
use crate::diag::Diagnostic;
use crate::yaml::Node;

/// The top-level key that marks a library document.
pub const KEY: &str = "variableGroups";

/// Group name → its variables, in file order.
pub type Groups = Vec<(String, Vec<(String, String)>)>;

/// Whether a document is a library (its only top-level key is [`KEY`]).
pub fn is_library(root: &Node) -> bool {
    root.as_mapping()
        .is_some_and(|m| m.len() == 1 && m[0].key.as_str() == Some(KEY))
}

/// Reads the groups of a library document; shapes it cannot read become diagnostics and are
/// skipped.
pub fn read(root: &Node) -> (Groups, Vec<Diagnostic>) {
    let mut groups: Groups = Vec::new();
    let mut problems = Vec::new();
    let Some(node) = root.get(KEY) else {
        return (groups, problems);
    };
    if node.is_null() {
        return (groups, problems);
    }
    let Some(entries) = node.as_mapping() else {
        problems.push(
            Diagnostic::error(
                "library-shape",
                format!(
                    "'{KEY}' must be a mapping of group names to their variables, not a {}",
                    node.kind_name()
                ),
            )
            .with_span(node.span),
        );
        return (groups, problems);
    };
    for entry in entries {
        let name = entry.key.as_str().unwrap_or_default().trim().to_string();
        if name.is_empty() {
            problems.push(
                Diagnostic::error("library-shape", "A variable group needs a name")
                    .with_span(entry.key.span),
            );
            continue;
        }
        if groups.iter().any(|(g, _)| g.eq_ignore_ascii_case(&name)) {
            problems.push(
                Diagnostic::error(
                    "library-duplicate-group",
                    format!("Variable group {name} is defined more than once"),
                )
                .with_span(entry.key.span),
            );
            continue;
        }
        let variables = read_variables(&name, &entry.value, &mut problems);
        groups.push((name, variables));
    }
    (groups, problems)
}

fn read_variables(
    group: &str,
    node: &Node,
    problems: &mut Vec<Diagnostic>,
) -> Vec<(String, String)> {
    if node.is_null() {
        return Vec::new();
    }
    let Some(entries) = node.as_mapping() else {
        problems.push(
            Diagnostic::error(
                "library-shape",
                format!(
                    "Variable group {group} must be a mapping of variable names to values, not a {}",
                    node.kind_name()
                ),
            )
            .with_span(node.span),
        );
        return Vec::new();
    };
    let mut variables = Vec::new();
    for e in entries {
        match (e.key.as_str(), e.value.as_str()) {
            (Some(name), Some(value)) if !name.trim().is_empty() => {
                let value = if e.value.is_null() { "" } else { value };
                variables.push((name.trim().to_string(), value.to_string()));
            }
            _ => problems.push(
                Diagnostic::error(
                    "library-shape",
                    format!(
                        "A variable of group {group} needs a name and a text value, like `name: value`"
                    ),
                )
                .with_span(e.key.span.cover(e.value.span)),
            ),
        }
    }
    variables
}

/// The library held by any of these file texts (all library documents together), or `None` when
/// none holds one. Texts without the key are not parsed.
pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Option<Groups> {
    let mut library: Option<Groups> = None;
    for text in texts.into_iter().filter(|t| t.contains(KEY)) {
        for doc in crate::yaml::load(crate::diag::FileId(0), text).documents {
            if is_library(&doc.root) {
                library
                    .get_or_insert_with(Vec::new)
                    .extend(read(&doc.root).0);
            }
        }
    }
    library
}

/// Every `- group: NAME` of an expanded, normalised pipeline (root, stages, jobs) that the
/// library lacks, with Azure's message for it.
pub fn missing_groups(normalized: &Tok, groups: &Groups) -> Vec<Diagnostic> {
    let mut missing = Vec::new();
    let mut check = |scope: &Tok| {
        for item in scope
            .get("variables")
            .and_then(Tok::as_sequence)
            .unwrap_or(&[])
        {
            let Some(name_tok) = item.get("group") else {
                continue;
            };
            let Some(name) = name_tok.scalar_text() else {
                continue;
            };
            if !groups.iter().any(|(g, _)| g.eq_ignore_ascii_case(&name)) {
                missing.push(
                    Diagnostic::error(
                        "variable-group-not-found",
                        format!(
                            "Variable group {name} was not found or is not authorized for use. \
                             For authorization details, refer to https://aka.ms/yamlauthz."
                        ),
                    )
                    .with_span(name_tok.span)
                    .with_note(format!(
                        "Pipelab's variable-group library is the workspace file with `{KEY}:`; add {name} there"
                    )),
                );
            }
        }
    };
    check(normalized);
    for stage in children(normalized, "stages") {
        check(stage);
        for job in children(stage, "jobs") {
            check(job);
        }
    }
    missing
}

fn children<'a>(tok: &'a Tok, key: &str) -> impl Iterator<Item = &'a Tok> {
    tok.get(key)
        .and_then(Tok::as_sequence)
        .unwrap_or(&[])
        .iter()
        .filter(|t| matches!(t.kind, TokKind::Mapping(_)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;
    use crate::yaml;

    fn library(text: &str) -> (Groups, Vec<String>) {
        let loaded = yaml::load(FileId(0), text);
        let root = &loaded.documents[0].root;
        assert!(is_library(root));
        let (groups, problems) = read(root);
        (groups, problems.into_iter().map(|d| d.message).collect())
    }

    #[test]
    fn reads_groups_and_their_variables() {
        let (groups, problems) =
            library("variableGroups:\n  groupvars_dev:\n    mygroupvar: dev\n    n: 3\n  empty:\n");
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            groups,
            vec![
                (
                    "groupvars_dev".to_string(),
                    vec![
                        ("mygroupvar".to_string(), "dev".to_string()),
                        ("n".to_string(), "3".to_string())
                    ]
                ),
                ("empty".to_string(), vec![]),
            ]
        );
    }

    #[test]
    fn bad_shapes_are_reported_and_skipped() {
        let (groups, problems) =
            library("variableGroups:\n  a: [1]\n  A:\n    x: 1\n  b:\n    y: [2]\n    z: ok\n");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[1].1, vec![("z".to_string(), "ok".to_string())]);
        assert_eq!(
            problems,
            [
                "Variable group a must be a mapping of variable names to values, not a sequence",
                "Variable group A is defined more than once",
                "A variable of group b needs a name and a text value, like `name: value`",
            ]
        );
    }

    #[test]
    fn the_library_is_found_among_file_texts() {
        let texts = [
            "steps: []\n",
            "variableGroups:\n  a:\n    x: '1'\n",
            "# mentions variableGroups but is no library\nvariables:\n  y: 2\n",
        ];
        assert_eq!(
            from_texts(texts),
            Some(vec![(
                "a".to_string(),
                vec![("x".to_string(), "1".to_string())]
            )])
        );
        assert_eq!(from_texts(["steps: []\n"]), None);
    }

    #[test]
    fn only_a_document_with_the_single_key_is_a_library() {
        let doc = |t: &str| yaml::load(FileId(0), t).documents[0].root.clone();
        assert!(!is_library(&doc("variableGroups: {}\nstages: []\n")));
        assert!(!is_library(&doc("variables:\n  a: 1\n")));
    }
}
