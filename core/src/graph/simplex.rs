//! Network simplex ranking (Gansner, Koutsofios, North and Vo, "A technique for drawing directed
//! graphs", 1993, as Graphviz's `dot` implements it): from any valid ranking, find the one with
//! the least total edge length, so long edges — and the dummy nodes that draw them — are as few
//! as can be. Each weakly connected component gets a spanning tree of tight edges; a tree edge
//! with a negative cut value is swapped for the non-tree edge of least slack that reconnects the
//! tree, until no cut value is negative. Each component's top rank is 0.
//!
//! **Architecture Invariant:** every pivot keeps the ranking valid (each edge at least one rank
//! long), so stopping after a bounded number of pivots still gives a valid, if longer, ranking;
//! every search is iterative (no recursion on the browser's small stack), and every choice breaks
//! ties by index, so the result depends only on the input.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// No node or edge.
const NONE: usize = usize::MAX;

/// How many negative tree edges `leave_edge` looks at before taking the most negative (Graphviz's
/// `searchsize`).
const SEARCH_SIZE: usize = 30;

/// Shortens the edges of a valid ranking of the DAG with `n` nodes and `edges` (tail, head):
/// on return every edge still goes at least one rank down and the sum of edge lengths is minimal
/// (unless `max_pivots` ran out first). Each component's least rank becomes 0.
pub(super) fn minimise(n: usize, edges: &[(usize, usize)], rank: &mut [i64], max_pivots: usize) {
    let mut s = Simplex::new(n, edges, rank.to_vec());
    let component = s.feasible_tree();
    s.init_cut_values();
    for _ in 0..max_pivots {
        let Some(leave) = s.leave_edge() else { break };
        let Some(enter) = s.enter_edge(leave) else {
            break;
        };
        s.update(leave, enter);
    }
    let mut least = vec![i64::MAX; n];
    for v in 0..n {
        least[component[v]] = least[component[v]].min(s.rank[v]);
    }
    for v in 0..n {
        rank[v] = s.rank[v] - least[component[v]];
    }
}

/// An edge as seen from one of its ends.
#[derive(Clone, Copy)]
struct Link {
    edge: usize,
    /// The node at its other end.
    other: usize,
    /// Whether it leaves this end (this end is its tail).
    out: bool,
}

struct Simplex {
    tail: Vec<usize>,
    head: Vec<usize>,
    rank: Vec<i64>,
    /// Incident edges of node `v`: `incident[start[v]..start[v + 1]]`, in edge order.
    start: Vec<usize>,
    incident: Vec<Link>,
    /// Tree edges of node `v`: `tree[start[v]..start[v] + tree_len[v]]`.
    tree: Vec<usize>,
    tree_len: Vec<usize>,
    in_tree: Vec<bool>,
    /// The tree edges, and each tree edge's slot in that list.
    tree_edges: Vec<usize>,
    slot: Vec<usize>,
    cut: Vec<i64>,
    /// A bit per slot of `tree_edges`: whether that tree edge's cut value is negative.
    negative: Vec<u64>,
    /// Postorder numbering of the first rooted spanning forest, for the first cut values: `v`'s
    /// subtree is the nodes `w` with `low[v] <= lim[w] <= lim[v]`. Pivots do not renumber.
    low: Vec<usize>,
    lim: Vec<usize>,
    /// The tree edge to each node's parent (`NONE` at a root).
    par: Vec<usize>,
    /// `stamp` on the nodes found by the current search (a subtree, or the way to a common
    /// ancestor).
    seen: Vec<u64>,
    stamp: u64,
    /// Where `leave_edge` resumes its cyclic search.
    search_from: usize,
    /// `dfs_range`'s stack: a node and how many of its tree edges it has looked at.
    stack: Vec<(usize, usize)>,
    /// The stack of the walks that need no such count (`enter_edge`, `rerank`).
    walk: Vec<usize>,
    /// `enter_edge`'s non-tree edges leaving the side it searches.
    leaving: Vec<usize>,
}

