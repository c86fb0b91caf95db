//! Typed Argo and Kubernetes manifests loaded from YAML nodes, keeping their spans.
//!
//! **Architecture Invariant:** loading never fails hard and never panics: a manifest that does
//! not fit the schema keeps what could be read, and every field Pipelab does not know or does not
//! simulate is reported as a warning at its location.
//!
//! [`Manifests`] holds every document by kind. Workflow specs are typed in [`spec`] (templates,
//! DAG tasks, steps); Events and RBAC objects in [`events`]; [`lint`] checks like `argo lint`.

pub mod events;
pub mod fields;
pub mod json;
pub mod lint;
pub mod spec;
pub mod texts;

use crate::diag::{Diagnostic, FileId, Span};
use crate::yaml::Node;

pub use events::{EventSource, Rbac, Sensor};
pub use spec::{Template, WorkflowSpec};

/// The kinds of object Pipelab simulates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Workflow,
    WorkflowTemplate,
    ClusterWorkflowTemplate,
    CronWorkflow,
    EventBus,
    EventSource,
    Sensor,
    Role,
    ClusterRole,
    RoleBinding,
    ClusterRoleBinding,
    ServiceAccount,
    ConfigMap,
    Secret,
}

impl Kind {
    pub fn parse(kind: &str) -> Option<Kind> {
        Some(match kind {
            "Workflow" => Kind::Workflow,
            "WorkflowTemplate" => Kind::WorkflowTemplate,
            "ClusterWorkflowTemplate" => Kind::ClusterWorkflowTemplate,
            "CronWorkflow" => Kind::CronWorkflow,
            "EventBus" => Kind::EventBus,
            "EventSource" => Kind::EventSource,
            "Sensor" => Kind::Sensor,
            "Role" => Kind::Role,
            "ClusterRole" => Kind::ClusterRole,
            "RoleBinding" => Kind::RoleBinding,
            "ClusterRoleBinding" => Kind::ClusterRoleBinding,
            "ServiceAccount" => Kind::ServiceAccount,
            "ConfigMap" => Kind::ConfigMap,
            "Secret" => Kind::Secret,
            _ => return None,
        })
    }
}

/// One Kubernetes object as written: its kind, metadata and the whole document.
#[derive(Clone, Debug)]
pub struct Manifest {
    pub kind: Kind,
    pub name: String,
    pub generate_name: Option<String>,
    pub namespace: Option<String>,
    pub file: FileId,
    pub root: Node,
}

impl Manifest {
    pub fn spec(&self) -> Option<&Node> {
        self.root.get("spec")
    }

    /// The namespace, `default` when none is written.
    pub fn namespace_or_default(&self) -> &str {
        self.namespace.as_deref().unwrap_or("default")
    }
}

/// Every manifest of a workspace, in file and document order.
#[derive(Clone, Debug, Default)]
pub struct Manifests {
    pub items: Vec<Manifest>,
}

impl Manifests {
    /// Reads the manifests out of loaded documents; documents of other kinds are skipped
    /// silently (they belong to other engines), Kubernetes kinds Pipelab ignores get a warning.
    pub fn from_documents<'a>(
        docs: impl IntoIterator<Item = (FileId, &'a Node)>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Manifests {
        let mut items = Vec::new();
        for (file, root) in docs {
            let Some(kind_text) = root.get("kind").and_then(Node::as_str) else {
                continue;
            };
            let Some(kind) = Kind::parse(kind_text) else {
                if root.get("apiVersion").is_some() {
                    if let Some(k) = root.get("kind") {
                        diagnostics.push(
                            Diagnostic::warning(
                                "argo-unsupported-kind",
                                format!("kind '{kind_text}' is not simulated; it is ignored"),
                            )
                            .with_span(k.span),
                        );
                    }
                }
                continue;
            };
            let meta = root.get("metadata");
            let text = |key: &str| {
                meta.and_then(|m| m.get(key))
                    .and_then(Node::as_str)
                    .map(str::to_string)
            };
            let mut root = root.clone();
            fields::canonicalize(kind, &mut root, diagnostics);
            items.push(Manifest {
                kind,
                name: text("name").unwrap_or_default(),
                generate_name: text("generateName"),
                namespace: text("namespace"),
                file,
                root,
            });
        }
        Manifests { items }
    }

    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Manifest> {
        self.items.iter().filter(move |m| m.kind == kind)
    }

    pub fn find(&self, kind: Kind, name: &str) -> Option<&Manifest> {
        self.of_kind(kind).find(|m| m.name == name)
    }
}

/// Reports every key of `node` (a mapping) that is not in `known`, as a warning.
pub fn warn_unknown(node: &Node, known: &[&str], what: &str, out: &mut Vec<Diagnostic>) {
    warn_unknown_where(node, |key| known.contains(&key), what, out);
}

/// [`warn_unknown`] with the known keys told by `is_known`.
pub fn warn_unknown_where(
    node: &Node,
    is_known: impl Fn(&str) -> bool,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    for e in node.as_mapping().unwrap_or_default() {
        let Some(key) = e.key.as_str() else { continue };
        if !is_known(key) {
            out.push(
                Diagnostic::warning(
                    "argo-unknown-field",
                    format!("unknown field \"{key}\" in {what}"),
                )
                .with_span(e.key.span),
            );
        }
    }
}

/// A span pointing at nothing in particular (for objects created during a simulation).
pub fn no_span() -> Span {
    Span::point(FileId(u32::MAX), 0)
}
