//! Expansion benchmarks without extra crates (criterion is not available offline): medians of
//! repeated runs, printed as a table. Run with `cargo bench -p pipelab-core --bench azure_expand`.
//!
//! - `seed`: the post's environments × subscriptions × regions template (3 deployment jobs);
//! - `generated 50x20`: the same template with 50 environments × 20 regions (1,000 deployment
//!   jobs);
//! - `parse only`: loading the expanded output with the same YAML parser, and the ratio of
//!   expansion time to it.

use std::time::{Duration, Instant};

use pipelab_core::azure::pipeline::{self, Options};
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
}
