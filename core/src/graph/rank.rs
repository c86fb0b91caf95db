//! Ranking: longest path from the sources, then network simplex (`simplex`) shortens the edges
//! to the least total length, each component starting at rank 0; edges that span several ranks
//! get a chain of dummy nodes, one per rank crossed.
//!
//! **Architecture Invariant:** after this stage every edge of the layered graph joins two
//! adjacent ranks, and the first `visible.nodes.len()` layered nodes are the visible nodes.

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use petgraph::Direction::Incoming;

use super::acyclic::Dag;
use super::collapse::Visible;
use super::simplex;

/// The proper layered graph: visible nodes plus dummy nodes.
pub(super) struct Layered {
    /// Number of visible (non-dummy) nodes; they come first.
    pub real: usize,
    /// Per layered node.
    pub rank: Vec<usize>,
    /// Per layered node: (width, height); dummies are (0, 0).
    pub size: Vec<(f64, f64)>,
    pub group: Vec<Option<usize>>,
    /// Per layered node: the initial-order key (YAML order of the node, or of a dummy's source).
    pub key: Vec<(u64, usize, usize)>,
    /// Neighbours in the rank above and below, with multiplicity.
    pub up: Vec<Vec<usize>>,
    pub down: Vec<Vec<usize>>,
    /// Per visible edge: the layered nodes it passes, from its DAG source to its DAG target.
    pub chains: Vec<Vec<usize>>,
    pub ranks: usize,
}

/// Bound on network simplex pivots, per node and edge.
const MAX_PIVOTS: usize = 4;

pub(super) fn layer(visible: &Visible, dag: &Dag) -> Layered {
    let g = &dag.graph;
    let n = visible.nodes.len();
    let topo: Vec<usize> = match petgraph::algo::toposort(g, None) {
        Ok(order) => order.into_iter().map(|i| g[i]).collect(),
        // Unreachable: `acyclic` removed every cycle. Input order still gives some picture.
        Err(_) => (0..n).collect(),
    };
    let mut rank = vec![0usize; n];
    for &v in &topo {
        let r = g
            .edges_directed(NodeIndex::new(v), Incoming)
            .map(|e| rank[g[e.source()]] + 1)
            .max()
            .unwrap_or(0);
        rank[v] = r;
    }
    let edges: Vec<(usize, usize)> = g
        .edge_indices()
        .filter_map(|e| g.edge_endpoints(e))
        .map(|(a, b)| (g[a], g[b]))
        .collect();
    let mut long: Vec<i64> = rank.iter().map(|&r| r as i64).collect();
    simplex::minimise(
        n,
        &edges,
        &mut long,
        MAX_PIVOTS.saturating_mul(n + edges.len()),
    );
    let rank: Vec<usize> = long.iter().map(|&r| r.max(0) as usize).collect();

    let mut layered = Layered {
        real: n,
        rank,
        size: visible.nodes.iter().map(|v| v.size).collect(),
        group: visible.nodes.iter().map(|v| v.group).collect(),
        key: visible
            .nodes
            .iter()
            .map(|v| (v.key.0, v.key.1, 0))
            .collect(),
        up: vec![Vec::new(); n],
        down: vec![Vec::new(); n],
        chains: Vec::with_capacity(visible.edges.len()),
        ranks: 0,
    };
    // Per group: the first and last rank of its members.
    let groups = visible
        .nodes
        .iter()
        .filter_map(|v| v.group)
        .max()
        .map_or(0, |g| g + 1);
    let mut spans: Vec<Option<(usize, usize)>> = vec![None; groups];
    for (v, node) in visible.nodes.iter().enumerate() {
        if let Some(g) = node.group {
            let r = layered.rank[v];
            spans[g] = Some(spans[g].map_or((r, r), |(lo, hi)| (lo.min(r), hi.max(r))));
        }
    }
    for (e, edge) in visible.edges.iter().enumerate() {
        let (a, b) = if dag.reversed[e] {
            (edge.to, edge.from)
        } else {
            (edge.from, edge.to)
        };
        let (ra, rb) = (layered.rank[a], layered.rank[b]);
        // A dummy belongs to the group it is drawn in: the edge's own group, or, for an edge
        // between groups, the source's group while within its ranks, then the target's.
        let (ga, gb) = (visible.nodes[a].group, visible.nodes[b].group);
        let within = |g: Option<usize>, r: usize| {
            g.and_then(|g| spans[g])
                .is_some_and(|(lo, hi)| lo <= r && r <= hi)
        };
        let key = visible.nodes[a].key;
        let mut chain = vec![a];
        for r in ra + 1..rb {
            let d = layered.rank.len();
            let group = if ga == gb || within(ga, r) {
                ga
            } else if within(gb, r) {
                gb
            } else {
                None
            };
            layered.rank.push(r);
            layered.size.push((0.0, 0.0));
            layered.group.push(group);
            layered.key.push((key.0, key.1, e + 1));
            layered.up.push(Vec::new());
            layered.down.push(Vec::new());
            chain.push(d);
        }
        chain.push(b);
        for w in chain.windows(2) {
            layered.down[w[0]].push(w[1]);
            layered.up[w[1]].push(w[0]);
        }
        layered.chains.push(chain);
    }
    layered.ranks = layered.rank.iter().max().map_or(0, |&r| r + 1);
    layered
}
