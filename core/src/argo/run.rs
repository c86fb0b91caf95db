//! One simulated cluster run: fire the given events (or submit the Workflows), let Sensors
//! trigger, let the controller run every Workflow, all on one [`crate::sim::Queue`].
//!
//! **Architecture Invariant:** a run is a pure function of the manifests and [`RunConfig`]; it
//! stops at `until` simulated time or after `max_events` events, whichever comes first, and
//! says so in a diagnostic.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::Value as Json;

use super::events::{self, filter, params, EventSpec};
use super::model::events::{EventSource, Sensor};
use super::model::json::from_json;
use super::model::{json::to_json, Kind, Manifests, Rbac};
use super::workflow::operator_timestamp;
use super::workflow::{Library, Override, Submission, WorkflowRun};
use crate::diag::Diagnostic;
use crate::sim::{Millis, Queue, Rng, Trace};

/// How to run.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub seed: u64,
    /// Stop at this simulated instant.
    pub until: Millis,
    /// Stop after handling this many events.
    pub max_events: usize,
    /// Events to fire, one simulated second apart from 0; empty: submit every Workflow.
    pub events: Vec<EventSpec>,
    pub overrides: Vec<Override>,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            seed: 0,
            until: 24 * 3_600_000,
            max_events: 200_000,
            events: Vec::new(),
            overrides: Vec::new(),
        }
    }
}

/// What happened to one trigger.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TriggerReport {
    pub sensor: String,
    pub trigger: String,
    pub fired: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The name of the Workflow it created, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    pub time: Millis,
}

impl TriggerReport {
    fn new(sensor: &Sensor, trigger: &str, time: Millis) -> TriggerReport {
        TriggerReport {
            sensor: sensor.name.clone(),
            trigger: trigger.to_string(),
            fired: false,
            error: None,
            workflow: None,
            time,
        }
    }

    fn failed(sensor: &Sensor, trigger: &str, time: Millis, error: String) -> TriggerReport {
        TriggerReport {
            error: Some(error),
            ..TriggerReport::new(sensor, trigger, time)
        }
    }
}

/// The answer of an EventSource to a fired event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventReport {
    pub event: String,
    pub status: u16,
    pub response: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload: Option<Json>,
    pub time: Millis,
}

/// The outcome of a run.
pub struct RunReport {
    pub events: Vec<EventReport>,
    pub triggers: Vec<TriggerReport>,
    pub workflows: Vec<WorkflowRun>,
    pub diagnostics: Vec<Diagnostic>,
    pub trace: Trace,
}

/// What triggers need to know about the workspace.
struct Cluster<'a> {
    manifests: &'a Manifests,
    rbac: &'a Rbac,
    library: &'a Library,
    config: &'a RunConfig,
}

enum Sim {
    Fire(usize),
    Wake(usize),
}

