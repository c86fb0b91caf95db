//! Workflow specs: templates of every kind, DAG tasks, steps, parameters and retry strategies,
//! read from YAML nodes (after substitution, when the controller reads them).

use crate::diag::{Diagnostic, Span};
use crate::yaml::{Node, Value};

use super::json::to_json;
use super::{warn_unknown, warn_unknown_where};

/// `spec` of a Workflow, WorkflowTemplate, ClusterWorkflowTemplate (or a CronWorkflow's
/// `workflowSpec`).
#[derive(Clone, Debug, Default)]
pub struct WorkflowSpec {
    pub entrypoint: Option<String>,
    pub arguments: Arguments,
    pub templates: Vec<Node>,
    pub on_exit: Option<String>,
    pub workflow_template_ref: Option<TemplateRefName>,
    pub service_account_name: Option<String>,
    pub parallelism: Option<u64>,
    pub active_deadline_seconds: Option<u64>,
    pub retry_strategy: Option<RetryStrategy>,
    pub hooks: Vec<Hook>,
    pub shutdown: Option<String>,
    pub suspend: bool,
    /// `synchronization` (mutexes and semaphores the whole workflow holds while it runs).
    pub synchronization: Option<Node>,
    /// `priority`: the order in which workflows waiting for the same lock acquire it.
    pub priority: i64,
    /// Names of `volumes` and `volumeClaimTemplates`.
    pub volumes: Vec<String>,
}

#[derive(Clone, Debug)]
pub struct TemplateRefName {
    pub name: String,
    pub cluster_scope: bool,
    pub span: Span,
}

pub(crate) const SPEC_FIELDS: &[&str] = &[
    // From the Argo Workflows v4.1 JSON schema.
    "activeDeadlineSeconds",
    "affinity",
    "archiveLogs",
    "arguments",
    "artifactGC",
    "artifactRepositoryRef",
    "automountServiceAccountToken",
    "dnsConfig",
    "dnsPolicy",
    "entrypoint",
    "executor",
    "executorPlugins",
    "hooks",
    "hostAliases",
    "hostNetwork",
    "imagePullSecrets",
    "metrics",
    "nodeSelector",
    "onExit",
    "parallelism",
    "podDisruptionBudget",
    "podGC",
    "podMetadata",
    "podPriorityClassName",
    "podResources",
    "podSpecPatch",
    "priority",
    "resourceClaims",
    "retryStrategy",
    "schedulerName",
    "securityContext",
    "serviceAccountName",
    "shutdown",
    "suspend",
    "synchronization",
    "templateDefaults",
    "templates",
    "tolerations",
    "ttlStrategy",
    "volumeClaimGC",
    "volumeClaimTemplates",
    "volumes",
    "workflowMetadata",
    "workflowTemplateRef",
];

impl WorkflowSpec {
    pub fn parse(spec: &Node, diags: &mut Vec<Diagnostic>) -> WorkflowSpec {
        warn_unknown(spec, SPEC_FIELDS, "workflow spec", diags);
        let workflow_template_ref = spec.get("workflowTemplateRef").map(|r| TemplateRefName {
            name: text(r, "name").unwrap_or_default(),
            cluster_scope: flag(r, "clusterScope"),
            span: r.span,
        });
        WorkflowSpec {
            entrypoint: text(spec, "entrypoint"),
            arguments: spec
                .get("arguments")
                .map(Arguments::parse)
                .unwrap_or_default(),
            templates: seq(spec, "templates").to_vec(),
            on_exit: text(spec, "onExit"),
            workflow_template_ref,
            service_account_name: text(spec, "serviceAccountName"),
            parallelism: number(spec, "parallelism"),
            active_deadline_seconds: number(spec, "activeDeadlineSeconds"),
            retry_strategy: spec.get("retryStrategy").map(RetryStrategy::parse),
            hooks: spec.get("hooks").map(Hook::parse_all).unwrap_or_default(),
            shutdown: text(spec, "shutdown"),
            suspend: flag(spec, "suspend"),
            synchronization: spec.get("synchronization").cloned(),
            priority: text(spec, "priority")
                .and_then(|p| p.trim().parse().ok())
                .unwrap_or(0),
            volumes: names(Some(spec), "volumes")
                .into_iter()
                .chain(
                    spec.get("volumeClaimTemplates")
                        .and_then(Node::as_sequence)
                        .unwrap_or_default()
                        .iter()
                        .filter_map(|v| v.get("metadata").and_then(|m| text(m, "name"))),
                )
                .collect(),
        }
    }

