//! Sensor dependency filters: `data` (path/type/value with comparators and unanchored regular
//! expressions), `exprs`, `context`, with `dataLogicalOperator` / `filtersLogicalOperator`.

use serde_json::{Map, Value as Json};

use crate::argo::expr::{self, as_number, Dialect};
use crate::argo::model::spec::{text, value_text};
use crate::yaml::Node;

/// Looks up a gjson-style dotted path (`body.a.0.b`) in a JSON value.
pub fn lookup<'a>(v: &'a Json, path: &str) -> Option<&'a Json> {
    let mut cur = v;
    for part in path.split('.') {
        cur = match cur {
            Json::Object(m) => m.get(part)?,
            Json::Array(a) => a.get(part.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Whether an event passes a dependency's `filters`; `Err` explains a broken filter.
pub fn passes(filters: &Node, event: &Json) -> Result<bool, String> {
    let data = event.get("data").cloned().unwrap_or(Json::Null);
    let context = event.get("context").cloned().unwrap_or(Json::Null);
    let or = |key: &str| text(filters, key).is_some_and(|o| o.eq_ignore_ascii_case("or"));
    let mut results = Vec::new();
    if let Some(ctx) = filters.get("context") {
        let ok = ctx.as_mapping().unwrap_or_default().iter().all(|e| {
            let k = e.key.as_str().unwrap_or_default();
            let want = e.value.as_str().unwrap_or_default();
            context.get(k).and_then(Json::as_str) == Some(want)
        });
        results.push(ok);
    }
    if let Some(list) = filters.get("data").and_then(Node::as_sequence) {
        let mut each = Vec::new();
        for f in list {
            each.push(data_filter(f, &data)?);
        }
        if !each.is_empty() {
            results.push(if or("dataLogicalOperator") {
                each.iter().any(|b| *b)
            } else {
                each.iter().all(|b| *b)
            });
        }
    }
    if let Some(list) = filters.get("exprs").and_then(Node::as_sequence) {
        let mut each = Vec::new();
        for f in list {
            let src = text(f, "expr").unwrap_or_default();
            let mut vars = Map::new();
            for field in f
                .get("fields")
                .and_then(Node::as_sequence)
                .unwrap_or_default()
            {
                let name = text(field, "name").unwrap_or_default();
                let path = text(field, "path").unwrap_or_default();
                let Some(v) = lookup(&data, &path) else {
                    return Err(format!("path '{path}' does not exist"));
                };
                vars.insert(name, v.clone());
            }
            match expr::eval(&src, &vars, Dialect::Expr)? {
                Json::Bool(b) => each.push(b),
                other => {
                    return Err(format!(
                        "expression '{src}' returned {other}, not a boolean"
                    ))
                }
            }
        }
        if !each.is_empty() {
            results.push(if or("exprLogicalOperator") {
                each.iter().any(|b| *b)
            } else {
                each.iter().all(|b| *b)
            });
        }
    }
    Ok(if or("filtersLogicalOperator") {
        results.is_empty() || results.iter().any(|b| *b)
    } else {
        results.iter().all(|b| *b)
    })
}

fn data_filter(f: &Node, data: &Json) -> Result<bool, String> {
    let path = text(f, "path").unwrap_or_default();
    let ty = text(f, "type").unwrap_or_else(|| "string".into());
    let values: Vec<String> = f
        .get("value")
        .and_then(Node::as_sequence)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| value_text(Some(n)))
        .collect();
    let comparator = text(f, "comparator").unwrap_or_else(|| "=".into());
    let Some(actual) = lookup(data, &path) else {
        return Ok(false);
    };
    let actual_text = match actual {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    let ok = match ty.as_str() {
        "number" => {
            let Some(a) = as_number(actual) else {
                return Ok(false);
            };
            values.iter().any(|v| {
                let Ok(b) = v.parse::<f64>() else {
                    return false;
                };
                match comparator.as_str() {
                    ">=" => a >= b,
                    ">" => a > b,
                    "<=" => a <= b,
                    "<" => a < b,
                    "!=" => a != b,
                    _ => a == b,
                }
            })
        }
        "bool" => values.iter().any(|v| v.eq_ignore_ascii_case(&actual_text)),
        _ => {
            let mut any = false;
            for v in &values {
                let re = regex_lite::Regex::new(v)
                    .map_err(|e| format!("invalid regular expression '{v}': {e}"))?;
                any |= re.is_match(&actual_text);
            }
            if comparator == "!=" {
                !any
            } else {
                any
            }
        }
    };
    Ok(ok)
}
