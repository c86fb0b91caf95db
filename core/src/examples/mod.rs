//! Built-in teaching examples, opened by `#example/<id>`: every scenario of the source posts,
//! written as multi-file workspaces for Pipelab. The files live beside this module so they can be
//! read and edited as YAML.

/// One built-in example.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Example {
    pub id: &'static str,
    pub engine: Engine,
    pub title: &'static str,
    pub summary: &'static str,
    /// `(name, text)` in tab order; the first file opens first.
    pub files: &'static [(&'static str, &'static str)],
}

/// Which engine an example is for (the page groups the list by it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Azure,
    Argo,
}

impl Engine {
    pub fn label(self) -> &'static str {
        match self {
            Engine::Azure => "Azure Pipelines",
            Engine::Argo => "Argo Events + Workflows",
        }
    }
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
        engine: Engine::Argo,
        title: "Event-driven ML pipeline",
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
        id: "argo-events-rbac-forbidden",
        engine: Engine::Argo,
        title: "A Role without create (forbidden)",
        summary: "The same pipeline, but the Sensor's Role lacks `create` on workflows: the trigger fails with Kubernetes' forbidden error and no Workflow appears.",
        files: &[
            ("role.yaml", include_str!("argo-events-rbac-forbidden/role.yaml")),
            ("event-source.yaml", include_str!("argo-events-ml-pipeline/event-source.yaml")),
            ("sensor.yaml", include_str!("argo-events-ml-pipeline/sensor.yaml")),
            ("workflowtemplate.yaml", include_str!("argo-events-ml-pipeline/workflowtemplate.yaml")),
            ("eventbus.yaml", include_str!("argo-events-ml-pipeline/eventbus.yaml")),
            ("rolebinding.yaml", include_str!("argo-events-ml-pipeline/rolebinding.yaml")),
            ("serviceaccount.yaml", include_str!("argo-events-ml-pipeline/serviceaccount.yaml")),
        ],
    },
    Example {
        id: "azure-stages-by-parameter",
        engine: Engine::Azure,
        title: "Stages from a parameter",
        summary: "A build stage, then one deployment stage per entry of an object parameter (${{ each }}).",
        files: files!("azure-stages-by-parameter": "azure-pipelines.yml"),
    },
    Example {
        id: "azure-variable-group-dynamic-name",
        engine: Engine::Azure,
        title: "Variable groups by dynamic name",
        summary: "Each deployment stage loads the variable group groupvars_<stage>; the Library holds the groups.",
        files: files!("azure-variable-group-dynamic-name":
            "azure-pipelines.yml",
            ".pipelab/variable-groups.yml",
        ),
    },
    Example {
        id: "azure-variable-group-object-parameter",
        engine: Engine::Azure,
        title: "Variable groups from an object parameter",
        summary: "The stages parameter names each stage's variable group: {name, group}.",
        files: files!("azure-variable-group-object-parameter":
            "azure-pipelines.yml",
            ".pipelab/variable-groups.yml",
        ),
    },
    Example {
        id: "azure-variable-templates",
        engine: Engine::Azure,
        title: "Variable templates by dynamic name",
        summary: "Each deployment stage loads the variable template vars_<stage>.yml.",
        files: files!("azure-variable-templates":
            "azure-pipelines.yml",
            "vars_dev.yml",
            "vars_prod.yml",
        ),
    },
    Example {
        id: "azure-shared-template",
        engine: Engine::Azure,
        title: "A shared template with extends and @self",
        summary: "A boilerplate pipeline extends environments.yml@templates, passing stepLists; variable files load @self.",
        files: files!("azure-shared-template":
            "azure-pipelines.yml",
            "@templates/environments.yml",
            "vars_dev.yml",
            "vars_prod.yml",
            ".pipelab/variable-groups.yml",
        ),
    },
    Example {
        id: "azure-dynamic-multistage",
        engine: Engine::Azure,
        title: "Environments × subscriptions × regions",
        summary: "A pipeline extends a shared template that builds once and deploys to every environment × subscription × region.",
        files: files!("azure-dynamic-multistage":
            "azure-pipelines.yml",
            "@templates/environments.yml",
            "vars_dev.yml",
            "vars_prod.yml",
        ),
    },    Example {
        id: "azure-custom-release-template",
        engine: Engine::Azure,
        title: "A custom release template per region",
        summary: "The central environments × subscriptions × regions template runs the project's own release.yml@self jobs.",
        files: files!("azure-custom-release-template":
            "azure-pipelines.yml",
            "@templates/environments.yml",
            "release.yml",
            "vars_dev.yml",
            "vars_prod.yml",
        ),
    },

];

impl Example {
    /// The example as the Azure engine's input, its pipeline `azure-pipelines.yml` the entry.
    pub fn azure_input(&self) -> crate::azure::template::Input {
        crate::azure::template::Input {
            files: self
                .files
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            entry: "azure-pipelines.yml".into(),
            ..crate::azure::template::Input::default()
        }
    }
}

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
