//! The workflow controller: runs a Workflow's templates on the simulated clock the way Argo's
//! operator does — resolve the template, substitute `{{...}}`, then DAG tasks, step groups,
//! loops, retries, exit handlers and pods, deriving node phases and messages as the controller
//! does, and the workflow phase from the root node and the exit handler.
//!
//! **Architecture Invariant:** the controller is a pure reconciliation: [`WorkflowRun::operate`]
//! looks at the node tree at simulated time `now`, creates or completes nodes, and asks to be
//! woken at later instants (pods finishing, backoffs, suspends). It reads no wall clock, never
//! panics on user input, and bounds the number of nodes it creates.

pub mod container;
pub mod container_set;
pub mod data;
pub mod http;
mod operator;
pub mod resource;
pub mod subst;
pub mod sync;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diag::Diagnostic;
use crate::sim::{Millis, Trace};
use crate::yaml::Node;

pub use operator::{timestamp as operator_timestamp, Library, Override, Shared};

/// A node's phase, in Argo's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum NodePhase {
    Pending,
    Running,
    Succeeded,
    Failed,
    Error,
    Skipped,
    Omitted,
}

impl NodePhase {
    pub fn as_str(self) -> &'static str {
        match self {
            NodePhase::Pending => "Pending",
            NodePhase::Running => "Running",
            NodePhase::Succeeded => "Succeeded",
            NodePhase::Failed => "Failed",
            NodePhase::Error => "Error",
            NodePhase::Skipped => "Skipped",
            NodePhase::Omitted => "Omitted",
        }
    }
    /// Succeeded, Failed or Error.
    pub fn completed(self) -> bool {
        matches!(
            self,
            NodePhase::Succeeded | NodePhase::Failed | NodePhase::Error
        )
    }
    /// Completed, Skipped or Omitted.
    pub fn fulfilled(self) -> bool {
        self.completed() || matches!(self, NodePhase::Skipped | NodePhase::Omitted)
    }
    pub fn failed_or_error(self) -> bool {
        matches!(self, NodePhase::Failed | NodePhase::Error)
    }
}

/// A workflow's phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum WorkflowPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
    Error,
}

impl WorkflowPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            WorkflowPhase::Pending => "Pending",
            WorkflowPhase::Running => "Running",
            WorkflowPhase::Succeeded => "Succeeded",
            WorkflowPhase::Failed => "Failed",
            WorkflowPhase::Error => "Error",
        }
    }
}

/// The outputs of a node.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Outputs {
    pub result: Option<String>,
    pub parameters: BTreeMap<String, String>,
    #[serde(rename = "exitCode")]
    pub exit_code: Option<i32>,
    /// Artifacts by name, with their (simulated) content.
    #[serde(skip)]
    pub artifacts: BTreeMap<String, String>,
}

/// A node's inputs as its status shows them: parameters with the values the node received,
/// and the input artifacts' names.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Inputs {
    pub parameters: Vec<NamedValue>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub artifacts: Vec<String>,
}

impl Inputs {
    pub fn is_empty(&self) -> bool {
        self.parameters.is_empty() && self.artifacts.is_empty()
    }
}

/// A memoized node's `memoizationStatus`: whether its outputs came from the cache.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MemoizationStatus {
    pub hit: bool,
    pub key: String,
    #[serde(rename = "cacheName")]
    pub cache_name: String,
}

/// `{name, value}`, as Argo lists parameters.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NamedValue {
    pub name: String,
    pub value: String,
}

/// One node of a workflow's status, as `argo get` shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NodeStatus {
    pub id: String,
    pub name: String,
    #[serde(rename = "displayName")]
    pub display_name: String,
    #[serde(rename = "type")]
    pub node_type: &'static str,
    pub phase: NodePhase,
    pub message: String,
    #[serde(rename = "startedAt")]
    pub started_at: Millis,
    #[serde(rename = "finishedAt")]
    pub finished_at: Option<Millis>,
    pub logs: Vec<String>,
    #[serde(skip_serializing_if = "Inputs::is_empty")]
    pub inputs: Inputs,
    #[serde(rename = "memoizationStatus", skip_serializing_if = "Option::is_none")]
    pub memoization_status: Option<MemoizationStatus>,
    pub outputs: Outputs,
    #[serde(rename = "templateName")]
    pub template_name: String,
    pub children: Vec<String>,
    /// A daemon (`daemon: true`) that is up.
    pub daemoned: bool,
}

