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

use super::rank::{Layered, Near};

pub(super) struct Ordered {
    /// Per rank: layered nodes from left to right (top to bottom when transposed).
    pub layers: Vec<Vec<usize>>,
    pub crossings: u64,
}

/// Each layered node's component: nodes joined by edges or by a group share one, numbered in
/// YAML order of their first node. Found on the visible nodes alone: a dummy node is in its
/// edge's component, belongs to a group of one of the edge's ends, and has a greater key than
/// the edge's source.
fn components(l: &Layered) -> Vec<usize> {
    let total = l.rank.len();
    let real = l.real;
    let mut parent: Vec<usize> = (0..real).collect();
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
    for chain in l.chains.iter() {
        if let (Some(&a), Some(&b)) = (chain.first(), chain.last()) {
            union(&mut parent, a, b);
        }
    }
    let groups = l.group.iter().flatten().max().map_or(0, |&g| g + 1);
    let mut first_of_group: Vec<Option<usize>> = vec![None; groups];
    for v in 0..real {
        if let Some(g) = l.group[v] {
            let first = *first_of_group[g].get_or_insert(v);
            union(&mut parent, first, v);
        }
    }
    // Per root: the least key of its component.
    let mut least: Vec<Option<(u64, usize, usize)>> = vec![None; real];
    for v in 0..real {
        let root = find(&mut parent, v);
        let k = least[root].get_or_insert(l.key[v]);
        *k = (*k).min(l.key[v]);
    }
    let mut roots: Vec<(usize, (u64, usize, usize))> = least
        .into_iter()
        .enumerate()
        .filter_map(|(root, key)| Some((root, key?)))
        .collect();
    roots.sort_by_key(|&(root, key)| (key, root));
    let mut number = vec![0usize; real];
    for (i, (root, _)) in roots.iter().enumerate() {
        number[*root] = i;
    }
    let mut comp: Vec<usize> = (0..real).map(|v| number[find(&mut parent, v)]).collect();
    comp.resize(total, 0);
    for chain in l.chains.iter() {
        if let Some((&a, inner)) = chain.split_first() {
            for &d in inner.iter().take(inner.len().saturating_sub(1)) {
                comp[d] = comp[a];
            }
        }
    }
    comp
}

