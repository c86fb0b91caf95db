//! The reconciliation itself: `executeTemplate`, retries, steps, DAGs, pods, exit handlers.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::rc::Rc;

use serde_json::Value as Json;

use super::container::{self, Behaviour};
use super::container_set;
use super::data::{self, ArtifactStore};
use super::http;
use super::resource;
use super::subst::{self, Scope, Strict};
use super::sync::{lock_refs, Acquire, Locks};
use super::{
    node_id, Inputs, MemoizationStatus, NamedValue, NodePhase, NodeStatus, Outputs, Submission,
    WorkflowAction, WorkflowPhase, WorkflowRun,
};
use crate::argo::expr::{self, Depends, Dialect};
use crate::argo::model::json::{json_text, to_json};
use crate::argo::model::spec::{
    Arguments, Invocation, Parameter, TemplateBody, TemplateRef, WorkflowSpec,
};
use crate::argo::model::{lint, texts};
use crate::argo::model::{Kind, Manifests, Template};
use crate::fnv::fnv64;
use crate::sim::{parse_duration, Millis, Trace};
use crate::yaml::{Node, Value};

/// A workflow may not create more nodes than this (a simulation must terminate).
pub const MAX_NODES: usize = 20_000;
/// Templates may nest this deep (a template calling itself must stop somewhere).
pub const MAX_DEPTH: usize = 100;
/// The node message of a template nested deeper than [`MAX_DEPTH`] (Argo's
/// `ErrMaxDepthExceeded`, which a step group does not report as its own error).
const MAX_DEPTH_MESSAGE: &str = "Maximum recursion depth exceeded";
/// The message of a steps or DAG node that its template's `failFast` ends (Argo's
/// `checkParallelism`; functional_test.go TestWorkflowParallelismStepFailFast/DAGFailFast).
const FAIL_FAST_MESSAGE: &str = "template has failed or errored children and failFast enabled";

/// The WorkflowTemplates, ClusterWorkflowTemplates and ConfigMaps a workflow can refer to.
#[derive(Clone, Debug, Default)]
pub struct Library {
    pub workflow_templates: HashMap<String, Node>,
    pub cluster_workflow_templates: HashMap<String, Node>,
    pub config_maps: HashMap<String, BTreeMap<String, String>>,
}

impl Library {
    pub fn from_manifests(ms: &Manifests) -> Library {
        let mut lib = Library::default();
        for m in &ms.items {
            let Some(spec) = m.spec() else {
                if m.kind == Kind::ConfigMap {
                    lib.config_maps
                        .insert(m.name.clone(), config_map_data(&m.root));
                }
                continue;
            };
            // A template the API server would refuse is not in the cluster.
            if !lint::structural(spec).is_empty() {
                continue;
            }
            match m.kind {
                Kind::WorkflowTemplate => {
                    lib.workflow_templates
                        .entry(m.name.clone())
                        .or_insert_with(|| spec.clone());
                }
                Kind::ClusterWorkflowTemplate => {
                    lib.cluster_workflow_templates
                        .entry(m.name.clone())
                        .or_insert_with(|| spec.clone());
                }
                Kind::ConfigMap => {
                    lib.config_maps
                        .insert(m.name.clone(), config_map_data(&m.root));
                }
                _ => {}
            }
        }
        lib
    }
}

fn config_map_data(root: &Node) -> BTreeMap<String, String> {
    root.get("data")
        .and_then(Node::as_mapping)
        .unwrap_or_default()
        .iter()
        .filter_map(|e| Some((e.key.as_str()?.to_string(), e.value.as_str()?.to_string())))
        .collect()
}

/// Whether `path` is one of the directories of every Linux image (`/etc`, `/usr`, ...): an
/// output artifact there exists whatever the container did.
fn in_every_image(path: &str) -> bool {
    const DIRS: &[&str] = &[
        "/bin", "/etc", "/home", "/lib", "/opt", "/root", "/sbin", "/tmp", "/usr", "/var",
    ];
    let path = path.trim_end_matches('/');
    DIRS.contains(&path)
}

/// A `configMapKeyRef`'s value. Its name and key may use the workflow's variables (`name:
/// '{{workflow.parameters.cm-name}}'`), substituted first as Argo's
/// `substituteAndGetConfigMapValue` does.
fn config_map_value<V: subst::Vars + ?Sized>(
    library: &Library,
    name: &str,
    key: &str,
    vars: &V,
) -> Option<String> {
    let name = subst::replace(name, vars, Strict::No).ok()?;
    let key = subst::replace(key, vars, Strict::No).ok()?;
    library.config_maps.get(&name)?.get(&key).cloned()
}

/// An explicit container behaviour, for a template name or a node display name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Override {
    pub target: String,
    pub exit_code: Option<i32>,
    pub duration: Option<Millis>,
    pub stdout: Option<String>,
    /// An `http` template's response status (its `stdout` is the response body).
    pub status_code: Option<u16>,
    pub parameters: BTreeMap<String, String>,
    /// The first N attempts fail with exit code 1 (then the others behave as configured).
    pub fail_attempts: u32,
}

