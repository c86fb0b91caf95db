//! Checks like `argo lint`: missing and undefined templates, bad references, DAG cycles, bad
//! `depends` expressions, unknown fields, `{{...}}` references that cannot resolve — each at
//! its file:line:col; and the same care for Sensors and EventSources.

use crate::argo::expr::Depends;
use crate::diag::{Diagnostic, Severity};
use crate::yaml::{Node, Value};

use super::events::EventSource;
use super::spec::{
    step_groups, text, Arguments, Artifact, Invocation, Template, WorkflowSpec, BODY_FIELDS,
};
use super::warn_unknown;
use super::{Kind, Manifests};

/// Template fields Pipelab reads but does not simulate, and what it does instead.
const NOT_SIMULATED: &[(&str, &str)] = &[
    (
        "resource",
        "no cluster: kubectl's checks run on the manifest and the object is the manifest as \
         created; only Pods, Jobs, Workflows, Deployments, StatefulSets and ReplicaSets get a \
         simulated status, so a condition on another object's status polls until the \
         workflow ends",
    ),
    (
        "http",
        "the request is not sent; a simulated server answers (httpbin's paths as httpbin \
         does, any other URL 200 with a page naming it)",
    ),
    ("plugin", "plugins are not run; the step succeeds"),
];

/// What a `data` template's source reads, in the simulation.
const DATA_SOURCE_NOT_SIMULATED: &[(&str, &str)] = &[(
    "artifactPaths",
    "lists only the objects this run's pods stored at that location",
)];

/// A warning at each key of `node` that `table` lists: `PREFIXkey: what happens instead`.
fn warn_not_simulated(
    node: &Node,
    table: &[(&str, &str)],
    prefix: &str,
    out: &mut Vec<Diagnostic>,
) {
    for (key, what) in table {
        if let Some(e) = node.entry(key) {
            out.push(
                Diagnostic::warning("argo-not-simulated", format!("{prefix}{key}: {what}"))
                    .with_span(e.key.span),
            );
        }
    }
}

/// Lints every Workflow, WorkflowTemplate, ClusterWorkflowTemplate and CronWorkflow.
pub fn lint(ms: &Manifests, out: &mut Vec<Diagnostic>) {
    lint_events(ms, out);
    for m in &ms.items {
        let spec = match m.kind {
            Kind::Workflow | Kind::WorkflowTemplate | Kind::ClusterWorkflowTemplate => m.spec(),
            Kind::CronWorkflow => m.spec().and_then(|s| s.get("workflowSpec")),
            _ => continue,
        };
        let Some(spec_node) = spec else {
            out.push(
                Diagnostic::error("argo-lint", format!("{:?} has no spec", m.kind))
                    .with_span(m.root.span),
            );
            continue;
        };
        for (node, message) in structural(spec_node) {
            out.push(
                Diagnostic::error(
                    "argo-lint",
                    format!("{:?} \"{}\" is invalid: {message}", m.kind, m.name),
                )
                .with_span(node.span),
            );
        }
        let spec = WorkflowSpec::parse(spec_node, out);
        let has_ref = spec.workflow_template_ref.is_some();
        if let Some(r) = &spec.workflow_template_ref {
            let kind = if r.cluster_scope {
                Kind::ClusterWorkflowTemplate
            } else {
                Kind::WorkflowTemplate
            };
            if ms.find(kind, &r.name).is_none() {
                out.push(
                    Diagnostic::warning(
                        "argo-lint",
                        format!(
                            "workflowTemplateRef: {} \"{}\" is not among the loaded files",
                            if r.cluster_scope {
                                "ClusterWorkflowTemplate"
                            } else {
                                "WorkflowTemplate"
                            },
                            r.name
                        ),
                    )
                    .with_span(r.span),
                );
            }
        }
        if m.kind != Kind::WorkflowTemplate && m.kind != Kind::ClusterWorkflowTemplate && !has_ref {
            match &spec.entrypoint {
                None => out.push(
                    Diagnostic::error("argo-lint", "spec.entrypoint is required")
                        .with_span(spec_node.span),
                ),
                Some(e) if spec.template(e).is_none() => out.push(
                    Diagnostic::error(
                        "argo-lint",
                        format!("spec.entrypoint template '{e}' undefined"),
                    )
                    .with_span(
                        spec_node
                            .get("entrypoint")
                            .map_or(spec_node.span, |n| n.span),
                    ),
                ),
                _ => {}
            }
        }
        let find = |cluster: bool, name: &str| {
            let kind = if cluster {
                Kind::ClusterWorkflowTemplate
            } else {
                Kind::WorkflowTemplate
            };
            ms.find(kind, name).and_then(|m| m.spec())
        };
        for t in &spec.templates {
            lint_template(t, &spec, &find, false, out);
        }
    }
}

