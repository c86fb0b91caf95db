//! The rows of `../shared/corpus/argo/expected.tsv` whose Go test acts on a Workflow while it
//! runs (column 7: `cli:stop`, `cli:terminate`, `cli:retry`, `cli:resubmit`, `ShutdownWorkflow`,
//! `CreateConfigMap`, `DeleteWorkflow`), each replayed as a scripted session ([`Step`]s) that
//! does what the Go test does, then checked against the row's workflow phase and node phases
//! plus what the Go test itself asserts. A table-driven ratchet: it fails when fewer rows pass
//! than pinned, and prints every failing row with its reason.
//!
//! What Argo does, as looked up in argo-workflows (v4 line) and followed by the engine:
//! - `argo stop` / `argo terminate` patch `spec.shutdown` (util.go `patchShutdownStrategy`).
//!   The operator then stops running pods (`applyExecutionControl`; the node ends Failed
//!   "Stopped with strategy '<S>'"), creates no new pods (`createWorkflowPod`: Failed
//!   "workflow shutdown with strategy: <S>"), gives retry nodes no new attempt, and runs exit
//!   handlers only under Stop (`ShutdownStrategy.ShouldExecute(isOnExit)`); the workflow ends
//!   Failed with "Stopped with strategy '<S>'" when its entry node failed. Daemons count as
//!   fulfilled and are stopped with their steps (Succeeded).
//! - `argo retry` is `FormulateRetryWorkflow`: failed nodes and the nodes that depend on them
//!   are deleted, their DAG/steps parents reset to Running, succeeded nodes kept (unless
//!   `--restart-successful` with `--node-field-selector` picks them), the shutdown cleared.
//! - `argo resubmit` is `FormulateResubmitWorkflow`: a new Workflow with the same spec, named
//!   `<generateName or name->` plus five random characters.
//! - `argo resume` (util.go `ResumeWorkflow`) gives each running suspend node's unset
//!   `valueFrom.supplied` outputs their defaults, and is refused ("raw output parameter '<p>'
//!   has not been set and does not have a default value") when one has none; `argo node set`
//!   (`updateSuspendedNode`) sets those outputs once, a node's message and phase.
//! - Synchronization (`workflow/sync`): locks named `<ns>/Mutex/<name>` or
//!   `<ns>/ConfigMap/<cm>/<key>`; a waiter is Pending with "Waiting for <lock> lock. Lock
//!   status: <available>/<limit>"; FIFO by priority then creation; released when done.

use pipelab_core::argo::graph::phases_at;
use pipelab_core::argo::model::Manifests;
use pipelab_core::argo::run::{run, RunConfig, RunReport, Step};
use pipelab_core::argo::workflow::{NodePhase, WorkflowAction, WorkflowRun};
use pipelab_core::diag::FileId;
use pipelab_core::sim::Millis;
use pipelab_core::yaml::{self, Node};
use serde_json::json;

/// Rows that must pass; raise it when the engine gets better, never lower it.
const PINNED_PASSING: usize = 32;

type Check = Box<dyn Fn(&RunReport) -> Result<(), String>>;

/// What a Go test does, as a scripted session, and what it asserts beyond the row's columns.
struct Scenario {
    steps: Vec<Step>,
    /// The row's phase was observed during the session (the Go test goes on afterwards), so
    /// the final phase is not held to it.
    phase_seen_only: bool,
    /// A look at the run as it was at this instant (the session stopped there).
    probe: Option<(Millis, Check)>,
    check: Check,
}

fn act(action: WorkflowAction) -> Step {
    Step::Workflow {
        action,
        workflow: None,
    }
}

fn wait(secs: u64) -> Step {
    Step::Wait(secs * 1000)
}

fn retry() -> Step {
    act(WorkflowAction::Retry {
        restart_successful: false,
        node_field_selector: None,
    })
}

fn retry_successful(selector: &str) -> Step {
    act(WorkflowAction::Retry {
        restart_successful: true,
        node_field_selector: Some(selector.to_string()),
    })
}

/// `CreateConfigMap(name, data)` of the e2e fixtures.
fn config_map(name: &str, data: &[(&str, &str)]) -> Step {
    let data: serde_json::Map<_, _> = data
        .iter()
        .map(|(k, v)| (k.to_string(), json!(v)))
        .collect();
    Step::CreateObject(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name}, "data": data,
    }))
}

fn first(r: &RunReport) -> Result<&WorkflowRun, String> {
    r.workflows.first().ok_or_else(|| "no workflow".to_string())
}

fn no_errors(r: &RunReport) -> Result<(), String> {
    match r.diagnostics.iter().find(|d| d.is_error()) {
        Some(d) => Err(format!("diagnostic: {}", d.message)),
        None => Ok(()),
    }
}

fn node<'a>(
    w: &'a WorkflowRun,
    display: &str,
) -> Result<&'a pipelab_core::argo::workflow::NodeStatus, String> {
    w.node_by_display(display)
        .ok_or_else(|| format!("no node {display}"))
}

/// The instant of the `k`-th action step of a session (its steps' times as the run plays
/// them: a Wait lets its time pass, other steps one second, Submit and actions none).
fn action_time(steps: &[Step], k: usize) -> Millis {
    let mut t = 0;
    let mut seen = 0;
    for s in steps {
        if let Step::Workflow { .. } = s {
            if seen == k {
                return t;
            }
            seen += 1;
        }
        t += match s {
            Step::Wait(d) => *d,
            Step::Submit | Step::Workflow { .. } => 0,
            _ => 1000,
        };
    }
    t
}

