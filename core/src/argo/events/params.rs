//! Trigger parameters: `src` (dependencyName with dataKey, dataTemplate, contextKey,
//! contextTemplate, value, useRawData) resolved against the event, applied at `dest` with
//! `operation` overwrite/append/prepend.

use std::collections::HashMap;

use serde_json::Value as Json;

use super::filter::lookup;
use crate::argo::model::spec::text;
use crate::yaml::Node;

/// Resolves one parameter's value against the events of its dependencies.
pub fn resolve(param: &Node, events: &HashMap<String, Json>) -> Result<String, String> {
    let Some(src) = param.get("src") else {
        return Err("parameter has no src".into());
    };
    let dep = text(src, "dependencyName").unwrap_or_default();
    let default = text(src, "value");
    let Some(event) = events.get(&dep) else {
        return default.ok_or_else(|| format!("dependency '{dep}' has no event"));
    };
    // Strings are used as they are; other JSON values (with or without `useRawData`) as JSON.
    let show = |v: &Json| match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    };
    if let Some(key) = text(src, "contextKey") {
        return match event.get("context").and_then(|c| lookup(c, &key)) {
            Some(v) => Ok(show(v)),
            None => default.ok_or_else(|| format!("key {key} does not exist in the event context")),
        };
    }
    if let Some(tpl) = text(src, "contextTemplate") {
        return Ok(template(&tpl, event.get("context").unwrap_or(&Json::Null)));
    }
    if let Some(key) = text(src, "dataKey") {
        return match event.get("data").and_then(|d| lookup(d, &key)) {
            Some(v) => Ok(show(v)),
            None => default.ok_or_else(|| format!("key {key} does not exist in the event payload")),
        };
    }
    if let Some(tpl) = text(src, "dataTemplate") {
        return Ok(template(&tpl, event.get("data").unwrap_or(&Json::Null)));
    }
    match default {
        Some(v) => Ok(v),
        None => Ok(event.get("data").map(|d| d.to_string()).unwrap_or_default()),
    }
}

/// A Go template over the event (the forms people use): `{{ .Input.body.x }}`,
/// `{{ .Input.body.x | upper }}`.
fn template(tpl: &str, input: &Json) -> String {
    let mut out = String::new();
    let mut rest = tpl;
    while let Some(s) = rest.find("{{") {
        out.push_str(&rest[..s]);
        let after = &rest[s + 2..];
        let Some(e) = after.find("}}") else {
            out.push_str(&rest[s..]);
            return out;
        };
        let inner = after[..e]
            .trim()
            .trim_start_matches('-')
            .trim_end_matches('-')
            .trim();
        let mut parts = inner.split('|').map(str::trim);
        let path = parts.next().unwrap_or_default();
        let mut value = path
            .strip_prefix(".Input.")
            .or_else(|| path.strip_prefix(".Input"))
            .and_then(|p| {
                if p.is_empty() {
                    Some(input)
                } else {
                    lookup(input, p)
                }
            })
            .map(|v| match v {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_else(|| "<no value>".into());
        for f in parts {
            value = match f {
                "upper" => value.to_uppercase(),
                "lower" => value.to_lowercase(),
                "trim" => value.trim().to_string(),
                "quote" => format!("{value:?}"),
                _ => value,
            };
        }
        out.push_str(&value);
        rest = &after[e + 2..];
    }
    out.push_str(rest);
    out
}

/// Sets `value` at the dotted `dest` of `doc` (creating objects, indexing arrays), with
/// `operation` overwrite (default), append or prepend.
pub fn apply(
    doc: &mut Json,
    dest: &str,
    value: &str,
    operation: Option<&str>,
) -> Result<(), String> {
    let parts: Vec<&str> = dest.split('.').collect();
    let mut cur = doc;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        if let Ok(idx) = part.parse::<usize>() {
            let Json::Array(a) = cur else {
                return Err(format!(
                    "dest '{dest}': '{part}' indexes a value that is not a list"
                ));
            };
            if idx >= a.len() {
                a.resize(idx + 1, Json::Null);
            }
            cur = &mut a[idx];
        } else {
            if !cur.is_object() {
                *cur = Json::Object(Default::default());
            }
            let Json::Object(m) = cur else {
                return Err(format!("dest '{dest}': '{part}' is not an object"));
            };
            cur = m.entry(part.to_string()).or_insert(if last {
                Json::Null
            } else {
                Json::Object(Default::default())
            });
        }
        if last {
            let old = match &*cur {
                Json::String(s) => s.clone(),
                Json::Null => String::new(),
                other => other.to_string(),
            };
            let new = match operation.unwrap_or("overwrite") {
                "append" => format!("{old}{value}"),
                "prepend" => format!("{value}{old}"),
                _ => value.to_string(),
            };
            *cur = Json::String(new);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn dest_paths_and_operations() {
        let mut doc = json!({"spec": {"arguments": {"parameters": [{"name": "a", "value": "x"}]}}});
        apply(
            &mut doc,
            "spec.arguments.parameters.0.value",
            "resnet",
            None,
        )
        .unwrap();
        apply(&mut doc, "metadata.generateName", "-run", Some("append")).unwrap();
        assert_eq!(doc["spec"]["arguments"]["parameters"][0]["value"], "resnet");
        assert_eq!(doc["metadata"]["generateName"], "-run");
    }

    #[test]
    fn templates() {
        let v = json!({"body": {"m": "ab"}});
        assert_eq!(template("x-{{ .Input.body.m | upper }}", &v), "x-AB");
    }
}
