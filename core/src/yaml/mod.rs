//! YAML → a tree of [`Node`]s that keep the byte span of every key, value and item.
//!
//! **Architecture Invariant:** every node carries a [`Span`] into the file it was read from, and
//! loading never panics: malformed input yields the documents read so far plus a diagnostic with
//! the file, line and column of the problem.
//!
//! The tree is schema-less: a scalar keeps its text and its style (plain, quoted, block), and each
//! engine decides what `yes`, `010` or `null` mean, because Azure (YamlDotNet) and Kubernetes
//! (go-yaml) disagree. The events come from `saphyr-parser`, whose positions count characters;
//! they are converted to byte offsets here, in one place.

mod load;

pub use load::{load, Loaded};

use crate::diag::Span;

/// How a scalar was written in the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    /// `|` block.
    Literal,
    /// `>` block.
    Folded,
}

impl ScalarStyle {
    pub fn is_quoted(self) -> bool {
        matches!(self, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
    }
}

/// One YAML node with its span. For a block mapping or sequence the span runs from its first key or
/// item to the end of its last value; a flow collection's span includes its brackets. A quoted
/// scalar's span includes the quotes; a block scalar's span covers its content lines (after the
/// `|`/`>` header line, trailing blank lines excluded). An alias node takes the alias's span.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
    /// An explicit tag such as `!!str` or `!Ref`, written as in the source.
    pub tag: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar(Scalar),
    Sequence(Vec<Node>),
    Mapping(Vec<Entry>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    /// The scalar's value after YAML unescaping and folding.
    pub text: String,
    pub style: ScalarStyle,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Node,
    pub value: Node,
}

/// One document of a (possibly multi-document) YAML stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub root: Node,
    /// 0-based position of the document in its file.
    pub index: usize,
}

impl Node {
    /// The scalar text, if this node is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_sequence(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Sequence(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_mapping(&self) -> Option<&[Entry]> {
        match &self.value {
            Value::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// A plain scalar that YAML reads as null: empty, `~`, `null`, `Null` or `NULL`.
    pub fn is_null(&self) -> bool {
        match &self.value {
            Value::Scalar(s) => {
                s.style == ScalarStyle::Plain
                    && matches!(s.text.as_str(), "" | "~" | "null" | "Null" | "NULL")
            }
            _ => false,
        }
    }

    /// The value for a scalar key in a mapping (first match).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|e| &e.value)
    }

    /// The entry for a scalar key in a mapping (first match).
    pub fn entry(&self, key: &str) -> Option<&Entry> {
        self.as_mapping()?
            .iter()
            .find(|e| e.key.as_str() == Some(key))
    }

    /// A short name for the node's shape, as used in messages.
    pub fn kind_name(&self) -> &'static str {
        match &self.value {
            Value::Scalar(_) if self.is_null() => "null",
            Value::Scalar(_) => "string",
            Value::Sequence(_) => "sequence",
            Value::Mapping(_) => "mapping",
        }
    }
}
