//! Conversions between YAML nodes and JSON values, reading scalars as Kubernetes (go-yaml) does.

use serde_json::{Map, Number, Value as Json};

use crate::diag::Span;
use crate::yaml::{Entry, Node, Scalar, ScalarStyle, Value};

/// A YAML node as the JSON Kubernetes would store: plain scalars become numbers, booleans or null
/// when they look like one.
pub fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Scalar(s) => scalar_to_json(s),
        Value::Sequence(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Mapping(entries) => {
            let mut map = Map::new();
            for e in entries {
                let key = e.key.as_str().unwrap_or_default().to_string();
                map.insert(key, to_json(&e.value));
            }
            Json::Object(map)
        }
    }
}

fn scalar_to_json(s: &Scalar) -> Json {
    if s.style != ScalarStyle::Plain {
        return Json::String(s.text.clone());
    }
    match s.text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Json::Null,
        "true" | "True" | "TRUE" => return Json::Bool(true),
        "false" | "False" | "FALSE" => return Json::Bool(false),
        _ => {}
    }
    if let Ok(i) = s.text.parse::<i64>() {
        return Json::Number(i.into());
    }
    if s.text.contains('.') || s.text.contains('e') {
        if let Ok(f) = s.text.parse::<f64>() {
            if let Some(n) = Number::from_f64(f) {
                return Json::Number(n);
            }
        }
    }
    Json::String(s.text.clone())
}

/// A JSON value as a YAML node whose every part points at `span` (where it came from).
pub fn from_json(value: &Json, span: Span) -> Node {
    let scalar = |text: String, style| Node {
        value: Value::Scalar(Scalar { text, style }),
        span,
        tag: None,
    };
    match value {
        Json::Null => scalar("null".into(), ScalarStyle::Plain),
        Json::Bool(b) => scalar(b.to_string(), ScalarStyle::Plain),
        Json::Number(n) => scalar(n.to_string(), ScalarStyle::Plain),
        Json::String(s) => scalar(s.clone(), ScalarStyle::DoubleQuoted),
        Json::Array(items) => Node {
            value: Value::Sequence(items.iter().map(|i| from_json(i, span)).collect()),
            span,
            tag: None,
        },
        Json::Object(map) => Node {
            value: Value::Mapping(
                map.iter()
                    .map(|(k, v)| Entry {
                        key: scalar(k.clone(), ScalarStyle::Plain),
                        value: from_json(v, span),
                    })
                    .collect(),
            ),
            span,
            tag: None,
        },
    }
}

/// The text of a JSON value as Argo prints a parameter: strings raw, everything else as JSON.
pub fn json_text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}
