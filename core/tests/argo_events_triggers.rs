//! A Sensor trigger's `rateLimit` and `dlqTrigger`, as argo-events runs them (see
//! `core/src/argo/events/ratelimit.rs` and `fixtures/argo/trigger_rate_limit.yaml` for what
//! was read in argo-events): events fired at chosen simulated instants into a cluster with an
//! EventBus, a webhook EventSource and RBAC for the Sensor, then the times at which triggers
//! ran and Workflows were created.

use pipelab_core::argo::events::EventSpec;
use pipelab_core::argo::graph::event_flow;
use pipelab_core::argo::model::{lint, Manifests};
use pipelab_core::argo::run::{run, RunConfig, RunReport, Step};
use pipelab_core::diag::{render_short, Sources};
use pipelab_core::yaml;

const CLUSTER: &str = "apiVersion: argoproj.io/v1alpha1
kind: EventBus
metadata: {name: default}
spec: {jetstream: {}}
---
apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: hooks}
spec:
  webhook:
    build: {port: '12000', endpoint: /build, method: POST}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: submit}
rules:
- apiGroups: [argoproj.io]
  resources: [workflows, workflowtaskresults]
  verbs: [create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: submit}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: submit}
subjects:
- {kind: ServiceAccount, name: sensor-sa}
";

/// A k8s trigger creating a `GENERATE…` Workflow that echoes the event's `body.commit`.
fn workflow_trigger(name: &str, generate: &str, indent: usize) -> String {
    let text = format!(
        "template:
  name: {name}
  k8s:
    operation: create
    source:
      resource:
        apiVersion: argoproj.io/v1alpha1
        kind: Workflow
        metadata: {{generateName: {generate}}}
        spec:
          entrypoint: main
          serviceAccountName: sensor-sa
          arguments: {{parameters: [{{name: commit, value: none}}]}}
          templates:
          - name: main
            container: {{image: alpine, command: [echo, hi]}}
    parameters:
    - src: {{dependencyName: push, dataKey: body.commit}}
      dest: spec.arguments.parameters.0.value
"
    );
    let pad = " ".repeat(indent);
    text.lines()
        .map(|l| format!("{pad}{l}\n"))
        .collect::<String>()
}

/// A Sensor on `hooks/build` whose one trigger is `trigger` (YAML at the list item's indent).
fn sensor(trigger: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata: {{name: builds}}
spec:
  template: {{serviceAccountName: sensor-sa}}
  dependencies:
  - {{name: push, eventSourceName: hooks, eventName: build}}
  triggers:
  - {}",
        trigger.trim_start()
    )
}

struct Outcome {
    manifests: Manifests,
    report: RunReport,
    /// Every diagnostic (lint and run) as `FILE:LINE:COL: severity: message`.
    problems: Vec<String>,
}

/// Fires `(millisecond, body)` webhook events at `hooks/build` (the same instant may repeat)
/// with `unreachable` URLs failing, and runs the cluster to its end.
fn session(sensor: &str, fires: &[(u64, &str)], unreachable: &[&str]) -> Outcome {
    let mut sources = Sources::new();
    let mut diags = Vec::new();
    let mut docs = Vec::new();
    for (name, text) in [("cluster.yaml", CLUSTER), ("sensor.yaml", sensor)] {
        let id = sources.add(name, text.to_string());
        let loaded = yaml::load(id, text);
        diags.extend(loaded.diagnostics);
        docs.extend(loaded.documents.into_iter().map(|d| (id, d.root)));
    }
    let ms = Manifests::from_documents(docs.iter().map(|(i, n)| (*i, n)), &mut diags);
    lint::lint(&ms, &mut diags);
    let mut steps = Vec::new();
    let mut now = 0;
    for (at, body) in fires {
        if *at > now {
            steps.push(Step::Wait(at - now));
            now = *at;
        }
        steps.push(Step::FireNow(
            EventSpec::parse(&format!("hooks/build={body}")).unwrap(),
        ));
    }
    let report = run(
        &ms,
        &RunConfig {
            steps,
            http_errors: unreachable
                .iter()
                .map(|u| {
                    (
                        u.to_string(),
                        format!("Post \"{u}\": dial tcp: no such host"),
                    )
                })
                .collect(),
            ..RunConfig::default()
        },
    );
    diags.extend(report.diagnostics.iter().cloned());
    Outcome {
        problems: diags.iter().map(|d| render_short(d, &sources)).collect(),
        manifests: ms,
        report,
    }
}

