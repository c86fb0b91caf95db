//! The pipeline model the page draws: stages with effective dependencies, jobs and deployment
//! jobs with environment, strategy, condition and pool, steps; each element with its location.

use serde_json::{json, Map, Value as Json};

use crate::azure::template::{Tok, TokKind};
use crate::diag::Sources;

fn location(t: &Tok, sources: &Sources) -> Json {
    match sources.get(t.span.file) {
        Some(f) => {
            let lc = f.line_col(t.span.start as usize);
            json!({"file": f.name, "line": lc.line, "col": lc.col})
        }
        None => Json::Null,
    }
}

/// A token as plain JSON (for pools, variables, inputs).
pub fn to_json(t: &Tok) -> Json {
    match &t.kind {
        TokKind::Null => Json::Null,
        TokKind::Bool(b) => Json::Bool(*b),
        TokKind::Number(n) => serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number),
        TokKind::String(s) => Json::String(s.clone()),
        TokKind::Sequence(items) => Json::Array(items.iter().map(to_json).collect()),
        TokKind::Mapping(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.scalar_text().unwrap_or_default(), to_json(v)))
                .collect::<Map<_, _>>(),
        ),
    }
}

fn text(t: Option<&Tok>) -> Json {
    t.and_then(Tok::scalar_text).map_or(Json::Null, Json::String)
}

/// `dependsOn` as a list; `None` when it is not written.
fn depends_on(t: &Tok) -> Option<Vec<String>> {
    let d = t.get("dependsOn")?;
    Some(match &d.kind {
        TokKind::Sequence(items) => items.iter().filter_map(Tok::scalar_text).collect(),
        TokKind::Null => Vec::new(),
        _ => d.scalar_text().into_iter().filter(|s| !s.is_empty()).collect(),
    })
}

/// Builds the model from the normalised pipeline.
pub fn build(normalized: &Tok, sources: &Sources) -> Json {
    let mut stages = Vec::new();
    let mut previous: Option<String> = None;
    for st in normalized
        .get("stages")
        .and_then(Tok::as_sequence)
        .unwrap_or(&[])
    {
        let name = st.get("stage").and_then(Tok::scalar_text).unwrap_or_default();
        // Stages run one after the other unless dependsOn says otherwise.
        let deps = depends_on(st).unwrap_or_else(|| previous.iter().cloned().collect());
        let jobs: Vec<Json> = st
            .get("jobs")
            .and_then(Tok::as_sequence)
            .unwrap_or(&[])
            .iter()
            .map(|j| job(j, sources))
            .collect();
        stages.push(json!({
            "name": name,
            "displayName": text(st.get("displayName")),
            "dependsOn": deps,
            "condition": text(st.get("condition")),
            "pool": st.get("pool").map_or(Json::Null, to_json),
            "variables": st.get("variables").map_or(Json::Null, to_json),
            "jobs": jobs,
            "location": location(st, sources),
        }));
        previous = Some(name);
    }
    json!({
        "name": text(normalized.get("name")),
        "trigger": normalized.get("trigger").map_or(Json::Null, to_json),
        "pr": normalized.get("pr").map_or(Json::Null, to_json),
        "variables": normalized.get("variables").map_or(Json::Null, to_json),
        "pool": normalized.get("pool").map_or(Json::Null, to_json),
        "stages": stages,
    })
}

fn job(j: &Tok, sources: &Sources) -> Json {
    let deployment = j.get("deployment").is_some();
    let name = j
        .get(if deployment { "deployment" } else { "job" })
        .and_then(Tok::scalar_text)
        .unwrap_or_default();
    let environment = j.get("environment").map(|e| match &e.kind {
        TokKind::Mapping(_) => json!({
            "name": text(e.get("name")),
            "resourceName": text(e.get("resourceName")),
            "resourceType": text(e.get("resourceType")),
        }),
        _ => {
            let full = e.scalar_text().unwrap_or_default();
            match full.split_once('.') {
                Some((env, res)) => json!({"name": env, "resourceName": res}),
                None => json!({"name": full, "resourceName": null}),
            }
        }
    });
    let strategy = j.get("strategy").map(|s| {
        let kind = s
            .as_mapping()
            .and_then(|m| m.first())
            .and_then(|(k, _)| k.scalar_text());
        json!({"kind": kind, "spec": to_json(s)})
    });
    let mut steps = Vec::new();
    collect_steps(j, &mut steps, sources, None);
    json!({
        "name": name,
        "kind": if deployment { "deployment" } else { "job" },
        "displayName": text(j.get("displayName")),
        "dependsOn": depends_on(j).unwrap_or_default(),
        "condition": text(j.get("condition")),
        "pool": j.get("pool").map_or(Json::Null, to_json),
        "environment": environment,
        "strategy": strategy,
        "variables": j.get("variables").map_or(Json::Null, to_json),
        "steps": steps,
        "location": location(j, sources),
    })
}

/// Steps of a job, or of every lifecycle hook of a deployment (tagged with the hook).
fn collect_steps(t: &Tok, out: &mut Vec<Json>, sources: &Sources, hook: Option<&str>) {
    if let Some(steps) = t.get("steps").and_then(Tok::as_sequence) {
        for s in steps {
            let kind = s
                .as_mapping()
                .and_then(|m| m.first())
                .and_then(|(k, _)| k.scalar_text());
            out.push(json!({
                "kind": kind,
                "task": text(s.get("task")),
                "displayName": text(s.get("displayName")),
                "condition": text(s.get("condition")),
                "hook": hook,
                "location": location(s, sources),
            }));
        }
    }
    if let Some(TokKind::Mapping(m)) = t.get("strategy").map(|s| &s.kind) {
        for (_, spec) in m {
            for (hk, hv) in spec.as_mapping().unwrap_or(&[]) {
                let h = hk.scalar_text().unwrap_or_default();
                if h == "on" {
                    for (ok, ov) in hv.as_mapping().unwrap_or(&[]) {
                        let name = format!("on.{}", ok.scalar_text().unwrap_or_default());
                        collect_steps(ov, out, sources, Some(&name));
                    }
                } else {
                    collect_steps(hv, out, sources, Some(&h));
                }
            }
        }
    }
}
