//! The evaluator: [`Expr`] + a [`Context`] → [`Value`], with Azure's function semantics.

use super::parser::{Expr, ExprKind};
use super::value::{compare, equals, fold, to_json, Value};
use super::ExprError;

/// What an expression can read: named values (contexts and loop variables) and, at run time,
/// job and stage results for the status functions.
pub trait Context {
    /// The value of a named value such as `parameters` or `variables`.
    fn named_value(&self, name: &str) -> Option<Value>;

    /// `succeeded()`, `failed()`, … for the given dependency names (empty: all dependencies).
    /// Compile-time contexts have no status.
    fn status(&self, _function: &str, _dependencies: &[String]) -> Option<bool> {
        None
    }

    /// A named value by reference, when the context holds it as a [`Value`]: property and
    /// index paths are then walked without copying the whole object.
    fn named_ref(&self, _name: &str) -> Option<&Value> {
        None
    }

    /// Checks `named.key` / `named['key']` before it is read: Azure fails when an expression
    /// reads a template parameter that was never declared.
    fn check_member(&self, _named: &str, _key: &str) -> Result<(), String> {
        Ok(())
    }

    /// The next value of `counter(prefix, seed)`; a simulation starts at the seed.
    fn counter(&self, _prefix: &str, seed: f64) -> f64 {
        seed
    }

    /// Accounts for memory an evaluation allocates (see [`MAX_MEMORY`]).
    fn charge(&self, _bytes: usize) -> Result<(), String> {
        Ok(())
    }
}

/// Like Azure, one evaluation may allocate at most this many bytes of strings (counted as
/// UTF-16, two bytes a character).
pub const MAX_MEMORY: usize = 1024 * 1024;

/// Wraps a context for one evaluation, counting the memory its results take.
struct Metered<'a> {
    inner: &'a dyn Context,
    used: std::cell::Cell<usize>,
}

impl Context for Metered<'_> {
    fn named_value(&self, name: &str) -> Option<Value> {
        self.inner.named_value(name)
    }
    fn status(&self, function: &str, dependencies: &[String]) -> Option<bool> {
        self.inner.status(function, dependencies)
    }
    fn named_ref(&self, name: &str) -> Option<&Value> {
        self.inner.named_ref(name)
    }
    fn check_member(&self, named: &str, key: &str) -> Result<(), String> {
        self.inner.check_member(named, key)
    }
    fn counter(&self, prefix: &str, seed: f64) -> f64 {
        self.inner.counter(prefix, seed)
    }
    fn charge(&self, bytes: usize) -> Result<(), String> {
        let used = self.used.get().saturating_add(bytes);
        self.used.set(used);
        if used > MAX_MEMORY {
            Err(MEMORY_EXCEEDED.to_string())
        } else {
            Ok(())
        }
    }
}

const MEMORY_EXCEEDED: &str = "The maximum allowed memory size was exceeded";

/// A context made of fixed named values (used by tests and by conditions without status).
pub struct MapContext(pub Vec<(String, Value)>);

impl Context for MapContext {
    fn named_value(&self, name: &str) -> Option<Value> {
        self.0
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    }
}

/// Evaluates `expr` against `ctx`.
pub fn eval(expr: &Expr, ctx: &dyn Context) -> Result<Value, ExprError> {
    let metered = Metered {
        inner: ctx,
        used: std::cell::Cell::new(0),
    };
    eval_inner(expr, &metered)
}

fn eval_inner(expr: &Expr, ctx: &dyn Context) -> Result<Value, ExprError> {
    eval_filtered(expr, ctx).map(|(v, _)| v)
}