fn stopped(strategy: &'static str, after: Option<u64>) -> Scenario {
    let action = if strategy == "Stop" {
        WorkflowAction::Stop
    } else {
        WorkflowAction::Terminate
    };
    let mut steps = vec![Step::Submit];
    if let Some(s) = after {
        steps.push(wait(s));
    }
    steps.push(act(action));
    Scenario {
        steps,
        phase_seen_only: false,
        probe: None,
        check: Box::new(move |r| {
            no_errors(r)?;
            let w = first(r)?;
            let want = format!("Stopped with strategy '{strategy}'");
            if w.phase.as_str() != "Failed" || w.message != want {
                return Err(format!(
                    "workflow {} ({}), want Failed ({want})",
                    w.phase.as_str(),
                    w.message
                ));
            }
            Ok(())
        }),
    }
}

fn dry_run() -> Scenario {
    // `--dry-run` prints what would be done and changes nothing: the workflow runs on.
    Scenario {
        steps: vec![Step::Submit],
        phase_seen_only: false,
        probe: None,
        check: Box::new(|r| {
            let w = first(r)?;
            if w.phase.as_str() != "Succeeded" {
                return Err(format!("workflow {} after a dry run", w.phase.as_str()));
            }
            Ok(())
        }),
    }
}

fn resubmitted(delete_after: bool) -> Scenario {
    let mut steps = vec![
        Step::Submit,
        wait(30),
        act(WorkflowAction::Resubmit),
        wait(30),
    ];
    if delete_after {
        steps.push(act(WorkflowAction::Delete));
    }
    let at = action_time(&steps, 0);
    Scenario {
        steps,
        phase_seen_only: false,
        probe: None,
        check: Box::new(move |r| {
            no_errors(r)?;
            let [a, b] = &r.workflows[..] else {
                return Err(format!("{} workflows, want 2", r.workflows.len()));
            };
            let suffix = b.name.strip_prefix("exit-1-").unwrap_or_default();
            if suffix.len() != 5 || b.name == a.name {
                return Err(format!("resubmitted as {}", b.name));
            }
            if b.started_at != at || a.phase.as_str() != "Failed" || b.phase.as_str() != "Failed" {
                return Err(format!(
                    "{} {} / {} {} at {}",
                    a.name,
                    a.phase.as_str(),
                    b.name,
                    b.phase.as_str(),
                    b.started_at
                ));
            }
            if delete_after != b.deleted_at.is_some() {
                return Err(format!("deleted_at {:?}", b.deleted_at));
            }
            Ok(())
        }),
    }
}

/// Whether the pods of the two displays ran (phase Running, from the trace) at overlapping
/// times. A node waiting for a lock exists (Pending) before its pod runs.
fn overlap(w: &WorkflowRun, a: &str, b: &str) -> Result<bool, String> {
    let (a, b) = (node(w, a)?, node(w, b)?);
    let running = |n: &pipelab_core::argo::workflow::NodeStatus| {
        w.trace
            .entries
            .iter()
            .find(|e| e.subject == n.id && e.what == "phase" && e.value == "Running")
            .map(|e| e.time)
            .ok_or_else(|| format!("{} never ran", n.display_name))
    };
    let end = |n: &pipelab_core::argo::workflow::NodeStatus| n.finished_at.unwrap_or(Millis::MAX);
    Ok(running(a)? < end(b) && running(b)? < end(a))
}

fn root_input(want: &'static str) -> Check {
    Box::new(move |r| {
        no_errors(r)?;
        let w = first(r)?;
        let root = w.node(&w.name).ok_or("no root node")?;
        match root.inputs.parameters.first() {
            Some(p) if p.value == want => Ok(()),
            other => Err(format!("root input {other:?}, want {want}")),
        }
    })
}

fn configmap_run(maps: Vec<Step>, check: Check) -> Scenario {
    let mut steps = maps;
    steps.extend([wait(1), Step::Submit, wait(30)]);
    Scenario {
        steps,
        phase_seen_only: false,
        probe: None,
        check,
    }
}