impl Simplex {
    fn new(n: usize, edges: &[(usize, usize)], rank: Vec<i64>) -> Simplex {
        let mut start = vec![0usize; n + 1];
        for &(t, h) in edges {
            start[t + 1] += 1;
            start[h + 1] += 1;
        }
        for v in 0..n {
            start[v + 1] += start[v];
        }
        let mut fill = start.clone();
        let mut incident = vec![
            Link {
                edge: 0,
                other: 0,
                out: false
            };
            start[n]
        ];
        for (e, &(t, h)) in edges.iter().enumerate() {
            incident[fill[t]] = Link {
                edge: e,
                other: h,
                out: true,
            };
            fill[t] += 1;
            incident[fill[h]] = Link {
                edge: e,
                other: t,
                out: false,
            };
            fill[h] += 1;
        }
        Simplex {
            tail: edges.iter().map(|e| e.0).collect(),
            head: edges.iter().map(|e| e.1).collect(),
            rank,
            tree: vec![NONE; start[n]],
            start,
            incident,
            tree_len: vec![0; n],
            in_tree: vec![false; edges.len()],
            tree_edges: Vec::with_capacity(n),
            slot: vec![NONE; edges.len()],
            cut: vec![0; edges.len()],
            negative: vec![0; n.div_ceil(64)],
            low: vec![0; n],
            lim: vec![0; n],
            par: vec![NONE; n],
            seen: vec![0; n],
            stamp: 0,
            search_from: 0,
            stack: Vec::new(),
            walk: Vec::new(),
            leaving: Vec::new(),
        }
    }

    fn slack(&self, e: usize) -> i64 {
        self.rank[self.head[e]] - self.rank[self.tail[e]] - 1
    }

    fn other(&self, e: usize, v: usize) -> usize {
        if self.tail[e] == v {
            self.head[e]
        } else {
            self.tail[e]
        }
    }

    fn incident(&self, v: usize) -> &[Link] {
        &self.incident[self.start[v]..self.start[v + 1]]
    }

    /// Whether `w` is in the subtree of `v`.
    fn below(&self, w: usize, v: usize) -> bool {
        self.low[v] <= self.lim[w] && self.lim[w] <= self.lim[v]
    }

    fn add_tree_edge(&mut self, e: usize) {
        self.in_tree[e] = true;
        self.slot[e] = self.tree_edges.len();
        self.tree_edges.push(e);
        for v in [self.tail[e], self.head[e]] {
            self.tree[self.start[v] + self.tree_len[v]] = e;
            self.tree_len[v] += 1;
        }
    }

    /// Makes `f` a tree edge in `e`'s place (same slot in `tree_edges`).
    fn exchange_tree_edges(&mut self, e: usize, f: usize) {
        self.in_tree[e] = false;
        self.in_tree[f] = true;
        self.tree_edges[self.slot[e]] = f;
        self.slot[f] = self.slot[e];
        self.slot[e] = NONE;
        for v in [self.tail[e], self.head[e]] {
            let base = self.start[v];
            let len = self.tree_len[v];
            if let Some(i) = self.tree[base..base + len].iter().position(|&x| x == e) {
                self.tree[base + i] = self.tree[base + len - 1];
                self.tree_len[v] = len - 1;
            }
        }
        for v in [self.tail[f], self.head[f]] {
            self.tree[self.start[v] + self.tree_len[v]] = f;
            self.tree_len[v] += 1;
        }
    }

    /// A spanning tree of tight edges per component (Graphviz's: maximal tight subtrees, the
    /// smallest joined to a neighbour by its least-slack edge after shifting it to make that edge
    /// tight). Returns each node's component.
    fn feasible_tree(&mut self) -> Vec<usize> {
        let n = self.tree_len.len();
        let mut owner = vec![NONE; n];
        let mut members: Vec<Vec<usize>> = Vec::new();
        let mut stack = Vec::new();
        for s in 0..n {
            if owner[s] != NONE {
                continue;
            }
            let t = members.len();
            owner[s] = t;
            let mut list = vec![s];
            stack.push(s);
            while let Some(v) = stack.pop() {
                for i in self.start[v]..self.start[v + 1] {
                    let Link {
                        edge: e, other: w, ..
                    } = self.incident[i];
                    if owner[w] == NONE && self.slack(e) == 0 {
                        owner[w] = t;
                        list.push(w);
                        self.add_tree_edge(e);
                        stack.push(w);
                    }
                }
            }
            members.push(list);
        }
        let mut heap: BinaryHeap<Reverse<(usize, usize)>> = members
            .iter()
            .enumerate()
            .map(|(t, m)| Reverse((m.len(), t)))
            .collect();
        while let Some(Reverse((size, t))) = heap.pop() {
            if members[t].len() != size {
                continue;
            }
            // The least-slack edge between this tree and another.
            let mut best: Option<(i64, usize)> = None;
            for &v in &members[t] {
                for &Link { edge: e, other, .. } in self.incident(v) {
                    if owner[other] != t {
                        let slack = self.slack(e);
                        if best.is_none_or(|(b, _)| slack < b) {
                            best = Some((slack, e));
                        }
                    }
                }
            }
            // No such edge: the tree spans its component.
            let Some((slack, e)) = best else { continue };
            // Moving the tree down shortens the edges leaving it; up, those entering it.
            let (delta, u) = if owner[self.tail[e]] == t {
                (slack, owner[self.head[e]])
            } else {
                (-slack, owner[self.tail[e]])
            };
            let moved = std::mem::take(&mut members[t]);
            for &v in &moved {
                self.rank[v] += delta;
                owner[v] = u;
            }
            self.add_tree_edge(e);
            members[u].extend(moved);
            heap.push(Reverse((members[u].len(), u)));
        }
        owner
    }

