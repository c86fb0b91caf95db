//! Expansion benchmarks without extra crates (criterion is not available offline): medians of
//! repeated runs, printed as a table. Run with `cargo bench -p pipelab-core --bench azure_expand`.
//!
//! - `seed`: the post's environments × subscriptions × regions template (3 deployment jobs);
//! - `generated 50x20`: the same template with 50 environments × 20 regions (1,000 deployment
//!   jobs);
//! - `parse only`: loading the expanded output with the same YAML parser, and the ratio of
//!   expansion time to it;
//! - `graph panel`: what the engine module does for the Graph panel on the e2e budget's generated
//!   pipeline (100 stages of 2 jobs of 3 steps, ~2,500 lines): expand, simulate the run, build
//!   the model and the stage graph, lay it out and draw the SVG — each part's median.

use std::time::{Duration, Instant};

use pipelab_core::azure::pipeline::simulate::{simulate, RunSpec, Trigger};
use pipelab_core::azure::pipeline::{self, graph, Options};
use pipelab_core::azure::template::Input;
use pipelab_core::diag::FileId;

#[path = "../tests/support/mod.rs"]
mod support;
use support::workspace;

const SEED: &str =
    include_str!("../tests/fixtures/azure/seed_environments_subscriptions_regions.yml");

fn generated(envs: usize, regions: usize) -> Input {
    let mut input = workspace(SEED);
    let mut config = String::from("  default:\n");
    for e in 0..envs {
        config.push_str(&format!(
            "  - name: 'env{e}'\n    subscriptions:\n      - subscription: 'Sub {e}'\n        regions:\n"
        ));
        for r in 0..regions {
            config.push_str(&format!(
                "          - location: 'loc{r}'\n            locationShort: 'l{r}'\n"
            ));
        }
        input.files.push((
            format!("vars_env{e}.yml"),
            format!("variables:\n  myfilevar: 'value {e}'\n"),
        ));
    }
    for (name, text) in input.files.iter_mut() {
        if name == "@templates/environments.yml" {
            let start = text.find("  default:\n  - name: 'dev'").expect("default");
            let end = text.find("- name: buildSteps").expect("buildSteps");
            text.replace_range(start..end, &config);
        }
    }
    input
}

/// The e2e budget's generated pipeline (`tests/e2e/budgets.test.mjs`): 100 stages of 2 jobs of
/// 3 steps.
fn stages_pipeline() -> Input {
    let mut text = String::from("trigger: none\nstages:\n");
    for s in 0..100 {
        text.push_str(&format!(
            "- stage: s{s}\n  displayName: Stage {s}\n  jobs:\n"
        ));
        for j in 0..2 {
            text.push_str(&format!(
                "  - job: j{j}\n    displayName: Job {s}.{j}\n    pool:\n      vmImage: ubuntu-latest\n    steps:\n"
            ));
            for k in 0..3 {
                text.push_str(&format!(
                    "    - script: echo {s}.{j}.{k}\n      displayName: Step {k}\n"
                ));
            }
        }
    }
    Input {
        files: vec![("azure-pipelines.yml".into(), text)],
        entry: "azure-pipelines.yml".into(),
        ..Input::default()
    }
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn time<T>(n: usize, mut f: impl FnMut() -> T) -> Duration {
    let mut runs = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(f());
        runs.push(t.elapsed());
    }
    median(runs)
}

fn main() {
    let seed = workspace(SEED);
    let big = generated(50, 20);
    let seed_t = time(200, || pipeline::build(&seed, Options::default()));
    let out = pipeline::build(&big, Options::default());
    let yaml = out.pipeline.expect("expands").final_yaml();
    assert_eq!(yaml.matches("- deployment:").count(), 1000);
    let big_t = time(30, || pipeline::build(&big, Options::default()));
    let parse_t = time(30, || pipelab_core::yaml::load(FileId(0), &yaml));
    println!("azure_expand (median)");
    println!(
        "  seed template (3 deployment jobs):        {:>9.3} ms",
        seed_t.as_secs_f64() * 1e3
    );
    println!(
        "  generated 50x20 (1,000 deployment jobs):  {:>9.3} ms",
        big_t.as_secs_f64() * 1e3
    );
    println!(
        "  parse only of its expanded output:        {:>9.3} ms",
        parse_t.as_secs_f64() * 1e3
    );
    println!(
        "  expansion / parse ratio:                  {:>9.2}",
        big_t.as_secs_f64() / parse_t.as_secs_f64()
    );

    let stages = stages_pipeline();
    let out = pipeline::build(&stages, Options::default());
    let p = out.pipeline.as_ref().expect("expands");
    let spec = RunSpec {
        trigger: Trigger::Manual,
        failing: Vec::new(),
        variables: Vec::new(),
        groups: Vec::new(),
    };
    let run = simulate(&p.normalized, &spec);
    let model = p.model(&out.sources);
    let g = graph::stage_graph(&model, &out.sources, Some(&run));
    let layout = pipelab_core::graph::layout(&g, &graph::options());
    assert_eq!(layout.nodes.len(), 100);
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let parts = [
        (
            "expand",
            ms(time(30, || pipeline::build(&stages, Options::default()))),
        ),
        (
            "simulate the run",
            ms(time(30, || simulate(&p.normalized, &spec))),
        ),
        ("model", ms(time(30, || p.model(&out.sources)))),
        (
            "stage graph",
            ms(time(30, || {
                graph::stage_graph(&model, &out.sources, Some(&run))
            })),
        ),
        (
            "layout",
            ms(time(30, || {
                pipelab_core::graph::layout(&g, &graph::options())
            })),
        ),
        (
            "SVG",
            ms(time(30, || pipelab_core::graph::svg::render(&layout))),
        ),
    ];
    println!("graph panel, generated 100 stages (median)");
    for (name, t) in parts {
        println!("  {name:<40} {t:>9.3} ms");
    }
    println!(
        "  {:<40} {:>9.3} ms",
        "sum",
        parts.iter().map(|(_, t)| t).sum::<f64>()
    );
}
