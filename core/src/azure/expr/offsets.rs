//! Mapping offsets in a scalar's value back to byte offsets in the YAML file.
//!
//! The loader gives a scalar's cooked text (escapes decoded, lines folded) and its span and style.
//! [`ScalarMap`] walks the raw source of that span alongside the cooked text, so an expression
//! error in `"${{ eq(1, +) }}"` or in a folded block points at the right column.

use crate::yaml::ScalarStyle;

/// Byte offset in the file for every byte offset of a scalar's cooked text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScalarMap {
    /// `map[i]` is the file offset of cooked byte `i`; one extra entry for the end.
    map: Vec<usize>,
}

impl ScalarMap {
    /// Builds the map for `cooked`, the value of a scalar written as `raw` (the span's text of the
    /// file, starting at file offset `raw_start`) in `style`.
    pub fn new(raw: &str, raw_start: usize, style: ScalarStyle, cooked: &str) -> Self {
        let rb = raw.as_bytes();
        let mut p = match style {
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => 1.min(raw.len()),
            _ => 0,
        };
        let mut map = Vec::with_capacity(cooked.len() + 1);
        for c in cooked.chars() {
            let at;
            loop {
                if p >= rb.len() {
                    at = rb.len();
                    break;
                }
                let rc = raw[p..].chars().next().unwrap_or(' ');
                if style == ScalarStyle::DoubleQuoted && rc == '\\' {
                    let next = rb.get(p + 1).copied();
                    if next == Some(b'\n') || next == Some(b'\r') {
                        // Escaped line break: skip it and the next line's indentation.
                        p += 2;
                        while p < rb.len() && (rb[p] == b' ' || rb[p] == b'\t' || rb[p] == b'\n') {
                            p += 1;
                        }
                        continue;
                    }
                    at = p;
                    p += match next {
                        Some(b'x') => 4,
                        Some(b'u') => 6,
                        Some(b'U') => 10,
                        _ => 2,
                    };
                    while p < rb.len() && !raw.is_char_boundary(p) {
                        p += 1;
                    }
                    break;
                }
                if rc == c {
                    at = p;
                    p += rc.len_utf8();
                    if style == ScalarStyle::SingleQuoted && c == '\'' && rb.get(p) == Some(&b'\'')
                    {
                        p += 1;
                    }
                    break;
                }
                if (c == ' ' || c == '\n') && rc == '\n' {
                    // A folded line break.
                    at = p;
                    p += 1;
                    while p < rb.len() && (rb[p] == b' ' || rb[p] == b'\t') {
                        p += 1;
                    }
                    break;
                }
                p += rc.len_utf8();
            }
            let at = at.min(rb.len()) + raw_start;
            for _ in 0..c.len_utf8() {
                map.push(at);
            }
        }
        map.push(p.min(rb.len()) + raw_start);
        ScalarMap { map }
    }

    /// The file offset of cooked offset `i` (clamped to the scalar's end).
    pub fn file_offset(&self, i: usize) -> usize {
        self.map.get(i).or(self.map.last()).copied().unwrap_or(0)
    }
}
