//! The template token tree: YAML nodes read with Azure's literal rules, each keeping its span.

use crate::azure::expr::value::format_number;
use crate::azure::expr::Value;
use crate::diag::Span;
use crate::yaml::{self, Node, ScalarStyle};

/// One node of a template or of the expanded pipeline.
#[derive(Clone, Debug, PartialEq)]
pub struct Tok {
    pub kind: TokKind,
    pub span: Span,
    /// How a string was written (for mapping expression offsets back to the file); plain for
    /// everything an expression produced.
    pub style: ScalarStyle,
    /// Read from a template file and not yet expanded: `${{ }}` in it is live.
    pub raw: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TokKind {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    Sequence(Vec<Tok>),
    Mapping(Vec<(Tok, Tok)>),
}

impl Tok {
    pub fn new(kind: TokKind, span: Span) -> Tok {
        Tok {
            kind,
            span,
            style: ScalarStyle::Plain,
            raw: false,
        }
    }

    pub fn string(s: impl Into<String>, span: Span) -> Tok {
        Tok::new(TokKind::String(s.into()), span)
    }

    /// Reads a YAML node with the YAML 1.2 core schema that Azure's reader applies to plain
    /// scalars (`true`, `False`, `null`, `~`, numbers); quoted and block scalars are strings.
    pub fn from_yaml(node: &Node) -> Tok {
        let kind = match &node.value {
            yaml::Value::Scalar(s) => {
                if node.tag.as_deref() == Some("!!str") || s.style != ScalarStyle::Plain {
                    TokKind::String(s.text.clone())
                } else {
                    plain_scalar(&s.text)
                }
            }
            yaml::Value::Sequence(items) => {
                TokKind::Sequence(items.iter().map(Tok::from_yaml).collect())
            }
            yaml::Value::Mapping(entries) => TokKind::Mapping(
                entries
                    .iter()
                    .map(|e| (Tok::from_yaml(&e.key), Tok::from_yaml(&e.value)))
                    .collect(),
            ),
        };
        Tok {
            kind,
            span: node.span,
            style: node.as_scalar().map_or(ScalarStyle::Plain, |s| s.style),
            raw: true,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            TokKind::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_mapping(&self) -> Option<&[(Tok, Tok)]> {
        match &self.kind {
            TokKind::Mapping(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_sequence(&self) -> Option<&[Tok]> {
        match &self.kind {
            TokKind::Sequence(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, TokKind::Null)
    }

    /// The value of key `key` (exact match) in a mapping.
    pub fn get(&self, key: &str) -> Option<&Tok> {
        self.as_mapping()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    /// The scalar as text, as Azure prints literals (`True`, `1.5`), or `None` for collections.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.kind {
            TokKind::Null => Some(String::new()),
            TokKind::Bool(b) => Some(if *b { "True" } else { "False" }.into()),
            TokKind::Number(n) => Some(format_number(*n)),
            TokKind::String(s) => Some(s.clone()),
            _ => None,
        }
    }

    /// The kind as Azure names it in type errors.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            TokKind::Null => "null",
            TokKind::Bool(_) => "boolean",
            TokKind::Number(_) => "number",
            TokKind::String(_) => "string",
            TokKind::Sequence(_) => "sequence",
            TokKind::Mapping(_) => "mapping",
        }
    }

    /// Converts to an expression value (objects keep their key order).
    pub fn to_value(&self) -> Value {
        match &self.kind {
            TokKind::Null => Value::Null,
            TokKind::Bool(b) => Value::Bool(*b),
            TokKind::Number(n) => Value::Number(*n),
            TokKind::String(s) => Value::String(s.clone()),
            TokKind::Sequence(items) => Value::Array(items.iter().map(Tok::to_value).collect()),
            TokKind::Mapping(entries) => Value::Object(
                entries
                    .iter()
                    .map(|(k, v)| (k.scalar_text().unwrap_or_default(), v.to_value()))
                    .collect(),
            ),
        }
    }

    /// Converts an expression result to a token located at `span`.
    pub fn from_value(value: &Value, span: Span) -> Tok {
        let kind = match value {
            Value::Null => TokKind::Null,
            Value::Bool(b) => TokKind::Bool(*b),
            Value::Number(n) => TokKind::Number(*n),
            Value::String(s) => TokKind::String(s.clone()),
            Value::Version(_) | Value::DateTime(_) => {
                TokKind::String(value.to_display().unwrap_or_default())
            }
            Value::Array(items) => {
                TokKind::Sequence(items.iter().map(|v| Tok::from_value(v, span)).collect())
            }
            Value::Object(entries) => TokKind::Mapping(
                entries
                    .iter()
                    .map(|(k, v)| (Tok::string(k.clone(), span), Tok::from_value(v, span)))
                    .collect(),
            ),
        };
        Tok::new(kind, span)
    }

    /// Marks this token and everything under it as expanded.
    pub fn cooked(mut self) -> Tok {
        self.raw = false;
        match &mut self.kind {
            TokKind::Sequence(items) => {
                for i in items.iter_mut() {
                    *i = std::mem::replace(i, Tok::new(TokKind::Null, i.span)).cooked();
                }
            }
            TokKind::Mapping(entries) => {
                for (k, v) in entries.iter_mut() {
                    *k = std::mem::replace(k, Tok::new(TokKind::Null, k.span)).cooked();
                    *v = std::mem::replace(v, Tok::new(TokKind::Null, v.span)).cooked();
                }
            }
            _ => {}
        }
        self
    }
}

/// Azure's reading of a plain scalar: the null forms are null; every other scalar is a string
/// (typed parameters convert their values; `true` in an untyped parameter stays the string
/// `true`, which is why `eq(parameters.flag, '')` is false for `flag: false`).
pub fn plain_scalar(text: &str) -> TokKind {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => TokKind::Null,
        t => TokKind::String(t.to_string()),
    }
}
