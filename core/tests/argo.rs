//! Argo simulation tests: the source post's scenario end to end (and its RBAC failure), the
//! webhook server's answers, and fixture files in `fixtures/argo/` (one behaviour each; leading
//! `# event: SPEC` comments fire events, otherwise Workflows are submitted) snapshotted as the
//! phase table and the diagnostics. `err_` fixtures must report an error or a failed trigger.

use std::fmt::Write;

use pipelab_core::argo::events::EventSpec;
use pipelab_core::argo::model::{lint, Manifests};
use pipelab_core::argo::run::{run, RunConfig, RunReport};
use pipelab_core::argo::workflow::NodePhase;
use pipelab_core::diag::{render_short, Diagnostic, Sources};
use pipelab_core::examples;
use pipelab_core::yaml;

fn simulate(files: &[(&str, String)], events: &[&str]) -> (RunReport, Vec<Diagnostic>, Sources) {
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
            "trigger {}/{} fired={} {}",
            t.sensor,
            t.trigger,
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
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let (report, diags, sources) = simulate(&[(name.as_str(), text.clone())], &events);
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

/// `../shared/corpus/argo/events-expected.tsv`, the scenarios that need no cluster restarts:
/// each step fires an event and checks how many times each trigger has fired so far.
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