    /// The template node called `name`.
    pub fn template(&self, name: &str) -> Option<&Node> {
        self.templates
            .iter()
            .find(|t| t.get("name").and_then(Node::as_str) == Some(name))
    }
}

/// `arguments` of a workflow, task or step.
#[derive(Clone, Debug, Default)]
pub struct Arguments {
    pub parameters: Vec<Parameter>,
    pub artifacts: Vec<Artifact>,
}

impl Arguments {
    pub fn parse(node: &Node) -> Arguments {
        Arguments {
            parameters: seq(node, "parameters")
                .iter()
                .map(Parameter::parse)
                .collect(),
            artifacts: seq(node, "artifacts").iter().map(Artifact::parse).collect(),
        }
    }
}

/// A parameter of `inputs`, `outputs` or `arguments`.
#[derive(Clone, Debug, Default)]
pub struct Parameter {
    pub name: String,
    pub value: Option<String>,
    pub default: Option<String>,
    pub enum_values: Vec<String>,
    pub value_from: Option<ValueFrom>,
    pub global_name: Option<String>,
    pub span: Option<Span>,
}

#[derive(Clone, Debug, Default)]
pub struct ValueFrom {
    pub path: Option<String>,
    pub default: Option<String>,
    pub expression: Option<String>,
    pub json_path: Option<String>,
    /// `jqFilter`: a resource template's output, a jq filter over the object.
    pub jq_filter: Option<String>,
    pub parameter: Option<String>,
    pub supplied: bool,
    pub config_map_key_ref: Option<(String, String)>,
    pub event: Option<String>,
}

impl Parameter {
    pub fn parse(node: &Node) -> Parameter {
        let value_from = node.get("valueFrom").map(|v| ValueFrom {
            path: text(v, "path"),
            default: value_text(v.get("default")),
            expression: text(v, "expression"),
            json_path: text(v, "jsonPath"),
            jq_filter: text(v, "jqFilter"),
            parameter: text(v, "parameter"),
            supplied: v.get("supplied").is_some(),
            config_map_key_ref: v.get("configMapKeyRef").map(|c| {
                (
                    text(c, "name").unwrap_or_default(),
                    text(c, "key").unwrap_or_default(),
                )
            }),
            event: text(v, "event"),
        });
        Parameter {
            name: text(node, "name").unwrap_or_default(),
            value: value_text(node.get("value")),
            default: value_text(node.get("default")),
            enum_values: seq(node, "enum")
                .iter()
                .filter_map(|n| value_text(Some(n)))
                .collect(),
            value_from,
            global_name: text(node, "globalName"),
            span: Some(node.span),
        }
    }
}

/// An artifact, tracked by name and path (its content is simulated).
#[derive(Clone, Debug, Default)]
pub struct Artifact {
    pub name: String,
    pub path: Option<String>,
    pub from: Option<String>,
    pub optional: bool,
    pub raw: Option<String>,
    pub global_name: Option<String>,
    /// Where the artifact is stored, when it names a place (`s3: {bucket, key}`, ...).
    pub location: Option<ArtifactLocation>,
    /// `archive: {none: {}}`: a directory is stored file by file, not as one tarball.
    pub archive_none: bool,
    /// Whether it says where to load it from (Argo's `HasLocationOrKey`): raw data, a bucket
    /// store, or an http/artifactory URL, git repo or hdfs path that is not empty.
    pub has_location: bool,
}