    /// Numbers the tree of `root` in postorder from `low`, setting every parent edge, and
    /// appends its nodes in postorder to `order`.
    fn dfs_range(&mut self, root: usize, par: usize, low: usize, order: &mut Vec<usize>) {
        let mut counter = low;
        self.par[root] = par;
        self.low[root] = counter;
        let mut stack = std::mem::take(&mut self.stack);
        stack.clear();
        stack.push((root, 0));
        while let Some(&mut (v, ref mut i)) = stack.last_mut() {
            if *i < self.tree_len[v] {
                let e = self.tree[self.start[v] + *i];
                *i += 1;
                if e != self.par[v] {
                    let w = self.other(e, v);
                    self.par[w] = e;
                    self.low[w] = counter;
                    stack.push((w, 0));
                }
            } else {
                self.lim[v] = counter;
                counter += 1;
                order.push(v);
                stack.pop();
            }
        }
        self.stack = stack;
    }

    fn init_cut_values(&mut self) {
        let n = self.tree_len.len();
        let mut seen = vec![false; n];
        let mut postorder = Vec::with_capacity(n);
        let mut next = 1;
        for root in 0..n {
            if seen[root] {
                continue;
            }
            let from = postorder.len();
            self.dfs_range(root, NONE, next, &mut postorder);
            next += postorder.len() - from;
            for &v in &postorder[from..] {
                seen[v] = true;
            }
        }
        for &v in &postorder {
            let f = self.par[v];
            if f != NONE {
                self.cut[f] = self.cut_value(f);
                self.note_sign(f);
            }
        }
    }

    /// Records in `negative` whether tree edge `e`'s cut value is negative.
    fn note_sign(&mut self, e: usize) {
        let i = self.slot[e];
        let bit = 1u64 << (i % 64);
        if self.cut[e] < 0 {
            self.negative[i / 64] |= bit;
        } else {
            self.negative[i / 64] &= !bit;
        }
    }

    /// The first slot in `from..to` whose tree edge has a negative cut value.
    fn next_negative(&self, from: usize, to: usize) -> Option<usize> {
        if from >= to {
            return None;
        }
        let mut k = from / 64;
        let mut word = self.negative[k] & (u64::MAX << (from % 64));
        loop {
            if word != 0 {
                let i = k * 64 + word.trailing_zeros() as usize;
                return (i < to).then_some(i);
            }
            k += 1;
            if k * 64 >= to {
                return None;
            }
            word = self.negative[k];
        }
    }

    /// The cut value of tree edge `f` from those of the tree edges below it (Graphviz's
    /// `x_cutval`): the weight of edges from its tail side to its head side, minus the reverse.
    fn cut_value(&self, f: usize) -> i64 {
        let (v, down) = if self.par[self.tail[f]] == f {
            (self.tail[f], true)
        } else {
            (self.head[f], false)
        };
        let mut sum = 0;
        for &Link {
            edge: e,
            other,
            out,
        } in self.incident(v)
        {
            let outside = !self.below(other, v);
            let mut value = if outside {
                1
            } else if self.in_tree[e] {
                self.cut[e] - 1
            } else {
                -1
            };
            // +1 for an edge pointing into `v` seen from below `f` going down, and so on.
            let toward = down != out;
            let mut d = if toward { 1 } else { -1 };
            if outside {
                d = -d;
            }
            if d < 0 {
                value = -value;
            }
            sum += value;
        }
        sum
    }