/// Evaluates `expr`; the flag says the value is the result of a `*` filter, to which later
/// property and index accesses apply element by element (dropping elements where they miss).
fn eval_filtered(expr: &Expr, ctx: &dyn Context) -> Result<(Value, bool), ExprError> {
    let at = |message: String| ExprError::new(message, expr.start);
    if let Some(found) = borrow_path(expr, ctx) {
        return Ok((found?.map_or(Value::Null, Value::clone), false));
    }
    Ok(match &expr.kind {
        ExprKind::Literal(v) => (v.clone(), false),
        ExprKind::NamedValue(name) => (ctx.named_value(name).unwrap_or(Value::Null), false),
        ExprKind::Property(target, name) => {
            if let ExprKind::NamedValue(named) = &target.kind {
                ctx.check_member(named, name).map_err(at)?;
            }
            let (target, filtered) = eval_filtered(target, ctx)?;
            access(target, filtered, |v| match v {
                Value::Object(_) => v.property(name).cloned(),
                _ => None,
            })
        }
        ExprKind::Index(target, index) => {
            let (target_value, filtered) = eval_filtered(target, ctx)?;
            let index = eval_inner(index, ctx)?;
            if let (ExprKind::NamedValue(named), Some(key)) = (&target.kind, index.to_display()) {
                ctx.check_member(named, &key).map_err(at)?;
            }
            let target = target_value;
            access(target, filtered, |v| index_value(v, &index))
        }
        ExprKind::Wildcard(target) => {
            let (target, filtered) = eval_filtered(target, ctx)?;
            let children = |v: Value| -> Vec<Value> {
                match v {
                    Value::Array(items) => items,
                    Value::Object(entries) => entries.into_iter().map(|(_, v)| v).collect(),
                    _ => Vec::new(),
                }
            };
            let items = if filtered {
                match target {
                    Value::Array(items) => items.into_iter().flat_map(children).collect(),
                    _ => Vec::new(),
                }
            } else {
                children(target)
            };
            (Value::Array(items), true)
        }
        ExprKind::Call(name, args) => {
            let value = call(name, args, ctx).map_err(|e| match e {
                CallError::Message(m) => at(m),
                CallError::Expr(e) => e,
            })?;
            let bytes = match &value {
                Value::String(s) => s.len() * 2,
                Value::Array(items) => items
                    .iter()
                    .map(|i| match i {
                        Value::String(s) => s.len() * 2,
                        _ => 8,
                    })
                    .sum(),
                _ => 0,
            };
            ctx.charge(bytes)
                .map_err(|m| ExprError::new(m, expr.start).without_location())?;
            (value, false)
        }
    })
}

/// Walks `name`, `a.b` and `a[i]` paths rooted at a named value the context lends by reference.
/// `None` when the expression is not such a path (or the root is not lent).
fn borrow_path<'a>(
    expr: &Expr,
    ctx: &'a dyn Context,
) -> Option<Result<Option<&'a Value>, ExprError>> {
    let at = |message: String| ExprError::new(message, expr.start);
    match &expr.kind {
        ExprKind::NamedValue(name) => ctx.named_ref(name).map(|v| Ok(Some(v))),
        ExprKind::Property(target, name) => {
            if let ExprKind::NamedValue(named) = &target.kind {
                ctx.named_ref(named)?;
                if let Err(m) = ctx.check_member(named, name) {
                    return Some(Err(at(m)));
                }
            }
            let base = borrow_path(target, ctx)?;
            Some(base.map(|b| {
                b.and_then(|v| match v {
                    Value::Object(_) => v.property(name),
                    _ => None,
                })
            }))
        }
        ExprKind::Index(target, index) => {
            let base = borrow_path(target, ctx)?;
            let base = match base {
                Ok(b) => b,
                Err(e) => return Some(Err(e)),
            };
            let index = match eval_inner(index, ctx) {
                Ok(i) => i,
                Err(e) => return Some(Err(e)),
            };
            if let (ExprKind::NamedValue(named), Some(key)) = (&target.kind, index.to_display()) {
                if let Err(m) = ctx.check_member(named, &key) {
                    return Some(Err(at(m)));
                }
            }
            Some(Ok(base.and_then(|v| index_ref(v, &index))))
        }
        _ => None,
    }
}

fn index_ref<'a>(target: &'a Value, index: &Value) -> Option<&'a Value> {
    match target {
        Value::Array(items) => {
            let n = index.to_number()?.trunc();
            if n < 0.0 || n.is_nan() {
                return None;
            }
            items.get(n as usize)
        }
        Value::Object(_) => target.property(&index.to_display()?),
        _ => None,
    }
}

fn access(target: Value, filtered: bool, get: impl Fn(&Value) -> Option<Value>) -> (Value, bool) {
    if filtered {
        let items = match &target {
            Value::Array(items) => items.iter().filter_map(&get).collect(),
            _ => Vec::new(),
        };
        (Value::Array(items), true)
    } else {
        (get(&target).unwrap_or(Value::Null), false)
    }
}

enum CallError {
    Message(String),
    Expr(ExprError),
}

impl From<ExprError> for CallError {
    fn from(e: ExprError) -> Self {
        CallError::Expr(e)
    }
}

impl From<String> for CallError {
    fn from(m: String) -> Self {
        CallError::Message(m)
    }
}