/// Where a workflow spec breaks the types of the Workflow CRDs' schema (lists that are not
/// lists, templates without a name): the API server refuses such an object (`kubectl apply`
/// fails with `... in body must be of type array`), so it never exists in the cluster. Each
/// problem with its node and the API server's words.
pub fn structural(spec: &Node) -> Vec<(&Node, String)> {
    fn must_be<'a>(
        out: &mut Vec<(&'a Node, String)>,
        node: Option<&'a Node>,
        path: &str,
        array: bool,
    ) {
        let Some(n) = node else { return };
        let ok = if array {
            n.as_sequence().is_some()
        } else {
            n.as_mapping().is_some()
        };
        if !ok && !n.is_null() {
            let want = if array { "array" } else { "object" };
            out.push((n, format!("{path} in body must be of type {want}")));
        }
    }
    let mut out = Vec::new();
    let args = spec.get("arguments");
    must_be(&mut out, args, "spec.arguments", false);
    for list in ["parameters", "artifacts"] {
        let node = args.and_then(|a| a.get(list));
        must_be(&mut out, node, &format!("spec.arguments.{list}"), true);
    }
    let templates = spec.get("templates");
    must_be(&mut out, templates, "spec.templates", true);
    for (i, t) in templates
        .and_then(Node::as_sequence)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let at = format!("spec.templates[{i}]");
        if t.as_mapping().is_none() {
            must_be(&mut out, Some(t), &at, false);
            continue;
        }
        if t.get("name").and_then(Node::as_str).is_none() {
            out.push((t, format!("{at}.name: Required value")));
        }
        for side in ["inputs", "outputs"] {
            for list in ["parameters", "artifacts"] {
                let node = t.get(side).and_then(|x| x.get(list));
                must_be(&mut out, node, &format!("{at}.{side}.{list}"), true);
            }
        }
        must_be(&mut out, t.get("steps"), &format!("{at}.steps"), true);
        let tasks = t.get("dag").and_then(|d| d.get("tasks"));
        must_be(&mut out, tasks, &format!("{at}.dag.tasks"), true);
    }
    out
}

/// Looks up the spec of a WorkflowTemplate (`false`) or ClusterWorkflowTemplate (`true`) by
/// name, for `templateRef`s.
pub type FindSpec<'a> = dyn Fn(bool, &str) -> Option<&'a Node> + 'a;

/// The controller's check of a Workflow it is about to run (Argo's `ValidateWorkflow`, from
/// `setExecWorkflow`), on its spec merged with its `workflowTemplateRef`: the first error, in
/// `argo lint`'s words. The controller fails such a workflow at once with `invalid spec: `
/// and that message, before any node. Unlike the editor's lint, a `templateRef` to a
/// (Cluster)WorkflowTemplate that does not exist is an error here: the cluster is all there is.
pub fn validate(spec: &WorkflowSpec, find: &FindSpec) -> Option<String> {
    let mut out = Vec::new();
    let entry = match &spec.entrypoint {
        None => return Some("spec.entrypoint is required".into()),
        Some(e) => match spec.template(e) {
            Some(t) => t,
            None => return Some(format!("spec.entrypoint template '{e}' undefined")),
        },
    };
    // The entrypoint takes the workflow's arguments.
    if let Some(missing) = unsupplied(entry, &spec.arguments).into_iter().next() {
        let name = entry.get("name").and_then(Node::as_str).unwrap_or_default();
        return Some(format!("templates.{name} {missing} was not supplied"));
    }
    if let Some(e) = spec.on_exit.as_ref().filter(|e| spec.template(e).is_none()) {
        return Some(format!("spec.onExit template name '{e}' undefined"));
    }
    for t in &spec.templates {
        lint_template(t, spec, find, true, &mut out);
        if let Some(d) = out.iter().find(|d| d.severity == Severity::Error) {
            return Some(d.message.clone());
        }
    }
    None
}

