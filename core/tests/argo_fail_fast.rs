//! A template's own `failFast` (not `dag.failFast`), as Argo's `checkParallelism` applies it
//! (workflow/controller/operator.go, v3.5+/v4; node counters in `getUnsuccessfulChildrenCounter`
//! and `getActivePodsCounter`): once a Pod, HTTP, Steps or DAG node of a steps or DAG template's
//! boundary has Failed or Errored, no new child starts; the children already running go on, and
//! when no pod of the boundary is active the node fails with "template has failed or errored
//! children and failFast enabled" (for steps, its last step group too). `Template.IsFailFast`
//! is true only when `failFast: true` is written; `parallelism` is not required.
//! The corpus rows (argo-more-expected.tsv) cover TestWorkflowParallelismStepFailFast,
//! TestWorkflowParallelismDAGFailFast and examples/loops-arbitrary-sequential-steps.yaml.

use pipelab_core::argo::model::Manifests;
use pipelab_core::argo::run::{run, RunConfig, RunReport};
use pipelab_core::argo::workflow::{NodePhase, WorkflowPhase};
use pipelab_core::diag::FileId;
use pipelab_core::yaml;

const FAIL_FAST: &str = "template has failed or errored children and failFast enabled";

fn simulate(text: &str) -> RunReport {
    let loaded = yaml::load(FileId(0), text);
    let docs: Vec<_> = loaded.documents.into_iter().map(|d| d.root).collect();
    let mut diags = Vec::new();
    let ms = Manifests::from_documents(docs.iter().map(|d| (FileId(0), d)), &mut diags);
    let config = RunConfig {
        until: 3_600_000,
        ..RunConfig::default()
    };
    run(&ms, &config)
}

/// The workflow's phase and message, and each node as `display=Phase`.
fn outcome(text: &str) -> (WorkflowPhase, String, Vec<String>) {
    let report = simulate(text);
    assert_eq!(report.workflows.len(), 1, "{:?}", report.diagnostics);
    let w = &report.workflows[0];
    let nodes = w
        .nodes
        .iter()
        .map(|n| format!("{}={}", n.display_name, n.phase.as_str()))
        .collect();
    (w.phase, w.message.clone(), nodes)
}

/// A loop over `exit` codes, one item at a time, under a steps or DAG template whose own
/// `failFast` line is `fail_fast` (empty: none).
fn loop_workflow(body: &str, fail_fast: &str) -> String {
    format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: ff
spec:
  entrypoint: main
  templates:
    - name: main
      parallelism: 1
{fail_fast}
{body}
    - name: code
      inputs:
        parameters:
          - name: c
      container:
        image: alpine
        command: [sh, -c]
        args: [\"exit {{{{inputs.parameters.c}}}}\"]
"
    )
}

const STEPS_LOOP: &str = "      steps:
        - - name: s
            template: code
            arguments:
              parameters: [{name: c, value: '{{item}}'}]
            withItems: [0, 1, 0]";

const DAG_LOOP: &str = "      dag:
        tasks:
          - name: t
            template: code
            arguments:
              parameters: [{name: c, value: '{{item}}'}]
            withItems: [0, 1, 0]";

#[test]
fn steps_loop_stops_at_the_failed_item() {
    let (phase, message, nodes) = outcome(&loop_workflow(STEPS_LOOP, "      failFast: true"));
    assert_eq!(phase, WorkflowPhase::Failed);
    assert_eq!(message, FAIL_FAST);
    assert!(nodes.contains(&"s(0:0)=Succeeded".to_string()), "{nodes:?}");
    assert!(nodes.contains(&"s(1:1)=Failed".to_string()), "{nodes:?}");
    assert!(nodes.contains(&"[0]=Failed".to_string()), "{nodes:?}");
    assert!(!nodes.iter().any(|n| n.starts_with("s(2:0)")), "{nodes:?}");
}

/// A DAG loop's TaskGroup items are children of the DAG's boundary: the third never starts.
#[test]
fn dag_loop_stops_at_the_failed_item() {
    let (phase, message, nodes) = outcome(&loop_workflow(DAG_LOOP, "      failFast: true"));
    assert_eq!(phase, WorkflowPhase::Failed);
    assert_eq!(message, FAIL_FAST);
    assert!(nodes.contains(&"t(1:1)=Failed".to_string()), "{nodes:?}");
    assert!(!nodes.iter().any(|n| n.starts_with("t(2:0)")), "{nodes:?}");
}

/// Without `failFast: true` (unset or false) every item runs and the step group's own
/// assessment fails the node.
#[test]
fn without_fail_fast_every_item_runs() {
    for fail_fast in ["", "      failFast: false"] {
        let (phase, message, nodes) = outcome(&loop_workflow(STEPS_LOOP, fail_fast));
        assert_eq!(phase, WorkflowPhase::Failed);
        assert_ne!(message, FAIL_FAST);
        assert!(nodes.contains(&"s(2:0)=Succeeded".to_string()), "{nodes:?}");
        let (_, message, nodes) = outcome(&loop_workflow(DAG_LOOP, fail_fast));
        assert_ne!(message, FAIL_FAST);
        assert!(nodes.contains(&"t(2:0)=Succeeded".to_string()), "{nodes:?}");
    }
}

/// The counter counts every Failed node of the boundary, one that continues on failure too, and
/// needs no `parallelism`: the second step group never starts.
#[test]
fn a_step_that_continues_on_failure_still_counts() {
    let text = "apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: ff
spec:
  entrypoint: main
  templates:
    - name: main
      failFast: true
      steps:
        - - name: a
            template: fail
            continueOn: {failed: true}
        - - name: b
            template: ok
    - name: fail
      container: {image: alpine, command: [sh, -c], args: [exit 1]}
    - name: ok
      container: {image: alpine, command: [sh, -c], args: [exit 0]}
";
    let (phase, message, nodes) = outcome(text);
    assert_eq!(phase, WorkflowPhase::Failed);
    assert_eq!(message, FAIL_FAST);
    assert!(nodes.contains(&"a=Failed".to_string()), "{nodes:?}");
    assert!(!nodes.iter().any(|n| n.starts_with("b=")), "{nodes:?}");
    // Without failFast the failure is ignored and b runs.
    let report = simulate(&text.replace("      failFast: true\n", ""));
    let w = &report.workflows[0];
    assert_eq!(w.phase, WorkflowPhase::Succeeded);
    assert!(w
        .nodes
        .iter()
        .any(|n| n.display_name == "b" && n.phase == NodePhase::Succeeded));
}
