//! What the Argo Event panel shows: the webhook form prefilled from the EventSource (and the
//! Sensor's `body.x` data keys), and the simulated cluster's answer to a Send (trigger outcomes,
//! each Workflow with its nodes). The form is computed on the page when the panel is visible; a
//! Send runs in the lazily loaded engine module (`src/bin/pipelab-engine.rs`), which calls
//! [`send`] with a [`SendRequest`] and answers with an [`EventResult`], both as JSON.

use pipelab_core::argo::events::EventSpec;
use pipelab_core::argo::model::{EventSource, Kind, Manifests, Sensor};
use pipelab_core::argo::run::{run, RunConfig};
use pipelab_core::argo::workflow::WorkflowRun;
use pipelab_core::diag::FileId;
use pipelab_core::yaml::{self, Node};

use serde::{Deserialize, Serialize};

use crate::services::highlight::SourceOf;
use crate::state::File;

/// What a Send asks of the engine module.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SendRequest {
    pub files: Vec<File>,
    /// The webhook request; `None` submits each `kind: Workflow` directly.
    pub form: Option<EventForm>,
    /// Show the run as it was at this simulated time (ms); `None`: as it ended.
    #[serde(default)]
    pub at: Option<u64>,
    /// The "N hidden nodes" placeholders of the drawn DAGs to show expanded.
    #[serde(default)]
    pub expanded: Vec<String>,
}

/// The form of one event of an EventSource: curl-like for an HTTP source (a webhook, GitHub,
/// Slack, ...), a message for the others (Kafka, SQS, NATS, a calendar tick, ...).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventForm {
    pub event_source: String,
    pub event_name: String,
    /// The EventSource's key for the event's type: `webhook`, `github`, `kafka`, `calendar`, ...
    pub source_type: String,
    /// HTTP sources only, as the rest of the request.
    pub method: String,
    /// `http://localhost:PORT/ENDPOINT`, as a port-forward would expose it.
    pub url: String,
    /// One `Name: Value` per line.
    pub headers: String,
    pub body: String,
}

impl EventForm {
    /// Whether `other` is a form for the same event (whatever the user typed into either).
    pub fn same_event(&self, other: &EventForm) -> bool {
        self.event_source == other.event_source
            && self.event_name == other.event_name
            && self.source_type == other.source_type
    }

    /// Whether the event arrives as an HTTP request (else as a message or a tick).
    pub fn is_http(&self) -> bool {
        pipelab_core::argo::events::is_http(&self.source_type)
    }

    /// The equivalent `pipelab run` command line (for a message: the CLI's `--event`).
    pub fn cli(&self) -> String {
        let mut spec = format!(
            "{}:{}/{}",
            self.source_type, self.event_source, self.event_name
        );
        if !self.body.trim().is_empty() {
            spec.push('=');
            spec.push_str(self.body.trim());
        }
        format!(
            "pipelab run *.yaml --event '{}'",
            spec.replace('\'', "'\\''")
        )
    }

    /// The equivalent `curl` command line.
    pub fn curl(&self) -> String {
        let mut out = format!("curl -X {} {}", self.method, self.url);
        for line in self.headers.lines().filter(|l| !l.trim().is_empty()) {
            out.push_str(&format!(" -H '{}'", line.trim().replace('\'', "'\\''")));
        }
        if !self.body.trim().is_empty() {
            out.push_str(&format!(
                " -d '{}'",
                self.body.trim().replace('\'', "'\\''")
            ));
        }
        out
    }
}