pub(super) fn order(l: &Layered, max_sweeps: usize) -> Ordered {
    let total = l.rank.len();
    let mut sizes = vec![0usize; l.ranks];
    for &r in &l.rank {
        sizes[r] += 1;
    }
    let mut layers: Vec<Vec<usize>> = sizes.into_iter().map(Vec::with_capacity).collect();
    for v in 0..total {
        layers[l.rank[v]].push(v);
    }
    let groups = l.group.iter().flatten().max().map_or(0, |&g| g + 1);
    let mut arranger = Arranger::new(groups);
    let mut counter = Counter::new(l.ranks);
    let mut pos = vec![0usize; total];
    let mut score = vec![0f64; total];
    for layer in &mut layers {
        layer.sort_by_key(|&v| l.key[v]);
        for (i, &v) in layer.iter().enumerate() {
            score[v] = i as f64;
        }
        arranger.arrange(layer, &score, &l.group);
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
    let mut best = layers.clone();
    let mut swapper = Swapper::new(&layers);
    let mut best_crossings = counter.count(&layers, &pos, &l.near);
    // The per-rank-pair counts of `best`.
    let mut best_pairs = counter.pairs.clone();
    // Ranks for the adjacent swaps to look at: next to a rank whose order changed.
    let mut dirty = vec![true; l.ranks];
    let mark = |dirty: &mut [bool], r: usize| {
        let end = (r + 2).min(dirty.len());
        dirty[r.saturating_sub(1)..end]
            .iter_mut()
            .for_each(|d| *d = true);
    };
    let mut stale = 0;
    for sweep in 0..max_sweeps {
        if best_crossings == 0 || stale >= 4 {
            break;
        }
        // Even sweeps go down (each rank ordered by the one above), odd sweeps up.
        let down = sweep % 2 == 0;
        let fixed = |v| if down { l.near.up(v) } else { l.near.down(v) };
        let last = layers.len().saturating_sub(1);
        for k in 1..layers.len() {
            let r = if down { k } else { last - k };
            if reorder(
                &mut layers[r],
                &mut pos,
                &mut score,
                fixed,
                l,
                &mut arranger,
                &mut swapper,
            ) {
                counter.changed[r] = true;
                mark(&mut dirty, r);
            }
        }
        swapper.mark_moved(&pos, l);
        transpose(
            &mut layers,
            &mut pos,
            l,
            &mut counter.changed,
            &mut dirty,
            &mut swapper,
        );
        let crossings = counter.count(&layers, &pos, &l.near);
        if crossings < best_crossings {
            best_crossings = crossings;
            best.clone_from(&layers);
            best_pairs.clone_from(&counter.pairs);
            stale = 0;
        } else {
            stale += 1;
        }
    }
    // Components side by side: a stable sort by component keeps every component's own order
    // (so its crossings) and removes the crossings between components.
    // Only the rank pairs next to a rank that sort changed are counted again.
    let comp = components(l);
    counter.pairs = best_pairs;
    for (layer, changed) in best.iter_mut().zip(counter.changed.iter_mut()) {
        if !layer.is_sorted_by_key(|&v| comp[v]) {
            layer.sort_by_key(|&v| comp[v]);
            *changed = true;
        }
        for (i, &v) in layer.iter().enumerate() {
            pos[v] = i;
        }
    }
    let best_crossings = best_crossings.min(counter.count(&best, &pos, &l.near));
    Ordered {
        layers: best,
        crossings: best_crossings,
    }
}

/// Pairs of nodes whose neighbour lists are bigger than this together are not considered for
/// swapping, which bounds the work per pair.
const TRANSPOSE_LIMIT: usize = 4096;
// Lists all shorter than 32 keep a pair within the limit.
const _: () = assert!(2 * 31 * 31 <= TRANSPOSE_LIMIT);

/// A sweep that makes more than one pair in this many of a rank new has moved so much of it
/// that all pairs of the ranks next door are marked for the adjacent swaps, instead of finding
/// the nodes that moved and the pairs of their neighbours.
const MOVED_SHARE: usize = 4;

/// Bound on the passes of adjacent swaps after each sweep.
const TRANSPOSE_PASSES: usize = 16;

/// Adjacent swaps until none helps (at most `TRANSPOSE_PASSES` passes): two neighbours of one
/// rank (and of one group, so groups stay contiguous) trade places when that removes crossings
/// with the ranks above and below. Only ranks marked in `dirty` are looked at (a swap's gain
/// depends only on its rank and the two next to it, so a rank whose neighbourhood did not change
/// since it was last looked at has none); after each pass, the ranks next to a swap are. On
/// return, `dirty` marks the ranks still to look at (none if the swaps converged) and `swapped`
/// the ranks whose order changed.
///
/// Within those ranks, only the pairs marked in `Swapper` are looked at: a pair found not to
/// help stays unmarked until the swap of a pair of its neighbours changes its crossings (the
/// swap of `x` and `y` changes the crossings of a pair `(u, v)` only if `u` is a neighbour of
/// one and `v` of the other, so only those pairs are marked) or the pair gets a new member. So
/// each pass visits the pairs the last one disturbed, and makes the same swaps as visiting every
/// pair would.
fn transpose(
    layers: &mut [Vec<usize>],
    pos: &mut [usize],
    l: &Layered,
    swapped: &mut [bool],
    dirty: &mut [bool],
    swapper: &mut Swapper,
) {
    // How many more crossings the edges of `u` and `v` (`u` left of `v`) make as they are than
    // swapped.
    #[inline(always)]
    fn gain(left: &[usize], right: &[usize], pos: &[usize]) -> i64 {
        // One neighbour each (a dummy's), the commonest case: one comparison.
        if let (&[a], &[b]) = (left, right) {
            return pos[a].cmp(&pos[b]) as i64;
        }
        let mut gain = 0;
        for &a in left {
            let at = pos[a];
            for &b in right {
                gain += at.cmp(&pos[b]) as i64;
            }
        }
        gain
    }
    // Whether swapping `u` and `v` (`u` left of `v`, neighbours in a rank) removes crossings.
    // Not inlined: in the pass loop its values spilled to the stack.
    #[inline(never)]
    fn helps(l: &Layered, pos: &[usize], u: usize, v: usize) -> bool {
        if l.group[u] != l.group[v] {
            return false;
        }
        let ((up_u, down_u), (up_v, down_v)) = (l.near.both(u), l.near.both(v));
        // Lists all shorter than 32 stay within the limit (asserted with it): most pairs skip
        // the products.
        let long = (up_u.len() | up_v.len() | down_u.len() | down_v.len()) >= 32;
        if long
            && (up_u.len().saturating_mul(up_v.len()))
                .saturating_add(down_u.len().saturating_mul(down_v.len()))
                > TRANSPOSE_LIMIT
        {
            return false;
        }
        gain(up_u, up_v, pos) + gain(down_u, down_v, pos) > 0
    }
    // Pairs left marked when the last call stopped early were marked before the sweep moved
    // them: every pair is to be looked at.
    if !swapper.settled {
        swapper.mark_all();
    }
    swapper.settled = false;
    let mut changed = vec![false; layers.len()];
    for _ in 0..TRANSPOSE_PASSES {
        changed.iter_mut().for_each(|c| *c = false);
        let mut any = false;
        for r in 0..layers.len() {
            if !dirty[r] {
                continue;
            }
            let (first, end) = (swapper.base[r], swapper.base[r + 1]);
            let layer = &mut layers[r];
            let mut from = 1;
            // The marked pairs of the rank, in order; a pair marked on the way is found when it
            // is ahead.
            while let Some(i) = swapper.take(first, end, from) {
                from = i + 1;
                let (Some(&u), Some(&v)) = (layer.get(i - 1), layer.get(i)) else {
                    break;
                };
                if !helps(l, pos, u, v) {
                    continue;
                }
                let ((up_u, down_u), (up_v, down_v)) = (l.near.both(u), l.near.both(v));
                layer.swap(i - 1, i);
                pos[u] = i;
                pos[v] = i - 1;
                changed[r] = true;
                swapped[r] = true;
                any = true;
                // The pairs on either side have a new member; `(v, u)` does not help.
                swapper.mark(r, i - 1);
                swapper.mark(r, i + 1);
                // Next door, only the pairs of a neighbour of `u` and one of `v`.
                let sides = [(r.wrapping_sub(1), up_u, up_v), (r + 1, down_u, down_v)];
                for (side, of_u, of_v) in sides {
                    if side >= swapped.len() {
                        continue;
                    }
                    for &a in of_u {
                        let at = pos[a];
                        for &b in of_v {
                            let bt = pos[b];
                            if at.abs_diff(bt) == 1 {
                                swapper.mark(side, at.max(bt));
                            }
                        }
                    }
                }
            }
        }
        if !any {
            dirty.iter_mut().for_each(|d| *d = false);
            swapper.settled = true;
            break;
        }
        for r in 0..layers.len() {
            dirty[r] =
                changed[r] || (r > 0 && changed[r - 1]) || (r + 1 < layers.len() && changed[r + 1]);
        }
    }
}

/// The pairs for the adjacent swaps to look at, a bit per pair: bit `i` of rank `r` stands for
/// the nodes at positions `i - 1` and `i`.
///
/// A sweep disturbs only some pairs: those it made neighbours, and those with a neighbour of
/// each of the two among the nodes it moved against the rest of their rank (a pair's swap gain
/// depends only on the order of its two nodes' neighbours next door). The nodes that moved
/// are all but a longest run that kept its relative order (a longest increasing subsequence
/// of the old positions in the new order).
struct Swapper {
    /// Per rank: its first word in `bits` (and one past the last rank's).
    base: Vec<usize>,
    bits: Vec<u64>,
    /// Per rank: its number of nodes.
    lens: Vec<usize>,
    /// Whether the last adjacent swaps ran until none helped, so that every unmarked pair is
    /// known not to help.
    settled: bool,
    /// Nodes the sweep moved, for `mark_moved`.
    moved: Vec<usize>,
    /// Buffers of `reordered`: per length, the least old position ending an increasing run of
    /// that length and its index; per index, the index before it in its run; whether it stays.
    tails: Vec<(usize, usize)>,
    back: Vec<usize>,
    stays: Vec<bool>,
}

impl Swapper {
    fn new(layers: &[Vec<usize>]) -> Swapper {
        let mut base = Vec::with_capacity(layers.len() + 1);
        let mut words = 0;
        for layer in layers {
            base.push(words);
            words += layer.len().div_ceil(64);
        }
        base.push(words);
        Swapper {
            base,
            bits: vec![0; words],
            lens: layers.iter().map(Vec::len).collect(),
            settled: false,
            moved: Vec::new(),
            tails: Vec::new(),
            back: Vec::new(),
            stays: Vec::new(),
        }
    }

    /// Notes that the sweep reordered rank `r` into `layer` while `pos` still holds the old
    /// positions: marks the pairs that are new, and keeps the nodes that moved for
    /// `mark_moved`.
    fn reordered(&mut self, r: usize, layer: &[usize], pos: &[usize]) {
        let len = layer.len();
        let mut new = 0;
        for (i, w) in layer.windows(2).enumerate() {
            if pos[w[1]] != pos[w[0]] + 1 {
                new += 1;
                // Much reordered: the moved nodes' neighbours are most of the ranks next door.
                if new * MOVED_SHARE > len {
                    for side in [r.wrapping_sub(1), r, r + 1] {
                        if side < self.lens.len() {
                            self.mark_rank(side);
                        }
                    }
                    return;
                }
                self.mark(r, i + 1);
            }
        }
        let (tails, back, stays) = (&mut self.tails, &mut self.back, &mut self.stays);
        tails.clear();
        back.clear();
        for (i, &v) in layer.iter().enumerate() {
            let p = pos[v];
            let k = tails.partition_point(|&(t, _)| t < p);
            back.push(if k > 0 { tails[k - 1].1 } else { usize::MAX });
            if k == tails.len() {
                tails.push((p, i));
            } else {
                tails[k] = (p, i);
            }
        }
        stays.clear();
        stays.resize(len, false);
        let mut i = tails.last().map_or(usize::MAX, |&(_, i)| i);
        while i != usize::MAX {
            stays[i] = true;
            i = back[i];
        }
        let moved = layer.iter().zip(stays.iter()).filter(|(_, &s)| !s);
        self.moved.extend(moved.map(|(&v, _)| v));
    }

    /// After a sweep: marks the pairs of every neighbour of a node it moved.
    fn mark_moved(&mut self, pos: &[usize], l: &Layered) {
        let moved = std::mem::take(&mut self.moved);
        for &m in &moved {
            for &w in l.near.all(m) {
                let (r, i) = (l.rank[w], pos[w]);
                self.mark(r, i);
                self.mark(r, i + 1);
            }
        }
        self.moved = moved;
        self.moved.clear();
    }

    /// Marks every pair (and bit 0 of each rank, which `take` never returns).
    fn mark_all(&mut self) {
        for r in 0..self.lens.len() {
            self.mark_rank(r);
        }
    }

    /// Marks every pair of rank `r` (and its bit 0).
    fn mark_rank(&mut self, r: usize) {
        let words = &mut self.bits[self.base[r]..self.base[r + 1]];
        words.iter_mut().for_each(|w| *w = u64::MAX);
        if let Some(last) = words.last_mut() {
            let used = self.lens[r] % 64;
            if used != 0 {
                *last = (1u64 << used) - 1;
            }
        }
    }

    /// Marks the pair ending at `i` in rank `r`, if there is one.
    fn mark(&mut self, r: usize, i: usize) {
        if i >= 1 && i < self.lens[r] {
            self.bits[self.base[r] + i / 64] |= 1 << (i % 64);
        }
    }

    /// Unmarks and returns the first marked pair at or after `from` (at least 1) of the rank
    /// whose words are `bits[first..end]`.
    fn take(&mut self, first: usize, end: usize, from: usize) -> Option<usize> {
        let bits = self.bits.get_mut(first..end)?;
        let mut k = from / 64;
        let mut word = *bits.get(k)? & (u64::MAX << (from % 64));
        while word == 0 {
            k += 1;
            word = *bits.get(k)?;
        }
        let bit = word.trailing_zeros() as usize;
        bits[k] &= !(1 << bit);
        Some(k * 64 + bit)
    }
}

/// Reorders one rank by the barycenters of its neighbours in the fixed rank; a node without such
/// neighbours keeps its current position as its score. Returns whether the order changed.
fn reorder<'a>(
    layer: &mut [usize],
    pos: &mut [usize],
    score: &mut [f64],
    fixed: impl Fn(usize) -> &'a [usize],
    l: &Layered,
    arranger: &mut Arranger,
    swapper: &mut Swapper,
) -> bool {
    let group = &l.group;
    for &v in layer.iter() {
        let neighbours = fixed(v);
        // Summed as integers: the same sum as in `f64`, where every partial sum is exact.
        score[v] = if neighbours.is_empty() {
            pos[v] as f64
        } else {
            neighbours.iter().map(|&u| pos[u]).sum::<usize>() as f64 / neighbours.len() as f64
        };
    }
    if in_order(layer, score, group) || !arranger.arrange(layer, score, group) {
        return false;
    }
    if let Some(&first) = layer.first() {
        swapper.reordered(l.rank[first], layer, pos);
    }
    for (i, &v) in layer.iter().enumerate() {
        pos[v] = i;
    }
    true
}

