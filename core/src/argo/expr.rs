//! Expressions: govaluate (`when`), expr-lang (`{{=...}}`, `retryStrategy.expression`, Sensor
//! `exprs` filters) in the subset the corpora use, and enhanced `depends` logic.
//!
//! **Architecture Invariant:** evaluation is a pure function of the text and the variables; it
//! knows no spans (callers attach them) and never panics — nesting depth and input size are
//! bounded, every failure is an `Err(message)`.

use serde_json::{Map, Value};

/// Dialect differences between govaluate and expr-lang.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// govaluate as Argo uses it for `when`: unknown identifiers are strings.
    Govaluate,
    /// expr-lang: unknown identifiers are `nil`.
    Expr,
}

const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(f64),
    Str(String),
    Ident(String),
    Op(&'static str),
}

fn lex(src: &str, dialect: Dialect) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    const OPS: &[&str] = &[
        "&&", "||", "==", "!=", "<=", ">=", "=~", "!~", "??", "<", ">", "!", "(", ")", "[", "]",
        ",", "+", "-", "*", "/", "%", "?", ":", ".", "{", "}", "|",
    ];
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                // `1.` followed by a letter is member access on a number; rare, ignore.
                i += 1;
            }
            let text: String = chars[start..i].iter().collect();
            // govaluate reads `1abc` as a variable; treat digits followed by letters as an ident.
            if i < chars.len() && (chars[i].is_alphabetic() || chars[i] == '_') {
                while i < chars.len() && is_ident_char(chars[i], dialect) {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
                continue;
            }
            out.push(Tok::Num(
                text.parse()
                    .map_err(|_| format!("invalid number '{text}'"))?,
            ));
            continue;
        }
        if c == '\'' || c == '"' || c == '`' {
            let quote = c;
            i += 1;
            let mut s = String::new();
            loop {
                let Some(&ch) = chars.get(i) else {
                    return Err("unclosed string literal".into());
                };
                i += 1;
                if ch == quote {
                    break;
                }
                if ch == '\\' && quote != '`' {
                    let Some(&next) = chars.get(i) else {
                        return Err("unclosed string literal".into());
                    };
                    i += 1;
                    s.push(match next {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                } else {
                    s.push(ch);
                }
            }
            out.push(Tok::Str(s));
            continue;
        }
        if c == '#' {
            out.push(Tok::Ident("#".into()));
            i += 1;
            continue;
        }
        if c.is_alphabetic() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len() && is_ident_char(chars[i], dialect) {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            match word.as_str() {
                "and" if dialect == Dialect::Expr => out.push(Tok::Op("&&")),
                "or" if dialect == Dialect::Expr => out.push(Tok::Op("||")),
                "not" if dialect == Dialect::Expr => out.push(Tok::Op("!")),
                "in" => out.push(Tok::Op("in")),
                "matches" => out.push(Tok::Op("=~")),
                _ => out.push(Tok::Ident(word)),
            }
            continue;
        }
        let rest: String = chars[i..chars.len().min(i + 2)].iter().collect();
        if let Some(op) = OPS.iter().find(|op| rest.starts_with(**op)) {
            out.push(Tok::Op(op));
            i += op.len();
            continue;
        }
        return Err(format!("Invalid token: '{c}'"));
    }
    Ok(out)
}

fn is_ident_char(c: char, dialect: Dialect) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$' || (dialect == Dialect::Govaluate && c == '.')
}

/// Variables for an evaluation: a JSON object; dotted names may be keys (`steps.a.outputs.result`).
pub struct Env<'a> {
    pub vars: &'a Map<String, Value>,
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    env: &'a Env<'a>,
    dialect: Dialect,
    depth: usize,
}

/// Evaluates `src` to a JSON value.
pub fn eval(src: &str, vars: &Map<String, Value>, dialect: Dialect) -> Result<Value, String> {
    let toks = lex(src, dialect)?;
    let env = Env { vars };
    let mut p = Parser {
        toks,
        pos: 0,
        env: &env,
        dialect,
        depth: 0,
    };
    let v = p.ternary()?;
    if p.pos < p.toks.len() {
        return Err(format!("unexpected token {:?}", p.toks[p.pos]));
    }
    Ok(v)
}

