//! Crossing reduction: ranks start in YAML order, then alternate barycenter sweeps down and up
//! reorder each rank against its fixed neighbour; the ordering with the fewest counted crossings
//! wins; after each sweep, passes of adjacent swaps remove the crossings the barycenters left,
//! until none helps.
//! Members of one group stay contiguous within a rank: a group moves as one block, placed by
//! the mean barycenter of its members. Finally each rank is stably sorted by connected
//! component, so separate components sit side by side and never cross each other's edges.
//!
//! **Architecture Invariant:** at most `max_sweeps` sweeps, each `O(E log V)` plus at most
//! `TRANSPOSE_PASSES` passes of adjacent swaps; every sort breaks ties by the current position,
//! so the result depends only on the input.

use std::collections::BTreeMap;

use super::rank::Layered;

pub(super) struct Ordered {
    /// Per rank: layered nodes from left to right (top to bottom when transposed).
    pub layers: Vec<Vec<usize>>,
    pub crossings: u64,
}

/// Each layered node's component: nodes joined by edges or by a group share one, numbered in
/// YAML order of their first node.
fn components(l: &Layered) -> Vec<usize> {
    let total = l.rank.len();
    let mut parent: Vec<usize> = (0..total).collect();
    fn find(parent: &mut [usize], mut v: usize) -> usize {
        while parent[v] != v {
            parent[v] = parent[parent[v]];
            v = parent[v];
        }
        v
    }
    fn union(parent: &mut [usize], a: usize, b: usize) {
        let (ra, rb) = (find(parent, a), find(parent, b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    for v in 0..total {
        for &w in &l.down[v] {
            union(&mut parent, v, w);
        }
    }
    let mut first_of_group: BTreeMap<usize, usize> = BTreeMap::new();
    for v in 0..total {
        if let Some(g) = l.group[v] {
            let first = *first_of_group.entry(g).or_insert(v);
            union(&mut parent, first, v);
        }
    }
    let mut least: BTreeMap<usize, (u64, usize, usize)> = BTreeMap::new();
    for v in 0..total {
        let root = find(&mut parent, v);
        let k = least.entry(root).or_insert(l.key[v]);
        *k = (*k).min(l.key[v]);
    }
    let mut roots: Vec<(usize, (u64, usize, usize))> = least.into_iter().collect();
    roots.sort_by_key(|&(root, key)| (key, root));
    let mut number = vec![0usize; total];
    for (i, (root, _)) in roots.iter().enumerate() {
        number[*root] = i;
    }
    (0..total).map(|v| number[find(&mut parent, v)]).collect()
}

pub(super) fn order(l: &Layered, max_sweeps: usize) -> Ordered {
    let total = l.rank.len();
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); l.ranks];
    for v in 0..total {
        layers[l.rank[v]].push(v);
    }
    let mut pos = vec![0usize; total];
    let mut score = vec![0f64; total];
    for layer in &mut layers {
        layer.sort_by_key(|&v| l.key[v]);
        for (i, &v) in layer.iter().enumerate() {
            score[v] = i as f64;
        }
        arrange(layer, &score, &l.group);
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
    let mut best = layers.clone();
    let mut best_crossings = count(&layers, &pos, &l.down);
    let mut stale = 0;
    for sweep in 0..max_sweeps {
        if best_crossings == 0 || stale >= 4 {
            break;
        }
        if sweep % 2 == 0 {
            for layer in layers.iter_mut().skip(1) {
                reorder(layer, &mut pos, &mut score, &l.up, &l.group);
            }
        } else {
            for layer in layers.iter_mut().rev().skip(1) {
                reorder(layer, &mut pos, &mut score, &l.down, &l.group);
            }
        }
        transpose(&mut layers, &mut pos, l);
        let crossings = count(&layers, &pos, &l.down);
        if crossings < best_crossings {
            best_crossings = crossings;
            best.clone_from(&layers);
            stale = 0;
        } else {
            stale += 1;
        }
    }
    // Components side by side: a stable sort by component keeps every component's own order
    // (so its crossings) and removes the crossings between components.
    let comp = components(l);
    for layer in &mut best {
        layer.sort_by_key(|&v| comp[v]);
    }
    for layer in &best {
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
    let best_crossings = best_crossings.min(count(&best, &pos, &l.down));
    Ordered {
        layers: best,
        crossings: best_crossings,
    }
}

/// Pairs of nodes whose neighbour lists are bigger than this together are not considered for
/// swapping, which bounds the work per pair.
const TRANSPOSE_LIMIT: usize = 4096;

/// Bound on the passes of adjacent swaps after each sweep.
const TRANSPOSE_PASSES: usize = 16;

/// Adjacent swaps until none helps (at most `TRANSPOSE_PASSES` passes): two neighbours of one
/// rank (and of one group, so groups stay contiguous) trade places when that removes crossings
/// with the ranks above and below. After the first pass only ranks next to a change are looked
/// at again.
fn transpose(layers: &mut [Vec<usize>], pos: &mut [usize], l: &Layered) {
    // Crossings between the edges of `u` and `v` (`u` left of `v`) as they are and swapped.
    let pair = |u: usize, v: usize, adjacent: &[Vec<usize>], pos: &[usize]| -> (u64, u64) {
        let (mut now, mut swapped) = (0, 0);
        for &a in &adjacent[u] {
            for &b in &adjacent[v] {
                now += u64::from(pos[a] > pos[b]);
                swapped += u64::from(pos[a] < pos[b]);
            }
        }
        (now, swapped)
    };
    // Ranks to look at: those next to a rank that changed in the previous pass.
    let mut dirty = vec![true; layers.len()];
    let mut changed = vec![false; layers.len()];
    for _ in 0..TRANSPOSE_PASSES {
        changed.iter_mut().for_each(|c| *c = false);
        let mut any = false;
        for (r, layer) in layers.iter_mut().enumerate() {
            if !dirty[r] {
                continue;
            }
            for i in 1..layer.len() {
                let (u, v) = (layer[i - 1], layer[i]);
                if l.group[u] != l.group[v]
                    || (l.up[u].len().saturating_mul(l.up[v].len()))
                        .saturating_add(l.down[u].len().saturating_mul(l.down[v].len()))
                        > TRANSPOSE_LIMIT
                {
                    continue;
                }
                let (up_now, up_swapped) = pair(u, v, &l.up, pos);
                let (down_now, down_swapped) = pair(u, v, &l.down, pos);
                if up_swapped + down_swapped < up_now + down_now {
                    layer.swap(i - 1, i);
                    pos[u] = i;
                    pos[v] = i - 1;
                    changed[r] = true;
                    any = true;
                }
            }
        }
        if !any {
            break;
        }
        for r in 0..layers.len() {
            dirty[r] =
                changed[r] || (r > 0 && changed[r - 1]) || (r + 1 < layers.len() && changed[r + 1]);
        }
    }
}

/// Reorders one rank by the barycenters of its neighbours in the fixed rank; a node without such
/// neighbours keeps its current position as its score.
fn reorder(
    layer: &mut [usize],
    pos: &mut [usize],
    score: &mut [f64],
    fixed: &[Vec<usize>],
    group: &[Option<usize>],
) {
    for &v in layer.iter() {
        let neighbours = &fixed[v];
        score[v] = if neighbours.is_empty() {
            pos[v] as f64
        } else {
            neighbours.iter().map(|&u| pos[u] as f64).sum::<f64>() / neighbours.len() as f64
        };
    }
    arrange(layer, score, group);
    for (i, &v) in layer.iter().enumerate() {
        pos[v] = i;
    }
}

/// Sorts a rank by score (ties: current position), keeping each group's members together: a
/// group is placed by the mean score of its members in this rank.
fn arrange(layer: &mut [usize], score: &[f64], group: &[Option<usize>]) {
    // (block score, block's first position, score, current position, node): the current
    // position makes every key distinct, so an unstable sort gives one answer.
    let mut items: Vec<(f64, usize, f64, usize, usize)> = layer
        .iter()
        .enumerate()
        .map(|(i, &v)| (score[v], i, score[v], i, v))
        .collect();
    if layer.iter().any(|&v| group[v].is_some()) {
        // Per group in this rank: (sum of scores, members, first current position).
        let mut blocks: BTreeMap<usize, (f64, usize, usize)> = BTreeMap::new();
        for (i, &v) in layer.iter().enumerate() {
            if let Some(g) = group[v] {
                let block = blocks.entry(g).or_insert((0.0, 0, i));
                block.0 += score[v];
                block.1 += 1;
            }
        }
        for item in &mut items {
            if let Some(&(sum, n, first)) = group[item.4].and_then(|g| blocks.get(&g)) {
                item.0 = sum / n as f64;
                item.1 = first;
            }
        }
    }
    items.sort_unstable_by(|a, b| {
        a.0.total_cmp(&b.0)
            .then(a.1.cmp(&b.1))
            .then(a.2.total_cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    for (slot, item) in layer.iter_mut().zip(items) {
        *slot = item.4;
    }
}

/// Crossings between every pair of adjacent ranks (Barth, Jünger and Mutzel's accumulator:
/// edges sorted by source position, inversions of target positions counted with a Fenwick tree).
pub(super) fn count(layers: &[Vec<usize>], pos: &[usize], down: &[Vec<usize>]) -> u64 {
    let mut total: u64 = 0;
    let mut targets: Vec<usize> = Vec::new();
    let mut tree: Vec<u64> = Vec::new();
    for pair in layers.windows(2) {
        let width = pair[1].len();
        tree.clear();
        tree.resize(width + 1, 0);
        let mut inserted: u64 = 0;
        for &u in &pair[0] {
            targets.clear();
            targets.extend(down[u].iter().map(|&v| pos[v]));
            targets.sort_unstable();
            for &t in &targets {
                // Inserted edges whose target is at or left of `t`.
                let mut at_or_left = 0;
                let mut i = t + 1;
                while i > 0 {
                    at_or_left += tree[i];
                    i &= i - 1;
                }
                total = total.saturating_add(inserted - at_or_left);
                let mut i = t + 1;
                while i <= width {
                    tree[i] += 1;
                    i += i & i.wrapping_neg();
                }
                inserted += 1;
            }
        }
    }
    total
}