/// What the workspace offers to the Event panel.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct ArgoTargets {
    /// Every event of the EventSources, its form prefilled.
    pub events: Vec<EventForm>,
    /// Whether there is a `kind: Workflow` to submit directly.
    pub has_workflow: bool,
    /// The event flow of the manifests (EventSources → Sensors → triggers), drawn, and where
    /// its nodes are written.
    pub flow_svg: String,
    pub flow_sources: Vec<SourceOf>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TriggerRow {
    pub sensor: String,
    pub trigger: String,
    pub fired: bool,
    pub error: Option<String>,
    /// When it ran (simulated seconds): a rate limit or retries make it later than its event.
    pub at: f64,
    /// For a `dlqTrigger`: the trigger whose attempts all failed.
    pub dlq_of: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeRow {
    pub display_name: String,
    pub node_type: String,
    pub phase: String,
    pub message: String,
    /// Simulated seconds.
    pub started: f64,
    pub finished: Option<f64>,
    pub logs: Vec<String>,
    /// The phase at the request's time (`at`), empty when the node did not exist yet.
    pub phase_at: String,
    /// The node's id (its pod name for a pod), as `data-id` in the drawn DAG.
    pub id: String,
    pub template_name: String,
    /// Input parameters `(name, value)` and input artifact names.
    pub inputs: Vec<(String, String)>,
    pub input_artifacts: Vec<String>,
    /// Output parameters `(name, value)`, `outputs.result`, the exit code and artifact names.
    pub outputs: Vec<(String, String)>,
    pub result: Option<String>,
    pub exit_code: Option<i32>,
    pub output_artifacts: Vec<String>,
    /// The ids of the node's children (a Retry node's attempts, a group's members).
    pub children: Vec<String>,
    /// For a memoized template: whether its outputs came from the cache, and under which key.
    pub memoization: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WorkflowRow {
    pub name: String,
    /// When the run ended (or the simulation stopped), in simulated seconds.
    pub end: f64,
    /// The node tree as the Argo UI draws it (core's SVG, phase colours).
    pub svg: String,
    /// The Workflow as the Sensor sent it (pretty JSON, for `argo submit` / `kubectl create`);
    /// empty for a Workflow submitted directly.
    pub manifest: String,
    pub phase: String,
    pub message: String,
    pub nodes: Vec<NodeRow>,
    /// Where each node was written (its DAG task or step, else its template): node id, file name
    /// and byte range, for click-to-source.
    pub sources: Vec<SourceOf>,
    /// Every simulated second at which something changed (a node created, started, ended).
    pub moments: Vec<f64>,
}

/// The simulated cluster's answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventResult {
    /// `HTTP status response` per event (for a message: that the EventSource read it).
    pub responses: Vec<String>,
    pub triggers: Vec<TriggerRow>,
    pub workflows: Vec<WorkflowRow>,
    /// The event flow with this run's counts and the Workflows it created, drawn, and where its
    /// nodes are written.
    pub flow_svg: String,
    pub flow_sources: Vec<SourceOf>,
    pub problems: Vec<String>,
}

crate::from_json! {
    EventForm { event_source, event_name, source_type, method, url, headers, body }
    ArgoTargets { events, has_workflow, flow_svg, flow_sources }
    TriggerRow { sensor, trigger, fired, error, at, dlq_of }
    NodeRow {
        display_name, node_type, phase, message, started, finished, logs, phase_at, id,
        template_name, inputs, input_artifacts, outputs, result, exit_code, output_artifacts,
        children, memoization,
    }
    WorkflowRow { name, end, svg, manifest, phase, message, nodes, sources, moments }
    EventResult { responses, triggers, workflows, flow_svg, flow_sources, problems }
}

fn manifests(files: &[File]) -> Manifests {
    let loaded: Vec<(FileId, Vec<yaml::Document>)> = files
        .iter()
        .enumerate()
        .map(|(i, f)| {
            (
                FileId(i as u32),
                yaml::load(FileId(i as u32), &f.text).documents,
            )
        })
        .collect();
    let docs = loaded
        .iter()
        .flat_map(|(id, docs)| docs.iter().map(move |d| (*id, &d.root)))
        .filter(|(_, root)| root.get("apiVersion").is_some());
    let mut ignored = Vec::new();
    Manifests::from_documents(docs, &mut ignored)
}

fn data_key(parameter: &Node) -> Option<String> {
    let key = parameter.get("src")?.get("dataKey")?.as_str()?;
    key.strip_prefix("body.")
        .filter(|k| !k.is_empty() && !k.contains('.'))
        .map(str::to_string)
}

/// `{"model":"resnet",…}`-shaped example body: the Sensor's `body.x` keys with sample values.
fn suggested_body(sensors: &[Sensor], source: &str, event: &str) -> String {
    let mut keys: Vec<String> = Vec::new();
    for s in sensors {
        let deps: Vec<&str> = s
            .dependencies
            .iter()
            .filter(|d| d.event_source_name == source && d.event_name == event)
            .map(|d| d.name.as_str())
            .collect();
        for t in &s.triggers {
            for p in t.parameters.iter().chain(&t.template_parameters) {
                let dep = p
                    .get("src")
                    .and_then(|s| s.get("dependencyName"))
                    .and_then(Node::as_str);
                if dep.is_some_and(|d| deps.contains(&d)) {
                    if let Some(k) = data_key(p).filter(|k| !keys.contains(k)) {
                        keys.push(k);
                    }
                }
            }
        }
    }
    let fields: Vec<String> = keys
        .iter()
        .map(|k| format!("{}:{}", json_string(k), json_string(&sample(k))))
        .collect();
    format!("{{{}}}", fields.join(","))
}

/// A plausible value for a body key (the source post's example for its keys).
fn sample(key: &str) -> String {
    match key {
        "model" => "resnet".into(),
        "dataset" => "imagenet".into(),
        _ => format!("example-{key}"),
    }
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// The webhooks and Workflows the workspace offers.
pub fn targets(files: &[File]) -> ArgoTargets {
    let ms = manifests(files);
    let sensors: Vec<Sensor> = ms
        .of_kind(Kind::Sensor)
        .map(Sensor::from_manifest)
        .collect();
    let mut events = Vec::new();
    for es in ms
        .of_kind(Kind::EventSource)
        .map(EventSource::from_manifest)
    {
        for ev in &es.events {
            let mut form = EventForm {
                event_source: es.name.clone(),
                event_name: ev.name.clone(),
                source_type: ev.source_type.clone(),
                ..EventForm::default()
            };
            if form.is_http() {
                let endpoint = ev.endpoint.clone().unwrap_or_else(|| "/".into());
                let port = ev.port.clone().unwrap_or_else(|| "12000".into());
                form.method = ev.method.clone().unwrap_or_else(|| "POST".into());
                form.url = format!(
                    "http://localhost:{port}{}{endpoint}",
                    if endpoint.starts_with('/') { "" } else { "/" }
                );
                form.headers = "Content-Type: application/json".into();
            }
            // A calendar tick carries no body.
            if ev.source_type != "calendar" {
                form.body = suggested_body(&sensors, &es.name, &ev.name);
            }
            events.push(form);
        }
    }
    let has_workflow = ms.of_kind(Kind::Workflow).next().is_some();
    let (flow_svg, flow_sources) = flow(files, &ms, None, None);
    ArgoTargets {
        events,
        has_workflow,
        flow_svg,
        flow_sources,
    }
}

/// The event flow of `ms` (with `report`'s counts as they were at `at`, else as they ended),
/// drawn, and where in `files` each node is written.
fn flow(
    files: &[File],
    ms: &Manifests,
    report: Option<&pipelab_core::argo::run::RunReport>,
    at: Option<u64>,
) -> (String, Vec<SourceOf>) {
    use pipelab_core::argo::graph::{event_flow, event_flow_options};
    let (g, spans) = event_flow(ms, report, at);
    if g.nodes.is_empty() {
        return (String::new(), Vec::new());
    }
    let layout = pipelab_core::graph::layout(&g, &event_flow_options());
    (
        pipelab_core::graph::svg::render(&layout),
        sources_in(files, spans),
    )
}

/// Spans as drawn ids' sources: the file's name and the byte range.
fn sources_in(files: &[File], spans: Vec<(String, pipelab_core::diag::Span)>) -> Vec<SourceOf> {
    spans
        .into_iter()
        .filter_map(|(id, span)| {
            let file = files.get(span.file.0 as usize)?;
            Some((
                id,
                file.name.clone(),
                span.start as usize,
                span.end as usize,
            ))
        })
        .collect()
}

fn secs(ms: u64) -> f64 {
    ms as f64 / 1000.0
}

/// A Workflow for the panel: its nodes as they ended, their phases at `at`, its node tree as
/// drawn at `at` (or as it ended), and where in `files` each node was written.
fn workflow_row(
    w: &WorkflowRun,
    at: Option<u64>,
    expanded: &[String],
    files: &[File],
    ms: &Manifests,
) -> WorkflowRow {
    use pipelab_core::argo::graph::{node_sources, options, phases_at, workflow_graph};
    let options = pipelab_core::graph::Options {
        expanded: expanded.iter().cloned().collect(),
        ..options()
    };
    let layout = pipelab_core::graph::layout(&workflow_graph(w, at), &options);
    let phases = at.map(|t| phases_at(w, t));
    let end = w
        .nodes
        .iter()
        .filter_map(|n| n.finished_at)
        .chain(w.finished_at)
        .max()
        .unwrap_or(0);
    let mut moments: Vec<f64> = w.trace.entries.iter().map(|e| secs(e.time)).collect();
    moments.dedup();
    let sources = sources_in(files, node_sources(w, ms));
    WorkflowRow {
        moments,
        sources,
        name: w.name.clone(),
        end: secs(end),
        svg: pipelab_core::graph::svg::render(&layout),
        manifest: w
            .manifest
            .as_ref()
            .and_then(|m| serde_json::to_string_pretty(m).ok())
            .unwrap_or_default(),
        // The trace records the workflow's phase under its name.
        phase: phases
            .as_ref()
            .and_then(|p| p.get(w.name.as_str()))
            .map_or_else(|| w.phase.as_str().to_string(), |p| p.to_string()),
        message: w.message.clone(),
        nodes: w
            .nodes
            .iter()
            .map(|n| NodeRow {
                display_name: n.display_name.clone(),
                node_type: n.node_type.to_string(),
                phase: n.phase.as_str().to_string(),
                message: n.message.clone(),
                started: secs(n.started_at),
                finished: n.finished_at.map(secs),
                logs: n.logs.clone(),
                phase_at: match &phases {
                    Some(p) => p
                        .get(n.id.as_str())
                        .map(|s| s.to_string())
                        .unwrap_or_default(),
                    None => n.phase.as_str().to_string(),
                },
                id: n.id.clone(),
                template_name: n.template_name.clone(),
                inputs: n
                    .inputs
                    .parameters
                    .iter()
                    .map(|p| (p.name.clone(), p.value.clone()))
                    .collect(),
                input_artifacts: n.inputs.artifacts.clone(),
                outputs: n
                    .outputs
                    .parameters
                    .iter()
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                result: n.outputs.result.clone(),
                exit_code: n.outputs.exit_code,
                output_artifacts: n.outputs.artifacts.keys().cloned().collect(),
                children: n.children.clone(),
                memoization: n
                    .memoization_status
                    .as_ref()
                    .map(|m| {
                        format!(
                            "{} — key '{}' in ConfigMap {}",
                            if m.hit {
                                "cache hit"
                            } else {
                                "cache miss (outputs saved)"
                            },
                            m.key,
                            m.cache_name
                        )
                    })
                    .unwrap_or_default(),
            })
            .collect(),
    }
}

/// Runs the simulated cluster: fires `form`'s request, or (without a form) submits each Workflow.
pub fn send(request: &SendRequest) -> EventResult {
    let ms = manifests(&request.files);
    let form = request.form.as_ref();
    let events = form
        .map(|f| EventSpec {
            event_source: f.event_source.clone(),
            event_name: f.event_name.clone(),
            body: f.body.clone(),
            headers: f
                .headers
                .lines()
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect(),
            method: f.is_http().then(|| f.method.clone()),
            source_type: None,
        })
        .into_iter()
        .collect();
    let report = run(
        &ms,
        &RunConfig {
            events,
            ..RunConfig::default()
        },
    );
    let (flow_svg, flow_sources) = flow(&request.files, &ms, Some(&report), request.at);
    EventResult {
        responses: report
            .events
            .iter()
            .map(|e| match form.filter(|f| !f.is_http()) {
                // A message or tick has no HTTP exchange: say what the EventSource did with it.
                Some(f) if e.status == 200 => {
                    format!("{} event read by the EventSource", f.source_type)
                }
                _ => format!("HTTP {} {}", e.status, e.response),
            })
            .collect(),
        triggers: report
            .triggers
            .iter()
            .map(|t| TriggerRow {
                sensor: t.sensor.clone(),
                trigger: t.trigger.clone(),
                fired: t.fired,
                error: t.error.clone(),
                at: t.time as f64 / 1000.0,
                dlq_of: t.dlq_of.clone(),
            })
            .collect(),
        workflows: report
            .workflows
            .iter()
            .map(|w| workflow_row(w, request.at, &request.expanded, &request.files, &ms))
            .collect(),
        flow_svg,
        flow_sources,
        problems: report
            .diagnostics
            .iter()
            .chain(report.workflows.iter().flat_map(|w| &w.diagnostics))
            .filter(|d| d.is_error())
            .map(|d| d.message.clone())
            .collect(),
    }
}