/// Evaluates a `when` condition the way Argo does (govaluate; unknown words are strings).
pub fn eval_when(src: &str) -> Result<bool, String> {
    let empty = Map::new();
    match eval(src, &empty, Dialect::Govaluate) {
        Ok(Value::Bool(b)) => Ok(b),
        Ok(other) => Err(format!("Expected boolean evaluation for '{src}'. Got {}", show(&other))),
        Err(e) if e.starts_with("Invalid token") => Err(format!(
            "Invalid 'when' expression '{src}': {e} (hint: try wrapping the affected expression in quotes (\"))"
        )),
        Err(e) => Err(format!("Invalid 'when' expression '{src}': {e}")),
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "<nil>".into(),
        other => other.to_string(),
    }
}

/// Truthiness for `&&`/`||` operands.
fn truthy(v: &Value) -> Result<bool, String> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Null => Ok(false),
        other => Err(format!(
            "Value '{}' cannot be used with the logical operator",
            show(other)
        )),
    }
}

/// A number from a JSON value (strings that look like numbers count, as in govaluate).
pub fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(_) | Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

/// A value's type as expr-lang names it in errors.
fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nil",
        Value::Bool(_) => "bool",
        Value::Number(_) => "float64",
        Value::String(_) => "string",
        Value::Array(_) => "[]interface {}",
        Value::Object(_) => "map[string]interface {}",
    }
}

