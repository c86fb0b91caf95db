//! Argo simulation tests: the source post's scenario end to end (and its RBAC failure), the
//! webhook server's answers, and fixture files in `fixtures/argo/` (one behaviour each; leading
//! `# event: SPEC` comments fire events one second apart, `# fire: TIME:SPEC` comments fire them
//! at those instants, otherwise Workflows are submitted) snapshotted as the phase table and the
//! diagnostics. `err_` fixtures must report an error or a failed trigger.

use std::fmt::Write;

use pipelab_core::argo::events::EventSpec;
use pipelab_core::argo::model::{lint, Manifests};
use pipelab_core::argo::run::{run, RunConfig, RunReport, Step};
use pipelab_core::argo::workflow::NodePhase;
use pipelab_core::diag::{render_short, Diagnostic, Sources};
use pipelab_core::examples;
use pipelab_core::yaml;

fn simulate(files: &[(&str, String)], events: &[&str]) -> (RunReport, Vec<Diagnostic>, Sources) {
    simulate_steps(files, events, Vec::new())
}

/// `pipelab run --fire TIME:SPEC...`: the events fired at their instants (in order when they
/// share one).
fn fired_at(fires: &[&str]) -> Vec<Step> {
    let mut timed: Vec<_> = fires
        .iter()
        .map(|f| EventSpec::parse_timed(f).unwrap())
        .collect();
    timed.sort_by_key(|(at, _)| *at);
    let mut steps = Vec::new();
    let mut now = 0;
    for (at, spec) in timed {
        if at > now {
            steps.push(Step::Wait(at - now));
            now = at;
        }
        steps.push(Step::FireNow(spec));
    }
    steps
}

fn simulate_steps(
    files: &[(&str, String)],
    events: &[&str],
    steps: Vec<Step>,
) -> (RunReport, Vec<Diagnostic>, Sources) {
    let mut sources = Sources::new();
    let mut diags = Vec::new();
    let mut docs = Vec::new();
    for (name, text) in files {
        let id = sources.add(*name, text.clone());
        let loaded = yaml::load(id, text);
        diags.extend(loaded.diagnostics);
        docs.extend(loaded.documents.into_iter().map(|d| (id, d.root)));
    }
    let ms = Manifests::from_documents(docs.iter().map(|(i, n)| (*i, n)), &mut diags);
    lint::lint(&ms, &mut diags);
    let config = RunConfig {
        events: events
            .iter()
            .map(|e| EventSpec::parse(e).unwrap())
            .collect(),
        steps,
        ..RunConfig::default()
    };
    let report = run(&ms, &config);
    diags.extend(report.diagnostics.iter().cloned());
    (report, diags, sources)
}

fn example_files() -> Vec<(&'static str, String)> {
    examples::find("argo-events-ml-pipeline")
        .unwrap()
        .files
        .iter()
        .map(|(n, t)| (*n, t.to_string()))
        .collect()
}

const POST: &str = r#"webhook/trigger={"model":"resnet","dataset":"imagenet"}"#;

#[test]
fn source_post_scenario_end_to_end() {
    let (report, diags, _) = simulate(&example_files(), &[POST]);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:?}");
    assert_eq!(report.events[0].status, 200);
    assert_eq!(report.triggers.len(), 1);
    assert!(report.triggers[0].fired, "{:?}", report.triggers[0]);
    assert_eq!(report.workflows.len(), 1);
    let wf = &report.workflows[0];
    let suffix = wf
        .name
        .strip_prefix("ml-pipeline-run-")
        .expect("generateName prefix");
    assert_eq!(suffix.len(), 5);
    assert_eq!(wf.phase.as_str(), "Succeeded");
    let train = wf.node_by_display("train-model").unwrap();
    let eval = wf.node_by_display("evaluate-model").unwrap();
    assert_eq!(train.phase, NodePhase::Succeeded);
    assert_eq!(train.logs, ["Training resnet..."]);
    assert_eq!(eval.phase, NodePhase::Succeeded);
    assert_eq!(eval.logs, ["Evaluating imagenet..."]);
    assert!(train.finished_at.unwrap() <= eval.started_at);
    assert_eq!(wf.nodes[0].node_type, "DAG");
    assert_eq!(train.name, format!("{}.train-model", wf.name));
}

#[test]
fn source_post_scenario_without_create_is_forbidden() {
    let files: Vec<_> = example_files()
        .into_iter()
        .map(|(n, t)| {
            let t = if n == "role.yaml" {
                t.replace(
                    r#"verbs: ["create", "get", "list", "watch", "update", "patch", "delete"]"#,
                    r#"verbs: ["get", "list", "watch", "update", "patch", "delete"]"#,
                )
            } else {
                t
            };
            (n, t)
        })
        .collect();
    assert_ne!(files, example_files());
    let (report, _, _) = simulate(&files, &[POST]);
    assert_eq!(report.workflows.len(), 0);
    let t = &report.triggers[0];
    assert!(!t.fired);
    assert_eq!(
        t.error.as_deref(),
        Some("workflows.argoproj.io is forbidden: User \"system:serviceaccount:argo-events:operate-workflow-sa\" cannot create resource \"workflows\" in API group \"argoproj.io\" in the namespace \"argo-events\"")
    );
}