/// The scripted session of a Go test (named `file.go:TestName`).
fn scenario(test: &str) -> Option<Scenario> {
    let name = test.rsplit(':').next().unwrap_or(test);
    Some(match name {
        // Submit, wait, resubmit, then `argo delete` the resubmitted workflow.
        "TestWorkflowDeleteResubmitted" => resubmitted(true),
        "TestWorkflowResubmit"
        | "TestWorkflowResubmitByLabelSelector"
        | "TestWorkflowResubmitByFieldSelector" => resubmitted(false),
        "TestWorkflowStop" | "TestWorkflowStopBySelector" | "TestWorkflowStopByFieldSelector" => {
            stopped("Stop", None)
        }
        "TestWorkflowTerminate"
        | "TestWorkflowTerminateBySelector"
        | "TestWorkflowTerminateByFieldSelector" => stopped("Terminate", None),
        "TestWorkflowStopDryRun" | "TestWorkflowTerminateDryRun" => dry_run(),
        // Wait for the suspend node, terminate, retry with --restart-successful
        // --node-field-selector templateName==steps-inner, wait for the suspend node again:
        // the outer step is kept, the inner one ran again after the retry.
        "TestWorkflowRetry" => {
            let steps = vec![
                Step::Submit,
                wait(20),
                act(WorkflowAction::Terminate),
                wait(5),
                retry_successful("templateName==steps-inner"),
                wait(20),
            ];
            let retried = action_time(&steps, 1);
            Scenario {
                steps,
                phase_seen_only: true,
                probe: None,
                check: Box::new(move |r| {
                    no_errors(r)?;
                    let w = first(r)?;
                    let outer = node(w, "steps-outer-step1")?;
                    let inner = node(w, "steps-inner-step1")?;
                    let approve = node(w, "steps-inner-step2")?;
                    if w.phase.as_str() != "Running" || approve.phase != NodePhase::Running {
                        return Err(format!(
                            "after the retry: workflow {}, approve {}",
                            w.phase.as_str(),
                            approve.phase.as_str()
                        ));
                    }
                    let done = |n: &pipelab_core::argo::workflow::NodeStatus| {
                        n.finished_at.unwrap_or(Millis::MAX)
                    };
                    if !(done(outer) < retried && retried < done(inner)) {
                        return Err(format!(
                            "outer finished {:?}, inner {:?}, retry at {retried}",
                            outer.finished_at, inner.finished_at
                        ));
                    }
                    Ok(())
                }),
            }
        }
        // The PVC keeps /tmp/artifact.txt after the failure (volumeClaimGC defaults to
        // OnWorkflowSuccess): the retried pod finds it and succeeds.
        "TestWorkflowRetryFailedWorkflow" => Scenario {
            steps: vec![Step::Submit, wait(30), retry(), wait(30)],
            phase_seen_only: false,
            probe: None,
            check: Box::new(|r| {
                no_errors(r)?;
                let w = first(r)?;
                let root = w.node(&w.name).ok_or("no root node")?;
                match root.logs.first() {
                    Some(l) if l == "Successfully retried failing workflow." => Ok(()),
                    other => Err(format!("logs {other:?}")),
                }
            }),
        },
        "TestWorkflowRetryNestedDag" => {
            let steps = vec![
                Step::Submit,
                wait(60),
                retry_successful("name=retry-nested-dag.dag1-step2.dag2-step1.dag3-step1"),
                wait(60),
            ];
            let at = action_time(&steps, 0);
            Scenario {
                steps,
                phase_seen_only: false,
                probe: None,
                check: Box::new(move |r| {
                    no_errors(r)?;
                    let w = first(r)?;
                    // The selected node ran again (and its dependents); dag1-step1 was kept.
                    for (d, rerun) in [
                        ("dag3-step1", true),
                        ("dag3-step3", true),
                        ("dag1-step1", false),
                    ] {
                        if (node(w, d)?.started_at >= at) != rerun {
                            return Err(format!("{d} started at {}", node(w, d)?.started_at));
                        }
                    }
                    Ok(())
                }),
            }
        }
        "TestWorkflowRetryWithRecreatedPVC" => {
            let steps = vec![Step::Submit, wait(60), retry(), wait(60)];
            let at = action_time(&steps, 0);
            Scenario {
                steps,
                phase_seen_only: false,
                probe: None,
                check: Box::new(move |r| {
                    no_errors(r)?;
                    let w = first(r)?;
                    if node(w, "print")?.started_at < at || node(w, "generate")?.started_at >= at {
                        return Err("print not retried, or generate run again".into());
                    }
                    Ok(())
                }),
            }
        }
        "TestRetryOmit" => {
            let steps = vec![Step::Submit, wait(30), retry(), wait(30)];
            let at = action_time(&steps, 0);
            Scenario {
                steps,
                phase_seen_only: false,
                probe: None,
                check: Box::new(move |r| {
                    no_errors(r)?;
                    let w = first(r)?;
                    if node(w, "F")?.started_at < at {
                        return Err("F was not run again".into());
                    }
                    Ok(())
                }),
            }
        }
        // Wait for the main node to succeed (the exit handler sleeps), terminate: the exit
        // handler's pod is stopped, its steps fail, the workflow fails.
        "TestTerminateWorkflowWhileOnExitHandlerRunning" => Scenario {
            steps: vec![
                Step::Submit,
                wait(10),
                act(WorkflowAction::Terminate),
                wait(10),
            ],
            phase_seen_only: false,
            probe: Some((
                9_500,
                Box::new(|r| {
                    let w = first(r)?;
                    let handler = node(w, "exit-handler-task")?;
                    if handler.phase != NodePhase::Running {
                        return Err(format!("exit handler {}", handler.phase.as_str()));
                    }
                    Ok(())
                }),
            )),
            check: Box::new(|r| {
                no_errors(r)?;
                let w = first(r)?;
                for n in &w.nodes {
                    if matches!(n.node_type, "Steps" | "StepGroup") && n.phase != NodePhase::Failed
                    {
                        return Err(format!("{} is {}", n.name, n.phase.as_str()));
                    }
                }
                Ok(())
            }),
        },
        // The pod stays Pending (node selector); the test reads the metric, then deletes the
        // workflow: nothing of it runs after that.
        "TestPodPendingMetric" => Scenario {
            steps: vec![Step::Submit, Step::Wait(500), act(WorkflowAction::Delete)],
            phase_seen_only: false,
            probe: None,
            check: Box::new(|r| {
                no_errors(r)?;
                let w = first(r)?;
                if w.deleted_at != Some(500) {
                    return Err(format!("deleted at {:?}", w.deleted_at));
                }
                if w.trace.entries.iter().any(|e| e.time > 500) {
                    return Err("the deleted workflow went on".into());
                }
                if !w
                    .nodes
                    .iter()
                    .any(|n| n.node_type == "Pod" && n.phase == NodePhase::Pending)
                {
                    return Err("no pending pod".into());
                }
                Ok(())
            }),
        },
        // Two of the same workflow under a semaphore of 1: the second waits, then runs.
        "TestWorkflowLevelSemaphore" => Scenario {
            steps: vec![
                config_map("my-config", &[("workflow", "1")]),
                Step::Submit,
                Step::Submit,
                wait(60),
            ],
            phase_seen_only: false,
            probe: Some((
                2_000,
                Box::new(|r| {
                    let w = r.workflows.get(1).ok_or("one workflow")?;
                    let want =
                        "Waiting for default/ConfigMap/my-config/workflow lock. Lock status: 0/1";
                    if w.phase.as_str() != "Pending" || w.message != want {
                        return Err(format!(
                            "second workflow {} ({})",
                            w.phase.as_str(),
                            w.message
                        ));
                    }
                    Ok(())
                }),
            )),
            check: Box::new(|r| {
                no_errors(r)?;
                let [a, b] = &r.workflows[..] else {
                    return Err("want two workflows".into());
                };
                let first_pod = |w: &WorkflowRun| w.nodes.first().map_or(0, |n| n.started_at);
                if b.phase.as_str() != "Succeeded" || Some(first_pod(b)) < a.finished_at {
                    return Err(format!("second {} from {}", b.phase.as_str(), first_pod(b)));
                }
                Ok(())
            }),
        },
        "TestTemplateLevelSemaphore" => Scenario {
            steps: vec![
                config_map("my-config", &[("template", "1")]),
                Step::Submit,
                wait(60),
            ],
            phase_seen_only: false,
            probe: Some((
                3_000,
                Box::new(|r| {
                    let w = first(r)?;
                    let want =
                        "Waiting for default/ConfigMap/my-config/template lock. Lock status: 0/1";
                    if w.phase.as_str() != "Running"
                        || !w
                            .nodes
                            .iter()
                            .any(|n| n.message == want && n.phase == NodePhase::Pending)
                    {
                        return Err(format!(
                            "no node waiting for the semaphore ({})",
                            w.phase.as_str()
                        ));
                    }
                    Ok(())
                }),
            )),
            check: Box::new(|r| {
                no_errors(r)?;
                let w = first(r)?;
                if w.phase.as_str() != "Succeeded"
                    || overlap(w, "sleep(0:hello)", "sleep(1:goodbye)")?
                {
                    return Err(format!("{} or the two items overlapped", w.phase.as_str()));
                }
                Ok(())
            }),
        },
        // task-1 and task-2 share the mutex task-1: they run one after the other.
        "TestSynchronizationTmplLevelMutexAndSemaphore" => Scenario {
            steps: vec![
                config_map("my-config", &[("workflow", "1")]),
                Step::Submit,
                wait(60),
            ],
            phase_seen_only: false,
            probe: None,
            check: Box::new(|r| {
                no_errors(r)?;
                if overlap(first(r)?, "task-1", "task-2")? {
                    return Err("task-1 and task-2 overlapped".into());
                }
                Ok(())
            }),
        },
        // Disjoint mutexes and a semaphore of 2: both run at once.
        "TestSynchronizationMultiple" => Scenario {
            steps: vec![
                config_map("my-config", &[("workflow", "2")]),
                Step::Submit,
                wait(60),
            ],
            phase_seen_only: false,
            probe: None,
            check: Box::new(|r| {
                no_errors(r)?;
                if !overlap(first(r)?, "task-1", "task-2")? {
                    return Err("task-1 and task-2 did not run together".into());
                }
                Ok(())
            }),
        },
        "TestStopBehavior"
        | "TestTerminateBehavior"
        | "TestStopBehaviorWithDaemon"
        | "TestDoNotCreatePodsUnderStopBehavior" => {
            let terminate = name == "TestTerminateBehavior";
            let no_b = name == "TestDoNotCreatePodsUnderStopBehavior";
            let action = if terminate {
                WorkflowAction::Terminate
            } else {
                WorkflowAction::Stop
            };
            Scenario {
                // Wait for a running pod, shut down, wait for the end.
                steps: vec![Step::Submit, wait(5), act(action), wait(60)],
                phase_seen_only: false,
                probe: None,
                check: Box::new(move |r| {
                    no_errors(r)?;
                    let w = first(r)?;
                    if terminate {
                        // Terminate runs no exit handler.
                        for d in ["A.onExit".to_string(), format!("{}.onExit", w.name)] {
                            if w.node_by_display(&d).is_some() {
                                return Err(format!("{d} ran under Terminate"));
                            }
                        }
                    }
                    if no_b && w.node_by_display("B").is_some() {
                        return Err("B was created".into());
                    }
                    Ok(())
                }),
            }
        }
        // The Go tests assert only that these succeed. (The workflow's `message` argument is
        // passed to the entrypoint and overrides its input's `valueFrom`, as the overridable
        // tests below show.)
        "TestKeySubstitution" | "TestDefaultParamValueWhenNotFound" => configmap_run(
            vec![config_map("cmref-parameters", &[("msg", "hello world")])],
            Box::new(no_errors),
        ),
        "TestArgsValueParamsOverrideInputParamsValueFrom" => configmap_run(
            vec![config_map(
                "cmref-parameters",
                &[("cmref-key", "input-value")],
            )],
            root_input("arg-value"),
        ),
        "TestArgsValueFromParamsOverrideInputParamsValueFrom" => configmap_run(
            vec![
                config_map("cmref-parameters", &[("cmref-key", "input-value")]),
                config_map("new-cmref-parameters", &[("cmref-key", "arg-value")]),
            ],
            root_input("arg-value"),
        ),
        "TestArgsValueFromParamsOverrideInputParamsValue" => configmap_run(
            vec![config_map(
                "cmref-parameters",
                &[("cmref-key", "arg-value")],
            )],
            root_input("arg-value"),
        ),
        _ => return None,
    })
}