impl Override {
    /// The override a template declares in its `metadata.annotations`:
    /// `pipelab.dev/exit-code`, `pipelab.dev/duration`, `pipelab.dev/stdout`,
    /// `pipelab.dev/status-code`, `pipelab.dev/fail-attempts` and `pipelab.dev/output.NAME`.
    pub fn from_annotations(annotations: &[(String, String)]) -> Option<Override> {
        let mut o = Override::default();
        let mut any = false;
        for (k, v) in annotations {
            let Some(key) = k.strip_prefix("pipelab.dev/") else {
                continue;
            };
            any = true;
            match key {
                "exit-code" => o.exit_code = v.trim().parse().ok(),
                "duration" => o.duration = parse_duration(v),
                "stdout" => o.stdout = Some(v.clone()),
                "status-code" => o.status_code = v.trim().parse().ok(),
                "fail-attempts" => o.fail_attempts = v.trim().parse().unwrap_or(0),
                other => {
                    if let Some(name) = other.strip_prefix("output.") {
                        o.parameters.insert(name.to_string(), v.clone());
                    }
                }
            }
        }
        any.then_some(o)
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Base {
    Own,
    Ref { cluster: bool, name: String },
}

#[derive(Clone, Debug)]
struct Call {
    template: Option<String>,
    template_ref: Option<TemplateRef>,
    inline: Option<Node>,
    arguments: Arguments,
    base: Base,
    retry_child: bool,
    attempt: u32,
}

impl Call {
    fn named(name: &str, arguments: Arguments) -> Call {
        Call {
            template: Some(name.to_string()),
            template_ref: None,
            inline: None,
            arguments,
            base: Base::Own,
            retry_child: false,
            attempt: 0,
        }
    }
    fn of(inv: &Invocation, base: &Base) -> Call {
        let mut arguments = inv.arguments.clone();
        for p in &mut arguments.parameters {
            if p.value
                .as_deref()
                .is_some_and(|v| v.contains(subst::SKIPPED_OUTPUT))
            {
                p.value = None;
            }
        }
        Call {
            template: inv.template.clone(),
            template_ref: inv.template_ref.clone(),
            inline: inv.inline.clone(),
            arguments,
            base: base.clone(),
            retry_child: false,
            attempt: 0,
        }
    }
}

/// A template as written, parsed once, and whether its parse can be substituted in place of
/// its YAML (`texts::verbatim`).
struct Parsed {
    tmpl: Template,
    verbatim: bool,
}

impl Parsed {
    fn new(raw: &Node) -> Parsed {
        let mut tmpl = Template::parse(raw, &mut Vec::new());
        let verbatim = texts::verbatim(raw, &mut tmpl);
        Parsed { tmpl, verbatim }
    }
}

struct Resolved {
    tmpl: Template,
    base: Base,
    /// The template's own variables (inputs, paths, `retries`, the caller's extras); the
    /// workflow's globals are under them (`scope_of`).
    scope: Scope,
    call: Call,
    files: BTreeMap<String, String>,
    /// A DAG template's tasks, parsed and indexed the first time the DAG advances.
    dag: std::cell::OnceCell<Result<DagPlan, String>>,
}

/// A DAG template's tasks as the operator walks them: parsed once per DAG node.
struct DagPlan {
    invs: Vec<Invocation>,
    /// Each task's enhanced `depends` expression, if it has one.
    depends: Vec<Option<Depends>>,
    /// The tasks each task depends on (by `dependencies` or named in `depends`), in order.
    dep_idx: Vec<Vec<usize>>,
    /// The tasks that depend on each task.
    dependents: Vec<Vec<usize>>,
    pos: HashMap<String, usize>,
    /// Each task's node name, `DAG.TASK`.
    names: Vec<String>,
    /// `target` (or the tasks nothing depends on), and the tasks they need.
    targets: Vec<usize>,
    /// Whether each task is one of `targets`.
    is_target: Vec<bool>,
    needed: Vec<bool>,
}

impl DagPlan {
    fn new(body: &TemplateBody, dag_name: &str) -> Result<DagPlan, String> {
        let TemplateBody::Dag { tasks, target, .. } = body else {
            return Err("not a DAG".into());
        };
        let invs: Vec<Invocation> = tasks
            .iter()
            .map(|t| Invocation::parse(t, &mut Vec::new()))
            .collect();
        let mut pos = HashMap::with_capacity(invs.len());
        for (k, inv) in invs.iter().enumerate() {
            pos.entry(inv.name.clone()).or_insert(k);
        }
        let mut depends = Vec::with_capacity(invs.len());
        let mut dep_idx = Vec::with_capacity(invs.len());
        for inv in &invs {
            let (parsed, names) = match &inv.depends {
                Some(d) => {
                    let p = Depends::parse(d)?;
                    let mut names = Vec::new();
                    p.tasks(&mut names);
                    (Some(p), names)
                }
                None => (None, inv.dependencies.clone()),
            };
            let mut idx = Vec::with_capacity(names.len());
            for name in &names {
                match pos.get(name) {
                    Some(&d) => idx.push(d),
                    None => return Err(format!("task '{name}' does not exist")),
                }
            }
            depends.push(parsed);
            dep_idx.push(idx);
        }
        let mut dependents = vec![Vec::new(); invs.len()];
        for (k, ds) in dep_idx.iter().enumerate() {
            for &d in ds {
                if !dependents[d].contains(&k) {
                    dependents[d].push(k);
                }
            }
        }
        let targets: Vec<usize> = match target {
            Some(t) => t
                .split_whitespace()
                .filter_map(|n| pos.get(n).copied())
                .collect(),
            None => (0..invs.len())
                .filter(|&k| dependents[k].is_empty())
                .collect(),
        };
        let mut needed = vec![false; invs.len()];
        let mut stack = targets.clone();
        while let Some(k) = stack.pop() {
            if !needed[k] {
                needed[k] = true;
                stack.extend(dep_idx[k].iter().copied());
            }
        }
        let names = invs
            .iter()
            .map(|inv| format!("{dag_name}.{}", inv.name))
            .collect();
        let mut is_target = vec![false; invs.len()];
        for &t in &targets {
            is_target[t] = true;
        }
        Ok(DagPlan {
            invs,
            depends,
            dep_idx,
            dependents,
            pos,
            names,
            is_target,
            targets,
            needed,
        })
    }
}

/// One step of a group, expanded: its loop's `(node name, invocation)`s, or why it failed.
type Expansion = Result<Vec<(String, Invocation)>, String>;

/// How far a steps template has run: its first unfinished group, the scope its steps see (the
/// template's own plus the finished groups' outputs) and that group's expanded steps.
struct StepsProgress {
    group: usize,
    scope: Scope,
    expansions: Option<Vec<Expansion>>,
    /// The open group's walk, per step (one item per expansion).
    walks: Vec<ItemsWalk>,
}

/// A pod that has nothing to do before an instant, as long as its phase stays this one.
type Idle = Option<(Millis, NodePhase)>;

/// A loop's items (a step's expansions, a DAG task group's) as the operator walks them: each
/// item's node once it exists; the items settled (fulfilled, exit handlers done: not walked
/// again, or a fan-out whose pods end at many instants would be walked whole at each); and the
/// pods idle until their next event (`pod_idle_until`).
struct ItemsWalk {
    nodes: Vec<Option<usize>>,
    settled: Vec<bool>,
    idle: Vec<Idle>,
}

impl ItemsWalk {
    fn new(n: usize) -> ItemsWalk {
        ItemsWalk {
            nodes: vec![None; n],
            settled: vec![false; n],
            idle: vec![None; n],
        }
    }
}

/// The scope a DAG's next tasks see: the DAG's own, plus each done task's outputs.
struct DagScope {
    scope: Scope,
    /// Which tasks' outputs are in `scope`.
    scoped: Vec<bool>,
    /// Which tasks are linked as children of all their dependencies.
    linked: Vec<bool>,
    /// Each task's node, once looked up: `Some(None)` while it does not exist.
    nodes: Vec<Option<Option<usize>>>,
    /// Tasks whose node is fulfilled and whose exit handlers are done: nothing is left to
    /// advance for them (the DAG is advanced at every pod start and end).
    settled: Vec<bool>,
    /// Each task's pod, while idle (`pod_idle_until`).
    idle: Vec<Idle>,
}

/// The time from a pod's creation to its containers running: one or two whole seconds, seeded
/// per node (kind on a laptop with the image present; the status keeps whole seconds).
const POD_START: Millis = 1_000;
const POD_START_STEPS: u64 = 2;

struct Pod {
    /// When the pod's containers start: until then the node is Pending (scheduling, image
    /// pull, init container), as the Argo UI shows a pod that exists but does not run yet.
    start_at: Millis,
    finish_at: Millis,
    behaviour: Behaviour,
    /// Why the node fails whatever the exit code: a deadline, or the agent's verdict on an
    /// `http` template's response.
    failure_message: Option<String>,
    /// An `http` template's `outputs.result`: the response body, if one was read.
    http_result: Option<String>,
    /// A `containerSet`'s containers: each one's Container node, when it exits and how.
    containers: Vec<SetMember>,
    /// A resource template's object as its outputs read it (`None`: no object, e.g. after a
    /// `delete`).
    object: Option<Json>,
    /// The message of a resource template's failure (kubectl's, or a failure condition's).
    message: Option<String>,
}

/// One container of a `containerSet` pod, with its Container node.
struct SetMember {
    node: usize,
    exits_at: Millis,
    exited: container_set::Exited,
}

/// An object's statuses at instants.
type Statuses = Vec<(Millis, Json)>;

/// What a resource template's executor did, beside its [`Behaviour`].
#[derive(Default)]
struct ResourceRun {
    object: Option<Json>,
    message: Option<String>,
    /// Whether the outcome came from `WaitResource` (a condition held, or none ever does and
    /// it polls for ever) rather than from kubectl's action: an override decides instead.
    waited: bool,
}

pub(super) struct State {
    spec: WorkflowSpec,
    library: std::rc::Rc<Library>,
    overrides: Vec<Override>,
    globals: Scope,
    pods: NodeMap<Pod>,
    resolved: NodeMap<Rc<Resolved>>,
    dag_scopes: NodeMap<DagScope>,
    /// A running task group's expanded items.
    group_expansions: NodeMap<Rc<Vec<(String, Invocation)>>>,
    /// A running task group's walk over its items.
    group_progress: NodeMap<ItemsWalk>,
    /// Templates as written, parsed once each (their declarations: inputs, outputs).
    parsed_templates: std::cell::RefCell<HashMap<String, Rc<Parsed>>>,
    /// Memoized nodes still running: where their outputs go.
    memo_pending: NodeMap<MemoRef>,
    steps_progress: NodeMap<StepsProgress>,
    fired_hooks: HashSet<String>,
    deadline: Option<Millis>,
    suspend_until: NodeMap<Option<Millis>>,
    overflow: bool,
    changed: bool,
    seed: u64,
    task_results_forbidden: Option<String>,
    depth: usize,
    /// How many resource templates' created Workflows this workflow is nested in (each is run
    /// to learn its status; deeper ones are not run).
    object_depth: usize,
    /// The objects this workflow's resource templates created, by `(kind, name)`: the object
    /// and its simulated statuses at absolute instants, for a later `get` or `patch` of it.
    objects: HashMap<(String, String), (Json, Statuses)>,
    /// The Workflow's `spec` as submitted (for `resubmit`).
    source: Node,
    /// What the run's workflows share (locks, memoization caches), swapped in while the
    /// workflow is operated or acted on.
    shared: Shared,
    /// Nodes created but waiting for their template's locks (Pending, not started).
    lock_waiting: HashSet<usize>,
    /// Nodes holding their template's locks (released when the node is fulfilled).
    node_locks: HashSet<usize>,
    /// Whether the workflow holds its `spec.synchronization` locks.
    wf_locked: bool,
    /// The files on the workflow's volumes (`volumes`, `volumeClaimTemplates`), by volume and
    /// path under the mount: what a pod writes under a mount, later pods mounting the volume
    /// read (a PVC outlives its pods, and a failed workflow's PVC outlives the workflow).
    volume_files: HashMap<String, BTreeMap<String, String>>,
    /// Volumes a pod the simulation did not understand has mounted: what is on them is not
    /// all known, so a path under them that the model lacks may well be there.
    uncertain_volumes: HashSet<String>,
    /// The objects pods stored at the locations their output artifacts name (`s3: {key}`, ...).
    artifact_store: ArtifactStore,
    /// Output artifacts that are directories, by `(node id, artifact name)`: their files by
    /// path under the directory, unpacked again where a later pod takes the artifact as input
    /// (the node's `outputs.artifacts` keeps their text run together, for display).
    artifact_dirs: HashMap<(String, String), Vec<(String, String)>>,
    /// Nodes whose own execution failed (their template could not be resolved or run, their
    /// pod could not be created): what Argo's `executeTemplate` returns as an error. For the
    /// entry template that ends the workflow in Error at once, exit handler not run.
    exec_errors: HashSet<usize>,
    /// Children of nodes a retry deleted to re-create, by node name: the kept children are
    /// given back to the new node.
    retained_children: HashMap<String, Vec<String>>,
    /// Whether a retry has reset nodes (their ids come back).
    retried: bool,
}

/// What the workflows of a run share while each is operated in turn.
#[derive(Default)]
pub struct Shared {
    /// Mutexes and semaphores.
    pub locks: Locks,
    /// Memoization caches: (cache, key) → outputs and when they were saved (simulated ms).
    /// Entries that a ConfigMap of the workspace holds are read from the library.
    pub memo: HashMap<(String, String), (Outputs, i64)>,
}

/// A map keyed by node index. Node indexes are small dense integers: a multiplicative hash is
/// enough, and the default SipHash showed in profiles of wide fan-outs.
type NodeMap<V> = crate::fnv::FnvMap<usize, V>;

/// A map keyed by node name or id: FNV-1a over a few dozen bytes is cheaper than SipHash, and
/// the names are the workflow's own (no untrusted keys to flood a bucket with).
pub(super) type NameMap<V> = crate::fnv::FnvMap<String, V>;

impl WorkflowRun {
    /// Creates a workflow at instant `now` (not yet operated).
    pub fn new(sub: Submission<'_>, now: Millis) -> WorkflowRun {
        let mut diagnostics = Vec::new();
        let mut spec = WorkflowSpec::parse(sub.spec, &mut diagnostics);
        let mut message = String::new();
        // workflowTemplateRef: the template's spec under the workflow's own fields.
        if let Some(r) = spec.workflow_template_ref.clone() {
            let found = if r.cluster_scope {
                sub.library.cluster_workflow_templates.get(&r.name)
            } else {
                sub.library.workflow_templates.get(&r.name)
            };
            match found {
                Some(tspec) => {
                    let base = WorkflowSpec::parse(tspec, &mut Vec::new());
                    spec = merge_specs(spec, base);
                }
                None => {
                    let what = if r.cluster_scope {
                        "clusterworkflowtemplates"
                    } else {
                        "workflowtemplates"
                    };
                    message = format!("{what}.argoproj.io \"{}\" not found", r.name);
                }
            }
        }
        // setExecWorkflow: the merged spec is validated; an invalid one fails the workflow.
        let mut invalid = None;
        if message.is_empty() {
            let find = |cluster: bool, name: &str| {
                if cluster {
                    sub.library.cluster_workflow_templates.get(name)
                } else {
                    sub.library.workflow_templates.get(name)
                }
            };
            invalid = lint::validate(&spec, &find).map(|e| format!("invalid spec: {e}"));
        }
        let mut globals = Scope::new();
        globals.insert("workflow.name".into(), sub.name.clone());
        globals.insert("workflow.namespace".into(), sub.namespace.clone());
        globals.insert(
            "workflow.uid".into(),
            format!("00000000-0000-4000-8000-{:012}", now),
        );
        globals.insert(
            "workflow.mainEntrypoint".into(),
            spec.entrypoint.clone().unwrap_or_default(),
        );
        globals.insert(
            "workflow.serviceAccountName".into(),
            spec.service_account_name
                .clone()
                .unwrap_or_else(|| "default".into()),
        );
        globals.insert("workflow.creationTimestamp".into(), timestamp(now));
        globals.insert("workflow.priority".into(), "0".into());
        globals.insert("workflow.status".into(), "Running".into());
        let mut params = Vec::new();
        for p in &spec.arguments.parameters {
            let value = p
                .value
                .clone()
                .or_else(|| {
                    let (cm, key) = p.value_from.as_ref()?.config_map_key_ref.as_ref()?;
                    config_map_value(sub.library, cm, key, &globals)
                })
                .or_else(|| p.value_from.as_ref().and_then(|v| v.default.clone()))
                .or_else(|| p.default.clone());
            match value {
                Some(v) => {
                    let v = subst::replace(&v, &globals, Strict::No).unwrap_or(v);
                    params.push(serde_json::json!({"name": p.name, "value": v}));
                    globals.insert(format!("workflow.parameters.{}", p.name), v);
                }
                None if message.is_empty() => {
                    message = format!("spec.arguments.{}.value is required", p.name);
                }
                None => {}
            }
        }
        // Argo's setGlobalParameters: both names hold the spec's parameters as a JSON list (a
        // parameter named `json` is set after, and wins).
        let params_json = Json::Array(params).to_string();
        globals
            .entry("workflow.parameters.json".into())
            .or_insert_with(|| params_json.clone());
        globals.insert("workflow.parameters".into(), params_json);
        for a in &spec.arguments.artifacts {
            globals.insert(format!("workflow.artifacts.{}", a.name), String::new());
        }
        let deadline = spec
            .active_deadline_seconds
            .map(|s| now.saturating_add(s * 1000));
        let service_account = spec
            .service_account_name
            .clone()
            .unwrap_or_else(|| "default".into());
        let mut run = WorkflowRun {
            name: sub.name,
            namespace: sub.namespace,
            phase: WorkflowPhase::Running,
            message: String::new(),
            nodes: Vec::new(),
            started_at: now,
            finished_at: None,
            diagnostics,
            trace: Trace::default(),
            wakes: Vec::new(),
            manifest: None,
            generate_name: sub.generate_name.clone(),
            deleted_at: None,
            service_account,
            state: State {
                spec,
                library: sub.library.clone(),
                overrides: sub.overrides.to_vec(),
                globals,
                pods: NodeMap::default(),
                resolved: NodeMap::default(),
                dag_scopes: NodeMap::default(),
                group_expansions: NodeMap::default(),
                group_progress: NodeMap::default(),
                parsed_templates: std::cell::RefCell::default(),
                memo_pending: NodeMap::default(),
                steps_progress: NodeMap::default(),
                fired_hooks: HashSet::new(),
                deadline,
                suspend_until: NodeMap::default(),
                overflow: false,
                changed: false,
                seed: sub.seed,
                task_results_forbidden: sub.task_results_forbidden.clone(),
                depth: 0,
                object_depth: 0,
                objects: HashMap::new(),
                source: sub.spec.clone(),
                shared: Shared::default(),
                lock_waiting: HashSet::new(),
                node_locks: HashSet::new(),
                wf_locked: false,
                retained_children: HashMap::new(),
                retried: false,
                volume_files: HashMap::new(),
                uncertain_volumes: HashSet::new(),
                artifact_store: ArtifactStore::new(),
                artifact_dirs: HashMap::new(),
                exec_errors: HashSet::new(),
            },
            index: NameMap::default(),
            by_id: NameMap::default(),
        };
        run.trace.record(now, run.name.clone(), "phase", "Running");
        if let Some(d) = deadline {
            run.wakes.push(d);
        }
        if !message.is_empty() {
            run.finish(now, WorkflowPhase::Error, message);
        } else if let Some(m) = invalid {
            run.finish(now, WorkflowPhase::Failed, m);
        }
        run
    }

    /// Reconciles the workflow at `now` until nothing more changes at this instant.
    pub fn operate(&mut self, now: Millis) {
        for _ in 0..1000 {
            if self.is_done() {
                return;
            }
            self.state.changed = false;
            self.operate_once(now);
            if !self.state.changed {
                return;
            }
        }
    }

    /// [`WorkflowRun::operate`] with what the run's workflows share: the lock table (mutexes
    /// and semaphores) and the memoization caches (a later workflow hits what an earlier one
    /// saved, as Argo's caches live in ConfigMaps).
    pub fn operate_with(&mut self, now: Millis, shared: &mut Shared) {
        std::mem::swap(&mut self.state.shared, shared);
        self.operate(now);
        std::mem::swap(&mut self.state.shared, shared);
    }

    /// Applies a user's action at `now` (see [`WorkflowAction`]); the controller acts on it the
    /// next time it operates the workflow. An action the Argo server refuses is an `Err` with
    /// its message. [`WorkflowAction::Resubmit`] creates another workflow: the run does it.
    pub fn act(
        &mut self,
        now: Millis,
        action: &WorkflowAction,
        shared: &mut Shared,
    ) -> Result<(), String> {
        std::mem::swap(&mut self.state.shared, shared);
        let out = self.act_inner(now, action);
        std::mem::swap(&mut self.state.shared, shared);
        out
    }

    /// The Workflow's `spec` as it was submitted.
    pub fn source_spec(&self) -> &Node {
        &self.state.source
    }

    fn act_inner(&mut self, now: Millis, action: &WorkflowAction) -> Result<(), String> {
        if self.deleted_at.is_some() {
            return Err(format!("workflows.argoproj.io \"{}\" not found", self.name));
        }
        match action {
            WorkflowAction::Stop | WorkflowAction::Terminate => {
                // util.go patchShutdownStrategy: only a running workflow can be shut down.
                if self.is_done() {
                    return Err("cannot shutdown a completed workflow".into());
                }
                let s = if *action == WorkflowAction::Stop {
                    "Stop"
                } else {
                    "Terminate"
                };
                self.state.spec.shutdown = Some(s.into());
                self.trace.record(now, self.name.clone(), "shutdown", s);
            }
            WorkflowAction::Suspend => {
                if self.is_done() {
                    return Err("cannot suspend completed workflows".into());
                }
                self.state.spec.suspend = true;
                self.trace.record(now, self.name.clone(), "suspend", "true");
            }
            WorkflowAction::Resume => {
                if self.is_done() {
                    return Err("cannot resume completed workflows".into());
                }
                // util.ResumeWorkflow: clear spec.suspend and mark running suspend nodes
                // Succeeded, their unset `valueFrom.supplied` outputs taking their defaults
                // (OverrideOutputParametersWithDefault); one without a default refuses the
                // whole resume, nothing changed.
                let active: Vec<usize> = (0..self.nodes.len())
                    .filter(|&i| {
                        self.nodes[i].node_type == "Suspend" && !self.nodes[i].phase.fulfilled()
                    })
                    .collect();
                let mut defaults = Vec::with_capacity(active.len());
                for &i in &active {
                    defaults.push(self.raw_output_defaults(i)?);
                }
                self.state.spec.suspend = false;
                self.trace
                    .record(now, self.name.clone(), "suspend", "false");
                for (i, values) in active.into_iter().zip(defaults) {
                    self.complete_suspend(i, now, values);
                }
            }
            WorkflowAction::NodeSet {
                node_field_selector,
                output_parameters,
                message,
                phase,
            } => self.node_set(
                now,
                node_field_selector,
                output_parameters,
                message.as_deref(),
                phase.as_deref(),
            )?,
            WorkflowAction::Retry {
                restart_successful,
                node_field_selector,
            } => self.retry(now, *restart_successful, node_field_selector.as_deref())?,
            WorkflowAction::Delete => {
                self.state.pods.clear();
                self.deleted_at = Some(now);
                self.trace.record(now, self.name.clone(), "deleted", "true");
            }
            WorkflowAction::Resubmit => {
                return Err("resubmit creates a new workflow: the run does it".into())
            }
        }
        Ok(())
    }

    /// `spec.shutdown`, when it names a strategy Argo knows.
    fn shutdown_strategy(&self) -> Option<&'static str> {
        match self.state.spec.shutdown.as_deref() {
            Some("Stop") => Some("Stop"),
            Some("Terminate") => Some("Terminate"),
            _ => None,
        }
    }

    /// Argo's `ShutdownStrategy.ShouldExecute(isOnExitPod)`: with no shutdown everything runs;
    /// Stop lets exit handlers run; Terminate nothing.
    fn should_execute(&self, on_exit: bool) -> bool {
        match self.shutdown_strategy() {
            None => true,
            Some("Stop") => on_exit,
            Some(_) => false,
        }
    }

    /// Whether node `i` is an exit handler or runs under one (pods labelled `onExit`).
    fn in_exit_handler(&self, i: usize) -> bool {
        self.nodes[i].name.contains(".onExit")
    }

    /// Applies `spec.shutdown` to what runs: pods (Pending or Running, except daemons, which
    /// Argo counts as fulfilled), suspend nodes and nodes waiting for a lock end Failed with
    /// "Stopped with strategy '<S>'", unless the strategy lets them run (Stop, exit handlers).
    fn stop_nodes(&mut self, now: Millis, strategy: &str) {
        let msg = format!("Stopped with strategy '{strategy}'");
        let mut targets: Vec<usize> = self
            .state
            .pods
            .keys()
            .chain(self.state.lock_waiting.iter())
            .copied()
            .chain((0..self.nodes.len()).filter(|&i| self.nodes[i].node_type == "Suspend"))
            .collect();
        targets.sort_unstable();
        targets.dedup();
        for i in targets {
            let n = &self.nodes[i];
            if n.phase.fulfilled() || (n.daemoned && n.phase == NodePhase::Running) {
                continue;
            }
            if self.should_execute(self.in_exit_handler(i)) {
                continue;
            }
            self.state.pods.remove(&i);
            self.state.suspend_until.remove(&i);
            self.mark(i, now, NodePhase::Failed, &msg);
        }
    }

    /// Argo's `FormulateRetryWorkflow`: the failed, errored, skipped and omitted pods (and
    /// suspend nodes), the nodes under and after them (DAG dependents are their children),
    /// the workflow's exit handler and, with `restart_successful`, the nodes the selector picks
    /// (with theirs) are deleted; the DAG, steps, retry and loop nodes that contain them are
    /// reset (here: deleted and created again, keeping their other children); succeeded nodes
    /// are kept and not run again. The workflow is Running again and `spec.shutdown` cleared.
    fn retry(
        &mut self,
        now: Millis,
        restart_successful: bool,
        selector: Option<&str>,
    ) -> Result<(), String> {
        if !matches!(self.phase, WorkflowPhase::Failed | WorkflowPhase::Error) {
            return Err("workflow must be Failed/Error to retry".into());
        }
        let selector = match selector.filter(|_| restart_successful) {
            Some(s) => Some(parse_field_selector(s)?),
            None => None,
        };
        const CONTAINERS: &[&str] = &["DAG", "Steps", "StepGroup", "Retry", "TaskGroup"];
        let is_container = |n: &NodeStatus| CONTAINERS.contains(&n.node_type);
        let exit_prefix = format!("{}.onExit", self.name);
        let mut delete = vec![false; self.nodes.len()];
        let mut stack = Vec::new();
        for (i, n) in self.nodes.iter().enumerate() {
            let failed_leaf = !is_container(n) && n.phase != NodePhase::Succeeded;
            let selected = selector.as_ref().is_some_and(|sel| node_matches(sel, n));
            if failed_leaf || selected || n.name.starts_with(&exit_prefix) {
                stack.push(i);
            }
        }
        // Exit handlers and hooks by the node they belong to (`X.onExit`, `X.hooks.NAME`).
        let mut hooks_of: HashMap<&str, Vec<usize>> = HashMap::new();
        for (k, n) in self.nodes.iter().enumerate() {
            for marker in [".onExit", ".hooks."] {
                if let Some(p) = n.name.rfind(marker) {
                    hooks_of.entry(&n.name[..p]).or_default().push(k);
                }
            }
        }
        while let Some(i) = stack.pop() {
            if delete[i] {
                continue;
            }
            delete[i] = true;
            stack.extend(
                self.nodes[i]
                    .children
                    .iter()
                    .filter_map(|id| self.by_id.get(id).copied()),
            );
            // Its exit handler and hooks go with it.
            stack.extend(
                hooks_of
                    .get(self.nodes[i].name.as_str())
                    .into_iter()
                    .flatten(),
            );
        }
        // Reset the containers of what is deleted (their names are prefixes of its name, up
        // to a `.`, `[` or `(`), and every container that did not succeed.
        let mut reset: Vec<bool> = self
            .nodes
            .iter()
            .map(|n| is_container(n) && n.phase != NodePhase::Succeeded)
            .collect();
        for (i, n) in self.nodes.iter().enumerate() {
            if !delete[i] {
                continue;
            }
            for (p, b) in n.name.bytes().enumerate() {
                if !matches!(b, b'.' | b'[' | b'(') {
                    continue;
                }
                if let Some(&k) = self.index.get(&n.name[..p]) {
                    if is_container(&self.nodes[k]) {
                        reset[k] = true;
                    }
                }
            }
        }
        let removed: HashSet<String> = self
            .nodes
            .iter()
            .enumerate()
            .filter(|(i, _)| delete[*i] || reset[*i])
            .map(|(_, n)| n.id.clone())
            .collect();
        if removed.is_empty() {
            return Err("workflow has no node to retry".into());
        }
        let old = std::mem::take(&mut self.nodes);
        self.state.retained_children.clear();
        self.state.retried = true;
        for (i, mut n) in old.into_iter().enumerate() {
            n.children.retain(|c| !removed.contains(c));
            if reset[i] {
                self.state
                    .retained_children
                    .insert(n.name.clone(), n.children.clone());
            }
            if delete[i] || reset[i] {
                // The node is gone from the status (a reset node comes back under the same
                // id): the trace says so, so the timeline does not show it after this instant.
                self.trace.record(now, n.id.clone(), "phase", "Deleted");
                continue;
            }
            self.nodes.push(n);
        }
        self.index = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.name.clone(), i))
            .collect();
        self.by_id = self
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.clone(), i))
            .collect();
        let st = &mut self.state;
        st.pods.clear();
        st.resolved.clear();
        st.dag_scopes.clear();
        st.group_expansions.clear();
        st.group_progress.clear();
        st.steps_progress.clear();
        st.memo_pending.clear();
        st.suspend_until.clear();
        st.lock_waiting.clear();
        st.node_locks.clear();
        st.wf_locked = false;
        st.fired_hooks.retain(|h| self.index.contains_key(h));
        st.spec.shutdown = None;
        st.deadline = st
            .spec
            .active_deadline_seconds
            .map(|s| now.saturating_add(s * 1000));
        if let Some(d) = st.deadline {
            self.wakes.push(d);
        }
        st.globals
            .insert("workflow.status".into(), "Running".into());
        self.phase = WorkflowPhase::Running;
        self.message.clear();
        self.finished_at = None;
        self.trace
            .record(now, self.name.clone(), "phase", "Running");
        Ok(())
    }

    fn operate_once(&mut self, now: Millis) {
        if self.state.overflow {
            self.finish(
                now,
                WorkflowPhase::Error,
                format!("simulation stopped: the workflow created more than {MAX_NODES} nodes"),
            );
            return;
        }
        if let Some(d) = self.state.deadline {
            if now >= d {
                for i in 0..self.nodes.len() {
                    if !self.nodes[i].phase.fulfilled() {
                        self.state.pods.remove(&i);
                        self.mark(i, now, NodePhase::Failed, "Step exceeded its deadline");
                    }
                }
                self.finish(
                    now,
                    WorkflowPhase::Failed,
                    "Step exceeded its deadline".into(),
                );
                return;
            }
        }
        if let Some(strategy) = self.shutdown_strategy() {
            self.stop_nodes(now, strategy);
        } else if self.state.spec.suspend {
            // Argo's operator returns early for a suspended workflow: pods still run to their
            // end, but nothing new is created and no parent is assessed.
            let mut pods: Vec<usize> = self.state.pods.keys().copied().collect();
            pods.sort_unstable();
            for i in pods {
                self.advance_pod(i, now);
            }
            return;
        }
        if !self.workflow_locks_held(now) {
            // A workflow still waiting for its locks when it is shut down never runs.
            if let Some(s) = self.shutdown_strategy() {
                let (ns, name) = (self.namespace.clone(), self.name.clone());
                self.state.shared.locks.release_workflow(&ns, &name);
                self.finish(
                    now,
                    WorkflowPhase::Failed,
                    format!("Stopped with strategy '{s}'"),
                );
            }
            return;
        }
        let entry = self.state.spec.entrypoint.clone().unwrap_or_default();
        let name = self.name.clone();
        let mut args = self.state.spec.arguments.clone();
        // The entrypoint receives the workflow's arguments as resolved (configMapKeyRef, ...).
        for p in &mut args.parameters {
            if let Some(v) = self
                .state
                .globals
                .get(&format!("workflow.parameters.{}", p.name))
            {
                p.value = Some(v.clone());
            }
        }
        let Some(root) = self.execute(
            now,
            &name,
            &name,
            Call::named(&entry, args),
            None,
            &Scope::new(),
        ) else {
            return;
        };
        if self.state.exec_errors.contains(&root) {
            // operate(): "error in entry template execution", then return — no exit handler.
            let msg = format!(
                "error in entry template execution: {}",
                self.nodes[root].message
            );
            self.finish(now, WorkflowPhase::Error, msg);
            return;
        }
        self.run_workflow_hooks(now, false);
        if !self.nodes[root].phase.fulfilled() {
            return;
        }
        let root_phase = self.nodes[root].phase;
        let status = match root_phase {
            NodePhase::Failed => "Failed",
            NodePhase::Error => "Error",
            _ => "Succeeded",
        };
        self.state
            .globals
            .insert("workflow.status".into(), status.into());
        self.state
            .globals
            .insert("workflow.failures".into(), self.failures());
        self.state.globals.insert(
            "workflow.duration".into(),
            format!("{}", (now - self.started_at) as f64 / 1000.0),
        );
        let exit = self
            .state
            .spec
            .on_exit
            .clone()
            .map(|t| Call::named(&t, Arguments::default()))
            .or_else(|| {
                let h = self.state.spec.hooks.iter().find(|h| h.name == "exit")?;
                let mut c = Call::named(
                    h.template.as_deref().unwrap_or_default(),
                    h.arguments.clone(),
                );
                c.template_ref = h.template_ref.clone();
                if c.template_ref.is_some() {
                    c.template = None;
                }
                Some(c)
            });
        let mut exit_node = None;
        // Under a shutdown an exit handler starts only if the strategy lets exit handlers
        // run (Stop); one already started is still advanced.
        let exit = exit.filter(|_| {
            self.should_execute(true) || self.index.contains_key(&format!("{name}.onExit"))
        });
        if let Some(call) = exit {
            let en = format!("{name}.onExit");
            let Some(e) = self.execute(now, &en, &en, call, None, &Scope::new()) else {
                return;
            };
            if !self.nodes[e].phase.fulfilled() {
                return;
            }
            exit_node = Some(e);
        }
        if !self.run_workflow_hooks(now, true) {
            return;
        }
        let msg = match self.shutdown_strategy() {
            Some(s) if root_phase.failed_or_error() => format!("Stopped with strategy '{s}'"),
            _ => self.nodes[root].message.clone(),
        };
        match root_phase {
            NodePhase::Failed => self.finish(now, WorkflowPhase::Failed, msg),
            NodePhase::Error => self.finish(now, WorkflowPhase::Error, msg),
            _ => match exit_node.map(|e| (self.nodes[e].phase, self.nodes[e].message.clone())) {
                Some((NodePhase::Failed, m)) => self.finish(now, WorkflowPhase::Failed, m),
                Some((NodePhase::Error, m)) => self.finish(now, WorkflowPhase::Error, m),
                _ => self.finish(now, WorkflowPhase::Succeeded, String::new()),
            },
        }
    }

    /// Runs workflow-level lifecycle hooks whose expression holds; true when all started hooks
    /// are fulfilled.
    fn run_workflow_hooks(&mut self, now: Millis, root_done: bool) -> bool {
        let hooks: Vec<_> = self
            .state
            .spec
            .hooks
            .iter()
            .filter(|h| h.name != "exit")
            .cloned()
            .collect();
        let mut all_done = true;
        for h in hooks {
            let node_name = format!("{}.hooks.{}", self.name, h.name);
            if !self.state.fired_hooks.contains(&node_name) {
                let Some(e) = &h.expression else { continue };
                let mut vars = subst::expr_vars(&self.state.globals);
                if !root_done {
                    vars.insert("workflow.status".into(), Json::String("Running".into()));
                }
                self.add_node_status_vars(&mut vars);
                if expr::eval(e, &vars, Dialect::Expr) != Ok(Json::Bool(true)) {
                    continue;
                }
                self.state.fired_hooks.insert(node_name.clone());
            }
            let mut call = Call::named(
                h.template.as_deref().unwrap_or_default(),
                h.arguments.clone(),
            );
            if h.template_ref.is_some() {
                call.template = None;
                call.template_ref = h.template_ref.clone();
            }
            if let Some(i) = self.execute(now, &node_name, &node_name, call, None, &Scope::new()) {
                all_done &= self.nodes[i].phase.fulfilled();
            }
        }
        all_done
    }

    /// Every node's phase as `steps.NAME.status` and `tasks.NAME.status`, flat and nested
    /// (hook expressions index by name: `tasks["step-1"].status`, as Argo's `EnvMap` allows).
    fn add_node_status_vars(&self, vars: &mut serde_json::Map<String, Json>) {
        for root in ["steps", "tasks"] {
            let mut nested = match vars.remove(root) {
                Some(Json::Object(m)) => m,
                _ => serde_json::Map::new(),
            };
            for n in &self.nodes {
                let phase = Json::String(n.phase.as_str().into());
                vars.insert(format!("{root}.{}.status", n.display_name), phase.clone());
                let entry = nested
                    .entry(n.display_name.clone())
                    .or_insert_with(|| Json::Object(serde_json::Map::new()));
                if let Json::Object(fields) = entry {
                    fields.insert("status".into(), phase);
                }
            }
            vars.insert(root.into(), Json::Object(nested));
        }
    }

    fn failures(&self) -> String {
        let list: Vec<Json> = self
            .nodes
            .iter()
            .filter(|n| n.phase.failed_or_error() && n.node_type == "Pod")
            .map(|n| {
                serde_json::json!({
                    "displayName": n.display_name, "message": n.message,
                    "templateName": n.template_name, "phase": n.phase.as_str(),
                    "podName": n.id, "finishedAt": n.finished_at.map(timestamp),
                })
            })
            .collect();
        Json::Array(list).to_string()
    }

    pub(super) fn finish(&mut self, now: Millis, phase: WorkflowPhase, message: String) {
        // Pods still running when the workflow ends are stopped.
        for i in 0..self.nodes.len() {
            if !self.nodes[i].phase.fulfilled() {
                self.state.pods.remove(&i);
                self.mark(
                    i,
                    now,
                    NodePhase::Failed,
                    "workflow shutdown with strategy: Terminate",
                );
            }
        }
        // volumeClaimGC: PVCs are deleted when the workflow succeeds (the default,
        // OnWorkflowSuccess) or whenever it completes (OnWorkflowCompletion); a retry then
        // starts on fresh volumes.
        let gc = self
            .state
            .source
            .get("volumeClaimGC")
            .and_then(|g| g.get("strategy"))
            .and_then(Node::as_str)
            .unwrap_or("OnWorkflowSuccess");
        if gc == "OnWorkflowCompletion" || phase == WorkflowPhase::Succeeded {
            self.state.volume_files.clear();
        }
        self.phase = phase;
        self.message = message;
        self.finished_at = Some(now);
        self.trace
            .record(now, self.name.clone(), "phase", phase.as_str());
    }

    // ----- nodes -----

    #[allow(clippy::too_many_arguments)]
    fn create(
        &mut self,
        now: Millis,
        name: &str,
        display: &str,
        node_type: &'static str,
        phase: NodePhase,
        message: &str,
        parent: Option<usize>,
        template_name: &str,
    ) -> Option<usize> {
        if self.nodes.len() >= MAX_NODES {
            self.state.overflow = true;
            return None;
        }
        let id = node_id(&self.name, name);
        let i = self.nodes.len();
        self.nodes.push(NodeStatus {
            id: id.clone(),
            name: name.to_string(),
            display_name: display.to_string(),
            node_type,
            phase,
            message: message.to_string(),
            started_at: now,
            finished_at: phase.fulfilled().then_some(now),
            logs: Vec::new(),
            inputs: Inputs::default(),
            memoization_status: None,
            outputs: Outputs::default(),
            template_name: template_name.to_string(),
            children: self
                .state
                .retained_children
                .remove(name)
                .unwrap_or_default(),
            daemoned: false,
        });
        self.index.insert(name.to_string(), i);
        self.by_id.insert(id.clone(), i);
        if let Some(p) = parent {
            // After a retry a parent may list a re-created node already; otherwise ids are
            // new (a wide fan-out must not pay a search per child).
            if !self.state.retried || !self.nodes[p].children.contains(&id) {
                self.nodes[p].children.push(id.clone());
            }
        }
        self.trace.record(now, id, "phase", phase.as_str());
        self.state.changed = true;
        Some(i)
    }

    fn mark(&mut self, i: usize, now: Millis, phase: NodePhase, message: &str) {
        if phase.fulfilled() && self.nodes[i].node_type == "Pod" {
            self.settle_containers(i, now, phase);
        }
        let n = &mut self.nodes[i];
        if n.phase == phase && n.message == message {
            return;
        }
        n.phase = phase;
        n.message = message.to_string();
        if phase.fulfilled() {
            n.finished_at = Some(now);
            // A memoized node that succeeded saves its outputs under its key.
            if let Some(m) = self.state.memo_pending.remove(&i) {
                if phase == NodePhase::Succeeded {
                    let outputs = n.outputs.clone();
                    self.state
                        .shared
                        .memo
                        .insert((m.cache, m.key), (outputs, now as i64));
                }
            }
            // A fulfilled node is never advanced again: free its resolved template and scope.
            self.state.resolved.remove(&i);
            self.state.dag_scopes.remove(&i);
            self.state.group_expansions.remove(&i);
            self.state.group_progress.remove(&i);
            self.state.steps_progress.remove(&i);
            self.state.lock_waiting.remove(&i);
            if self.state.node_locks.remove(&i) {
                let holder = format!("{}/{}/{}", self.namespace, self.name, n.id);
                self.state.shared.locks.release(&holder);
            }
        }
        self.trace
            .record(now, n.id.clone(), "phase", phase.as_str());
        self.state.changed = true;
    }

    /// The Container nodes of a set pod that ends while they still run (stopped, deadline,
    /// shutdown): Argo's `assessNodeStatus` fails each with "Pod Failed whilst container
    /// running" (a daemon stopped at its scope's end succeeds, its containers with it).
    fn settle_containers(&mut self, pod: usize, now: Millis, phase: NodePhase) {
        // Containers hang under the pod and under each other: each is visited once.
        let mut stack = self.set_children(pod);
        let mut seen = HashSet::new();
        while let Some(k) = stack.pop() {
            if !seen.insert(k) {
                continue;
            }
            stack.extend(self.set_children(k));
            if self.nodes[k].phase.fulfilled() {
                continue;
            }
            if phase == NodePhase::Succeeded {
                self.mark(k, now, NodePhase::Succeeded, "");
            } else {
                self.mark(
                    k,
                    now,
                    NodePhase::Failed,
                    "Pod Failed whilst container running",
                );
            }
        }
    }

    /// Whether a new child of a steps, DAG or loop node waits: the template's `parallelism`
    /// children run already (`running`), or the workflow's pods do.
    fn at_parallelism(&self, tmpl: &Template, running: usize) -> bool {
        tmpl.parallelism.is_some_and(|p| running as u64 >= p) || self.at_workflow_parallelism()
    }

    /// The nodes of the steps or DAG node `i`'s boundary, as Argo's counters select them by
    /// `boundaryID`: each step's or task's node, and under a loop's TaskGroup or a Retry node
    /// their items and attempts (not what runs inside a nested steps or DAG template).
    fn boundary_nodes(&self, i: usize, r: &Resolved) -> Vec<usize> {
        let roots: Vec<usize> = match &r.tmpl.body {
            TemplateBody::Steps { .. } => self
                .members(i)
                .into_iter()
                .filter(|&g| self.nodes[g].node_type == "StepGroup")
                .flat_map(|g| self.members(g))
                .collect(),
            TemplateBody::Dag { .. } => match r.dag.get() {
                Some(Ok(plan)) => plan
                    .names
                    .iter()
                    .filter_map(|n| self.index.get(n).copied())
                    .collect(),
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        self.with_items_and_attempts(roots)
    }

    /// `roots` and, under the TaskGroups and Retry nodes among them, their members (each node
    /// once: the walk is bounded by the node count).
    fn with_items_and_attempts(&self, roots: Vec<usize>) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = roots;
        while let Some(n) = stack.pop() {
            if out.len() >= self.nodes.len() {
                break;
            }
            out.push(n);
            if matches!(self.nodes[n].node_type, "Retry" | "TaskGroup") {
                stack.extend(self.members(n));
            }
        }
        out
    }

    /// Whether any of `nodes` counts as an unsuccessful child for `failFast` (Argo's
    /// `getUnsuccessfulChildrenCounter`: a Pod, HTTP, Steps or DAG node that Failed or Errored
    /// — a failed attempt of a Retry node too, and a step that continues on failure).
    fn any_unsuccessful(&self, nodes: &[usize]) -> bool {
        nodes.iter().any(|&n| {
            let n = &self.nodes[n];
            matches!(n.node_type, "Pod" | "HTTP" | "Steps" | "DAG") && n.phase.failed_or_error()
        })
    }

    /// Whether any of `nodes` is a pod still Pending or Running (Argo's `getActivePods`: pods
    /// only, and not those waiting for a lock).
    fn any_active_pod(&self, nodes: &[usize]) -> bool {
        nodes.iter().any(|&n| {
            self.nodes[n].node_type == "Pod"
                && matches!(self.nodes[n].phase, NodePhase::Pending | NodePhase::Running)
                && !self.state.lock_waiting.contains(&n)
        })
    }

    /// A steps or DAG template with `failFast: true` whose boundary has an unsuccessful child,
    /// as Argo's `checkParallelism` (v3.5+/v4) treats it: no new child starts, the children
    /// already running go on, and once no pod of the boundary is active the node fails with
    /// "template has failed or errored children and failFast enabled" — and, for steps, so does
    /// its last step group. True when the node was failed.
    fn fail_fast_ends(
        &mut self,
        i: usize,
        r: &Resolved,
        group: Option<usize>,
        now: Millis,
    ) -> bool {
        let nodes = self.boundary_nodes(i, r);
        if !self.any_unsuccessful(&nodes) || self.any_active_pod(&nodes) {
            return false;
        }
        if let Some(g) = group {
            self.mark(g, now, NodePhase::Failed, FAIL_FAST_MESSAGE);
        }
        self.kill_daemons(i, now);
        self.mark(i, now, NodePhase::Failed, FAIL_FAST_MESSAGE);
        true
    }

    /// Whether `spec.parallelism` pods are already running (new nodes wait).
    fn at_workflow_parallelism(&self) -> bool {
        self.state
            .spec
            .parallelism
            .is_some_and(|p| self.state.pods.len() as u64 >= p)
    }

    /// Fulfilled, or a daemon that is up (which lets dependents and the enclosing DAG or steps
    /// proceed, as Argo's `NodeStatus.Fulfilled`).
    fn done(&self, i: usize) -> bool {
        let n = &self.nodes[i];
        n.phase.fulfilled() || (n.daemoned && n.phase == NodePhase::Running)
    }

    /// Stops the daemons started under the finished DAG or steps node `root` (they end
    /// Succeeded, and so do Retry nodes waiting on them).
    fn kill_daemons(&mut self, root: usize, now: Millis) {
        let mut stack = vec![root];
        let mut seen = HashSet::new();
        let mut under = Vec::new();
        while let Some(n) = stack.pop() {
            if !seen.insert(n) {
                continue;
            }
            under.push(n);
            stack.extend(
                self.nodes[n]
                    .children
                    .iter()
                    .filter_map(|id| self.by_id.get(id).copied()),
            );
        }
        // Children before parents, so a Retry node sees its attempt stopped.
        for &i in under.iter().rev() {
            if self.nodes[i].daemoned && !self.nodes[i].phase.fulfilled() {
                if let Some(pod) = self.state.pods.remove(&i) {
                    self.nodes[i].logs = pod.behaviour.stdout.lines().map(str::to_string).collect();
                }
                self.nodes[i].daemoned = false;
                self.mark(i, now, NodePhase::Succeeded, "");
            }
        }
    }

    /// Argo's `executeTemplate`: the node called `name`, created or advanced.
    fn execute(
        &mut self,
        now: Millis,
        name: &str,
        display: &str,
        call: Call,
        parent: Option<usize>,
        extra: &Scope,
    ) -> Option<usize> {
        if self.state.depth >= MAX_DEPTH {
            if let Some(&i) = self.index.get(name) {
                return Some(i);
            }
            let t = call.template.clone().unwrap_or_default();
            let msg = MAX_DEPTH_MESSAGE;
            let i = self.create(now, name, display, "Pod", NodePhase::Error, msg, parent, &t);
            self.state.exec_errors.extend(i);
            return i;
        }
        self.state.depth += 1;
        let out = self.execute_inner(now, name, display, call, parent, extra);
        self.state.depth -= 1;
        out
    }

    /// The cached outputs for a memoized template, if its cache has a fresh entry for the key:
    /// one saved earlier in this run, else one in a ConfigMap of the workspace (Argo's entry
    /// format: `{"nodeID", "outputs": {"parameters": [...], "exitCode"}, "creationTimestamp"}`).
    fn memo_hit(&self, m: &MemoRef, now: Millis) -> Option<Outputs> {
        let fresh = |at: i64| m.max_age.is_none_or(|a| now as i64 - at <= a as i64);
        if let Some((outputs, at)) = self
            .state
            .shared
            .memo
            .get(&(m.cache.clone(), m.key.clone()))
        {
            return fresh(*at).then(|| outputs.clone());
        }
        let text = self.state.library.config_maps.get(&m.cache)?.get(&m.key)?;
        let entry: Json = serde_json::from_str(text).ok()?;
        let at = entry
            .get("creationTimestamp")
            .and_then(Json::as_str)
            .and_then(sim_time_of)?;
        if !fresh(at) {
            return None;
        }
        let mut outputs = Outputs::default();
        let out = entry.get("outputs")?;
        for p in out
            .get("parameters")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let (Some(n), Some(v)) = (
                p.get("name").and_then(Json::as_str),
                p.get("value").and_then(Json::as_str),
            ) {
                outputs.parameters.insert(n.to_string(), v.to_string());
            }
        }
        outputs.result = out.get("result").and_then(Json::as_str).map(str::to_string);
        // Argo writes the exit code as a string; a number is read too.
        outputs.exit_code = match out.get("exitCode") {
            Some(Json::String(c)) => c.parse().ok(),
            Some(c) => c.as_i64().and_then(|c| i32::try_from(c).ok()),
            None => None,
        };
        Some(outputs)
    }

    /// Advances an existing node as `execute` does (within the recursion bound).
    fn advance_existing(&mut self, i: usize, now: Millis) {
        if self.state.depth >= MAX_DEPTH || self.nodes[i].phase.fulfilled() {
            return;
        }
        self.state.depth += 1;
        self.advance(i, now);
        self.state.depth -= 1;
    }

    fn execute_inner(
        &mut self,
        now: Millis,
        name: &str,
        display: &str,
        call: Call,
        parent: Option<usize>,
        extra: &Scope,
    ) -> Option<usize> {
        if let Some(&i) = self.index.get(name) {
            if self.nodes[i].phase.fulfilled() {
                return Some(i);
            }
            self.advance(i, now);
            return Some(i);
        }
        let resolved = match self.resolve(&call, extra) {
            Ok(r) => r,
            Err(msg) => {
                let t = call.template.clone().unwrap_or_default();
                let i = self.create(
                    now,
                    name,
                    display,
                    "Pod",
                    NodePhase::Error,
                    &msg,
                    parent,
                    &t,
                );
                self.state.exec_errors.extend(i);
                return i;
            }
        };
        let tname = resolved.tmpl.name.clone();
        // `memoize`: a fresh entry of its cache for its key is the node's outputs, and the
        // node is Succeeded at once without running (Argo's memoization hit).
        let memo = resolved.tmpl.memoize.as_ref().and_then(memo_ref);
        if let Some(m) = &memo {
            if let Some(outputs) = self.memo_hit(m, now) {
                let ty = resolved.tmpl.node_type();
                let i = self.create(
                    now,
                    name,
                    display,
                    ty,
                    NodePhase::Succeeded,
                    "",
                    parent,
                    &tname,
                )?;
                self.nodes[i].outputs = outputs;
                self.nodes[i].memoization_status = Some(MemoizationStatus {
                    hit: true,
                    key: m.key.clone(),
                    cache_name: m.cache.clone(),
                });
                return Some(i);
            }
        }
        let i = if resolved.tmpl.retry_strategy.is_some() && !call.retry_child {
            self.create(
                now,
                name,
                display,
                "Retry",
                NodePhase::Running,
                "",
                parent,
                &tname,
            )?
        } else {
            let ty = resolved.tmpl.node_type();
            let phase = if ty == "Pod" {
                NodePhase::Pending
            } else {
                NodePhase::Running
            };
            let i = self.create(now, name, display, ty, phase, "", parent, &tname)?;
            if matches!(resolved.tmpl.body, TemplateBody::Missing) {
                self.mark(
                    i,
                    now,
                    NodePhase::Error,
                    &format!("template '{tname}' has no body (container, script, dag, steps, ...)"),
                );
                self.state.exec_errors.insert(i);
                return Some(i);
            }
            i
        };
        self.nodes[i].inputs = Inputs {
            parameters: resolved
                .tmpl
                .inputs
                .parameters
                .iter()
                .map(|p| NamedValue {
                    name: p.name.clone(),
                    value: resolved
                        .scope
                        .get(&["inputs.parameters.", &p.name].concat())
                        .cloned()
                        .unwrap_or_default(),
                })
                .collect(),
            artifacts: resolved
                .tmpl
                .inputs
                .artifacts
                .iter()
                .map(|a| a.name.clone())
                .collect(),
        };
        if let Some(m) = memo {
            self.nodes[i].memoization_status = Some(MemoizationStatus {
                hit: false,
                key: m.key.clone(),
                cache_name: m.cache.clone(),
            });
            self.state.memo_pending.insert(i, m);
        }
        self.state.resolved.insert(i, Rc::new(resolved));
        if self.template_locks_block(i, now) {
            return Some(i);
        }
        self.begin(i, now);
        Some(i)
    }

    /// Starts a created node: its pod, its suspend timer, then advances it.
    fn begin(&mut self, i: usize, now: Millis) {
        let ty = self.nodes[i].node_type;
        if ty == "Pod" || ty == "HTTP" {
            self.start_pod(i, now);
        } else if ty == "Suspend" {
            let Some(r) = self.state.resolved.get(&i).cloned() else {
                return;
            };
            let until = match &r.tmpl.body {
                TemplateBody::Suspend { duration: Some(d) } => parse_duration(d).map(|d| now + d),
                _ => None,
            };
            if let Some(u) = until {
                self.wakes.push(u);
            }
            self.state.suspend_until.insert(i, until);
        }
        self.advance(i, now);
    }

    /// Argo's template-level `synchronization`: whether node `i` must wait (Pending, with the
    /// lock's message) for its template's locks; takes them when it may. A Retry node's
    /// attempts take the locks, not the Retry node.
    fn template_locks_block(&mut self, i: usize, now: Millis) -> bool {
        let Some(r) = self.state.resolved.get(&i).cloned() else {
            return false;
        };
        let Some(sync) = &r.tmpl.synchronization else {
            return false;
        };
        if self.nodes[i].node_type == "Retry" || self.nodes[i].phase.fulfilled() {
            return false;
        }
        let refs = lock_refs(sync, &self.namespace);
        if refs.is_empty() {
            return false;
        }
        let holder = format!("{}/{}/{}", self.namespace, self.name, self.nodes[i].id);
        let created = self.nodes[i].started_at;
        let priority = self.state.spec.priority;
        match self
            .state
            .shared
            .locks
            .try_acquire(&holder, &refs, priority, created)
        {
            Acquire::Acquired => {
                self.state.lock_waiting.remove(&i);
                self.state.node_locks.insert(i);
                let phase = if self.nodes[i].node_type == "Pod" {
                    NodePhase::Pending
                } else {
                    NodePhase::Running
                };
                self.mark(i, now, phase, "");
                false
            }
            Acquire::Waiting(m) => {
                self.state.lock_waiting.insert(i);
                self.mark(i, now, NodePhase::Pending, &m);
                true
            }
            Acquire::Failed(m) => {
                self.state.lock_waiting.remove(&i);
                self.mark(i, now, NodePhase::Error, &m);
                true
            }
        }
    }

    /// Argo's workflow-level `synchronization`: the workflow waits (Pending, with the lock's
    /// message) until it holds its locks; true when it may run.
    fn workflow_locks_held(&mut self, now: Millis) -> bool {
        if self.state.wf_locked {
            return true;
        }
        let refs = self
            .state
            .spec
            .synchronization
            .as_ref()
            .map(|s| lock_refs(s, &self.namespace))
            .unwrap_or_default();
        if refs.is_empty() {
            self.state.wf_locked = true;
            return true;
        }
        let holder = format!("{}/{}", self.namespace, self.name);
        let (priority, created) = (self.state.spec.priority, self.started_at);
        match self
            .state
            .shared
            .locks
            .try_acquire(&holder, &refs, priority, created)
        {
            Acquire::Acquired => {
                self.state.wf_locked = true;
                if self.phase == WorkflowPhase::Pending {
                    self.phase = WorkflowPhase::Running;
                    self.message.clear();
                    self.trace
                        .record(now, self.name.clone(), "phase", "Running");
                }
                true
            }
            Acquire::Waiting(m) => {
                if self.phase != WorkflowPhase::Pending || self.message != m {
                    self.phase = WorkflowPhase::Pending;
                    self.message = m;
                    self.trace
                        .record(now, self.name.clone(), "phase", "Pending");
                }
                false
            }
            Acquire::Failed(m) => {
                self.finish(now, WorkflowPhase::Error, m);
                false
            }
        }
    }

    /// The `valueFrom.supplied` output parameters of suspend node `i` (Argo's
    /// `addRawOutputFields` puts only those in a suspend node's outputs): name, default and
    /// `globalName`. One is set once its name is in the node's outputs.
    fn raw_outputs(&self, i: usize) -> Vec<(String, Option<String>, Option<String>)> {
        let Some(r) = self.state.resolved.get(&i) else {
            return Vec::new();
        };
        r.tmpl
            .outputs
            .parameters
            .iter()
            .filter_map(|p| {
                let vf = p.value_from.as_ref().filter(|v| v.supplied)?;
                Some((p.name.clone(), vf.default.clone(), p.global_name.clone()))
            })
            .collect()
    }

    /// util.go `OverrideOutputParametersWithDefault`: each raw output of suspend node `i` not
    /// set yet takes its default — `Err` with Argo's message for the first without one.
    fn raw_output_defaults(
        &self,
        i: usize,
    ) -> Result<Vec<(String, String, Option<String>)>, String> {
        let mut out = Vec::new();
        for (name, default, global) in self.raw_outputs(i) {
            if self.nodes[i].outputs.parameters.contains_key(&name) {
                continue;
            }
            match default {
                Some(d) => out.push((name, d, global)),
                None => {
                    return Err(format!(
                        "raw output parameter '{name}' has not been set and does not have a \
                         default value"
                    ))
                }
            }
        }
        Ok(out)
    }

    /// Sets output parameter `name` of node `i`, and `workflow.outputs.parameters.<global>`
    /// (util.go `AddParamToGlobalScope`).
    fn set_output(&mut self, i: usize, name: String, value: String, global: Option<String>) {
        if let Some(g) = global {
            self.state
                .globals
                .insert(format!("workflow.outputs.parameters.{g}"), value.clone());
        }
        self.nodes[i].outputs.parameters.insert(name, value);
    }

    /// A suspend node completes (`argo resume`, or its `duration` elapsed) with its raw
    /// outputs' `defaults` set; its message (`argo node set --message`) stays.
    fn complete_suspend(
        &mut self,
        i: usize,
        now: Millis,
        defaults: Vec<(String, String, Option<String>)>,
    ) {
        for (name, value, global) in defaults {
            self.set_output(i, name, value, global);
        }
        self.state.suspend_until.remove(&i);
        let message = self.nodes[i].message.clone();
        self.mark(i, now, NodePhase::Succeeded, &message);
    }

    /// `argo node set` (util.go `updateSuspendedNode`, after the server's check of the phase):
    /// on every running suspend node the selector matches, the phase, message and raw output
    /// parameters given. Any refusal leaves the workflow as it was (the server updates it
    /// only when every node could be set).
    fn node_set(
        &mut self,
        now: Millis,
        selector: &str,
        params: &[(String, String)],
        message: Option<&str>,
        phase: Option<&str>,
    ) -> Result<(), String> {
        let phase = match phase.filter(|p| !p.is_empty()) {
            None => None,
            Some("Succeeded") => Some(NodePhase::Succeeded),
            Some("Failed") => Some(NodePhase::Failed),
            Some("Error") => Some(NodePhase::Error),
            Some(p) => return Err(format!("{p} is an invalid phase to set to")),
        };
        if selector.is_empty() {
            return Err(
                "'set' currently only targets suspend nodes, use a node field \
                        selector to target them"
                    .into(),
            );
        }
        let sel = parse_field_selector(selector)?;
        let message = message.filter(|m| !m.is_empty());
        let mut plan = Vec::new();
        for i in 0..self.nodes.len() {
            let n = &self.nodes[i];
            if n.node_type != "Suspend" || n.phase != NodePhase::Running || !node_matches(&sel, n) {
                continue;
            }
            let mut outputs = Vec::new();
            if !params.is_empty() {
                let raw = self.raw_outputs(i);
                if raw.is_empty() {
                    return Err(
                        "cannot set output parameters because node is not expecting \
                                any raw parameters"
                            .into(),
                    );
                }
                for (name, value) in params {
                    let Some((_, _, global)) = raw.iter().find(|(r, _, _)| r == name) else {
                        return Err(format!("node is not expecting output parameter '{name}'"));
                    };
                    if n.outputs.parameters.contains_key(name) {
                        return Err(format!(
                            "cannot set output parameter '{name}' because it does not use \
                             valueFrom.raw or it was already set"
                        ));
                    }
                    outputs.push((name.clone(), value.clone(), global.clone()));
                }
            }
            if phase.is_some() || message.is_some() || !outputs.is_empty() {
                plan.push((i, outputs));
            }
        }
        if plan.is_empty() {
            return Err(format!(
                "currently, set only targets suspend nodes: no suspend nodes matching \
                 nodeFieldSelector: {selector}"
            ));
        }
        for (i, outputs) in plan {
            for (name, value, global) in outputs {
                self.set_output(i, name, value, global);
            }
            let message = message.map_or_else(|| self.nodes[i].message.clone(), str::to_string);
            self.trace
                .record(now, self.nodes[i].id.clone(), "message", message.clone());
            match phase {
                Some(p) => {
                    self.state.suspend_until.remove(&i);
                    self.mark(i, now, p, &message);
                }
                None => self.nodes[i].message = message,
            }
        }
        Ok(())
    }

    /// A started pod's next event — its containers start, or it ends — and its phase: before
    /// that instant, and while nothing else changes its phase (a stop, a deadline), advancing
    /// it changes nothing. `None` for any other node (and for a pod waiting for a lock).
    fn pod_idle_until(&self, c: usize) -> Idle {
        let node = &self.nodes[c];
        if !matches!(node.node_type, "Pod" | "HTTP") || self.state.lock_waiting.contains(&c) {
            return None;
        }
        let pod = self.state.pods.get(&c)?;
        let next = match node.phase {
            NodePhase::Pending => pod.start_at.min(pod.finish_at),
            // A set's container exiting is an event of the pod's.
            NodePhase::Running => pod
                .containers
                .iter()
                .filter(|m| !self.nodes[m.node].phase.fulfilled())
                .map(|m| m.exits_at)
                .fold(pod.finish_at, Millis::min),
            _ => return None,
        };
        Some((next, node.phase))
    }

    /// Whether node `c` is a pod idle at `now` (see `pod_idle_until`): a fan-out of thousands
    /// whose pods end at as many instants is then not advanced whole at each of them.
    fn is_idle(&self, c: usize, idle: Idle, now: Millis) -> bool {
        idle.is_some_and(|(until, phase)| now < until && self.nodes[c].phase == phase)
    }

    fn advance(&mut self, i: usize, now: Millis) {
        if self.state.lock_waiting.contains(&i) {
            if !self.template_locks_block(i, now) {
                self.begin(i, now);
            }
            return;
        }
        match self.nodes[i].node_type {
            "Retry" => self.advance_retry(i, now),
            "Pod" | "HTTP" => self.advance_pod(i, now),
            "Suspend" => {
                if let Some(Some(u)) = self.state.suspend_until.get(&i) {
                    if now >= *u {
                        // executeSuspend: an expired suspension resumes the node with its
                        // raw outputs' defaults; one without a default is the node's error.
                        match self.raw_output_defaults(i) {
                            Ok(defaults) => self.complete_suspend(i, now, defaults),
                            Err(m) => {
                                self.state.suspend_until.remove(&i);
                                self.mark(i, now, NodePhase::Error, &m);
                                self.state.exec_errors.insert(i);
                            }
                        }
                    }
                }
            }
            "Steps" => self.advance_steps(i, now),
            "DAG" => self.advance_dag(i, now),
            _ => {}
        }
    }

    /// Every variable a resolved template sees: its own over the workflow's globals.
    fn scope_of(&self, r: &Resolved) -> Scope {
        let mut scope = self.state.globals.clone();
        scope.extend(r.scope.iter().map(|(k, v)| (k.clone(), v.clone())));
        scope
    }

    /// Finds the template of a call and processes its inputs.
    fn resolve(&self, call: &Call, extra: &Scope) -> Result<Resolved, String> {
        // The template as written (borrowed, not copied) and, except for inline templates, a
        // key under which its parse is kept: a loop resolves the same template per item.
        let (raw, base, key): (&Node, Base, Option<String>) = if let Some(inline) = &call.inline {
            (inline, call.base.clone(), None)
        } else if let Some(r) = &call.template_ref {
            let spec = if r.cluster_scope {
                self.state.library.cluster_workflow_templates.get(&r.name)
            } else {
                self.state.library.workflow_templates.get(&r.name)
            };
            let kind = if r.cluster_scope {
                "clusterworkflowtemplates"
            } else {
                "workflowtemplates"
            };
            let spec =
                spec.ok_or_else(|| format!("{kind}.argoproj.io \"{}\" not found", r.name))?;
            let t = find_template(spec, &r.template).ok_or_else(|| {
                format!(
                    "template {} not found in workflow template {}",
                    r.template, r.name
                )
            })?;
            (
                t,
                Base::Ref {
                    cluster: r.cluster_scope,
                    name: r.name.clone(),
                },
                Some(format!("{kind}/{}/{}", r.name, r.template)),
            )
        } else {
            let name = call.template.clone().unwrap_or_default();
            let found = match &call.base {
                Base::Own => self.state.spec.template(&name),
                Base::Ref { cluster, name: wft } => {
                    let lib = if *cluster {
                        &self.state.library.cluster_workflow_templates
                    } else {
                        &self.state.library.workflow_templates
                    };
                    lib.get(wft).and_then(|s| find_template(s, &name))
                }
            };
            let key = format!("{:?}/{name}", call.base);
            (
                found.ok_or_else(|| format!("template name '{name}' undefined"))?,
                call.base.clone(),
                Some(key),
            )
        };
        let cached = match key {
            Some(key) => {
                let cached = self.state.parsed_templates.borrow().get(&key).cloned();
                match cached {
                    Some(t) => t,
                    None => {
                        let t = Rc::new(Parsed::new(raw));
                        self.state
                            .parsed_templates
                            .borrow_mut()
                            .insert(key, t.clone());
                        t
                    }
                }
            }
            None => Rc::new(Parsed::new(raw)),
        };
        let parsed = &cached.tmpl;
        // The template's own variables; the workflow's are looked up under them, not copied.
        let mut scope = extra.clone();
        let globals = &self.state.globals;
        let mut list = Vec::with_capacity(parsed.inputs.parameters.len());
        for p in &parsed.inputs.parameters {
            let arg = call.arguments.parameters.iter().find(|a| a.name == p.name);
            let value = arg
                .and_then(|a| a.value.clone())
                .or_else(|| p.value.clone())
                .or_else(|| p.default.clone())
                .or_else(|| {
                    let (cm, key) = p.value_from.as_ref()?.config_map_key_ref.as_ref()?;
                    config_map_value(&self.state.library, cm, key, globals)
                })
                .or_else(|| p.value_from.as_ref().and_then(|v| v.default.clone()));
            let Some(value) = value else {
                return Err(format!("inputs.parameters.{} was not supplied", p.name));
            };
            // Values may refer to earlier inputs (`{{= ... inputs.parameters.a ...}}`).
            let vars = subst::Layered::new(&scope, globals);
            let value = subst::replace(&value, &vars, Strict::No).unwrap_or(value);
            if !p.enum_values.is_empty() && !p.enum_values.contains(&value) {
                return Err(format!(
                    "value '{value}' is not one of the allowed values of inputs.parameters.{}: {:?}",
                    p.name, p.enum_values
                ));
            }
            list.push(NamedValue {
                name: p.name.clone(),
                value: value.clone(),
            });
            scope.insert(["inputs.parameters.", &p.name].concat(), value);
        }
        let list = serde_json::to_string(&list).unwrap_or_default();
        scope.insert("inputs.parameters".into(), list);
        let mut files = BTreeMap::new();
        for a in &parsed.inputs.artifacts {
            if let Some(path) = &a.path {
                scope.insert(format!("inputs.artifacts.{}.path", a.name), path.clone());
            }
            let arg = call.arguments.artifacts.iter().find(|x| x.name == a.name);
            // ProcessArgs: a required input with nowhere to load it from must be passed.
            if arg.is_none() && !a.optional && !a.has_location {
                return Err(format!("inputs.artifacts.{} was not supplied", a.name));
            }
            let content = a.raw.clone().or_else(|| {
                let from = arg?.from.as_deref().or(arg?.raw.as_deref().map(|_| ""))?;
                if let Some(raw) = arg?.raw.clone() {
                    return Some(raw);
                }
                self.artifact(from)
            });
            // An artifact at a location (the argument's, else the input's) a pod stored there:
            // a file at its path, or a directory's files under it.
            let stored = content.is_none().then(|| {
                let mut loc = arg
                    .and_then(|x| x.location.as_ref())
                    .or(a.location.as_ref())?
                    .clone();
                // The template's own location is not substituted yet (`{{workflow.name}}/...`).
                let vars = subst::Layered::new(&scope, globals);
                for part in [&mut loc.bucket, &mut loc.key] {
                    *part = subst::replace(part, &vars, Strict::No).ok()?;
                }
                data::load(&self.state.artifact_store, &loc)
            });
            if let (Some(path), Some(Some(stored))) = (&a.path, stored) {
                for (rel, c) in stored {
                    let at = if rel.is_empty() {
                        path.clone()
                    } else {
                        format!("{}/{rel}", path.trim_end_matches('/'))
                    };
                    files.insert(at, c);
                }
                continue;
            }
            let dir = arg
                .and_then(|x| x.from.as_deref())
                .and_then(|from| self.artifact_dir(from));
            match (&a.path, content) {
                (Some(path), Some(_)) if dir.is_some() => {
                    for (rel, c) in dir.into_iter().flatten() {
                        files.insert(format!("{}/{rel}", path.trim_end_matches('/')), c.clone());
                    }
                }
                (Some(path), Some(c)) => {
                    files.insert(path.clone(), c);
                }
                // Present in the container, content not simulated (git, s3, http, ...).
                (Some(path), None) => {
                    files.insert(path.clone(), container::UNKNOWN_CONTENT.to_string());
                }
                _ => {}
            }
        }
        for p in &parsed.outputs.parameters {
            if let Some(path) = p.value_from.as_ref().and_then(|v| v.path.clone()) {
                scope.insert(format!("outputs.parameters.{}.path", p.name), path);
            }
        }
        for a in &parsed.outputs.artifacts {
            if let Some(path) = &a.path {
                scope.insert(format!("outputs.artifacts.{}.path", a.name), path.clone());
            }
        }
        scope.insert("retries".into(), call.attempt.to_string());
        let vars = subst::Layered::new(&scope, globals);
        let mut tmpl = if cached.verbatim {
            let mut tmpl = parsed.clone();
            subst::replace_texts(&mut tmpl, &vars, Strict::No)?;
            tmpl
        } else {
            let sub = subst::replace_node(raw, &vars, Strict::No)?;
            Template::parse(&sub, &mut Vec::new())
        };
        // `spec.retryStrategy` is the default of every template.
        if tmpl.retry_strategy.is_none() {
            tmpl.retry_strategy = self.state.spec.retry_strategy.clone();
        }
        Ok(Resolved {
            tmpl,
            base,
            scope,
            call: call.clone(),
            files,
            dag: std::cell::OnceCell::new(),
        })
    }

    /// The content of an artifact reference `{{steps.a.outputs.artifacts.b}}` (already
    /// substituted to `artifact:<node id>/<name>`).
    fn artifact(&self, from: &str) -> Option<String> {
        let rest = from.strip_prefix("artifact:")?;
        let (id, name) = rest.rsplit_once('/')?;
        let n = &self.nodes[*self.by_id.get(id)?];
        n.outputs.artifacts.get(name).cloned()
    }

    /// The files of a resolved `artifact:` reference that is a directory.
    fn artifact_dir(&self, from: &str) -> Option<&Vec<(String, String)>> {
        let (id, name) = from.strip_prefix("artifact:")?.rsplit_once('/')?;
        self.state
            .artifact_dirs
            .get(&(id.to_string(), name.to_string()))
    }

    // ----- retries -----

    fn advance_retry(&mut self, i: usize, now: Millis) {
        let Some(r) = self.state.resolved.get(&i).cloned() else {
            return;
        };
        let Some(rs) = r.tmpl.retry_strategy.clone() else {
            return;
        };
        let children: Vec<usize> = self.nodes[i]
            .children
            .iter()
            .filter_map(|id| self.by_id.get(id).copied())
            .collect();
        let name = self.nodes[i].name.clone();
        let display = self.nodes[i].display_name.clone();
        let attempt = children.len() as u32;
        let start_child = |this: &mut Self, n: u32| {
            let mut call = r.call.clone();
            call.retry_child = true;
            call.attempt = n;
            let cname = format!("{name}({n})");
            let cdisplay = format!("{display}({n})");
            this.execute(now, &cname, &cdisplay, call, Some(i), &Scope::new())
        };
        let Some(&last) = children.last() else {
            start_child(self, 0);
            return;
        };
        if !self.nodes[last].phase.fulfilled() {
            self.advance(last, now);
            self.nodes[i].daemoned =
                self.nodes[last].daemoned && !self.nodes[last].phase.fulfilled();
            if !self.nodes[last].phase.fulfilled() {
                return;
            }
        }
        let lp = self.nodes[last].phase;
        if lp == NodePhase::Succeeded || lp == NodePhase::Skipped || lp == NodePhase::Omitted {
            self.nodes[i].outputs = self.nodes[last].outputs.clone();
            self.nodes[i].logs = Vec::new();
            self.mark(i, now, lp, "");
            return;
        }
        if let Some(s) = self.shutdown_strategy() {
            if !self.should_execute(self.in_exit_handler(i)) {
                // processNodeRetries: no new attempt while shutting down.
                let msg = format!("Stopped with strategy '{s}'");
                self.mark(i, now, NodePhase::Failed, &msg);
                return;
            }
        }
        let retry = match rs.retry_policy.as_str() {
            "Always" => true,
            "OnError" => lp == NodePhase::Error,
            "OnTransientError" => false,
            _ => lp == NodePhase::Failed,
        };
        let lmsg = self.nodes[last].message.clone();
        if !retry {
            self.mark(i, now, lp, &lmsg);
            return;
        }
        if let Some(e) = &rs.expression {
            let mut vars = subst::expr_vars(&self.scope_of(&r));
            let ln = &self.nodes[last];
            vars.insert("lastRetry".into(), serde_json::json!({
                "exitCode": ln.outputs.exit_code.map_or("-1".to_string(), |c| c.to_string()),
                "status": ln.phase.as_str(), "duration": ((ln.finished_at.unwrap_or(now) - ln.started_at) / 1000).to_string(),
                "message": ln.message,
            }));
            if expr::eval(e, &vars, Dialect::Expr) != Ok(Json::Bool(true)) {
                self.mark(i, now, lp, &lmsg);
                return;
            }
        }
        let limit = rs.limit.unwrap_or(u64::from(u32::MAX)).min(10_000);
        if u64::from(attempt) > limit {
            self.mark(i, now, lp, "No more retries left");
            return;
        }
        // Backoff: duration * factor^(attempt-1), capped by maxDuration (measured from the
        // first attempt's start).
        if let Some(d) = rs.backoff_duration.as_deref().and_then(parse_duration) {
            let factor = rs.backoff_factor.unwrap_or(1.0).max(0.0);
            let wait = (d as f64 * factor.powi(attempt as i32 - 1)) as Millis;
            if let Some(max) = rs.backoff_max_duration.as_deref().and_then(parse_duration) {
                let first = children.first().map_or(now, |&c| self.nodes[c].started_at);
                if now.saturating_add(wait) > first.saturating_add(max) {
                    self.mark(i, now, lp, "Max duration limit exceeded");
                    return;
                }
            }
            let at = self.nodes[last]
                .finished_at
                .unwrap_or(now)
                .saturating_add(wait);
            if now < at {
                let msg = format!("Backoff for {}", format_duration(wait));
                if self.nodes[i].message != msg {
                    self.mark(i, now, NodePhase::Running, &msg);
                    self.wakes.push(at);
                }
                return;
            }
        }
        self.mark(i, now, NodePhase::Running, "");
        start_child(self, attempt);
    }

    // ----- pods -----

    fn start_pod(&mut self, i: usize, now: Millis) {
        if let Some(s) = self.shutdown_strategy() {
            if !self.should_execute(self.in_exit_handler(i)) {
                // createWorkflowPod: "Do not create pods if we are shutting down".
                let msg = format!("workflow shutdown with strategy: {s}");
                self.mark(i, now, NodePhase::Failed, &msg);
                return;
            }
        }
        let Some(r) = self.state.resolved.get(&i).cloned() else {
            return;
        };
        let tmpl = &r.tmpl;
        let seed = self.state.seed ^ fnv64(&self.nodes[i].name);
        let mut files = r.files.clone();
        for (vol, path) in self.workflow_mounts(tmpl) {
            for (rel, content) in self.state.volume_files.get(&vol).into_iter().flatten() {
                files.insert(format!("{path}/{rel}"), content.clone());
            }
            // What a pod the simulation did not understand left there is not known: the
            // mount holds content of its own, as an input artifact from git or http does.
            if self.state.uncertain_volumes.contains(&vol) {
                files
                    .entry(path)
                    .or_insert_with(|| container::UNKNOWN_CONTENT.to_string());
            }
        }
        let mut set_run = None;
        let mut resource: Option<ResourceRun> = None;
        let mut b = match &tmpl.body {
            TemplateBody::Container {
                command,
                args,
                image,
            } => container::simulate(image, command, args, None, &files, seed),
            TemplateBody::Script {
                command,
                args,
                source,
                image,
            } if source.trim().is_empty() => {
                container::simulate(image, command, args, None, &files, seed)
            }
            TemplateBody::Script {
                command,
                source,
                image,
                ..
            } => container::simulate(image, command, &[], Some(source), &files, seed),
            TemplateBody::ContainerSet {
                containers,
                retry_strategy,
            } => {
                let run = container_set::run(containers, retry_strategy.as_ref(), &files, seed);
                set_run = Some(run.containers);
                run.pod
            }
            TemplateBody::Data {
                artifact_paths,
                expressions,
            } => data::run(
                artifact_paths.as_ref(),
                expressions,
                &self.state.artifact_store,
            ),
            TemplateBody::Resource { .. } => {
                let (b, run) = self.start_resource(i, &r, &files, seed, now);
                resource = Some(run);
                b
            }
            _ => Behaviour {
                duration: container::COMMAND_DURATION,
                recognised: true,
                files: r.files.clone(),
                ..Behaviour::default()
            },
        };
        let display = self.nodes[i].display_name.clone();
        let base_display = display.split('(').next().unwrap_or(&display).to_string();
        let from_config = self
            .state
            .overrides
            .iter()
            .find(|o| o.target == tmpl.name || o.target == display || o.target == base_display)
            .cloned();
        let o = from_config.or_else(|| Override::from_annotations(&tmpl.annotations));
        let mut failure_message = None;
        let mut http_result = None;
        if let TemplateBody::Http(h) = &tmpl.body {
            // The agent sends the request; overrides shape the simulated response.
            let failing = o.as_ref().is_some_and(|o| {
                o.exit_code.is_some_and(|c| c != 0) || r.call.attempt < o.fail_attempts
            });
            let answer = http::Answer {
                status_code: if failing {
                    Some(500)
                } else {
                    o.as_ref().and_then(|o| o.status_code)
                },
                body: o.as_ref().and_then(|o| o.stdout.clone()),
                duration: o.as_ref().and_then(|o| o.duration),
            };
            let outcome = http::execute(h, &answer);
            b.duration = outcome.duration;
            failure_message = outcome.failure;
            http_result = outcome.result;
        } else if let Some(o) = o {
            // The override stands for the created object's behaviour: it decides instead of
            // the conditions (a manifest kubectl refuses still fails unless it sets exit-code).
            if let Some(run) = resource.as_mut().filter(|run| run.waited) {
                b.exit_code = 0;
                b.duration = container::COMMAND_DURATION;
                run.message = None;
            }
            if let Some(c) = o.exit_code {
                b.exit_code = c;
            }
            if let Some(d) = o.duration {
                b.duration = d;
            }
            if let Some(s) = &o.stdout {
                b.stdout = s.clone();
            }
            if r.call.attempt < o.fail_attempts {
                b.exit_code = 1;
            }
            b.recognised = true;
            // An override is the pod's: every container of a set ends with it.
            for e in set_run.iter_mut().flatten() {
                e.at = b.duration;
                e.exit_code = b.exit_code;
                e.reason = if b.exit_code == 0 {
                    "Completed"
                } else {
                    "Error"
                };
                e.message.clear();
            }
        }
        // A mount of a volume the workflow does not declare: the pod cannot be created.
        if let Some(v) = tmpl
            .volume_mounts
            .iter()
            .find(|v| !self.state.spec.volumes.contains(v) && !tmpl.volumes.contains(v))
        {
            let msg = format!("volume '{v}' not found in workflow spec");
            self.mark(i, now, NodePhase::Error, &msg);
            self.state.exec_errors.insert(i);
            return;
        }
        // `timeout`: the executor's deadline (ARGO_DEADLINE), which kills the running container.
        if let Some(l) = tmpl.timeout.as_deref().and_then(parse_duration) {
            if b.duration > l {
                b.duration = l;
                failure_message = Some("Step exceeded its deadline".to_string());
            }
        }
        // An HTTP template runs in the agent, which is already up; a pod waits to be scheduled.
        let mut start_at = if self.nodes[i].node_type == "Pod" {
            now.saturating_add(POD_START * (1 + (seed >> 11) % POD_START_STEPS))
        } else {
            now
        };
        let mut finish_at = start_at.saturating_add(b.duration);
        // `activeDeadlineSeconds` is the pod's own: the kubelet counts it from the pod's start
        // on the node, Pending (image pulls, init containers) included, and fails the pod with
        // its DeadlineExceeded message, which Argo shows as the node's.
        let ads = tmpl.active_deadline_seconds.as_deref();
        if let Some(deadline) = ads.and_then(parse_duration).map(|l| now.saturating_add(l)) {
            if finish_at > deadline {
                failure_message =
                    Some("Pod was active on the node longer than the specified deadline".into());
                finish_at = deadline;
                if start_at >= deadline {
                    // Failed while Pending: the containers never start (start after the end).
                    start_at = deadline.saturating_add(1);
                    b = Behaviour {
                        recognised: b.recognised,
                        files: r.files.clone(),
                        ..Behaviour::default()
                    };
                }
            }
        }
        self.wakes.push(start_at.min(finish_at));
        if finish_at != Millis::MAX {
            self.wakes.push(finish_at);
        }
        let containers = match set_run {
            Some(set) => self.create_set_nodes(i, now, start_at, set),
            None => Vec::new(),
        };
        let run = resource.unwrap_or_default();
        self.state.pods.insert(
            i,
            Pod {
                start_at,
                finish_at,
                behaviour: b,
                failure_message,
                http_result,
                containers,
                object: run.object,
                message: run.message,
            },
        );
        self.pod_started(i, now);
    }

    /// `executeContainerSet`, once the pod is created: a Pending node of type Container per
    /// container, named `<pod node>.<container>`, under the pod node when it has no
    /// dependencies and under each of its dependencies otherwise.
    fn create_set_nodes(
        &mut self,
        pod: usize,
        now: Millis,
        start_at: Millis,
        set: Vec<container_set::Exited>,
    ) -> Vec<SetMember> {
        let Some(TemplateBody::ContainerSet { containers, .. }) =
            self.state.resolved.get(&pod).map(|r| r.tmpl.body.clone())
        else {
            return Vec::new();
        };
        let pod_name = self.nodes[pod].name.clone();
        let template = self.nodes[pod].template_name.clone();
        let mut members = Vec::with_capacity(set.len());
        for exited in set {
            let name = format!("{pod_name}.{}", exited.name);
            let node = match self.index.get(&name) {
                Some(&k) => k,
                None => match self.create(
                    now,
                    &name,
                    &exited.name,
                    "Container",
                    NodePhase::Pending,
                    "",
                    None,
                    &template,
                ) {
                    Some(k) => k,
                    None => break,
                },
            };
            let exits_at = start_at.saturating_add(exited.at);
            self.wakes.push(exits_at);
            members.push(SetMember {
                node,
                exits_at,
                exited,
            });
        }
        for c in &containers {
            let Some(&child) = self.index.get(&format!("{pod_name}.{}", c.name)) else {
                continue;
            };
            let id = self.nodes[child].id.clone();
            let parents: Vec<usize> = if c.dependencies.is_empty() {
                vec![pod]
            } else {
                c.dependencies
                    .iter()
                    .filter_map(|d| self.index.get(&format!("{pod_name}.{d}")).copied())
                    .collect()
            };
            for p in parents {
                if !self.nodes[p].children.contains(&id) {
                    self.nodes[p].children.push(id.clone());
                }
            }
        }
        members
    }

    /// Turns a Pending pod Running once its containers start.
    fn pod_started(&mut self, i: usize, now: Millis) {
        let Some(pod) = self.state.pods.get(&i) else {
            return;
        };
        if pod.start_at > now || self.nodes[i].phase != NodePhase::Pending {
            return;
        }
        let members: Vec<usize> = pod.containers.iter().map(|m| m.node).collect();
        self.mark(i, now, NodePhase::Running, "");
        // The set's containers all start with the pod (one with dependencies waits inside it).
        for k in members {
            if self.nodes[k].phase == NodePhase::Pending {
                self.mark(k, now, NodePhase::Running, "");
            }
        }
        let daemon = self.state.resolved.get(&i).is_some_and(|r| r.tmpl.daemon);
        if daemon {
            self.nodes[i].daemoned = true;
            self.trace
                .record(now, self.nodes[i].id.clone(), "daemoned", "true");
        }
    }

    fn advance_pod(&mut self, i: usize, now: Millis) {
        self.pod_started(i, now);
        let Some(pod) = self.state.pods.get(&i) else {
            return;
        };
        let exited: Vec<(usize, NodePhase, String, Vec<String>)> = pod
            .containers
            .iter()
            .filter(|m| m.exits_at <= now && !self.nodes[m.node].phase.fulfilled())
            .map(|m| {
                let (phase, message) = m.exited.node_phase();
                let logs = m.exited.stdout.lines().map(str::to_string).collect();
                (m.node, phase, message, logs)
            })
            .collect();
        for (k, phase, message, logs) in exited {
            self.nodes[k].logs = logs;
            self.mark(k, now, phase, &message);
        }
        let Some(pod) = self.state.pods.get(&i) else {
            return;
        };
        if pod.finish_at > now {
            return;
        }
        let Some(pod) = self.state.pods.remove(&i) else {
            return;
        };
        let Some(r) = self.state.resolved.get(&i).cloned() else {
            return;
        };
        let b = &pod.behaviour;
        let stdout = b.stdout.strip_suffix('\n').unwrap_or(&b.stdout).to_string();
        let is_http = matches!(r.tmpl.body, TemplateBody::Http(_));
        let mut outputs = Outputs {
            result: if is_http {
                pod.http_result.clone()
            } else {
                matches!(
                    r.tmpl.body,
                    TemplateBody::Container { .. }
                        | TemplateBody::Script { .. }
                        | TemplateBody::ContainerSet { .. }
                        | TemplateBody::Data { .. }
                )
                .then(|| stdout.clone())
            },
            // The agent reports no exit code: it runs no container for the node.
            exit_code: (!is_http).then_some(b.exit_code),
            ..Outputs::default()
        };
        let mut phase = if b.exit_code == 0 {
            NodePhase::Succeeded
        } else {
            NodePhase::Failed
        };
        let mut forbidden = None;
        if let Some(msg) = &self.state.task_results_forbidden {
            if matches!(
                r.tmpl.body,
                TemplateBody::Container { .. }
                    | TemplateBody::Script { .. }
                    | TemplateBody::ContainerSet { .. }
            ) {
                forbidden = Some(msg.clone());
            }
        }
        let members: Vec<container_set::Exited> =
            pod.containers.iter().map(|m| m.exited.clone()).collect();
        // Why it failed beside its exit code: kubectl's (a resource template), else argoexec's.
        let why = pod.message.as_ref().or(b.message.as_ref());
        let mut message = match (container_set::pod_failure(&members), why) {
            (Some((_, m)), _) => m,
            (None, _) if b.exit_code == 0 => String::new(),
            (None, Some(m)) => format!("Error (exit code {}): {m}", b.exit_code),
            (None, None) => format!("Error (exit code {})", b.exit_code),
        };
        if let Some(m) = &pod.failure_message {
            phase = NodePhase::Failed;
            message = m.clone();
        }
        if let Some(m) = forbidden {
            // The executor cannot report the pod's outputs and result.
            phase = NodePhase::Error;
            message = m;
        }
        let override_params = self
            .state
            .overrides
            .iter()
            .find(|o| o.target == r.tmpl.name || o.target == self.nodes[i].display_name)
            .cloned()
            .or_else(|| Override::from_annotations(&r.tmpl.annotations))
            .map(|o| o.parameters)
            .unwrap_or_default();
        // Output expressions see the template's scope and the result (rare: built on demand).
        let mut scope: Option<Scope> = None;
        let is_resource = matches!(r.tmpl.body, TemplateBody::Resource { .. });
        for p in &r.tmpl.outputs.parameters {
            let vf = p.value_from.as_ref();
            let mut not_saved = None;
            let value = if let Some(v) = override_params.get(&p.name) {
                Some(v.clone())
            } else if let Some(vf) =
                vf.filter(|v| is_resource && (v.json_path.is_some() || v.jq_filter.is_some()))
            {
                match resource_output(pod.object.as_ref(), vf) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        not_saved = Some(e);
                        None
                    }
                }
            } else if let Some(path) = vf.and_then(|v| v.path.as_ref()) {
                b.files
                    .get(path)
                    .map(|s| {
                        if s == container::UNKNOWN_CONTENT {
                            String::new()
                        } else {
                            s.trim_end().to_string()
                        }
                    })
                    .or_else(|| vf.and_then(|v| v.default.clone()))
                    .or_else(|| (!b.recognised).then(String::new))
            } else if let Some(e) = vf.and_then(|v| v.expression.as_ref()) {
                let scope = scope.get_or_insert_with(|| {
                    let mut scope = self.scope_of(&r);
                    scope.insert("outputs.result".into(), stdout.clone());
                    scope
                });
                subst::eval_expression(e, scope).ok().flatten()
            } else if let Some(jp) = vf.and_then(|v| v.json_path.as_ref()) {
                expr::jsonpath(&Json::String(stdout.clone()), jp)
                    .ok()
                    .map(|v| json_text(&v))
            } else {
                p.value
                    .clone()
                    .or_else(|| vf.and_then(|v| v.default.clone()))
                    .or_else(|| vf.is_some().then(String::new))
            };
            match value {
                Some(v) => {
                    if let Some(g) = &p.global_name {
                        self.state
                            .globals
                            .insert(format!("workflow.outputs.parameters.{g}"), v.clone());
                    }
                    outputs.parameters.insert(p.name.clone(), v);
                }
                None if phase == NodePhase::Succeeded => {
                    let path = vf.and_then(|v| v.path.clone()).unwrap_or_default();
                    phase = NodePhase::Error;
                    message = not_saved
                        .unwrap_or_else(|| format!("open {path}: no such file or directory"));
                }
                None => {}
            }
        }
        for a in &r.tmpl.outputs.artifacts {
            let content = a.path.as_ref().and_then(|p| {
                b.files.get(p).cloned().or_else(|| {
                    let prefix = format!("{}/", p.trim_end_matches('/'));
                    let inside: Vec<(String, String)> = b
                        .files
                        .iter()
                        .filter_map(|(k, v)| {
                            Some((k.strip_prefix(&prefix)?.to_string(), v.clone()))
                        })
                        .collect();
                    let text = inside.iter().map(|(_, v)| v.as_str()).collect::<String>();
                    (!inside.is_empty()).then(|| {
                        let key = (self.nodes[i].id.clone(), a.name.clone());
                        self.state.artifact_dirs.insert(key, inside);
                        text
                    })
                })
            });
            // A directory every image has (`/etc`), or a path inside one whose content the
            // simulation does not know (an input from git or http, a volume an earlier pod did
            // something unknown to): there, with unknown content.
            let unknown = a.path.as_deref().is_some_and(|p| {
                in_every_image(p)
                    || b.files.iter().any(|(at, c)| {
                        c == container::UNKNOWN_CONTENT && p.starts_with(&format!("{at}/"))
                    })
            });
            let content = content
                .or_else(|| a.raw.clone())
                .or_else(|| (!b.recognised || a.optional).then(String::new))
                .or_else(|| unknown.then(|| container::UNKNOWN_CONTENT.to_string()));
            match content {
                Some(c) => {
                    outputs.artifacts.insert(a.name.clone(), c);
                }
                None if phase == NodePhase::Succeeded => {
                    phase = NodePhase::Error;
                    message = format!(
                        "failed to save outputs: open {}: no such file or directory",
                        a.path.clone().unwrap_or_default()
                    );
                }
                None => {}
            }
        }
        // The wait container saves what exists, whatever the main container's exit code.
        for a in &r.tmpl.outputs.artifacts {
            data::save(&mut self.state.artifact_store, a, &b.files);
        }
        // What the pod left on the workflow's volumes stays there.
        for (vol, path) in self.workflow_mounts(&r.tmpl) {
            if !b.recognised {
                self.state.uncertain_volumes.insert(vol.clone());
            }
            let prefix = format!("{path}/");
            let kept = self.state.volume_files.entry(vol).or_default();
            for (p, content) in &b.files {
                if let Some(rel) = p.strip_prefix(&prefix) {
                    kept.insert(rel.to_string(), content.clone());
                }
            }
        }
        self.nodes[i].logs = b.stdout.lines().map(str::to_string).collect();
        self.nodes[i].outputs = outputs;
        self.mark(i, now, phase, &message);
    }

    /// The template's mounts of the workflow's own volumes (not the template's pod-local
    /// ones), as `(volume, mountPath without a trailing /)`.
    fn workflow_mounts(&self, tmpl: &Template) -> Vec<(String, String)> {
        tmpl.mount_paths
            .iter()
            .filter(|(v, _)| self.state.spec.volumes.contains(v) && !tmpl.volumes.contains(v))
            .map(|(v, p)| (v.clone(), p.trim_end_matches('/').to_string()))
            .collect()
    }

    /// A resource template's executor (`ExecResource`, `WaitResource`): kubectl's action on
    /// the manifest, then the polls of the object until a condition holds, as a pod that runs
    /// the kubectl step (1 s) and then polls. See [`resource`].
    fn start_resource(
        &mut self,
        i: usize,
        r: &Resolved,
        files: &BTreeMap<String, String>,
        seed: u64,
        now: Millis,
    ) -> (Behaviour, ResourceRun) {
        let mut b = Behaviour {
            duration: container::COMMAND_DURATION,
            recognised: true,
            files: r.files.clone(),
            ..Behaviour::default()
        };
        let mut run = ResourceRun::default();
        let TemplateBody::Resource {
            action,
            manifest,
            manifest_from,
            merge_strategy,
            flags,
            success_condition,
            failure_condition,
        } = &r.tmpl.body
        else {
            return (b, run);
        };
        // `manifestFrom.artifact`: the input artifact's text, where the pod has it.
        let text = match manifest_from {
            Some(name) => r
                .tmpl
                .inputs
                .artifacts
                .iter()
                .find(|a| &a.name == name)
                .and_then(|a| {
                    a.path
                        .as_ref()
                        .and_then(|p| files.get(p).cloned())
                        .or_else(|| a.raw.clone())
                })
                .unwrap_or_default(),
            None => manifest.clone(),
        };
        let pod = resource::pod_name(&self.name, &r.tmpl.name, &self.nodes[i].name);
        let text = text.replace("{{pod.name}}", &pod);
        // The executor's errors are `CodeBadRequest`: argoexec exits 64.
        let mut fail = |b: &mut Behaviour, msg: String| {
            b.exit_code = 64;
            run.message = Some(msg);
        };
        let applied = resource::apply(&resource::Action {
            action,
            manifest: &text,
            merge_strategy: merge_strategy.as_deref(),
            flags,
            namespace: &self.namespace,
            seed,
            created: timestamp(now),
        });
        let object = match applied {
            Err(e) => {
                fail(&mut b, format!("no more retries {e}"));
                return (b, run);
            }
            Ok(a) => a.object,
        };
        let Some(mut object) = object else {
            if action == "delete" {
                // The object is gone (`kubectl delete -f` names it by its manifest).
                let doc = crate::yaml::load(crate::diag::FileId(0), &text);
                if let Some(d) = doc.documents.first() {
                    let doc = to_json(&d.root);
                    let key = |p: &str| doc.pointer(p).and_then(Json::as_str).map(str::to_string);
                    if let (Some(k), Some(n)) = (key("/kind"), key("/metadata/name")) {
                        self.state.objects.remove(&(k, n));
                    }
                }
            }
            return (b, run);
        };
        let parse = |which: &str, c: &Option<String>| match c.as_deref().map(str::trim) {
            None | Some("") => Ok(Vec::new()),
            Some(c) => resource::parse_selector(c)
                .map_err(|e| format!("{which} condition '{c}' failed to parse: {e}")),
        };
        let (success, failure) = match (
            parse("success", success_condition),
            parse("fail", failure_condition),
        ) {
            (Ok(s), Ok(f)) => (s, f),
            (Err(e), _) | (_, Err(e)) => {
                fail(&mut b, e);
                run.object = Some(object);
                return (b, run);
            }
        };
        if success.is_empty() && failure.is_empty() {
            self.lifetime(action, &mut object, seed, now);
            run.object = Some(object);
            return (b, run);
        }
        let statuses = self.lifetime(action, &mut object, seed, now);
        run.waited = true;
        match resource::decide(&object, &statuses, &success, &failure) {
            Some((at, resource::Wait::Failed(msg), state)) => {
                b.duration = b.duration.saturating_add(at);
                run.object = Some(state);
                fail(&mut b, msg);
            }
            Some((at, _, state)) => {
                b.duration = b.duration.saturating_add(at);
                run.object = Some(state);
            }
            None => {
                // Nothing the simulation knows ever satisfies a condition: it polls for ever.
                b.duration = Millis::MAX;
                run.object = Some(object);
            }
        }
        (b, run)
    }

    /// The object's statuses from `now` on (ms after `now`): those of an object this workflow
    /// created (a `get` or `patch` of it sees its status as it is by then; the object is
    /// the one created, under the action's changes), else, for a `create` or `apply`, those of
    /// the new object, recorded for later actions. Any other object is unknown: none.
    fn lifetime(
        &mut self,
        action: &str,
        object: &mut Json,
        seed: u64,
        now: Millis,
    ) -> Vec<(Millis, Json)> {
        let text = |p: &str| {
            object
                .pointer(p)
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string()
        };
        let key = (text("/kind"), text("/metadata/name"));
        if let Some((created, at)) = self.state.objects.get(&key) {
            if let (Some(o), Some(c)) = (object.as_object_mut(), created.as_object()) {
                for (k, v) in c {
                    if k != "metadata" && (action == "get" || !o.contains_key(k)) {
                        o.insert(k.clone(), v.clone());
                    }
                }
                if let (Some(m), Some(cm)) = (
                    o.get_mut("metadata").and_then(Json::as_object_mut),
                    c.get("metadata").and_then(Json::as_object),
                ) {
                    for (k, v) in cm {
                        if k != "name" && k != "generateName" {
                            m.insert(k.clone(), v.clone());
                        }
                    }
                }
            }
            let current = at
                .iter()
                .rev()
                .find(|(t, _)| *t <= now)
                .map(|(_, s)| (0, s.clone()));
            return current
                .into_iter()
                .chain(
                    at.iter()
                        .filter(|(t, _)| *t > now)
                        .map(|(t, s)| (t - now, s.clone())),
                )
                .collect();
        }
        if !matches!(action, "create" | "apply") {
            return Vec::new();
        }
        let statuses = self.object_statuses(object, seed, now);
        if self.state.objects.len() < 10_000 {
            let absolute = statuses
                .iter()
                .map(|(t, s)| (now.saturating_add(*t), s.clone()))
                .collect();
            self.state.objects.insert(key, (object.clone(), absolute));
        }
        statuses
    }

    /// The created object's `status` over time (ms after its creation), for the kinds the
    /// simulation can run: a Pod's first container and a Job's pods per DESIGN.md's fidelity
    /// rules, an Argo Workflow run as a workflow of its own. Other kinds: none.
    fn object_statuses(&self, object: &Json, seed: u64, now: Millis) -> Vec<(Millis, Json)> {
        let kind = object
            .get("kind")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let api = object
            .get("apiVersion")
            .and_then(Json::as_str)
            .unwrap_or_default();
        let no_files = BTreeMap::new();
        match kind {
            "Pod" if api == "v1" => {
                let (image, command, args) = resource::first_container(object.get("spec"));
                let b = container::simulate(&image, &command, &args, None, &no_files, seed);
                resource::pod_statuses(b.duration, b.exit_code)
            }
            "Job" if api.starts_with("batch/") => {
                let spec = object.pointer("/spec/template/spec");
                let (image, command, args) = resource::first_container(spec);
                let b = container::simulate(&image, &command, &args, None, &no_files, seed);
                resource::job_statuses(object, b.duration, b.exit_code)
            }
            "Workflow" if api.starts_with("argoproj.io/") => {
                self.child_workflow_statuses(object, seed, now)
            }
            "Deployment" | "StatefulSet" | "ReplicaSet" if api.starts_with("apps/") => {
                resource::replica_statuses(object)
            }
            _ => Vec::new(),
        }
    }

    /// Runs a Workflow a resource template created, on its own (its locks and caches are
    /// not shared with the run's, and it is not listed among the run's workflows): `phase`
    /// Running, then its final phase when it ends within a day of simulated time.
    fn child_workflow_statuses(
        &self,
        object: &Json,
        seed: u64,
        now: Millis,
    ) -> Vec<(Millis, Json)> {
        const MAX_WAKES: usize = 10_000;
        const HORIZON: Millis = 86_400_000;
        let running = vec![(0, serde_json::json!({ "phase": "Running" }))];
        if self.state.object_depth >= 2 {
            return running;
        }
        let name = object
            .pointer("/metadata/name")
            .and_then(Json::as_str)
            .unwrap_or_default()
            .to_string();
        let spec = crate::argo::model::json::from_json(
            object.get("spec").unwrap_or(&Json::Null),
            self.state.source.span,
        );
        let mut child = WorkflowRun::new(
            Submission {
                name,
                namespace: self.namespace.clone(),
                spec: &spec,
                library: &self.state.library,
                overrides: &self.state.overrides,
                seed: seed.rotate_left(17),
                task_results_forbidden: self.state.task_results_forbidden.clone(),
                generate_name: None,
            },
            now,
        );
        child.state.object_depth = self.state.object_depth + 1;
        let (mut t, mut pending) = (now, std::collections::BTreeSet::new());
        for _ in 0..MAX_WAKES {
            child.operate(t);
            if let Some(end) = child.finished_at {
                let mut status = serde_json::json!({ "phase": child.phase.as_str() });
                if !child.message.is_empty() {
                    status["message"] = Json::String(child.message.clone());
                }
                let mut out = running;
                out.push((end.saturating_sub(now), status));
                return out;
            }
            pending.extend(child.wakes.drain(..).filter(|&w| w > t));
            match pending.pop_first() {
                Some(next) if next.saturating_sub(now) <= HORIZON => t = next,
                _ => break,
            }
        }
        running
    }

    // ----- steps -----

    fn advance_steps(&mut self, i: usize, now: Millis) {
        let Some(r) = self.state.resolved.get(&i).cloned() else {
            return;
        };
        let TemplateBody::Steps { groups } = &r.tmpl.body else {
            return;
        };
        let name = self.nodes[i].name.clone();
        // Finished groups are not walked again: their outputs are in the kept scope, and the
        // open group's steps are expanded once (its scope does not change while it runs).
        let mut progress = self
            .state
            .steps_progress
            .remove(&i)
            .unwrap_or_else(|| StepsProgress {
                group: 0,
                scope: self.scope_of(&r),
                expansions: None,
                walks: Vec::new(),
            });
        // failFast: once a child of this boundary failed, no new child starts.
        let mut fail_fast_hit = r.tmpl.fail_fast && {
            let nodes = self.boundary_nodes(i, &r);
            self.any_unsuccessful(&nodes)
        };
        for (gi, group) in groups.iter().enumerate().skip(progress.group) {
            let gname = format!("{name}[{gi}]");
            let g = match self.index.get(&gname) {
                Some(&g) => g,
                None => match self.create(
                    now,
                    &gname,
                    &format!("[{gi}]"),
                    "StepGroup",
                    NodePhase::Running,
                    "",
                    Some(i),
                    &r.tmpl.name,
                ) {
                    Some(g) => g,
                    None => return,
                },
            };
            let StepsProgress {
                scope,
                expansions,
                walks,
                ..
            } = &mut progress;
            let expansions = expansions
                .get_or_insert_with(|| group.iter().map(|step| self.expand(step, scope)).collect());
            // Each expanded step's node, once it exists (a fan-out of thousands is walked at
            // every pod start and end: no name to format and look up each time).
            if walks.len() != expansions.len() {
                *walks = expansions
                    .iter()
                    .map(|e| ItemsWalk::new(e.as_ref().map_or(0, Vec::len)))
                    .collect();
            }
            let mut all_done = true;
            let mut running = 0usize;
            for (si, (step, expansion)) in group.iter().zip(expansions.iter()).enumerate() {
                let expansion = match expansion {
                    Ok(x) => x,
                    Err(e) => {
                        self.mark(g, now, NodePhase::Error, e);
                        self.mark(i, now, NodePhase::Failed, e);
                        return;
                    }
                };
                if expansion.is_empty() {
                    let base_name = step.get("name").and_then(Node::as_str).unwrap_or_default();
                    let cname = format!("{gname}.{base_name}");
                    if !self.index.contains_key(&cname) {
                        self.create(
                            now,
                            &cname,
                            base_name,
                            "Skipped",
                            NodePhase::Skipped,
                            "Skipped, empty params",
                            Some(g),
                            "",
                        );
                    }
                    continue;
                }
                for (ei, (display, inv)) in expansion.iter().enumerate() {
                    if walks[si].settled[ei] {
                        continue;
                    }
                    let c = if let Some(c) = walks[si].nodes[ei] {
                        if self.is_idle(c, walks[si].idle[ei], now) {
                            all_done = false;
                            running += 1;
                            continue;
                        }
                        self.advance_existing(c, now);
                        c
                    } else {
                        let cname = [gname.as_str(), ".", display.as_str()].concat();
                        let exists = self.index.contains_key(&cname);
                        if !exists {
                            if let Some(w) = &inv.when {
                                match expr::eval_when(w) {
                                    Ok(true) => {}
                                    Ok(false) => {
                                        if let Some(c) = self.create(
                                            now,
                                            &cname,
                                            display,
                                            "Skipped",
                                            NodePhase::Skipped,
                                            &format!("when '{w}' evaluated false"),
                                            Some(g),
                                            "",
                                        ) {
                                            self.skip_defaults(c, inv, &r.base);
                                            walks[si].nodes[ei] = Some(c);
                                        }
                                        continue;
                                    }
                                    Err(e) => {
                                        self.mark(g, now, NodePhase::Error, &e);
                                        self.mark(i, now, NodePhase::Failed, &e);
                                        return;
                                    }
                                }
                            }
                            if fail_fast_hit || self.at_parallelism(&r.tmpl, running) {
                                all_done = false;
                                continue;
                            }
                        }
                        let Some(c) = self.execute(
                            now,
                            &cname,
                            display,
                            Call::of(inv, &r.base),
                            Some(g),
                            &Scope::new(),
                        ) else {
                            return;
                        };
                        walks[si].nodes[ei] = Some(c);
                        c
                    };
                    if r.tmpl.fail_fast && !fail_fast_hit {
                        fail_fast_hit =
                            self.any_unsuccessful(&self.with_items_and_attempts(vec![c]));
                    }
                    if !self.done(c) {
                        all_done = false;
                        running += 1;
                        walks[si].idle[ei] = self.while_running(c, inv, &r.base, now);
                    } else if !self.run_exit_handlers(c, inv, &r.base, now, true) {
                        all_done = false;
                    } else if self.nodes[c].phase.fulfilled() {
                        // (A daemon that is up is done but still advanced.)
                        walks[si].settled[ei] = true;
                    }
                }
            }
            // The failFast check comes before the group is assessed, as Argo's runs before
            // executeSteps: its message wins over "child '…' failed".
            if fail_fast_hit && self.fail_fast_ends(i, &r, Some(g), now) {
                return;
            }
            if !all_done {
                self.state.steps_progress.insert(i, progress);
                return;
            }
            // Every step's nodes, in order (an empty loop's Skipped node is not a result).
            let results: Vec<(usize, &Invocation)> = expansions
                .iter()
                .zip(walks.iter())
                .flat_map(|(e, walk)| {
                    let e = e.as_deref().unwrap_or_default();
                    e.iter()
                        .zip(&walk.nodes)
                        .filter_map(|((_, inv), c)| c.map(|c| (c, inv)))
                })
                .collect();
            if self.nodes[g].phase == NodePhase::Running {
                for &(c, inv) in &results {
                    let p = self.nodes[c].phase;
                    // executeStepGroup: a child whose executeTemplate returned an error errs
                    // the group at once, continueOn or not.
                    if p == NodePhase::Error
                        && self.state.exec_errors.contains(&c)
                        && self.nodes[c].message != MAX_DEPTH_MESSAGE
                    {
                        let msg = format!(
                            "step group deemed errored due to child {} error: {}",
                            self.nodes[c].name, self.nodes[c].message
                        );
                        self.mark(g, now, NodePhase::Error, &msg);
                        self.kill_daemons(i, now);
                        self.mark(i, now, NodePhase::Failed, &msg);
                        return;
                    }
                    if p.failed_or_error() && !continues_on(inv, p) {
                        let msg = format!("child '{}' failed", self.nodes[c].id);
                        self.mark(g, now, NodePhase::Failed, &msg);
                        // killDaemonedChildren: a finished steps node stops its daemons,
                        // whatever its phase.
                        self.kill_daemons(i, now);
                        self.mark(i, now, NodePhase::Failed, &msg);
                        return;
                    }
                }
                self.mark(g, now, NodePhase::Succeeded, "");
            } else if self.nodes[g].phase.failed_or_error() {
                let msg = self.nodes[g].message.clone();
                self.kill_daemons(i, now);
                self.mark(i, now, NodePhase::Failed, &msg);
                return;
            }
            self.add_results_to_scope("steps", &results, scope);
            drop(results);
            progress.expansions = None;
            progress.walks.clear();
            progress.group = gi + 1;
        }
        self.set_template_outputs(i, &r, &progress.scope);
        self.kill_daemons(i, now);
        self.mark(i, now, NodePhase::Succeeded, "");
    }

    /// A step's or task's node `c` that is not done yet: until when it is idle (nothing to do
    /// before its pod's next event), or, when it has lifecycle hooks, never — they are looked at
    /// every time, and those whose expression holds now are started.
    fn while_running(&mut self, c: usize, inv: &Invocation, base: &Base, now: Millis) -> Idle {
        if inv.hooks.is_empty() {
            return self.pod_idle_until(c);
        }
        self.run_exit_handlers(c, inv, base, now, false);
        None
    }

    /// Runs a step's or task's lifecycle hooks: while it runs (`finished` false), the hooks
    /// whose expression holds (Argo evaluates them at every reconciliation while the node is
    /// there, so `tasks["a"].status == "Running"` fires); once it is fulfilled, also its
    /// `onExit` and exit hook. True when every hook started is done.
    fn run_exit_handlers(
        &mut self,
        c: usize,
        inv: &Invocation,
        base: &Base,
        now: Millis,
        finished: bool,
    ) -> bool {
        if inv.on_exit.is_none() && inv.hooks.is_empty() {
            return true;
        }
        let mut calls = Vec::new();
        let mut exit_display = None;
        if let (Some(t), true) = (&inv.on_exit, finished) {
            let n = format!("{}.onExit", self.nodes[c].name);
            // Under a shutdown a new exit handler starts only with Stop (ShouldExecute(true)).
            if self.should_execute(true) || self.index.contains_key(&n) {
                exit_display = Some((n.clone(), format!("{}.onExit", self.nodes[c].display_name)));
                calls.push((n, Call::named(t, Arguments::default())));
            }
        }
        for h in &inv.hooks {
            let node_name = format!("{}.hooks.{}", self.nodes[c].name, h.name);
            let fire = if h.name == "exit" {
                finished
            } else if let Some(e) = &h.expression {
                let mut vars = subst::expr_vars(&self.state.globals);
                self.add_node_status_vars(&mut vars);
                expr::eval(e, &vars, Dialect::Expr) == Ok(Json::Bool(true))
            } else {
                false
            };
            if fire || self.index.contains_key(&node_name) {
                let mut call = Call::named(
                    h.template.as_deref().unwrap_or_default(),
                    h.arguments.clone(),
                );
                if h.template_ref.is_some() {
                    call.template = None;
                    call.template_ref = h.template_ref.clone();
                }
                calls.push((node_name, call));
            }
        }
        let mut done = true;
        let d = self.nodes[c].display_name.clone();
        let mut own = self.state.globals.clone();
        self.add_node_scope(&format!("steps.{d}"), c, &mut own);
        self.add_node_scope(&format!("tasks.{d}"), c, &mut own);
        for (n, mut call) in calls {
            call.base = base.clone();
            for p in &mut call.arguments.parameters {
                if let Some(v) = &p.value {
                    p.value =
                        Some(subst::replace(v, &own, Strict::No).unwrap_or_else(|_| v.clone()));
                }
            }
            for a in &mut call.arguments.artifacts {
                if let Some(f) = &a.from {
                    a.from =
                        Some(subst::replace(f, &own, Strict::No).unwrap_or_else(|_| f.clone()));
                }
            }
            let mut extra = Scope::new();
            extra.insert(
                format!("steps.{d}.status"),
                self.nodes[c].phase.as_str().into(),
            );
            extra.insert(
                format!("tasks.{d}.status"),
                self.nodes[c].phase.as_str().into(),
            );
            // The exit handler of a task shows as `TASK.onExit`, its name relative to the
            // task's boundary (Argo's initializeNode).
            let display = match &exit_display {
                Some((en, d)) if *en == n => d.clone(),
                _ => n.clone(),
            };
            if let Some(h) = self.execute(now, &n, &display, call, None, &extra) {
                done &= self.nodes[h].phase.fulfilled();
            }
        }
        done
    }

    /// Expands a step or task: substitutes it and its loop (`withItems`, `withParam`,
    /// `withSequence`). `Ok(vec![])` means an empty loop.
    ///
    /// The scope is borrowed mutably to add `steps.name`, `tasks.name` and `item…` while
    /// expanding (a DAG's scope holds every finished task's outputs: copying it per task would
    /// make a DAG quadratic); it is left as it was found.
    fn expand(&self, raw: &Node, scope: &mut Scope) -> Result<Vec<(String, Invocation)>, String> {
        let name = raw
            .get("name")
            .and_then(Node::as_str)
            .unwrap_or_default()
            .to_string();
        let mut saved: Vec<(String, Option<String>)> = Vec::new();
        for key in ["steps.name", "tasks.name"] {
            let old = scope.insert(key.into(), name.clone());
            saved.push((key.into(), old));
        }
        let own: Vec<String> = scope
            .range::<str, _>((
                std::ops::Bound::Included("item"),
                std::ops::Bound::Unbounded,
            ))
            .take_while(|(k, _)| k.starts_with("item"))
            .filter(|(k, _)| *k == "item" || k.starts_with("item."))
            .map(|(k, _)| k.clone())
            .collect();
        for key in own {
            let old = scope.remove(&key);
            saved.push((key, old));
        }
        let out = self.expand_with(raw, name, scope);
        for (key, old) in saved.into_iter().rev() {
            match old {
                Some(v) => {
                    scope.insert(key, v);
                }
                None => {
                    scope.remove(&key);
                }
            }
        }
        out
    }

    fn expand_with(
        &self,
        raw: &Node,
        name: String,
        scope: &mut Scope,
    ) -> Result<Vec<(String, Invocation)>, String> {
        let items: Option<Vec<Json>> = if let Some(items) = raw.get("withItems") {
            let sub = subst::replace_node(items, scope, Strict::References)?;
            Some(match to_json(&sub) {
                Json::Array(a) => a,
                other => vec![other],
            })
        } else if let Some(p) = raw
            .get("withParam")
            .and_then(|p| crate::argo::model::spec::value_text(Some(p)))
        {
            let text = subst::replace(&p, scope, Strict::References)?;
            match serde_json::from_str::<Json>(&text) {
                Ok(Json::Array(a)) => Some(a),
                _ => {
                    return Err(format!(
                        "withParam value could not be parsed as a JSON list: {}",
                        text.trim()
                    ))
                }
            }
        } else if let Some(seq) = raw.get("withSequence") {
            let sub = subst::replace_node(seq, scope, Strict::References)?;
            Some(sequence(&sub)?)
        } else {
            None
        };
        let strip = |n: &Node| -> Node {
            let mut n = n.clone();
            if let Value::Mapping(entries) = &mut n.value {
                entries.retain(|e| {
                    !matches!(
                        e.key.as_str(),
                        Some("withItems" | "withParam" | "withSequence")
                    )
                });
            }
            n
        };
        // Hooks are substituted when they run (they may read the step's own outputs).
        let hooks = raw.get("hooks").cloned();
        let with_hooks = |mut inv: Invocation| {
            if let Some(h) = &hooks {
                inv.hooks = crate::argo::model::spec::Hook::parse_all(h);
            }
            inv
        };
        let without_hooks = |n: &Node| -> Node {
            let mut n = n.clone();
            if let Value::Mapping(entries) = &mut n.value {
                entries.retain(|e| e.key.as_str() != Some("hooks"));
            }
            n
        };
        let check_when = |inv: Invocation| -> Result<Invocation, String> {
            if let Some(w) = &inv.when {
                if let Some(tag) = w.split(subst::SKIPPED_OUTPUT).nth(1) {
                    return Err(format!("Unable to resolve: {{{{{tag}}}}}"));
                }
            }
            Ok(inv)
        };
        let Some(items) = items else {
            let sub = subst::replace_node(&without_hooks(raw), scope, Strict::References)?;
            return Ok(vec![(
                name,
                check_when(with_hooks(Invocation::from_node(sub, &mut Vec::new())))?,
            )]);
        };
        if items.len() > MAX_NODES {
            return Err(format!(
                "loop of {} items exceeds the simulation's limit of {MAX_NODES} nodes",
                items.len()
            ));
        }
        let body = without_hooks(&strip(raw));
        // Parsed once; each item substitutes the parse when it holds the tags verbatim.
        let mut body_parsed = Invocation::parse(&body, &mut Vec::new());
        let verbatim = texts::verbatim(&body, &mut body_parsed);
        body_parsed.raw = Node {
            value: Value::Mapping(Vec::new()),
            span: body.span,
            tag: None,
        };
        let mut out = Vec::with_capacity(items.len());
        let mut item_keys: Vec<String> = Vec::new();
        let mut result = Ok(());
        for (idx, item) in items.iter().enumerate() {
            for k in item_keys.drain(..) {
                scope.remove(&k);
            }
            let desc = match item {
                Json::Object(m) => {
                    let mut vals: Vec<String> = m
                        .iter()
                        .map(|(k, v)| format!("{k}:{}", go_fmt(v)))
                        .collect();
                    for (k, v) in m {
                        let key = format!("item.{k}");
                        scope.insert(key.clone(), json_text(v));
                        item_keys.push(key);
                    }
                    vals.sort();
                    vals.join(",")
                }
                other => json_text(other),
            };
            scope.insert("item".into(), json_text(item));
            item_keys.push("item".into());
            let by_node = |scope: &Scope| {
                subst::replace_node(&body, scope, Strict::References)
                    .map(|sub| Invocation::from_node(sub, &mut Vec::new()))
            };
            let inv = if verbatim {
                let mut inv = body_parsed.clone();
                match subst::replace_texts(&mut inv, scope, Strict::References) {
                    Ok(()) => Ok(inv),
                    // The error as the document's order meets it.
                    Err(_) => by_node(scope),
                }
            } else {
                by_node(scope)
            };
            let parsed = inv.and_then(|inv| check_when(with_hooks(inv)));
            match parsed {
                Ok(mut inv) => {
                    let mut display = String::with_capacity(name.len() + desc.len() + 8);
                    display.push_str(&name);
                    display.push('(');
                    super::push_decimal(&mut display, idx as u64);
                    display.push(':');
                    display.push_str(&desc);
                    display.push(')');
                    inv.name = display.clone();
                    out.push((display, inv));
                }
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        for k in item_keys {
            scope.remove(&k);
        }
        result.map(|()| out)
    }

    /// Adds `steps.X.*` / `tasks.X.*` of fulfilled children to a scope (loops aggregated).
    fn add_results_to_scope(
        &self,
        prefix: &str,
        results: &[(usize, &Invocation)],
        scope: &mut Scope,
    ) {
        let mut groups: Vec<(String, Vec<usize>, bool)> = Vec::new();
        for (c, inv) in results {
            let n = &self.nodes[*c];
            let looped = inv.name.contains('(')
                && n.display_name.ends_with(')')
                && inv.name == n.display_name
                && n.display_name.contains(':');
            let base = if looped {
                n.display_name
                    .split('(')
                    .next()
                    .unwrap_or_default()
                    .to_string()
            } else {
                n.display_name.clone()
            };
            match groups.iter_mut().find(|g| g.0 == base) {
                Some(g) => g.1.push(*c),
                None => groups.push((base, vec![*c], looped)),
            }
        }
        for (base, members, looped) in groups {
            let key = format!("{prefix}.{base}");
            if looped {
                self.add_aggregate(&key, &members, scope);
            } else {
                self.add_node_scope(&key, members[0], scope);
            }
        }
    }

    fn add_node_scope(&self, key: &str, c: usize, scope: &mut Scope) {
        let n = &self.nodes[c];
        scope.insert(format!("{key}.id"), n.id.clone());
        scope.insert(format!("{key}.status"), n.phase.as_str().into());
        scope.insert(format!("{key}.startedAt"), timestamp(n.started_at));
        if let Some(f) = n.finished_at {
            scope.insert(format!("{key}.finishedAt"), timestamp(f));
        }
        scope.insert(format!("{key}.ip"), "10.0.0.1".into());
        scope.insert(format!("{key}.hostNodeName"), "pipelab-node".into());
        if n.phase == NodePhase::Skipped || n.phase == NodePhase::Omitted {
            scope.insert(format!("{key}.skipped"), "true".into());
            // Skipped producers still offer their outputs' defaults.
            for (p, v) in &n.outputs.parameters {
                scope.insert(format!("{key}.outputs.parameters.{p}"), v.clone());
            }
            return;
        }
        if let Some(r) = &n.outputs.result {
            scope.insert(format!("{key}.outputs.result"), r.clone());
        }
        if let Some(c) = n.outputs.exit_code {
            scope.insert(format!("{key}.exitCode"), c.to_string());
        }
        for (p, v) in &n.outputs.parameters {
            scope.insert(format!("{key}.outputs.parameters.{p}"), v.clone());
        }
        for a in n.outputs.artifacts.keys() {
            scope.insert(
                format!("{key}.outputs.artifacts.{a}"),
                format!("artifact:{}/{a}", n.id),
            );
        }
    }

    fn add_aggregate(&self, key: &str, members: &[usize], scope: &mut Scope) {
        let mut params = Vec::new();
        let mut per: BTreeMap<String, Vec<Json>> = BTreeMap::new();
        let mut results = Vec::new();
        let mut any_result = false;
        for &c in members {
            let n = &self.nodes[c];
            if n.phase != NodePhase::Succeeded {
                continue;
            }
            if !n.outputs.parameters.is_empty() {
                let mut m = serde_json::Map::new();
                for (p, v) in &n.outputs.parameters {
                    m.insert(p.clone(), Json::String(v.clone()));
                    per.entry(p.clone())
                        .or_default()
                        .push(Json::String(v.clone()));
                }
                params.push(Json::Object(m));
            }
            if let Some(r) = &n.outputs.result {
                any_result = true;
                results.push(serde_json::from_str(r).unwrap_or_else(|_| Json::String(r.clone())));
            }
        }
        scope.insert(
            format!("{key}.outputs.parameters"),
            Json::Array(params).to_string(),
        );
        for (p, vals) in per {
            scope.insert(
                format!("{key}.outputs.parameters.{p}"),
                Json::Array(vals).to_string(),
            );
        }
        if any_result {
            scope.insert(
                format!("{key}.outputs.result"),
                Json::Array(results).to_string(),
            );
        }
        let phase = if members.iter().all(|&c| {
            self.nodes[c].phase == NodePhase::Succeeded || self.nodes[c].phase == NodePhase::Skipped
        }) {
            "Succeeded"
        } else {
            "Failed"
        };
        scope.insert(format!("{key}.status"), phase.into());
    }

    fn set_template_outputs(&mut self, i: usize, r: &Resolved, scope: &Scope) {
        let mut outputs = Outputs::default();
        for p in &r.tmpl.outputs.parameters {
            let vf = p.value_from.as_ref();
            let v = if let Some(src) = vf.and_then(|v| v.parameter.as_ref()) {
                subst::replace(src, scope, Strict::No)
                    .ok()
                    .filter(|s| !s.contains("{{"))
                    .or_else(|| vf.and_then(|v| v.default.clone()))
            } else if let Some(e) = vf.and_then(|v| v.expression.as_ref()) {
                subst::eval_expression(e, scope).ok().flatten()
            } else {
                p.value
                    .clone()
                    .or_else(|| vf.and_then(|v| v.default.clone()))
            };
            if let Some(v) = v {
                if let Some(g) = &p.global_name {
                    self.state
                        .globals
                        .insert(format!("workflow.outputs.parameters.{g}"), v.clone());
                }
                outputs.parameters.insert(p.name.clone(), v);
            }
        }
        for a in &r.tmpl.outputs.artifacts {
            if let Some(from) = &a.from {
                let f = subst::replace(from, scope, Strict::No).unwrap_or_default();
                if let Some(c) = self.artifact(&f) {
                    outputs.artifacts.insert(a.name.clone(), c);
                }
            }
        }
        self.nodes[i].outputs = outputs;
    }

    // ----- DAG -----

    fn advance_dag(&mut self, i: usize, now: Millis) {
        let Some(r) = self.state.resolved.get(&i).cloned() else {
            return;
        };
        let TemplateBody::Dag {
            tasks, fail_fast, ..
        } = &r.tmpl.body
        else {
            return;
        };
        let plan = match r
            .dag
            .get_or_init(|| DagPlan::new(&r.tmpl.body, &self.nodes[i].name))
        {
            Ok(p) => p,
            Err(e) => {
                let e = e.clone();
                self.mark(i, now, NodePhase::Error, &e);
                return;
            }
        };
        let n = plan.invs.len();
        // The scope of the tasks done so far grows as they finish (a done task's outputs never
        // change), so each advance adds only the newly done ones.
        let mut progress = self
            .state
            .dag_scopes
            .remove(&i)
            .unwrap_or_else(|| DagScope {
                scope: self.scope_of(&r),
                scoped: vec![false; n],
                linked: vec![false; n],
                nodes: vec![None; n],
                settled: vec![false; n],
                idle: vec![None; n],
            });
        // Each task's node: looked up by name once, then remembered (a DAG of a thousand tasks
        // is advanced at every pod start and end; hashing every name each time is quadratic).
        // Nodes of tasks are only created below, which records them.
        let cache: Vec<std::cell::Cell<Option<Option<usize>>>> = progress
            .nodes
            .iter()
            .map(|x| std::cell::Cell::new(*x))
            .collect();
        let node_of = |run: &WorkflowRun, k: usize| match cache[k].get() {
            Some(known) => known,
            None => {
                let found = run.index.get(&plan.names[k]).copied();
                cache[k].set(Some(found));
                found
            }
        };
        let created = |k: usize, c: Option<usize>| {
            if c.is_some() {
                cache[k].set(Some(c));
            }
            c
        };
        // failFast: once a child of this boundary failed, no new child starts.
        let mut fail_fast_hit = r.tmpl.fail_fast && {
            let nodes = self.boundary_nodes(i, &r);
            self.any_unsuccessful(&nodes)
        };
        for _pass in 0..=n {
            let mut progressed = false;
            for k in 0..n {
                if progress.scoped[k] {
                    continue;
                }
                let Some(c) = node_of(self, k).filter(|&c| self.done(c)) else {
                    continue;
                };
                progress.scoped[k] = true;
                let key = format!("tasks.{}", plan.invs[k].name);
                if self.nodes[c].node_type == "TaskGroup" {
                    let members = self.members(c);
                    self.add_aggregate(&key, &members, &mut progress.scope);
                    progress
                        .scope
                        .insert(format!("{key}.status"), self.nodes[c].phase.as_str().into());
                } else {
                    self.add_node_scope(&key, c, &mut progress.scope);
                }
            }
            let done_at_start = progress.scoped.clone();
            let scope = &mut progress.scope;
            let mut running = (0..n)
                .filter(|&k| node_of(self, k).is_some_and(|c| !self.done(c)))
                .count();
            // `k` indexes the plan's tasks, names and dependencies alike.
            #[allow(clippy::needless_range_loop)]
            for k in 0..n {
                if !plan.needed[k] || progress.settled[k] {
                    continue;
                }
                let name = &plan.names[k];
                if let Some(c) = node_of(self, k) {
                    if self.is_idle(c, progress.idle[k], now) {
                        continue;
                    }
                    if !self.nodes[c].phase.fulfilled() {
                        if self.nodes[c].node_type == "TaskGroup" {
                            self.advance_task_group(
                                c,
                                &plan.invs[k],
                                &r,
                                scope,
                                now,
                                &mut fail_fast_hit,
                            );
                        } else {
                            self.advance(c, now);
                        }
                        if r.tmpl.fail_fast && !fail_fast_hit {
                            fail_fast_hit =
                                self.any_unsuccessful(&self.with_items_and_attempts(vec![c]));
                        }
                        if self.nodes[c].phase.fulfilled() {
                            progressed = true;
                        } else {
                            progress.idle[k] = self.while_running(c, &plan.invs[k], &r.base, now);
                        }
                    }
                    if self.nodes[c].phase.fulfilled()
                        && self.run_exit_handlers(c, &plan.invs[k], &r.base, now, true)
                    {
                        progress.settled[k] = true;
                    }
                    continue;
                }
                // Dependencies must have been fulfilled when this pass's scope was built.
                if plan.dep_idx[k].iter().any(|&d| !done_at_start[d]) {
                    continue;
                }
                let test = |d: usize, result: &str| -> bool {
                    let Some(c) = node_of(self, d) else {
                        return false;
                    };
                    let n = &self.nodes[c];
                    let kids = || {
                        n.children
                            .iter()
                            .filter_map(|id| self.by_id.get(id).map(|&k| &self.nodes[k]))
                    };
                    match result {
                        "Succeeded" => n.phase == NodePhase::Succeeded,
                        "Failed" => n.phase == NodePhase::Failed,
                        "Errored" => n.phase == NodePhase::Error,
                        "Skipped" => n.phase == NodePhase::Skipped,
                        "Omitted" => n.phase == NodePhase::Omitted,
                        "Daemoned" => n.daemoned && n.phase != NodePhase::Pending,
                        "AnySucceeded" => {
                            n.node_type == "TaskGroup"
                                && kids().any(|x| x.phase == NodePhase::Succeeded)
                        }
                        "AllFailed" => {
                            n.node_type == "TaskGroup"
                                && kids().count() > 0
                                && kids().all(|x| x.phase.failed_or_error())
                        }
                        _ => false,
                    }
                };
                let ok = match &plan.depends[k] {
                    Some(d) => d.eval(&|task: &str, result: &str| {
                        plan.pos.get(task).is_some_and(|&d| test(d, result))
                    }),
                    None => plan.dep_idx[k].iter().all(|&d| {
                        let dinv = &plan.invs[d];
                        test(d, "Succeeded")
                            || test(d, "Skipped")
                            || test(d, "Daemoned")
                            || (dinv.continue_on_failed && test(d, "Failed"))
                            || (dinv.continue_on_error && test(d, "Errored"))
                    }),
                };
                // A task hangs under its first dependency (a task group's iterations are its
                // only children, so then under the DAG; a containerSet pod's last containers).
                let parent = plan.dep_idx[k]
                    .first()
                    .and_then(|&d| node_of(self, d))
                    .filter(|&d| self.nodes[d].node_type != "TaskGroup")
                    .map_or(i, |d| self.outbound(d)[0]);
                let task = &plan.invs[k].name;
                if !ok {
                    if let Some(c) = created(
                        k,
                        self.create(
                            now,
                            name,
                            task,
                            "Skipped",
                            NodePhase::Omitted,
                            "omitted: depends condition not met",
                            Some(parent),
                            "",
                        ),
                    ) {
                        self.skip_defaults(c, &plan.invs[k], &r.base);
                    }
                    progressed = true;
                    continue;
                }
                if fail_fast_hit || self.at_parallelism(&r.tmpl, running) {
                    continue;
                }
                let expansion = match self.expand(&tasks[k], scope) {
                    Ok(x) => x,
                    Err(e) => {
                        created(
                            k,
                            self.create(
                                now,
                                name,
                                task,
                                "Skipped",
                                NodePhase::Error,
                                &e,
                                Some(parent),
                                "",
                            ),
                        );
                        progressed = true;
                        continue;
                    }
                };
                let looped = tasks[k].get("withItems").is_some()
                    || tasks[k].get("withParam").is_some()
                    || tasks[k].get("withSequence").is_some();
                if looped && expansion.is_empty() {
                    created(
                        k,
                        self.create(
                            now,
                            name,
                            task,
                            "Skipped",
                            NodePhase::Skipped,
                            "Skipped, empty params",
                            Some(parent),
                            "",
                        ),
                    );
                    progressed = true;
                    continue;
                }
                if looped {
                    let Some(g) = created(
                        k,
                        self.create(
                            now,
                            name,
                            task,
                            "TaskGroup",
                            NodePhase::Running,
                            "",
                            Some(parent),
                            "",
                        ),
                    ) else {
                        return;
                    };
                    self.advance_task_group(g, &plan.invs[k], &r, scope, now, &mut fail_fast_hit);
                    running += 1;
                    progressed = true;
                    continue;
                }
                let Some((display, inv)) = expansion.into_iter().next() else {
                    continue;
                };
                if let Some(w) = &inv.when {
                    match expr::eval_when(w) {
                        Ok(true) => {}
                        Ok(false) => {
                            if let Some(c) = created(
                                k,
                                self.create(
                                    now,
                                    name,
                                    &display,
                                    "Skipped",
                                    NodePhase::Skipped,
                                    &format!("when '{w}' evaluated false"),
                                    Some(parent),
                                    "",
                                ),
                            ) {
                                self.skip_defaults(c, &inv, &r.base);
                            }
                            progressed = true;
                            continue;
                        }
                        Err(e) => {
                            created(
                                k,
                                self.create(
                                    now,
                                    name,
                                    &display,
                                    "Skipped",
                                    NodePhase::Error,
                                    &e,
                                    Some(parent),
                                    "",
                                ),
                            );
                            progressed = true;
                            continue;
                        }
                    }
                }
                let Some(c) = created(
                    k,
                    self.execute(
                        now,
                        name,
                        &display,
                        Call::of(&inv, &r.base),
                        Some(parent),
                        &Scope::new(),
                    ),
                ) else {
                    return;
                };
                if r.tmpl.fail_fast && !fail_fast_hit {
                    fail_fast_hit = self.any_unsuccessful(&self.with_items_and_attempts(vec![c]));
                }
                running += 1;
                progressed = true;
            }
            if !progressed {
                break;
            }
        }
        // A task is a child of every task it depends on (the first was linked at creation).
        for k in 0..n {
            let Some(c) = node_of(self, k) else {
                continue;
            };
            if progress.linked[k] {
                continue;
            }
            let id = self.nodes[c].id.clone();
            for (n, &d) in plan.dep_idx[k].iter().enumerate() {
                let Some(d) = node_of(self, d) else {
                    continue;
                };
                // A task group's children are its iterations only.
                if self.nodes[d].node_type == "TaskGroup" {
                    continue;
                }
                // The first dependency's first outbound node was linked at creation.
                let outbound = self.outbound(d);
                for o in outbound.into_iter().skip(usize::from(n == 0)) {
                    if !self.nodes[o].children.contains(&id) {
                        self.nodes[o].children.push(id.clone());
                    }
                }
            }
            progress.linked[k] = plan.dep_idx[k]
                .iter()
                .skip(1)
                .all(|&d| node_of(self, d).is_some());
        }
        progress.nodes = cache.iter().map(std::cell::Cell::get).collect();
        // The failFast check comes before the DAG is assessed, as Argo's runs before
        // executeDAG: its message is the DAG's.
        if fail_fast_hit && self.fail_fast_ends(i, &r, None, now) {
            return;
        }
        // A task whose hooks or exit handler still run keeps the DAG running (Argo's
        // CheckAllHooksFullfilled).
        let hooks_running = (0..n).any(|k| {
            plan.needed[k]
                && !progress.settled[k]
                && (plan.invs[k].on_exit.is_some() || !plan.invs[k].hooks.is_empty())
                && progress.nodes[k]
                    .flatten()
                    .is_some_and(|c| self.nodes[c].phase.fulfilled())
        });
        let outcome = if hooks_running {
            None
        } else {
            self.assess_dag(plan, *fail_fast, &progress.nodes)
        };
        match outcome {
            None => {
                self.state.dag_scopes.insert(i, progress);
            }
            Some(result) => {
                if result == NodePhase::Succeeded {
                    // Every created task's outputs (the last ones finished too).
                    for k in 0..n {
                        if progress.scoped[k] {
                            continue;
                        }
                        if let Some(c) = node_of(self, k) {
                            let key = format!("tasks.{}", plan.invs[k].name);
                            if self.nodes[c].node_type == "TaskGroup" {
                                let members = self.members(c);
                                self.add_aggregate(&key, &members, &mut progress.scope);
                            } else {
                                self.add_node_scope(&key, c, &mut progress.scope);
                            }
                        }
                    }
                    self.set_template_outputs(i, &r, &progress.scope);
                }
                self.kill_daemons(i, now);
                self.mark(i, now, result, "");
            }
        }
    }

    /// Assesses a DAG's phase as Argo's `assessDAGPhase` does: walks the branches from the root
    /// tasks, carrying the last completed phase down to omitted and skipped tasks. `None` while
    /// the DAG still runs.
    fn assess_dag(
        &self,
        plan: &DagPlan,
        fail_fast: bool,
        known: &[Option<Option<usize>>],
    ) -> Option<NodePhase> {
        let n = plan.invs.len();
        let node_of = |k: usize| match known.get(k) {
            Some(Some(found)) => *found,
            _ => self.index.get(&plan.names[k]).copied(),
        };
        // Every created task must be fulfilled (running pods finish before the DAG does): a
        // cheap scan first, as the DAG is assessed at every pod start and end.
        if (0..n).any(|k| node_of(k).is_some_and(|c| !self.done(c))) {
            return None;
        }
        let mut target_phase: Vec<Option<NodePhase>> = vec![None; n];
        let mut queue: std::collections::VecDeque<(usize, NodePhase)> = (0..n)
            .filter(|&k| plan.needed[k] && plan.dep_idx[k].is_empty())
            .map(|k| (k, NodePhase::Succeeded))
            .collect();
        let mut seen: crate::fnv::FnvSet<(usize, NodePhase)> = Default::default();
        while let Some((k, inherited)) = queue.pop_front() {
            if !seen.insert((k, inherited)) {
                continue;
            }
            let c = node_of(k)?;
            let node = &self.nodes[c];
            if !(node.phase.fulfilled() || node.daemoned) {
                return None;
            }
            let branch = if node.phase.completed() {
                node.phase
            } else {
                inherited
            };
            if plan.is_target[k] {
                // Failed or Error take precedence over Succeeded when a target is reached twice.
                if !target_phase[k].is_some_and(NodePhase::failed_or_error) {
                    target_phase[k] = Some(branch);
                }
            }
            for &d in &plan.dependents[k] {
                if plan.needed[d] {
                    queue.push_back((d, branch));
                }
            }
        }
        // Every exit handler must be fulfilled too (a node of the DAG's boundary:
        // assessDAGPhase waits for it).
        if (0..n).any(|k| {
            self.index
                .get(&format!("{}.onExit", plan.names[k]))
                .is_some_and(|&e| !self.done(e))
        }) {
            return None;
        }
        let mut result = NodePhase::Succeeded;
        for &t in &plan.targets {
            match target_phase[t] {
                None => {
                    result = NodePhase::Running;
                    if !fail_fast {
                        break;
                    }
                }
                Some(p) if p.failed_or_error() => {
                    if continues_on(&plan.invs[t], p) {
                        continue;
                    }
                    result = p;
                    if fail_fast {
                        break;
                    }
                }
                Some(_) => {}
            }
        }
        (result != NodePhase::Running).then_some(result)
    }

    /// The Container nodes right under node `k` (a set's pod or container). They are its first
    /// children (created with the pod, before any DAG dependent hangs there), so a node with
    /// thousands of dependents is not scanned whole.
    fn set_children(&self, k: usize) -> Vec<usize> {
        self.nodes[k]
            .children
            .iter()
            .map_while(|id| {
                self.by_id
                    .get(id)
                    .copied()
                    .filter(|&c| self.nodes[c].node_type == "Container")
            })
            .collect()
    }

    /// Argo's `getOutboundNodes` for a DAG dependency `d`: a containerSet pod's are its last
    /// containers (those no other container of the set waits for); any other node is its own
    /// (never empty).
    fn outbound(&self, d: usize) -> Vec<usize> {
        let containers_under = |k: usize| self.set_children(k);
        if self.nodes[d].node_type != "Pod" {
            return vec![d];
        }
        let mut stack = containers_under(d);
        let mut seen = HashSet::new();
        let mut leaves = Vec::new();
        while let Some(k) = stack.pop() {
            if !seen.insert(k) {
                continue;
            }
            let under = containers_under(k);
            if under.is_empty() {
                leaves.push(k);
            }
            stack.extend(under);
        }
        if leaves.is_empty() {
            return vec![d];
        }
        leaves.sort_unstable();
        leaves
    }

    /// The nodes of a task or step group's iterations.
    fn members(&self, group: usize) -> Vec<usize> {
        self.nodes[group]
            .children
            .iter()
            .filter_map(|id| self.by_id.get(id).copied())
            .collect()
    }

    fn advance_task_group(
        &mut self,
        g: usize,
        inv: &Invocation,
        r: &Rc<Resolved>,
        scope: &mut Scope,
        now: Millis,
        fail_fast_hit: &mut bool,
    ) {
        // The loop's items are expanded once: the scope they read (the task's dependencies)
        // does not change while the group runs.
        let expansion = match self.state.group_expansions.get(&g) {
            Some(x) => x.clone(),
            None => {
                let Some(k_raw) = self.task_raw(r, &inv.name) else {
                    return;
                };
                match self.expand(&k_raw, scope) {
                    Ok(x) => {
                        let x = Rc::new(x);
                        self.state.group_expansions.insert(g, x.clone());
                        x
                    }
                    Err(e) => {
                        self.mark(g, now, NodePhase::Error, &e);
                        return;
                    }
                }
            }
        };
        let dag_name = self.nodes[g]
            .name
            .rsplit_once('.')
            .map(|(a, _)| a.to_string())
            .unwrap_or_default();
        let n = expansion.len();
        let mut progress = self
            .state
            .group_progress
            .remove(&g)
            .unwrap_or_else(|| ItemsWalk::new(n));
        let mut all_done = true;
        let mut running = 0usize;
        for (ei, (display, child)) in expansion.iter().enumerate() {
            if progress.settled[ei] {
                continue;
            }
            // An item's node, once it exists, is advanced as `execute` would (no name to format
            // and look up at each advance of a wide loop).
            let c = if let Some(c) = progress.nodes[ei] {
                if self.is_idle(c, progress.idle[ei], now) {
                    all_done = false;
                    running += 1;
                    continue;
                }
                self.advance_existing(c, now);
                c
            } else {
                let cname = format!("{dag_name}.{display}");
                if !self.index.contains_key(&cname) {
                    if let Some(w) = &child.when {
                        let skipped = match expr::eval_when(w) {
                            Ok(true) => None,
                            Ok(false) => {
                                Some((NodePhase::Skipped, format!("when '{w}' evaluated false")))
                            }
                            Err(e) => Some((NodePhase::Error, e)),
                        };
                        if let Some((phase, message)) = skipped {
                            let c = self.create(
                                now,
                                &cname,
                                display,
                                "Skipped",
                                phase,
                                &message,
                                Some(g),
                                "",
                            );
                            progress.nodes[ei] = c;
                            progress.settled[ei] = c.is_some();
                            continue;
                        }
                    }
                    if *fail_fast_hit || self.at_parallelism(&r.tmpl, running) {
                        all_done = false;
                        continue;
                    }
                }
                let Some(c) = self.execute(
                    now,
                    &cname,
                    display,
                    Call::of(child, &r.base),
                    Some(g),
                    &Scope::new(),
                ) else {
                    return;
                };
                progress.nodes[ei] = Some(c);
                c
            };
            if r.tmpl.fail_fast && !*fail_fast_hit {
                *fail_fast_hit = self.any_unsuccessful(&self.with_items_and_attempts(vec![c]));
            }
            if self.nodes[c].phase.fulfilled() {
                progress.settled[ei] = true;
            } else {
                all_done = false;
                running += 1;
                progress.idle[ei] = self.pod_idle_until(c);
            }
        }
        if !all_done {
            self.state.group_progress.insert(g, progress);
            return;
        }
        let kids: Vec<usize> = progress.nodes.iter().flatten().copied().collect();
        // As Argo: the group takes the phase of its last failed child, else Succeeded.
        let failed = kids
            .iter()
            .map(|&c| self.nodes[c].phase)
            .rfind(|p| p.failed_or_error());
        self.mark(g, now, failed.unwrap_or(NodePhase::Succeeded), "");
    }

    /// The outputs of a skipped or omitted node: its template's output parameters that have a
    /// default.
    fn skip_defaults(&mut self, c: usize, inv: &Invocation, base: &Base) {
        let call = Call::of(inv, base);
        let raw = match self.resolve(&call, &Scope::new()) {
            Ok(r) => r.tmpl,
            Err(_) => return,
        };
        for p in &raw.outputs.parameters {
            if let Some(d) = p.value_from.as_ref().and_then(|v| v.default.clone()) {
                self.nodes[c].outputs.parameters.insert(p.name.clone(), d);
            }
        }
    }

    fn task_raw(&self, r: &Resolved, name: &str) -> Option<Node> {
        let TemplateBody::Dag { tasks, .. } = &r.tmpl.body else {
            return None;
        };
        tasks
            .iter()
            .find(|t| t.get("name").and_then(Node::as_str) == Some(name))
            .cloned()
    }
}

/// A template's `memoize`: its cache (ConfigMap name), key (already substituted) and maxAge.
#[derive(Clone, Debug)]
struct MemoRef {
    cache: String,
    key: String,
    max_age: Option<Millis>,
}

fn memo_ref(memoize: &Node) -> Option<MemoRef> {
    let key = memoize.get("key").and_then(Node::as_str)?.to_string();
    let cache = memoize
        .get("cache")
        .and_then(|c| c.get("configMap"))
        .and_then(|c| c.get("name"))
        .and_then(Node::as_str)?
        .to_string();
    let max_age = memoize
        .get("maxAge")
        .and_then(Node::as_str)
        .and_then(parse_duration);
    Some(MemoRef {
        cache,
        key,
        max_age,
    })
}

/// `YYYY-MM-DDTHH:MM:SSZ` as milliseconds from the simulation's start (2025-01-01T00:00:00Z,
/// see [`timestamp`]); negative before it.
fn sim_time_of(stamp: &str) -> Option<i64> {
    let b = stamp.as_bytes();
    if b.len() < 19 {
        return None;
    }
    let num = |r: std::ops::Range<usize>| stamp.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    // Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    let days = |y: i64, m: i64, d: i64| {
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    };
    let secs = (days(y, mo, d) - days(2025, 1, 1)) * 86_400 + h * 3600 + mi * 60 + s;
    Some(secs * 1000)
}

