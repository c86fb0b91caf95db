//! A `containerSet` pod, container by container, as Argo's emissary executor and controller run
//! it: every container of the set starts with the pod; one with `dependencies` waits (inside its
//! emissary) until they have exited; a failing command is run again in the same container per
//! `containerSet.retryStrategy`; when a container exits non-zero, the controller terminates the
//! containers still running.
//!
//! Mirrors, in argo-workflows (v4): `cmd/argoexec/commands/emissary.go` (`waitForDependencies`,
//! the `retry.OnError` loop), `ContainerSetTemplate.GetRetryStrategy`
//! (`pkg/apis/workflow/v1alpha1/container_set_template_types.go`) and, in
//! `workflow/controller/operator.go`, `podHasContainerNeedingTermination` / `cleanUpPod`,
//! `assessNodeStatus` (the Container nodes' phases) and `inferFailedReason` (the pod's message).

use std::collections::BTreeMap;

use super::container::{self, Behaviour, Limits};
use crate::argo::model::spec::{SetContainer, SetRetryStrategy};
use crate::fnv::fnv64;
use crate::sim::{parse_duration, Millis};

/// How many attempts a container's command gets at most, whatever `retries` says (bounded work).
const MAX_ATTEMPTS: u64 = 100;

/// How one container of the set ended.
#[derive(Clone, Debug, PartialEq)]
pub struct Exited {
    pub name: String,
    /// When it exited, counted from the pod's start.
    pub at: Millis,
    pub exit_code: i32,
    /// The kubelet's `state.terminated.reason`: `Completed`, `Error` or `OOMKilled`.
    pub reason: &'static str,
    /// The termination message (`argoexec` writes its own errors there).
    pub message: String,
    pub stdout: String,
}

impl Exited {
    /// The Container node's phase and message, as `assessNodeStatus` derives them: exit code 0
    /// Succeeded, 64 (the emissary's own failure) Error, else Failed with
    /// `<reason> (exit code N): <message>`.
    pub fn node_phase(&self) -> (super::NodePhase, String) {
        use super::NodePhase;
        let message = format!(
            "{} (exit code {}): {}",
            self.reason, self.exit_code, self.message
        );
        match self.exit_code {
            0 => (NodePhase::Succeeded, String::new()),
            64 => (NodePhase::Error, message),
            _ => (NodePhase::Failed, message),
        }
    }
}

/// The set's run: each container's end, and the pod as a whole (its duration is the last exit;
/// its exit code and message those `pod_failure` picks).
pub struct SetRun {
    pub containers: Vec<Exited>,
    pub pod: Behaviour,
}