/// Runs the manifests.
pub fn run(manifests: &Manifests, config: &RunConfig) -> RunReport {
    let library = Library::from_manifests(manifests);
    let rbac = Rbac::from_manifests(manifests);
    let sources: Vec<EventSource> = manifests
        .of_kind(Kind::EventSource)
        .map(EventSource::from_manifest)
        .collect();
    let sensors: Vec<Sensor> = manifests
        .of_kind(Kind::Sensor)
        .map(Sensor::from_manifest)
        .collect();
    let mut report = RunReport {
        events: Vec::new(),
        triggers: Vec::new(),
        workflows: Vec::new(),
        diagnostics: Vec::new(),
        trace: Trace::default(),
    };
    let mut rng = Rng::new(config.seed);
    let mut queue: Queue<Sim> = Queue::new();
    // Dependency state per sensor and trigger (as argo-events keeps it per trigger):
    // trigger index → dependency name → the event that resolved it.
    let mut state: Vec<Vec<HashMap<String, Json>>> = sensors
        .iter()
        .map(|s| vec![HashMap::new(); s.triggers.len()])
        .collect();
    if config.events.is_empty() {
        for m in manifests.of_kind(Kind::Workflow) {
            let Some(spec) = m.spec() else {
                report.diagnostics.push(
                    Diagnostic::error("argo-workflow", "Workflow has no spec")
                        .with_span(m.root.span),
                );
                continue;
            };
            let name = if m.name.is_empty() {
                format!(
                    "{}{}",
                    m.generate_name.clone().unwrap_or_default(),
                    rng.string(b"bcdfghjklmnpqrstvwxz2456789", 5)
                )
            } else {
                m.name.clone()
            };
            let w = WorkflowRun::new(
                Submission {
                    name,
                    namespace: m.namespace_or_default().to_string(),
                    spec,
                    library: &library,
                    overrides: &config.overrides,
                    seed: rng.next_u64(),
                    task_results_forbidden: task_results_check(
                        manifests,
                        &rbac,
                        m.namespace_or_default(),
                        spec,
                    ),
                },
                0,
            );
            report.workflows.push(w);
            queue.schedule_at(0, Sim::Wake(report.workflows.len() - 1));
        }
    } else {
        for (i, _) in config.events.iter().enumerate() {
            queue.schedule_at(i as Millis * 1000, Sim::Fire(i));
        }
    }
    let mut handled = 0usize;
    while let Some(at) = queue.peek_time() {
        if at > config.until {
            report.diagnostics.push(Diagnostic::warning(
                "sim-until",
                format!(
                    "simulation stopped at {}s (--until); later events were not run",
                    config.until / 1000
                ),
            ));
            break;
        }
        handled += 1;
        if handled > config.max_events {
            report.diagnostics.push(Diagnostic::error(
                "sim-limit",
                format!(
                    "simulation stopped after {} events; a workflow may loop forever",
                    config.max_events
                ),
            ));
            break;
        }
        let Some((now, ev)) = queue.pop() else { break };
        match ev {
            Sim::Wake(w) => {
                let wf = &mut report.workflows[w];
                wf.operate(now);
                let mut wakes = std::mem::take(&mut wf.wakes);
                wakes.sort_unstable();
                wakes.dedup();
                for t in wakes {
                    if t >= now {
                        queue.schedule_at(t, Sim::Wake(w));
                    }
                }
            }
            Sim::Fire(e) => {
                let spec = &config.events[e];
                let label = format!("{}/{}", spec.event_source, spec.event_name);
                let id = format!(
                    "{:032x}",
                    u128::from(rng.next_u64()) << 64 | u128::from(rng.next_u64())
                );
                let fired = match events::fire(spec, &sources, &operator_timestamp(now), &id) {
                    Ok(f) => f,
                    Err(msg) => {
                        report
                            .diagnostics
                            .push(Diagnostic::error("argo-event", msg));
                        continue;
                    }
                };
                report.events.push(EventReport {
                    event: label,
                    status: fired.response.0,
                    response: fired.response.1.clone(),
                    payload: fired.event.clone(),
                    time: now,
                });
                report.trace.record(
                    now,
                    format!("event:{}/{}", spec.event_source, spec.event_name),
                    "response",
                    fired.response.0.to_string(),
                );
                let Some(event) = fired.event else { continue };
                let es_ns = sources
                    .iter()
                    .find(|s| s.name == spec.event_source)
                    .map(|s| s.namespace.clone())
                    .unwrap_or_default();
                for (si, sensor) in sensors.iter().enumerate() {
                    let bus_ok = manifests.of_kind(Kind::EventBus).any(|b| {
                        b.name == sensor.event_bus_name
                            && b.namespace_or_default() == sensor.namespace
                    });
                    let deps: Vec<_> = sensor
                        .dependencies
                        .iter()
                        .filter(|d| {
                            d.event_source_name == spec.event_source
                                && d.event_name == spec.event_name
                        })
                        .collect();
                    if deps.is_empty() {
                        continue;
                    }
                    if !bus_ok {
                        for t in &sensor.triggers {
                            let msg = format!("the Sensor is not running: EventBus \"{}\" not found in namespace \"{}\"", sensor.event_bus_name, sensor.namespace);
                            report
                                .triggers
                                .push(TriggerReport::failed(sensor, &t.name, now, msg));
                        }
                        continue;
                    }
                    if es_ns != sensor.namespace {
                        continue;
                    }
                    for d in deps {
                        let ok = match &d.filters {
                            Some(f) => filter::passes(f, &event).unwrap_or_else(|e| {
                                report.diagnostics.push(Diagnostic::warning(
                                    "argo-filter",
                                    format!("sensor {} dependency {}: {e}", sensor.name, d.name),
                                ));
                                false
                            }),
                            None => true,
                        };
                        report.trace.record(
                            now,
                            format!("sensor:{}/{}", sensor.name, d.name),
                            "filter",
                            if ok { "passed" } else { "filtered out" },
                        );
                        if ok {
                            for st in state[si].iter_mut() {
                                st.insert(d.name.clone(), event.clone());
                            }
                        }
                    }
                    fire_triggers(
                        sensor,
                        &mut state[si],
                        &Cluster {
                            manifests,
                            rbac: &rbac,
                            library: &library,
                            config,
                        },
                        now,
                        &mut rng,
                        &mut report,
                        &mut queue,
                    );
                }
            }
        }
    }
    report
}

