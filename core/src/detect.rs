//! What each YAML document is: an Azure pipeline or template, an Argo or Kubernetes manifest.
//!
//! Azure decides whether a file is a pipeline or a template by how it is used, not by its content,
//! so a file that another file names in `template:` is a template; otherwise the top-level keys
//! decide. Kubernetes manifests are recognised by `apiVersion` + `kind`.

use serde::Serialize;

use crate::yaml::{Node, Value};

/// The kind of one document, as shown in the page's document list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum DocKind {
    /// An Azure Pipelines entry point (it may `extends:` a template).
    AzurePipeline,
    /// An Azure template, named by what it contributes.
    AzureTemplate { contributes: TemplateKind },
    /// The Azure DevOps project's variable groups, as Pipelab holds them (see
    /// [`crate::azure::library`]).
    AzureVariableGroups,
    /// A Kubernetes manifest; `argoproj.io` kinds are Argo's.
    Manifest { api_version: String, kind: String },
    /// YAML that is none of the above (or empty).
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TemplateKind {
    Stages,
    Jobs,
    Steps,
    Variables,
    Extends,
    /// A template with only parameters (or nothing Azure would insert).
    Parameters,
}

impl DocKind {
    /// A short human label, e.g. "Azure pipeline", "Azure job template", "Argo Sensor".
    pub fn label(&self) -> String {
        match self {
            DocKind::AzurePipeline => "Azure pipeline".into(),
            DocKind::AzureTemplate { contributes } => {
                let what = match contributes {
                    TemplateKind::Stages => "stage",
                    TemplateKind::Jobs => "job",
                    TemplateKind::Steps => "step",
                    TemplateKind::Variables => "variable",
                    TemplateKind::Extends => "extends",
                    TemplateKind::Parameters => "parameters-only",
                };
                format!("Azure {what} template")
            }
            DocKind::AzureVariableGroups => "Azure variable groups (Library)".into(),
            DocKind::Manifest { api_version, kind } if api_version.starts_with("argoproj.io/") => {
                format!("Argo {kind}")
            }
            DocKind::Manifest { kind, .. } => format!("Kubernetes {kind}"),
            DocKind::Other => "YAML".into(),
        }
    }

    pub fn is_azure(&self) -> bool {
        matches!(self, DocKind::AzurePipeline | DocKind::AzureTemplate { .. })
    }
}

/// Top-level keys that only an entry pipeline may have.
const PIPELINE_ONLY_KEYS: &[&str] = &[
    "trigger",
    "pr",
    "schedules",
    "resources",
    "pool",
    "name",
    "appendCommitMessageToRunName",
    "lockBehavior",
];

/// Classifies one document. `is_referenced` says whether another file uses this file as a template.
pub fn classify(root: &Node, is_referenced: bool) -> DocKind {
    let Value::Mapping(_) = &root.value else {
        return DocKind::Other;
    };
    if let (Some(api_version), Some(kind)) = (
        root.get("apiVersion").and_then(Node::as_str),
        root.get("kind").and_then(Node::as_str),
    ) {
        return DocKind::Manifest {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
        };
    }
    if crate::azure::library::is_library(root) {
        return DocKind::AzureVariableGroups;
    }
    let has = |k: &str| root.get(k).is_some();
    let contributes = if has("extends") {
        Some(TemplateKind::Extends)
    } else if has("stages") {
        Some(TemplateKind::Stages)
    } else if has("jobs") {
        Some(TemplateKind::Jobs)
    } else if has("steps") {
        Some(TemplateKind::Steps)
    } else if has("variables") {
        Some(TemplateKind::Variables)
    } else if has("parameters") {
        Some(TemplateKind::Parameters)
    } else {
        None
    };
    let pipeline_only = PIPELINE_ONLY_KEYS.iter().any(|k| has(k));
    match contributes {
        _ if pipeline_only && !is_referenced => DocKind::AzurePipeline,
        Some(contributes) if is_referenced => DocKind::AzureTemplate { contributes },
        Some(TemplateKind::Variables | TemplateKind::Parameters) => DocKind::AzureTemplate {
            contributes: contributes.unwrap_or(TemplateKind::Parameters),
        },
        Some(_) => DocKind::AzurePipeline,
        None if pipeline_only => DocKind::AzurePipeline,
        None => DocKind::Other,
    }
}

/// Resolves a `template:` reference made from file `from` to a workspace file name, following
/// Azure's rules: paths are relative to the referencing file's folder, a leading `/` is relative
/// to the repository root, and `path@alias` names a file relative to the root of repository
/// `alias`, which the workspace holds under `@alias/`. `@self` is the pipeline's repository.
pub fn resolve_reference(from: &str, reference: &str) -> Option<String> {
    let (path, alias) = match reference.rsplit_once('@') {
        Some((p, a)) if !a.contains('/') => (p, Some(a)),
        _ => (reference, None),
    };
    let (from_repo, from_path) = split_repo(from);
    let repo = match alias {
        Some("self") => None,
        Some(a) => Some(a),
        None => from_repo,
    };
    let joined = if let Some(abs) = path.strip_prefix('/') {
        abs.to_string()
    } else if alias.is_some() {
        // `path@alias` (including `@self`) is relative to that repository's root.
        path.to_string()
    } else {
        match from_path.rsplit_once('/') {
            Some((dir, _)) => format!("{dir}/{path}"),
            None => path.to_string(),
        }
    };
    let normal = normalize(&joined)?;
    Some(match repo {
        Some(r) => format!("@{r}/{normal}"),
        None => normal,
    })
}

/// `@alias/path` → (`Some(alias)`, `path`); any other name → (`None`, name).
pub fn split_repo(name: &str) -> (Option<&str>, &str) {
    match name.strip_prefix('@').and_then(|rest| rest.split_once('/')) {
        Some((alias, path)) => (Some(alias), path),
        None => (None, name),
    }
}

fn normalize(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_resolve_like_azure() {
        let cases = [
            (
                "azure-pipelines.yml",
                "templates/env.yml",
                Some("templates/env.yml"),
            ),
            (
                "templates/env.yml",
                "jobs/deploy.yml",
                Some("templates/jobs/deploy.yml"),
            ),
            ("templates/env.yml", "../vars_dev.yml", Some("vars_dev.yml")),
            ("templates/env.yml", "/vars_dev.yml", Some("vars_dev.yml")),
            (
                "azure-pipelines.yml",
                "environments.yml@templates",
                Some("@templates/environments.yml"),
            ),
            (
                "@templates/environments.yml",
                "vars_dev.yml@self",
                Some("vars_dev.yml"),
            ),
            (
                "@templates/environments.yml",
                "release.yml",
                Some("@templates/release.yml"),
            ),
            ("@templates/a/b.yml", "../c.yml", Some("@templates/c.yml")),
            ("a.yml", "../../x.yml", None),
        ];
        for (from, reference, expected) in cases {
            assert_eq!(
                resolve_reference(from, reference).as_deref(),
                expected,
                "{from} -> {reference}"
            );
        }
    }
}
