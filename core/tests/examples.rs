//! Every built-in teaching demo does what its source post says: each Azure example's final YAML
//! is snapshotted (they are the post's pipelines, one scenario each) with its variables as the
//! run would see them, and each Argo example's event gives the post's outcome.

use std::fmt::Write;

use pipelab_core::argo::events::EventSpec;
use pipelab_core::argo::run::{run, RunConfig};
use pipelab_core::azure::pipeline::{self, model::Library, Options};
use pipelab_core::azure::template::Input;
use pipelab_core::detect::DocKind;
use pipelab_core::examples::{Engine, Example, EXAMPLES};
use pipelab_core::workspace::analyze;

const POST: &str = r#"webhook/trigger={"model":"resnet","dataset":"imagenet"}"#;

fn is_azure(example: &Example) -> bool {
    example.engine == Engine::Azure
}

/// The final YAML, then each deployment job's variables as the run would resolve them.
fn azure_outcome(example: &Example) -> String {
    let analysis = analyze(example.files.iter().copied());
    let groups = analysis.variable_groups.clone().unwrap_or_default();
    let input = Input {
        variable_groups: groups.clone(),
        ..example.azure_input()
    };
    let outcome = pipeline::build(&input, Options::default());
    assert!(
        outcome.diagnostics.is_empty(),
        "{}: {:?}",
        example.id,
        outcome.diagnostics
    );
    let p = outcome.pipeline.expect("pipeline");
    let mut out = p.final_yaml();
    let library = Library {
        groups: &groups,
        ..Library::default()
    };
    let model = p.model_with(&outcome.sources, &library);
    out.push_str("\n# variables per job, as the run resolves them\n");
    for stage in model["stages"].as_array().into_iter().flatten() {
        for job in stage["jobs"].as_array().into_iter().flatten() {
            let values = &job["variables"]["values"];
            writeln!(
                out,
                "# {}.{}: {}",
                stage["name"].as_str().unwrap_or(""),
                job["name"].as_str().unwrap_or(""),
                values
            )
            .unwrap();
        }
    }
    out
}

#[test]
fn every_example_loads_and_is_what_it_says() {
    let azure = EXAMPLES.iter().filter(|e| is_azure(e)).count();
    assert!(azure >= 7, "every Azure scenario of the post is a demo");
    for example in EXAMPLES {
        let analysis = analyze(example.files.iter().copied());
        let pipelines = analysis
            .documents
            .iter()
            .filter(|d| d.kind == DocKind::AzurePipeline)
            .count();
        assert_eq!(pipelines, usize::from(is_azure(example)), "{}", example.id);
    }
}

#[test]
fn azure_examples_snapshots() {
    for example in EXAMPLES.iter().filter(|e| is_azure(e)) {
        insta::assert_snapshot!(example.id, azure_outcome(example));
    }
}

#[test]
fn variable_group_examples_resolve_the_group_variable() {
    for id in [
        "azure-variable-group-dynamic-name",
        "azure-variable-group-object-parameter",
        "azure-shared-template",
    ] {
        let example = pipelab_core::examples::find(id).unwrap();
        let out = azure_outcome(example);
        assert!(
            out.contains(r#""mygroupvar":"prod value from variable group groupvars_prod""#),
            "{id}:\n{out}"
        );
    }
}

#[test]
fn a_group_missing_from_the_library_is_azure_s_error() {
    let example = pipelab_core::examples::find("azure-variable-group-dynamic-name").unwrap();
    let files: Vec<(&str, String)> = example
        .files
        .iter()
        .map(|(n, t)| (*n, t.replace("groupvars_prod:", "groupvars_production:")))
        .collect();
    let analysis = analyze(files.iter().map(|(n, t)| (*n, t.as_str())));
    let rendered: Vec<String> = analysis
        .diagnostics
        .iter()
        .map(|d| pipelab_core::diag::render_short(d, &analysis.sources))
        .collect();
    assert_eq!(
        rendered,
        ["azure-pipelines.yml:17:16: error: Variable group groupvars_prod was not found or is not authorized for use. For authorization details, refer to https://aka.ms/yamlauthz."]
    );
}

#[test]
fn without_a_library_groups_are_not_judged() {
    let example = pipelab_core::examples::find("azure-variable-group-dynamic-name").unwrap();
    let files = example
        .files
        .iter()
        .filter(|(n, _)| !n.starts_with(".pipelab/"));
    let analysis = analyze(files.copied());
    assert!(analysis.variable_groups.is_none());
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
}

/// Fires the post's webhook POST at an Argo example.
fn argo_run(id: &str) -> pipelab_core::argo::run::RunReport {
    let example = pipelab_core::examples::find(id).unwrap();
    let manifests = analyze(example.files.iter().copied()).manifests(&mut Vec::new());
    let config = RunConfig {
        events: vec![EventSpec::parse(POST).unwrap()],
        ..RunConfig::default()
    };
    run(&manifests, &config)
}

#[test]
fn the_ml_pipeline_example_trains_then_evaluates() {
    let report = argo_run("argo-events-ml-pipeline");
    assert_eq!(report.workflows.len(), 1);
    assert_eq!(report.workflows[0].phase.as_str(), "Succeeded");
    // The Workflow as the Sensor sent it to the API server: the event's fields mapped in.
    let manifest = report.workflows[0]
        .manifest
        .as_ref()
        .expect("created by a trigger");
    assert_eq!(manifest["kind"], "Workflow");
    assert_eq!(manifest["metadata"]["generateName"], "ml-pipeline-run-");
    assert_eq!(
        manifest["spec"]["arguments"]["parameters"][0]["value"],
        "resnet"
    );
    assert_eq!(
        manifest["spec"]["arguments"]["parameters"][1]["value"],
        "imagenet"
    );
}

#[test]
fn the_rbac_example_is_forbidden_and_creates_no_workflow() {
    let report = argo_run("argo-events-rbac-forbidden");
    assert!(report.workflows.is_empty());
    let trigger = &report.triggers[0];
    assert!(!trigger.fired);
    assert!(
        trigger
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("workflows.argoproj.io is forbidden")),
        "{trigger:?}"
    );
}