/// A workflow being run by the controller.
pub struct WorkflowRun {
    pub name: String,
    pub namespace: String,
    pub phase: WorkflowPhase,
    pub message: String,
    pub nodes: Vec<NodeStatus>,
    pub started_at: Millis,
    pub finished_at: Option<Millis>,
    pub diagnostics: Vec<Diagnostic>,
    pub trace: Trace,
    /// Instants at which the controller wants to be woken.
    pub wakes: Vec<Millis>,
    /// The service account the workflow's pods run as.
    pub service_account: String,
    /// The resource a Sensor trigger created this run from (its parameters applied), as it would
    /// be sent to the API server; `None` for a Workflow submitted directly.
    pub manifest: Option<serde_json::Value>,
    /// `metadata.generateName` the workflow was created with (a resubmit uses it again).
    pub generate_name: Option<String>,
    /// When `kubectl delete` / `argo delete` removed the workflow: it is no longer operated.
    pub deleted_at: Option<Millis>,
    state: operator::State,
    index: operator::NameMap<usize>,
    by_id: operator::NameMap<usize>,
}

/// How a workflow is created.
pub struct Submission<'a> {
    pub name: String,
    pub namespace: String,
    /// The Workflow's (or CronWorkflow's `workflowSpec`) `spec` node.
    pub spec: &'a Node,
    /// What the workflow may reference, shared (never copied) with the run's other workflows.
    pub library: &'a std::rc::Rc<Library>,
    pub overrides: &'a [Override],
    /// Seeds the random behaviour of the workflow's containers.
    pub seed: u64,
    /// Set when the workflow's service account may not create `workflowtaskresults`: the
    /// executor's message, with which every pod then ends in Error.
    pub task_results_forbidden: Option<String>,
    /// `metadata.generateName`, if the name was generated.
    pub generate_name: Option<String>,
}

/// What a user does to a Workflow from the CLI or the UI (`argo stop`, `argo retry`, ...), as
/// the Argo server does it: by patching the Workflow (`spec.shutdown`, `spec.suspend`, its
/// status for a retry) or creating a new one (resubmit).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WorkflowAction {
    /// `argo stop`: `spec.shutdown: Stop` — running pods are stopped, no new pods are created,
    /// but exit handlers run.
    Stop,
    /// `argo terminate`: `spec.shutdown: Terminate` — as Stop, and exit handlers do not run.
    Terminate,
    /// `argo suspend`: `spec.suspend: true` — running pods finish, no new nodes are created.
    Suspend,
    /// `argo resume`: clears `spec.suspend` and completes running suspend-template nodes.
    Resume,
    /// `argo retry [--restart-successful --node-field-selector S]`: failed nodes (and the nodes
    /// under and after them) are deleted and run again; succeeded nodes are kept unless
    /// selected.
    Retry {
        restart_successful: bool,
        node_field_selector: Option<String>,
    },
    /// `argo node set WORKFLOW --node-field-selector S [--output-parameter NAME=VALUE]...
    /// [--message M] [--phase P]` (util.go `updateSuspendedNode`): sets what is given on the
    /// running suspend nodes the selector picks — a `valueFrom.supplied` output parameter not
    /// set yet, the node's message, its phase (Succeeded, Failed or Error).
    NodeSet {
        node_field_selector: String,
        output_parameters: Vec<(String, String)>,
        message: Option<String>,
        phase: Option<String>,
    },
    /// `argo resubmit`: a new Workflow from the same spec.
    Resubmit,
    /// `argo delete`.
    Delete,
}