/// A place in an artifact repository: the bucket-and-key stores (S3, GCS, OSS; Azure's
/// container and blob). An empty bucket is the workflow's default repository (a "key-only"
/// artifact).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ArtifactLocation {
    pub store: &'static str,
    pub bucket: String,
    pub key: String,
}

impl ArtifactLocation {
    fn parse(node: &Node) -> Option<ArtifactLocation> {
        for (store, bucket, key) in [
            ("s3", "bucket", "key"),
            ("gcs", "bucket", "key"),
            ("oss", "bucket", "key"),
            ("azure", "container", "blob"),
        ] {
            if let Some(n) = node.get(store) {
                return Some(ArtifactLocation {
                    store,
                    bucket: text(n, bucket).unwrap_or_default(),
                    key: text(n, key).unwrap_or_default(),
                });
            }
        }
        None
    }
}

impl Artifact {
    pub fn parse(node: &Node) -> Artifact {
        let location = ArtifactLocation::parse(node);
        let elsewhere = [
            ("http", "url"),
            ("artifactory", "url"),
            ("git", "repo"),
            ("hdfs", "path"),
        ]
        .iter()
        .any(|(store, field)| {
            node.get(store)
                .and_then(|n| text(n, field))
                .is_some_and(|v| !v.is_empty())
        });
        Artifact {
            name: text(node, "name").unwrap_or_default(),
            path: text(node, "path"),
            from: text(node, "from"),
            optional: flag(node, "optional"),
            raw: node.get("raw").and_then(|r| text(r, "data")),
            global_name: text(node, "globalName"),
            has_location: node.get("raw").is_some() || location.is_some() || elsewhere,
            location,
            archive_none: node.get("archive").is_some_and(|a| a.get("none").is_some()),
        }
    }
}

/// `retryStrategy`.
#[derive(Clone, Debug, Default)]
pub struct RetryStrategy {
    /// `None` means "retry forever" (bounded by the simulation's caps).
    pub limit: Option<u64>,
    pub retry_policy: String,
    pub expression: Option<String>,
    pub backoff_duration: Option<String>,
    pub backoff_factor: Option<f64>,
    pub backoff_max_duration: Option<String>,
}

impl RetryStrategy {
    pub fn parse(node: &Node) -> RetryStrategy {
        let backoff = node.get("backoff");
        RetryStrategy {
            limit: number(node, "limit"),
            retry_policy: text(node, "retryPolicy").unwrap_or_else(|| "OnFailure".into()),
            expression: text(node, "expression"),
            backoff_duration: backoff.and_then(|b| value_text(b.get("duration"))),
            backoff_factor: backoff
                .and_then(|b| value_text(b.get("factor")))
                .and_then(|f| f.parse().ok()),
            backoff_max_duration: backoff.and_then(|b| value_text(b.get("maxDuration"))),
        }
    }
}

/// A lifecycle hook (`hooks: {exit: ..., running: ...}`).
#[derive(Clone, Debug)]
pub struct Hook {
    pub name: String,
    pub template: Option<String>,
    pub template_ref: Option<TemplateRef>,
    pub expression: Option<String>,
    pub arguments: Arguments,
}

impl Hook {
    pub fn parse_all(node: &Node) -> Vec<Hook> {
        node.as_mapping()
            .unwrap_or_default()
            .iter()
            .map(|e| Hook {
                name: e.key.as_str().unwrap_or_default().to_string(),
                template: text(&e.value, "template"),
                template_ref: e.value.get("templateRef").map(TemplateRef::parse),
                expression: text(&e.value, "expression"),
                arguments: e
                    .value
                    .get("arguments")
                    .map(Arguments::parse)
                    .unwrap_or_default(),
            })
            .collect()
    }
}

/// `templateRef: {name, template, clusterScope}`.
#[derive(Clone, Debug)]
pub struct TemplateRef {
    pub name: String,
    pub template: String,
    pub cluster_scope: bool,
    pub span: Span,
}

