//! One simulated cluster run: fire the given events (or submit the Workflows), or play a
//! scripted session of [`Step`]s (events, `kubectl apply`/`delete` of Sensors and EventSources,
//! Kubernetes objects created and deleted, time passing), let Sensors trigger through the
//! EventBus ([`crate::argo::events::bus`]), let the controller run every Workflow, all on one
//! [`crate::sim::Queue`].
//!
//! **Architecture Invariant:** a run is a pure function of the manifests and [`RunConfig`]; it
//! stops at `until` simulated time or after `max_events` events, whichever comes first, and
//! says so in a diagnostic.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::rc::Rc;

use serde::Serialize;
use serde_json::Value as Json;

use serde_json::json;

use super::events::bus::{self, Bus, ConsumerKey, Message};
use super::events::ratelimit::Limiter;
use super::events::resource::{self, Change, ResourceOp};
use super::events::{self, filter, params, EventSpec};
use super::model::events::{EventSource, Sensor, Trigger};
use super::model::json::from_json;
use super::model::{json::to_json, Kind, Manifest, Manifests, Rbac};
use super::workflow::operator_timestamp;
use super::workflow::sync::Locks;
use super::workflow::{Library, Override, Shared, Submission, WorkflowAction, WorkflowRun};
use crate::diag::{Diagnostic, FileId};
use crate::sim::{Millis, Queue, Rng, Trace};

/// How to run.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub seed: u64,
    /// Stop at this simulated instant.
    pub until: Millis,
    /// Stop after handling this many events.
    pub max_events: usize,
    /// Events to fire, one simulated second apart from 0; with no events and no steps, every
    /// Workflow is submitted instead.
    pub events: Vec<EventSpec>,
    /// A scripted cluster session, played after `events`, one simulated second apart (a
    /// [`Step::Wait`] lets its own duration pass; [`Step::Submit`], [`Step::Workflow`] and
    /// [`Step::FireNow`] take no time). The cluster starts with every manifest except
    /// those of the files an [`Step::Apply`] names.
    pub steps: Vec<Step>,
    pub overrides: Vec<Override>,
    /// The outside world for http triggers: `(url, error)` for URLs that cannot be reached
    /// (the request fails with that error). Any other URL answers.
    pub http_errors: Vec<(String, String)>,
}

/// One step of a scripted cluster session.
#[derive(Clone, Debug, PartialEq)]
pub enum Step {
    /// Fire an event at an EventSource (webhook request, calendar tick, message).
    Fire(EventSpec),
    /// Fire an event and go on at the same instant (`pipelab run --fire`): events fired
    /// together reach the EventSource in order, at one simulated instant.
    FireNow(EventSpec),
    /// `kubectl apply -f FILE`: create the Sensors and EventSources of that file, or replace
    /// those of the same name (a changed Sensor restarts; an unchanged one is left alone).
    Apply(FileId),
    /// `kubectl delete sensor NAME`: its pod stops; its durable consumers and saved state stay on
    /// the bus.
    DeleteSensor(String),
    /// `kubectl delete eventsource NAME`.
    DeleteEventSource(String),
    /// Create a Kubernetes object (`apiVersion`, `kind`, `metadata`, ...); the cluster sets its
    /// `creationTimestamp` and `resourceVersion`. Resource EventSources see an ADD.
    CreateObject(Json),
    /// Replace an existing object (matched by apiVersion, kind, namespace and name): UPDATE.
    UpdateObject(Json),
    /// Delete the object with this apiVersion, kind, namespace and name: DELETE, with its
    /// `deletionTimestamp` set.
    DeleteObject(Json),
    /// Let simulated time pass: calendar EventSources tick on their `interval`.
    Wait(Millis),
    /// `argo submit` of every `kind: Workflow` of the workspace (what a run without events
    /// and steps does at 0). Takes no simulated time.
    Submit,
    /// An action on a Workflow (`argo stop NAME`, `argo retry NAME`, ...): `workflow` names it,
    /// `None` is `@latest` (the one created last). Takes no simulated time; the controller
    /// reacts at the same instant. A refused action (e.g. retrying a running workflow) is an
    /// error diagnostic with the server's message.
    Workflow {
        action: WorkflowAction,
        workflow: Option<String>,
    },
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            seed: 0,
            until: 24 * 3_600_000,
            max_events: 200_000,
            events: Vec::new(),
            steps: Vec::new(),
            overrides: Vec::new(),
            http_errors: Vec::new(),
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
    /// For a `dlqTrigger`: the trigger whose attempts all failed.
    #[serde(rename = "dlqOf", skip_serializing_if = "Option::is_none")]
    pub dlq_of: Option<String>,
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
            dlq_of: None,
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
    /// WorkflowTemplates and ConfigMaps (a ConfigMap created by a step is added), shared with
    /// the workflows created so far: a change copies it, so each keeps what it was created with.
    library: Rc<Library>,
    config: &'a RunConfig,
}

enum Sim {
    Step(usize),
    Wake(usize),
    /// A calendar EventSource's `interval` elapsed (for the generation of the source that
    /// scheduled it: a replaced or deleted source stops ticking).
    Tick {
        source: String,
        event: String,
        generation: u64,
    },
    /// A trigger of a Sensor pod goes on with its message: a rate-limit wait, or the retries of
    /// an `atLeastOnce` trigger, are over (see [`Lane`]).
    Lane {
        incarnation: u64,
        trigger: String,
    },
    /// The goroutine of a trigger without `atLeastOnce` is past its rate-limit wait: the trigger
    /// runs, if its Sensor pod still does.
    Deferred {
        incarnation: u64,
        trigger: String,
        events: HashMap<String, Json>,
    },
}