fn num(f: f64) -> Value {
    if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Value::Number((f as i64).into())
    } else {
        serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn eat(&mut self, op: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Op(o)) if *o == op) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, op: &str) -> Result<(), String> {
        if self.eat(op) {
            Ok(())
        } else {
            Err(format!("expected '{op}'"))
        }
    }

    /// The arguments of a call whose `(` has been read, through the closing `)`.
    fn call_args(&mut self, mut args: Vec<Value>) -> Result<Vec<Value>, String> {
        if !self.eat(")") {
            loop {
                args.push(self.ternary()?);
                if self.eat(")") {
                    break;
                }
                self.expect(",")?;
            }
        }
        Ok(args)
    }

    fn ternary(&mut self) -> Result<Value, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("expression nested too deeply".into());
        }
        let mut cond = self.or()?;
        // Pipes: `x | f(a)` is `f(x, a)`.
        while self.eat("|") {
            let Some(Tok::Ident(f)) = self.peek().cloned() else {
                return Err("expected a function after '|'".into());
            };
            self.pos += 1;
            let args = if self.eat("(") {
                self.call_args(vec![cond])?
            } else {
                vec![cond]
            };
            cond = call(&f, &args)?;
        }
        let out = if self.eat("?") {
            let a = self.ternary()?;
            self.expect(":")?;
            let b = self.ternary()?;
            if truthy(&cond)? {
                a
            } else {
                b
            }
        } else if self.eat("??") {
            let b = self.ternary()?;
            if cond.is_null() {
                b
            } else {
                cond
            }
        } else {
            cond
        };
        self.depth -= 1;
        Ok(out)
    }

    fn or(&mut self) -> Result<Value, String> {
        let mut left = self.and()?;
        while self.eat("||") {
            let right = self.and()?;
            left = Value::Bool(truthy(&left)? || truthy(&right)?);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Value, String> {
        let mut left = self.cmp()?;
        while self.eat("&&") {
            let right = self.cmp()?;
            left = Value::Bool(truthy(&left)? && truthy(&right)?);
        }
        Ok(left)
    }

    fn cmp(&mut self) -> Result<Value, String> {
        let left = self.add()?;
        for op in ["==", "!=", "<=", ">=", "<", ">", "=~", "!~", "in"] {
            if self.eat(op) {
                let right = self.add()?;
                return compare(op, &left, &right);
            }
        }
        // expr-lang's string operators (words, so `sprig.contains(...)` stays a call).
        if self.dialect == Dialect::Expr {
            if let Some(Tok::Ident(op)) = self.peek().cloned() {
                if matches!(op.as_str(), "contains" | "startsWith" | "endsWith") {
                    self.pos += 1;
                    let right = self.add()?;
                    let (Value::String(a), Value::String(b)) = (&left, &right) else {
                        return Err(format!(
                            "invalid operation: {} {op} {}",
                            kind(&left),
                            kind(&right)
                        ));
                    };
                    return Ok(Value::Bool(match op.as_str() {
                        "contains" => a.contains(b.as_str()),
                        "startsWith" => a.starts_with(b.as_str()),
                        _ => a.ends_with(b.as_str()),
                    }));
                }
            }
        }
        Ok(left)
    }

    fn add(&mut self) -> Result<Value, String> {
        let mut left = self.mul()?;
        loop {
            if self.eat("+") {
                let right = self.mul()?;
                left = match (&left, &right) {
                    (Value::String(a), Value::String(b)) => Value::String(format!("{a}{b}")),
                    _ => match (as_number(&left), as_number(&right)) {
                        (Some(a), Some(b)) => num(a + b),
                        _ => Value::String(format!("{}{}", show(&left), show(&right))),
                    },
                };
            } else if self.eat("-") {
                let right = self.mul()?;
                left = arith(&left, &right, |a, b| a - b)?;
            } else {
                return Ok(left);
            }
        }
    }

    fn mul(&mut self) -> Result<Value, String> {
        let mut left = self.unary()?;
        loop {
            if self.eat("*") {
                let r = self.unary()?;
                left = arith(&left, &r, |a, b| a * b)?;
            } else if self.eat("/") {
                let r = self.unary()?;
                left = arith(&left, &r, |a, b| a / b)?;
            } else if self.eat("%") {
                let r = self.unary()?;
                left = arith(&left, &r, |a, b| a % b)?;
            } else {
                return Ok(left);
            }
        }
    }

    fn unary(&mut self) -> Result<Value, String> {
        if self.eat("!") {
            let v = self.unary()?;
            return Ok(Value::Bool(!truthy(&v)?));
        }
        if self.eat("-") {
            let v = self.unary()?;
            return arith(&Value::Number(0.into()), &v, |a, b| a - b);
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Result<Value, String> {
        let mut v = self.primary()?;
        loop {
            if self.eat(".") {
                let Some(Tok::Ident(name)) = self.peek().cloned() else {
                    return Err("expected a name after '.'".into());
                };
                self.pos += 1;
                v = member(&v, &name);
            } else if self.eat("[") {
                let idx = self.ternary()?;
                self.expect("]")?;
                v = match (&v, &idx) {
                    (Value::Array(items), i) => as_number(i)
                        .and_then(|n| {
                            let n = n as i64;
                            let n = if n < 0 { items.len() as i64 + n } else { n };
                            items.get(usize::try_from(n).ok()?).cloned()
                        })
                        .unwrap_or(Value::Null),
                    (Value::Object(_), Value::String(k)) => member(&v, k),
                    _ => Value::Null,
                };
            } else {
                return Ok(v);
            }
        }
    }

    fn primary(&mut self) -> Result<Value, String> {
        let Some(tok) = self.peek().cloned() else {
            return Err("unexpected end of expression".into());
        };
        self.pos += 1;
        match tok {
            Tok::Num(n) => Ok(num(n)),
            Tok::Str(s) => Ok(Value::String(s)),
            Tok::Op("(") => {
                let v = self.ternary()?;
                // govaluate: `(a, b, c)` is an array (for `in`).
                if self.dialect == Dialect::Govaluate && matches!(self.peek(), Some(Tok::Op(","))) {
                    let mut items = vec![v];
                    while self.eat(",") {
                        items.push(self.ternary()?);
                    }
                    self.expect(")")?;
                    return Ok(Value::Array(items));
                }
                self.expect(")")?;
                Ok(v)
            }
            Tok::Op("[") => {
                let mut items = Vec::new();
                if !self.eat("]") {
                    loop {
                        items.push(self.ternary()?);
                        if self.eat("]") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                Ok(Value::Array(items))
            }
            Tok::Op("{") => {
                let mut map = Map::new();
                if !self.eat("}") {
                    loop {
                        let key = match self.peek().cloned() {
                            Some(Tok::Str(s)) | Some(Tok::Ident(s)) => s,
                            _ => return Err("expected a map key".into()),
                        };
                        self.pos += 1;
                        self.expect(":")?;
                        map.insert(key, self.ternary()?);
                        if self.eat("}") {
                            break;
                        }
                        self.expect(",")?;
                    }
                }
                Ok(Value::Object(map))
            }
            Tok::Ident(name) => {
                if matches!(
                    name.as_str(),
                    "filter" | "map" | "all" | "any" | "none" | "count"
                ) && matches!(self.peek(), Some(Tok::Op("(")))
                {
                    self.pos += 1;
                    let list = self.ternary()?;
                    self.expect(",")?;
                    self.expect("{")?;
                    let start = self.pos;
                    let mut depth = 0usize;
                    while let Some(t) = self.peek() {
                        match t {
                            Tok::Op("{") => depth += 1,
                            Tok::Op("}") if depth == 0 => break,
                            Tok::Op("}") => depth -= 1,
                            _ => {}
                        }
                        self.pos += 1;
                    }
                    let body: Vec<Tok> = self.toks[start..self.pos].to_vec();
                    self.expect("}")?;
                    self.expect(")")?;
                    let Value::Array(items) = list else {
                        return Err(format!("{name}() needs a list"));
                    };
                    let mut results = Vec::with_capacity(items.len());
                    for item in &items {
                        let mut vars = self.env.vars.clone();
                        vars.insert("#".into(), item.clone());
                        let env = Env { vars: &vars };
                        let mut p = Parser {
                            toks: body.clone(),
                            pos: 0,
                            env: &env,
                            dialect: self.dialect,
                            depth: self.depth + 1,
                        };
                        results.push((item.clone(), p.ternary()?));
                    }
                    let truth = |v: &Value| matches!(v, Value::Bool(true));
                    return Ok(match name.as_str() {
                        "filter" => Value::Array(
                            results
                                .into_iter()
                                .filter(|(_, r)| truth(r))
                                .map(|(i, _)| i)
                                .collect(),
                        ),
                        "map" => Value::Array(results.into_iter().map(|(_, r)| r).collect()),
                        "all" => Value::Bool(results.iter().all(|(_, r)| truth(r))),
                        "any" => Value::Bool(results.iter().any(|(_, r)| truth(r))),
                        "none" => Value::Bool(!results.iter().any(|(_, r)| truth(r))),
                        _ => Value::Number(results.iter().filter(|(_, r)| truth(r)).count().into()),
                    });
                }
                if self.eat("(") {
                    let args = self.call_args(Vec::new())?;
                    return call(&name, &args);
                }
                // `sprig.name(...)`: a namespace of functions.
                if name == "sprig" && matches!(self.peek(), Some(Tok::Op("."))) {
                    self.pos += 1;
                    if let Some(Tok::Ident(f)) = self.peek().cloned() {
                        self.pos += 1;
                        self.expect("(")?;
                        let args = self.call_args(Vec::new())?;
                        return call(&f, &args);
                    }
                }
                match name.as_str() {
                    "true" => return Ok(Value::Bool(true)),
                    "false" => return Ok(Value::Bool(false)),
                    "nil" | "null" => return Ok(Value::Null),
                    _ => {}
                }
                if self.dialect == Dialect::Expr {
                    // Collect `a.b.c` and use the longest dotted prefix that is a variable.
                    let mut parts = vec![name.clone()];
                    let mut look = self.pos;
                    while matches!(self.toks.get(look), Some(Tok::Op("."))) {
                        match self.toks.get(look + 1) {
                            Some(Tok::Ident(n)) => parts.push(n.clone()),
                            _ => break,
                        }
                        look += 2;
                    }
                    for take in (1..=parts.len()).rev() {
                        if let Some(v) = self.env.vars.get(&parts[..take].join(".")) {
                            self.pos += (take - 1) * 2;
                            return Ok(v.clone());
                        }
                    }
                }
                if let Some(v) = self.env.vars.get(&name) {
                    return Ok(v.clone());
                }
                // Dotted names whose prefix is a variable: `inputs.parameters.x`.
                if let Some(v) = lookup_dotted(self.env.vars, &name) {
                    return Ok(v);
                }
                Ok(match self.dialect {
                    Dialect::Govaluate => Value::String(name),
                    Dialect::Expr => {
                        // A dotted prefix chain: keep reading `.x` in postfix.
                        Value::Null
                    }
                })
            }
            Tok::Op(op) => Err(format!("unexpected '{op}'")),
        }
    }
}

fn lookup_dotted(vars: &Map<String, Value>, name: &str) -> Option<Value> {
    let mut split = name.len();
    while let Some(i) = name[..split].rfind('.') {
        if let Some(v) = vars.get(&name[..i]) {
            let mut cur = v.clone();
            for part in name[i + 1..].split('.') {
                cur = member(&cur, part);
            }
            return Some(cur);
        }
        split = i;
    }
    None
}

fn member(v: &Value, name: &str) -> Value {
    match v {
        Value::Object(m) => m.get(name).cloned().unwrap_or(Value::Null),
        _ => Value::Null,
    }
}

fn arith(a: &Value, b: &Value, f: impl Fn(f64, f64) -> f64) -> Result<Value, String> {
    match (as_number(a), as_number(b)) {
        (Some(x), Some(y)) => Ok(num(f(x, y))),
        _ => Err(format!(
            "cannot do arithmetic on '{}' and '{}'",
            show(a),
            show(b)
        )),
    }
}

fn compare(op: &str, a: &Value, b: &Value) -> Result<Value, String> {
    let r = match op {
        "==" => loose_eq(a, b),
        "!=" => !loose_eq(a, b),
        "=~" | "!~" => {
            let re = regex_lite::Regex::new(&show(b)).map_err(|e| e.to_string())?;
            let m = re.is_match(&show(a));
            if op == "=~" {
                m
            } else {
                !m
            }
        }
        "in" => match b {
            Value::Array(items) => items.iter().any(|i| loose_eq(a, i)),
            Value::Object(m) => m.contains_key(&show(a)),
            Value::String(s) => s.contains(&show(a)),
            _ => false,
        },
        _ => {
            let ord = match (as_number(a), as_number(b)) {
                (Some(x), Some(y)) if !matches!((a, b), (Value::String(_), Value::String(_))) => {
                    x.partial_cmp(&y)
                }
                _ => match (a, b) {
                    (Value::String(x), Value::String(y)) => {
                        match (x.parse::<f64>(), y.parse::<f64>()) {
                            (Ok(p), Ok(q)) => p.partial_cmp(&q),
                            _ => Some(x.cmp(y)),
                        }
                    }
                    _ => None,
                },
            };
            let Some(ord) = ord else {
                return Err(format!("cannot compare '{}' {op} '{}'", show(a), show(b)));
            };
            match op {
                "<" => ord.is_lt(),
                "<=" => ord.is_le(),
                ">" => ord.is_gt(),
                _ => ord.is_ge(),
            }
        }
    };
    Ok(Value::Bool(r))
}

fn loose_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(_), Value::Number(_)) => as_number(a) == as_number(b),
        (Value::Number(_), Value::String(_)) | (Value::String(_), Value::Number(_)) => {
            as_number(a).is_some() && as_number(a) == as_number(b)
        }
        _ => a == b,
    }
}

fn call(name: &str, args: &[Value]) -> Result<Value, String> {
    let arg = |i: usize| args.get(i).cloned().unwrap_or(Value::Null);
    Ok(match name {
        "asInt" | "int" | "atoi" => {
            let n = as_number(&arg(0))
                .ok_or_else(|| format!("cannot convert '{}' to int", show(&arg(0))))?;
            Value::Number((n.trunc() as i64).into())
        }
        "asFloat" | "float" | "float64" => num(as_number(&arg(0))
            .ok_or_else(|| format!("cannot convert '{}' to float", show(&arg(0))))?),
        "string" | "toString" => Value::String(show(&arg(0))),
        "len" => Value::Number(
            match arg(0) {
                Value::Array(a) => a.len(),
                Value::Object(m) => m.len(),
                Value::String(s) => s.chars().count(),
                _ => 0,
            }
            .into(),
        ),
        "toJson" | "toJSON" | "toRawJson" => Value::String(arg(0).to_string()),
        "fromJson" | "fromJSON" => serde_json::from_str(&show(&arg(0))).unwrap_or(Value::Null),
        "upper" => Value::String(show(&arg(0)).to_uppercase()),
        "lower" => Value::String(show(&arg(0)).to_lowercase()),
        "trim" => Value::String(show(&arg(0)).trim().to_string()),
        "contains" => Value::Bool(show(&arg(1)).contains(&show(&arg(0)))),
        "hasPrefix" => Value::Bool(show(&arg(1)).starts_with(&show(&arg(0)))),
        "hasSuffix" => Value::Bool(show(&arg(1)).ends_with(&show(&arg(0)))),
        "replace" => Value::String(show(&arg(2)).replace(&show(&arg(0)), &show(&arg(1)))),
        "split" => Value::Array(
            show(&arg(0))
                .split(&show(&arg(1)))
                .map(|s| Value::String(s.into()))
                .collect(),
        ),
        "join" => match arg(0) {
            Value::Array(items) => Value::String(
                items
                    .iter()
                    .map(show)
                    .collect::<Vec<_>>()
                    .join(&show(&arg(1))),
            ),
            other => Value::String(show(&other)),
        },
        "add" => arith(&arg(0), &arg(1), |a, b| a + b)?,
        "sub" => arith(&arg(0), &arg(1), |a, b| a - b)?,
        "mul" => arith(&arg(0), &arg(1), |a, b| a * b)?,
        "div" => arith(&arg(0), &arg(1), |a, b| a / b)?,
        "min" => arith(&arg(0), &arg(1), f64::min)?,
        "max" => arith(&arg(0), &arg(1), f64::max)?,
        "default" => {
            let v = arg(1);
            if v.is_null() || v == Value::String(String::new()) {
                arg(0)
            } else {
                v
            }
        }
        "jsonpath" => jsonpath(&arg(0), &show(&arg(1)))?,
        "concat" => Value::Array(
            args.iter()
                .flat_map(|a| match a {
                    Value::Array(items) => items.clone(),
                    other => vec![other.clone()],
                })
                .collect(),
        ),
        "get" => match (arg(0), arg(1)) {
            (Value::Object(m), k) => m.get(&show(&k)).cloned().unwrap_or(Value::Null),
            (Value::Array(a), i) => as_number(&i)
                .and_then(|n| a.get(n as usize).cloned())
                .unwrap_or(Value::Null),
            _ => Value::Null,
        },
        "keys" => match arg(0) {
            Value::Object(m) => Value::Array(m.keys().map(|k| Value::String(k.clone())).collect()),
            _ => Value::Array(Vec::new()),
        },
        "first" => match arg(0) {
            Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        },
        "last" => match arg(0) {
            Value::Array(a) => a.last().cloned().unwrap_or(Value::Null),
            _ => Value::Null,
        },
        "filter" | "map" | "all" | "any" => {
            return Err(format!("function '{name}' with a closure is not simulated"))
        }
        _ => return Err(format!("unknown function '{name}'")),
    })
}

/// A JSONPath subset (`$.a.b[0].c`) over a JSON value or a JSON text.
pub fn jsonpath(doc: &Value, path: &str) -> Result<Value, String> {
    let doc = match doc {
        Value::String(s) => serde_json::from_str(s).map_err(|e| e.to_string())?,
        other => other.clone(),
    };
    let path = path.trim().trim_start_matches('{').trim_end_matches('}');
    let path = path.strip_prefix('$').unwrap_or(path);
    let mut cur = doc;
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let (name, rest) = match seg.find('[') {
            Some(i) => (&seg[..i], &seg[i..]),
            None => (seg, ""),
        };
        if !name.is_empty() {
            cur = member(&cur, name);
        }
        for idx in rest.split('[').filter(|s| !s.is_empty()) {
            let idx = idx.trim_end_matches(']');
            cur = match (&cur, idx.parse::<usize>()) {
                (Value::Array(a), Ok(i)) => a.get(i).cloned().unwrap_or(Value::Null),
                _ => member(&cur, idx.trim_matches('\'').trim_matches('"')),
            };
        }
    }
    Ok(cur)
}

/// A parsed enhanced `depends` expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Depends {
    /// `task` or `task.Result`.
    Task(String, Option<String>),
    Not(Box<Depends>),
    And(Box<Depends>, Box<Depends>),
    Or(Box<Depends>, Box<Depends>),
}

