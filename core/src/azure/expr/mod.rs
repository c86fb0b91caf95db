//! Azure Pipelines expressions: `${{ }}` at compile time, `$[ ]` at run time and conditions.
//!
//! **Architecture Invariant:** expressions know nothing of files. Offsets in [`ExprError`] and in
//! the [`Expr`] tree are bytes into the expression text; [`offsets::ScalarMap`] is the one place
//! that turns them into byte offsets in a YAML file, by rescanning the raw scalar.
//!
//! The pipeline of data: [`lexer`] (text → tokens) → [`parser`] (tokens → [`Expr`], checking
//! function and named-value names as Azure does at parse time) → [`eval`] (Expr + [`Context`] →
//! [`Value`]), with [`value`] holding Azure's conversions.

pub mod eval;
pub mod lexer;
pub mod offsets;
pub mod parser;
pub mod value;

pub use eval::{eval, format, Context, MapContext};
pub use parser::{parse, Expr, ExprKind, FUNCTIONS};
pub use value::{DateTime, Kind, Value};

/// A problem in one expression, at a byte offset into the expression's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExprError {
    pub message: String,
    pub offset: usize,
    /// Whether Azure appends "Located at position N within expression: …" to the message.
    pub located: bool,
}

impl ExprError {
    pub fn new(message: impl Into<String>, offset: usize) -> Self {
        ExprError {
            message: message.into(),
            offset,
            located: true,
        }
    }

    pub fn without_location(mut self) -> Self {
        self.located = false;
        self
    }

    /// The message as Azure words it for expression `text`, with the 1-based character position.
    pub fn full_message(&self, text: &str) -> String {
        if !self.located {
            return self.message.clone();
        }
        let pos = text
            .get(..self.offset.min(text.len()))
            .map_or(self.offset, |s| s.chars().count())
            + 1;
        format!(
            "{}. Located at position {pos} within expression: {text}",
            self.message
        )
    }
}

/// The named values (contexts) an expression may use, and whether run-time functions are allowed.
#[derive(Clone, Debug, Default)]
pub struct Names {
    pub named_values: Vec<String>,
    pub runtime: bool,
    /// Accept any named value except the directive keywords (syntax checking only).
    pub any_named_value: bool,
}

impl Names {
    /// What tells two sets of names apart (a cache key with the expression text).
    pub fn fingerprint(&self) -> String {
        format!(
            "{}|{}|{}",
            u8::from(self.runtime),
            u8::from(self.any_named_value),
            self.named_values.join(",")
        )
    }

    /// Compile-time `${{ }}`: `parameters`, `variables` plus the given loop variables.
    pub fn compile_time(extra: impl IntoIterator<Item = String>) -> Self {
        let mut named_values = vec!["parameters".to_string(), "variables".to_string()];
        named_values.extend(extra);
        Names {
            named_values,
            runtime: false,
            any_named_value: false,
        }
    }

    /// Run-time `$[ ]` and conditions.
    pub fn runtime() -> Self {
        Names {
            named_values: [
                "variables",
                "dependencies",
                "stageDependencies",
                "pipeline",
                "resources",
                "parameters",
            ]
            .map(String::from)
            .to_vec(),
            runtime: true,
            any_named_value: false,
        }
    }

    pub fn allows_named_value(&self, name: &str) -> bool {
        if self.any_named_value {
            return !["if", "elseif", "else", "each", "insert"]
                .iter()
                .any(|k| k.eq_ignore_ascii_case(name));
        }
        self.named_values
            .iter()
            .any(|n| n.eq_ignore_ascii_case(name))
    }
}

/// Parses and evaluates in one go, returning Azure's full error message on failure.
pub fn evaluate(text: &str, names: &Names, ctx: &dyn Context) -> Result<Value, (String, usize)> {
    let expr = parse(text, names).map_err(|e| (e.full_message(text), e.offset))?;
    eval(&expr, ctx).map_err(|e| (e.full_message(text), e.offset))
}

/// One piece of a scalar that may hold `${{ }}` expressions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    /// Literal text at this byte offset of the scalar.
    Text(String, usize),
    /// An expression's inner text and the offset of that inner text within the scalar.
    Expr(String, usize),
}

/// Splits a scalar into literal text and `${{ … }}` expressions. Returns `Err(offset)` for an
/// expression that is opened but not closed. Quoted strings inside expressions may contain `}}`.
pub fn split_template(text: &str, open: &str, close: &str) -> Result<Vec<Segment>, usize> {
    let mut out = Vec::new();
    let mut rest_start = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while let Some(found) = text[i..].find(open) {
        let start = i + found;
        let inner_start = start + open.len();
        // Find the close, skipping quoted strings.
        let mut j = inner_start;
        let mut in_str = false;
        let mut end = None;
        while j < text.len() {
            if bytes[j] == b'\'' {
                in_str = !in_str;
                j += 1;
                continue;
            }
            if !in_str && bytes[j..].starts_with(close.as_bytes()) {
                end = Some(j);
                break;
            }
            j += 1;
        }
        let Some(end) = end else {
            return Err(start);
        };
        if start > rest_start {
            out.push(Segment::Text(
                text[rest_start..start].to_string(),
                rest_start,
            ));
        }
        out.push(Segment::Expr(
            text[inner_start..end].to_string(),
            inner_start,
        ));
        i = end + close.len();
        rest_start = i;
    }
    if rest_start < text.len() {
        out.push(Segment::Text(text[rest_start..].to_string(), rest_start));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