/// Lints one template of `spec`; `strict`: a `templateRef` to a template nobody loaded is an
/// error (the controller's view) rather than left to the workflowTemplateRef warning.
fn lint_template(
    node: &Node,
    spec: &WorkflowSpec,
    find: &FindSpec,
    strict: bool,
    out: &mut Vec<Diagnostic>,
) {
    Template::check_fields(node, out);
    let tname = text(node, "name").unwrap_or_default();
    // Its type: the first body field present, in the order `Template::parse` reads them.
    let kind = BODY_FIELDS.iter().copied().find(|k| node.get(k).is_some());
    warn_not_simulated(node, NOT_SIMULATED, &format!("templates.{}.", tname), out);
    // A data template's source lists a bucket the run only knows from its own pods.
    if let Some(source) = node.get("data").and_then(|d| d.get("source")) {
        warn_not_simulated(
            source,
            DATA_SOURCE_NOT_SIMULATED,
            &format!("templates.{}.data.source.", tname),
            out,
        );
    }
    if kind.is_none() {
        out.push(Diagnostic::error("argo-lint", format!("templates.{} template type unspecified. choose one of: container, containerSet, dag, data, http, plugin, resource, script, steps, suspend", tname)).with_span(node.span));
    }
    // `at`: where the call is, in Argo's words (`steps[0].a`, `tasks.a`).
    let check_call = |inv: &Invocation, at: &str, out: &mut Vec<Diagnostic>| {
        if let Some(name) = &inv.template {
            if let Some(callee) = spec.template(name) {
                check_arguments(&tname, at, name, callee, inv, out);
            } else {
                out.push(
                    Diagnostic::error(
                        "argo-lint",
                        format!("templates.{}.{at} template name '{name}' undefined", tname),
                    )
                    .with_span(inv.raw.get("template").map_or(inv.span, |n| n.span)),
                );
            }
        } else if let Some(r) = &inv.template_ref {
            let found = find(r.cluster_scope, &r.name);
            if found.is_none() && strict {
                out.push(
                    Diagnostic::error(
                        "argo-lint",
                        format!(
                            "templates.{}.{at} template reference {}.{} not found",
                            tname, r.name, r.template
                        ),
                    )
                    .with_span(r.span),
                );
            }
            if let Some(tspec) = found {
                let found = tspec
                    .get("templates")
                    .and_then(Node::as_sequence)
                    .unwrap_or_default()
                    .iter()
                    .any(|x| x.get("name").and_then(Node::as_str) == Some(r.template.as_str()));
                if !found {
                    out.push(
                        Diagnostic::error(
                            "argo-lint",
                            format!(
                                "templates.{}.{}: template {} not found in workflow template {}",
                                tname, inv.name, r.template, r.name
                            ),
                        )
                        .with_span(r.span),
                    );
                }
            }
        } else if inv.inline.is_none() {
            out.push(
                Diagnostic::error(
                    "argo-lint",
                    format!(
                        "templates.{}.{}: template or templateRef must be specified",
                        tname, inv.name
                    ),
                )
                .with_span(inv.span),
            );
        }
    };
    match kind {
        Some("steps") => {
            let groups = node.get("steps").map(step_groups).unwrap_or_default();
            let inputs = input_names(node);
            let names: Vec<Vec<String>> = groups
                .iter()
                .map(|g| g.iter().filter_map(|s| text(s, "name")).collect())
                .collect();
            for (i, g) in groups.iter().enumerate() {
                for s in g {
                    let inv = Invocation::parse(s, out);
                    check_call(&inv, &format!("steps[{i}].{}", inv.name), out);
                    // A step sees the steps of its own and earlier groups (`validateSteps`
                    // adds each to the scope as it goes); an inline template brings inputs of
                    // its own, so it is not judged.
                    if inv.inline.is_some() {
                        continue;
                    }
                    let known = |n: &str| names[..=i].iter().flatten().any(|x| x == n);
                    let scope = Scope {
                        kind: "steps.",
                        inputs: &inputs,
                        looped: loops(&inv),
                        known: &known,
                    };
                    report_unresolved(s, &scope, &format!("templates.{tname}.steps"), out);
                }
            }
        }
        Some("dag") => {
            let tasks = node
                .get("dag")
                .and_then(|d| d.get("tasks"))
                .and_then(Node::as_sequence)
                .unwrap_or_default();
            let invs: Vec<Invocation> = tasks.iter().map(|x| Invocation::parse(x, out)).collect();
            let names: Vec<&str> = invs.iter().map(|i| i.name.as_str()).collect();
            let mut edges: Vec<Vec<usize>> = vec![Vec::new(); invs.len()];
            for (k, inv) in invs.iter().enumerate() {
                check_call(inv, &format!("tasks.{}", inv.name), out);
                if inv.depends.is_some() && !inv.dependencies.is_empty() {
                    out.push(
                        Diagnostic::error(
                            "argo-lint",
                            format!(
                                "templates.{}.tasks.{} dependencies and depends cannot both be set",
                                tname, inv.name
                            ),
                        )
                        .with_span(inv.span),
                    );
                }
                let mut deps = inv.dependencies.clone();
                if let Some(d) = &inv.depends {
                    match Depends::parse(d) {
                        Ok(p) => p.tasks(&mut deps),
                        Err(e) => {
                            out.push(
                                Diagnostic::error(
                                    "argo-lint",
                                    format!("templates.{}.tasks.{}: {e}", tname, inv.name),
                                )
                                .with_span(inv.raw.get("depends").map_or(inv.span, |n| n.span)),
                            );
                        }
                    }
                }
                for d in deps {
                    match names.iter().position(|n| *n == d) {
                        Some(p) => edges[k].push(p),
                        None => out.push(
                            Diagnostic::error(
                                "argo-lint",
                                format!(
                                    "templates.{}.tasks.{} dependency '{d}' not defined",
                                    tname, inv.name
                                ),
                            )
                            .with_span(inv.span),
                        ),
                    }
                }
            }
            let inputs = input_names(node);
            for (k, (inv, raw)) in invs.iter().zip(tasks).enumerate() {
                if inv.inline.is_some() {
                    continue;
                }
                // Any task's outputs are in a task's scope (`validateDAG` adds them all first);
                // only a name no task has cannot resolve.
                let known = |n: &str| names.contains(&n);
                let scope = Scope {
                    kind: "tasks.",
                    inputs: &inputs,
                    looped: loops(inv),
                    known: &known,
                };
                let at = format!("templates.{tname}.tasks.{}", inv.name);
                report_unresolved(raw, &scope, &at, out);
                missing_dependencies(&tname, inv, &edges, k, &names, out);
            }
            // Cycles: iterative DFS with colours.
            let mut colour = vec![0u8; invs.len()];
            for start in 0..invs.len() {
                if colour[start] != 0 {
                    continue;
                }
                let mut stack = vec![(start, 0usize)];
                colour[start] = 1;
                while let Some(&mut (n, ref mut e)) = stack.last_mut() {
                    if *e < edges[n].len() {
                        let next = edges[n][*e];
                        *e += 1;
                        match colour[next] {
                            0 => {
                                colour[next] = 1;
                                stack.push((next, 0));
                            }
                            1 => {
                                out.push(
                                    Diagnostic::error(
                                        "argo-lint",
                                        format!(
                                            "templates.{} dependency cycle detected: {} -> {}",
                                            tname, invs[n].name, invs[next].name
                                        ),
                                    )
                                    .with_span(invs[n].span),
                                );
                            }
                            _ => {}
                        }
                    } else {
                        colour[n] = 2;
                        stack.pop();
                    }
                }
            }
        }
        Some(_) => {
            // A leaf's scope has its declared inputs and no loop items (`validateLeaf` on
            // the template as `validateInputs` scoped it); the step that loops substitutes
            // `item` in its own arguments, never in the template it calls.
            let inputs = input_names(node);
            let scope = Scope {
                kind: "",
                inputs: &inputs,
                looped: false,
                known: &|_| true,
            };
            report_unresolved(node, &scope, &format!("templates.{tname}:"), out);
        }
        None => {}
    }
}