/// The results a `depends` clause may test, in Argo's words.
pub const DEPENDS_RESULTS: &[&str] = &[
    "Succeeded",
    "Failed",
    "Errored",
    "Skipped",
    "Omitted",
    "Daemoned",
    "AnySucceeded",
    "AllFailed",
];

impl Depends {
    pub fn parse(src: &str) -> Result<Depends, String> {
        let mut toks = Vec::new();
        let chars: Vec<char> = src.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if c.is_whitespace() {
                i += 1;
            } else if c == '(' || c == ')' || c == '!' {
                toks.push(c.to_string());
                i += 1;
            } else if (c == '&' || c == '|') && chars.get(i + 1) == Some(&c) {
                toks.push(format!("{c}{c}"));
                i += 2;
            } else if c.is_alphanumeric() || c == '-' || c == '_' || c == '.' {
                let start = i;
                while i < chars.len()
                    && (chars[i].is_alphanumeric() || matches!(chars[i], '-' | '_' | '.'))
                {
                    i += 1;
                }
                toks.push(chars[start..i].iter().collect());
            } else {
                return Err(format!(
                    "invalid character '{c}' in depends expression '{src}'"
                ));
            }
        }
        let mut pos = 0;
        let d = depends_or(&toks, &mut pos, 0)?;
        if pos != toks.len() {
            return Err(format!(
                "unexpected '{}' in depends expression '{src}'",
                toks[pos]
            ));
        }
        Ok(d)
    }

    /// The tasks this expression names.
    pub fn tasks(&self, out: &mut Vec<String>) {
        match self {
            Depends::Task(t, _) => {
                if !out.contains(t) {
                    out.push(t.clone())
                }
            }
            Depends::Not(d) => d.tasks(out),
            Depends::And(a, b) | Depends::Or(a, b) => {
                a.tasks(out);
                b.tasks(out);
            }
        }
    }

    /// Evaluates with `test(task, result)` answering one `task.Result` question.
    pub fn eval(&self, test: &dyn Fn(&str, &str) -> bool) -> bool {
        match self {
            Depends::Task(t, Some(r)) => test(t, r),
            Depends::Task(t, None) => {
                test(t, "Succeeded") || test(t, "Skipped") || test(t, "Daemoned")
            }
            Depends::Not(d) => !d.eval(test),
            Depends::And(a, b) => a.eval(test) && b.eval(test),
            Depends::Or(a, b) => a.eval(test) || b.eval(test),
        }
    }
}

