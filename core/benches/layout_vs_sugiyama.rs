//! Our layered layout against the `rust-sugiyama` crate (a dev-dependency only, in its default
//! [`Config`]) on the same generated graphs as `benches/layout.rs`: pipeline-shaped and random
//! DAGs of 500, 1,000 and 2,000 nodes, with the same node sizes (rust-sugiyama takes
//! `(width, height)` per vertex). Fan-out collapse is off on our side so every node is laid out.
//!
//! Before measuring, each graph's size and the crossings of both drawings are printed, counted
//! the same way by [`count_crossings`] (geometric, proper crossings only), one polyline per input
//! edge on both sides (the random DAGs have a few parallel edges; we draw them as one route,
//! counted once per input edge). Ours is counted over the routed edge polylines, and also drawn
//! straight like theirs. rust-sugiyama returns only vertex centres (its dummy vertices are
//! dropped from the result), so each of its edges is drawn as one straight segment from the
//! bottom centre of the source's box to the top centre of the target's box, however many ranks it
//! spans. It lays out each weakly connected component on its own, each starting at x = 0; the
//! components are put side by side so that they do not overlap. The total edge length in ranks
//! is printed for both: equal rank counts do not mean equal ranks.
//!
//! Not like for like: rust-sugiyama ignores groups (our pipeline graphs keep each stage's jobs
//! contiguous in a stage box) and draws no edges; ours also routes edges and boxes. Its input is
//! converted to `u32` ids outside the timed loop, while ours is timed from the `Graph` of
//! string ids.
//!
//! At 2,000 nodes ours is also timed with no crossing reduction at all (`max_sweeps: 0`): the
//! floor of this design (ranks, coordinates, routes and output), to set against what a speed
//! ratio asks for.
//!
//! Run: `cargo bench -p pipelab-core --bench layout_vs_sugiyama -- --warm-up-time 1
//! --measurement-time 3`. rust-sugiyama is measured with 10 flat samples.
//! Results and the measured table: ARCHITECTURE.md, "Layout against rust-sugiyama".

use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode};
use pipelab_core::graph::{count_crossings, layout, Graph, Options, PlacedNode, Point};
use rust_sugiyama::configure::Config;

#[path = "../tests/support/dags.rs"]
mod dags;

/// The graph as rust-sugiyama takes it: vertices `(index, (width, height))` and edges by index.
struct Theirs {
    vertices: Vec<(u32, (f64, f64))>,
    edges: Vec<(u32, u32)>,
}

fn theirs(graph: &Graph) -> Theirs {
    let index: HashMap<&str, u32> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i as u32))
        .collect();
    Theirs {
        vertices: graph
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| (i as u32, (n.width, n.height)))
            .collect(),
        edges: graph
            .edges
            .iter()
            .map(|e| (index[e.from.as_str()], index[e.to.as_str()]))
            .collect(),
    }
}

/// rust-sugiyama's result: per weakly connected component, `(vertex, (x, y))` centres, then
/// its width and height.
type Components = Vec<(Vec<(usize, (f64, f64))>, f64, f64)>;

fn sugiyama(input: &Theirs) -> Components {
    rust_sugiyama::from_vertices_and_edges(&input.vertices, &input.edges, &Config::default())
}

/// Straight polylines for rust-sugiyama's drawing, one per input edge, components side by side.
fn their_polylines(input: &Theirs) -> Vec<[Point; 2]> {
    let size = |v: usize| input.vertices[v].1;
    let mut centre: Vec<Option<(f64, f64)>> = vec![None; input.vertices.len()];
    let mut offset = 0.0;
    for (component, _, _) in sugiyama(input) {
        let left = component
            .iter()
            .map(|&(v, (x, _))| x - size(v).0 / 2.0)
            .fold(f64::INFINITY, f64::min);
        let right = component
            .iter()
            .map(|&(v, (x, _))| x + size(v).0 / 2.0)
            .fold(f64::NEG_INFINITY, f64::max);
        for &(v, (x, y)) in &component {
            centre[v] = Some((x - left + offset, y));
        }
        offset += right - left + Config::default().vertex_spacing;
    }
    input
        .edges
        .iter()
        .map(|&(a, b)| {
            let (a, b) = (a as usize, b as usize);
            let (ax, ay) = centre[a].expect("rust-sugiyama placed every vertex");
            let (bx, by) = centre[b].expect("rust-sugiyama placed every vertex");
            [
                Point {
                    x: ax,
                    y: ay + size(a).1 / 2.0,
                },
                Point {
                    x: bx,
                    y: by - size(b).1 / 2.0,
                },
            ]
        })
        .collect()
}