/// Runs the containers of a set over `files` (the pod's inputs). Containers see the files the
/// ones before them (dependencies first, then YAML order) wrote, as they do through the set's
/// shared volume mounts.
pub fn run(
    containers: &[SetContainer],
    retry: Option<&SetRetryStrategy>,
    files: &BTreeMap<String, String>,
    seed: u64,
) -> SetRun {
    let (attempts, pause) = attempts(retry);
    let mut files = files.clone();
    let mut recognised = true;
    let mut ended: Vec<Option<Ended>> = vec![None; containers.len()];
    for k in order(containers) {
        let c = &containers[k];
        let end = match wait_for_dependencies(c, containers, &ended) {
            Err(end) => end,
            Ok(start) => {
                let limits = Limits {
                    memory: c
                        .memory_limit
                        .as_deref()
                        .and_then(container::quantity_bytes),
                };
                let mut at = start;
                let mut stdout = String::new();
                let mut last = None;
                // `retry.OnError` with `Steps: retries`: at most `retries` runs, `duration`
                // apart; a set without a retryStrategy runs once.
                for attempt in 0..attempts {
                    if attempt > 0 {
                        at = at.saturating_add(pause);
                    }
                    let seed = seed ^ fnv64(&c.name) ^ attempt;
                    let b = container::simulate_limited(
                        &c.image, &c.command, &c.args, None, &files, seed, limits,
                    );
                    at = at.saturating_add(b.duration);
                    stdout.push_str(&b.stdout);
                    files = b.files.clone();
                    recognised &= b.recognised;
                    let done = b.exit_code == 0 || b.oom_killed;
                    last = Some(b);
                    if done {
                        break;
                    }
                }
                match last {
                    // The OOM killer ends the container's whole cgroup, its emissary too: no
                    // exit code is written for the containers waiting on it.
                    Some(b) if b.oom_killed => {
                        Ended::exited(at, 137, "OOMKilled", "", stdout).without_exit_code()
                    }
                    Some(b) => Ended::exited(
                        at,
                        b.exit_code,
                        if b.exit_code == 0 {
                            "Completed"
                        } else {
                            "Error"
                        },
                        b.message.as_deref().unwrap_or_default(),
                        stdout,
                    ),
                    // `retries: 0`: `wait.ExponentialBackoff` with no steps never calls the
                    // command, and `retry.OnError` returns no error: exit code 0.
                    None => Ended::exited(at, 0, "Completed", "", stdout),
                }
            }
        };
        ended[k] = Some(end);
    }
    // The controller terminates (SIGTERM: exit code 143) every container still running once
    // one has exited non-zero (`podHasContainerNeedingTermination`).
    let first_failure = ended
        .iter()
        .flatten()
        .filter(|e| e.exit_code != 0)
        .filter_map(|e| e.at)
        .min();
    let mut out = Vec::with_capacity(containers.len());
    for (c, e) in containers.iter().zip(ended) {
        let mut e = e.unwrap_or_else(|| Ended::exited(0, 0, "Completed", "", String::new()));
        if let Some(t) = first_failure {
            if e.at.is_none_or(|at| at > t) {
                e = Ended::exited(t, 143, "Error", "", e.stdout);
            }
        }
        out.push(Exited {
            name: c.name.clone(),
            at: e.at.unwrap_or(0),
            exit_code: e.exit_code,
            reason: e.reason,
            message: e.message,
            stdout: e.stdout,
        });
    }
    let (exit_code, _) = pod_failure(&out).unwrap_or((0, String::new()));
    // The pod's `result` is the stdout of its `main` container (or of its only one).
    let stdout = out
        .iter()
        .find(|e| e.name == "main" || out.len() == 1)
        .map(|e| e.stdout.clone())
        .unwrap_or_default();
    let pod = Behaviour {
        exit_code,
        duration: out.iter().map(|e| e.at).max().unwrap_or(0),
        stdout,
        files,
        recognised,
        oom_killed: false,
        message: None,
    };
    SetRun {
        containers: out,
        pod,
    }
}

/// The pod's exit code and message when a container failed: `inferFailedReason` takes the first
/// container, in the kubelet's order (by name), that exited non-zero: `<reason> (exit code N)`,
/// then `: <message>` when there is one.
pub fn pod_failure(containers: &[Exited]) -> Option<(i32, String)> {
    let mut by_name: Vec<&Exited> = containers.iter().collect();
    by_name.sort_by(|a, b| a.name.cmp(&b.name));
    let e = by_name.into_iter().find(|e| e.exit_code != 0)?;
    let mut message = format!("{} (exit code {})", e.reason, e.exit_code);
    if !e.message.is_empty() {
        message = format!("{message}: {}", e.message);
    }
    Some((e.exit_code, message))
}

/// A container's end while the set is worked out; `at: None` while it waits forever (on a
/// dependency that died without an exit code) until the controller terminates it.
#[derive(Clone, Debug)]
struct Ended {
    at: Option<Millis>,
    exit_code: i32,
    reason: &'static str,
    message: String,
    stdout: String,
    /// Whether its emissary wrote the exit code its dependents read.
    exit_code_written: bool,
}

impl Ended {
    fn exited(
        at: Millis,
        exit_code: i32,
        reason: &'static str,
        message: &str,
        stdout: String,
    ) -> Self {
        Ended {
            at: Some(at),
            exit_code,
            reason,
            message: message.to_string(),
            stdout,
            exit_code_written: true,
        }
    }

    fn without_exit_code(mut self) -> Self {
        self.exit_code_written = false;
        self
    }
}

