//! The expression parser: tokens → [`Expr`], checking function names, argument counts and named
//! values the way Azure does at parse time (so a typo fails even inside a disabled `${{ if }}`).

use super::lexer::{lex, Tok, Token};
use super::value::Value;
use super::{ExprError, Names};

/// Azure refuses expressions nested deeper than this.
pub const MAX_DEPTH: usize = 50;

/// A parsed expression. Offsets are bytes into the expression text.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Literal(Value),
    /// A context such as `parameters`, or a loop variable of `${{ each }}`.
    NamedValue(String),
    /// `a.b`
    Property(Box<Expr>, String),
    /// `a['b']`, `a[0]`
    Index(Box<Expr>, Box<Expr>),
    /// `a.*` or `a[*]`
    Wildcard(Box<Expr>),
    Call(String, Vec<Expr>),
}

/// One built-in function: its name as Azure spells it and how many arguments it takes.
pub struct FunctionInfo {
    pub name: &'static str,
    pub min: usize,
    pub max: usize,
    /// Only available in `$[ ]` runtime expressions and conditions.
    pub runtime_only: bool,
}

const fn f(name: &'static str, min: usize, max: usize, runtime_only: bool) -> FunctionInfo {
    FunctionInfo {
        name,
        min,
        max,
        runtime_only,
    }
}

/// Every function Azure Pipelines knows.
pub const FUNCTIONS: &[FunctionInfo] = &[
    f("and", 2, usize::MAX, false),
    f("or", 2, usize::MAX, false),
    f("not", 1, 1, false),
    f("xor", 2, 2, false),
    f("eq", 2, 2, false),
    f("ne", 2, 2, false),
    f("lt", 2, 2, false),
    f("le", 2, 2, false),
    f("gt", 2, 2, false),
    f("ge", 2, 2, false),
    f("in", 1, usize::MAX, false),
    f("notIn", 1, usize::MAX, false),
    f("contains", 2, 2, false),
    f("containsValue", 2, 2, false),
    f("startsWith", 2, 2, false),
    f("endsWith", 2, 2, false),
    f("format", 1, usize::MAX, false),
    f("join", 2, 2, false),
    f("coalesce", 1, usize::MAX, false),
    f("convertToJson", 1, 1, false),
    f("replace", 3, 3, false),
    f("split", 2, 2, false),
    f("lower", 1, 1, false),
    f("upper", 1, 1, false),
    f("length", 1, 1, false),
    f("trim", 1, 1, false),
    f("iif", 3, 3, false),
    f("substring", 2, 3, false),
    f("counter", 0, 2, true),
    f("succeeded", 0, usize::MAX, true),
    f("failed", 0, usize::MAX, true),
    f("succeededOrFailed", 0, usize::MAX, true),
    f("always", 0, 0, true),
    f("canceled", 0, 0, true),
];

pub fn function(name: &str) -> Option<&'static FunctionInfo> {
    FUNCTIONS.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// Parses `text`, allowing the named values and functions in `names`.
pub fn parse(text: &str, names: &Names) -> Result<Expr, ExprError> {
    let tokens = lex(text);
    if tokens.is_empty() {
        // An empty expression evaluates to null.
        return Ok(Expr {
            kind: ExprKind::Literal(Value::Null),
            start: 0,
            end: 0,
        });
    }
    let mut p = Parser {
        tokens: &tokens,
        pos: 0,
        names,
        name_error: None,
    };
    let expr = p.expr(0)?;
    if let Some(t) = p.tokens.get(p.pos) {
        return Err(unexpected(t, text));
    }
    // Like Azure, syntax errors win over unknown names: names are checked once the whole
    // expression has parsed.
    match p.name_error {
        Some(e) => Err(e),
        None => Ok(expr),
    }
}

fn symbol_text<'a>(t: &Token, text: &'a str) -> &'a str {
    text.get(t.start..t.end).unwrap_or("")
}

fn unexpected(t: &Token, text: &str) -> ExprError {
    ExprError::new(
        format!("Unexpected symbol: '{}'", symbol_text(t, text)),
        t.start,
    )
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
    names: &'a Names,
    /// The first unknown function or named value.
    name_error: Option<ExprError>,
}

