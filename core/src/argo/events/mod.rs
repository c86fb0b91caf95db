//! Argo Events, simulated: events fired the way the outside world would (webhook POSTs,
//! calendar ticks, messages), the event payload (`context` + `data`) the Sensor sees, dependency
//! filters, trigger conditions, parameter mapping and RBAC for triggers; [`bus`] is the
//! EventBus (durable consumers, saved dependency state, acks), [`ratelimit`] a trigger's
//! `rateLimit` and [`resource`] the Kubernetes resource event source.
//!
//! **Architecture Invariant:** nothing here sends anything: http/log triggers are recorded, k8s
//! and argoWorkflow triggers hand a resource to [`crate::argo::run`], which creates the Workflow.
//! Every function is pure over its inputs and never panics on a payload.

pub mod bus;
pub mod filter;
pub mod params;
pub mod ratelimit;
pub mod resource;

use serde_json::{json, Value as Json};

use crate::argo::model::events::EventSource;
use crate::argo::model::json::to_json;

/// An event to fire: `EVENTSOURCE/EVENTNAME=JSON` with headers, or a calendar tick, or a
/// message for another source type.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct EventSpec {
    pub event_source: String,
    pub event_name: String,
    /// The request body (webhook) or message body, as text.
    pub body: String,
    pub headers: Vec<(String, String)>,
    /// HTTP method for webhooks (`POST` when not given).
    pub method: Option<String>,
    /// `calendar`, `sqs`, ... when the spec names a source type; `None` means "as the
    /// EventSource declares it".
    pub source_type: Option<String>,
}

impl EventSpec {
    /// Parses `TIME:SPEC` (`pipelab run --fire`): a simulated instant (`0s`, `1.5s`, `2m`) and
    /// an event as [`EventSpec::parse`] reads it.
    pub fn parse_timed(text: &str) -> Result<(crate::sim::Millis, EventSpec), String> {
        let Some((time, spec)) = text.split_once(':') else {
            return Err("expected TIME:EVENTSOURCE/EVENTNAME=JSON".into());
        };
        let at =
            crate::sim::parse_duration(time).ok_or_else(|| format!("invalid time '{time}'"))?;
        Ok((at, EventSpec::parse(spec)?))
    }

    /// Parses `EVENTSOURCE/EVENTNAME=JSON[@header:Name=Value...]`, `TYPE:EVENTSOURCE/EVENTNAME[=BODY]`.
    pub fn parse(spec: &str) -> Result<EventSpec, String> {
        let (target, rest) = match spec.split_once('=') {
            Some((t, r)) => (t, Some(r)),
            None => (spec, None),
        };
        let (source_type, target) = match target.split_once(':') {
            Some((t, r)) if !t.contains('/') => (Some(t.to_string()), r),
            _ => (None, target),
        };
        let Some((es, ev)) = target.split_once('/') else {
            return Err(format!("event '{spec}' must be EVENTSOURCE/EVENTNAME=JSON"));
        };
        let mut body = String::new();
        let mut headers = Vec::new();
        let mut method = None;
        if let Some(rest) = rest {
            let mut parts = rest.split("@header:");
            body = parts.next().unwrap_or_default().to_string();
            for h in parts {
                let Some((k, v)) = h.split_once('=') else {
                    return Err(format!("header '{h}' must be Name=Value"));
                };
                headers.push((k.to_string(), v.to_string()));
            }
            if let Some((b, m)) = body.clone().rsplit_once("@method:") {
                body = b.to_string();
                method = Some(m.to_string());
            }
        }
        Ok(EventSpec {
            event_source: es.to_string(),
            event_name: ev.to_string(),
            body,
            headers,
            method,
            source_type,
        })
    }
}

/// Whether events of `source_type` arrive as HTTP requests to the EventSource's own server (a
/// webhook, or a service's webhook: GitHub, GitLab, Slack, ...), answered with a status; the
/// other types read messages or ticks from elsewhere.
pub fn is_http(source_type: &str) -> bool {
    matches!(
        source_type,
        "webhook"
            | "github"
            | "gitlab"
            | "bitbucket"
            | "bitbucketserver"
            | "slack"
            | "stripe"
            | "storagegrid"
    )
}