/// A trigger of a running Sensor pod, as argo-events' `listenEvents` runs it: its rate
/// limiter ([`Limiter`], keyed by the trigger's name), and its messages, handled one after
/// another on one goroutine (`processMsgs`). An `atLeastOnce` trigger's action blocks that
/// goroutine — the rate-limit wait, every attempt, the sleeps between them and the
/// `dlqTrigger` — so later messages wait and the message is acked only when it is over; any
/// other trigger's action runs in a goroutine of its own and the message is acked at once.
#[derive(Default)]
struct Lane {
    limiter: Option<Limiter>,
    handling: Option<Handling>,
    waiting: VecDeque<Waiting>,
}

/// A message delivered to a trigger that is busy with an earlier one.
struct Waiting {
    key: ConsumerKey,
    msg: Message,
    passed: HashMap<String, bool>,
}

/// The message a trigger is handling (`processMsg`): its dependencies one after another
/// (`processDependency`), and the action under way.
struct Handling {
    key: ConsumerKey,
    msg: Message,
    passed: HashMap<String, bool>,
    dependencies: VecDeque<String>,
    action: Option<Action>,
}

/// An `atLeastOnce` trigger's action (`actionFunc`) that waits, with the events that resolved
/// it.
struct Action {
    events: HashMap<String, Json>,
    stage: Stage,
    /// When it goes on (a message delivered meanwhile does not hurry it).
    at: Millis,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Stage {
    /// Not started: ask the rate limiter.
    Start,
    /// The rate limiter let the first attempt go.
    Attempt,
    /// Every attempt failed, the last one now: the `dlqTrigger`, if any.
    Exhausted,
    /// The `dlqTrigger`'s rate-limit wait is over.
    DlqAttempt,
    /// The `dlqTrigger`'s retries are over.
    Done,
}

/// A Sensor running in the cluster; each (re)start is a new incarnation (a new pod).
struct RunningSensor {
    sensor: Sensor,
    spec: Json,
    incarnation: u64,
}

struct RunningSource {
    source: EventSource,
    spec: Json,
    started: Millis,
    generation: u64,
}

/// A Kubernetes object in the simulated cluster.
struct Object {
    body: Json,
    created: Millis,
}

/// The simulated cluster of one run.
struct Session<'a> {
    cluster: Cluster<'a>,
    report: RunReport,
    rng: Rng,
    queue: Queue<Sim>,
    bus: Bus,
    sources: Vec<RunningSource>,
    sensors: Vec<RunningSensor>,
    objects: Vec<Object>,
    steps: Vec<Step>,
    /// Calendar sources tick only in a scripted session, and only up to its last step.
    ticks_until: Option<Millis>,
    generations: u64,
    /// Mutexes, semaphores and memoization caches shared by the run's workflows.
    shared: Shared,
    /// The triggers of the running Sensor pods, by (incarnation, trigger name).
    lanes: BTreeMap<(u64, String), Lane>,
}

/// Runs the manifests.
pub fn run(manifests: &Manifests, config: &RunConfig) -> RunReport {
    let library = Rc::new(Library::from_manifests(manifests));
    let rbac = Rbac::from_manifests(manifests);
    let steps: Vec<Step> = config
        .events
        .iter()
        .cloned()
        .map(Step::Fire)
        .chain(config.steps.iter().cloned())
        .collect();
    let mut times = Vec::with_capacity(steps.len());
    let mut t: Millis = 0;
    for s in &steps {
        times.push(t);
        t = t.saturating_add(match s {
            Step::Wait(d) => *d,
            Step::Submit | Step::Workflow { .. } | Step::FireNow(_) => 0,
            _ => 1000,
        });
    }
    let ticks_until = (!config.steps.is_empty()).then(|| match steps.last() {
        Some(Step::Wait(_)) => t,
        _ => times.last().copied().unwrap_or(0),
    });
    let mut s = Session {
        cluster: Cluster {
            manifests,
            rbac: &rbac,
            library: library.clone(),
            config,
        },
        report: RunReport {
            events: Vec::new(),
            triggers: Vec::new(),
            workflows: Vec::new(),
            diagnostics: Vec::new(),
            trace: Trace::default(),
        },
        rng: Rng::new(config.seed),
        queue: Queue::new(),
        bus: Bus::default(),
        sources: Vec::new(),
        sensors: Vec::new(),
        objects: Vec::new(),
        steps,
        ticks_until,
        generations: 0,
        shared: Shared {
            locks: Locks::with_config_maps(library.config_maps.clone()),
            ..Shared::default()
        },
        lanes: BTreeMap::new(),
    };
    // Files that a step applies later are not in the cluster at the start.
    let deferred: Vec<FileId> = config
        .steps
        .iter()
        .filter_map(|s| match s {
            Step::Apply(f) => Some(*f),
            _ => None,
        })
        .collect();
    for m in manifests.of_kind(Kind::EventSource) {
        if !deferred.contains(&m.file) {
            s.apply_source(m, 0);
        }
    }
    for m in manifests.of_kind(Kind::Sensor) {
        if !deferred.contains(&m.file) {
            s.apply_sensor(m, 0);
        }
    }
    if s.steps.is_empty() {
        s.submit_workflows();
    } else {
        for (i, at) in times.iter().enumerate() {
            s.queue.schedule_at(*at, Sim::Step(i));
        }
    }
    s.run_queue();
    s.report
}