fn depends_or(t: &[String], pos: &mut usize, depth: usize) -> Result<Depends, String> {
    if depth > MAX_DEPTH {
        return Err("depends expression nested too deeply".into());
    }
    let mut left = depends_and(t, pos, depth)?;
    while t.get(*pos).map(String::as_str) == Some("||") {
        *pos += 1;
        left = Depends::Or(Box::new(left), Box::new(depends_and(t, pos, depth)?));
    }
    Ok(left)
}

fn depends_and(t: &[String], pos: &mut usize, depth: usize) -> Result<Depends, String> {
    let mut left = depends_unary(t, pos, depth)?;
    while t.get(*pos).map(String::as_str) == Some("&&") {
        *pos += 1;
        left = Depends::And(Box::new(left), Box::new(depends_unary(t, pos, depth)?));
    }
    Ok(left)
}

fn depends_unary(t: &[String], pos: &mut usize, depth: usize) -> Result<Depends, String> {
    let Some(tok) = t.get(*pos) else {
        return Err("unexpected end of depends expression".into());
    };
    *pos += 1;
    match tok.as_str() {
        "!" => Ok(Depends::Not(Box::new(depends_unary(t, pos, depth + 1)?))),
        "(" => {
            let d = depends_or(t, pos, depth + 1)?;
            if t.get(*pos).map(String::as_str) != Some(")") {
                return Err("missing ')' in depends expression".into());
            }
            *pos += 1;
            Ok(d)
        }
        "&&" | "||" | ")" => Err(format!("unexpected '{tok}' in depends expression")),
        word => {
            if let Some((task, result)) = word.rsplit_once('.') {
                if DEPENDS_RESULTS.contains(&result) {
                    return Ok(Depends::Task(task.to_string(), Some(result.to_string())));
                }
                // A task name containing a dot, or an unknown result.
                if result.chars().next().is_some_and(char::is_uppercase) {
                    return Err(format!(
                        "unsupported task result '{result}' in depends expression (use one of {})",
                        DEPENDS_RESULTS.join(", ")
                    ));
                }
            }
            Ok(Depends::Task(word.to_string(), None))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_conditions() {
        assert_eq!(eval_when("heads == heads"), Ok(true));
        assert_eq!(eval_when("tails == heads"), Ok(false));
        assert_eq!(eval_when("5 > 3 && 2 < 1"), Ok(false));
        assert_eq!(eval_when("'a' != 'b' || false"), Ok(true));
        assert_eq!(eval_when("hello =~ 'h.*o'"), Ok(true));
        assert_eq!(eval_when("\"b\" in (\"a\",\"b\")"), Ok(true));
        assert!(eval_when("foo").is_err());
        assert!(eval_when("1 2 ==").is_err());
    }

    #[test]
    fn expr_values() {
        let mut vars = Map::new();
        vars.insert("inputs.parameters.x".into(), Value::String("4".into()));
        vars.insert("items".into(), serde_json::json!([1, 2, 3]));
        let e = |s: &str| eval(s, &vars, Dialect::Expr);
        assert_eq!(
            e("asInt(inputs.parameters.x) + 1"),
            Ok(serde_json::json!(5))
        );
        assert_eq!(
            e("len(items) == 3 ? 'yes' : 'no'"),
            Ok(serde_json::json!("yes"))
        );
        assert_eq!(e("items[1]"), Ok(serde_json::json!(2)));
        assert_eq!(e("sprig.upper('a')"), Ok(serde_json::json!("A")));
        assert_eq!(
            e("toJson(filter([1, 3], {# > 1}))"),
            Ok(serde_json::json!("[3]"))
        );
        assert_eq!(e("map(items, {# * 2})"), Ok(serde_json::json!([2, 4, 6])));
        // String operators, as in Argo's data-transformation test: `{# endsWith ".py"}`.
        assert_eq!(
            e(r#"filter(["a.py", "b.pdf", "c/d.py"], {# endsWith ".py"})"#),
            Ok(serde_json::json!(["a.py", "c/d.py"]))
        );
        assert_eq!(
            e("'argo' startsWith 'ar' && 'argo' contains 'rg'"),
            Ok(Value::Bool(true))
        );
        assert!(e("1 contains 'a'").is_err());
    }

    #[test]
    fn depends_logic() {
        let d = Depends::parse("(A.Succeeded || B.Failed) && !C").unwrap();
        let mut names = Vec::new();
        d.tasks(&mut names);
        assert_eq!(names, ["A", "B", "C"]);
        assert!(d.eval(&|t, r| (t, r) == ("B", "Failed")));
        assert!(!d.eval(&|t, r| t == "C" || (t, r) == ("A", "Succeeded")));
        assert!(Depends::parse("A &&").is_err());
        assert!(Depends::parse("A.Finished").is_err());
    }
}