impl TemplateRef {
    pub fn parse(node: &Node) -> TemplateRef {
        TemplateRef {
            name: text(node, "name").unwrap_or_default(),
            template: text(node, "template").unwrap_or_default(),
            cluster_scope: flag(node, "clusterScope"),
            span: node.span,
        }
    }
}

/// What a DAG task or a step calls, and how.
#[derive(Clone, Debug)]
pub struct Invocation {
    pub name: String,
    pub template: Option<String>,
    pub template_ref: Option<TemplateRef>,
    pub inline: Option<Node>,
    pub arguments: Arguments,
    pub when: Option<String>,
    pub with_items: Option<Node>,
    pub with_param: Option<String>,
    pub with_sequence: Option<Node>,
    pub dependencies: Vec<String>,
    pub depends: Option<String>,
    pub continue_on_failed: bool,
    pub continue_on_error: bool,
    pub on_exit: Option<String>,
    pub hooks: Vec<Hook>,
    pub span: Span,
    pub raw: Node,
}

pub(crate) const INVOCATION_FIELDS: &[&str] = &[
    // From the Argo Workflows v4.1 JSON schema.
    "arguments",
    "continueOn",
    "dependencies",
    "depends",
    "hooks",
    "inline",
    "name",
    "onExit",
    "template",
    "templateRef",
    "when",
    "withItems",
    "withParam",
    "withSequence",
];

impl Invocation {
    pub fn parse(node: &Node, diags: &mut Vec<Diagnostic>) -> Invocation {
        Invocation::from_node(node.clone(), diags)
    }

    /// Parses a task or step that is no longer needed as a node (it becomes `raw`): a loop's
    /// substituted item is parsed without another copy.
    pub fn from_node(node: Node, diags: &mut Vec<Diagnostic>) -> Invocation {
        let mut inv = Invocation::read(&node, diags);
        inv.raw = node;
        inv
    }

    fn read(node: &Node, diags: &mut Vec<Diagnostic>) -> Invocation {
        warn_unknown(node, INVOCATION_FIELDS, "task or step", diags);
        let continue_on = node.get("continueOn");
        Invocation {
            name: text(node, "name").unwrap_or_default(),
            template: text(node, "template"),
            template_ref: node.get("templateRef").map(TemplateRef::parse),
            inline: node.get("inline").cloned(),
            arguments: node
                .get("arguments")
                .map(Arguments::parse)
                .unwrap_or_default(),
            when: value_text(node.get("when")),
            with_items: node.get("withItems").cloned(),
            with_param: value_text(node.get("withParam")),
            with_sequence: node.get("withSequence").cloned(),
            dependencies: seq(node, "dependencies")
                .iter()
                .filter_map(|n| n.as_str().map(str::to_string))
                .collect(),
            depends: value_text(node.get("depends")),
            continue_on_failed: continue_on.is_some_and(|c| flag(c, "failed")),
            continue_on_error: continue_on.is_some_and(|c| flag(c, "error")),
            on_exit: text(node, "onExit"),
            hooks: node.get("hooks").map(Hook::parse_all).unwrap_or_default(),
            span: node.span,
            // Set by `from_node` (an empty mapping allocates nothing).
            raw: Node {
                value: Value::Mapping(Vec::new()),
                span: node.span,
                tag: None,
            },
        }
    }
}

/// One container of a `containerSet`.
#[derive(Clone, Debug)]
pub struct SetContainer {
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub dependencies: Vec<String>,
    /// `resources.limits.memory`, a Kubernetes quantity as written (`50Mi`).
    pub memory_limit: Option<String>,
}

/// `containerSet.retryStrategy`: the emissary runs a failing container's command again in the
/// same container (`retries`, `duration` between attempts), not a new pod.
#[derive(Clone, Debug, Default)]
pub struct SetRetryStrategy {
    /// An int or a string, as written.
    pub retries: Option<String>,
    pub duration: Option<String>,
}

