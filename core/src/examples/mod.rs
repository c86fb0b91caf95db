//! Built-in teaching examples, opened by `#example/<id>`: every scenario of the source posts,
//! written as multi-file workspaces for Pipelab. The files live beside this module so they can be
//! read and edited as YAML.

/// One built-in example.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Example {
    pub id: &'static str,
    pub title: &'static str,
    pub summary: &'static str,
    /// `(name, text)` in tab order; the first file opens first.
    pub files: &'static [(&'static str, &'static str)],
}

macro_rules! files {
    ($dir:literal: $($name:literal),+ $(,)?) => {
        &[$(($name, include_str!(concat!($dir, "/", $name)))),+]
    };
}

/// Every example, in the order the page lists them.
pub const EXAMPLES: &[Example] = &[
    Example {
        id: "argo-events-ml-pipeline",
        title: "Argo Events: event-driven ML pipeline",
        summary: "A webhook POST with {\"model\",\"dataset\"} fires a Sensor that creates a Workflow from a train → evaluate WorkflowTemplate.",
        files: files!("argo-events-ml-pipeline":
            "event-source.yaml",
            "sensor.yaml",
            "workflowtemplate.yaml",
            "eventbus.yaml",
            "role.yaml",
            "rolebinding.yaml",
            "serviceaccount.yaml",
        ),
    },
    Example {
        id: "azure-dynamic-multistage",
        title: "Azure Pipelines: dynamic multistage deployments",
        summary: "A pipeline extends a shared template that builds once and deploys to every environment × subscription × region.",
        files: files!("azure-dynamic-multistage":
            "azure-pipelines.yml",
            "@templates/environments.yml",
            "vars_dev.yml",
            "vars_prod.yml",
        ),
    },
];

/// Finds an example by id.
pub fn find(id: &str) -> Option<&'static Example> {
    EXAMPLES.iter().find(|e| e.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::DocKind;
    use crate::workspace::analyze;

    #[test]
    fn examples_load_without_problems() {
        for example in EXAMPLES {
            let analysis = analyze(example.files.iter().copied());
            let rendered: Vec<String> = analysis
                .diagnostics
                .iter()
                .map(|d| crate::diag::render_short(d, &analysis.sources))
                .collect();
            assert!(rendered.is_empty(), "{}: {rendered:#?}", example.id);
            assert!(!analysis.documents.is_empty());
            assert!(
                analysis.documents.iter().all(|d| d.kind != DocKind::Other),
                "{}",
                example.id
            );
        }
    }

    #[test]
    fn ids_are_unique_and_link_safe() {
        for (i, e) in EXAMPLES.iter().enumerate() {
            assert!(e
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            assert!(EXAMPLES[..i].iter().all(|o| o.id != e.id));
            assert_eq!(find(e.id), Some(e));
        }
    }
}
