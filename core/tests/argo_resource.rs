//! Resource templates as Argo's executor runs them (`workflow/executor/resource.go`:
//! `ExecResource`, `WaitResource`, `SaveResourceParameters`), checked on the corpus files its e2e
//! tests submit (`test/e2e/resource_template_test.go`, `cli_test.go`) and on small workflows:
//! kubectl's refusal of a manifest fails the step, outputs are read from the object as created,
//! conditions are polled every 5 s against the object's simulated status, a condition nothing
//! ever satisfies keeps the step Running until a stop, and a `pipelab.dev/…` override decides
//! instead of the conditions.

use pipelab_core::argo::model::Manifests;
use pipelab_core::argo::run::{run, RunConfig, RunReport, Step};
use pipelab_core::argo::workflow::{NodePhase, WorkflowAction, WorkflowPhase};
use pipelab_core::diag::FileId;
use pipelab_core::yaml;

fn corpus(path: &str) -> String {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/argo");
    std::fs::read_to_string(root.join(path)).unwrap_or_default()
}

fn simulate(text: &str, steps: Vec<Step>) -> RunReport {
    let loaded = yaml::load(FileId(0), text);
    let docs: Vec<_> = loaded.documents.into_iter().map(|d| d.root).collect();
    let mut diags = Vec::new();
    let ms = Manifests::from_documents(docs.iter().map(|d| (FileId(0), d)), &mut diags);
    let config = RunConfig {
        steps,
        until: 3_600_000,
        ..RunConfig::default()
    };
    run(&ms, &config)
}

fn only(report: &RunReport) -> (WorkflowPhase, String) {
    assert_eq!(report.workflows.len(), 1, "{:?}", report.diagnostics);
    let w = &report.workflows[0];
    (w.phase, w.message.clone())
}

/// TestResourceTemplateFailed: the patch's manifest has no `kind`, kubectl cannot decode it.
#[test]
fn a_manifest_without_kind_fails() {
    let report = simulate(
        &corpus("e2e/testdata/resource-templates/failed.yaml"),
        vec![],
    );
    let (phase, message) = only(&report);
    assert_eq!(phase, WorkflowPhase::Failed);
    assert!(
        message.starts_with(
            "Error (exit code 64): no more retries error: unable to decode \
             \"/tmp/manifest.yaml\": Object 'Kind' is missing in '{\"apiVersion\":\"v1\""
        ),
        "{message}"
    );
}

/// TestResourceTemplateWithOutputs: `jsonPath` and `jqFilter` read the created Pod; the Pod's
/// container succeeds, so `status.phase == Succeeded` holds at a later poll.
#[test]
fn outputs_come_from_the_created_object() {
    let report = simulate(
        &corpus("e2e/testdata/resource-templates/outputs.yaml"),
        vec![],
    );
    assert_eq!(only(&report).0, WorkflowPhase::Succeeded);
    let root = &report.workflows[0].nodes[0];
    assert_eq!(root.outputs.parameters["json"], "my-pod");
    assert_eq!(root.outputs.parameters["jq"], "my-pod");
}

/// The example k8s-jobs.yaml: a Job of 3 completions satisfies `status.succeeded > 2`;
/// `job-name` is the name `generateName` got, `job-obj` the whole object (`jq '.'`).
#[test]
fn a_job_succeeds_when_its_completions_do() {
    let report = simulate(&corpus("workflows/k8s-jobs.yaml"), vec![]);
    assert_eq!(only(&report).0, WorkflowPhase::Succeeded);
    let out = &report.workflows[0].nodes[0].outputs.parameters;
    let name = &out["job-name"];
    assert!(name.starts_with("rand-num-") && name.len() == 14, "{name}");
    assert!(
        out["job-obj"].contains("\"succeeded\":3"),
        "{}",
        out["job-obj"]
    );
    assert!(out["job-obj"].contains(&format!("\"name\":\"{name}\"")));
}

/// k8s-orchestration.yaml: the Job's name and uid reach the later steps.
#[test]
fn a_job_s_name_and_uid_reach_later_steps() {
    let report = simulate(&corpus("workflows/k8s-orchestration.yaml"), vec![]);
    assert_eq!(only(&report).0, WorkflowPhase::Succeeded);
    let w = &report.workflows[0];
    let job = w.node_by_display("random-number-job").map(|n| &n.outputs);
    let uid = job
        .map(|o| o.parameters["job-uid"].clone())
        .unwrap_or_default();
    assert_eq!(uid.len(), 36, "{uid}");
}

