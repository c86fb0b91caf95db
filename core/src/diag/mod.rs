//! Diagnostics: one [`Diagnostic`] type for every stage of Pipelab, and the renderers for it.
//!
//! **Architecture Invariant:** a diagnostic stores byte spans only. Lines and columns are computed
//! at render time from a [`LineIndex`], so the same diagnostic renders identically in the CLI, in
//! snapshots and in the browser (which converts byte offsets to editor positions itself).
//!
//! Columns are 1-based and count Unicode scalar values, as Azure DevOps and go-yaml report them.

mod render;
mod source;

pub use render::{render_brief, render_long, render_short};
pub use source::{FileId, LineCol, LineIndex, SourceFile, Sources, Span};

use serde::Serialize;

/// How bad a problem is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A span with an optional message; the first label of a diagnostic is its primary location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// A problem found in the user's files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// A stable machine-readable code, e.g. `yaml-syntax`.
    pub code: &'static str,
    pub message: String,
    /// The first label is the primary location; later labels are secondary.
    pub labels: Vec<Label>,
    /// Hints and explanations shown under the message.
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn new(severity: Severity, code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            message: message.into(),
            labels: Vec::new(),
            notes: Vec::new(),
        }
    }

    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    /// Sets the primary location (replacing any earlier primary label).
    pub fn with_span(mut self, span: Span) -> Self {
        let label = Label {
            span,
            message: String::new(),
        };
        if self.labels.is_empty() {
            self.labels.push(label);
        } else {
            self.labels[0] = label;
        }
        self
    }

    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// The primary span, if the diagnostic has a location.
    pub fn span(&self) -> Option<Span> {
        self.labels.first().map(|l| l.span)
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by file, then position, then severity (errors first), keeping the order of
/// equal ones, so that every front end lists them the same way.
pub fn sort(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|d| {
        let (file, start) = d
            .span()
            .map_or((u32::MAX, u32::MAX), |s| (s.file.0, s.start));
        (file, start, std::cmp::Reverse(d.severity))
    });
}