fn index_value(target: &Value, index: &Value) -> Option<Value> {
    match target {
        Value::Array(items) => {
            let n = index.to_number()?.trunc();
            if n < 0.0 || n.is_nan() {
                return None;
            }
            items.get(n as usize).cloned()
        }
        Value::Object(_) => target.property(&index.to_display()?).cloned(),
        _ => None,
    }
}

fn string_arg(v: &Value) -> Result<String, String> {
    v.to_string_checked()
}

fn call(name: &str, args: &[Expr], ctx: &dyn Context) -> Result<Value, CallError> {
    let arg = |i: usize| -> Result<Value, ExprError> {
        match args.get(i) {
            Some(a) => eval_inner(a, ctx),
            None => Ok(Value::Null),
        }
    };
    let all =
        || -> Result<Vec<Value>, ExprError> { args.iter().map(|a| eval_inner(a, ctx)).collect() };
    Ok(match name {
        "and" => {
            for a in args {
                if !eval_inner(a, ctx)?.to_bool() {
                    return Ok(Value::Bool(false));
                }
            }
            Value::Bool(true)
        }
        "or" => {
            for a in args {
                if eval_inner(a, ctx)?.to_bool() {
                    return Ok(Value::Bool(true));
                }
            }
            Value::Bool(false)
        }
        "not" => Value::Bool(!arg(0)?.to_bool()),
        "xor" => Value::Bool(arg(0)?.to_bool() != arg(1)?.to_bool()),
        "eq" => Value::Bool(equals(&arg(0)?, &arg(1)?)),
        "ne" => Value::Bool(!equals(&arg(0)?, &arg(1)?)),
        "lt" => Value::Bool(compare(&arg(0)?, &arg(1)?)?.is_lt()),
        "le" => Value::Bool(compare(&arg(0)?, &arg(1)?)?.is_le()),
        "gt" => Value::Bool(compare(&arg(0)?, &arg(1)?)?.is_gt()),
        "ge" => Value::Bool(compare(&arg(0)?, &arg(1)?)?.is_ge()),
        "in" | "notIn" => {
            let left = arg(0)?;
            let mut found = false;
            for a in &args[1..] {
                if equals(&left, &eval_inner(a, ctx)?) {
                    found = true;
                    break;
                }
            }
            Value::Bool(found == (name == "in"))
        }
        "contains" => {
            let hay = arg(0)?;
            let needle = arg(1)?;
            match &hay {
                Value::Array(items) => Value::Bool(items.iter().any(|i| equals(i, &needle))),
                _ => {
                    let h = string_arg(&hay)?;
                    let n = string_arg(&needle)?;
                    Value::Bool(fold(&h).contains(&fold(&n)))
                }
            }
        }
        "containsValue" => {
            let hay = arg(0)?;
            let needle = arg(1)?;
            let found = match &hay {
                Value::Array(items) => items.iter().any(|i| equals(i, &needle)),
                Value::Object(entries) => entries.iter().any(|(_, v)| equals(v, &needle)),
                _ => false,
            };
            Value::Bool(found)
        }
        "startsWith" | "endsWith" => {
            let h = fold(&string_arg(&arg(0)?)?);
            let n = fold(&string_arg(&arg(1)?)?);
            Value::Bool(if name == "startsWith" {
                h.starts_with(&n)
            } else {
                h.ends_with(&n)
            })
        }
        "format" => {
            let values = all()?;
            let fmt = string_arg(&values[0])?;
            Value::String(format(&fmt, &values[1..])?)
        }
        "join" => {
            let sep = arg(0)?;
            let sep = string_arg(&sep)?;
            match arg(1)? {
                Value::Array(items) => {
                    let parts: Vec<String> = items
                        .iter()
                        .map(|i| i.to_display().unwrap_or_default())
                        .collect();
                    Value::String(parts.join(&sep))
                }
                Value::Object(_) => Value::String(String::new()),
                other => Value::String(other.to_display().unwrap_or_default()),
            }
        }
        "coalesce" => {
            for a in args {
                let v = eval_inner(a, ctx)?;
                match &v {
                    Value::Null => {}
                    Value::String(s) if s.is_empty() => {}
                    _ => return Ok(v),
                }
            }
            Value::Null
        }
        "convertToJson" => Value::String(to_json(&arg(0)?)),
        "replace" => {
            let s = string_arg(&arg(0)?)?;
            let old = string_arg(&arg(1)?)?;
            let new = string_arg(&arg(2)?)?;
            if old.is_empty() {
                Value::String(s)
            } else {
                Value::String(s.replace(&old, &new))
            }
        }
        "split" => {
            let s = string_arg(&arg(0)?)?;
            let delims = string_arg(&arg(1)?)?;
            let parts: Vec<Value> = if delims.is_empty() {
                vec![Value::String(s)]
            } else {
                s.split(delims.as_str()).map(Value::str).collect()
            };
            Value::Array(parts)
        }
        "lower" => Value::String(string_arg(&arg(0)?)?.to_lowercase()),
        "upper" => Value::String(string_arg(&arg(0)?)?.to_uppercase()),
        "trim" => Value::String(string_arg(&arg(0)?)?.trim().to_string()),
        "length" => match arg(0)? {
            Value::Array(items) => Value::Number(items.len() as f64),
            Value::Object(entries) => Value::Number(entries.len() as f64),
            Value::Null => Value::Number(0.0),
            other => Value::Number(string_arg(&other)?.encode_utf16().count() as f64),
        },
        "iif" => {
            // Azure evaluates both branches (no short circuit), so errors in either surface.
            let cond = arg(0)?.to_bool();
            let t = arg(1)?;
            let f = arg(2)?;
            if cond {
                t
            } else {
                f
            }
        }
        "substring" => {
            let s: Vec<u16> = string_arg(&arg(0)?)?.encode_utf16().collect();
            let start = arg(1)?.to_number().unwrap_or(0.0).max(0.0) as usize;
            let len = match args.get(2) {
                Some(_) => arg(2)?.to_number().unwrap_or(0.0).max(0.0) as usize,
                None => s.len().saturating_sub(start),
            };
            if start > s.len() || start.checked_add(len).is_none_or(|end| end > s.len()) {
                return Err(CallError::Message(
                    "Index and length must refer to a location within the string.".into(),
                ));
            }
            Value::String(String::from_utf16_lossy(&s[start..start + len]))
        }
        "counter" => {
            let prefix = match args.first() {
                Some(_) => string_arg(&arg(0)?)?,
                None => String::new(),
            };
            let seed = match args.get(1) {
                Some(_) => arg(1)?.to_number().unwrap_or(0.0),
                None => 0.0,
            };
            Value::Number(ctx.counter(&prefix, seed))
        }
        "succeeded" | "failed" | "succeededOrFailed" | "always" | "canceled" => {
            let deps: Vec<String> = all()?
                .iter()
                .map(|v| v.to_display().unwrap_or_default())
                .collect();
            match name {
                "always" => Value::Bool(true),
                _ => Value::Bool(
                    ctx.status(name, &deps)
                        .unwrap_or(name != "failed" && name != "canceled"),
                ),
            }
        }
        other => {
            return Err(CallError::Message(format!(
                "Unrecognized function: '{other}'"
            )))
        }
    })
}