/// A resource template's output parameter (`SaveResourceParameters`): `jsonPath` as
/// `kubectl get -o jsonpath` prints it (a missing field is empty: kubectl allows missing
/// keys), `jqFilter` through [`resource::jq`]; with no object, the default or empty.
fn resource_output(
    object: Option<&Json>,
    vf: &crate::argo::model::spec::ValueFrom,
) -> Result<String, String> {
    let Some(object) = object else {
        return Ok(vf.default.clone().unwrap_or_default());
    };
    if let Some(jp) = &vf.json_path {
        return expr::jsonpath(object, jp).map(|v| match v {
            Json::Null => String::new(),
            v => json_text(&v),
        });
    }
    resource::jq(object, vf.jq_filter.as_deref().unwrap_or("."))
}

fn continues_on(inv: &Invocation, phase: NodePhase) -> bool {
    (phase == NodePhase::Failed && inv.continue_on_failed)
        || (phase == NodePhase::Error && inv.continue_on_error)
}

fn find_template<'a>(spec: &'a Node, name: &str) -> Option<&'a Node> {
    spec.get("templates")?
        .as_sequence()?
        .iter()
        .find(|t| t.get("name").and_then(Node::as_str) == Some(name))
}

/// A workflow's spec over a WorkflowTemplate's: the workflow's own fields win, arguments are
/// merged by name.
/// A Kubernetes field selector as `argo retry --node-field-selector` takes it:
/// `field=value`, `field==value` or `field!=value`, comma-separated (all must hold), on
/// `name`, `displayName`, `templateName`, `phase`, `id` or `inputs.parameters.NAME.value`.
fn parse_field_selector(text: &str) -> Result<Vec<(String, bool, String)>, String> {
    let mut out = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (field, negate, value) = if let Some((f, v)) = part.split_once("!=") {
            (f, true, v)
        } else if let Some((f, v)) = part.split_once("==") {
            (f, false, v)
        } else if let Some((f, v)) = part.split_once('=') {
            (f, false, v)
        } else {
            return Err(format!(
                "invalid selector: '{part}'; can't understand '{part}'"
            ));
        };
        let field = field.trim();
        let input = field
            .strip_prefix("inputs.parameters.")
            .is_some_and(|f| f.ends_with(".value"));
        if !input
            && !matches!(
                field,
                "name" | "displayName" | "templateName" | "phase" | "id"
            )
        {
            return Err(format!(
                "invalid node field selector: '{field}' is not a field Pipelab can select \
                 on (name, displayName, templateName, phase, id, inputs.parameters.NAME.value)"
            ));
        }
        out.push((field.to_string(), negate, value.trim().to_string()));
    }
    if out.is_empty() {
        return Err("empty node field selector".into());
    }
    Ok(out)
}

