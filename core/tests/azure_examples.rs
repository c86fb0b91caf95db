//! The built-in Azure teaching demos expand and validate: what the playground opens first must
//! work, and its model must show the stages the post describes.

use pipelab_core::azure::pipeline::{self, Options};
use pipelab_core::examples;

#[test]
fn azure_dynamic_multistage_example_expands() {
    let example = examples::find("azure-dynamic-multistage").expect("example");
    let input = example.azure_input();
    let outcome = pipeline::build(&input, Options::default());
    assert!(outcome.diagnostics.is_empty(), "{:?}", outcome.diagnostics);
    let p = outcome.pipeline.expect("pipeline");
    let model = p.model(&outcome.sources);
    let stages: Vec<String> = model["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| {
            let deps: Vec<&str> = s["dependsOn"]
                .as_array()
                .expect("dependsOn")
                .iter()
                .filter_map(|d| d.as_str())
                .collect();
            format!(
                "{} <- [{}]",
                s["name"].as_str().unwrap_or(""),
                deps.join(",")
            )
        })
        .collect();
    assert_eq!(stages, ["build <- []", "dev <- [build]", "prod <- [dev]"]);
    let envs: Vec<&str> = model["stages"][2]["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .filter_map(|j| j["environment"]["name"].as_str())
        .collect();
    assert_eq!(envs, ["prod_eus", "prod_wus"]);
}