/// Whether [`Arranger::arrange`] would leave a rank as it is, for a rank whose groups are
/// contiguous (as they are after the first arrangement): each group is one run, placed by its
/// members' mean score, so the rank is in order when the scores within each run and the
/// run scores from run to run (a node of no group is a run of one) never decrease. The
/// current positions break ties, and they increase along the rank.
fn in_order(layer: &[usize], score: &[f64], group: &[Option<usize>]) -> bool {
    let mut last = 0;
    let mut i = 0;
    while let Some(&v) = layer.get(i) {
        let start = i;
        i += 1;
        let key = match group[v] {
            None => ordered(score[v]),
            Some(g) => {
                let (mut sum, mut before) = (score[v], ordered(score[v]));
                while let Some(&w) = layer.get(i).filter(|&&w| group[w] == Some(g)) {
                    let here = ordered(score[w]);
                    if here < before {
                        return false;
                    }
                    (sum, before) = (sum + score[w], here);
                    i += 1;
                }
                ordered(sum / (i - start) as f64)
            }
        };
        if key < last {
            return false;
        }
        last = key;
    }
    true
}

/// Sorting one rank, with buffers kept from one rank to the next.
struct Arranger {
    /// (block score, block's first position, score, current position, node), the scores as
    /// `ordered` keys: the current position makes every key distinct, so an unstable sort gives
    /// one answer.
    items: Vec<(u64, usize, u64, usize, usize)>,
    /// Per group: (sum of its members' scores in this rank, members, first current position);
    /// all zero between calls.
    blocks: Vec<(f64, usize, usize)>,
    /// The groups with members in this rank.
    present: Vec<usize>,
    /// `arrange_plain`'s keys, and the rank as it was.
    keys: Vec<u128>,
    old: Vec<usize>,
}