/// An `http` template's request, with the rule that judges the response.
#[derive(Clone, Debug, Default)]
pub struct Http {
    pub url: String,
    /// As written; empty is GET (Go's `http.NewRequest`).
    pub method: String,
    /// `headers[]` as `(name, value)`; `None`: the value comes `valueFrom` a Secret, whose
    /// content the simulation does not know.
    pub headers: Vec<(String, Option<String>)>,
    pub body: String,
    /// An expr-lang condition on `request` and `response`; `None`: any 2xx succeeds.
    pub success_condition: Option<String>,
    /// The request's deadline in seconds, as written.
    pub timeout_seconds: Option<String>,
}

/// What a template does.
#[derive(Clone, Debug)]
pub enum TemplateBody {
    Container {
        command: Vec<String>,
        args: Vec<String>,
        image: String,
    },
    Script {
        command: Vec<String>,
        args: Vec<String>,
        source: String,
        image: String,
    },
    ContainerSet {
        containers: Vec<SetContainer>,
        retry_strategy: Option<SetRetryStrategy>,
    },
    /// `resource`: a kubectl action on a manifest (`manifest`, or the text of the input
    /// artifact `manifestFrom.artifact` names), then a wait for the conditions.
    Resource {
        action: String,
        manifest: String,
        manifest_from: Option<String>,
        merge_strategy: Option<String>,
        flags: Vec<String>,
        success_condition: Option<String>,
        failure_condition: Option<String>,
    },
    Suspend {
        duration: Option<String>,
    },
    Dag {
        tasks: Vec<Node>,
        fail_fast: bool,
        target: Option<String>,
    },
    Steps {
        groups: Vec<Vec<Node>>,
    },
    /// `http`: a request the workflow's agent sends (`workflow/http` answers it).
    Http(Http),
    /// `data`: a source (`artifactPaths`, the keys stored under an artifact's location) and
    /// the `expression`s of its `transformation`, in order.
    Data {
        artifact_paths: Option<Artifact>,
        expressions: Vec<String>,
    },
    Plugin,
    /// A template with none of the known bodies.
    Missing,
}

/// One template.
#[derive(Clone, Debug)]
pub struct Template {
    pub name: String,
    pub inputs: Arguments,
    pub outputs: Arguments,
    pub body: TemplateBody,
    pub retry_strategy: Option<RetryStrategy>,
    pub active_deadline_seconds: Option<String>,
    pub timeout: Option<String>,
    pub parallelism: Option<u64>,
    /// The template's own `failFast` (not `dag.failFast`): on only when set `true`, as Argo's
    /// `Template.IsFailFast`.
    pub fail_fast: bool,
    pub daemon: bool,
    pub memoize: Option<Node>,
    pub synchronization: Option<Node>,
    pub hooks: Vec<Hook>,
    /// Names of the volumes the template's containers mount.
    pub volume_mounts: Vec<String>,
    /// `(volume, mountPath)` of the `container`'s or `script`'s mounts.
    pub mount_paths: Vec<(String, String)>,
    /// Names of the template's own `volumes`.
    pub volumes: Vec<String>,
    /// `metadata.annotations` (Pipelab's behaviour overrides live under `pipelab.dev/`).
    pub annotations: Vec<(String, String)>,
    pub span: Span,
}

/// The `name`s of the items of a list at `key`.
pub fn names(node: Option<&Node>, key: &str) -> Vec<String> {
    node.and_then(|n| n.get(key))
        .and_then(Node::as_sequence)
        .unwrap_or_default()
        .iter()
        .filter_map(|v| text(v, "name"))
        .collect()
}