fn corpus() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/argo")
}

fn load(file: &str) -> Result<Vec<Node>, String> {
    let text = std::fs::read_to_string(corpus().join(file)).map_err(|e| e.to_string())?;
    // Workflows inline in Go e2e tests have no apiVersion/kind: the test harness adds them.
    let text = if !text.lines().any(|l| l.starts_with("kind:")) && text.contains("spec:") {
        format!("apiVersion: argoproj.io/v1alpha1\nkind: Workflow\n{text}")
    } else {
        text
    };
    Ok(yaml::load(FileId(0), &text)
        .documents
        .into_iter()
        .map(|d| d.root)
        .collect())
}

/// The workflow's phases in order, as its trace recorded them.
fn phase_history(w: &WorkflowRun) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    for e in &w.trace.entries {
        if e.subject == w.name && e.what == "phase" && out.last() != Some(&&*e.value) {
            out.push(&e.value);
        }
    }
    out
}

/// The row's phase column: `Failed|Error` is either; otherwise `|` lists phases the workflow
/// goes through in order, `(wait)` marks one the test waited for (not the end), and the last
/// plain one is the final phase (unless the Go test goes on after observing it).
fn check_phase(w: &WorkflowRun, want: &str, seen_only: bool) -> Result<(), String> {
    if want == "-" {
        return Ok(());
    }
    let phase = w.phase.as_str();
    if want == "Failed|Error" {
        return match phase {
            "Failed" | "Error" => Ok(()),
            p => Err(format!("workflow phase {p} ({})", w.message)),
        };
    }
    let history = phase_history(w);
    let mut rest = history.iter();
    for item in want.split('|') {
        let p = item.trim_end_matches("(wait)");
        if !rest.any(|h| *h == p) {
            return Err(format!(
                "workflow never {p} after the previous phase: {history:?}"
            ));
        }
    }
    let last = want.rsplit('|').next().unwrap_or(want);
    if !seen_only && !last.ends_with("(wait)") && phase != last {
        return Err(format!(
            "workflow phase {phase} ({}), want {last}",
            w.message
        ));
    }
    Ok(())
}