    /// A tree edge with a negative cut value: the most negative of the next `SEARCH_SIZE`
    /// found, searching cyclically from where the last search stopped.
    fn leave_edge(&mut self) -> Option<usize> {
        let len = self.tree_edges.len();
        let start = self.search_from;
        let mut found: Option<usize> = None;
        let mut count = 0;
        // The slots from `start` to the end, then from 0 to `start`.
        let (mut i, mut end, mut wrapped) = (start, len, false);
        loop {
            let Some(j) = self.next_negative(i, end) else {
                if wrapped {
                    break;
                }
                (i, end, wrapped) = (0, start, true);
                continue;
            };
            let f = self.tree_edges[j];
            if found.is_none_or(|g| self.cut[f] < self.cut[g]) {
                found = Some(f);
            }
            count += 1;
            if count >= SEARCH_SIZE {
                self.search_from = j;
                return found;
            }
            i = j + 1;
        }
        self.search_from = 0;
        found
    }

    /// The node below tree edge `e`.
    fn child(&self, e: usize) -> usize {
        if self.par[self.tail[e]] == e {
            self.tail[e]
        } else {
            self.head[e]
        }
    }

    /// The non-tree edge of least slack from the head side of `e` to its tail side (the first
    /// found, in a depth-first walk of the side below `e`). Leaves that side stamped in `seen`.
    fn enter_edge(&mut self, e: usize) -> Option<usize> {
        // Walk the side below `e` in the rooted tree, stamping it and keeping the non-tree
        // edges that leave it the right way (out-edges if it is the head side); those whose
        // far end is not stamped cross to the other side.
        let v = self.child(e);
        let out = v == self.head[e];
        self.stamp += 1;
        let below = self.stamp;
        let mut stack = std::mem::take(&mut self.walk);
        let mut leaving = std::mem::take(&mut self.leaving);
        stack.clear();
        leaving.clear();
        stack.push(v);
        while let Some(x) = stack.pop() {
            self.seen[x] = below;
            let up = self.par[x];
            for &Link {
                edge: g,
                other,
                out: leaves,
            } in self.incident(x)
            {
                if self.in_tree[g] {
                    if g != up {
                        stack.push(other);
                    }
                } else if leaves == out {
                    leaving.push(g);
                }
            }
        }
        let mut best: Option<(i64, usize)> = None;
        for &g in &leaving {
            let far = if out { self.head[g] } else { self.tail[g] };
            if self.seen[far] != below {
                let slack = self.slack(g);
                if best.is_none_or(|(b, _)| slack < b) {
                    best = Some((slack, g));
                    if slack == 0 {
                        break;
                    }
                }
            }
        }
        self.walk = stack;
        self.leaving = leaving;
        best.map(|(_, g)| g)
    }

    /// Swaps tree edge `e` for `f` (found by `enter_edge(e)`, so the side below `e` is still
    /// stamped): that side moves to make `f` tight, cut values on the tree path between `f`'s
    /// ends change by `e`'s, and the parent edges on the way from `f` up to `e` turn round.
    fn update(&mut self, e: usize, f: usize) {
        let below = self.stamp;
        let s = self.child(e);
        let delta = self.slack(f);
        if delta > 0 {
            if s == self.tail[e] {
                self.rerank(s, delta);
            } else {
                self.rerank(s, -delta);
            }
        }
        // `f`'s end below `e`.
        let mut x = if self.seen[self.tail[f]] == below {
            self.tail[f]
        } else {
            self.head[f]
        };
        let value = self.cut[e];
        let lca = self.common_ancestor(self.tail[f], self.head[f]);
        self.tree_update(self.tail[f], lca, value, true);
        self.tree_update(self.head[f], lca, value, false);
        self.cut[f] = -value;
        self.cut[e] = 0;
        // `x` hangs from `f` now; its old ancestors up to `s` from the node that was their
        // child.
        let mut up = f;
        loop {
            let old = self.par[x];
            self.par[x] = up;
            if x == s {
                break;
            }
            up = old;
            x = self.other(old, x);
        }
        self.exchange_tree_edges(e, f);
        self.note_sign(f);
    }

    /// The nearest common ancestor of `a` and `b` in the rooted tree: both climb in turn,
    /// stamping their way, until one reaches a node the other stamped.
    fn common_ancestor(&mut self, mut a: usize, mut b: usize) -> usize {
        self.stamp += 1;
        let stamp = self.stamp;
        self.seen[a] = stamp;
        if self.seen[b] == stamp {
            return b;
        }
        self.seen[b] = stamp;
        loop {
            for x in [&mut a, &mut b] {
                let up = self.par[*x];
                if up != NONE {
                    *x = self.other(up, *x);
                    if self.seen[*x] == stamp {
                        return *x;
                    }
                    self.seen[*x] = stamp;
                }
            }
        }
    }