/// util.go `SelectorMatchesNode`: whether node `n` has every field the selector asks for.
fn node_matches(sel: &[(String, bool, String)], n: &NodeStatus) -> bool {
    sel.iter().all(|(field, negate, want)| {
        let have = match field.as_str() {
            "name" => Some(n.name.as_str()),
            "displayName" => Some(n.display_name.as_str()),
            "templateName" => Some(n.template_name.as_str()),
            "phase" => Some(n.phase.as_str()),
            "id" => Some(n.id.as_str()),
            f => f
                .strip_prefix("inputs.parameters.")
                .and_then(|f| f.strip_suffix(".value"))
                .and_then(|p| n.inputs.parameters.iter().find(|q| q.name == p))
                .map(|q| q.value.as_str()),
        };
        // A field the node does not have is the empty string to a fields.Set.
        (have.unwrap_or("") == want) != *negate
    })
}

fn merge_specs(mut wf: WorkflowSpec, base: WorkflowSpec) -> WorkflowSpec {
    let mut params = base.arguments.parameters.clone();
    for p in wf.arguments.parameters.drain(..) {
        match params.iter_mut().find(|q| q.name == p.name) {
            Some(q) => {
                if p.value.is_some() || p.value_from.is_some() {
                    *q = Parameter {
                        name: p.name.clone(),
                        ..p
                    };
                }
            }
            None => params.push(p),
        }
    }
    wf.arguments.parameters = params;
    let mut arts = base.arguments.artifacts.clone();
    for a in wf.arguments.artifacts.drain(..) {
        arts.retain(|b| b.name != a.name);
        arts.push(a);
    }
    wf.arguments.artifacts = arts;
    let mut templates = wf.templates.clone();
    templates.extend(base.templates);
    wf.templates = templates;
    wf.entrypoint = wf.entrypoint.or(base.entrypoint);
    wf.on_exit = wf.on_exit.or(base.on_exit);
    wf.service_account_name = wf.service_account_name.or(base.service_account_name);
    wf.parallelism = wf.parallelism.or(base.parallelism);
    wf.volumes.extend(base.volumes);
    wf.active_deadline_seconds = wf.active_deadline_seconds.or(base.active_deadline_seconds);
    wf.synchronization = wf.synchronization.or(base.synchronization);
    if wf.hooks.is_empty() {
        wf.hooks = base.hooks;
    }
    wf
}