/// `waitForDependencies`: the dependencies in their order, each until it has exited. `Ok(t)`:
/// all exited 0 by `t`; `Err`: how the container ends instead — exit code 64 with argoexec's
/// error as the termination message when one exited non-zero, or waiting for ever when one died
/// without writing its exit code.
fn wait_for_dependencies(
    c: &SetContainer,
    containers: &[SetContainer],
    ended: &[Option<Ended>],
) -> Result<Millis, Ended> {
    let mut start: Millis = 0;
    for dep in &c.dependencies {
        let Some(d) = containers
            .iter()
            .position(|x| &x.name == dep)
            .and_then(|k| ended[k].as_ref())
        else {
            // Unknown (lint reports it) or in a cycle: not waited for.
            continue;
        };
        let Some(at) = d.at else {
            return Err(waiting_for_ever());
        };
        start = start.max(at);
        if !d.exit_code_written {
            return Err(waiting_for_ever());
        }
        if d.exit_code != 0 {
            let message = format!(
                "dependency \"{dep}\" exited with non-zero code: {}",
                d.exit_code
            );
            return Err(Ended::exited(start, 64, "Error", &message, String::new()));
        }
    }
    Ok(start)
}

fn waiting_for_ever() -> Ended {
    Ended {
        at: None,
        exit_code: 0,
        reason: "Completed",
        message: String::new(),
        stdout: String::new(),
        exit_code_written: false,
    }
}

/// Dependencies first, otherwise in YAML order; containers in a cycle (which lint rejects) come
/// last in YAML order.
fn order(containers: &[SetContainer]) -> Vec<usize> {
    let mut placed = vec![false; containers.len()];
    let mut out = Vec::with_capacity(containers.len());
    // Each pass places at least one container or stops: at most n passes.
    for _ in 0..containers.len() {
        let before = out.len();
        for (k, c) in containers.iter().enumerate() {
            if placed[k] {
                continue;
            }
            let ready = c.dependencies.iter().all(|d| {
                containers
                    .iter()
                    .position(|x| &x.name == d)
                    .is_none_or(|j| placed[j])
            });
            if ready {
                placed[k] = true;
                out.push(k);
            }
        }
        if out.len() == before {
            break;
        }
    }
    out.extend((0..containers.len()).filter(|&k| !placed[k]));
    out
}

