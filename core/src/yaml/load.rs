//! The event-driven builder from `saphyr-parser` events to [`Node`]s.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, Span as SaphyrSpan};

use super::{Document, Entry, Node, Scalar, ScalarStyle, Value};
use crate::diag::{Diagnostic, FileId, Span};

/// Aliases may not expand a stream beyond this many nodes ("billion laughs" protection).
const MAX_ALIAS_NODES: usize = 100_000;
/// Collections nested deeper than this are rejected rather than risking the stack.
const MAX_DEPTH: usize = 256;

/// The result of loading one file: every document read, and the problems found. When the YAML is
/// malformed, `documents` holds the documents completed before the error.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    pub documents: Vec<Document>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Loads every document of `text`, which is file `file`.
///
/// Quoted scalars whose continuation lines are indented less than the block they sit in are
/// read as go-yaml reads them (below), not rejected as saphyr (and the YAML 1.2 spec) would.
pub fn load(file: FileId, text: &str) -> Loaded {
    let mut padding = Padding::default();
    for _ in 0..MAX_RELAXED_SCALARS {
        let padded = padding.apply(text);
        let (loaded, failure) = load_once(file, text, padded.as_deref(), &padding);
        let Some(at) = failure.and_then(|f| f.quoted_scalar_indentation) else {
            return loaded;
        };
        if !padding.indent_quoted_scalar(text, at) {
            return loaded;
        }
    }
    load_once(file, text, padding.apply(text).as_deref(), &padding).0
}

/// How many under-indented quoted scalars one file may have before the next is an error.
const MAX_RELAXED_SCALARS: usize = 256;

/// Why a parse stopped, for [`load`]'s retry.
struct Failure {
    /// saphyr's "invalid indentation in quoted scalar": the byte offset (in the original text)
    /// of the scalar's opening quote.
    quoted_scalar_indentation: Option<usize>,
}

/// Parses `parsed` (the original `text`, or `text` with `padding` applied) and maps every
/// position back to `text`.
fn load_once(
    file: FileId,
    text: &str,
    parsed: Option<&str>,
    padding: &Padding,
) -> (Loaded, Option<Failure>) {
    let source = parsed.unwrap_or(text);
    let offsets = CharOffsets::new(source, padding);
    let mut builder = Builder {
        file,
        offsets: &offsets,
        text,
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_budget: MAX_ALIAS_NODES,
        out: Loaded::default(),
    };
    let mut failure = None;
    let mut parser = Parser::new_from_str(source);
    loop {
        match parser.next_event() {
            None => break,
            Some(Ok((event, span))) => {
                if let Err(diag) = builder.on_event(event, span) {
                    builder.out.diagnostics.push(diag);
                    break;
                }
            }
            Some(Err(err)) => {
                let at = offsets.byte(err.marker().index());
                failure = Some(Failure {
                    quoted_scalar_indentation: (err.info()
                        == "invalid indentation in quoted scalar")
                        .then_some(at),
                });
                builder.out.diagnostics.push(
                    Diagnostic::error("yaml-syntax", capitalize(err.info()))
                        .with_span(Span::point(file, at)),
                );
                break;
            }
        }
    }
    (builder.out, failure)
}

/// Spaces inserted at the start of lines so that saphyr accepts what go-yaml accepts.
///
/// go-yaml (a port of libyaml, used by Kubernetes and Argo) does not check the indentation of a
/// quoted scalar's continuation lines, so Argo's own examples write
///
/// ```yaml
///       args: ["
///         apk update &&
///         ...
///       "]
/// ```
///
/// where the closing line is no deeper than `args`. saphyr follows the spec and stops with
/// "invalid indentation in quoted scalar". A quoted scalar drops the leading white space of its
/// continuation lines, so indenting those lines changes no value: such a scalar's under-indented
/// lines are padded up to the column of its opening quote (deeper than any enclosing block, since
/// the quote starts a node inside it) and the text is parsed again. Positions are mapped back to
/// the original text here and in [`CharOffsets`], nowhere else.
#[derive(Default)]
struct Padding {
    /// (byte offset of a line start in the original text, spaces inserted there), by offset.
    inserts: Vec<(usize, usize)>,
}

impl Padding {
    /// The padded text; `None` when nothing is padded (parse the original).
    fn apply(&self, text: &str) -> Option<String> {
        if self.inserts.is_empty() {
            return None;
        }
        let extra: usize = self.inserts.iter().map(|&(_, n)| n).sum();
        let mut out = String::with_capacity(text.len() + extra);
        let mut from = 0;
        for &(at, n) in &self.inserts {
            out.push_str(&text[from..at]);
            out.extend(std::iter::repeat_n(' ', n));
            from = at;
        }
        out.push_str(&text[from..]);
        Some(out)
    }