impl Arranger {
    fn new(groups: usize) -> Arranger {
        Arranger {
            items: Vec::new(),
            blocks: vec![(0.0, 0, 0); groups],
            present: Vec::new(),
            keys: Vec::new(),
            old: Vec::new(),
        }
    }

    /// Sorts a rank by score (ties: current position), keeping each group's members together:
    /// a group is placed by the mean score of its members in this rank. Returns whether the
    /// order changed.
    fn arrange(&mut self, layer: &mut [usize], score: &[f64], group: &[Option<usize>]) -> bool {
        if layer.iter().all(|&v| group[v].is_none()) {
            return self.arrange_plain(layer, score);
        }
        let items = &mut self.items;
        items.clear();
        items.extend(
            layer
                .iter()
                .enumerate()
                .map(|(i, &v)| (ordered(score[v]), i, ordered(score[v]), i, v)),
        );
        for (i, &v) in layer.iter().enumerate() {
            if let Some(g) = group[v] {
                let block = &mut self.blocks[g];
                if block.1 == 0 {
                    *block = (0.0, 0, i);
                    self.present.push(g);
                }
                block.0 += score[v];
                block.1 += 1;
            }
        }
        for item in items.iter_mut() {
            if let Some(g) = group[item.4] {
                let (sum, n, first) = self.blocks[g];
                item.0 = ordered(sum / n as f64);
                item.1 = first;
            }
        }
        for g in self.present.drain(..) {
            self.blocks[g] = (0.0, 0, 0);
        }
        // Most ranks keep their order once the sweeps settle: then there is nothing to sort.
        if items.windows(2).all(|w| w[0] < w[1]) {
            return false;
        }
        items.sort_unstable();
        for (slot, item) in layer.iter_mut().zip(items.iter()) {
            *slot = item.4;
        }
        true
    }