pub const TEMPLATE_FIELDS: &[&str] = &[
    // From the Argo Workflows v4.1 JSON schema.
    "activeDeadlineSeconds",
    "affinity",
    "annotations",
    "archiveLocation",
    "automountServiceAccountToken",
    "container",
    "containerSet",
    "daemon",
    "dag",
    "data",
    "executor",
    "failFast",
    "hostAliases",
    "http",
    "initContainers",
    "inputs",
    "memoize",
    "metadata",
    "metrics",
    "name",
    "nodeSelector",
    "outputs",
    "parallelism",
    "pendingTimeout",
    "plugin",
    "podResources",
    "podSpecPatch",
    "priorityClassName",
    "resource",
    "resourceClaims",
    "retryStrategy",
    "schedulerName",
    "script",
    "securityContext",
    "serviceAccountName",
    "sidecars",
    "steps",
    "suspend",
    "synchronization",
    "timeout",
    "tolerations",
    "volumes",
];

/// A Kubernetes container's fields (`io.k8s.api.core.v1.Container` in the Argo Workflows v4.1
/// JSON schema): what `container`, `script` (also `source`) and a `containerSet`'s containers
/// (also `dependencies`) take. `argo lint` decodes strictly and rejects any other
/// (`lintfail/disallow-unknown.yaml`).
pub const CONTAINER_FIELDS: &[&str] = &[
    "args",
    "command",
    "env",
    "envFrom",
    "image",
    "imagePullPolicy",
    "lifecycle",
    "livenessProbe",
    "name",
    "ports",
    "readinessProbe",
    "resizePolicy",
    "resources",
    "restartPolicy",
    "restartPolicyRules",
    "securityContext",
    "startupProbe",
    "stdin",
    "stdinOnce",
    "terminationMessagePath",
    "terminationMessagePolicy",
    "tty",
    "volumeDevices",
    "volumeMounts",
    "workingDir",
];

/// Warns at each key of a container-like mapping that is neither a container's field nor one
/// of `extra`.
fn warn_unknown_container(node: &Node, extra: &[&str], what: &str, diags: &mut Vec<Diagnostic>) {
    let known = |key: &str| CONTAINER_FIELDS.contains(&key) || extra.contains(&key);
    warn_unknown_where(node, known, what, diags);
}

/// The scalar items of a list node, as text.
pub fn strings(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_sequence)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| value_text(Some(n)))
        .collect()
}

/// The fields that give a template its type; a template with none of them has no body.
pub const BODY_FIELDS: &[&str] = &[
    "container",
    "script",
    "containerSet",
    "resource",
    "suspend",
    "dag",
    "steps",
    "http",
    "data",
    "plugin",
];

/// A `steps` list's parallel groups (`steps: [{name: ...}]` without the inner list: one step
/// per group).
pub fn step_groups(steps: &Node) -> Vec<Vec<&Node>> {
    steps
        .as_sequence()
        .unwrap_or_default()
        .iter()
        .map(|g| match g.as_sequence() {
            Some(items) => items.iter().collect(),
            None => vec![g],
        })
        .collect()
}

impl Template {
    /// The warnings any read of a template gives: its fields and its containers' fields that
    /// Argo does not know. The editor's lint needs only these and the template's shape, so it
    /// does not build the body ([`Template::parse`]).
    pub fn check_fields(node: &Node, diags: &mut Vec<Diagnostic>) {
        warn_unknown(node, TEMPLATE_FIELDS, "template", diags);
        if let Some(c) = node.get("container") {
            warn_unknown_container(c, &[], "container", diags);
        }
        if let Some(c) = node.get("script") {
            warn_unknown_container(c, &["source"], "script", diags);
        }
        for c in node
            .get("containerSet")
            .and_then(|s| s.get("containers"))
            .and_then(Node::as_sequence)
            .unwrap_or_default()
        {
            warn_unknown_container(c, &["dependencies"], "containerSet container", diags);
        }
    }