fn check_nodes(w: &WorkflowRun, nodes: &str) -> Result<(), String> {
    if nodes == "-" {
        return Ok(());
    }
    for exp in nodes.split(';') {
        let Some((display, want)) = exp.split_once('=') else {
            continue;
        };
        // The Go test names the workflow's exit handler `m.Name + ".onExit"`.
        let display = match display.strip_prefix("m.Name + '") {
            Some(rest) => format!("{}{rest}", w.name),
            None => display.to_string(),
        };
        let n = node(w, &display)?;
        if n.phase.as_str() != want {
            return Err(format!(
                "node {display} is {} ({}), want {want}",
                n.phase.as_str(),
                n.message
            ));
        }
    }
    Ok(())
}

fn check_row(file: &str, test: &str, phase: &str, nodes: &str) -> Result<(), String> {
    let Some(sc) = scenario(test) else {
        return Err("no scripted session for this test".into());
    };
    let docs = load(file)?;
    let mut diags = Vec::new();
    let ms = Manifests::from_documents(docs.iter().map(|d| (FileId(0), d)), &mut diags);
    let config = RunConfig {
        steps: sc.steps.clone(),
        ..RunConfig::default()
    };
    if let Some((at, probe)) = &sc.probe {
        let early = run(
            &ms,
            &RunConfig {
                until: *at,
                ..config.clone()
            },
        );
        probe(&early).map_err(|e| format!("at {}s: {e}", *at as f64 / 1000.0))?;
    }
    let report = run(&ms, &config);
    let w = first(&report)?;
    check_phase(w, phase, sc.phase_seen_only)?;
    check_nodes(w, nodes)?;
    (sc.check)(&report)
}

#[test]
fn expected_tsv_action_rows() {
    let tsv = std::fs::read_to_string(corpus().join("expected.tsv")).expect("expected.tsv");
    let mut total = 0;
    let mut passed = 0;
    let mut failures = Vec::new();
    for line in tsv.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() < 7 || cols[6] == "-" {
            continue;
        }
        total += 1;
        match check_row(cols[0], cols[2], cols[4], cols[5]) {
            Ok(()) => passed += 1,
            Err(reason) => {
                failures.push(format!("{} {} [{}]: {reason}", cols[2], cols[0], cols[6]))
            }
        }
    }
    for f in &failures {
        println!("FAIL {f}");
    }
    println!("expected.tsv action rows: {passed}/{total} pass");
    assert_eq!(total, 32, "the corpus changed");
    assert!(
        passed >= PINNED_PASSING,
        "only {passed} rows pass, pinned {PINNED_PASSING}"
    );
}

