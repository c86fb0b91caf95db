//! Field names as the argo CLI reads them: Go's `encoding/json` takes a key that matches no
//! field exactly for the field it matches ignoring case.
//!
//! `argo submit`, `argo template create` and Argo's Go e2e fixtures decode a manifest with
//! `sigs.k8s.io/yaml` (YAML → JSON → `encoding/json`), whose field lookup prefers an exact
//! match but accepts a case-insensitive one, then send the typed object on with its canonical
//! names. So `valueFrom: {Parameter: ...}` (as Argo's own TestDAGLevelMemoize and
//! TestStepLevelMemoize write it) is `parameter`. [`canonicalize`] renames such keys once, when
//! a manifest is read from a file, and warns at the key: the templates' readers then see only
//! canonical names. A Workflow that a Sensor creates is not read this way: argo-events sends
//! its resource as unstructured JSON, and the controller's conversion from unstructured objects
//! matches names exactly.
//!
//! The structures walked are the Argo Workflows types Pipelab reads (field lists from the v4.1
//! JSON schema); Kubernetes types inside them (containers, volumes, metadata) are left as
//! written, and so are maps, whose keys are data. Case is folded for ASCII only (Go also folds
//! the Kelvin sign and the long s).

use crate::diag::Diagnostic;
use crate::yaml::{Node, Scalar, Value};

use super::spec::{INVOCATION_FIELDS, SPEC_FIELDS, TEMPLATE_FIELDS};
use super::Kind;

/// Renames the keys of `root`, a manifest of kind `kind`, that Go would read as another
/// field's name, with a warning at each.
pub fn canonicalize(kind: Kind, root: &mut Node, out: &mut Vec<Diagnostic>) {
    let shape = match kind {
        Kind::Workflow | Kind::WorkflowTemplate | Kind::ClusterWorkflowTemplate => &WORKFLOW,
        Kind::CronWorkflow => &CRON_WORKFLOW,
        _ => return,
    };
    walk(root, shape, out);
}

/// A Go struct: its JSON field names and the fields that hold other structs walked here.
struct Struct {
    fields: &'static [&'static str],
    children: &'static [(&'static str, Child)],
}

