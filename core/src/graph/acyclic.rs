//! Cycle breaking: a depth-first search from the nodes in YAML order reverses every back edge,
//! so the edge that closes a loop — the one written last in the natural reading — points up.
//!
//! **Architecture Invariant:** the result is acyclic, and the search is iterative (a long chain
//! cannot overflow the stack, which is small in the browser).

use petgraph::graph::{DiGraph, NodeIndex};

use super::collapse::Visible;
use super::rank::Lists;

/// The visible graph with back edges reversed.
pub(super) struct Dag {
    /// Node weights are visible-node indices; edge weights are visible-edge indices.
    pub graph: DiGraph<usize, usize>,
    /// Per visible edge: whether it was reversed.
    pub reversed: Vec<bool>,
}

impl Dag {
    /// The input edges behind reversed visible edges, ascending.
    pub fn reversed_inputs(&self, visible: &Visible) -> Vec<usize> {
        let mut out: Vec<usize> = visible
            .edges
            .iter()
            .zip(&self.reversed)
            .filter(|(_, &r)| r)
            .flat_map(|(e, _)| e.inputs.iter().copied())
            .collect();
        out.sort_unstable();
        out
    }
}

pub(super) fn break_cycles(visible: &Visible) -> Dag {
    let n = visible.nodes.len();
    // Per node: its out-edges, by their targets' order.
    let edges = visible.edges.iter().enumerate();
    let mut out = Lists::gather(n, edges.map(|(e, edge)| (edge.from, e)));
    out.sort_each_by_key(|e| (visible.nodes[visible.edges[e].to].key, e));
    let mut roots: Vec<usize> = (0..n).collect();
    roots.sort_by_key(|&i| visible.nodes[i].key);

    // 0 = unvisited, 1 = on the stack, 2 = done.
    let mut state = vec![0u8; n];
    let mut reversed = vec![false; visible.edges.len()];
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in roots {
        if state[root] != 0 {
            continue;
        }
        state[root] = 1;
        stack.push((root, 0));
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&e) = out[node].get(*next) {
                let to = visible.edges[e].to;
                *next += 1;
                match state[to] {
                    0 => {
                        state[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => reversed[e] = true,
                    _ => {}
                }
            } else {
                state[node] = 2;
                stack.pop();
            }
        }
    }

    let mut graph = DiGraph::with_capacity(n, visible.edges.len());
    for i in 0..n {
        graph.add_node(i);
    }
    for (e, edge) in visible.edges.iter().enumerate() {
        let (a, b) = if reversed[e] {
            (edge.to, edge.from)
        } else {
            (edge.from, edge.to)
        };
        graph.add_edge(NodeIndex::new(a), NodeIndex::new(b), e);
    }
    debug_assert!(!petgraph::algo::is_cyclic_directed(&graph));
    Dag { graph, reversed }
}