    /// Pads the under-indented continuation lines of the quoted scalar opening at byte `quote`
    /// of `text`; false when there is nothing to pad (the error stands).
    fn indent_quoted_scalar(&mut self, text: &str, quote: usize) -> bool {
        let Some(q) = text[quote..]
            .chars()
            .next()
            .filter(|c| matches!(c, '"' | '\''))
        else {
            return false;
        };
        let Some(end) = quoted_scalar_end(&text[quote..], q).map(|e| quote + e) else {
            return false;
        };
        let line_start = text[..quote].rfind('\n').map_or(0, |i| i + 1);
        let column = text[line_start..quote].chars().count();
        let mut added = false;
        let mut at = quote;
        while let Some(nl) = text[at..end].find('\n') {
            let start = at + nl + 1;
            let line = &text[start..];
            let indent = line.len() - line.trim_start_matches(' ').len();
            let blank = line[indent..].starts_with(['\n', '\r']);
            // Kept in order by inserting in place: a sort would add its own code to the page's
            // first-load bundle for this rare case.
            let k = self.inserts.partition_point(|&(o, _)| o < start);
            if !blank && indent < column && self.inserts.get(k).is_none_or(|&(o, _)| o != start) {
                self.inserts.insert(k, (start, column - indent));
                added = true;
            }
            at = start;
        }
        added
    }

    /// The original byte offset of byte `b` of the padded text (a padding byte maps to the start
    /// of its line).
    fn original(&self, b: usize) -> usize {
        let mut inserted = 0;
        for &(at, n) in &self.inserts {
            if at + inserted > b {
                break;
            }
            if b < at + inserted + n {
                return at;
            }
            inserted += n;
        }
        b - inserted
    }
}

/// The offset just past the closing quote of the quoted scalar that opens `s` with `q`.
fn quoted_scalar_end(s: &str, q: char) -> Option<usize> {
    let mut chars = s.char_indices().skip(1).peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' if q == '"' => {
                chars.next();
            }
            '\'' if q == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                chars.next();
            }
            c if c == q => return Some(i + 1),
            _ => {}
        }
    }
    None
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Character index → byte offset, for the positions `saphyr-parser` reports: into the parsed
/// text, then through [`Padding`] back into the original.
struct CharOffsets<'a> {
    /// Byte offset of each character, plus the text length; empty when the text is ASCII.
    table: Vec<u32>,
    len: usize,
    padding: &'a Padding,
}

impl<'a> CharOffsets<'a> {
    fn new(text: &str, padding: &'a Padding) -> Self {
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .map(|(i, _)| i as u32)
                .chain([text.len() as u32])
                .collect()
        };
        CharOffsets {
            table,
            len: text.len(),
            padding,
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        let b = if self.table.is_empty() {
            char_index.min(self.len)
        } else {
            self.table.get(char_index).map_or(self.len, |&b| b as usize)
        };
        if self.padding.inserts.is_empty() {
            b
        } else {
            self.padding.original(b)
        }
    }
}

enum Frame {
    Document {
        index: usize,
        root: Option<Node>,
    },
    Sequence {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Node>,
    },
    Mapping {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        entries: Vec<Entry>,
        key: Option<Node>,
    },
}

struct Builder<'a> {
    file: FileId,
    offsets: &'a CharOffsets<'a>,
    text: &'a str,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_budget: usize,
    out: Loaded,
}