impl Session<'_> {
    fn submit_workflows(&mut self) {
        self.submit_workflows_at(0);
    }

    fn submit_workflows_at(&mut self, now: Millis) {
        let manifests = self.cluster.manifests;
        for m in manifests.of_kind(Kind::Workflow) {
            let Some(spec) = m.spec() else {
                self.report.diagnostics.push(
                    Diagnostic::error("argo-workflow", "Workflow has no spec")
                        .with_span(m.root.span),
                );
                continue;
            };
            let name = if m.name.is_empty() {
                format!(
                    "{}{}",
                    m.generate_name.clone().unwrap_or_default(),
                    self.rng.string(b"bcdfghjklmnpqrstvwxz2456789", 5)
                )
            } else {
                m.name.clone()
            };
            let w = WorkflowRun::new(
                Submission {
                    name,
                    namespace: m.namespace_or_default().to_string(),
                    spec,
                    library: &self.cluster.library,
                    overrides: &self.cluster.config.overrides,
                    seed: self.rng.next_u64(),
                    task_results_forbidden: task_results_check(
                        manifests,
                        self.cluster.rbac,
                        m.namespace_or_default(),
                        spec,
                    ),
                    generate_name: m.generate_name.clone().filter(|_| m.name.is_empty()),
                },
                now,
            );
            self.report.workflows.push(w);
            self.queue
                .schedule_at(now, Sim::Wake(self.report.workflows.len() - 1));
        }
    }

    fn run_queue(&mut self) {
        let config = self.cluster.config;
        let mut handled = 0usize;
        while let Some(at) = self.queue.peek_time() {
            if at > config.until {
                self.report.diagnostics.push(Diagnostic::warning(
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
                self.report.diagnostics.push(Diagnostic::error(
                    "sim-limit",
                    format!(
                        "simulation stopped after {} events; a workflow may loop forever",
                        config.max_events
                    ),
                ));
                break;
            }
            let Some((now, ev)) = self.queue.pop() else {
                break;
            };
            match ev {
                Sim::Wake(w) => self.wake(w, now),
                Sim::Step(i) => {
                    let step = self.steps[i].clone();
                    self.step(step, now);
                }
                Sim::Tick {
                    source,
                    event,
                    generation,
                } => {
                    let Some(rs) = self
                        .sources
                        .iter()
                        .find(|s| s.source.name == source && s.generation == generation)
                    else {
                        continue;
                    };
                    let interval = calendar_interval(&rs.source, &event);
                    self.fire(
                        &EventSpec {
                            event_source: source.clone(),
                            event_name: event.clone(),
                            source_type: Some("calendar".into()),
                            ..EventSpec::default()
                        },
                        now,
                    );
                    if let (Some(iv), Some(end)) = (interval, self.ticks_until) {
                        if now + iv <= end {
                            self.queue.schedule_at(
                                now + iv,
                                Sim::Tick {
                                    source,
                                    event,
                                    generation,
                                },
                            );
                        }
                    }
                }
                Sim::Lane {
                    incarnation,
                    trigger,
                } => self.drive(&(incarnation, trigger), now),
                Sim::Deferred {
                    incarnation,
                    trigger,
                    events,
                } => {
                    let Some(sensor) = self
                        .sensors
                        .iter()
                        .find(|r| r.incarnation == incarnation)
                        .map(|r| r.sensor.clone())
                    else {
                        continue;
                    };
                    if let Some(t) = sensor.triggers.iter().find(|t| t.name == trigger) {
                        self.execute(&sensor, t, &events, now, None);
                    }
                }
            }
        }
    }

    /// Operates workflow `w` at `now`, schedules its wakes, and frees what it held once done
    /// (waiting workflows are then woken at the same instant).
    fn wake(&mut self, w: usize, now: Millis) {
        let wf = &mut self.report.workflows[w];
        if wf.deleted_at.is_some() {
            return;
        }
        wf.operate_with(now, &mut self.shared);
        let mut wakes = std::mem::take(&mut wf.wakes);
        wakes.sort_unstable();
        wakes.dedup();
        for t in wakes {
            if t >= now {
                self.queue.schedule_at(t, Sim::Wake(w));
            }
        }
        if wf.is_done() {
            let (ns, name) = (wf.namespace.clone(), wf.name.clone());
            self.shared.locks.release_workflow(&ns, &name);
        }
        self.wake_waiters(w, now);
    }

    /// After a lock was released, every other unfinished workflow tries again now.
    fn wake_waiters(&mut self, except: usize, now: Millis) {
        if !self.shared.locks.take_released() {
            return;
        }
        for (k, other) in self.report.workflows.iter().enumerate() {
            if k != except && !other.is_done() && other.deleted_at.is_none() {
                self.queue.schedule_at(now, Sim::Wake(k));
            }
        }
    }

    /// `argo stop|terminate|suspend|resume|retry|resubmit|delete|node set` from a scripted
    /// step: a refusal is a diagnostic.
    fn act(&mut self, action: &WorkflowAction, target: Option<&str>, now: Millis) {
        if let Err(e) = self.try_act(action, target, now) {
            self.report
                .diagnostics
                .push(Diagnostic::error("argo-action", e));
        }
    }

    /// An action on the named Workflow (or the last one created); `Err` with the server's
    /// answer when it cannot be done.
    fn try_act(
        &mut self,
        action: &WorkflowAction,
        target: Option<&str>,
        now: Millis,
    ) -> Result<(), String> {
        let found = match target {
            Some(name) => self
                .report
                .workflows
                .iter()
                .rposition(|w| w.name == name && w.deleted_at.is_none()),
            None => self
                .report
                .workflows
                .iter()
                .rposition(|w| w.deleted_at.is_none()),
        };
        let Some(w) = found else {
            let what = target.unwrap_or("@latest");
            return Err(format!(
                "argo {}: workflows.argoproj.io \"{what}\" not found",
                action.as_str()
            ));
        };
        if *action == WorkflowAction::Resubmit {
            self.resubmit(w, now);
            return Ok(());
        }
        let wf = &mut self.report.workflows[w];
        match wf.act(now, action, &mut self.shared) {
            Ok(()) => {
                if *action == WorkflowAction::Delete {
                    let (ns, name) = (wf.namespace.clone(), wf.name.clone());
                    self.shared.locks.release_workflow(&ns, &name);
                    self.wake_waiters(w, now);
                } else {
                    self.queue.schedule_at(now, Sim::Wake(w));
                }
                Ok(())
            }
            Err(e) => Err(format!("argo {} {}: {e}", action.as_str(), wf.name)),
        }
    }

    /// `argo resubmit`: util.FormulateResubmitWorkflow — a new Workflow with the same spec,
    /// named from the original's `generateName`, else `<name>-`, plus five random characters.
    fn resubmit(&mut self, w: usize, now: Millis) {
        let old = &self.report.workflows[w];
        let generate = old
            .generate_name
            .clone()
            .unwrap_or_else(|| format!("{}-", old.name));
        let name = format!(
            "{generate}{}",
            self.rng.string(b"bcdfghjklmnpqrstvwxz2456789", 5)
        );
        let spec = old.source_spec().clone();
        let namespace = old.namespace.clone();
        let manifest = old.manifest.clone();
        let forbidden =
            task_results_check(self.cluster.manifests, self.cluster.rbac, &namespace, &spec);
        let mut run = WorkflowRun::new(
            Submission {
                name,
                namespace,
                spec: &spec,
                library: &self.cluster.library,
                overrides: &self.cluster.config.overrides,
                seed: self.rng.next_u64(),
                task_results_forbidden: forbidden,
                generate_name: Some(generate),
            },
            now,
        );
        run.manifest = manifest;
        self.report.workflows.push(run);
        self.queue
            .schedule_at(now, Sim::Wake(self.report.workflows.len() - 1));
    }

    /// A ConfigMap created, changed or deleted by a step: parameters (`configMapKeyRef`) of
    /// workflows created later and semaphore limits see it.
    fn config_map_changed(&mut self, body: &Json, deleted: bool) {
        if body.get("kind").and_then(Json::as_str) != Some("ConfigMap") {
            return;
        }
        let name = object_name(body);
        if deleted {
            Rc::make_mut(&mut self.cluster.library)
                .config_maps
                .remove(&name);
            self.shared.locks.remove_config_map(&name);
            return;
        }
        let data: std::collections::BTreeMap<String, String> = body
            .get("data")
            .and_then(Json::as_object)
            .map(|o| {
                o.iter()
                    .map(|(k, v)| {
                        let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                        (k.clone(), v)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Rc::make_mut(&mut self.cluster.library)
            .config_maps
            .insert(name.clone(), data.clone());
        self.shared.locks.set_config_map(&name, data);
    }

    fn step(&mut self, step: Step, now: Millis) {
        let manifests = self.cluster.manifests;
        match step {
            Step::Fire(spec) | Step::FireNow(spec) => self.fire(&spec, now),
            Step::Wait(_) => {}
            Step::Submit => self.submit_workflows_at(now),
            Step::Workflow { action, workflow } => self.act(&action, workflow.as_deref(), now),
            Step::Apply(file) => {
                for m in manifests.items.iter().filter(|m| m.file == file) {
                    match m.kind {
                        Kind::EventSource => self.apply_source(m, now),
                        Kind::Sensor => self.apply_sensor(m, now),
                        _ => {}
                    }
                }
            }
            Step::DeleteSensor(name) => {
                let before = self.sensors.len();
                self.sensors.retain(|r| r.sensor.name != name);
                if self.sensors.len() == before {
                    self.not_found("sensors.argoproj.io", &name);
                }
                self.drop_stopped_lanes();
                self.report
                    .trace
                    .record(now, format!("sensor:{name}"), "deleted", "true");
            }
            Step::DeleteEventSource(name) => {
                let before = self.sources.len();
                self.sources.retain(|r| r.source.name != name);
                if self.sources.len() == before {
                    self.not_found("eventsources.argoproj.io", &name);
                }
            }
            Step::CreateObject(mut body) => {
                if let Some(meta) = body
                    .as_object_mut()
                    .map(|o| o.entry("metadata").or_insert_with(|| json!({})))
                    .and_then(Json::as_object_mut)
                {
                    meta.entry("namespace").or_insert_with(|| json!("default"));
                    meta.insert("creationTimestamp".into(), json!(operator_timestamp(now)));
                    meta.insert(
                        "resourceVersion".into(),
                        json!(self.rng.below(1 << 30).to_string()),
                    );
                }
                if let Some(i) = self.find_object(&body) {
                    let name = object_name(&body);
                    self.report.diagnostics.push(Diagnostic::error(
                        "kube-apply",
                        format!(
                            "{} \"{name}\" already exists",
                            plural_of(&self.objects[i].body)
                        ),
                    ));
                    return;
                }
                self.objects.push(Object {
                    body: body.clone(),
                    created: now,
                });
                self.config_map_changed(&body, false);
                self.wake_waiters(usize::MAX, now);
                self.resource_change(ResourceOp::Add, &body, None, now, now);
            }
            Step::UpdateObject(mut body) => {
                let Some(i) = self.find_object(&body) else {
                    self.not_found(&plural_of(&body), &object_name(&body));
                    return;
                };
                let old = self.objects[i].body.clone();
                if let (Some(meta), Some(old_meta)) = (
                    body.get_mut("metadata").and_then(Json::as_object_mut),
                    old.get("metadata"),
                ) {
                    for k in ["namespace", "creationTimestamp"] {
                        if let Some(v) = old_meta.get(k) {
                            meta.insert(k.into(), v.clone());
                        }
                    }
                    meta.insert(
                        "resourceVersion".into(),
                        json!(self.rng.below(1 << 30).to_string()),
                    );
                }
                self.objects[i].body = body.clone();
                self.config_map_changed(&body, false);
                self.wake_waiters(usize::MAX, now);
                self.resource_change(ResourceOp::Update, &body, Some(&old), now, now);
            }
            Step::DeleteObject(body) => {
                let Some(i) = self.find_object(&body) else {
                    self.not_found(&plural_of(&body), &object_name(&body));
                    return;
                };
                let mut gone = self.objects.remove(i).body;
                self.config_map_changed(&gone, true);
                if let Some(meta) = gone.get_mut("metadata").and_then(Json::as_object_mut) {
                    meta.insert("deletionTimestamp".into(), json!(operator_timestamp(now)));
                }
                self.resource_change(ResourceOp::Delete, &gone, None, now, now);
            }
        }
    }

    /// Forgets the lanes of Sensor pods that stopped (their goroutines ended with the pod).
    fn drop_stopped_lanes(&mut self) {
        let sensors = &self.sensors;
        self.lanes
            .retain(|(incarnation, _), _| sensors.iter().any(|r| r.incarnation == *incarnation));
    }

    fn not_found(&mut self, resource: &str, name: &str) {
        self.report.diagnostics.push(Diagnostic::error(
            "kube-apply",
            format!("Error from server (NotFound): {resource} \"{name}\" not found"),
        ));
    }

    fn find_object(&self, body: &Json) -> Option<usize> {
        let id = |o: &Json| {
            (
                o.get("apiVersion").cloned(),
                o.get("kind").cloned(),
                o.pointer("/metadata/namespace")
                    .and_then(Json::as_str)
                    .unwrap_or("default")
                    .to_string(),
                object_name(o),
            )
        };
        let want = id(body);
        self.objects.iter().position(|o| id(&o.body) == want)
    }

    /// `kubectl apply` of an EventSource: a new one starts now (its informers list what exists,
    /// its calendars start ticking); an unchanged one is left alone; a changed one restarts.
    fn apply_source(&mut self, m: &Manifest, now: Millis) {
        let source = EventSource::from_manifest(m);
        let spec = m.spec().map(to_json).unwrap_or(Json::Null);
        if let Some(rs) = self.sources.iter().find(|r| r.source.name == source.name) {
            if rs.spec == spec {
                return;
            }
        }
        self.sources.retain(|r| r.source.name != source.name);
        self.generations += 1;
        let generation = self.generations;
        if let Some(end) = self.ticks_until {
            for ev in &source.events {
                if let Some(iv) = calendar_interval(&source, &ev.name) {
                    if now + iv <= end {
                        self.queue.schedule_at(
                            now + iv,
                            Sim::Tick {
                                source: source.name.clone(),
                                event: ev.name.clone(),
                                generation,
                            },
                        );
                    }
                }
            }
        }
        self.sources.push(RunningSource {
            source,
            spec,
            started: now,
            generation,
        });
        // The informer's first list reports every existing object as added.
        let existing: Vec<(Json, Millis)> = self
            .objects
            .iter()
            .map(|o| (o.body.clone(), o.created))
            .collect();
        for (body, created) in existing {
            self.resource_change_for(generation, ResourceOp::Add, &body, None, created, now);
        }
    }

    /// `kubectl apply` of a Sensor: a new or changed Sensor (re)starts — a new pod that
    /// reconciles the bus state with its spec and resumes its durable consumers.
    fn apply_sensor(&mut self, m: &Manifest, now: Millis) {
        let sensor = Sensor::from_manifest(m);
        let spec = m.spec().map(to_json).unwrap_or(Json::Null);
        if let Some(r) = self.sensors.iter().find(|r| r.sensor.name == sensor.name) {
            if r.spec == spec {
                return;
            }
        }
        self.generations += 1;
        let running = RunningSensor {
            sensor: sensor.clone(),
            spec,
            incarnation: self.generations,
        };
        let si = match self
            .sensors
            .iter()
            .position(|r| r.sensor.name == sensor.name)
        {
            Some(i) => {
                self.sensors[i] = running;
                i
            }
            None => {
                self.sensors.push(running);
                self.sensors.len() - 1
            }
        };
        self.drop_stopped_lanes();
        if sensor.startup_error().is_some() {
            // Refused by the controller or crashed: it never subscribes.
            return;
        }
        self.report
            .trace
            .record(now, format!("sensor:{}", sensor.name), "started", "true");
        for (sub, seqs) in self.bus.start_sensor(&sensor) {
            for seq in seqs {
                let Some(msg) = self.bus.message(seq).cloned() else {
                    continue;
                };
                let passed = self.filter_dependencies(si, &msg, now);
                self.process(si, &sub.key, &msg, &passed, now);
            }
        }
    }

    /// Tells every resource EventSource about an object change.
    fn resource_change(
        &mut self,
        op: ResourceOp,
        body: &Json,
        old: Option<&Json>,
        event_time: Millis,
        now: Millis,
    ) {
        let generations: Vec<u64> = self.sources.iter().map(|s| s.generation).collect();
        for g in generations {
            self.resource_change_for(g, op, body, old, event_time, now);
        }
    }

    fn resource_change_for(
        &mut self,
        generation: u64,
        op: ResourceOp,
        body: &Json,
        old: Option<&Json>,
        event_time: Millis,
        now: Millis,
    ) {
        let Some(rs) = self.sources.iter().find(|s| s.generation == generation) else {
            return;
        };
        let change = Change {
            op,
            object: body,
            old,
            event_time,
        };
        let mut out = Vec::new();
        for ev in rs
            .source
            .events
            .iter()
            .filter(|e| e.source_type == "resource")
        {
            if let Some(data) = resource::event_data(&ev.config, &change, rs.started) {
                out.push((ev.name.clone(), data));
            }
        }
        let es = rs.source.name.clone();
        for (name, data) in out {
            let id = self.event_id();
            let event = json!({
                "context": {
                    "id": id, "source": es, "specversion": "1.0", "type": "resource",
                    "subject": name, "time": operator_timestamp(now),
                    "datacontenttype": "application/json",
                },
                "data": data,
            });
            self.report.events.push(EventReport {
                event: format!("{es}/{name}"),
                status: 200,
                response: format!("{} {}", op.as_str(), object_name(body)),
                payload: Some(event.clone()),
                time: now,
            });
            self.publish(&es, &name, event, now);
        }
    }

    fn event_id(&mut self) -> String {
        format!(
            "{:032x}",
            u128::from(self.rng.next_u64()) << 64 | u128::from(self.rng.next_u64())
        )
    }

    /// Fires an event at an EventSource as the outside world would, and publishes what it emits.
    fn fire(&mut self, spec: &EventSpec, now: Millis) {
        let label = format!("{}/{}", spec.event_source, spec.event_name);
        let id = self.event_id();
        let sources: Vec<EventSource> = self.sources.iter().map(|s| s.source.clone()).collect();
        let fired = match events::fire(spec, &sources, &operator_timestamp(now), &id) {
            Ok(f) => f,
            Err(msg) => {
                self.report
                    .diagnostics
                    .push(Diagnostic::error("argo-event", msg));
                return;
            }
        };
        self.report.events.push(EventReport {
            event: label.clone(),
            status: fired.response.0,
            response: fired.response.1.clone(),
            payload: fired.event.clone(),
            time: now,
        });
        self.report.trace.record(
            now,
            format!("event:{label}"),
            "response",
            fired.response.0.to_string(),
        );
        if let Some(event) = fired.event {
            self.publish(&spec.event_source, &spec.event_name, event, now);
        }
    }

    /// Publishes an event on the bus and hands it to every running Sensor subscribed to it.
    fn publish(&mut self, es_name: &str, ev_name: &str, event: Json, now: Millis) {
        let seq = self.bus.publish(es_name, ev_name, event, now);
        let Some(msg) = self.bus.message(seq).cloned() else {
            return;
        };
        let es_ns = self
            .sources
            .iter()
            .find(|s| s.source.name == es_name)
            .map(|s| s.source.namespace.clone())
            .unwrap_or_default();
        for si in 0..self.sensors.len() {
            let sensor = self.sensors[si].sensor.clone();
            if !sensor
                .dependencies
                .iter()
                .any(|d| d.event_source_name == es_name && d.event_name == ev_name)
            {
                continue;
            }
            let bus_ok = self.cluster.manifests.of_kind(Kind::EventBus).any(|b| {
                b.name == sensor.event_bus_name && b.namespace_or_default() == sensor.namespace
            });
            let not_running = if bus_ok {
                sensor.startup_error()
            } else {
                Some(format!(
                    "EventBus \"{}\" not found in namespace \"{}\"",
                    sensor.event_bus_name, sensor.namespace
                ))
            };
            if let Some(why) = not_running {
                for t in &sensor.triggers {
                    let msg = format!("the Sensor is not running: {why}");
                    self.report
                        .triggers
                        .push(TriggerReport::failed(&sensor, &t.name, now, msg));
                }
                continue;
            }
            if es_ns != sensor.namespace {
                continue;
            }
            let passed = self.filter_dependencies(si, &msg, now);
            for sub in bus::subscriptions(&sensor) {
                if sub.event_source == es_name && sub.event_name == ev_name {
                    self.bus.deliver(&sub.key, seq);
                    self.process(si, &sub.key, &msg, &passed, now);
                }
            }
        }
    }

    /// Applies the filters of the Sensor's dependencies on the message's subject, once per
    /// message (each trigger then reads the verdicts).
    fn filter_dependencies(
        &mut self,
        si: usize,
        msg: &Message,
        now: Millis,
    ) -> HashMap<String, bool> {
        let sensor = &self.sensors[si].sensor;
        let mut out = HashMap::new();
        for d in sensor
            .dependencies
            .iter()
            .filter(|d| d.event_source_name == msg.event_source && d.event_name == msg.event_name)
        {
            let ok = match &d.filters {
                Some(f) => filter::passes(f, &msg.event).unwrap_or_else(|e| {
                    self.report.diagnostics.push(Diagnostic::warning(
                        "argo-filter",
                        format!("sensor {} dependency {}: {e}", sensor.name, d.name),
                    ));
                    false
                }),
                None => true,
            };
            self.report.trace.record(
                now,
                format!("sensor:{}/{}", sensor.name, d.name),
                "filter",
                if ok { "passed" } else { "filtered out" },
            );
            out.insert(d.name.clone(), ok);
        }
        out
    }

    /// A trigger connection receives one message: it is handled as argo-events'
    /// `processMsg` and `processDependency` do (see [`bus`]) once the trigger's earlier
    /// messages are done ([`Lane`]).
    fn process(
        &mut self,
        si: usize,
        key: &ConsumerKey,
        msg: &Message,
        passed: &HashMap<String, bool>,
        now: Millis,
    ) {
        let sensor = self.sensors[si].sensor.clone();
        let incarnation = self.sensors[si].incarnation;
        let Some(lane) = self.lane(&sensor, incarnation, &key.trigger) else {
            self.bus.ack(key, msg.seq);
            return;
        };
        lane.waiting.push_back(Waiting {
            key: key.clone(),
            msg: msg.clone(),
            passed: passed.clone(),
        });
        self.drive(&(incarnation, key.trigger.clone()), now);
    }

    /// The lane of trigger `name` of a Sensor pod, created with the trigger's rate limiter on
    /// first use; `None` when the Sensor has no such trigger.
    fn lane(&mut self, sensor: &Sensor, incarnation: u64, name: &str) -> Option<&mut Lane> {
        let t = sensor.triggers.iter().find(|t| t.name == name)?;
        Some(
            self.lanes
                .entry((incarnation, name.to_string()))
                .or_insert_with(|| Lane {
                    limiter: t
                        .rate_limit
                        .as_ref()
                        .and_then(|r| r.requests_per_unit.and_then(|n| Limiter::new(n, r.per()))),
                    ..Lane::default()
                }),
        )
    }

    /// `Take()` on the rate limiter of trigger `name` of a Sensor pod (none: go on at once).
    fn take(&mut self, sensor: &Sensor, incarnation: u64, name: &str, at: Millis) -> Millis {
        match self
            .lane(sensor, incarnation, name)
            .and_then(|l| l.limiter.as_mut())
        {
            Some(l) => l.take(at),
            None => at,
        }
    }

    /// The instant after the retries of a trigger whose attempt at `at` failed: `Take()`
    /// before each attempt, on the limiter of trigger `name`.
    fn retries_end(
        &mut self,
        sensor: &Sensor,
        incarnation: u64,
        t: &Trigger,
        name: &str,
        at: Millis,
    ) -> Millis {
        bus::retry_sleeps(t.retry_strategy.as_ref())
            .into_iter()
            .fold(at, |at, sleep| {
                self.take(sensor, incarnation, name, at.saturating_add(sleep))
            })
    }

    /// Runs a trigger's lane as far as it goes at `now`: the action under way, the rest of its
    /// message's dependencies, then the messages waiting. A lane whose Sensor pod is gone is
    /// dropped; its un-acked messages stay on the bus for the next pod.
    fn drive(&mut self, id: &(u64, String), now: Millis) {
        let Some(sensor) = self
            .sensors
            .iter()
            .find(|r| r.incarnation == id.0)
            .map(|r| r.sensor.clone())
        else {
            self.lanes.remove(id);
            return;
        };
        let Some(t) = sensor.triggers.iter().find(|t| t.name == id.1) else {
            self.lanes.remove(id);
            return;
        };
        let expr = bus::expression(&sensor, t);
        let requires_and = expr.contains('&');
        loop {
            let Some(lane) = self.lanes.get_mut(id) else {
                return;
            };
            if lane
                .handling
                .as_ref()
                .and_then(|h| h.action.as_ref())
                .is_some_and(|a| a.at > now)
            {
                return;
            }
            if let Some(action) = lane.handling.as_mut().and_then(|h| h.action.take()) {
                match self.advance(&sensor, id.0, t, action, now) {
                    Some(action) => {
                        let at = action.at;
                        let waits_for_limiter =
                            matches!(action.stage, Stage::Attempt | Stage::DlqAttempt);
                        if let Some(h) = self.lanes.get_mut(id).and_then(|l| l.handling.as_mut()) {
                            h.action = Some(action);
                        }
                        // Retries that outlast the run leave the message un-acked.
                        if waits_for_limiter || at <= self.cluster.config.until {
                            self.queue.schedule_at(
                                at,
                                Sim::Lane {
                                    incarnation: id.0,
                                    trigger: id.1.clone(),
                                },
                            );
                        }
                        return;
                    }
                    None => {
                        if requires_and {
                            self.bus.clear(&sensor.name, &t.name);
                        }
                        continue;
                    }
                }
            }
            let Some(lane) = self.lanes.get_mut(id) else {
                return;
            };
            let Some(h) = lane.handling.as_mut() else {
                let Some(w) = lane.waiting.pop_front() else {
                    return;
                };
                if requires_and {
                    if let Err(e) = super::expr::Depends::parse(&expr) {
                        self.report.triggers.push(TriggerReport::failed(
                            &sensor,
                            &t.name,
                            now,
                            format!("invalid conditions: {e}"),
                        ));
                        self.bus.ack(&w.key, w.msg.seq);
                        continue;
                    }
                }
                let dependencies = bus::trigger_dependencies(&sensor, t)
                    .into_iter()
                    .filter(|d| {
                        d.event_source_name == w.msg.event_source
                            && d.event_name == w.msg.event_name
                    })
                    .map(|d| d.name.clone())
                    .collect();
                lane.handling = Some(Handling {
                    key: w.key,
                    msg: w.msg,
                    passed: w.passed,
                    dependencies,
                    action: None,
                });
                continue;
            };
            let Some(dep) = h.dependencies.pop_front() else {
                let (key, seq) = (h.key.clone(), h.msg.seq);
                lane.handling = None;
                self.bus.ack(&key, seq);
                continue;
            };
            if !h.passed.get(&dep).copied().unwrap_or(false) {
                continue;
            }
            let event = h.msg.event.clone();
            let events = if requires_and {
                let Ok(p) = super::expr::Depends::parse(&expr) else {
                    continue;
                };
                let saved = self.bus.saved(&sensor.name, &t.name);
                if !p.eval(&|d, _| d == dep || saved.contains_key(d)) {
                    self.bus.save(&sensor.name, &t.name, &dep, event);
                    continue;
                }
                let mut events: HashMap<String, Json> = saved.into_iter().collect();
                events.insert(dep, event);
                events
            } else {
                HashMap::from([(dep, event)])
            };
            h.action = Some(Action {
                events,
                stage: Stage::Start,
                at: now,
            });
        }
    }

    /// Takes an action as far as it goes at `now` (argo-events' `actionFunc`: `DoWithRetry`
    /// over `triggerActions`, then the `dlqTrigger` when every attempt failed). Returns the
    /// action, with the instant it goes on, when it must wait.
    fn advance(
        &mut self,
        sensor: &Sensor,
        incarnation: u64,
        t: &Trigger,
        action: Action,
        now: Millis,
    ) -> Option<Action> {
        let Action {
            events, mut stage, ..
        } = action;
        let subject = format!("trigger:{}/{}", sensor.name, t.name);
        loop {
            let (next, at) = match stage {
                Stage::Start => {
                    let at = self.take(sensor, incarnation, &t.name, now);
                    if at > now {
                        self.report.trace.record(
                            now,
                            subject.clone(),
                            "rateLimited",
                            format!("until {at}ms"),
                        );
                    }
                    if !t.at_least_once {
                        // `triggerActions` runs the trigger in a goroutine and returns nil:
                        // no retries, no dlqTrigger, the message goes on at once.
                        if at > now {
                            self.queue.schedule_at(
                                at,
                                Sim::Deferred {
                                    incarnation,
                                    trigger: t.name.clone(),
                                    events,
                                },
                            );
                        } else {
                            self.execute(sensor, t, &events, now, None);
                        }
                        return None;
                    }
                    (Stage::Attempt, at)
                }
                Stage::Attempt => {
                    if self.execute(sensor, t, &events, now, None) {
                        return None;
                    }
                    // The simulated outside world answers every attempt alike.
                    let end = self.retries_end(sensor, incarnation, t, &t.name, now);
                    if end > now {
                        self.report
                            .trace
                            .record(now, subject.clone(), "unacked", "retrying");
                    }
                    (Stage::Exhausted, end)
                }
                Stage::Exhausted => {
                    let dlq = t.dlq_trigger.as_deref()?;
                    (
                        Stage::DlqAttempt,
                        self.take(sensor, incarnation, &dlq.name, now),
                    )
                }
                Stage::DlqAttempt => {
                    let dlq = t.dlq_trigger.as_deref()?;
                    if self.execute(sensor, dlq, &events, now, Some(&t.name)) {
                        return None;
                    }
                    (
                        Stage::Done,
                        self.retries_end(sensor, incarnation, dlq, &dlq.name, now),
                    )
                }
                Stage::Done => return None,
            };
            if at > now {
                return Some(Action {
                    events,
                    stage: next,
                    at,
                });
            }
            stage = next;
        }
    }

    /// Runs one trigger with the events that resolved it; reports and returns whether it fired.
    fn execute(
        &mut self,
        sensor: &Sensor,
        t: &Trigger,
        events: &HashMap<String, Json>,
        now: Millis,
        dlq_of: Option<&str>,
    ) -> bool {
        let mut tr = TriggerReport::new(sensor, &t.name, now);
        tr.dlq_of = dlq_of.map(str::to_string);
        match run_trigger(
            sensor,
            t,
            events,
            &self.cluster,
            now,
            &mut self.rng,
            &mut self.report,
            &mut self.queue,
        ) {
            Ok(Triggered::Created(wf)) => {
                tr.fired = true;
                tr.workflow = wf;
            }
            // An argoWorkflow trigger's other operations act on the named Workflow, as the
            // `argo` CLI the Sensor runs would.
            Ok(Triggered::Act(action, name)) => match self.try_act(&action, Some(&name), now) {
                Ok(()) => {
                    tr.fired = true;
                    tr.workflow = Some(name);
                }
                Err(e) => tr.error = Some(e),
            },
            Err(e) => tr.error = Some(e),
        }
        self.report.trace.record(
            now,
            format!("trigger:{}/{}", sensor.name, t.name),
            "fired",
            tr.fired.to_string(),
        );
        let fired = tr.fired;
        self.report.triggers.push(tr);
        fired
    }
}

/// The `interval` of a calendar event, when it has one.
fn calendar_interval(source: &EventSource, event: &str) -> Option<Millis> {
    let ev = source
        .events
        .iter()
        .find(|e| e.name == event && e.source_type == "calendar")?;
    let iv = crate::sim::parse_duration(ev.config.get("interval")?.as_str()?)?;
    (iv > 0).then_some(iv)
}

fn object_name(o: &Json) -> String {
    o.pointer("/metadata/name")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string()
}

fn plural_of(o: &Json) -> String {
    let kind = o.get("kind").and_then(Json::as_str).unwrap_or_default();
    format!("{}s", kind.to_lowercase())
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

#[allow(clippy::too_many_arguments)]
fn run_trigger(
    sensor: &Sensor,
    t: &Trigger,
    state: &HashMap<String, Json>,
    cluster: &Cluster<'_>,
    now: Millis,
    rng: &mut Rng,
    report: &mut RunReport,
    queue: &mut Queue<Sim>,
) -> Result<Triggered, String> {
    match t.kind.as_str() {
        "k8s" | "argoWorkflow" => {}
        "http" => {
            // Nothing is sent: the URL answers unless the run says it cannot be reached.
            let url = t
                .body
                .get("url")
                .and_then(|u| u.as_str())
                .unwrap_or_default();
            return match cluster.config.http_errors.iter().find(|(u, _)| u == url) {
                Some((_, e)) => Err(e.clone()),
                None => Ok(Triggered::Created(None)),
            };
        }
        _ => return Ok(Triggered::Created(None)),
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
    // argoWorkflow's other operations run `argo OPERATION NAME` as the Sensor's service
    // account: resubmit creates a Workflow, the others update the one named.
    let verb = match operation.as_str() {
        "submit" | "create" | "resubmit" => "create",
        "update" | "retry" | "resume" | "suspend" | "terminate" | "stop" => "update",
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
        // argo-events' operations are argo's verbs; `argo node set` is not one of them.
        let action = WorkflowAction::parse(&operation)
            .ok()
            .filter(|a| !matches!(a, WorkflowAction::NodeSet { .. }))
            .ok_or_else(|| format!("unknown operation '{operation}' of an argoWorkflow trigger"))?;
        let name = doc
            .pointer("/metadata/name")
            .and_then(Json::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                format!("the workflow to {operation} needs metadata.name (set it with a parameter)")
            })?;
        return Ok(Triggered::Act(action, name.to_string()));
    }
    if kind != "Workflow" || verb != "create" {
        // Other resources and verbs are recorded, not applied.
        return Ok(Triggered::Created(None));
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
            library: &cluster.library,
            overrides: &config.overrides,
            seed: rng.next_u64(),
            task_results_forbidden,
            generate_name: doc
                .pointer("/metadata/generateName")
                .and_then(Json::as_str)
                .filter(|_| doc.pointer("/metadata/name").is_none())
                .map(str::to_string),
        },
        now,
    );
    w.manifest = Some(doc);
    report.workflows.push(w);
    queue.schedule_at(now, Sim::Wake(report.workflows.len() - 1));
    Ok(Triggered::Created(Some(name)))
}

/// What a trigger that fired did.
enum Triggered {
    /// Created (or recorded) a resource; the Workflow's name when it created one.
    Created(Option<String>),
    /// An argoWorkflow operation other than submit, for the named Workflow.
    Act(WorkflowAction, String),
}