    /// [`Arranger::arrange`] for a rank of no group, where every node is a block of its own:
    /// the same order from a sort of keys of half the size, (score, current position) packed in
    /// a `u128`.
    fn arrange_plain(&mut self, layer: &mut [usize], score: &[f64]) -> bool {
        let keys = &mut self.keys;
        keys.clear();
        keys.extend(
            layer
                .iter()
                .enumerate()
                .map(|(i, &v)| u128::from(ordered(score[v])) << 64 | i as u128),
        );
        if keys.windows(2).all(|w| w[0] < w[1]) {
            return false;
        }
        keys.sort_unstable();
        self.old.clear();
        self.old.extend_from_slice(layer);
        for (slot, &key) in layer.iter_mut().zip(keys.iter()) {
            // The low half is a position in the rank.
            *slot = self.old[key as u64 as usize];
        }
        true
    }
}

/// A key that sorts as `f64::total_cmp` sorts the scores.
fn ordered(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The widest lower rank whose crossings `Counter` counts with an array of counts instead of a
/// Fenwick tree (an insertion costs up to this many additions instead of a logarithm of them).
const NARROW: usize = 256;

/// Counting the crossings of an ordering, pair of adjacent ranks by pair, remembering each
/// pair's count so that only pairs next to a rank that changed are counted again.
struct Counter {
    /// Per rank: whether its order changed since the last count.
    changed: Vec<bool>,
    /// Per rank `r`: crossings between ranks `r` and `r + 1` at the last count.
    pairs: Vec<u64>,
    tree: Vec<u64>,
    /// `count_narrow`'s counts.
    right: Vec<u32>,
}

impl Counter {
    fn new(ranks: usize) -> Counter {
        Counter {
            changed: vec![true; ranks],
            pairs: vec![0; ranks.saturating_sub(1)],
            tree: Vec::new(),
            right: Vec::new(),
        }
    }

    /// Crossings between every pair of adjacent ranks (Barth, Jünger and Mutzel's accumulator:
    /// edges in order of source position, inversions of target positions counted with a Fenwick
    /// tree).
    fn count(&mut self, layers: &[Vec<usize>], pos: &[usize], near: &Near) -> u64 {
        let mut total: u64 = 0;
        for (r, pair) in layers.windows(2).enumerate() {
            if self.changed[r] || self.changed[r + 1] {
                self.pairs[r] = self.count_pair(&pair[0], pair[1].len(), pos, near);
            }
            total = total.saturating_add(self.pairs[r]);
        }
        self.changed.iter_mut().for_each(|c| *c = false);
        total
    }

    fn count_pair(&mut self, upper: &[usize], width: usize, pos: &[usize], near: &Near) -> u64 {
        if width <= NARROW {
            return self.count_narrow(upper, width, pos, near);
        }
        let tree = &mut self.tree;
        let mut total: u64 = 0;
        tree.clear();
        tree.resize(width + 1, 0);
        let mut inserted: u64 = 0;
        for &u in upper {
            // Edges of one node do not cross each other: each is counted against the edges of
            // the nodes before it, then all are inserted (so they need no sorting).
            let edges = near.down(u);
            for &v in edges {
                // Inserted edges whose target is at or left of this one's.
                let mut at_or_left = 0;
                let mut i = pos[v] + 1;
                while i > 0 {
                    at_or_left += tree[i];
                    i &= i - 1;
                }
                total = total.saturating_add(inserted - at_or_left);
            }
            for &v in edges {
                let mut i = pos[v] + 1;
                while i <= width {
                    tree[i] += 1;
                    i += i & i.wrapping_neg();
                }
            }
            inserted += edges.len() as u64;
        }
        total
    }

    /// `count_pair` for a lower rank of at most `NARROW` nodes: the same count with, instead of
    /// the Fenwick tree, per position the number of inserted edges whose target is right of it
    /// (an insertion adds one to the positions left of its target, a loop the compiler runs
    /// several positions at a time; a look-up is one read).
    fn count_narrow(&mut self, upper: &[usize], width: usize, pos: &[usize], near: &Near) -> u64 {
        let right = &mut self.right;
        right.clear();
        right.resize(width, 0);
        let mut total: u64 = 0;
        for &u in upper {
            let edges = near.down(u);
            for &v in edges {
                total = total.saturating_add(u64::from(right.get(pos[v]).copied().unwrap_or(0)));
            }
            for &v in edges {
                let left = right.get_mut(..pos[v]).unwrap_or_default();
                left.iter_mut().for_each(|n| *n += 1);
            }
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::ordered;

    #[test]
    fn ordered_keys_sort_as_total_cmp() {
        let values = [
            f64::NEG_INFINITY,
            -3.5,
            -1.0,
            -f64::MIN_POSITIVE,
            -0.0,
            0.0,
            f64::MIN_POSITIVE,
            0.5,
            1.0,
            2.25,
            1e300,
            f64::INFINITY,
        ];
        for a in values {
            for b in values {
                assert_eq!(
                    ordered(a).cmp(&ordered(b)),
                    a.total_cmp(&b),
                    "{a} against {b}"
                );
            }
        }
    }
}