impl Builder<'_> {
    fn span(&self, span: SaphyrSpan) -> Span {
        Span::new(
            self.file,
            self.offsets.byte(span.start.index()),
            self.offsets.byte(span.end.index()),
        )
    }

    fn on_event(&mut self, event: Event<'_>, span: SaphyrSpan) -> Result<(), Diagnostic> {
        let at = self.span(span);
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd => {}
            Event::DocumentStart(_) => {
                let index = self.out.documents.len();
                self.stack.push(Frame::Document { index, root: None });
            }
            Event::DocumentEnd => {
                if let Some(Frame::Document { index, root }) = self.stack.pop() {
                    let root = root.unwrap_or_else(|| null_node(at));
                    self.out.documents.push(Document { root, index });
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                let node = Node {
                    value: Value::Scalar(Scalar {
                        text: text.into_owned(),
                        style: convert_style(style),
                    }),
                    span: self.scalar_span(at, style),
                    tag: tag.map(|t| format!("{}{}", t.handle, t.suffix)),
                };
                self.remember(anchor, &node);
                self.push_node(node)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.check_depth(at)?;
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                self.stack.push(Frame::Sequence {
                    start: at.start as usize,
                    anchor,
                    tag,
                    items: Vec::new(),
                });
            }
            Event::MappingStart(anchor, tag) => {
                self.check_depth(at)?;
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                self.stack.push(Frame::Mapping {
                    start: at.start as usize,
                    anchor,
                    tag,
                    entries: Vec::new(),
                    key: None,
                });
            }
            Event::SequenceEnd => {
                if let Some(Frame::Sequence {
                    start,
                    anchor,
                    tag,
                    items,
                }) = self.stack.pop()
                {
                    let end = collection_end(&at, items.last().map(|n| n.span.end as usize));
                    let node = Node {
                        value: Value::Sequence(items),
                        span: Span::new(self.file, start, end),
                        tag,
                    };
                    self.remember(anchor, &node);
                    self.push_node(node)?;
                }
            }
            Event::MappingEnd => {
                if let Some(Frame::Mapping {
                    start,
                    anchor,
                    tag,
                    entries,
                    ..
                }) = self.stack.pop()
                {
                    let end =
                        collection_end(&at, entries.last().map(|e| e.value.span.end as usize));
                    let node = Node {
                        value: Value::Mapping(entries),
                        span: Span::new(self.file, start, end),
                        tag,
                    };
                    self.remember(anchor, &node);
                    self.push_node(node)?;
                }
            }
            Event::Alias(id) => {
                let Some(target) = self.anchors.get(&id) else {
                    // saphyr only accepts aliases of anchors it has seen, so an anchor we have not
                    // finished building is one that encloses this alias.
                    let name = self.text.get(at.range()).unwrap_or("*");
                    return Err(Diagnostic::error(
                        "yaml-alias",
                        format!("Alias '{name}' refers to a node that contains it"),
                    )
                    .with_span(at));
                };
                let size = count_nodes(target);
                if size > self.alias_budget {
                    return Err(Diagnostic::error(
                        "yaml-alias-limit",
                        format!("Aliases expand this document beyond {MAX_ALIAS_NODES} nodes"),
                    )
                    .with_span(at));
                }
                self.alias_budget -= size;
                let mut node = target.clone();
                node.span = at;
                self.push_node(node)?;
            }
        }
        Ok(())
    }

    /// saphyr's spans of block scalars end where the next token starts; trim trailing blank lines
    /// so that the span ends with the scalar's last character.
    fn scalar_span(&self, at: Span, style: SaphyrStyle) -> Span {
        if matches!(style, SaphyrStyle::Literal | SaphyrStyle::Folded) {
            if let Some(raw) = self.text.get(at.range()) {
                let trimmed = raw.trim_end_matches([' ', '\t', '\r', '\n']);
                return Span {
                    end: at.start + trimmed.len() as u32,
                    ..at
                };
            }
        }
        at
    }

    fn check_depth(&self, at: Span) -> Result<(), Diagnostic> {
        if self.stack.len() > MAX_DEPTH {
            return Err(Diagnostic::error(
                "yaml-depth",
                format!("Nesting deeper than {MAX_DEPTH} levels"),
            )
            .with_span(at));
        }
        Ok(())
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    fn push_node(&mut self, node: Node) -> Result<(), Diagnostic> {
        match self.stack.last_mut() {
            Some(Frame::Document { root, .. }) => *root = Some(node),
            Some(Frame::Sequence { items, .. }) => items.push(node),
            Some(Frame::Mapping { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => {
                    if let Some(name) = k.as_str() {
                        if let Some(first) = entries.iter().find(|e| e.key.as_str() == Some(name)) {
                            // Keep the first entry and go on, so one typo doesn't hide the rest.
                            let diag = Diagnostic::error(
                                "yaml-duplicate-key",
                                format!("Duplicate key '{name}' in mapping"),
                            )
                            .with_span(k.span)
                            .with_label(first.key.span, "first defined here");
                            self.out.diagnostics.push(diag);
                            return Ok(());
                        }
                    }
                    entries.push(Entry {
                        key: k,
                        value: node,
                    });
                }
            },
            None => {}
        }
        Ok(())
    }
}

fn collection_end(end_event: &Span, last_child_end: Option<usize>) -> usize {
    // Flow collections end with their closing bracket (a non-empty end event); block collections
    // end with their last child (their end event sits at the next token, after comments).
    if end_event.end > end_event.start {
        end_event.end as usize
    } else {
        last_child_end.unwrap_or(end_event.start as usize)
    }
}

fn null_node(at: Span) -> Node {
    Node {
        value: Value::Scalar(Scalar {
            text: String::new(),
            style: ScalarStyle::Plain,
        }),
        span: Span {
            end: at.start,
            ..at
        },
        tag: None,
    }
}

fn convert_style(style: SaphyrStyle) -> ScalarStyle {
    match style {
        SaphyrStyle::Plain => ScalarStyle::Plain,
        SaphyrStyle::SingleQuoted => ScalarStyle::SingleQuoted,
        SaphyrStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
        SaphyrStyle::Literal => ScalarStyle::Literal,
        SaphyrStyle::Folded => ScalarStyle::Folded,
    }
}

fn count_nodes(node: &Node) -> usize {
    1 + match &node.value {
        Value::Scalar(_) => 0,
        Value::Sequence(items) => items.iter().map(count_nodes).sum(),
        Value::Mapping(entries) => entries
            .iter()
            .map(|e| count_nodes(&e.key) + count_nodes(&e.value))
            .sum(),
    }
}
