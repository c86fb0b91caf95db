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
    /// Neighbours in the rank above and below.
    pub near: Near,
    /// Per visible edge: the layered nodes it passes, from its DAG source to its DAG target.
    pub chains: Lists,
    pub ranks: usize,
}

/// One list of nodes per index, stored flat: list `i` is `items[start[i]..start[i + 1]]`
/// (no allocation per list; `lists[i]` is a slice).
#[derive(Default)]
pub(super) struct Lists {
    start: Vec<usize>,
    items: Vec<usize>,
}

impl Lists {
    /// Empty lists with room for `lists` lists of `items` items in all.
    fn with_capacity(lists: usize, items: usize) -> Lists {
        let mut start = Vec::with_capacity(lists + 1);
        start.push(0);
        Lists {
            start,
            items: Vec::with_capacity(items),
        }
    }

    /// Appends an item to the last list.
    fn push_item(&mut self, item: usize) {
        self.items.push(item);
    }

    /// Ends the last list and starts a new one.
    fn end_list(&mut self) {
        self.start.push(self.items.len());
    }

    /// The lists of `lists` nodes holding, for each `(from, item)` pair in order, `item` in
    /// list `from`: a counting sort, so each list keeps the pairs' order. (The pairs are walked
    /// by `for_each`, which flattened iterators run much faster than `next`.)
    pub fn gather(lists: usize, pairs: impl Iterator<Item = (usize, usize)> + Clone) -> Lists {
        let mut start = vec![0usize; lists + 1];
        pairs.clone().for_each(|(from, _)| start[from + 1] += 1);
        for i in 0..lists {
            start[i + 1] += start[i];
        }
        let mut fill = start.clone();
        let mut items = vec![0usize; start[lists]];
        pairs.for_each(|(from, item)| {
            items[fill[from]] = item;
            fill[from] += 1;
        });
        Lists { start, items }
    }

    /// Sorts each list by `key`; keys must be distinct (the sort is unstable).
    pub fn sort_each_by_key<K: Ord>(&mut self, mut key: impl FnMut(usize) -> K) {
        for w in self.start.windows(2) {
            self.items[w[0]..w[1]].sort_unstable_by_key(|&i| key(i));
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &[usize]> + Clone {
        self.start.windows(2).map(|w| &self.items[w[0]..w[1]])
    }
}

impl std::ops::Index<usize> for Lists {
    type Output = [usize];

    fn index(&self, i: usize) -> &[usize] {
        &self.items[self.start[i]..self.start[i + 1]]
    }
}

/// Each node's neighbours in the rank above, then in the rank below, with multiplicity, in edge
/// order, stored flat with three offsets per node: both lists of a node (the swaps and sweeps
/// of `order` read them in their innermost loops) come from one lookup.
#[derive(Default)]
pub(super) struct Near {
    /// Per node: where its neighbours above start, where those below start, where they end.
    at: Vec<[usize; 3]>,
    items: Vec<usize>,
}

impl Near {
    /// The lists of `nodes` nodes joined by `links` (upper, lower).
    fn new(nodes: usize, links: impl Iterator<Item = (usize, usize)> + Clone) -> Near {
        let (mut above, mut below) = (vec![0usize; nodes], vec![0usize; nodes]);
        links.clone().for_each(|(a, b)| {
            below[a] += 1;
            above[b] += 1;
        });
        let mut at = Vec::with_capacity(nodes);
        let mut end = 0;
        for v in 0..nodes {
            at.push([end, end + above[v], end + above[v] + below[v]]);
            end += above[v] + below[v];
        }
        // Where the next neighbour above and below of each node goes.
        let mut fill: Vec<[usize; 2]> = at.iter().map(|&[a, b, _]| [a, b]).collect();
        let mut items = vec![0usize; end];
        links.for_each(|(a, b)| {
            items[fill[a][1]] = b;
            fill[a][1] += 1;
            items[fill[b][0]] = a;
            fill[b][0] += 1;
        });
        Near { at, items }
    }

    /// Neighbours above `v`.
    pub fn up(&self, v: usize) -> &[usize] {
        let [start, end, _] = self.at[v];
        &self.items[start..end]
    }

    /// Neighbours below `v`.
    pub fn down(&self, v: usize) -> &[usize] {
        let [_, start, end] = self.at[v];
        &self.items[start..end]
    }

    /// Neighbours above and below `v`.
    pub fn both(&self, v: usize) -> (&[usize], &[usize]) {
        let [start, middle, end] = self.at[v];
        self.items[start..end].split_at(middle - start)
    }

    /// Neighbours above, then below `v`.
    pub fn all(&self, v: usize) -> &[usize] {
        let [start, _, end] = self.at[v];
        &self.items[start..end]
    }
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
        near: Near::default(),
        chains: Lists::default(),
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
    // Room for the dummies: one per rank an edge passes.
    let dummies: usize = visible
        .edges
        .iter()
        .map(|edge| {
            let span = layered.rank[edge.from].abs_diff(layered.rank[edge.to]);
            span.saturating_sub(1)
        })
        .sum();
    layered.chains = Lists::with_capacity(visible.edges.len(), 2 * visible.edges.len() + dummies);
    layered.rank.reserve(dummies);
    layered.size.reserve(dummies);
    layered.group.reserve(dummies);
    layered.key.reserve(dummies);
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
        layered.chains.push_item(a);
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
            layered.chains.push_item(d);
        }
        layered.chains.push_item(b);
        layered.chains.end_list();
    }
    // The layered edges: consecutive nodes of each chain, in chain order.
    let total = layered.rank.len();
    let links = || {
        layered
            .chains
            .iter()
            .flat_map(|chain| chain.windows(2).map(|w| (w[0], w[1])))
    };
    layered.near = Near::new(total, links());
    layered.ranks = layered.rank.iter().max().map_or(0, |&r| r + 1);
    layered
}