/// The number of runs a container's command gets and the pause between them.
fn attempts(retry: Option<&SetRetryStrategy>) -> (u64, Millis) {
    let Some(r) = retry else { return (1, 0) };
    let Some(retries) = r.retries.as_deref() else {
        return (1, 0);
    };
    let steps = retries
        .trim()
        .parse::<i64>()
        .unwrap_or(0)
        .clamp(0, MAX_ATTEMPTS as i64) as u64;
    let pause = r.duration.as_deref().and_then(parse_duration).unwrap_or(0);
    (steps, pause)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(yaml: &[(&str, &str, &[&str], Option<&str>)]) -> Vec<SetContainer> {
        yaml.iter()
            .map(|(name, script, deps, memory)| SetContainer {
                name: name.to_string(),
                image: "argoproj/argosay:v2".into(),
                command: vec!["sh".into(), "-c".into()],
                args: vec![script.to_string()],
                dependencies: deps.iter().map(|d| d.to_string()).collect(),
                memory_limit: memory.map(str::to_string),
            })
            .collect()
    }

    fn retry(retries: &str, duration: Option<&str>) -> SetRetryStrategy {
        SetRetryStrategy {
            retries: Some(retries.into()),
            duration: duration.map(str::to_string),
        }
    }

    const TOUCH_THEN_SUCCEED: &str = r#"FILE=test.yml; EXITCODE=1; if test -f "$FILE"; then EXITCODE=0; else touch $FILE; fi; exit $EXITCODE"#;

    /// TestContainerSetRetryFail (test/e2e/functional_test.go): the second run of the command,
    /// in the same container, finds the file the first wrote.
    #[test]
    fn a_retry_runs_again_in_the_same_container() {
        let cs = set(&[("a", TOUCH_THEN_SUCCEED, &[], None)]);
        let r = run(&cs, Some(&retry("2", Some("5s"))), &BTreeMap::new(), 1);
        assert_eq!(r.containers[0].exit_code, 0);
        assert_eq!(r.pod.exit_code, 0);
        // Two runs of 1 s, 5 s apart.
        assert_eq!(r.containers[0].at, 7_000);
    }

    /// TestContainerSetRetrySuccess: no retryStrategy, one run, exit code 1.
    #[test]
    fn without_a_retry_strategy_the_command_runs_once() {
        let cs = set(&[("a", TOUCH_THEN_SUCCEED, &[], None)]);
        let r = run(&cs, None, &BTreeMap::new(), 1);
        assert_eq!(r.containers[0].exit_code, 1);
        assert_eq!(pod_failure(&r.containers).unwrap().1, "Error (exit code 1)");
    }

    /// TestWorkflowTemplateWithRetryStrategyInContainerSet counts "intentional failure" twice in
    /// the logs of a container with `retries: "2"`: `retries` is the number of runs.
    #[test]
    fn retries_counts_runs_not_reruns() {
        let cs = set(&[("c3", "echo intentional failure; exit 1", &[], None)]);
        let r = run(&cs, Some(&retry("2", None)), &BTreeMap::new(), 1);
        assert_eq!(
            r.containers[0]
                .stdout
                .matches("intentional failure")
                .count(),
            2
        );
        assert_eq!(r.containers[0].exit_code, 1);
    }

    /// TestSignaledContainerSet (test/e2e/signals_test.go): `dd bs=512M` under a 50Mi limit is
    /// OOM-killed (137); its dependent, waiting on an exit code never written, is terminated by
    /// the controller (143). The pod's message is the first failed container's by name.
    #[test]
    fn an_oom_kill_terminates_the_waiting_dependent() {
        let one = "echo \"hello one\"\n# comment\ndd if=/dev/zero of=/dev/null bs=512M count=1\n";
        let cs = set(&[
            ("one", one, &[], Some("50Mi")),
            ("two", "echo two", &["one"], Some("250Mi")),
        ]);
        let r = run(&cs, None, &BTreeMap::new(), 1);
        let (one, two) = (&r.containers[0], &r.containers[1]);
        assert_eq!((one.exit_code, one.reason), (137, "OOMKilled"));
        assert_eq!((two.exit_code, two.at), (143, one.at));
        assert_eq!(one.node_phase().1, "OOMKilled (exit code 137): ");
        assert_eq!(
            pod_failure(&r.containers),
            Some((137, "OOMKilled (exit code 137)".to_string()))
        );
    }

    /// Under the limit, `dd` just runs.
    #[test]
    fn dd_under_the_limit_succeeds() {
        let cs = set(&[(
            "one",
            "dd if=/dev/zero of=/dev/null bs=1M count=1",
            &[],
            Some("50Mi"),
        )]);
        let r = run(&cs, None, &BTreeMap::new(), 1);
        assert_eq!(r.containers[0].exit_code, 0);
    }

    /// A dependency that exits non-zero writes its exit code: the dependent's emissary exits 64
    /// with its error (`waitForDependency`), an Error node; a sibling still running is
    /// terminated (143).
    #[test]
    fn a_failed_dependency_fails_its_dependent_with_the_emissary_error() {
        let cs = set(&[
            ("a", "exit 3", &[], None),
            ("b", "echo b", &["a"], None),
            ("c", "sleep 30", &[], None),
        ]);
        let r = run(&cs, None, &BTreeMap::new(), 1);
        let b = &r.containers[1];
        assert_eq!(b.exit_code, 64);
        assert_eq!(b.message, "dependency \"a\" exited with non-zero code: 3");
        assert_eq!(b.node_phase().0, super::super::NodePhase::Error);
        assert_eq!(r.containers[2].exit_code, 143);
        assert_eq!(r.pod.duration, 1_000);
    }

    /// Dependencies start when theirs end; the pod lasts until the last container exits.
    #[test]
    fn dependencies_run_in_sequence() {
        let cs = set(&[("b", "sleep 2", &["a"], None), ("a", "sleep 3", &[], None)]);
        let r = run(&cs, None, &BTreeMap::new(), 1);
        assert_eq!(r.containers[1].at, 4_000);
        assert_eq!(r.containers[0].at, 7_000);
        assert_eq!(r.pod.duration, 7_000);
        assert_eq!(r.pod.exit_code, 0);
    }

    #[test]
    fn quantities() {
        assert_eq!(container::quantity_bytes("50Mi"), Some(50 * 1024 * 1024));
        assert_eq!(container::quantity_bytes("1G"), Some(1_000_000_000));
        assert_eq!(container::quantity_bytes("129e6"), Some(129_000_000));
        assert_eq!(container::quantity_bytes("0.5Gi"), Some(512 * 1024 * 1024));
        assert_eq!(container::quantity_bytes("lots"), None);
    }
}
