//! Seeded generators of graphs for the layout tests and benchmarks (no `rand`: a 64-bit LCG).

use pipelab_core::graph::{Edge, Graph, Node};

/// Knuth's MMIX linear congruential generator; the high bits are the usable ones.
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % bound
    }
}

/// A pipeline: `stages` stages of `jobs` jobs each (jobs grouped by stage). The first job of a
/// stage waits for every job of the previous stage (fan-in) and the others depend on it
/// (fan-out); a third of the jobs also depend on an earlier job of their stage.
pub fn pipeline(stages: usize, jobs: usize, seed: u64) -> Graph {
    let mut rng = Lcg::new(seed);
    let mut graph = Graph::default();
    let id = |s: usize, j: usize| format!("s{s}.j{j}");
    for s in 0..stages {
        for j in 0..jobs {
            let mut node = Node::new(id(s, j), graph.nodes.len() as u64);
            node.width = 80.0 + rng.below(80) as f64;
            node.group = Some(format!("s{s}"));
            graph.nodes.push(node);
            if j == 0 {
                if s > 0 {
                    for k in 0..jobs {
                        graph.edges.push(Edge::new(id(s - 1, k), id(s, 0)));
                    }
                }
            } else {
                graph.edges.push(Edge::new(id(s, 0), id(s, j)));
                if j > 1 && rng.below(3) == 0 {
                    let k = 1 + rng.below(j as u64 - 1) as usize;
                    graph.edges.push(Edge::new(id(s, k), id(s, j)));
                }
            }
        }
    }
    graph
}

/// A random DAG of `n` nodes: each node has 0–3 edges to nodes up to `span` places after it,
/// so ranks stay local as in real pipelines. With `back` > 0, about one edge in `back` points
/// backwards, making cycles.
pub fn random(n: usize, span: usize, back: u64, seed: u64) -> Graph {
    let mut rng = Lcg::new(seed);
    let mut graph = Graph::default();
    for i in 0..n {
        graph.nodes.push(Node::new(format!("n{i}"), i as u64));
    }
    for i in 0..n {
        for _ in 0..rng.below(4) {
            let j = i + 1 + rng.below(span.max(1) as u64) as usize;
            if j < n {
                if back > 0 && rng.below(back) == 0 {
                    graph
                        .edges
                        .push(Edge::new(format!("n{j}"), format!("n{i}")));
                } else {
                    graph
                        .edges
                        .push(Edge::new(format!("n{i}"), format!("n{j}")));
                }
            }
        }
    }
    graph
}
