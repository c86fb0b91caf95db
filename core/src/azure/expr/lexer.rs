//! The expression lexer: text → tokens with byte offsets into the expression text.
//!
//! Like Azure's, it reads an unknown character run up to the next delimiter as one token so that
//! errors quote the whole symbol (`Unexpected symbol: '-minus'`).

use super::value::{parse_number_literal, parse_version, Value};

#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Star,
    /// A literal: boolean, null, number, string or version.
    Literal(Value),
    /// A word that may name a function, a named value or a property.
    Word(String),
    /// Text that is not valid here; the parser reports it as an unexpected symbol.
    Unknown(String),
    /// An opening quote without its closing quote.
    Unterminated(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    pub tok: Tok,
    pub start: usize,
    pub end: usize,
}

fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ',')
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Splits `text` into tokens. Never fails: bad input becomes [`Tok::Unknown`].
pub fn lex(text: &str) -> Vec<Token> {
    let mut out: Vec<Token> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        let start = i;
        let single = match c {
            '(' => Some(Tok::LParen),
            ')' => Some(Tok::RParen),
            '[' => Some(Tok::LBracket),
            ']' => Some(Tok::RBracket),
            ',' => Some(Tok::Comma),
            _ => None,
        };
        if let Some(tok) = single {
            out.push(Token {
                tok,
                start,
                end: start + 1,
            });
            i += 1;
            continue;
        }
        let after_value = matches!(
            out.last().map(|t| &t.tok),
            Some(Tok::Word(_) | Tok::RParen | Tok::RBracket | Tok::Star)
        );
        if c == '.' && after_value {
            out.push(Token {
                tok: Tok::Dot,
                start,
                end: start + 1,
            });
            i += 1;
            continue;
        }
        if c == '*' && matches!(out.last().map(|t| &t.tok), Some(Tok::Dot | Tok::LBracket)) {
            out.push(Token {
                tok: Tok::Star,
                start,
                end: start + 1,
            });
            i += 1;
            continue;
        }
        if c == '\'' {
            let mut s = String::new();
            let mut j = i + 1;
            let mut closed = false;
            while j < text.len() {
                if bytes[j] == b'\'' {
                    if bytes.get(j + 1) == Some(&b'\'') {
                        s.push('\'');
                        j += 2;
                        continue;
                    }
                    closed = true;
                    j += 1;
                    break;
                }
                let ch = text[j..].chars().next().unwrap_or('\'');
                s.push(ch);
                j += ch.len_utf8();
            }
            let tok = if closed {
                Tok::Literal(Value::String(s))
            } else {
                Tok::Unterminated(text[i..].to_string())
            };
            out.push(Token { tok, start, end: j });
            i = j;
            continue;
        }
        if c.is_ascii_alphabetic() || c == '_' {
            // A word runs to the next delimiter or dot; anything else inside makes it unknown.
            let mut j = i;
            while let Some(ch) = text[j..].chars().next() {
                if is_delimiter(ch) || ch == '.' {
                    break;
                }
                j += ch.len_utf8();
            }
            let word = &text[i..j];
            if !word.chars().all(is_word_char) {
                out.push(Token {
                    tok: Tok::Unknown(word.to_string()),
                    start,
                    end: j,
                });
                i = j;
                continue;
            }
            let after_dot = matches!(out.last().map(|t| &t.tok), Some(Tok::Dot));
            let tok = match word {
                w if after_dot => Tok::Word(w.to_string()),
                w if w.eq_ignore_ascii_case("true") => Tok::Literal(Value::Bool(true)),
                w if w.eq_ignore_ascii_case("false") => Tok::Literal(Value::Bool(false)),
                w if w.eq_ignore_ascii_case("null") => Tok::Literal(Value::Null),
                w if w.eq_ignore_ascii_case("NaN") => Tok::Literal(Value::Number(f64::NAN)),
                w if w.eq_ignore_ascii_case("Infinity") => {
                    Tok::Literal(Value::Number(f64::INFINITY))
                }
                w => Tok::Word(w.to_string()),
            };
            out.push(Token { tok, start, end: j });
            i = j;
            continue;
        }
        // Numbers, versions and anything else: read to the next delimiter.
        let mut j = i;
        while let Some(ch) = text[j..].chars().next() {
            if is_delimiter(ch) {
                break;
            }
            j += ch.len_utf8();
        }
        let raw = &text[i..j];
        let tok = if let Some(n) = parse_number_literal(raw) {
            Tok::Literal(Value::Number(n))
        } else if let Some(v) = parse_version(raw).filter(|v| v.len() >= 3) {
            Tok::Literal(Value::Version(v))
        } else {
            Tok::Unknown(raw.to_string())
        };
        out.push(Token { tok, start, end: j });
        i = j;
    }
    out
}