/// Sessions whose actions the server refuses are diagnostics, never panics.
#[test]
fn refused_actions_are_diagnostics() {
    let docs = load("e2e/smoke/basic.yaml").unwrap();
    let ms = Manifests::from_documents(docs.iter().map(|d| (FileId(0), d)), &mut Vec::new());
    let cases: Vec<(Vec<Step>, &str)> = vec![
        (
            vec![Step::Submit, retry()],
            "workflow must be Failed/Error to retry",
        ),
        (
            vec![Step::Submit, wait(60), act(WorkflowAction::Stop)],
            "cannot shutdown a completed workflow",
        ),
        (vec![act(WorkflowAction::Resume)], "\"@latest\" not found"),
        (
            vec![
                Step::Submit,
                act(WorkflowAction::Terminate),
                wait(5),
                retry_successful("bogus==x"),
            ],
            "invalid node field selector",
        ),
        (
            vec![
                Step::Submit,
                act(WorkflowAction::Delete),
                act(WorkflowAction::Stop),
            ],
            "not found",
        ),
    ];
    for (steps, want) in cases {
        let report = run(
            &ms,
            &RunConfig {
                steps: steps.clone(),
                ..RunConfig::default()
            },
        );
        assert!(
            report
                .diagnostics
                .iter()
                .any(|d| d.is_error() && d.message.contains(want)),
            "{steps:?}: {:?}",
            report.diagnostics
        );
    }
}

/// Suspend stops new nodes; resume lets the workflow go on; the timeline shows both.
#[test]
fn suspend_and_resume() {
    let docs = load("e2e/testdata/retry-test.yaml").unwrap();
    let ms = Manifests::from_documents(docs.iter().map(|d| (FileId(0), d)), &mut Vec::new());
    let steps = vec![
        Step::Submit,
        Step::Wait(500),
        act(WorkflowAction::Suspend),
        wait(30),
        act(WorkflowAction::Resume),
        wait(30),
        // The `approve` suspend node waits for a resume too.
        act(WorkflowAction::Resume),
        wait(30),
    ];
    let report = run(
        &ms,
        &RunConfig {
            steps,
            ..RunConfig::default()
        },
    );
    let w = &report.workflows[0];
    assert_eq!(w.phase.as_str(), "Succeeded", "{}", w.message);
    // While suspended the first pod ran to its end, but the second step was not created.
    let outer2 = w.node_by_display("steps-outer-step2").unwrap();
    assert!(outer2.started_at >= 30_500, "{}", outer2.started_at);
    let at = phases_at(w, 20_000);
    assert_eq!(
        at.get(w.node_by_display("steps-outer-step1").unwrap().id.as_str()),
        Some(&"Succeeded")
    );
    let approve = w.node_by_display("steps-inner-step2").unwrap();
    assert_eq!(approve.finished_at, Some(60_500));
}

/// After a retry, the timeline does not show the deleted attempt's nodes as they were, and
/// shows the re-created ones from their new start.
#[test]
fn retry_keeps_the_timeline_consistent() {
    let docs = load("e2e/testdata/retry-omit.yaml").unwrap();
    let ms = Manifests::from_documents(docs.iter().map(|d| (FileId(0), d)), &mut Vec::new());
    let steps = vec![Step::Submit, wait(30), retry(), wait(30)];
    let report = run(
        &ms,
        &RunConfig {
            steps,
            ..RunConfig::default()
        },
    );
    let w = &report.workflows[0];
    let f = w.node_by_display("F").unwrap();
    assert_eq!(phases_at(w, 29_000).get(f.id.as_str()), Some(&"Failed"));
    assert_eq!(phases_at(w, 30_000).get(f.id.as_str()), Some(&"Pending"));
    assert_eq!(phases_at(w, 60_000).get(f.id.as_str()), Some(&"Failed"));
    assert_eq!(phases_at(w, 30_000).get(w.name.as_str()), Some(&"Running"));
    assert_eq!(w.phase.as_str(), "Failed");
    assert_eq!(w.nodes.iter().filter(|n| n.display_name == "F").count(), 1);
}

/// A workflow waiting for a mutex can be stopped; the one holding it is not disturbed, and a
/// third one waiting behind takes the mutex when the first is done.
#[test]
fn a_workflow_waiting_for_a_mutex_can_be_stopped() {
    let text = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  generateName: m-
spec:
  entrypoint: main
  synchronization:
    mutex:
      name: only-one
  templates:
    - name: main
      container:
        image: alpine
        command: [sleep, "10"]
"#;
    let docs: Vec<Node> = yaml::load(FileId(0), text)
        .documents
        .into_iter()
        .map(|d| d.root)
        .collect();
    let ms = Manifests::from_documents(docs.iter().map(|d| (FileId(0), d)), &mut Vec::new());
    let second = |r: &RunReport| r.workflows[1].name.clone();
    let plain = run(
        &ms,
        &RunConfig {
            steps: vec![Step::Submit, Step::Submit, Step::Submit],
            ..RunConfig::default()
        },
    );
    let name = second(&plain);
    let steps = vec![
        Step::Submit,
        Step::Submit,
        Step::Submit,
        wait(2),
        Step::Workflow {
            action: WorkflowAction::Stop,
            workflow: Some(name.clone()),
        },
        wait(60),
    ];
    let report = run(
        &ms,
        &RunConfig {
            steps,
            ..RunConfig::default()
        },
    );
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    let [a, b, c] = &report.workflows[..] else {
        panic!("three workflows")
    };
    assert_eq!(b.name, name);
    assert_eq!(
        (a.phase.as_str(), b.phase.as_str(), c.phase.as_str()),
        ("Succeeded", "Failed", "Succeeded")
    );
    assert_eq!(b.message, "Stopped with strategy 'Stop'");
    assert!(b.nodes.is_empty());
    // The third waited for the first, not for the stopped second.
    assert_eq!(c.nodes[0].started_at, a.finished_at.unwrap());
    // In the plain run the third waits for both.
    let [a, b, c] = &plain.workflows[..] else {
        panic!("three workflows")
    };
    assert!(a.finished_at < b.finished_at);
    assert_eq!(c.nodes[0].started_at, b.finished_at.unwrap());
}