fn sequence(node: &Node) -> Result<Vec<Json>, String> {
    let get = |k: &str| {
        node.get(k)
            .and_then(Node::as_str)
            .map(str::trim)
            .map(str::to_string)
    };
    let parse = |k: &str| -> Result<Option<i64>, String> {
        get(k)
            .map(|v| {
                v.parse::<i64>()
                    .map_err(|_| format!("withSequence.{k} '{v}' is not a number"))
            })
            .transpose()
    };
    let (start, end) = match (parse("count")?, parse("start")?, parse("end")?) {
        (Some(c), s, _) => {
            let s = s.unwrap_or(0);
            if c <= 0 {
                return Ok(Vec::new());
            }
            (s, s.saturating_add(c).saturating_sub(1))
        }
        (None, s, Some(e)) => (s.unwrap_or(0), e),
        _ => return Err("withSequence requires count or end".into()),
    };
    if end.saturating_sub(start).saturating_abs() > MAX_NODES as i64 {
        return Err("withSequence is too long for the simulation".into());
    }
    let fmt = get("format");
    let render = |n: i64| -> String {
        match &fmt {
            Some(f) => f
                .replace("%d", &n.to_string())
                .replace("%02d", &format!("{n:02}"))
                .replace("%03d", &format!("{n:03}")),
            None => n.to_string(),
        }
    };
    let items: Vec<i64> = if start <= end {
        (start..=end).collect()
    } else {
        (end..=start).rev().collect()
    };
    Ok(items.into_iter().map(|n| Json::String(render(n))).collect())
}

/// `%v` of Go for a JSON value inside a map item.
fn go_fmt(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        Json::Null => "<nil>".into(),
        Json::Object(m) => {
            let mut parts: Vec<String> = m
                .iter()
                .map(|(k, v)| format!("{k}:{}", go_fmt(v)))
                .collect();
            parts.sort();
            format!("map[{}]", parts.join(" "))
        }
        Json::Array(a) => format!("[{}]", a.iter().map(go_fmt).collect::<Vec<_>>().join(" ")),
        other => other.to_string(),
    }
}

/// RFC 3339 time of a simulated instant (the simulation starts at 2025-01-01T00:00:00Z).
pub fn timestamp(t: Millis) -> String {
    let secs = t / 1000;
    let (d, h, m, s) = (
        secs / 86_400,
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60,
    );
    format!("2025-01-{:02}T{h:02}:{m:02}:{s:02}Z", 1 + d.min(30))
}

fn format_duration(ms: Millis) -> String {
    let s = ms / 1000;
    if s >= 60 {
        format!("{}m{}s", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}