impl WorkflowAction {
    /// Parses an action as the CLI names it: `stop`, `terminate`, `suspend`, `resume`,
    /// `retry`, `retry-successful=SELECTOR` (`--restart-successful --node-field-selector`),
    /// `resubmit`, `delete`, and `node-set=SELECTOR` followed by `;`-separated
    /// `output-parameter=NAME=VALUE` (repeatable), `message=TEXT`, `phase=PHASE` (`argo node
    /// set`; a VALUE in double quotes is unquoted, as the argo CLI does).
    pub fn parse(text: &str) -> Result<WorkflowAction, String> {
        if let Some(rest) = text.strip_prefix("node-set=") {
            return parse_node_set(rest);
        }
        Ok(match text {
            "stop" => WorkflowAction::Stop,
            "terminate" => WorkflowAction::Terminate,
            "suspend" => WorkflowAction::Suspend,
            "resume" => WorkflowAction::Resume,
            "retry" => WorkflowAction::Retry {
                restart_successful: false,
                node_field_selector: None,
            },
            "resubmit" => WorkflowAction::Resubmit,
            "delete" => WorkflowAction::Delete,
            other => match other.strip_prefix("retry-successful=") {
                Some(sel) => WorkflowAction::Retry {
                    restart_successful: true,
                    node_field_selector: Some(sel.to_string()),
                },
                None => {
                    return Err(format!(
                        "unknown action '{other}' (expected stop, terminate, suspend, resume, \
                         retry, retry-successful=SELECTOR, node-set=SELECTOR;..., resubmit \
                         or delete)"
                    ))
                }
            },
        })
    }

    /// The verb, as `argo` prints it ("workflow X stopped").
    pub fn as_str(&self) -> &'static str {
        match self {
            WorkflowAction::Stop => "stop",
            WorkflowAction::Terminate => "terminate",
            WorkflowAction::Suspend => "suspend",
            WorkflowAction::Resume => "resume",
            WorkflowAction::Retry { .. } => "retry",
            WorkflowAction::NodeSet { .. } => "node set",
            WorkflowAction::Resubmit => "resubmit",
            WorkflowAction::Delete => "delete",
        }
    }
}

/// `node-set=SELECTOR;output-parameter=NAME=VALUE;message=TEXT;phase=PHASE`.
fn parse_node_set(text: &str) -> Result<WorkflowAction, String> {
    let mut parts = text.split(';');
    let node_field_selector = parts.next().unwrap_or_default().trim().to_string();
    let mut output_parameters: Vec<(String, String)> = Vec::new();
    let (mut message, mut phase) = (None, None);
    for part in parts.filter(|p| !p.is_empty()) {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| format!("node-set: expected KEY=VALUE, got '{part}'"))?;
        match key {
            "output-parameter" | "p" => {
                // cmd/argo/commands/node.go: NAME=VALUE, VALUE unquoted when it is quoted.
                let (name, v) = value.split_once('=').ok_or_else(|| {
                    format!("expected parameter of the form: NAME=VALUE. Received: {value}")
                })?;
                let v = unquote(v).unwrap_or_else(|| v.to_string());
                // The CLI sends a map: the last value of a name wins.
                output_parameters.retain(|(n, _)| n != name);
                output_parameters.push((name.to_string(), v));
            }
            "message" | "m" => message = Some(value.to_string()),
            "phase" => phase = Some(value.to_string()),
            other => {
                return Err(format!(
                    "node-set: unknown flag '{other}' (expected output-parameter, message or \
                     phase)"
                ))
            }
        }
    }
    Ok(WorkflowAction::NodeSet {
        node_field_selector,
        output_parameters,
        message,
        phase,
    })
}

/// Go's `strconv.Unquote` for a double-quoted string (the common escapes); `None` when `s` is
/// not one.
fn unquote(s: &str) -> Option<String> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '"' => return None,
            '\\' => out.push(match chars.next()? {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                c @ ('"' | '\\') => c,
                _ => return None,
            }),
            c => out.push(c),
        }
    }
    Some(out)
}