impl Parser<'_> {
    fn text_of(&self, t: &Token) -> String {
        // Tokens carry their own text for words and unknowns; punctuation is one character.
        match &t.tok {
            Tok::Word(w) => w.clone(),
            Tok::Unknown(s) | Tok::Unterminated(s) => s.clone(),
            Tok::LParen => "(".into(),
            Tok::RParen => ")".into(),
            Tok::LBracket => "[".into(),
            Tok::RBracket => "]".into(),
            Tok::Comma => ",".into(),
            Tok::Dot => ".".into(),
            Tok::Star => "*".into(),
            Tok::Literal(v) => match v {
                Value::String(s) => format!("'{}'", s.replace('\'', "''")),
                other => other.to_display().unwrap_or_default(),
            },
        }
    }

    fn err_unexpected(&self, t: &Token) -> ExprError {
        ExprError::new(format!("Unexpected symbol: '{}'", self.text_of(t)), t.start)
    }

    fn err_end(&self) -> ExprError {
        match self.tokens.last() {
            Some(t) => ExprError::new(
                format!("Unexpected end of expression: '{}'", self.text_of(t)),
                t.start,
            ),
            None => ExprError::new("Expected an expression", 0),
        }
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Result<&Token, ExprError> {
        let t = self.tokens.get(self.pos).ok_or_else(|| self.err_end())?;
        self.pos += 1;
        Ok(t)
    }

    fn expect(&mut self, want: Tok) -> Result<usize, ExprError> {
        let t = self.next()?.clone();
        if t.tok == want {
            Ok(t.end)
        } else {
            Err(self.err_unexpected(&t))
        }
    }

    fn expr(&mut self, depth: usize) -> Result<Expr, ExprError> {
        if depth >= MAX_DEPTH {
            let at = self.peek().map_or(0, |t| t.start);
            return Err(
                ExprError::new(format!("Exceeded max expression depth {MAX_DEPTH}"), at)
                    .without_location(),
            );
        }
        let t = self.next()?.clone();
        let mut e = match &t.tok {
            Tok::Literal(v) => Expr {
                kind: ExprKind::Literal(v.clone()),
                start: t.start,
                end: t.end,
            },
            Tok::LParen => {
                let inner = self.expr(depth + 1)?;
                let end = self.expect(Tok::RParen)?;
                Expr {
                    kind: inner.kind,
                    start: t.start,
                    end,
                }
            }
            Tok::Word(w) => {
                if matches!(self.peek().map(|t| &t.tok), Some(Tok::LParen)) {
                    self.call(w, &t, depth)?
                } else {
                    if !self.names.allows_named_value(w) && self.name_error.is_none() {
                        self.name_error = Some(ExprError::new(
                            format!("Unrecognized named-value: '{w}'"),
                            t.start,
                        ));
                    }
                    Expr {
                        kind: ExprKind::NamedValue(w.clone()),
                        start: t.start,
                        end: t.end,
                    }
                }
            }
            _ => return Err(self.err_unexpected(&t)),
        };
        // Postfix: `.name`, `.*`, `[expr]`, `[*]`; each access nests one level deeper.
        let mut depth = depth;
        loop {
            if matches!(self.peek().map(|t| &t.tok), Some(Tok::Dot | Tok::LBracket)) {
                depth += 1;
                if depth >= MAX_DEPTH {
                    return Err(ExprError::new(
                        format!("Exceeded max expression depth {MAX_DEPTH}"),
                        self.peek().map_or(0, |t| t.start),
                    )
                    .without_location());
                }
            }
            match self.peek().map(|t| t.tok.clone()) {
                Some(Tok::Dot) => {
                    self.pos += 1;
                    let t = self.next()?.clone();
                    e = match &t.tok {
                        Tok::Word(w) => Expr {
                            start: e.start,
                            end: t.end,
                            kind: ExprKind::Property(Box::new(e), w.clone()),
                        },
                        // `a.true` reads property `true`.
                        Tok::Literal(Value::Bool(_) | Value::Null) => Expr {
                            start: e.start,
                            end: t.end,
                            kind: ExprKind::Property(Box::new(e), self.text_of(&t)),
                        },
                        Tok::Star => Expr {
                            start: e.start,
                            end: t.end,
                            kind: ExprKind::Wildcard(Box::new(e)),
                        },
                        _ => return Err(self.err_unexpected(&t)),
                    };
                }
                Some(Tok::LBracket) => {
                    self.pos += 1;
                    if matches!(self.peek().map(|t| &t.tok), Some(Tok::Star)) {
                        self.pos += 1;
                        let end = self.expect(Tok::RBracket)?;
                        e = Expr {
                            start: e.start,
                            end,
                            kind: ExprKind::Wildcard(Box::new(e)),
                        };
                    } else {
                        let index = self.expr(depth)?;
                        let end = self.expect(Tok::RBracket)?;
                        e = Expr {
                            start: e.start,
                            end,
                            kind: ExprKind::Index(Box::new(e), Box::new(index)),
                        };
                    }
                }
                _ => break,
            }
        }
        Ok(e)
    }

    fn call(&mut self, name: &str, t: &Token, depth: usize) -> Result<Expr, ExprError> {
        let info = function(name).filter(|f| !f.runtime_only || self.names.runtime);
        if info.is_none() && self.name_error.is_none() {
            self.name_error = Some(ExprError::new(
                format!("Unrecognized function: '{name}'"),
                t.start,
            ));
        }
        self.pos += 1; // `(`
        let mut args = Vec::new();
        let end;
        if matches!(self.peek().map(|t| &t.tok), Some(Tok::RParen)) {
            end = self.next()?.end;
        } else {
            loop {
                args.push(self.expr(depth + 1)?);
                let sep = self.next()?.clone();
                match sep.tok {
                    Tok::Comma => continue,
                    Tok::RParen => {
                        end = sep.end;
                        break;
                    }
                    _ => return Err(self.err_unexpected(&sep)),
                }
            }
        }
        let Some(info) = info else {
            return Ok(Expr {
                kind: ExprKind::Call(name.to_string(), args),
                start: t.start,
                end,
            });
        };
        if args.len() < info.min {
            return Err(ExprError::new(
                format!("Too few parameters supplied: '{name}'"),
                t.start,
            ));
        }
        if args.len() > info.max {
            return Err(ExprError::new(
                format!("Too many parameters supplied: '{name}'"),
                t.start,
            ));
        }
        Ok(Expr {
            kind: ExprKind::Call(info.name.to_string(), args),
            start: t.start,
            end,
        })
    }
}
