//! The expanded pipeline: schema validation, Azure's normalised final YAML and the model the
//! page draws (stages, jobs, environments, strategies, dependencies — each with its location).
//!
//! **Architecture Invariant:** everything here works on the expanded token tree only; nothing
//! evaluates `${{ }}` again, so what is validated is exactly what is emitted.

pub mod dependencies;
pub mod emit;
pub mod graph;
pub mod model;
pub mod normalize;
pub mod schema;
pub mod simulate;

use crate::azure::template::{self, Input, Tok};
use crate::diag::{Diagnostic, Sources};

/// How to finish the pipeline.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Check the expanded pipeline against Azure's schema.
    pub validate: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { validate: true }
    }
}

/// The finished pipeline.
#[derive(Clone, Debug)]
pub struct Pipeline {
    /// As expanded (before normalisation), with source spans.
    pub expanded: Tok,
    /// In Azure's normalised shape.
    pub normalized: Tok,
}

impl Pipeline {
    pub fn final_yaml(&self) -> String {
        emit::to_yaml(&self.normalized)
    }

    pub fn model(&self, sources: &Sources) -> serde_json::Value {
        model::build(&self.normalized, sources)
    }

    /// The model with variables and `$(var)` macros resolved from queue-time variables and the
    /// variable-group library.
    pub fn model_with(&self, sources: &Sources, library: &model::Library) -> serde_json::Value {
        model::build_with(&self.normalized, sources, library)
    }
}

/// The outcome of expanding and finishing a pipeline.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub sources: Sources,
    /// The pipeline's repository resources (files of repository `alias` are named `@alias/…`).
    pub repositories: Vec<template::Repository>,
    pub pipeline: Option<Pipeline>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Expands `input`, validates (unless told not to) and normalises the result.
pub fn build(input: &Input, options: Options) -> Outcome {
    let expansion = template::expand(input);
    let mut diagnostics = expansion.diagnostics;
    let pipeline = expansion.pipeline.and_then(|expanded| {
        if options.validate {
            if let Err(d) = schema::validate(&expanded) {
                diagnostics.push(*d);
                return None;
            }
        }
        let normalized = normalize::normalize(&expanded);
        if options.validate {
            let mut problems = dependencies::check(&normalized);
            crate::diag::sort(&mut problems);
            if !problems.is_empty() {
                diagnostics.extend(problems);
                return None;
            }
        }
        Some(Pipeline {
            expanded,
            normalized,
        })
    });
    Outcome {
        sources: expansion.sources,
        repositories: expansion.repositories,
        pipeline,
        diagnostics,
    }
}

/// The JSON value type of the model.
pub type Json = serde_json::Value;

/// The model as indented JSON text.
pub fn to_pretty_json(v: &Json) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}

/// A diagnostic in Azure's own wording: `FILE (Line: L, Col: C): MESSAGE`.
///
/// An `extends` pipeline that sets `variables` beside its template's is rejected by Azure's
/// built-in schema, and Azure names that file and its line rather than the user's:
/// `__built-in-schema.yml (Line: 40, Col: 11): 'variables' is already defined` (as users quote
/// it; runner.server emulates it the same way, fixture `extends-variables-error`).
pub fn azure_message(d: &Diagnostic, sources: &Sources) -> String {
    if d.code == crate::azure::template::EXTENDS_VARIABLES {
        return format!("__built-in-schema.yml (Line: 40, Col: 11): {}", d.message);
    }
    match d.span().and_then(|s| Some((s, sources.get(s.file)?))) {
        Some((span, f)) => {
            let lc = f.line_col(span.start as usize);
            format!(
                "/{} (Line: {}, Col: {}): {}",
                f.name, lc.line, lc.col, d.message
            )
        }
        None => d.message.clone(),
    }
}