#[derive(Clone, Copy)]
enum Child {
    One(&'static Struct),
    List(&'static Struct),
    /// `steps`: a list of parallel groups.
    ListOfLists(&'static Struct),
    /// A map from names (data) to structs, such as `hooks`.
    Map(&'static Struct),
}

fn walk(node: &mut Node, shape: &Struct, out: &mut Vec<Diagnostic>) {
    let Value::Mapping(entries) = &mut node.value else {
        return;
    };
    for i in 0..entries.len() {
        let Some(key) = entries[i].key.as_str() else {
            continue;
        };
        let name = if shape.fields.contains(&key) {
            key.to_string()
        } else if let Some(field) = shape
            .fields
            .iter()
            .find(|f| f.eq_ignore_ascii_case(key))
            .filter(|f| !entries.iter().any(|e| e.key.as_str() == Some(f)))
        {
            out.push(
                Diagnostic::warning(
                    "argo-field-case",
                    format!(
                        "\"{key}\" is read as \"{field}\": Argo decodes manifests with Go's \
                         encoding/json, which matches field names ignoring case"
                    ),
                )
                .with_span(entries[i].key.span),
            );
            let style = entries[i].key.as_scalar().map(|s| s.style);
            if let Some(style) = style {
                entries[i].key.value = Value::Scalar(Scalar {
                    text: field.to_string(),
                    style,
                });
            }
            field.to_string()
        } else {
            continue;
        };
        let Some(&(_, child)) = shape.children.iter().find(|(f, _)| *f == name) else {
            continue;
        };
        let value = &mut entries[i].value;
        match (child, &mut value.value) {
            (Child::One(s), _) => walk(value, s, out),
            (Child::List(s), Value::Sequence(items)) => {
                items.iter_mut().for_each(|n| walk(n, s, out));
            }
            (Child::ListOfLists(s), Value::Sequence(groups)) => {
                for group in groups {
                    if let Value::Sequence(items) = &mut group.value {
                        items.iter_mut().for_each(|n| walk(n, s, out));
                    }
                }
            }
            (Child::Map(s), Value::Mapping(named)) => {
                named.iter_mut().for_each(|e| walk(&mut e.value, s, out));
            }
            _ => {}
        }
    }
}

static WORKFLOW: Struct = Struct {
    fields: &["apiVersion", "kind", "metadata", "spec", "status"],
    children: &[("spec", Child::One(&WORKFLOW_SPEC))],
};

static CRON_WORKFLOW: Struct = Struct {
    fields: &["apiVersion", "kind", "metadata", "spec", "status"],
    children: &[("spec", Child::One(&CRON_WORKFLOW_SPEC))],
};

static CRON_WORKFLOW_SPEC: Struct = Struct {
    fields: &[
        "concurrencyPolicy",
        "failedJobsHistoryLimit",
        "schedules",
        "startingDeadlineSeconds",
        "stopStrategy",
        "successfulJobsHistoryLimit",
        "suspend",
        "timezone",
        "when",
        "workflowMetadata",
        "workflowSpec",
    ],
    children: &[("workflowSpec", Child::One(&WORKFLOW_SPEC))],
};

static WORKFLOW_SPEC: Struct = Struct {
    fields: SPEC_FIELDS,
    children: &[
        ("arguments", Child::One(&ARGUMENTS)),
        ("templates", Child::List(&TEMPLATE)),
        ("templateDefaults", Child::One(&TEMPLATE)),
        ("retryStrategy", Child::One(&RETRY_STRATEGY)),
        ("hooks", Child::Map(&LIFECYCLE_HOOK)),
        ("workflowTemplateRef", Child::One(&WORKFLOW_TEMPLATE_REF)),
    ],
};

static TEMPLATE: Struct = Struct {
    fields: TEMPLATE_FIELDS,
    children: &[
        ("inputs", Child::One(&ARGUMENTS)),
        ("outputs", Child::One(&OUTPUTS)),
        ("steps", Child::ListOfLists(&INVOCATION)),
        ("dag", Child::One(&DAG)),
        ("retryStrategy", Child::One(&RETRY_STRATEGY)),
        ("memoize", Child::One(&MEMOIZE)),
        ("suspend", Child::One(&SUSPEND)),
    ],
};

/// A step (WorkflowStep) or a DAG task (DAGTask; steps lack `dependencies` and `depends`).
static INVOCATION: Struct = Struct {
    fields: INVOCATION_FIELDS,
    children: &[
        ("arguments", Child::One(&ARGUMENTS)),
        ("continueOn", Child::One(&CONTINUE_ON)),
        ("hooks", Child::Map(&LIFECYCLE_HOOK)),
        ("inline", Child::One(&TEMPLATE)),
        ("templateRef", Child::One(&TEMPLATE_REF)),
        ("withSequence", Child::One(&SEQUENCE)),
    ],
};

static DAG: Struct = Struct {
    fields: &["failFast", "target", "tasks"],
    children: &[("tasks", Child::List(&INVOCATION))],
};

/// Arguments and Inputs (the same two fields).
static ARGUMENTS: Struct = Struct {
    fields: &["artifacts", "parameters"],
    children: &[
        ("parameters", Child::List(&PARAMETER)),
        ("artifacts", Child::List(&ARTIFACT)),
    ],
};

static OUTPUTS: Struct = Struct {
    fields: &["artifacts", "exitCode", "parameters", "result"],
    children: &[
        ("parameters", Child::List(&PARAMETER)),
        ("artifacts", Child::List(&ARTIFACT)),
    ],
};

static PARAMETER: Struct = Struct {
    fields: &[
        "default",
        "description",
        "enum",
        "globalName",
        "name",
        "value",
        "valueFrom",
    ],
    children: &[("valueFrom", Child::One(&VALUE_FROM))],
};

static VALUE_FROM: Struct = Struct {
    fields: &[
        "configMapKeyRef",
        "default",
        "event",
        "expression",
        "jqFilter",
        "jsonPath",
        "parameter",
        "path",
        "supplied",
    ],
    children: &[],
};

static ARTIFACT: Struct = Struct {
    fields: &[
        "archive",
        "archiveLogs",
        "artifactGC",
        "artifactory",
        "azure",
        "deleted",
        "from",
        "fromExpression",
        "gcs",
        "git",
        "globalName",
        "hdfs",
        "http",
        "mode",
        "name",
        "optional",
        "oss",
        "path",
        "plugin",
        "raw",
        "recurseMode",
        "s3",
        "subPath",
    ],
    children: &[],
};

static RETRY_STRATEGY: Struct = Struct {
    fields: &["affinity", "backoff", "expression", "limit", "retryPolicy"],
    children: &[("backoff", Child::One(&BACKOFF))],
};

static BACKOFF: Struct = Struct {
    fields: &["cap", "duration", "factor", "maxDuration"],
    children: &[],
};

static CONTINUE_ON: Struct = Struct {
    fields: &["error", "failed"],
    children: &[],
};

static TEMPLATE_REF: Struct = Struct {
    fields: &["clusterScope", "name", "template"],
    children: &[],
};

static WORKFLOW_TEMPLATE_REF: Struct = Struct {
    fields: &["clusterScope", "name"],
    children: &[],
};

static LIFECYCLE_HOOK: Struct = Struct {
    fields: &["arguments", "expression", "template", "templateRef"],
    children: &[
        ("arguments", Child::One(&ARGUMENTS)),
        ("templateRef", Child::One(&TEMPLATE_REF)),
    ],
};

static MEMOIZE: Struct = Struct {
    fields: &["cache", "key", "maxAge"],
    children: &[],
};

static SEQUENCE: Struct = Struct {
    fields: &["count", "end", "format", "start"],
    children: &[],
};

static SUSPEND: Struct = Struct {
    fields: &["duration"],
    children: &[],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::FileId;

    fn canonical(text: &str) -> (Node, Vec<Diagnostic>) {
        let mut root = crate::yaml::load(FileId(0), text).documents.remove(0).root;
        let mut out = Vec::new();
        canonicalize(Kind::Workflow, &mut root, &mut out);
        (root, out)
    }

    #[test]
    fn keys_matching_a_field_ignoring_case_take_its_name() {
        let (root, out) = canonical(
            "kind: Workflow\nSpec:\n  templates:\n  - name: t\n    Outputs:\n      parameters:\n      - name: o\n        valueFrom: {Parameter: x}\n",
        );
        let from = root
            .get("spec")
            .unwrap()
            .get("templates")
            .unwrap()
            .as_sequence()
            .unwrap()[0]
            .get("outputs")
            .unwrap()
            .get("parameters")
            .unwrap()
            .as_sequence()
            .unwrap()[0]
            .get("valueFrom")
            .unwrap();
        assert_eq!(from.get("parameter").and_then(Node::as_str), Some("x"));
        assert_eq!(out.len(), 3);
        assert!(out[2]
            .message
            .starts_with("\"Parameter\" is read as \"parameter\""));
    }

    #[test]
    fn exact_names_win_and_maps_keep_their_keys() {
        let (root, out) = canonical(
            "spec:\n  arguments:\n    parameters:\n    - {name: a, value: exact, Value: folded}\n  hooks:\n    Exit: {template: t}\n  podMetadata:\n    labels: {Name: x}\n",
        );
        let spec = root.get("spec").unwrap();
        let p = &spec
            .get("arguments")
            .unwrap()
            .get("parameters")
            .unwrap()
            .as_sequence()
            .unwrap()[0];
        assert_eq!(p.get("value").and_then(Node::as_str), Some("exact"));
        assert!(
            p.get("Value").is_some(),
            "a second key for a set field is left alone"
        );
        assert!(spec.get("hooks").unwrap().get("Exit").is_some());
        assert!(spec
            .get("podMetadata")
            .unwrap()
            .get("labels")
            .unwrap()
            .get("Name")
            .is_some());
        assert!(out.is_empty());
    }
}