/// Whether the service account of a Workflow (its spec's, or its WorkflowTemplate's, else
/// `default`) may create `workflowtaskresults`, as the executor must to report outputs. Judged only
/// when the workspace has RBAC bindings at all (a workspace without them says nothing about the
/// cluster's RBAC).
fn task_results_check(
    ms: &Manifests,
    rbac: &Rbac,
    namespace: &str,
    spec: &crate::yaml::Node,
) -> Option<String> {
    let has_bindings = ms
        .of_kind(Kind::RoleBinding)
        .chain(ms.of_kind(Kind::ClusterRoleBinding))
        .next()
        .is_some();
    if !has_bindings {
        return None;
    }
    let text = |n: &crate::yaml::Node| {
        n.get("serviceAccountName")
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let sa = text(spec)
        .or_else(|| {
            let name = spec.get("workflowTemplateRef")?.get("name")?.as_str()?;
            text(ms.find(Kind::WorkflowTemplate, name)?.spec()?)
        })
        .unwrap_or_else(|| "default".into());
    (!rbac.allows(namespace, &sa, "create", "argoproj.io", "workflowtaskresults")).then(|| {
        format!(
            "workflowtaskresults.argoproj.io is forbidden: User \"system:serviceaccount:{namespace}:{sa}\" cannot create resource \"workflowtaskresults\" in API group \"argoproj.io\" in the namespace \"{namespace}\""
        )
    })
}

/// Fires every trigger whose conditions hold over its own dependency state, then resets that
/// trigger's state (each trigger keeps its own, so one firing does not consume another's).
#[allow(clippy::too_many_arguments)]
fn fire_triggers(
    sensor: &Sensor,
    state: &mut [HashMap<String, Json>],
    cluster: &Cluster<'_>,
    now: Millis,
    rng: &mut Rng,
    report: &mut RunReport,
    queue: &mut Queue<Sim>,
) {
    for (ti, t) in sensor.triggers.iter().enumerate() {
        let Some(st) = state.get_mut(ti) else {
            continue;
        };
        let holds = match &t.conditions {
            Some(c) => match super::expr::Depends::parse(c) {
                Ok(d) => d.eval(&|dep, _| st.contains_key(dep)),
                Err(e) => {
                    report.triggers.push(TriggerReport::failed(
                        sensor,
                        &t.name,
                        now,
                        format!("invalid conditions: {e}"),
                    ));
                    continue;
                }
            },
            None => sensor.dependencies.iter().all(|d| st.contains_key(&d.name)),
        };
        if !holds {
            continue;
        }
        let events = std::mem::take(st);
        let mut tr = TriggerReport::new(sensor, &t.name, now);
        match run_trigger(sensor, t, &events, cluster, now, rng, report, queue) {
            Ok(wf) => {
                tr.fired = true;
                tr.workflow = wf;
            }
            Err(e) => tr.error = Some(e),
        }
        report.trace.record(
            now,
            format!("trigger:{}/{}", sensor.name, t.name),
            "fired",
            tr.fired.to_string(),
        );
        report.triggers.push(tr);
    }
}

#[allow(clippy::too_many_arguments)]
fn run_trigger(
    sensor: &Sensor,
    t: &super::model::events::Trigger,
    state: &HashMap<String, Json>,
    cluster: &Cluster<'_>,
    now: Millis,
    rng: &mut Rng,
    report: &mut RunReport,
    queue: &mut Queue<Sim>,
) -> Result<Option<String>, String> {
    match t.kind.as_str() {
        "k8s" | "argoWorkflow" => {}
        _ => return Ok(None),
    }
    let operation = t
        .body
        .get("operation")
        .and_then(|o| o.as_str())
        .unwrap_or(if t.kind == "k8s" { "create" } else { "submit" })
        .to_string();
    // `triggers[].parameters` change the trigger template itself (dest `k8s.source...`).
    let body_owned;
    let body = if t.template_parameters.is_empty() {
        &t.body
    } else {
        let mut tmpl = serde_json::json!({ t.kind.clone(): to_json(&t.body) });
        for p in &t.template_parameters {
            let value = params::resolve(p, state)?;
            let dest = p.get("dest").and_then(|d| d.as_str()).unwrap_or_default();
            params::apply(
                &mut tmpl,
                dest,
                &value,
                p.get("operation").and_then(|o| o.as_str()),
            )?;
        }
        body_owned = from_json(tmpl.get(&t.kind).unwrap_or(&Json::Null), t.span);
        &body_owned
    };
    let Some(resource) = body.get("source").and_then(|s| s.get("resource")) else {
        return Err("trigger source is not simulated (only source.resource is)".into());
    };
    let mut doc = to_json(resource);
    for p in &t.parameters {
        let value = params::resolve(p, state)?;
        let dest = p.get("dest").and_then(|d| d.as_str()).unwrap_or_default();
        params::apply(
            &mut doc,
            dest,
            &value,
            p.get("operation").and_then(|o| o.as_str()),
        )?;
    }
    let kind = doc
        .get("kind")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    let api_version = doc
        .get("apiVersion")
        .and_then(Json::as_str)
        .unwrap_or_default();
    let group = api_version
        .split_once('/')
        .map_or("", |(g, _)| g)
        .to_string();
    let resource_name = format!("{}s", kind.to_lowercase());
    let namespace = doc
        .pointer("/metadata/namespace")
        .and_then(Json::as_str)
        .unwrap_or(&sensor.namespace)
        .to_string();
    let sa = sensor
        .service_account_name
        .clone()
        .unwrap_or_else(|| "default".into());
    let verb = match operation.as_str() {
        "submit" | "create" => "create",
        "update" => "update",
        "patch" => "patch",
        "delete" => "delete",
        other => other,
    }
    .to_string();
    let config = cluster.config;
    if !cluster
        .rbac
        .allows(&sensor.namespace, &sa, &verb, &group, &resource_name)
    {
        let full = if group.is_empty() {
            resource_name.clone()
        } else {
            format!("{resource_name}.{group}")
        };
        return Err(format!(
            "{full} is forbidden: User \"system:serviceaccount:{}:{sa}\" cannot {verb} resource \"{resource_name}\" in API group \"{group}\" in the namespace \"{namespace}\"",
            sensor.namespace
        ));
    }
    if t.kind == "argoWorkflow" && operation != "submit" {
        return Err(format!(
            "argoWorkflow operation '{operation}' is not simulated; nothing was done"
        ));
    }
    if kind != "Workflow" || verb != "create" {
        // Other resources and verbs are recorded, not applied.
        return Ok(None);
    }
    let name = match doc.pointer("/metadata/name").and_then(Json::as_str) {
        Some(n) if !n.is_empty() => n.to_string(),
        _ => format!(
            "{}{}",
            doc.pointer("/metadata/generateName")
                .and_then(Json::as_str)
                .unwrap_or_default(),
            rng.string(b"bcdfghjklmnpqrstvwxz2456789", 5)
        ),
    };
    let spec_node = from_json(
        doc.get("spec").unwrap_or(&Json::Null),
        resource.get("spec").map_or(t.span, |s| s.span),
    );
    let task_results_forbidden =
        task_results_check(cluster.manifests, cluster.rbac, &namespace, &spec_node);
    let mut w = WorkflowRun::new(
        Submission {
            name: name.clone(),
            namespace,
            spec: &spec_node,
            library: cluster.library,
            overrides: &config.overrides,
            seed: rng.next_u64(),
            task_results_forbidden,
        },
        now,
    );
    w.manifest = Some(doc);
    report.workflows.push(w);
    queue.schedule_at(now, Sim::Wake(report.workflows.len() - 1));
    Ok(Some(name))
}
