//! The `resource` EventSource: a Kubernetes informer on one group/version/resource that turns
//! ADD, UPDATE and DELETE of objects into events (argo-events
//! `pkg/eventsources/sources/resource/start.go`).
//!
//! The event data is `ResourceEventData`: `{"type": "ADD"|"UPDATE"|"DELETE", "body": OBJECT,
//! "group", "version", "resource", "metadata"}` (UPDATE also carries the previous object as
//! `oldBody`). Filters as `passFilters` applies them: `prefix` of the name; `afterStart` drops
//! events whose time (ADD: creationTimestamp; DELETE: deletionTimestamp; UPDATE: creation time)
//! is before the EventSource started; `labels` (equality selectors); `fields` (a gjson path
//! whose string value must match — `==`, `=` — or not match — `!=` — the regular expression).

use serde_json::{json, Value as Json};

use super::filter::lookup;
use crate::argo::model::spec::text;
use crate::sim::Millis;
use crate::yaml::Node;

/// A change to a Kubernetes object, as an informer reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResourceOp {
    Add,
    Update,
    Delete,
}

impl ResourceOp {
    pub fn as_str(self) -> &'static str {
        match self {
            ResourceOp::Add => "ADD",
            ResourceOp::Update => "UPDATE",
            ResourceOp::Delete => "DELETE",
        }
    }
}

/// The informer event of one object change.
pub struct Change<'a> {
    pub op: ResourceOp,
    pub object: &'a Json,
    pub old: Option<&'a Json>,
    /// When the event happened, in simulated time (see the module comment).
    pub event_time: Millis,
}

/// The `data` the EventSource event `config` publishes for `change`, or `None` when the event
/// does not watch that resource or a filter drops it. `started` is when the EventSource started.
pub fn event_data(config: &Node, change: &Change<'_>, started: Millis) -> Option<Json> {
    let obj = change.object;
    let group = text(config, "group").unwrap_or_default();
    let version = text(config, "version").unwrap_or_default();
    let resource = text(config, "resource").unwrap_or_default();
    let api_version = obj.get("apiVersion").and_then(Json::as_str).unwrap_or("");
    let (obj_group, obj_version) = api_version.split_once('/').unwrap_or(("", api_version));
    let kind = obj.get("kind").and_then(Json::as_str).unwrap_or("");
    if obj_group != group || obj_version != version || plural(kind) != resource {
        return None;
    }
    let namespace = text(config, "namespace").unwrap_or_default();
    let obj_ns = obj
        .pointer("/metadata/namespace")
        .and_then(Json::as_str)
        .unwrap_or("default");
    if !namespace.is_empty() && namespace != obj_ns {
        return None;
    }
    let types = config
        .get("eventTypes")
        .and_then(Node::as_sequence)
        .unwrap_or_default();
    if !types.iter().any(|t| t.as_str() == Some(change.op.as_str())) {
        return None;
    }
    if let Some(f) = config.get("filter") {
        if !passes(f, change, started) {
            return None;
        }
    }
    let metadata = config
        .get("metadata")
        .map(crate::argo::model::json::to_json)
        .unwrap_or(Json::Null);
    let mut data = json!({
        "type": change.op.as_str(),
        "body": obj,
        "group": group,
        "version": version,
        "resource": resource,
        "metadata": metadata,
    });
    if let (Some(old), Some(m)) = (change.old, data.as_object_mut()) {
        m.insert("oldBody".into(), old.clone());
    }
    Some(data)
}

/// `pods` for `Pod`, `ingresses` for `Ingress`, `policies` for `Policy`.
fn plural(kind: &str) -> String {
    let k = kind.to_lowercase();
    if k.ends_with('s') || k.ends_with('x') {
        format!("{k}es")
    } else if let Some(stem) = k.strip_suffix('y') {
        format!("{stem}ies")
    } else {
        format!("{k}s")
    }
}

fn passes(filter: &Node, change: &Change<'_>, started: Millis) -> bool {
    let obj = change.object;
    let name = obj
        .pointer("/metadata/name")
        .and_then(Json::as_str)
        .unwrap_or("");
    if let Some(prefix) = text(filter, "prefix") {
        if !name.starts_with(&prefix) {
            return false;
        }
    }
    if text(filter, "afterStart").as_deref() == Some("true") && change.event_time < started {
        return false;
    }
    for l in filter
        .get("labels")
        .and_then(Node::as_sequence)
        .unwrap_or_default()
    {
        let key = text(l, "key").unwrap_or_default();
        let want = text(l, "value").unwrap_or_default();
        let have = obj
            .pointer("/metadata/labels")
            .and_then(|m| m.get(&key))
            .and_then(Json::as_str);
        let ok = match text(l, "operation").as_deref().unwrap_or("=") {
            "!=" => have != Some(want.as_str()),
            "exists" => have.is_some(),
            "!" => have.is_none(),
            _ => have == Some(want.as_str()),
        };
        if !ok {
            return false;
        }
    }
    for f in filter
        .get("fields")
        .and_then(Node::as_sequence)
        .unwrap_or_default()
    {
        let key = text(f, "key").unwrap_or_default();
        let Some(value) = lookup(obj, &key) else {
            return false;
        };
        // gjson's `res.Str` is empty for anything but a string.
        let s = value.as_str().unwrap_or("");
        let Ok(re) = regex_lite::Regex::new(&text(f, "value").unwrap_or_default()) else {
            return false;
        };
        let matched = re.is_match(s);
        match text(f, "operation").as_deref().unwrap_or("") {
            "=" | "==" => {
                if !matched {
                    return false;
                }
            }
            "!=" => {
                if matched {
                    return false;
                }
            }
            _ => return false,
        }
    }
    true
}