/// A retried Retry node starts its attempts over: the failed attempts are deleted and run
/// again under the same names; a succeeded sibling is kept.
#[test]
fn retry_restarts_the_attempts_of_a_retry_node() {
    let text = r#"
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: flaky
spec:
  entrypoint: main
  templates:
    - name: main
      dag:
        tasks:
          - name: ok
            template: ok
          - name: bad
            template: bad
    - name: ok
      container:
        image: alpine
        command: [echo, fine]
    - name: bad
      retryStrategy:
        limit: 1
      container:
        image: alpine
        command: [sh, -c, "exit 3"]
"#;
    let docs: Vec<Node> = yaml::load(FileId(0), text)
        .documents
        .into_iter()
        .map(|d| d.root)
        .collect();
    let ms = Manifests::from_documents(docs.iter().map(|d| (FileId(0), d)), &mut Vec::new());
    let steps = vec![Step::Submit, wait(30), retry(), wait(30)];
    let report = run(
        &ms,
        &RunConfig {
            steps,
            ..RunConfig::default()
        },
    );
    assert!(report.diagnostics.is_empty(), "{:?}", report.diagnostics);
    let w = &report.workflows[0];
    assert_eq!(w.phase.as_str(), "Failed");
    let names: Vec<&str> = w.nodes.iter().map(|n| n.display_name.as_str()).collect();
    assert_eq!(names.len(), 5, "{names:?}");
    for d in ["bad(0)", "bad(1)"] {
        let n = w.node_by_display(d).unwrap();
        assert!(n.started_at >= 30_000, "{d} {}", n.started_at);
        assert_eq!(n.phase, NodePhase::Failed);
    }
    assert!(w.node_by_display("ok").unwrap().started_at < 30_000);
    let root = w.node("flaky").unwrap();
    assert_eq!(root.children.len(), 2, "{:?}", root.children);
    assert_eq!(w.node_by_display("bad").unwrap().children.len(), 2);
}

fn node_set(selector: &str, params: &[(&str, &str)], message: Option<&str>) -> Step {
    act(WorkflowAction::NodeSet {
        node_field_selector: selector.to_string(),
        output_parameters: params
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect(),
        message: message.map(str::to_string),
        phase: None,
    })
}

/// The errors of a session's refused actions, in order.
fn refusals(r: &RunReport) -> Vec<&str> {
    r.diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.as_str())
        .collect()
}

/// cli_test.go TestArgoSetOutputs, step by step: `argo resume` is refused while `approve`'s
/// supplied output has no value (util.go OverrideOutputParametersWithDefault); `argo node set
/// --output-parameter` sets it once ("workflow values set"), not twice ("it was already
/// set"), and not on `approve-no-vars` (no raw parameters: updateSuspendedNode); `--message`
/// sets the node's message; then the resume goes through, `release` gets the value and
/// `approve` keeps the message.
#[test]
fn set_outputs_of_a_suspend_node() {
    let docs = load("e2e-inline/cli_test__TestArgoSetOutputs.yaml").unwrap();
    let ms = Manifests::from_documents(docs.iter().map(|d| (FileId(0), d)), &mut Vec::new());
    // The CLI unquotes `message="Hello, World!"`; the parse of `--action` does the same.
    let set = WorkflowAction::parse(
        r#"node-set=displayName=approve;output-parameter=message="Hello, World!""#,
    )
    .unwrap();
    assert_eq!(
        set,
        WorkflowAction::NodeSet {
            node_field_selector: "displayName=approve".into(),
            output_parameters: vec![("message".into(), "Hello, World!".into())],
            message: None,
            phase: None,
        }
    );
    let value = [("message", "Hello, World!")];
    let mut steps = vec![Step::Submit, wait(5), act(WorkflowAction::Resume)];
    steps.extend([
        wait(1),
        act(set),
        wait(1),
        node_set("displayName=approve", &value, None),
        wait(1),
        node_set("displayName=approve-no-vars", &value, None),
        wait(1),
        node_set("displayName=approve", &[], Some("Test message")),
        wait(1),
    ]);
    // Before the last resume, both suspend nodes still wait.
    let early = run(
        &ms,
        &RunConfig {
            steps: steps.clone(),
            ..RunConfig::default()
        },
    );
    let w = first(&early).unwrap();
    assert_eq!(w.phase.as_str(), "Running", "{}", w.message);
    let approve = node(w, "approve").unwrap();
    assert_eq!(approve.phase, NodePhase::Running);
    assert_eq!(approve.message, "Test message");
    assert_eq!(
        approve
            .outputs
            .parameters
            .get("message")
            .map(String::as_str),
        Some("Hello, World!")
    );
    assert!(w.node_by_display("release").is_none());

    steps.extend([act(WorkflowAction::Resume), wait(30)]);
    let report = run(
        &ms,
        &RunConfig {
            steps,
            ..RunConfig::default()
        },
    );
    let errors = refusals(&report);
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors[0].contains(
        "raw output parameter 'message' has not been set and does not have a default value"
    ));
    assert!(errors[1].contains("it was already set"), "{}", errors[1]);
    assert!(
        errors[2].contains(
            "cannot set output parameters because node is not expecting any raw parameters"
        ),
        "{}",
        errors[2]
    );
    let w = first(&report).unwrap();
    assert_eq!(w.phase.as_str(), "Succeeded", "{}", w.message);
    let release = node(w, "release").unwrap();
    assert_eq!(release.inputs.parameters[0].value, "Hello, World!");
    assert_eq!(node(w, "approve").unwrap().message, "Test message");
    assert_eq!(
        node(w, "approve-no-vars").unwrap().phase,
        NodePhase::Succeeded
    );
}