/// `(trigger, fired, simulated ms)` of every trigger run, in order.
fn runs(report: &RunReport) -> Vec<(String, bool, u64)> {
    report
        .triggers
        .iter()
        .map(|t| (t.trigger.clone(), t.fired, t.time))
        .collect()
}

/// `(generateName prefix, creation ms)` of every Workflow.
fn created(report: &RunReport) -> Vec<(String, u64)> {
    report
        .workflows
        .iter()
        .map(|w| (w.name[..w.name.len() - 5].to_string(), w.started_at))
        .collect()
}

fn burst(n: usize, at: u64) -> Vec<(u64, &'static str)> {
    vec![(at, r#"{"commit":"abc"}"#); n]
}

#[test]
fn rate_limit_spreads_a_burst_over_simulated_time() {
    // 2 per Second: one permission every 500 ms, the first at once, none dropped.
    for at_least_once in ["false", "true"] {
        let s = sensor(&format!(
            "{}    atLeastOnce: {at_least_once}\n    rateLimit: {{unit: Second, requestsPerUnit: 2}}\n",
            workflow_trigger("run-build", "build-", 4)
        ));
        let out = session(&s, &burst(5, 0), &[]);
        assert!(out.problems.is_empty(), "{:?}", out.problems);
        let times: Vec<u64> = out.report.workflows.iter().map(|w| w.started_at).collect();
        assert_eq!(
            times,
            [0, 500, 1000, 1500, 2000],
            "atLeastOnce {at_least_once}"
        );
        assert!(runs(&out.report).iter().all(|(_, fired, _)| *fired));
        // Each Workflow runs from its own creation: the last one's pod starts after 2 s.
        let last = out.report.workflows.last().unwrap();
        assert!(last.nodes.iter().all(|n| n.started_at >= 2000));
    }
    // Without a rateLimit the five Workflows are created at once.
    let s = sensor(&workflow_trigger("run-build", "build-", 4));
    let out = session(&s, &burst(5, 0), &[]);
    assert!(out.report.workflows.iter().all(|w| w.started_at == 0));
}

#[test]
fn rate_limit_units_and_slack_after_a_pause() {
    let with = |limit: &str| {
        sensor(&format!(
            "{}    rateLimit: {limit}\n",
            workflow_trigger("run-build", "build-", 4)
        ))
    };
    // 1 per Minute.
    let out = session(
        &with("{unit: Minute, requestsPerUnit: 1}"),
        &burst(3, 0),
        &[],
    );
    let times: Vec<u64> = out.report.triggers.iter().map(|t| t.time).collect();
    assert_eq!(times, [0, 60_000, 120_000]);
    // 3 per Second is 333,333,333 ns apart; each wait ends at the next simulated ms.
    let out = session(
        &with("{unit: Second, requestsPerUnit: 3}"),
        &burst(4, 0),
        &[],
    );
    let times: Vec<u64> = out.report.triggers.iter().map(|t| t.time).collect();
    assert_eq!(times, [0, 334, 667, 1000]);
    // go.uber.org/ratelimit keeps up to 10 unused permissions: after a 10 s pause, a burst of
    // 12 gets 11 at once and the 12th waits one period.
    let mut fires = burst(1, 0);
    fires.extend(burst(12, 10_000));
    let out = session(&with("{unit: Second, requestsPerUnit: 2}"), &fires, &[]);
    let times: Vec<u64> = out.report.triggers.iter().map(|t| t.time).collect();
    assert_eq!(times[1..12], [10_000; 11]);
    assert_eq!(times[12], 10_500);
    // The same inputs give the same run.
    let again = session(&with("{unit: Second, requestsPerUnit: 2}"), &fires, &[]);
    assert_eq!(runs(&out.report), runs(&again.report));
    assert_eq!(created(&out.report), created(&again.report));
}

/// A trigger posting to an unreachable URL, retried 3 times (sleeping 1 s, then 2 s), whose
/// dlqTrigger creates a `dead-letter-` Workflow from the same event.
fn failing_with_dlq(at_least_once: bool, url: &str, extra: &str) -> String {
    sensor(&format!(
        "template:
      name: notify
      http: {{url: '{url}', method: POST}}
    atLeastOnce: {at_least_once}
    retryStrategy: {{steps: 3, duration: 1s, factor: 2}}
{extra}    dlqTrigger:
      atLeastOnce: true
{}",
        workflow_trigger("dead-letter", "dead-letter-", 6)
    ))
}

const DOWN: &str = "https://builds.invalid/";

#[test]
fn dlq_trigger_fires_once_the_retries_are_exhausted() {
    let out = session(
        &failing_with_dlq(true, DOWN, ""),
        &[(0, r#"{"commit":"abc"}"#)],
        &[DOWN],
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    // Attempts at 0 s, 1 s and 3 s all fail (reported once, at the first); then the dlqTrigger
    // runs with the same events.
    assert_eq!(
        runs(&out.report),
        [
            ("notify".to_string(), false, 0),
            ("dead-letter".to_string(), true, 3000)
        ]
    );
    let dlq = &out.report.triggers[1];
    assert_eq!(dlq.dlq_of.as_deref(), Some("notify"));
    assert_eq!(created(&out.report), [("dead-letter-".to_string(), 3000)]);
    let wf = out.report.workflows[0].manifest.as_ref().unwrap();
    assert_eq!(
        wf.pointer("/spec/arguments/parameters/0/value"),
        Some(&serde_json::json!("abc"))
    );
}

/// The event flow draws a trigger's dlqTrigger after it, badged as the dead-letter trigger,
/// with the Workflow it created; the trigger itself failed.
#[test]
fn the_event_flow_draws_the_dlq_trigger_and_its_workflow() {
    let out = session(
        &failing_with_dlq(true, DOWN, ""),
        &[(0, r#"{"commit":"abc"}"#)],
        &[DOWN],
    );
    let (flow, _) = event_flow(&out.manifests, Some(&out.report), None);
    let node = |id: &str| {
        let n = flow.nodes.iter().find(|n| n.id == id);
        n.unwrap_or_else(|| panic!("no node {id}"))
    };
    let notify = node("trigger:builds/notify");
    assert_eq!(notify.look.status, "Failed");
    assert_eq!(notify.look.badges, ["http", "fired 0×"]);
    let dlq = node("trigger:builds/notify/dlq");
    assert_eq!(dlq.label, "dead-letter");
    assert_eq!(dlq.look.status, "Succeeded");
    assert_eq!(dlq.look.badges, ["k8s", "dead-letter", "fired 1×"]);
    let wf = format!("workflow:{}", out.report.workflows[0].name);
    let edges: Vec<(&str, &str)> = flow
        .edges
        .iter()
        .map(|e| (e.from.as_str(), e.to.as_str()))
        .collect();
    assert!(edges.contains(&("trigger:builds/notify", "trigger:builds/notify/dlq")));
    assert!(edges.contains(&("trigger:builds/notify/dlq", wf.as_str())));
}

#[test]
fn dlq_trigger_does_not_fire_when_the_trigger_succeeds() {
    let out = session(
        &failing_with_dlq(true, "https://builds.example/", ""),
        &[(0, "{}")],
        &[DOWN],
    );
    assert_eq!(runs(&out.report), [("notify".to_string(), true, 0)]);
    assert!(out.report.workflows.is_empty());
}

#[test]
fn retries_take_the_rate_limiter_before_each_attempt() {
    // 1 per Minute: attempt 1 at 0 s; attempt 2 asks at 1 s and waits for 60 s; attempt 3 asks
    // at 62 s (after sleeping 2 s) and waits for 120 s, when the dlqTrigger runs. A second
    // event at 0 s waits behind the first message (atLeastOnce blocks the trigger's
    // goroutine): its attempts go at 180 s, 240 s and 300 s.
    let out = session(
        &failing_with_dlq(
            true,
            DOWN,
            "    rateLimit: {unit: Minute, requestsPerUnit: 1}\n",
        ),
        &[(0, r#"{"commit":"a"}"#), (0, r#"{"commit":"b"}"#)],
        &[DOWN],
    );
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(
        runs(&out.report),
        [
            ("notify".to_string(), false, 0),
            ("dead-letter".to_string(), true, 120_000),
            ("notify".to_string(), false, 180_000),
            ("dead-letter".to_string(), true, 300_000),
        ]
    );
}

#[test]
fn at_least_once_trigger_handles_the_next_message_after_the_dlq() {
    // The first event lacks body.commit: the trigger fails at 0 s, 1 s, 2 s, the dlqTrigger
    // runs at 2 s; only then is the second event's build created.
    let s = sensor(&format!(
        "{}    atLeastOnce: true\n    retryStrategy: {{steps: 3, duration: 1s}}\n    dlqTrigger:\n      atLeastOnce: true\n      template: {{name: dead-letter, log: {{}}}}\n",
        workflow_trigger("run-build", "build-", 4)
    ));
    let out = session(&s, &[(0, "{}"), (0, r#"{"commit":"b"}"#)], &[]);
    assert!(out.problems.is_empty(), "{:?}", out.problems);
    assert_eq!(
        runs(&out.report),
        [
            ("run-build".to_string(), false, 0),
            ("dead-letter".to_string(), true, 2000),
            ("run-build".to_string(), true, 2000),
        ]
    );
    assert_eq!(
        out.report.triggers[0].error.as_deref(),
        Some("key body.commit does not exist in the event payload")
    );
    assert_eq!(created(&out.report), [("build-".to_string(), 2000)]);
}

#[test]
fn dlq_trigger_without_at_least_once_is_refused_by_the_controller() {
    let out = session(&failing_with_dlq(false, DOWN, ""), &[(0, "{}")], &[DOWN]);
    assert_eq!(
        out.problems,
        ["sensor.yaml:14:5: error: to use dlqTrigger, trigger.atLeastOnce must be set to true (the controller refuses the Sensor)"]
    );
    assert_eq!(runs(&out.report), [("notify".to_string(), false, 0)]);
    assert_eq!(
        out.report.triggers[0].error.as_deref(),
        Some(
            "the Sensor is not running: to use dlqTrigger, trigger.atLeastOnce must be set to true"
        )
    );
}

#[test]
fn bad_rate_limits_are_diagnostics_at_their_place() {
    let with = |limit: &str| {
        sensor(&format!(
            "{}    rateLimit: {limit}\n",
            workflow_trigger("run-build", "build-", 4)
        ))
    };
    // 0 (or absent) divides by zero: the Sensor pod crashes, nothing fires.
    let out = session(&with("{requestsPerUnit: 0}"), &burst(2, 0), &[]);
    assert_eq!(
        out.problems,
        ["sensor.yaml:28:34: error: rateLimit.requestsPerUnit is 0: the Sensor pod divides by it and crashes (panic: runtime error: integer divide by zero)"]
    );
    assert!(out.report.workflows.is_empty());
    assert!(out.report.triggers.iter().all(|t| t
        .error
        .as_deref()
        .unwrap()
        .starts_with("the Sensor is not running: its pod crashed: panic: runtime error: integer divide by zero")));
    let out = session(&with("{unit: Second}"), &burst(1, 0), &[]);
    assert_eq!(
        out.problems,
        ["sensor.yaml:28:5: error: rateLimit has no requestsPerUnit: the Sensor pod divides by 0 and crashes (panic: runtime error: integer divide by zero)"]
    );
    assert!(out.report.workflows.is_empty());
    let out = session(&with("{requestsPerUnit: two}"), &burst(1, 0), &[]);
    assert_eq!(
        out.problems,
        ["sensor.yaml:28:34: error: rateLimit.requestsPerUnit must be an int32, not 'two'"]
    );
    // A negative rate never waits.
    let out = session(&with("{requestsPerUnit: -2}"), &burst(3, 0), &[]);
    assert_eq!(
        out.problems,
        ["sensor.yaml:28:34: warning: rateLimit.requestsPerUnit is -2: a negative rate never waits, so the trigger is not rate limited"]
    );
    assert!(out.report.workflows.iter().all(|w| w.started_at == 0));
    assert_eq!(out.report.workflows.len(), 3);
    // An unknown unit (they are case-sensitive) counts per second.
    let out = session(
        &with("{unit: minute, requestsPerUnit: 1}"),
        &burst(2, 0),
        &[],
    );
    assert_eq!(
        out.problems,
        ["sensor.yaml:28:23: warning: unknown rateLimit.unit 'minute' (Second, Minute or Hour, case-sensitive): argo-events counts per Second"]
    );
    let times: Vec<u64> = out.report.triggers.iter().map(|t| t.time).collect();
    assert_eq!(times, [0, 1000]);
}