/// `format('{0} {1:yyyyMMdd}', …)` with `{{`/`}}` escapes.
pub fn format(fmt: &str, args: &[Value]) -> Result<String, String> {
    let invalid = || format!("The following format string is invalid: {fmt}");
    let chars: Vec<char> = fmt.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '{' if chars.get(i + 1) == Some(&'{') => {
                out.push('{');
                i += 2;
            }
            '}' if chars.get(i + 1) == Some(&'}') => {
                out.push('}');
                i += 2;
            }
            '{' => {
                let close = chars[i + 1..]
                    .iter()
                    .position(|c| *c == '}')
                    .ok_or_else(invalid)?;
                let inner: String = chars[i + 1..i + 1 + close].iter().collect();
                let (index, spec) = match inner.split_once(':') {
                    Some((a, b)) => (a, Some(b)),
                    None => (inner.as_str(), None),
                };
                if index.is_empty() || !index.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(invalid());
                }
                let n: usize = index.parse().map_err(|_| invalid())?;
                let value = args.get(n).ok_or_else(|| {
                    format!(
                        "The following format string references more arguments than were supplied: {fmt}"
                    )
                })?;
                match spec {
                    None => out.push_str(&value.to_string_checked()?),
                    Some(spec) => match value {
                        Value::DateTime(d) => out.push_str(&d.format(spec).ok_or_else(|| {
                            format!(
                                "The format specifiers '{spec}' are not valid for objects of type 'DateTime'"
                            )
                        })?),
                        other => {
                            return Err(format!(
                                "The format specifiers '{spec}' are not valid for objects of type '{}'",
                                other.kind().name()
                            ))
                        }
                    },
                }
                i += close + 2;
            }
            '}' => return Err(invalid()),
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    Ok(out)
}

/// Converts a value for an `if` or a condition.
pub fn truthy(v: &Value) -> bool {
    v.to_bool()
}
