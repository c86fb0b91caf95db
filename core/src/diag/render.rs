//! Rendering diagnostics as text: one line per problem for the CLI's machine-readable output (and,
//! with the notes, the page's "copy problem"), and codespan-reporting's annotated snippets for
//! people at a terminal (CLI `--verbose`, snapshots). The page does not link the snippet renderer:
//! its editor already shows the source, and the renderer costs 12 KB of the first-load budget.

use codespan_reporting::diagnostic as cs;
use codespan_reporting::files::{Error as FilesError, Files};
use codespan_reporting::term;

use super::{Diagnostic, FileId, Severity, Sources};

/// `FILE:LINE:COL: SEVERITY: MESSAGE` (or `SEVERITY: MESSAGE` for a diagnostic without a span).
pub fn render_short(diag: &Diagnostic, sources: &Sources) -> String {
    let sev = diag.severity.as_str();
    match diag.span().and_then(|s| Some((s, sources.get(s.file)?))) {
        Some((span, file)) => {
            let pos = file.line_col(span.start as usize);
            format!(
                "{}:{}:{}: {sev}: {}",
                file.name, pos.line, pos.col, diag.message
            )
        }
        None => format!("{sev}: {}", diag.message),
    }
}

/// [`render_short`], then each note on its own line as `  = …` (as [`render_long`] writes
/// them).
pub fn render_brief(diag: &Diagnostic, sources: &Sources) -> String {
    let mut out = render_short(diag, sources);
    for note in &diag.notes {
        out.push_str("\n  = ");
        out.push_str(note);
    }
    out
}

/// A multi-line rendering with the source snippet underlined, without colours.
pub fn render_long(diag: &Diagnostic, sources: &Sources) -> String {
    let severity = match diag.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
        Severity::Info => cs::Severity::Note,
    };
    let labels = diag
        .labels
        .iter()
        .enumerate()
        .filter(|(_, l)| sources.get(l.span.file).is_some())
        .map(|(i, l)| {
            let style = if i == 0 {
                cs::LabelStyle::Primary
            } else {
                cs::LabelStyle::Secondary
            };
            cs::Label::new(style, l.span.file, l.span.range()).with_message(l.message.clone())
        })
        .collect();
    let cs_diag = cs::Diagnostic::new(severity)
        .with_code(diag.code)
        .with_message(diag.message.clone())
        .with_labels(labels)
        .with_notes(diag.notes.clone());
    let config = term::Config::default();
    term::emit_into_string(&config, &Adapter(sources), &cs_diag)
        .unwrap_or_else(|_| render_short(diag, sources))
}

/// Lets codespan-reporting read our [`Sources`], using our line index.
struct Adapter<'a>(&'a Sources);

impl<'a> Files<'a> for Adapter<'a> {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.0
            .get(id)
            .map(|f| f.name.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        self.0
            .get(id)
            .map(|f| f.text.as_str())
            .ok_or(FilesError::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self
            .0
            .get(id)
            .ok_or(FilesError::FileMissing)?
            .lines
            .line_of(byte_index))
    }

    fn line_range(
        &'a self,
        id: FileId,
        line_index: usize,
    ) -> Result<std::ops::Range<usize>, FilesError> {
        let file = self.0.get(id).ok_or(FilesError::FileMissing)?;
        if line_index >= file.lines.line_count() {
            return Err(FilesError::LineTooLarge {
                given: line_index,
                max: file.lines.line_count() - 1,
            });
        }
        let start = file.lines.line_start(line_index);
        let end = if line_index + 1 < file.lines.line_count() {
            file.lines.line_start(line_index + 1)
        } else {
            file.text.len()
        };
        Ok(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brief_and_long_renderings_agree_on_notes() {
        let mut sources = Sources::new();
        let file = sources.add("a.yml", "steps:\n- scrpt: x\n");
        let d = Diagnostic::error("schema", "Unexpected value 'scrpt'")
            .with_span(super::super::Span::new(file, 9, 14))
            .with_note("did you mean 'script'?");
        assert_eq!(
            render_brief(&d, &sources),
            "a.yml:2:3: error: Unexpected value 'scrpt'\n  = did you mean 'script'?"
        );
        let long = render_long(&d, &sources);
        assert!(long.contains("2 │ - scrpt: x"), "{long}");
        assert!(long.contains("= did you mean 'script'?"), "{long}");
    }
}