    pub fn parse(node: &Node, diags: &mut Vec<Diagnostic>) -> Template {
        Template::check_fields(node, diags);
        let body = if let Some(c) = node.get("container") {
            TemplateBody::Container {
                command: strings(c.get("command")),
                args: strings(c.get("args")),
                image: text(c, "image").unwrap_or_default(),
            }
        } else if let Some(s) = node.get("script") {
            TemplateBody::Script {
                command: strings(s.get("command")),
                args: strings(s.get("args")),
                source: text(s, "source").unwrap_or_default(),
                image: text(s, "image").unwrap_or_default(),
            }
        } else if let Some(cs) = node.get("containerSet") {
            TemplateBody::ContainerSet {
                containers: seq(cs, "containers")
                    .iter()
                    .map(|c| SetContainer {
                        name: text(c, "name").unwrap_or_default(),
                        image: text(c, "image").unwrap_or_default(),
                        command: strings(c.get("command")),
                        args: strings(c.get("args")),
                        dependencies: strings(c.get("dependencies")),
                        memory_limit: c
                            .get("resources")
                            .and_then(|r| r.get("limits"))
                            .and_then(|l| text(l, "memory")),
                    })
                    .collect(),
                retry_strategy: cs.get("retryStrategy").map(|r| SetRetryStrategy {
                    retries: text(r, "retries"),
                    duration: text(r, "duration"),
                }),
            }
        } else if let Some(r) = node.get("resource") {
            TemplateBody::Resource {
                action: text(r, "action").unwrap_or_default(),
                manifest: text(r, "manifest").unwrap_or_default(),
                manifest_from: r
                    .get("manifestFrom")
                    .and_then(|m| m.get("artifact"))
                    .and_then(|a| text(a, "name")),
                merge_strategy: text(r, "mergeStrategy"),
                flags: strings(r.get("flags")),
                success_condition: text(r, "successCondition"),
                failure_condition: text(r, "failureCondition"),
            }
        } else if let Some(s) = node.get("suspend") {
            TemplateBody::Suspend {
                duration: value_text(s.get("duration")),
            }
        } else if let Some(d) = node.get("dag") {
            TemplateBody::Dag {
                tasks: seq(d, "tasks").to_vec(),
                fail_fast: d.get("failFast").and_then(Node::as_str) != Some("false"),
                target: value_text(d.get("target")),
            }
        } else if let Some(s) = node.get("steps") {
            TemplateBody::Steps {
                groups: step_groups(s)
                    .into_iter()
                    .map(|g| g.into_iter().cloned().collect())
                    .collect(),
            }
        } else if let Some(h) = node.get("http") {
            TemplateBody::Http(Http {
                url: text(h, "url").unwrap_or_default(),
                method: text(h, "method").unwrap_or_default(),
                headers: seq(h, "headers")
                    .iter()
                    .map(|e| {
                        let name = text(e, "name").unwrap_or_default();
                        let secret = e.get("valueFrom").is_some();
                        (
                            name,
                            (!secret).then(|| text(e, "value").unwrap_or_default()),
                        )
                    })
                    .collect(),
                body: text(h, "body").unwrap_or_default(),
                success_condition: text(h, "successCondition").filter(|c| !c.is_empty()),
                timeout_seconds: text(h, "timeoutSeconds"),
            })
        } else if let Some(d) = node.get("data") {
            let source = d.get("source");
            TemplateBody::Data {
                artifact_paths: source
                    .and_then(|s| s.get("artifactPaths"))
                    .map(Artifact::parse),
                expressions: seq(d, "transformation")
                    .iter()
                    .filter_map(|t| text(t, "expression"))
                    .collect(),
            }
        } else if node.get("plugin").is_some() {
            TemplateBody::Plugin
        } else {
            TemplateBody::Missing
        };
        let inputs = node.get("inputs").map(Arguments::parse).unwrap_or_default();
        let outputs = node
            .get("outputs")
            .map(Arguments::parse)
            .unwrap_or_default();
        Template {
            name: text(node, "name").unwrap_or_default(),
            inputs,
            outputs,
            body,
            retry_strategy: node.get("retryStrategy").map(RetryStrategy::parse),
            active_deadline_seconds: value_text(node.get("activeDeadlineSeconds")),
            timeout: value_text(node.get("timeout")),
            parallelism: number(node, "parallelism"),
            fail_fast: flag(node, "failFast"),
            daemon: flag(node, "daemon"),
            memoize: node.get("memoize").cloned(),
            synchronization: node.get("synchronization").cloned(),
            hooks: node.get("hooks").map(Hook::parse_all).unwrap_or_default(),
            volume_mounts: ["container", "script"]
                .iter()
                .flat_map(|k| names(node.get(k), "volumeMounts"))
                .chain(
                    node.get("containerSet")
                        .and_then(|c| c.get("containers"))
                        .and_then(Node::as_sequence)
                        .unwrap_or_default()
                        .iter()
                        .flat_map(|c| names(Some(c), "volumeMounts")),
                )
                .collect(),
            mount_paths: ["container", "script"]
                .iter()
                .filter_map(|k| node.get(k)?.get("volumeMounts")?.as_sequence())
                .flatten()
                .filter_map(|m| Some((text(m, "name")?, text(m, "mountPath")?)))
                .collect(),
            volumes: names(Some(node), "volumes"),
            annotations: node
                .get("metadata")
                .and_then(|m| m.get("annotations"))
                .and_then(Node::as_mapping)
                .unwrap_or_default()
                .iter()
                .filter_map(|e| Some((e.key.as_str()?.to_string(), value_text(Some(&e.value))?)))
                .collect(),
            span: node.span,
        }
    }

