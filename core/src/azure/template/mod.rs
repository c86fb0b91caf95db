//! Template expansion: parameters, `${{ }}` directives, stage/job/step/variable templates,
//! `extends`, repositories and compile-time variables, as Azure Pipelines does it on the server.
//!
//! **Architecture Invariant:** expansion reads only the files handed to it in [`Input`] and is
//! bounded: at most [`Limits::max_files`] files, [`Limits::max_depth`] nested templates and
//! [`Limits::max_tokens`] produced nodes, so a template that includes itself is an error, never
//! a hang or a stack overflow.
//!
//! Data flows [`token`] (YAML → tokens with Azure's literal rules) → [`params`] (declarations,
//! type checks) → [`expand`] (directives, templates) → an expanded token tree for
//! `azure::pipeline`.

pub mod expand;
pub mod params;
pub mod token;

use std::rc::Rc;

pub use expand::{Repository, EXTENDS_VARIABLES};
pub use token::{Tok, TokKind};

use crate::azure::expr::DateTime;
use crate::diag::{Diagnostic, Sources, Span};
use expand::{error, Expander};

/// Azure's limits on templates.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_files: usize,
    pub max_depth: usize,
    pub max_tokens: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_files: 100,
            max_depth: 100,
            max_tokens: 2_000_000,
        }
    }
}

/// Everything expansion needs; the caller reads the files.
#[derive(Clone, Debug, Default)]
pub struct Input {
    /// Files by workspace name: the pipeline's repository at the root, other repositories under
    /// `@alias/` (or `@name@ref/`, as `--repo` keys may be written).
    pub files: Vec<(String, String)>,
    /// The pipeline file's name.
    pub entry: String,
    /// Queue-time parameter values, as text (YAML for object and list types).
    pub parameters: Vec<(String, String)>,
    /// Queue-time variables (visible to `${{ variables.x }}`).
    pub variables: Vec<(String, String)>,
    /// The variable-group library: group name → variables (resolved at run time only).
    pub variable_groups: Vec<(String, Vec<(String, String)>)>,
    /// The run's start time, for `pipeline.startTime` (the core reads no clock).
    pub start_time: Option<DateTime>,
    pub limits: Limits,
}

/// The result of expansion: the expanded root (if it succeeded), every file read, and problems.
#[derive(Clone, Debug)]
pub struct Expansion {
    pub sources: Sources,
    pub pipeline: Option<Tok>,
    pub repositories: Vec<Repository>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Keys of the root pipeline where Azure allows no template expression.
const NO_EXPRESSION_KEYS: &[&str] = &["trigger", "pr", "schedules"];

/// Expands `input.entry` with everything it references.
pub fn expand(input: &Input) -> Expansion {
    let mut ex = Expander::new(input);
    let result = run(&mut ex, input);
    let mut diagnostics = std::mem::take(&mut ex.errors);
    let pipeline = match result {
        Ok(t) if diagnostics.is_empty() => Some(t),
        Ok(_) => None,
        Err(d) => {
            diagnostics.push(*d);
            None
        }
    };
    Expansion {
        sources: ex.sources,
        pipeline,
        repositories: ex.repositories,
        diagnostics,
    }
}

fn run(ex: &mut Expander, input: &Input) -> Result<Tok, Box<Diagnostic>> {
    let root = ex.load(&input.entry, Span::point(crate::diag::FileId(0), 0))?;
    // Repository resources, read before expansion (no expressions are allowed there).
    if let Some(repos) = root.get("resources").and_then(|r| r.get("repositories")) {
        // Only a repository's `ref` may hold a template expression.
        for r in repos.as_sequence().unwrap_or(&[]) {
            for (k, v) in r.as_mapping().unwrap_or(&[]) {
                if k.as_str() != Some("ref") {
                    check_no_expression(k)?;
                    check_no_expression(v)?;
                }
            }
        }
        for r in repos.as_sequence().unwrap_or(&[]) {
            if let Some(alias) = r.get("repository").and_then(Tok::scalar_text) {
                ex.repositories.push(Repository {
                    name: r
                        .get("name")
                        .and_then(Tok::scalar_text)
                        .unwrap_or_else(|| alias.clone()),
                    git_ref: r.get("ref").and_then(Tok::scalar_text).unwrap_or_default(),
                    alias,
                });
            }
        }
    }
    for key in NO_EXPRESSION_KEYS {
        if let Some(v) = root.get(key) {
            check_no_expression(v)?;
        }
    }
    // Queue-time parameters.
    let decls = params::declarations(root.get("parameters")).map_err(|(m, t)| error(m, t.span))?;
    let mut given = Vec::new();
    for (name, text) in &input.parameters {
        let decl = decls
            .params
            .iter()
            .find(|d| d.name.eq_ignore_ascii_case(name));
        let structured =
            decl.is_some_and(|d| d.ty.is_structured() && d.ty != params::ParamType::LegacyObject);
        let id = ex.sources.add(format!("--param {name}"), text.clone());
        let span = Span::new(id, 0, text.len());
        let value = if structured {
            let loaded = crate::yaml::load(id, text);
            if let Some(d) = loaded.diagnostics.into_iter().next() {
                return Err(Box::new(d));
            }
            loaded
                .documents
                .first()
                .map(|d| Tok::from_yaml(&d.root).cooked())
                .unwrap_or_else(|| Tok::new(TokKind::Null, span))
        } else {
            Tok::string(text.clone(), span)
        };
        given.push((Tok::string(name.clone(), span), value));
    }
    let given = Tok::new(TokKind::Mapping(given), root.span);
    let variables = Rc::new(input.variables.clone());
    let entry = input.entry.clone();
    ex.expand_file(&entry, Some(&given), root.span, variables)
}

fn check_no_expression(tok: &Tok) -> Result<(), Box<Diagnostic>> {
    match &tok.kind {
        TokKind::String(s) if s.contains("${{") => Err(error(
            "A template expression is not allowed in this context",
            tok.span,
        )),
        TokKind::Sequence(items) => items.iter().try_for_each(check_no_expression),
        TokKind::Mapping(m) => m.iter().try_for_each(|(k, v)| {
            check_no_expression(k)?;
            check_no_expression(v)
        }),
        _ => Ok(()),
    }
}