/// A call's arguments against the called template's inputs, as Argo's validation processes
/// them (`ProcessArgs` in validate mode): an input parameter with no value, default or
/// `valueFrom` that the call does not pass is "not supplied". A loop's item or an expression
/// can supply anything, so only a parameter missing from the call's arguments is reported.
fn check_arguments(
    template: &str,
    at: &str,
    callee_name: &str,
    callee: &Node,
    inv: &Invocation,
    out: &mut Vec<Diagnostic>,
) {
    for missing in unsupplied(callee, &inv.arguments) {
        out.push(
            Diagnostic::error(
                "argo-lint",
                format!(
                    "templates.{template}.{at} templates.{callee_name} {missing} was not supplied"
                ),
            )
            .with_span(inv.raw.get("arguments").map_or(inv.span, |n| n.span)),
        );
    }
}

/// The inputs of `template` that `arguments` must supply and does not, as
/// `inputs.parameters.NAME` / `inputs.artifacts.NAME`: a parameter with no value, default or
/// `valueFrom`, an artifact neither optional nor with a place to load it from.
fn unsupplied(template: &Node, arguments: &Arguments) -> Vec<String> {
    let inputs = template.get("inputs");
    let list = |key: &str| {
        inputs
            .and_then(|i| i.get(key))
            .and_then(Node::as_sequence)
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for p in list("parameters") {
        let Some(name) = p.get("name").and_then(Node::as_str) else {
            continue;
        };
        let has_own = ["value", "default", "valueFrom"]
            .iter()
            .any(|k| p.get(k).is_some());
        if !has_own && !arguments.parameters.iter().any(|a| a.name == name) {
            out.push(format!("inputs.parameters.{name}"));
        }
    }
    for a in list("artifacts").iter().map(Artifact::parse) {
        if !a.optional && !a.has_location && !arguments.artifacts.iter().any(|x| x.name == a.name) {
            out.push(format!("inputs.artifacts.{}", a.name));
        }
    }
    out
}

// Field names from the Argo Events JSON schema (`ref/argo-events.schema.json`).
const SENSOR_SPEC: &[&str] = &[
    "dependencies",
    "errorOnFailedRound",
    "eventBusName",
    "loggingFields",
    "replicas",
    "revisionHistoryLimit",
    "template",
    "triggers",
];
const DEPENDENCY: &[&str] = &[
    "eventName",
    "eventSourceName",
    "filters",
    "filtersLogicalOperator",
    "name",
    "transform",
];
const FILTER: &[&str] = &[
    "context",
    "data",
    "dataLogicalOperator",
    "exprLogicalOperator",
    "exprs",
    "script",
    "time",
];
const TRIGGER: &[&str] = &[
    "atLeastOnce",
    "dlqTrigger",
    "parameters",
    "policy",
    "rateLimit",
    "retryStrategy",
    "template",
];
const TRIGGER_TEMPLATE: &[&str] = &[
    "argoWorkflow",
    "awsLambda",
    "azureEventHubs",
    "azureServiceBus",
    "conditions",
    "conditionsReset",
    "custom",
    "email",
    "http",
    "k8s",
    "kafka",
    "log",
    "name",
    "nats",
    "openWhisk",
    "pulsar",
    "slack",
];
const K8S_TRIGGER: &[&str] = &[
    "liveObject",
    "operation",
    "parameters",
    "patchStrategy",
    "source",
];
const ARGO_WORKFLOW_TRIGGER: &[&str] = &["args", "operation", "parameters", "source"];
const PARAMETER: &[&str] = &["dest", "operation", "src"];
const PARAMETER_SOURCE: &[&str] = &[
    "contextKey",
    "contextTemplate",
    "dataKey",
    "dataTemplate",
    "dependencyName",
    "useRawData",
    "value",
];
const EVENT_SOURCE_SPEC: &[&str] = &[
    "amqp",
    "azureEventsHub",
    "azureQueueStorage",
    "azureServiceBus",
    "bitbucket",
    "bitbucketserver",
    "calendar",
    "emitter",
    "eventBusName",
    "file",
    "generic",
    "gerrit",
    "github",
    "gitlab",
    "hdfs",
    "kafka",
    "minio",
    "mns",
    "mqtt",
    "nats",
    "nsq",
    "pubSub",
    "pulsar",
    "redis",
    "redisStream",
    "replicas",
    "resource",
    "service",
    "sftp",
    "slack",
    "sns",
    "sqs",
    "storageGrid",
    "stripe",
    "template",
    "webhook",
];
const WEBHOOK: &[&str] = &[
    "authSecret",
    "endpoint",
    "filter",
    "maxPayloadSize",
    "metadata",
    "method",
    "port",
    "serverCertSecret",
    "serverKeySecret",
    "url",
];

/// Lints Sensors and EventSources: unknown fields (as warnings), dependencies on events no
/// EventSource declares, parameters naming unknown dependencies, bad trigger conditions.
pub fn lint_events(ms: &Manifests, out: &mut Vec<Diagnostic>) {
    for m in ms.of_kind(Kind::EventSource) {
        let Some(spec) = m.spec() else { continue };
        warn_unknown(spec, EVENT_SOURCE_SPEC, "EventSource spec", out);
        if let Some(hooks) = spec.get("webhook").and_then(Node::as_mapping) {
            for e in hooks {
                warn_unknown(&e.value, WEBHOOK, "webhook event", out);
            }
        }
    }
    let sources: Vec<EventSource> = ms
        .of_kind(Kind::EventSource)
        .map(EventSource::from_manifest)
        .collect();
    for m in ms.of_kind(Kind::Sensor) {
        let Some(spec) = m.spec() else { continue };
        warn_unknown(spec, SENSOR_SPEC, "Sensor spec", out);
        let seq = |n: &Node, k: &str| {
            n.get(k)
                .and_then(Node::as_sequence)
                .unwrap_or_default()
                .to_vec()
        };
        let deps = seq(spec, "dependencies");
        let dep_names: Vec<String> = deps.iter().filter_map(|d| text(d, "name")).collect();
        for d in &deps {
            warn_unknown(d, DEPENDENCY, "Sensor dependency", out);
            if let Some(f) = d.get("filters") {
                warn_unknown(f, FILTER, "dependency filters", out);
            }
            let (es, ev) = (
                text(d, "eventSourceName").unwrap_or_default(),
                text(d, "eventName").unwrap_or_default(),
            );
            let known = sources
                .iter()
                .any(|s| s.name == es && s.events.iter().any(|e| e.name == ev));
            if !sources.is_empty() && !known {
                out.push(
                    Diagnostic::warning(
                        "argo-events-lint",
                        format!("no loaded EventSource '{es}' has an event '{ev}'"),
                    )
                    .with_span(d.span),
                );
            }
        }
        for t in seq(spec, "triggers") {
            lint_trigger(&t, &dep_names, out);
            lint_rate_limit(&t, out);
            if let Some(dlq) = t.get("dlqTrigger") {
                lint_dlq_trigger(&t, dlq, &dep_names, out);
            }
        }
    }
}

/// One trigger of `spec.triggers` (or a `dlqTrigger`): unknown fields, its template, its
/// conditions and the dependencies its parameters name.
fn lint_trigger(t: &Node, dep_names: &[String], out: &mut Vec<Diagnostic>) {
    let seq = |n: &Node, k: &str| {
        n.get(k)
            .and_then(Node::as_sequence)
            .unwrap_or_default()
            .to_vec()
    };
    warn_unknown(t, TRIGGER, "Sensor trigger", out);
    let Some(tmpl) = t.get("template") else {
        out.push(
            Diagnostic::error("argo-events-lint", "trigger has no template").with_span(t.span),
        );
        return;
    };
    warn_unknown(tmpl, TRIGGER_TEMPLATE, "trigger template", out);
    if let Some(k) = tmpl.get("k8s") {
        warn_unknown(k, K8S_TRIGGER, "k8s trigger", out);
    }
    if let Some(k) = tmpl.get("argoWorkflow") {
        warn_unknown(k, ARGO_WORKFLOW_TRIGGER, "argoWorkflow trigger", out);
    }
    if let Some(c) = tmpl.get("conditions") {
        match c.as_str().map(Depends::parse) {
            Some(Ok(d)) => {
                let mut used = Vec::new();
                d.tasks(&mut used);
                for u in used.iter().filter(|u| !dep_names.contains(u)) {
                    out.push(
                        Diagnostic::error(
                            "argo-events-lint",
                            format!("conditions name unknown dependency '{u}'"),
                        )
                        .with_span(c.span),
                    );
                }
            }
            Some(Err(e)) => out.push(
                Diagnostic::error("argo-events-lint", format!("invalid conditions: {e}"))
                    .with_span(c.span),
            ),
            None => {}
        }
    }
    let params = tmpl
        .as_mapping()
        .unwrap_or_default()
        .iter()
        .flat_map(|e| seq(&e.value, "parameters"))
        .chain(seq(t, "parameters"));
    for p in params {
        warn_unknown(&p, PARAMETER, "trigger parameter", out);
        if let Some(src) = p.get("src") {
            warn_unknown(src, PARAMETER_SOURCE, "parameter src", out);
            if let Some(dn) = text(src, "dependencyName") {
                if !dep_names.contains(&dn) {
                    out.push(
                        Diagnostic::error(
                            "argo-events-lint",
                            format!("parameter src names unknown dependency '{dn}'"),
                        )
                        .with_span(src.span),
                    );
                }
            }
        }
    }
}

/// `rateLimit` as argo-events' `initRateLimiter` reads it: `ratelimit.New(requestsPerUnit,
/// Per(unit))`, where 0 divides by zero (the Sensor pod panics), a negative rate never waits
/// and a unit other than `Minute` or `Hour` (case-sensitive) is a second.
fn lint_rate_limit(t: &Node, out: &mut Vec<Diagnostic>) {
    let Some(rl) = t.entry("rateLimit") else {
        return;
    };
    let rpu = rl.value.entry("requestsPerUnit");
    let at = rpu.map_or(rl.key.span, |e| e.value.span);
    match rpu.and_then(|e| e.value.as_str()).map(str::trim) {
        None => out.push(
            Diagnostic::error(
                "argo-events-lint",
                "rateLimit has no requestsPerUnit: the Sensor pod divides by 0 and crashes (panic: runtime error: integer divide by zero)",
            )
            .with_span(at),
        ),
        Some(n) => match n.parse::<i32>() {
            Ok(0) => out.push(
                Diagnostic::error(
                    "argo-events-lint",
                    "rateLimit.requestsPerUnit is 0: the Sensor pod divides by it and crashes (panic: runtime error: integer divide by zero)",
                )
                .with_span(at),
            ),
            Ok(n) if n < 0 => out.push(
                Diagnostic::warning(
                    "argo-events-lint",
                    format!("rateLimit.requestsPerUnit is {n}: a negative rate never waits, so the trigger is not rate limited"),
                )
                .with_span(at),
            ),
            Ok(_) => {}
            Err(_) => out.push(
                Diagnostic::error(
                    "argo-events-lint",
                    format!("rateLimit.requestsPerUnit must be an int32, not '{n}'"),
                )
                .with_span(at),
            ),
        },
    }
    if let Some(u) = rl.value.entry("unit") {
        let unit = u.value.as_str().unwrap_or_default();
        if !matches!(unit, "Second" | "Minute" | "Hour") {
            out.push(
                Diagnostic::warning(
                    "argo-events-lint",
                    format!("unknown rateLimit.unit '{unit}' (Second, Minute or Hour, case-sensitive): argo-events counts per Second"),
                )
                .with_span(u.value.span),
            );
        }
    }
}

/// A `dlqTrigger` as the controller's `validateDlqTrigger` checks it (both it and its trigger
/// must be `atLeastOnce`, else the Sensor is refused), plus what argo-events ignores in it.
fn lint_dlq_trigger(t: &Node, dlq: &Node, dep_names: &[String], out: &mut Vec<Diagnostic>) {
    let at_least_once = |n: &Node| n.get("atLeastOnce").and_then(Node::as_str) == Some("true");
    let key = t.entry("dlqTrigger").map_or(dlq.span, |e| e.key.span);
    if !at_least_once(t) {
        out.push(
            Diagnostic::error(
                "argo-events-lint",
                "to use dlqTrigger, trigger.atLeastOnce must be set to true (the controller refuses the Sensor)",
            )
            .with_span(key),
        );
    }
    if !at_least_once(dlq) {
        out.push(
            Diagnostic::error(
                "argo-events-lint",
                "atLeastOnce must be set to true within the dlqTrigger (the controller refuses the Sensor)",
            )
            .with_span(key),
        );
    }
    lint_trigger(dlq, dep_names, out);
    for (field, what) in [
        (
            "rateLimit",
            "dlqTrigger.rateLimit is not used: argo-events gives only spec.triggers a rate limiter",
        ),
        (
            "dlqTrigger",
            "a dlqTrigger's own dlqTrigger is never invoked",
        ),
    ] {
        if let Some(e) = dlq.entry(field) {
            out.push(Diagnostic::warning("argo-events-lint", what).with_span(e.key.span));
        }
    }
}

/// Every `{{tag}}` in the strings of `node` (keys included, as Argo scans the JSON of a step or
/// task), trimmed, with the scalar it is in. Expressions (`{{=...}}`) are left out: Argo's
/// `resolveAllVariables` does not resolve them.
fn tags_in(node: &Node) -> Vec<(String, &Node)> {
    let mut out = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        match &n.value {
            Value::Scalar(s) => {
                let mut rest = s.text.as_str();
                while let Some(start) = rest.find("{{") {
                    let after = &rest[start + 2..];
                    let Some(end) = after.find("}}") else { break };
                    let tag = after[..end].trim();
                    if !tag.starts_with('=') {
                        out.push((tag.to_string(), n));
                    }
                    rest = &after[end + 2..];
                }
            }
            Value::Sequence(items) => stack.extend(items.iter().rev()),
            Value::Mapping(entries) => {
                for e in entries.iter().rev() {
                    stack.push(&e.value);
                    stack.push(&e.key);
                }
            }
        }
    }
    out
}