fn compare(c: &mut Criterion) {
    let options = Options {
        fan_out_limit: None,
        ..Options::default()
    };
    let mut graphs = Vec::new();
    for n in [500, 1_000, 2_000] {
        graphs.push(("pipeline", n, dags::pipeline(n / 20, 20, 7)));
        graphs.push(("random", n, dags::random(n, 40, 0, 7)));
    }
    eprintln!("rust-sugiyama: default Config {:?}", Config::default());
    let inputs: Vec<Theirs> = graphs.iter().map(|(_, _, g)| theirs(g)).collect();
    for ((name, n, graph), input) in graphs.iter().zip(&inputs) {
        let start = Instant::now();
        let drawn = layout(graph, &options);
        let ours_once = start.elapsed();
        // One polyline per input edge, as theirs: a route drawn for two parallel input edges
        // counts twice, like their two identical segments.
        let ours = count_crossings(
            drawn
                .edges
                .iter()
                .flat_map(|e| std::iter::repeat_n(e.points.as_slice(), e.edges.len())),
        );
        // Ours drawn the way rust-sugiyama's is: one straight segment per edge, box to box.
        let boxes: HashMap<&str, &PlacedNode> =
            drawn.nodes.iter().map(|p| (p.id.as_str(), p)).collect();
        let straight: Vec<[Point; 2]> = graph
            .edges
            .iter()
            .map(|e| {
                let (a, b) = (boxes[e.from.as_str()], boxes[e.to.as_str()]);
                [
                    Point {
                        x: a.x + a.width / 2.0,
                        y: a.y + a.height,
                    },
                    Point {
                        x: b.x + b.width / 2.0,
                        y: b.y,
                    },
                ]
            })
            .collect();
        let ours_straight = count_crossings(straight.iter().map(|l| l.as_slice()));
        let ranks = drawn.nodes.iter().map(|p| p.rank + 1).max().unwrap_or(0);
        // Total edge length in ranks (what network simplex minimises; each rank crossed is a
        // dummy node to order).
        let length: usize = graph
            .edges
            .iter()
            .map(|e| boxes[e.to.as_str()].rank - boxes[e.from.as_str()].rank)
            .sum();
        let start = Instant::now();
        let lines = their_polylines(input);
        let theirs_once = start.elapsed();
        let result = sugiyama(input);
        let components = result.len();
        // Their rank of each vertex: the index of its y among its component's distinct ys.
        let mut their_rank = vec![0usize; input.vertices.len()];
        let mut their_ranks = 0;
        for (c, _, _) in &result {
            let mut ys: Vec<f64> = c.iter().map(|&(_, (_, y))| y).collect();
            ys.sort_by(f64::total_cmp);
            ys.dedup();
            their_ranks = their_ranks.max(ys.len());
            for &(v, (_, y)) in c {
                their_rank[v] = ys.partition_point(|&t| t < y);
            }
        }
        let their_length: usize = input
            .edges
            .iter()
            .map(|&(a, b)| their_rank[b as usize] - their_rank[a as usize])
            .sum();
        let theirs = count_crossings(lines.iter().map(|l| l.as_slice()));
        eprintln!(
            "{name}/{n}: {} nodes, {} edges; crossings ours {ours} (straight box to box \
             {ours_straight}) vs rust-sugiyama {theirs}; ranks ours {ranks} vs rust-sugiyama \
             {their_ranks} ({components} components); total edge length ours {length} vs \
             rust-sugiyama {their_length} ranks; one run ours {ours_once:?}, rust-sugiyama \
             {theirs_once:?}",
            graph.nodes.len(),
            graph.edges.len(),
        );
    }

    let mut group = c.benchmark_group("layout_compare");
    for (name, n, graph) in &graphs {
        group.bench_with_input(
            BenchmarkId::new(format!("ours/{name}"), n),
            graph,
            |b, g| b.iter(|| layout(black_box(g), &options)),
        );
    }
    // The floor of our design: the same layout with no crossing reduction at all (the initial
    // YAML order, counted once). What 100x rust-sugiyama allows must be above it.
    let floor = Options {
        max_sweeps: 0,
        ..options.clone()
    };
    for (name, n, graph) in graphs.iter().filter(|(_, n, _)| *n == 2_000) {
        group.bench_with_input(
            BenchmarkId::new(format!("ours-no-sweeps/{name}"), n),
            graph,
            |b, g| b.iter(|| layout(black_box(g), &floor)),
        );
    }
    group
        .sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5));
    for ((name, n, _), input) in graphs.iter().zip(&inputs) {
        group.bench_with_input(
            BenchmarkId::new(format!("rust-sugiyama/{name}"), n),
            input,
            |b, input| b.iter(|| sugiyama(black_box(input))),
        );
    }
    group.finish();
}

criterion_group!(benches, compare);
criterion_main!(benches);