/// TestResourceTemplateStopAndTerminate (cli_test.go): the created Workflow never has
/// `status.phase == Test`, so the step polls until `argo stop` / `argo terminate`.
#[test]
fn a_condition_that_never_holds_polls_until_stopped() {
    let text = corpus("e2e/functional/resource-template.yaml");
    let report = simulate(&text, vec![Step::Submit, Step::Wait(30_000)]);
    assert_eq!(only(&report).0, WorkflowPhase::Running);
    let a = report.workflows[0].node_by_display("a").map(|n| n.phase);
    assert_eq!(a, Some(NodePhase::Running));
    for (action, strategy) in [
        (WorkflowAction::Stop, "Stop"),
        (WorkflowAction::Terminate, "Terminate"),
    ] {
        let steps = vec![
            Step::Submit,
            Step::Wait(30_000),
            Step::Workflow {
                action,
                workflow: None,
            },
            Step::Wait(10_000),
        ];
        let report = simulate(&text, steps);
        let (phase, message) = only(&report);
        assert_eq!(phase, WorkflowPhase::Failed);
        assert_eq!(message, format!("Stopped with strategy '{strategy}'"));
    }
}

/// TestResourceTemplateWithWorkflow: the created Workflow is run; it succeeds.
#[test]
fn a_created_workflow_runs_to_its_own_end() {
    let text = corpus("e2e-inline/resource_template_test__TestResourceTemplateWithWorkflow.yaml");
    assert_eq!(only(&simulate(&text, vec![])).0, WorkflowPhase::Succeeded);
    let failing = text.replace(
        "command: [\"/argosay\"]",
        "command: [sh, -c]\n                  args: [\"exit 3\"]",
    );
    let report = simulate(&failing, vec![]);
    let (phase, message) = only(&report);
    assert_eq!(phase, WorkflowPhase::Failed);
    assert_eq!(
        message,
        "Error (exit code 64): failure condition 'status.phase==Failed' evaluated true"
    );
}

const CONFIG_MAP_WAIT: &str = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: wait-cm
spec:
  entrypoint: main
  activeDeadlineSeconds: 60
  templates:
  - name: main
    resource:
      action: create
      successCondition: status.ready == true
      manifest: |
        apiVersion: v1
        kind: ConfigMap
        metadata:
          generateName: cm-
        data:
          a: b
"#;

/// A condition on a status nothing in the simulation sets: polled until the deadline.
#[test]
fn an_unknown_status_polls_until_the_deadline() {
    let report = simulate(CONFIG_MAP_WAIT, vec![]);
    let (phase, message) = only(&report);
    assert_eq!(phase, WorkflowPhase::Failed);
    assert!(message.contains("deadline"), "{message}");
}

/// An override annotation on the template decides instead of the conditions.
#[test]
fn an_override_decides_instead_of_the_conditions() {
    let ok = CONFIG_MAP_WAIT.replace(
        "  - name: main\n",
        "  - name: main\n    metadata:\n      annotations:\n        pipelab.dev/output.name: x\n",
    );
    assert_eq!(only(&simulate(&ok, vec![])).0, WorkflowPhase::Succeeded);
    let failed = ok.replace("pipelab.dev/output.name: x", "pipelab.dev/exit-code: \"1\"");
    assert_eq!(only(&simulate(&failed, vec![])).0, WorkflowPhase::Failed);
}

/// The example k8s-wait-wf.yaml: a `get` of the Workflow an earlier step created sees it run
/// (its 20 s sleep) and polls until it has Succeeded.
#[test]
fn a_get_waits_for_the_object_an_earlier_step_created() {
    let report = simulate(&corpus("workflows/k8s-wait-wf.yaml"), vec![]);
    assert_eq!(only(&report).0, WorkflowPhase::Succeeded);
    let w = &report.workflows[0];
    let wait = w.node_by_display("wait-wf");
    let took = wait.and_then(|n| Some(n.finished_at? - n.started_at));
    assert!(took.is_some_and(|t| t >= 20_000), "{took:?}");
}

/// e2e/functional/output-jqfilter-parameters.yaml: `jqFilter` with `fromjson` over a
/// ConfigMap's data.
#[test]
fn jq_filters_read_json_inside_the_object() {
    let text = corpus("e2e/functional/output-jqfilter-parameters.yaml");
    let report = simulate(&text, vec![]);
    assert_eq!(only(&report).0, WorkflowPhase::Succeeded);
    let w = &report.workflows[0];
    let get = w
        .node_by_display("get-param")
        .map(|n| &n.outputs.parameters);
    assert_eq!(get.map(|p| p["one_value"].as_str()), Some("foo"));
    assert_eq!(
        get.map(|p| p["one_list"].as_str()),
        Some("[{\"foo\":\"bar\"}]")
    );
}