#[test]
fn webhook_answers_like_the_server() {
    let (report, _, _) = simulate(
        &example_files(),
        &[r#"webhook/trigger={"model":@method:GET"#],
    );
    assert_eq!(report.events[0].status, 405);
    let (report, _, _) = simulate(&example_files(), &[r#"webhook/trigger={"model":"#]);
    assert_eq!(report.events[0].status, 400);
    assert!(report.workflows.is_empty() && report.triggers.is_empty());
}

/// A GitHub (or GitLab, Slack, ...) event listens where its `webhook:` block says, and answers
/// like a webhook: a wrong method is 405.
#[test]
fn service_webhooks_listen_where_their_webhook_block_says() {
    let github = "apiVersion: argoproj.io/v1alpha1
kind: EventSource
metadata: {name: gh}
spec:
  github:
    push:
      repositories: [{owner: o, names: [r]}]
      webhook: {endpoint: /push, port: '13000', method: PUT}
      events: ['*']
"
    .to_string();
    let (report, _, _) = simulate(&[("gh.yaml", github.clone())], &["gh/push={}@method:PUT"]);
    assert_eq!(report.events[0].status, 200);
    let (report, _, _) = simulate(&[("gh.yaml", github.clone())], &["gh/push={}"]);
    assert_eq!(report.events[0].status, 405);
    let doc = yaml::load(pipelab_core::diag::FileId(0), &github);
    let ms = Manifests::from_documents(
        doc.documents
            .iter()
            .map(|d| (pipelab_core::diag::FileId(0), &d.root)),
        &mut Vec::new(),
    );
    let es = pipelab_core::argo::model::EventSource::from_manifest(&ms.items[0]);
    let ev = &es.events[0];
    assert_eq!(
        (ev.endpoint.as_deref(), ev.port.as_deref()),
        (Some("/push"), Some("13000"))
    );
}

#[test]
fn sensor_without_event_bus_is_not_running() {
    let files: Vec<_> = example_files()
        .into_iter()
        .filter(|(n, _)| *n != "eventbus.yaml")
        .collect();
    let (report, _, _) = simulate(&files, &[POST]);
    assert!(report.workflows.is_empty());
    assert!(report.triggers[0]
        .error
        .as_deref()
        .unwrap()
        .contains("EventBus \"default\" not found"));
}

#[test]
fn missing_data_key_fails_the_trigger_unless_a_default_is_given() {
    let (report, _, _) = simulate(&example_files(), &[r#"webhook/trigger={"model":"resnet"}"#]);
    assert!(report.workflows.is_empty());
    assert_eq!(
        report.triggers[0].error.as_deref(),
        Some("key body.dataset does not exist in the event payload")
    );
    let files: Vec<_> = example_files()
        .into_iter()
        .map(|(n, t)| {
            (
                n,
                if n == "sensor.yaml" {
                    t.replace(
                        "dataKey: body.dataset",
                        "dataKey: body.dataset\n                value: fallback",
                    )
                } else {
                    t
                },
            )
        })
        .collect();
    let (report, _, _) = simulate(&files, &[r#"webhook/trigger={"model":"resnet"}"#]);
    let wf = &report.workflows[0];
    assert_eq!(
        wf.node_by_display("evaluate-model").unwrap().logs,
        ["Evaluating fallback..."]
    );
}

fn table(report: &RunReport, diags: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for e in &report.events {
        writeln!(out, "event {} -> {} {}", e.event, e.status, e.response).unwrap();
    }
    for t in &report.triggers {
        writeln!(
            out,
            "trigger {}/{}{} at {}s fired={} {}",
            t.sensor,
            t.trigger,
            t.dlq_of
                .as_ref()
                .map(|m| format!(" (dlqTrigger of {m})"))
                .unwrap_or_default(),
            t.time as f64 / 1000.0,
            t.fired,
            t.error.clone().unwrap_or_default()
        )
        .unwrap();
    }
    for w in &report.workflows {
        writeln!(
            out,
            "workflow {} {} {:?}",
            w.name,
            w.phase.as_str(),
            w.message
        )
        .unwrap();
        for n in &w.nodes {
            writeln!(
                out,
                "  {:<40} {:<9} {:<9} {:>5}-{:<5} {:?} {:?}",
                n.name,
                n.node_type,
                n.phase.as_str(),
                n.started_at as f64 / 1000.0,
                n.finished_at
                    .map(|f| (f as f64 / 1000.0).to_string())
                    .unwrap_or_else(|| "-".into()),
                n.message,
                n.logs
            )
            .unwrap();
        }
        writeln!(out, "  trace:").unwrap();
        for t in &w.trace.entries {
            writeln!(
                out,
                "    {:>6} {} {}={}",
                t.time as f64 / 1000.0,
                t.subject,
                t.what,
                t.value
            )
            .unwrap();
        }
    }
    for d in diags {
        writeln!(out, "{}", render_short(d, sources)).unwrap();
    }
    out
}

#[test]
fn fixtures() {
    insta::glob!("fixtures/argo/*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let events: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# event: "))
            .collect();
        let fires: Vec<&str> = text
            .lines()
            .filter_map(|l| l.strip_prefix("# fire: "))
            .collect();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (report, diags, sources) =
            simulate_steps(&[(name.as_str(), text.clone())], &events, fired_at(&fires));
        let failed = diags.iter().any(|d| d.is_error())
            || report.triggers.iter().any(|t| !t.fired)
            || report
                .workflows
                .iter()
                .any(|w| w.phase.as_str() != "Succeeded");
        assert_eq!(
            failed,
            name.starts_with("err_"),
            "{name}: err_ prefix must match the outcome"
        );
        insta::assert_snapshot!(table(&report, &diags, &sources));
    });
}

/// `../shared/corpus/argo/events-expected.tsv`, the scenarios that only fire events: each step
/// fires an event and checks how many times each trigger has fired so far (the others are
/// scripted sessions, below).
fn corpus_events(files: &[&str], events: &[&str]) -> RunReport {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/argo/events-e2e");
    let mut all: Vec<(&str, String)> = files
        .iter()
        .map(|f| (*f, std::fs::read_to_string(root.join(f)).unwrap()))
        .collect();
    // The e2e suite installs the EventBus before each test.
    all.push(("eventbus.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: default\nspec:\n  jetstream: {}\n".into()));
    simulate(&all, events).0
}

fn fired(report: &RunReport, trigger: &str) -> usize {
    report
        .triggers
        .iter()
        .filter(|t| t.trigger == trigger && t.fired)
        .count()
}

#[test]
fn events_e2e_multi_dependency_conditions() {
    let files = ["es-multi-dep.yaml", "sensor-multi-dep.yaml"];
    let steps = [
        "e2e-multi-dep/example1={}",
        "e2e-multi-dep/example2={}",
        "e2e-multi-dep/example2={}",
        "e2e-multi-dep/example3={}",
    ];
    // (log-trigger-1, log-trigger-2) after each step.
    let want = [(0, 1), (1, 1), (1, 1), (2, 1)];
    for n in 1..=steps.len() {
        let report = corpus_events(&files, &steps[..n]);
        assert_eq!(
            (
                fired(&report, "log-trigger-1"),
                fired(&report, "log-trigger-2")
            ),
            want[n - 1],
            "after step {n}"
        );
    }
}

#[test]
fn events_e2e_webhook_and_invalid_json() {
    let files = ["es-test-metrics-webhook.yaml", "sensor-test-metrics.yaml"];
    let report = corpus_events(
        &files,
        &[
            "e2e-test-metrics-webhook/example={}",
            "e2e-test-metrics-webhook/example=Invalid JSON",
        ],
    );
    assert_eq!(report.events[0].status, 200);
    assert_eq!(report.events[1].status, 400);
    assert_eq!(report.events[1].payload, None);
    assert_eq!(fired(&report, "log-trigger"), 1);
}

#[test]
fn events_e2e_calendar_and_duplicate_dependencies() {
    let report = corpus_events(
        &["es-calendar.yaml", "sensor-log.yaml"],
        &["calendar:e2e-calendar/example"],
    );
    assert!(fired(&report, "log-trigger") >= 1);
    let report = corpus_events(
        &["es-calendar-metadata.yaml", "sensor-duplicate-deps.yaml"],
        &["calendar:e2e-calendar-metadata/example"],
    );
    assert_eq!(fired(&report, "log-trigger"), 1);
    let report = corpus_events(
        &[
            "es-calendar-metadata.yaml",
            "sensor-duplicate-deps-filter.yaml",
        ],
        &["calendar:e2e-calendar-metadata/example"],
    );
    assert_eq!(fired(&report, "log-trigger"), 0);
}

#[test]
fn workflow_without_workflowtaskresults_rights_errors_like_the_executor() {
    let files: Vec<_> = example_files()
        .into_iter()
        .map(|(n, t)| {
            let t = if n == "role.yaml" {
                t.replace(
                    "resources: [\"workflowtaskresults\"]",
                    "resources: [\"configmaps/other\"]",
                )
            } else {
                t
            };
            (n, t)
        })
        .collect();
    let (report, _, _) = simulate(&files, &[POST]);
    assert!(report.triggers[0].fired);
    let wf = &report.workflows[0];
    assert_eq!(wf.phase.as_str(), "Error");
    let train = wf.node_by_display("train-model").unwrap();
    assert_eq!(train.phase, NodePhase::Error);
    assert_eq!(
        train.message,
        "workflowtaskresults.argoproj.io is forbidden: User \"system:serviceaccount:argo-events:operate-workflow-sa\" cannot create resource \"workflowtaskresults\" in API group \"argoproj.io\" in the namespace \"argo-events\""
    );
    assert!(wf
        .node_by_display("evaluate-model")
        .is_some_and(|n| n.phase == NodePhase::Omitted));
}

#[test]
fn trigger_level_parameters_change_the_trigger_template() {
    let files: Vec<_> = example_files()
        .into_iter()
        .map(|(n, t)| {
            let t = if n == "sensor.yaml" {
                t.replace(
                    "    - template:\n        name: trigger-ml-pipeline",
                    "    - parameters:\n        - src: {dependencyName: training-event, dataKey: body.model}\n          dest: k8s.source.resource.metadata.generateName\n          operation: prepend\n      template:\n        name: trigger-ml-pipeline",
                )
            } else {
                t
            };
            (n, t)
        })
        .collect();
    assert_ne!(files, example_files());
    let (report, _, _) = simulate(&files, &[POST]);
    assert!(
        report.workflows[0]
            .name
            .starts_with("resnetml-pipeline-run-"),
        "{}",
        report.workflows[0].name
    );
}

// Scripted sessions over the argo-events e2e scenarios that restart Sensors, watch Kubernetes
// objects or let time pass (`RunConfig::steps`). What argo-events does on its JetStream bus, as
// read in `pkg/eventbus/jetstream/sensor/{sensor_jetstream,trigger_conn}.go` and
// `pkg/sensors/listener.go` (the engine's `argo::events::bus` says it at length):
// - every trigger has a durable pull consumer per subject, created with `DeliverNew()`: a Sensor
//   created after an event was published never sees it, while a Sensor restarted under the same
//   name resumes its consumers (events published while it was down, and messages it never
//   acked, are delivered to the new pod);
// - the dependencies a trigger has seen are saved in a K/V bucket named after the Sensor, which
//   outlives the Sensor; on start, `setStateToSpec` purges a trigger's saved dependencies (and
//   consumers) when its `conditions` text changed, and a dependency's when its definition did;
// - a message is acked when processing returns; an `atLeastOnce: true` trigger runs inside
//   processing (with its retryStrategy), so a trigger that keeps failing leaves the message
//   un-acked and the replacement Sensor gets it again; otherwise the trigger runs in the
//   background and the message is acked at once (at most once).

/// One step of a scenario, naming corpus files instead of file ids.
#[derive(Clone)]
enum Do {
    Post(&'static str),
    /// `kubectl apply -f` of a corpus file (loaded again under its own name for this step).
    Apply(&'static str),
    /// `kubectl apply -f` of an edited manifest.
    ApplyText(&'static str, String),
    DeleteSensor(&'static str),
    Create(serde_json::Value),
    Delete(serde_json::Value),
    Wait(u64),
}

/// The e2e suite's outside world: `https://invalid.com/` does not answer.
fn unreachable() -> Vec<(String, String)> {
    vec![(
        "https://invalid.com/".into(),
        "Get \"https://invalid.com/\": dial tcp: lookup invalid.com: no such host".into(),
    )]
}

/// Plays `steps` on a cluster holding the EventBus and the `initial` corpus files (each
/// `(name, text)` so a scenario may edit one).
fn play(initial: &[(&str, String)], steps: &[Do]) -> RunReport {
    let mut sources = Sources::new();
    let mut diags = Vec::new();
    let mut docs = Vec::new();
    let mut add = |name: String, text: String, docs: &mut Vec<_>, diags: &mut Vec<_>| {
        let id = sources.add(name, text.clone());
        let loaded = yaml::load(id, &text);
        diags.extend(loaded.diagnostics);
        docs.extend(loaded.documents.into_iter().map(|d| (id, d.root)));
        id
    };
    add(
        "eventbus.yaml".into(),
        "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: default\nspec:\n  jetstream: {}\n".into(),
        &mut docs,
        &mut diags,
    );
    for (name, text) in initial {
        add(name.to_string(), text.clone(), &mut docs, &mut diags);
    }
    let mut core_steps = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        core_steps.push(match s {
            Do::Post(spec) => Step::Fire(EventSpec::parse(spec).unwrap()),
            Do::Apply(file) => Step::Apply(add(
                format!("{file}#{i}"),
                corpus_file(file),
                &mut docs,
                &mut diags,
            )),
            Do::ApplyText(file, text) => Step::Apply(add(
                format!("{file}#{i}"),
                text.clone(),
                &mut docs,
                &mut diags,
            )),
            Do::DeleteSensor(name) => Step::DeleteSensor(name.to_string()),
            Do::Create(o) => Step::CreateObject(o.clone()),
            Do::Delete(o) => Step::DeleteObject(o.clone()),
            Do::Wait(secs) => Step::Wait(secs * 1000),
        });
    }
    let ms = Manifests::from_documents(docs.iter().map(|(i, n)| (*i, n)), &mut diags);
    let report = run(
        &ms,
        &RunConfig {
            steps: core_steps,
            http_errors: unreachable(),
            ..RunConfig::default()
        },
    );
    assert!(
        report.diagnostics.iter().all(|d| !d.is_error()),
        "{:?}",
        report.diagnostics
    );
    report
}

fn corpus_file(name: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/argo/events-e2e");
    std::fs::read_to_string(root.join(name)).unwrap()
}

fn corpus_files(names: &[&'static str]) -> Vec<(&'static str, String)> {
    names.iter().map(|n| (*n, corpus_file(n))).collect()
}

/// How many times `sensor`'s `trigger` fired.
fn fired_in(report: &RunReport, sensor: &str, trigger: &str) -> usize {
    report
        .triggers
        .iter()
        .filter(|t| t.sensor == sensor && t.trigger == trigger && t.fired)
        .count()
}

/// Plays every prefix of `steps` and checks `count` after each step against `want`.
fn step_by_step<T: PartialEq + std::fmt::Debug>(
    initial: &[(&str, String)],
    steps: &[Do],
    want: &[T],
    count: impl Fn(&RunReport) -> T,
) {
    assert_eq!(steps.len(), want.len());
    for n in 1..=steps.len() {
        let report = play(initial, &steps[..n]);
        assert_eq!(count(&report), want[n - 1], "after step {n}");
    }
}

#[test]
fn events_e2e_calendar_with_ha_ticks_once_per_interval() {
    // TestCreateCalendarEventSourceWithHA: two replicas, one leader publishes each tick.
    for (es, sensor, name, interval, wait) in [
        (
            "es-calendar-ha.yaml",
            "sensor-log-ha.yaml",
            "e2e-log-ha",
            10,
            25,
        ),
        (
            "es-calendar-ha-k8s.yaml",
            "sensor-log-ha-k8s.yaml",
            "e2e-log-ha-k8s",
            2,
            5,
        ),
    ] {
        let files = corpus_files(&[es, sensor]);
        let ticks = wait / interval;
        assert!(ticks >= 1);
        step_by_step(&files, &[Do::Wait(wait)], &[ticks as usize], |r| {
            fired_in(r, name, "log-trigger")
        });
        let report = play(&files, &[Do::Wait(wait)]);
        assert_eq!(report.events.len(), ticks as usize, "{es}");
        assert_eq!(report.events[0].time, interval * 1000);
    }
}

#[test]
fn events_e2e_metrics_with_calendar() {
    // TestMetricsWithCalendar (the metrics endpoints are not simulated).
    let files = corpus_files(&["es-calendar-metrics.yaml", "sensor-log-metrics.yaml"]);
    step_by_step(&files, &[Do::Wait(9), Do::Wait(2)], &[0, 1], |r| {
        fired_in(r, "e2e-log-metrics", "log-trigger")
    });
}

#[test]
fn events_e2e_metrics_with_webhook_http_trigger_fails() {
    // TestMetricsWithWebhook step 1: the log trigger succeeds, the http trigger to
    // https://invalid.com/ fails; step 2: invalid JSON is a 400 and publishes nothing.
    let files = corpus_files(&["es-test-metrics-webhook.yaml", "sensor-test-metrics.yaml"]);
    let steps = [
        Do::Post("e2e-test-metrics-webhook/example={}"),
        Do::Post("e2e-test-metrics-webhook/example=Invalid JSON"),
    ];
    step_by_step(&files, &steps, &[(1, 0, 1), (1, 0, 1)], |r| {
        let failed = r
            .triggers
            .iter()
            .filter(|t| t.trigger == "http-trigger" && t.error.is_some())
            .count();
        (
            fired_in(r, "e2e-test-metrics", "log-trigger"),
            fired_in(r, "e2e-test-metrics", "http-trigger"),
            failed,
        )
    });
    let report = play(&files, &steps);
    assert_eq!(
        report.events.iter().map(|e| e.status).collect::<Vec<_>>(),
        [200, 400]
    );
    assert_eq!(
        report
            .triggers
            .iter()
            .find(|t| t.trigger == "http-trigger")
            .and_then(|t| t.error.as_deref()),
        Some("Get \"https://invalid.com/\": dial tcp: lookup invalid.com: no such host")
    );
}

fn pod(name: &str) -> serde_json::Value {
    serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "argo-events"},
        "spec": {"containers": [{"name": "main", "image": "alpine"}]},
    })
}

#[test]
fn events_e2e_resource_event_source() {
    // TestResourceEventSource: eventTypes [DELETE], fields metadata.name == test-pod,
    // afterStart. Creating the pod publishes nothing; deleting it fires the log trigger.
    let files = corpus_files(&["es-resource.yaml", "sensor-resource.yaml"]);
    let steps = [Do::Create(pod("test-pod")), Do::Delete(pod("test-pod"))];
    step_by_step(&files, &steps, &[0, 1], |r| {
        fired_in(r, "e2e-resource-log", "log-trigger")
    });
    let report = play(&files, &steps);
    let data = &report.events[0].payload.as_ref().unwrap()["data"];
    assert_eq!(data["type"], "DELETE");
    assert_eq!(data["body"]["metadata"]["name"], "test-pod");
    assert!(data["body"]["metadata"]["deletionTimestamp"].is_string());
    assert_eq!(
        (&data["group"], &data["version"], &data["resource"]),
        (&"".into(), &"v1".into(), &"pods".into())
    );
    // Another pod does not pass the field filter.
    let other = [Do::Create(pod("other-pod")), Do::Delete(pod("other-pod"))];
    assert_eq!(
        fired_in(&play(&files, &other), "e2e-resource-log", "log-trigger"),
        0
    );
    // afterStart: a pod that existed before the EventSource started is listed by the informer
    // as added, with its (earlier) creation time, and dropped; without afterStart it fires.
    for (after_start, want) in [("afterStart: true", 0), ("afterStart: false", 1)] {
        let es = corpus_file("es-resource.yaml")
            .replace("- DELETE", "- ADD")
            .replace("afterStart: true", after_start);
        let sensor = corpus_files(&["sensor-resource.yaml"]);
        let report = play(
            &sensor,
            &[
                Do::Create(pod("test-pod")),
                Do::ApplyText("es-resource-add.yaml", es),
            ],
        );
        assert_eq!(
            fired_in(&report, "e2e-resource-log", "log-trigger"),
            want,
            "{after_start}"
        );
    }
}

#[test]
fn events_e2e_durable_consumer() {
    // TestDurableConsumer: dep-1 is saved on the bus; the Sensor is deleted and created again
    // with the same spec; dep-2 then completes `(test-dep-1 && test-dep-2) || test-dep-3`.
    let files = corpus_files(&["es-durable-consumer.yaml", "sensor-durable-consumer.yaml"]);
    let count = |r: &RunReport| {
        (
            fired_in(r, "e2e-durable-consumer", "log-trigger-1"),
            fired_in(r, "e2e-durable-consumer", "log-trigger-2"),
        )
    };
    let steps = [
        Do::Post("e2e-durable-consumer/example1={}"),
        Do::DeleteSensor("e2e-durable-consumer"),
        Do::Apply("sensor-durable-consumer.yaml"),
        Do::Post("e2e-durable-consumer/example2={}"),
    ];
    step_by_step(&files, &steps, &[(0, 1), (0, 1), (0, 1), (1, 1)], count);
    // The consumer is durable: an event published while the Sensor is down reaches the new pod.
    let down = [
        Do::Post("e2e-durable-consumer/example1={}"),
        Do::DeleteSensor("e2e-durable-consumer"),
        Do::Post("e2e-durable-consumer/example2={}"),
        Do::Apply("sensor-durable-consumer.yaml"),
    ];
    step_by_step(&files, &down, &[(0, 1), (0, 1), (0, 1), (1, 1)], count);
}

#[test]
fn events_e2e_multiple_sensors() {
    // TestMultipleSensors and TestMultipleSensorAtLeastOnceTrigger: sensor B starts after dep-1
    // was published, so its new consumers (DeliverNew) never see it; dep-2 completes A only.
    for (a, b, name_a, name_b, trigger) in [
        (
            "sensor-multi-sensor.yaml",
            "sensor-multi-sensor-2.yaml",
            "e2e-multi-sensor",
            "e2e-multi-sensor-2",
            "log-trigger-1",
        ),
        (
            "sensor-multi-sensor-atleastonce.yaml",
            "sensor-multi-sensor-2-atleastonce.yaml",
            "e2e-multi-sensor-atleastonce",
            "e2e-multi-sensor-2-atleastonce",
            "log-trigger-1-atleastonce",
        ),
    ] {
        let files = corpus_files(&["es-multi-sensor.yaml", a]);
        let steps = [
            Do::Post("e2e-multi-sensor/example1={}"),
            Do::Apply(b),
            Do::Post("e2e-multi-sensor/example2={}"),
        ];
        step_by_step(&files, &steps, &[(0, 0), (0, 0), (1, 0)], |r| {
            (fired_in(r, name_a, trigger), fired_in(r, name_b, trigger))
        });
        // B does see what is published after it started: dep-3 alone fires both.
        let mut more = steps.to_vec();
        more.push(Do::Post("e2e-multi-sensor/example3={}"));
        let r = play(&files, &more);
        assert_eq!(
            (fired_in(&r, name_a, trigger), fired_in(&r, name_b, trigger)),
            (2, 1),
            "{b}"
        );
    }
}

#[test]
fn events_e2e_at_least_once_and_at_most_once() {
    // TestAtLeastOnce: the http trigger fails and keeps retrying (100 steps from 500s), so the
    // message stays un-acked; the replacement Sensor (same name, trigger and dependency) gets it
    // again and its log trigger fires. TestAtMostOnce: the same without atLeastOnce — the
    // message was acked before the trigger ran, so the replacement never fires.
    for (fail, succeed, sensor, trigger, want) in [
        (
            "sensor-atleastonce-fail.yaml",
            "sensor-atleastonce-succeed.yaml",
            "e2e-atleastonce-sensor",
            "trigger-atleastonce",
            1,
        ),
        (
            "sensor-atmostonce-fail.yaml",
            "sensor-atmostonce-succeed.yaml",
            "e2e-atmostonce-sensor",
            "trigger-atmostonce",
            0,
        ),
    ] {
        let files = corpus_files(&["es-webhook.yaml", fail]);
        let steps = [Do::Post("e2e-webhook/example={}"), Do::Apply(succeed)];
        step_by_step(&files, &steps, &[(0, 1), (want, 1)], |r| {
            let failed = r
                .triggers
                .iter()
                .filter(|t| t.sensor == sensor && t.trigger == trigger && t.error.is_some())
                .count();
            (fired_in(r, sensor, trigger), failed)
        });
    }
}

#[test]
fn events_e2e_trigger_spec_change() {
    // TestTriggerSpecChange as the corpus has it: the Sensors' dependencies name EventSource
    // `e2e-multi-event-webhook`, not the `e2e-trigger-spec-change` the test creates, so nothing
    // reaches them: log-trigger-1 x0 at every step.
    let steps = [
        Do::Post("e2e-trigger-spec-change/example1={}"),
        Do::Apply("sensor-trigger-spec-change-2.yaml"),
        Do::Post("e2e-trigger-spec-change/example3={}"),
    ];
    let count = |r: &RunReport| fired_in(r, "e2e-trigger-spec-change", "log-trigger-1");
    let files = corpus_files(&[
        "es-trigger-spec-change.yaml",
        "sensor-trigger-spec-change.yaml",
    ]);
    step_by_step(&files, &steps, &[0, 0, 0], count);
    // With the dependencies pointed at the EventSource, the scenario tests what its name says:
    // the condition changed to `test-dep-1 && test-dep-2`, so the saved dep-1 was purged and
    // dep-3 then dep-2 fire nothing; with the spec unchanged, dep-2 completes the saved dep-1.
    let fixed = |name: &str| {
        corpus_file(name).replace("e2e-multi-event-webhook", "e2e-trigger-spec-change")
    };
    let files = vec![
        (
            "es-trigger-spec-change.yaml",
            corpus_file("es-trigger-spec-change.yaml"),
        ),
        (
            "sensor-trigger-spec-change.yaml",
            fixed("sensor-trigger-spec-change.yaml"),
        ),
    ];
    let changed = [
        Do::Post("e2e-trigger-spec-change/example1={}"),
        Do::ApplyText(
            "sensor-trigger-spec-change-2.yaml",
            fixed("sensor-trigger-spec-change-2.yaml"),
        ),
        Do::Post("e2e-trigger-spec-change/example3={}"),
        Do::Post("e2e-trigger-spec-change/example2={}"),
    ];
    step_by_step(&files, &changed, &[0, 0, 0, 0], count);
    let restarted_same = [
        Do::Post("e2e-trigger-spec-change/example1={}"),
        Do::DeleteSensor("e2e-trigger-spec-change"),
        Do::ApplyText(
            "sensor-trigger-spec-change.yaml",
            fixed("sensor-trigger-spec-change.yaml"),
        ),
        Do::Post("e2e-trigger-spec-change/example2={}"),
    ];
    step_by_step(&files, &restarted_same, &[0, 0, 0, 1], count);
}

/// `memoize`, as Argo's TestStepLevelMemoize and the memoize-simple example: the second step
/// with the same key is a cache hit (Succeeded at once, `memoizationStatus.hit`, the first
/// one's outputs); a ConfigMap entry of the workspace is used while it is younger than
/// `maxAge` (the simulated clock starts at 2025-01-01T00:00:00Z).
#[test]
fn memoize_hits_the_cache_within_max_age() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/argo");
    let steps =
        std::fs::read_to_string(root.join("e2e-inline/functional_test__TestStepLevelMemoize.yaml"))
            .unwrap();
    let (report, _, _) = simulate(&[("steps.yaml", steps)], &[]);
    let wf = &report.workflows[0];
    assert_eq!(wf.phase.as_str(), "Succeeded");
    let first = wf.node_by_display("hello1").unwrap();
    let second = wf.node_by_display("hello2a").unwrap();
    assert!(!first.memoization_status.as_ref().unwrap().hit);
    let hit = second.memoization_status.as_ref().unwrap();
    assert!(hit.hit);
    assert_eq!(
        (hit.key.as_str(), hit.cache_name.as_str()),
        ("hello1", "my-config-memo-step")
    );
    // That template's output reads `valueFrom: {Parameter: ...}`, which Argo takes for
    // `parameter` (Go's encoding/json matches field names ignoring case): the first step's
    // output is its child's result, and the hit carries it.
    assert_eq!(first.outputs.parameters["output"], "hello1");
    assert_eq!(second.outputs.parameters["output"], "hello1");
    let dag =
        std::fs::read_to_string(root.join("e2e-inline/functional_test__TestDAGLevelMemoize.yaml"))
            .unwrap();
    let (report, diags, sources) = simulate(&[("dag.yaml", dag)], &[]);
    let wf = &report.workflows[0];
    assert_eq!(
        wf.node_by_display("hello2a").unwrap().outputs.parameters["output"],
        "hello1"
    );
    let case = diags.iter().find(|d| d.code == "argo-field-case").unwrap();
    assert_eq!(
        pipelab_core::diag::render_short(case, &sources),
        "dag.yaml:38:13: warning: \"Parameter\" is read as \"parameter\": Argo decodes manifests with Go's encoding/json, which matches field names ignoring case"
    );
    // The cached outputs of a pod.
    let pods = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: memo-pods\nspec:\n  entrypoint: main\n  templates:\n  - name: main\n    steps:\n    - - {name: a, template: say, arguments: {parameters: [{name: m, value: first}]}}\n    - - {name: b, template: say, arguments: {parameters: [{name: m, value: second}]}}\n  - name: say\n    inputs: {parameters: [{name: m}]}\n    memoize:\n      key: same\n      cache: {configMap: {name: c}}\n    container: {image: alpine, command: [echo, '{{inputs.parameters.m}}']}\n";
    let (report, _, _) = simulate(&[("pods.yaml", pods.to_string())], &[]);
    let wf = &report.workflows[0];
    let (a, b) = (
        wf.node_by_display("a").unwrap(),
        wf.node_by_display("b").unwrap(),
    );
    assert_eq!(a.outputs.result.as_deref(), Some("first"));
    // The same key: b's outputs are a's, though b was asked to say "second".
    assert_eq!(b.outputs.result.as_deref(), Some("first"));
    assert!(b.memoization_status.as_ref().unwrap().hit);
    assert!(b.logs.is_empty(), "a hit runs no container");
    assert_eq!(second.started_at, second.finished_at.unwrap());
    assert!(second.children.is_empty(), "a hit runs nothing");

    let simple = std::fs::read_to_string(root.join("workflows/memoize-simple.yaml")).unwrap();
    let cache = |stamp: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cache-config\ndata:\n  cache-key: '{{\"nodeID\":\"memoized-hdckj\",\"outputs\":{{\"parameters\":[{{\"name\":\"hello\",\"value\":\"different world\"}}],\"exitCode\":\"0\"}},\"creationTimestamp\":\"{stamp}\"}}'\n"
        )
    };
    let hello = |stamp: &str| {
        let (report, _, _) = simulate(
            &[("wf.yaml", simple.clone()), ("cm.yaml", cache(stamp))],
            &[],
        );
        let n = &report.workflows[0].nodes[0];
        (
            n.outputs.parameters["hello"].clone(),
            n.memoization_status.as_ref().unwrap().hit,
        )
    };
    // Fresh (5 s before the run started, maxAge 10s): the cached value; stale: it runs.
    assert_eq!(
        hello("2024-12-31T23:59:55Z"),
        ("different world".into(), true)
    );
    assert_eq!(hello("2021-10-12T15:14:04Z"), ("world".into(), false));
}

/// Argo's memoization caches live in ConfigMaps, so they outlive a Workflow: the source post's
/// pipeline with `train` memoized on its model, fired three times. The second event (same
/// model, 60 s later) is a hit and runs no pod; the third (another model) misses; both
/// Workflows still run `evaluate`.
#[test]
fn memoize_hits_across_workflows() {
    let example = examples::find("argo-events-ml-pipeline").unwrap();
    let files: Vec<(&str, String)> = example
        .files
        .iter()
        .map(|(n, t)| {
            let t = t.replace(
                "    - name: train\n      inputs:",
                "    - name: train\n      memoize:\n        key: \"train-{{inputs.parameters.model}}\"\n        cache:\n          configMap:\n            name: ml-cache\n      inputs:",
            );
            (*n, t)
        })
        .collect();
    assert!(files.iter().any(|(_, t)| t.contains("ml-cache")));
    let fires = fired_at(&[
        r#"0:webhook/trigger={"model":"resnet","dataset":"imagenet"}"#,
        r#"60:webhook/trigger={"model":"resnet","dataset":"cifar"}"#,
        r#"120:webhook/trigger={"model":"bert","dataset":"imagenet"}"#,
    ]);
    let (report, _, _) = simulate_steps(&files, &[], fires);
    assert_eq!(report.workflows.len(), 3);
    let train = |w: usize| {
        let wf = &report.workflows[w];
        assert_eq!(wf.phase.as_str(), "Succeeded", "{}", wf.name);
        assert!(wf.node_by_display("evaluate-model").is_some());
        let n = wf.node_by_display("train-model").unwrap().clone();
        let status = n.memoization_status.clone().unwrap();
        (status.hit, status.key, n.logs, n.outputs.result)
    };
    let (hit, key, logs, _) = train(0);
    assert!(!hit);
    assert_eq!(key, "train-resnet");
    assert_eq!(logs, ["Training resnet..."]);
    let (hit, key, logs, result) = train(1);
    assert!(hit, "the second workflow hits the first one's entry");
    assert_eq!(key, "train-resnet");
    assert!(logs.is_empty(), "a hit runs no pod");
    assert_eq!(result.as_deref(), Some("Training resnet..."));
    let (hit, key, logs, _) = train(2);
    assert!(!hit);
    assert_eq!(key, "train-bert");
    assert_eq!(logs, ["Training bert..."]);
}

/// An argoWorkflow trigger's operations other than submit act on the Workflow its resource
/// names (argo-events runs `argo OPERATION NAME` as the Sensor's service account): a POST
/// terminates a running Workflow, another resubmits it.
#[test]
fn argo_workflow_triggers_terminate_and_resubmit_the_named_workflow() {
    let sensor = |operation: &str| {
        format!(
            "apiVersion: argoproj.io/v1alpha1
kind: Sensor
metadata:
  name: ops
spec:
  dependencies:
  - name: dep
    eventSourceName: hooks
    eventName: ops
  triggers:
  - template:
      name: {operation}-it
      argoWorkflow:
        operation: {operation}
        source:
          resource:
            apiVersion: argoproj.io/v1alpha1
            kind: Workflow
            metadata:
              name: placeholder
        parameters:
        - src: {{dependencyName: dep, dataKey: body.name}}
          dest: metadata.name
"
        )
    };
    let files = |operation: &str| {
        vec![
            ("eventbus.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: EventBus\nmetadata:\n  name: default\nspec:\n  jetstream: {}\n".to_string()),
            ("es.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: EventSource\nmetadata:\n  name: hooks\nspec:\n  webhook:\n    ops:\n      port: \"12000\"\n      endpoint: /ops\n      method: POST\n".to_string()),
            ("sensor.yaml", sensor(operation)),
            // The Sensor's service account may create and update Workflows (`argo resubmit`
            // creates, the other operations update).
            ("rbac.yaml", "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: ops\n  namespace: default\nrules:\n- apiGroups: [argoproj.io]\n  resources: [workflows]\n  verbs: [create, update]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: ops\n  namespace: default\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: Role\n  name: ops\nsubjects:\n- kind: ServiceAccount\n  name: default\n  namespace: default\n".to_string()),
            ("wf.yaml", "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: long-job\nspec:\n  entrypoint: main\n  templates:\n  - name: main\n    container:\n      image: alpine\n      command: [sh, -c, 'sleep 60']\n".to_string()),
        ]
    };
    let play_ops = |operation: &str, body: &str| {
        let mut sources = Sources::new();
        let mut diags = Vec::new();
        let mut docs = Vec::new();
        for (name, text) in files(operation) {
            let id = sources.add(name, text.clone());
            docs.extend(
                yaml::load(id, &text)
                    .documents
                    .into_iter()
                    .map(|d| (id, d.root)),
            );
        }
        let ms = Manifests::from_documents(docs.iter().map(|(i, n)| (*i, n)), &mut diags);
        run(
            &ms,
            &RunConfig {
                steps: vec![
                    Step::Submit,
                    Step::Wait(5_000),
                    Step::Fire(EventSpec::parse(&format!("hooks/ops={body}")).unwrap()),
                ],
                ..RunConfig::default()
            },
        )
    };
    let report = play_ops("terminate", r#"{"name":"long-job"}"#);
    let t = &report.triggers[0];
    assert!(t.fired, "{:?}", t.error);
    assert_eq!(t.workflow.as_deref(), Some("long-job"));
    let wf = &report.workflows[0];
    assert_eq!(wf.phase.as_str(), "Failed");
    assert_eq!(wf.message, "Stopped with strategy 'Terminate'");

    // A name that does not exist: the trigger fails as the argo CLI would.
    let report = play_ops("terminate", r#"{"name":"nope"}"#);
    assert!(!report.triggers[0].fired);
    assert!(report.triggers[0]
        .error
        .as_deref()
        .unwrap()
        .contains("\"nope\" not found"));

    let report = play_ops("resubmit", r#"{"name":"long-job"}"#);
    assert!(report.triggers[0].fired);
    assert_eq!(report.workflows.len(), 2);
    assert!(report.workflows[1].name.starts_with("long-job-"));
}

/// The map-reduce example (workflows/map-reduce.yaml) end to end: `split` (Python: a loop
/// writing one JSON file per part, `json.dump` of the part IDs to stdout) saves its directory
/// file by file (`archive: none`) under a key-only S3 location; each `map` reads its part from
/// that location, and `reduce` reads the directory of results and sums them, as Argo runs it.
#[test]
fn map_reduce_passes_artifacts_through_keys() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/argo");
    let text = std::fs::read_to_string(root.join("workflows/map-reduce.yaml")).unwrap();
    let (report, _, _) = simulate(&[("map-reduce.yaml", text)], &[]);
    let wf = &report.workflows[0];
    assert_eq!(wf.phase.as_str(), "Succeeded", "{}", wf.message);
    let split = wf.node_by_display("split").unwrap();
    assert_eq!(
        split.outputs.result.as_deref(),
        Some(r#"["0", "1", "2", "3"]"#)
    );
    for (i, bar) in [(0, 2), (3, 8)] {
        let map = wf.node_by_display(&format!("map({i}:{i})")).unwrap();
        assert_eq!(map.outputs.artifacts["part"], format!("{{\"bar\": {bar}}}"));
    }
    let reduce = wf.node_by_display("reduce").unwrap();
    assert_eq!(reduce.outputs.artifacts["total"], r#"{"total": 20}"#);
}