    /// Lowers the ranks of `v`'s subtree by `delta`.
    fn rerank(&mut self, v: usize, delta: i64) {
        let mut stack = std::mem::take(&mut self.walk);
        stack.clear();
        stack.push(v);
        while let Some(x) = stack.pop() {
            self.rank[x] -= delta;
            for i in 0..self.tree_len[x] {
                let g = self.tree[self.start[x] + i];
                if g != self.par[x] {
                    stack.push(self.other(g, x));
                }
            }
        }
        self.walk = stack;
    }

    /// Walks from `v` up to its ancestor `lca`, adding `value` to the cut values of the tree
    /// edges on the way (subtracting for edges the other way round).
    fn tree_update(&mut self, mut v: usize, lca: usize, value: i64, dir: bool) {
        while v != lca {
            let e = self.par[v];
            let d = if v == self.tail[e] { dir } else { !dir };
            if d {
                self.cut[e] += value;
            } else {
                self.cut[e] -= value;
            }
            self.note_sign(e);
            v = self.other(e, v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::minimise;

    /// The longest-path ranking: a valid start.
    fn longest_path(n: usize, edges: &[(usize, usize)]) -> Vec<i64> {
        // Edges go from lower to higher index in these tests, so index order is topological.
        let mut rank = vec![0i64; n];
        for v in 0..n {
            for &(t, h) in edges {
                if h == v {
                    rank[v] = rank[v].max(rank[t] + 1);
                }
            }
        }
        rank
    }

    fn length(edges: &[(usize, usize)], rank: &[i64]) -> i64 {
        edges.iter().map(|&(t, h)| rank[h] - rank[t]).sum()
    }

    /// The least total length over every ranking with ranks below `n`, by brute force.
    fn optimum(n: usize, edges: &[(usize, usize)]) -> i64 {
        let mut best = i64::MAX;
        let mut rank = vec![0i64; n];
        loop {
            if edges.iter().all(|&(t, h)| rank[h] > rank[t]) {
                best = best.min(length(edges, &rank));
            }
            let mut i = 0;
            while i < n {
                rank[i] += 1;
                if rank[i] < n as i64 {
                    break;
                }
                rank[i] = 0;
                i += 1;
            }
            if i == n {
                return best;
            }
        }
    }

    fn check(n: usize, edges: &[(usize, usize)], expect: i64) {
        let mut rank = longest_path(n, edges);
        minimise(n, edges, &mut rank, 1000);
        assert!(
            edges.iter().all(|&(t, h)| rank[h] > rank[t]),
            "{edges:?}: invalid ranks {rank:?}"
        );
        assert_eq!(length(edges, &rank), expect, "{edges:?}: ranks {rank:?}");
        // Each component starts at rank 0: here the components are checked as one when joined.
        assert_eq!(rank.iter().min().copied().unwrap_or(0), 0, "{edges:?}");
    }

    #[test]
    fn shortest_total_length() {
        check(0, &[], 0);
        check(3, &[(0, 1), (1, 2)], 2);
        // A source whose only edge goes to the bottom moves down next to its target.
        check(4, &[(0, 3), (1, 2), (2, 3)], 3);
        check(5, &[(0, 4), (1, 2), (2, 3), (3, 4)], 4);
        // A chain fixes the ranks; the shortcuts are as long as they must be.
        check(4, &[(0, 1), (1, 2), (2, 3), (0, 3), (1, 3)], 8);
        // A node between the ends of a chain sits halfway; a source feeding it sits just above.
        check(5, &[(0, 1), (1, 2), (0, 4), (4, 2), (3, 4)], 5);
    }

    #[test]
    fn matches_brute_force_on_small_dags() {
        let mut state: u64 = 7;
        let mut next = |bound: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % bound
        };
        for _ in 0..200 {
            let n = 2 + next(5) as usize;
            let mut edges = Vec::new();
            for t in 0..n {
                for h in t + 1..n {
                    if next(3) == 0 {
                        edges.push((t, h));
                    }
                }
            }
            let expect = optimum(n, &edges);
            let mut rank = longest_path(n, &edges);
            minimise(n, &edges, &mut rank, 1000);
            assert!(edges.iter().all(|&(t, h)| rank[h] > rank[t]), "{edges:?}");
            assert_eq!(length(&edges, &rank), expect, "{edges:?}: {rank:?}");
        }
    }
}