    /// The node type Argo gives a node running this template.
    pub fn node_type(&self) -> &'static str {
        match self.body {
            TemplateBody::Dag { .. } => "DAG",
            TemplateBody::Steps { .. } => "Steps",
            TemplateBody::Suspend { .. } => "Suspend",
            TemplateBody::Http { .. } | TemplateBody::Plugin => "HTTP",
            _ => "Pod",
        }
    }
}

/// The scalar text at `key`.
pub fn text(node: &Node, key: &str) -> Option<String> {
    node.get(key).and_then(|v| value_text(Some(v)))
}

/// A node as parameter text: scalars as written, collections as JSON.
pub fn value_text(node: Option<&Node>) -> Option<String> {
    let node = node?;
    if let Some(s) = node.as_str() {
        if node.is_null() && s != "null" && !s.is_empty() {
            return None;
        }
        return Some(s.to_string());
    }
    Some(to_json(node).to_string())
}

fn flag(node: &Node, key: &str) -> bool {
    node.get(key).and_then(Node::as_str) == Some("true")
}

fn number(node: &Node, key: &str) -> Option<u64> {
    node.get(key)
        .and_then(Node::as_str)
        .and_then(|s| s.trim().parse().ok())
}

fn seq<'a>(node: &'a Node, key: &str) -> &'a [Node] {
    node.get(key)
        .and_then(Node::as_sequence)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    fn template(yaml_text: &str) -> Node {
        crate::yaml::load(FileId(0), yaml_text)
            .documents
            .remove(0)
            .root
    }

    /// The lint tells a template's type from [`BODY_FIELDS`] without parsing it: every field
    /// there gives a body, the first one present decides (as `Template::parse`'s order does),
    /// and a template with none of them has no body.
    #[test]
    fn body_fields_are_what_parse_reads() {
        for field in BODY_FIELDS {
            let node = template(&format!("name: t\n{field}: {{}}\n"));
            let body = Template::parse(&node, &mut Vec::new()).body;
            assert!(!matches!(body, TemplateBody::Missing), "{field}");
        }
        let node = template("name: t\nsteps: []\ncontainer: {image: alpine}\n");
        let first = BODY_FIELDS.iter().find(|k| node.get(k).is_some());
        assert_eq!(first, Some(&"container"));
        let body = Template::parse(&node, &mut Vec::new()).body;
        assert!(matches!(body, TemplateBody::Container { .. }));
        let node = template("name: t\ninputs: {}\n");
        assert!(matches!(
            Template::parse(&node, &mut Vec::new()).body,
            TemplateBody::Missing
        ));
    }
}