/// What the EventSource answered and what it published.
#[derive(Clone, Debug, PartialEq)]
pub struct Fired {
    /// HTTP status and body, for webhooks.
    pub response: (u16, String),
    /// The event on the bus (`context` + `data`), when one was published.
    pub event: Option<Json>,
}

/// Fires `spec` at the EventSources; `time` is the RFC 3339 time of the event.
pub fn fire(
    spec: &EventSpec,
    sources: &[EventSource],
    time: &str,
    id: &str,
) -> Result<Fired, String> {
    let Some(es) = sources.iter().find(|s| s.name == spec.event_source) else {
        return Err(format!("no EventSource named '{}'", spec.event_source));
    };
    let Some(ev) = es.events.iter().find(|e| e.name == spec.event_name) else {
        return Err(format!(
            "EventSource '{}' has no event named '{}'",
            spec.event_source, spec.event_name
        ));
    };
    if let Some(t) = &spec.source_type {
        if t != &ev.source_type {
            return Err(format!(
                "event '{}/{}' is of type {}, not {t}",
                spec.event_source, spec.event_name, ev.source_type
            ));
        }
    }
    let context = |ty: &str, ct: &str| {
        json!({
            "id": id, "source": es.name, "specversion": "1.0", "type": ty,
            "subject": ev.name, "time": time, "datacontenttype": ct,
        })
    };
    let body_json = || -> Result<Json, String> {
        if spec.body.trim().is_empty() {
            return Ok(Json::Null);
        }
        serde_json::from_str(&spec.body).map_err(|e| e.to_string())
    };
    if is_http(&ev.source_type) {
        let method = spec.method.clone().unwrap_or_else(|| "POST".into());
        let want = ev.method.clone().unwrap_or_else(|| "POST".into());
        if !method.eq_ignore_ascii_case(&want) {
            return Ok(Fired {
                response: (405, "Method not allowed".into()),
                event: None,
            });
        }
        let body = match body_json() {
            Ok(b) => b,
            Err(_) => {
                return Ok(Fired {
                    response: (400, "failed to construct the event payload".into()),
                    event: None,
                })
            }
        };
        let mut header = serde_json::Map::new();
        let mut has_ct = false;
        for (k, v) in &spec.headers {
            has_ct |= k.eq_ignore_ascii_case("content-type");
            if let Some(a) = header
                .entry(k.clone())
                .or_insert_with(|| json!([]))
                .as_array_mut()
            {
                a.push(json!(v))
            }
        }
        if !has_ct {
            header.insert("Content-Type".into(), json!(["application/json"]));
        }
        let metadata = ev.config.get("metadata").map(to_json).unwrap_or(Json::Null);
        let data = json!({"header": header, "body": body, "metadata": metadata});
        return Ok(Fired {
            response: (200, "success".into()),
            event: Some(
                json!({"context": context(&ev.source_type, "application/json"), "data": data}),
            ),
        });
    }
    let metadata = ev.config.get("metadata").map(to_json).unwrap_or(Json::Null);
    let body = body_json().unwrap_or_else(|_| Json::String(spec.body.clone()));
    let data = match ev.source_type.as_str() {
        "calendar" => json!({"eventTime": time, "metadata": metadata}),
        "sqs" => json!({"messageId": id, "messageAttributes": {}, "body": body}),
        "sns" => json!({"header": {}, "body": {"Type": "Notification", "Message": body}}),
        "azureServiceBus" => {
            json!({"applicationProperties": {}, "contentType": "application/json", "correlationID": "", "messageID": id, "body": body})
        }
        "kafka" => {
            json!({"topic": ev.config.get("topic").and_then(|t| t.as_str()).unwrap_or_default(), "key": "", "partition": 0, "timestamp": time, "headers": {}, "body": body})
        }
        "nats" => {
            json!({"subject": ev.config.get("subject").and_then(|t| t.as_str()).unwrap_or_default(), "body": body, "header": {}})
        }
        "minio" => json!({"notification": [body]}),
        _ => json!({"body": body}),
    };
    Ok(Fired {
        response: (200, "success".into()),
        event: Some(json!({"context": context(&ev.source_type, "application/json"), "data": data})),
    })
}