/// What a step, task or leaf template's `{{tag}}`s may name, for [`unresolvable`].
struct Scope<'a> {
    /// `steps.` or `tasks.` (with its dot); empty for a leaf, which names neither.
    kind: &'a str,
    /// The template's declared input parameters.
    inputs: &'a [&'a str],
    /// Whether the step or task loops (then any `item.` passes).
    looped: bool,
    /// The step or task names in scope.
    known: &'a dyn Fn(&str) -> bool,
}

/// Reports every `{{tag}}` in `node` that cannot resolve in `scope`, as Argo words it:
/// `<at> failed to resolve {{tag}}`.
fn report_unresolved(node: &Node, scope: &Scope, at: &str, out: &mut Vec<Diagnostic>) {
    for (tag, scalar) in tags_in(node) {
        if unresolvable(&tag, scope) {
            out.push(
                Diagnostic::error("argo-lint", format!("{at} failed to resolve {{{{{tag}}}}}"))
                    .with_span(scalar.span),
            );
        }
    }
}

/// Whether a `{{tag}}` in a step, task or leaf template cannot resolve, in the few cases where
/// Argo's validation surely says so (`resolveAllVariables` in workflow/validate/validate.go):
/// an `item.` without a loop, an `inputs.parameters.` the template does not declare, and (in a
/// steps or DAG template) a `steps.`/`tasks.` naming no step or task the scope knows. Anything Argo might resolve is not judged: workflow globals
/// (declared parameters, labels, status and failures depend on the workflow, its defaults and
/// its submission), a step's outputs by name (they depend on the called template), a status
/// whose scope depends on hooks, aggregates, `pod.`, `retries`. Tags starting with
/// `steps.name` / `tasks.name` pass, as Argo lets them by prefix.
fn unresolvable(tag: &str, scope: &Scope) -> bool {
    if tag.starts_with("item.") {
        return !scope.looped;
    }
    if let Some(p) = tag.strip_prefix("inputs.parameters.") {
        return !scope.inputs.contains(&p);
    }
    if scope.kind.is_empty() {
        return false;
    }
    let Some(rest) = tag.strip_prefix(scope.kind) else {
        return false;
    };
    if rest.starts_with("name") {
        return false;
    }
    let Some((name, field)) = rest.split_once('.') else {
        return false;
    };
    !field.is_empty() && !(scope.known)(name)
}

