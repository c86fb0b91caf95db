//! Layout speed on generated graphs of 500, 1,000 and 2,000 nodes: pipeline-shaped (stages of
//! 20 jobs in stage boxes, fan-out from each stage's first job, fan-in to the next stage) and
//! random local DAGs (0–3 edges per node to the next 40 nodes). Fan-out collapse is off so every
//! node is laid out. Before measuring, each graph's size and crossing counts are printed.
//!
//! Run: `cargo bench -p pipelab-core --bench layout -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use pipelab_core::graph::{count_crossings, layout, Options};

#[path = "../tests/support/dags.rs"]
mod dags;

fn layouts(c: &mut Criterion) {
    let options = Options {
        fan_out_limit: None,
        ..Options::default()
    };
    let mut group = c.benchmark_group("layout");
    for n in [500, 1_000, 2_000] {
        let graphs = [
            ("pipeline", dags::pipeline(n / 20, 20, 7)),
            ("random", dags::random(n, 40, 0, 7)),
        ];
        for (name, graph) in graphs {
            let drawn = layout(&graph, &options);
            let ranks = drawn.nodes.iter().map(|n| n.rank + 1).max().unwrap_or(0);
            eprintln!(
                "{name}/{n}: {} nodes, {} edges, {ranks} ranks, {} crossings (geometric {}), {}x{} px",
                graph.nodes.len(),
                graph.edges.len(),
                drawn.crossings,
                count_crossings(drawn.edges.iter().map(|e| e.points.as_slice())),
                drawn.width,
                drawn.height,
            );
            group.bench_with_input(BenchmarkId::new(name, n), &graph, |b, graph| {
                b.iter(|| layout(black_box(graph), &options))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, layouts);
criterion_main!(benches);