impl WorkflowRun {
    /// The node called `name`.
    pub fn node(&self, name: &str) -> Option<&NodeStatus> {
        self.index.get(name).map(|&i| &self.nodes[i])
    }

    /// The first node with display name `display`.
    pub fn node_by_display(&self, display: &str) -> Option<&NodeStatus> {
        self.nodes.iter().find(|n| n.display_name == display)
    }

    pub fn is_done(&self) -> bool {
        self.finished_at.is_some()
    }

    /// `status.progress` and each node's `progress`, as Argo's `UpdateProgress` computes them:
    /// a pod, HTTP, plugin, container or suspend node is `0/1`, `1/1` once Succeeded, Skipped
    /// or Omitted; any other node sums the executable nodes under it; the workflow sums every
    /// executable node (so the root's progress equals the workflow's).
    pub fn progress(&self) -> (Progress, Vec<Progress>) {
        let executable = has_own_progress;
        let own: Vec<Progress> = self
            .nodes
            .iter()
            .map(|n| Progress {
                done: u64::from(progress_done(n.phase.as_str())),
                total: 1,
            })
            .collect();
        let mut total = Progress::default();
        for (n, p) in self.nodes.iter().zip(&own) {
            if executable(n.node_type) {
                total = total.add(*p);
            }
        }
        let mut each = Vec::with_capacity(self.nodes.len());
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            if executable(n.node_type) {
                each.push(own[i]);
                continue;
            }
            // sumProgress: every node reachable through children, each once.
            let mut sum = Progress::default();
            let mut visited = Vec::new();
            stack.push(i);
            while let Some(k) = stack.pop() {
                for c in &self.nodes[k].children {
                    let Some(&c) = self.by_id.get(c) else {
                        continue;
                    };
                    if seen[c] {
                        continue;
                    }
                    seen[c] = true;
                    visited.push(c);
                    if executable(self.nodes[c].node_type) {
                        sum = sum.add(own[c]);
                    }
                    stack.push(c);
                }
            }
            for v in visited {
                seen[v] = false;
            }
            each.push(sum);
        }
        (total, each)
    }
}

/// Whether a node of this type has a progress of its own, `0/1` or `1/1` (Argo's
/// `executable`: pods, HTTP requests, plugins, containers, suspends); the others sum theirs.
pub fn has_own_progress(node_type: &str) -> bool {
    matches!(
        node_type,
        "Pod" | "HTTP" | "Plugin" | "Container" | "Suspend"
    )
}

/// Whether a node in this phase counts as done in a progress (Succeeded, Skipped, Omitted).
pub fn progress_done(phase: &str) -> bool {
    matches!(phase, "Succeeded" | "Skipped" | "Omitted")
}

/// Argo's `Progress`: `done/total` of the executable nodes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

impl Progress {
    fn add(self, other: Progress) -> Progress {
        Progress {
            done: self.done + other.done,
            total: self.total + other.total,
        }
    }
}

impl std::fmt::Display for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.done, self.total)
    }
}

/// The node ID Argo derives from a node name (`<workflow>-<fnv32a(name)>`, the root is the
/// workflow's name).
pub fn node_id(workflow: &str, node_name: &str) -> String {
    if workflow == node_name {
        return workflow.to_string();
    }
    let mut h: u32 = 0x811c_9dc5;
    for b in node_name.bytes() {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    let mut id = String::with_capacity(workflow.len() + 11);
    id.push_str(workflow);
    id.push('-');
    push_decimal(&mut id, u64::from(h));
    id
}

/// Appends `n` in decimal: what `format!` does, without its machinery (node names and ids are
/// built for each of a fan-out's thousands of nodes).
pub(crate) fn push_decimal(out: &mut String, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut k = digits.len();
    loop {
        k -= 1;
        digits[k] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[k..].iter().map(|&d| char::from(d)));
}