/// The names of `template`'s input parameters.
fn input_names(template: &Node) -> Vec<&str> {
    template
        .get("inputs")
        .and_then(|i| i.get("parameters"))
        .and_then(Node::as_sequence)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.get("name").and_then(Node::as_str))
        .collect()
}

/// Whether a step or task loops (`withItems`, `withParam`, `withSequence`): then any `item`
/// reference passes, as Argo's `addItemsToScope` lets `withParam` items be anything.
fn loops(inv: &Invocation) -> bool {
    inv.with_items.is_some() || inv.with_param.is_some() || inv.with_sequence.is_some()
}

/// The tasks `k` depends on, directly or through others (Argo's `GetTaskAncestry`), by index.
fn ancestry(edges: &[Vec<usize>], k: usize) -> Vec<usize> {
    let mut seen = vec![false; edges.len()];
    let mut stack = edges.get(k).cloned().unwrap_or_default();
    let mut out = Vec::new();
    while let Some(n) = stack.pop() {
        if n < seen.len() && !seen[n] {
            seen[n] = true;
            out.push(n);
            stack.extend(edges[n].iter().copied());
        }
    }
    out
}

/// An argument whose value starts with `{{tasks.NAME.` where NAME is a task this one does not
/// depend on, directly or not: Argo's `validateDAGTaskArgumentDependency` says "missing
/// dependency" (it looks at parameter values and artifacts' `from` only, and only at a value
/// that starts with the tag). A NAME no task has is left to "failed to resolve". Task `k`'s
/// ancestry (`edges` are the DAG's dependencies) is walked only if an argument needs it: on
/// every edit, for every task, it would make a big DAG's lint quadratic.
fn missing_dependencies(
    tname: &str,
    inv: &Invocation,
    edges: &[Vec<usize>],
    k: usize,
    names: &[&str],
    out: &mut Vec<Diagnostic>,
) {
    let mut ancestors: Option<Vec<usize>> = None;
    let args = inv.raw.get("arguments");
    let list = |key: &str| {
        args.and_then(|a| a.get(key))
            .and_then(Node::as_sequence)
            .unwrap_or_default()
    };
    let mut check = |what: &str, item: &Node, field: &str| {
        let Some(value) = item.get(field) else { return };
        let Some(rest) = value.as_str().and_then(|v| v.strip_prefix("{{tasks.")) else {
            return;
        };
        let dep = rest.split('.').next().unwrap_or_default();
        let Some(p) = names.iter().position(|n| *n == dep) else {
            return;
        };
        if !ancestors
            .get_or_insert_with(|| ancestry(edges, k))
            .contains(&p)
        {
            let name = text(item, "name").unwrap_or_default();
            out.push(
                Diagnostic::error(
                    "argo-lint",
                    format!(
                        "templates.{tname}.tasks.{} missing dependency '{dep}' for {what} '{name}'",
                        inv.name
                    ),
                )
                .with_span(value.span),
            );
        }
    };
    for p in list("parameters") {
        check("parameter", p, "value");
    }
    for a in list("artifacts") {
        check("artifact", a, "from");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    /// The lint's errors on a Workflow whose templates are `templates` (YAML, indented as
    /// under `spec:`), and what the controller's `validate` says of it.
    fn check(templates: &str) -> (Vec<String>, Option<String>) {
        let text = format!(
            "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: w\nspec:\n  \
             entrypoint: main\n  templates:\n{templates}"
        );
        let docs = crate::yaml::load(FileId(0), &text).documents;
        let mut diags = Vec::new();
        let ms = Manifests::from_documents(docs.iter().map(|d| (FileId(0), &d.root)), &mut diags);
        lint(&ms, &mut diags);
        let errors = diags
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .map(|d| d.message.clone())
            .collect();
        let spec_node = docs[0].root.get("spec").expect("spec");
        let spec = WorkflowSpec::parse(spec_node, &mut Vec::new());
        (errors, validate(&spec, &|_, _| None))
    }

    const SAY: &str = "  - name: say\n    inputs: {parameters: [{name: m}]}\n    outputs: \
                       {parameters: [{name: out, value: x}]}\n    container: {image: alpine, \
                       command: [echo, '{{inputs.parameters.m}}']}\n";

    /// A typo in a step name: Argo's `validateSteps` fails "templates.main.steps failed to
    /// resolve {{...}}" and the controller refuses the run with it.
    #[test]
    fn a_typo_in_a_step_name_does_not_resolve() {
        let (errors, invalid) = check(&format!(
            "  - name: main\n    steps:\n    - - name: approve\n        template: say\n        \
             arguments: {{parameters: [{{name: m, value: hi}}]}}\n    - - name: release\n        \
             template: say\n        arguments: {{parameters: [{{name: m, value: \
             '{{{{steps.aprove.outputs.parameters.out}}}}'}}]}}\n{SAY}"
        ));
        let want = "templates.main.steps failed to resolve {{steps.aprove.outputs.parameters.out}}";
        assert_eq!(errors, vec![want.to_string()]);
        assert_eq!(invalid.as_deref(), Some(want));
    }

    /// A step refers to a step of a later group: not yet in the scope Argo builds.
    #[test]
    fn a_later_step_does_not_resolve() {
        let (errors, _) = check(&format!(
            "  - name: main\n    steps:\n    - - name: a\n        template: say\n        \
             arguments: {{parameters: [{{name: m, value: '{{{{steps.b.outputs.result}}}}'}}]}}\n    \
             - - name: b\n        template: say\n        arguments: {{parameters: [{{name: m, \
             value: hi}}]}}\n{SAY}"
        ));
        assert_eq!(
            errors,
            vec!["templates.main.steps failed to resolve {{steps.b.outputs.result}}".to_string()]
        );
    }

    /// A typo in a DAG task's name, and a reference to a task that is not a dependency
    /// (`validateDAGTaskArgumentDependency`), and an `item.` outside any loop.
    #[test]
    fn dag_references() {
        let (errors, invalid) = check(&format!(
            "  - name: main\n    dag:\n      tasks:\n      - name: a\n        template: say\n        \
             arguments: {{parameters: [{{name: m, value: '{{{{item.x}}}}'}}]}}\n      - name: b\n        \
             template: say\n        arguments: {{parameters: [{{name: m, value: \
             '{{{{tasks.a.outputs.parameters.out}}}}'}}]}}\n      - name: c\n        depends: b\n        \
             template: say\n        arguments: {{parameters: [{{name: m, value: \
             '{{{{tasks.bb.outputs.result}}}}'}}]}}\n{SAY}"
        ));
        assert_eq!(
            errors,
            vec![
                "templates.main.tasks.a failed to resolve {{item.x}}".to_string(),
                "templates.main.tasks.b missing dependency 'a' for parameter 'm'".to_string(),
                "templates.main.tasks.c failed to resolve {{tasks.bb.outputs.result}}".to_string(),
            ]
        );
        assert_eq!(
            invalid.as_deref(),
            Some("templates.main.tasks.a failed to resolve {{item.x}}")
        );
    }

    /// A leaf template's undeclared input and a loop item it cannot see (`validateLeaf`);
    /// a bare `{{item}}` is not judged, as Argo's prefixes (`item.`) do not catch it.
    #[test]
    fn a_leaf_sees_its_inputs_only() {
        let (errors, invalid) = check(
            "  - name: main\n    inputs: {parameters: [{name: m, value: hi}]}\n    container: \
             {image: alpine, command: [echo, '{{inputs.parameters.mm}} {{item.x}} {{item}} \
             {{inputs.parameters.m}} {{pod.name}} {{=inputs.parameters.q}}']}\n",
        );
        let want = "templates.main: failed to resolve {{inputs.parameters.mm}}";
        assert_eq!(
            errors,
            vec![
                want.to_string(),
                "templates.main: failed to resolve {{item.x}}".to_string()
            ]
        );
        assert_eq!(invalid.as_deref(), Some(want));
    }

    /// What resolves, or what Argo might resolve, passes: earlier steps, the same group,
    /// dependencies (also indirect), items in loops, declared inputs, `steps.name`-prefixed
    /// tags, workflow globals, and expressions (`{{=...}}`, which Argo does not resolve here).
    #[test]
    fn valid_references_and_expressions_pass() {
        let (errors, invalid) = check(&format!(
            "  - name: main\n    inputs: {{parameters: [{{name: p, value: v}}]}}\n    steps:\n    \
             - - name: a\n        template: say\n        arguments: {{parameters: [{{name: m, \
             value: '{{{{inputs.parameters.p}}}} {{{{workflow.name}}}} {{{{steps.name}}}}'}}]}}\n      \
             - name: a2\n        template: say\n        arguments: {{parameters: [{{name: m, \
             value: '{{{{steps.a.status}}}}'}}]}}\n    - - name: b\n        template: say\n        \
             withItems: [{{x: 1}}]\n        when: '{{{{steps.a.outputs.result}}}} == 1'\n        \
             arguments: {{parameters: [{{name: m, value: '{{{{item.x}}}} {{{{= steps.zz.x }}}}'}}]}}\n  \
             - name: d\n    dag:\n      tasks:\n      - name: a\n        template: say\n        \
             withParam: '[1]'\n        arguments: {{parameters: [{{name: m, value: '{{{{item.k}}}}'}}]}}\n      \
             - name: b\n        depends: a\n        template: say\n        arguments: {{parameters: \
             [{{name: m, value: '{{{{tasks.a.outputs.parameters.out}}}}'}}]}}\n      - name: c\n        \
             depends: b\n        template: say\n        arguments: {{parameters: [{{name: m, value: \
             '{{{{tasks.a.outputs.parameters.out}}}}{{{{=tasks.q}}}}'}}]}}\n{SAY}"
        ));
        assert_eq!(errors, Vec::<String>::new());
        assert_eq!(invalid, None);
    }
}
