//! Writing tokens as YAML text (block style, two-space indentation, quoting only when a plain
//! scalar would be read back differently).

use crate::azure::expr::value::format_number;
use crate::azure::template::{Tok, TokKind};

/// The YAML text of `tok` as a document.
pub fn to_yaml(tok: &Tok) -> String {
    let mut out = String::new();
    match &tok.kind {
        TokKind::Mapping(m) if !m.is_empty() => write_mapping(m, 0, &mut out),
        TokKind::Sequence(s) if !s.is_empty() => write_sequence(s, 0, &mut out),
        _ => {
            out.push_str(&scalar(tok, 0));
            out.push('\n');
        }
    }
    out
}

fn pad(n: usize) -> String {
    " ".repeat(n)
}

fn write_mapping(entries: &[(Tok, Tok)], indent: usize, out: &mut String) {
    for (i, (k, v)) in entries.iter().enumerate() {
        if i > 0 {
            out.push_str(&pad(indent));
        }
        out.push_str(&key_text(k));
        out.push(':');
        write_value(v, indent, out);
    }
}

fn write_sequence(items: &[Tok], indent: usize, out: &mut String) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(&pad(indent));
        }
        out.push_str("- ");
        match &item.kind {
            TokKind::Mapping(m) if !m.is_empty() => write_mapping(m, indent + 2, out),
            TokKind::Sequence(s) if !s.is_empty() => write_sequence(s, indent + 2, out),
            _ => {
                out.push_str(&scalar(item, indent + 2));
                out.push('\n');
            }
        }
    }
}

/// Writes what follows `key:`.
fn write_value(v: &Tok, indent: usize, out: &mut String) {
    match &v.kind {
        TokKind::Mapping(m) if !m.is_empty() => {
            out.push('\n');
            out.push_str(&pad(indent + 2));
            write_mapping(m, indent + 2, out);
        }
        TokKind::Sequence(s) if !s.is_empty() => {
            out.push('\n');
            out.push_str(&pad(indent));
            write_sequence(s, indent, out);
        }
        _ => {
            out.push(' ');
            out.push_str(&scalar(v, indent + 2));
            out.push('\n');
        }
    }
}

fn key_text(k: &Tok) -> String {
    match &k.kind {
        TokKind::String(s) => quote_if_needed(s),
        _ => k.scalar_text().unwrap_or_default(),
    }
}

fn scalar(t: &Tok, indent: usize) -> String {
    match &t.kind {
        TokKind::Null => "null".into(),
        TokKind::Bool(b) => if *b { "true" } else { "false" }.into(),
        TokKind::Number(n) => format_number(*n),
        TokKind::String(s) => {
            if s.contains('\n')
                && !s.contains('\r')
                && !s.starts_with(' ')
                && !s.trim_end_matches('\n').is_empty()
            {
                block(s, indent)
            } else {
                quote_if_needed(s)
            }
        }
        TokKind::Mapping(_) => "{}".into(),
        TokKind::Sequence(_) => "[]".into(),
    }
}

fn block(s: &str, indent: usize) -> String {
    let chomp = if s.ends_with("\n\n") {
        "+"
    } else if s.ends_with('\n') {
        ""
    } else {
        "-"
    };
    let body = s.strip_suffix('\n').unwrap_or(s);
    let mut out = format!("|{chomp}");
    for line in body.split('\n') {
        out.push('\n');
        if !line.is_empty() {
            out.push_str(&pad(indent));
            out.push_str(line);
        }
    }
    out
}

/// Quotes a string when a plain scalar would not read back (in Azure) as the same string.
pub fn quote_if_needed(s: &str) -> String {
    let special_start = s.starts_with([
        '-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@',
        '`', ' ',
    ]);
    // Azure reads every plain scalar as a string except the null forms, so `1` and `true` need
    // no quotes to stay strings; only what YAML syntax or the null forms would change does.
    let reads_as_other = matches!(s, "" | "~" | "null" | "Null" | "NULL");
    let needs = special_start
        || reads_as_other
        || s.ends_with(' ')
        || s.contains(": ")
        || s.contains(" #")
        || s.ends_with(':')
        || s.chars().any(|c| c.is_control());
    if !needs {
        return s.to_string();
    }
    if s.chars().any(|c| c.is_control()) {
        return serde_json::to_string(s).unwrap_or_default();
    }
    format!("'{}'", s.replace('\'', "''"))
}