/// What `argo node set` refuses, each leaving the workflow as it was; `--phase` ends the node.
#[test]
fn node_set_refusals_and_phase() {
    let docs = load("e2e-inline/cli_test__TestArgoSetOutputs.yaml").unwrap();
    let ms = Manifests::from_documents(docs.iter().map(|d| (FileId(0), d)), &mut Vec::new());
    let cases: Vec<(&str, &str)> = vec![
        ("node-set=", "use a node field selector to target them"),
        (
            "node-set=displayName=approve;phase=Running",
            "Running is an invalid phase to set to",
        ),
        (
            "node-set=displayName=release;message=x",
            "no suspend nodes matching nodeFieldSelector: displayName=release",
        ),
        (
            "node-set=displayName=approve;output-parameter=other=1",
            "node is not expecting output parameter 'other'",
        ),
        (
            "node-set=displayName=approve;message=x;output-parameter=other=1",
            "node is not expecting output parameter 'other'",
        ),
    ];
    for (action, want) in cases {
        let action = WorkflowAction::parse(action).unwrap();
        let report = run(
            &ms,
            &RunConfig {
                steps: vec![Step::Submit, wait(5), act(action.clone()), wait(5)],
                ..RunConfig::default()
            },
        );
        let errors = refusals(&report);
        assert!(
            errors.len() == 1 && errors[0].contains(want),
            "{action:?}: {errors:?}"
        );
        // Nothing was set: the message of the last case was not applied either.
        let w = first(&report).unwrap();
        assert_eq!(node(w, "approve").unwrap().message, "", "{action:?}");
        assert_eq!(w.phase.as_str(), "Running");
    }
    // `--phase Failed` ends the node; the step group fails with it.
    let action =
        WorkflowAction::parse("node-set=templateName=approve;phase=Failed;message=no").unwrap();
    let report = run(
        &ms,
        &RunConfig {
            steps: vec![Step::Submit, wait(5), act(action), wait(5)],
            ..RunConfig::default()
        },
    );
    assert!(refusals(&report).is_empty(), "{:?}", refusals(&report));
    let w = first(&report).unwrap();
    let approve = node(w, "approve").unwrap();
    assert_eq!(
        (approve.phase, approve.message.as_str()),
        (NodePhase::Failed, "no")
    );
    assert_eq!(approve.finished_at, Some(5_000));
    // approve-no-vars still waits, so the workflow does too.
    assert_eq!(w.phase.as_str(), "Running");
}

/// suspend_test.go TestSuspendNodeTimeoutWithoutDefaultValue / WithDefaultValue: a suspend
/// whose `duration` ends resumes its node (operator.go executeSuspend), the raw outputs taking
/// their defaults; without one the node errs with OverrideOutputParametersWithDefault's
/// message, its step group with "step group deemed errored due to child …" (executeStepGroup)
/// and the workflow ends Failed with it.
#[test]
fn suspend_timeout_with_and_without_default() {
    for (file, want) in [
        (
            "e2e-inline/suspend_test__TestSuspendNodeTimeoutWithoutDefaultValue.yaml",
            "Failed",
        ),
        (
            "e2e-inline/suspend_test__TestSuspendNodeTimeoutWithDefaultValue.yaml",
            "Succeeded",
        ),
    ] {
        let docs = load(file).unwrap();
        let ms = Manifests::from_documents(docs.iter().map(|d| (FileId(0), d)), &mut Vec::new());
        let report = run(&ms, &RunConfig::default());
        let w = first(&report).unwrap();
        assert_eq!(w.phase.as_str(), want, "{file}: {}", w.message);
        let approve = node(w, "approve").unwrap();
        assert_eq!(approve.finished_at, Some(5_000), "{file}");
        if want == "Failed" {
            let raw = "raw output parameter 'message' has not been set and does not have a \
                       default value";
            assert_eq!(
                (approve.phase, approve.message.as_str()),
                (NodePhase::Error, raw)
            );
            let group = node(w, "[0]").unwrap();
            assert_eq!(group.phase, NodePhase::Error);
            assert_eq!(
                group.message,
                format!(
                    "step group deemed errored due to child {}[0].approve error: {raw}",
                    w.name
                )
            );
            assert_eq!(w.message, group.message);
            assert!(w.node_by_display("release").is_none());
        } else {
            assert_eq!(
                approve
                    .outputs
                    .parameters
                    .get("message")
                    .map(String::as_str),
                Some("default message")
            );
            let release = node(w, "release").unwrap();
            assert_eq!(release.inputs.parameters[0].value, "default message");
        }
    }
}
