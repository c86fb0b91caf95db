//! Coordinate assignment. Along a rank, each node wants to sit at the mean position of its
//! neighbours in the rank just placed; the positions closest to those wishes (weighted least
//! squares) that keep the rank's order and minimum gaps are found exactly by pool-adjacent-
//! violators isotonic regression. Dummy nodes weigh most, so long edges come out straight.
//! Passes alternate down and up, then two balance passes use both sides, and a last step puts
//! each long edge's dummies on one straight line where there is room. Across ranks, each
//! rank is a band as deep as its deepest node.
//!
//! **Architecture Invariant:** within a rank, neighbouring boxes (and the group boxes around
//! them) are separated by at least the configured gap — the solver enforces it exactly.

use super::rank::Layered;
use super::Geometry;

/// Where the layered nodes went, in the layout's frame (see [`Geometry`]).
pub(super) struct Placed {
    /// Per layered node: the centre along its rank.
    pub breadth: Vec<f64>,
    /// Per rank: (start, end) along the depth axis.
    pub bands: Vec<(f64, f64)>,
}

/// A dummy's wish counts this much more than a real node's.
const DUMMY_WEIGHT: f64 = 8.0;
/// A node without neighbours on the side being considered barely resists being moved.
const LONELY_WEIGHT: f64 = 0.05;

#[derive(Clone, Copy)]
enum Side {
    Up,
    Down,
    Both,
}

pub(super) fn place(l: &Layered, layers: &[Vec<usize>], geometry: &Geometry) -> Placed {
    let total = l.rank.len();
    let frame: Vec<(f64, f64)> = l.size.iter().map(|&s| geometry.frame(s)).collect();
    let is_dummy = |v: usize| v >= l.real;
    let separation = |a: usize, b: usize| {
        let gap = if is_dummy(a) || is_dummy(b) {
            geometry.node_gap / 2.0
        } else {
            geometry.node_gap
        };
        let mut extra = 0.0;
        if l.group[a] != l.group[b] {
            if l.group[a].is_some() {
                extra += geometry.pad_breadth.1;
            }
            if l.group[b].is_some() {
                extra += geometry.pad_breadth.0;
            }
        }
        (frame[a].0 + frame[b].0) / 2.0 + gap + extra
    };

    let mut breadth = vec![0f64; total];
    let mut seps: Vec<Vec<f64>> = Vec::with_capacity(layers.len());
    for layer in layers {
        let sep: Vec<f64> = layer.windows(2).map(|w| separation(w[0], w[1])).collect();
        let mut x = 0.0;
        for (i, &v) in layer.iter().enumerate() {
            if i > 0 {
                x += sep[i - 1];
            }
            breadth[v] = x;
        }
        seps.push(sep);
    }

    let mut wishes = Vec::new();
    let mut blocks = Vec::new();
    let passes = [
        Side::Up,
        Side::Down,
        Side::Up,
        Side::Down,
        Side::Both,
        Side::Both,
    ];
    for side in passes {
        for k in 0..layers.len() {
            let r = match side {
                Side::Down => layers.len() - 1 - k,
                Side::Up | Side::Both => k,
            };
            let layer = &layers[r];
            wishes.clear();
            wishes.extend(layer.iter().map(|&v| {
                let (sum, count) = match side {
                    Side::Up => sum(l.near.up(v), &breadth),
                    Side::Down => sum(l.near.down(v), &breadth),
                    Side::Both => {
                        let (up, down) = l.near.both(v);
                        let (a, n) = sum(up, &breadth);
                        let (b, m) = sum(down, &breadth);
                        (a + b, n + m)
                    }
                };
                if count == 0 {
                    (breadth[v], LONELY_WEIGHT)
                } else {
                    let weight = if is_dummy(v) { DUMMY_WEIGHT } else { 1.0 };
                    (sum / count as f64, weight)
                }
            }));
            isotonic(&wishes, &seps[r], &mut blocks);
            place_blocks(&blocks, &seps[r], layer, &mut breadth);
        }
    }

    // Straighten: the dummies of one long edge move onto one line where their neighbours
    // leave room (the intersection of their free intervals), so the edge has no kinks inside.
    let mut slot = vec![(0usize, 0usize); total];
    for (r, layer) in layers.iter().enumerate() {
        for (i, &v) in layer.iter().enumerate() {
            slot[v] = (r, i);
        }
    }
    for chain in l.chains.iter() {
        let inner = &chain[1..chain.len().saturating_sub(1).max(1)];
        if inner.len() < 2 {
            continue;
        }
        let (mut lo, mut hi) = (f64::NEG_INFINITY, f64::INFINITY);
        for &d in inner {
            let (r, i) = slot[d];
            if i > 0 {
                lo = lo.max(breadth[layers[r][i - 1]] + seps[r][i - 1]);
            }
            if i + 1 < layers[r].len() {
                hi = hi.min(breadth[layers[r][i + 1]] - seps[r][i]);
            }
        }
        if lo <= hi {
            let mean = inner.iter().map(|&d| breadth[d]).sum::<f64>() / inner.len() as f64;
            let x = mean.clamp(lo, hi);
            for &d in inner {
                breadth[d] = x;
            }
        }
    }

    let mut bands = Vec::with_capacity(layers.len());
    let mut start = 0.0;
    for layer in layers {
        let depth = layer.iter().map(|&v| frame[v].1).fold(0.0, f64::max);
        bands.push((start, start + depth));
        start += depth + geometry.rank_gap;
    }
    Placed { breadth, bands }
}

fn sum(neighbours: &[usize], breadth: &[f64]) -> (f64, usize) {
    (
        neighbours.iter().map(|&u| breadth[u]).sum(),
        neighbours.len(),
    )
}

/// The positions `x` minimising `Σ weight·(x − desired)²` for the `(desired, weight)` wishes,
/// subject to `x[i+1] − x[i] ≥ sep[i]`: with `y[i] = x[i] − Σ sep[..i]` this is isotonic
/// regression, solved in linear time by pooling adjacent violators. Leaves in `blocks` the
/// pooled values, (Σ weight, Σ weight·target, length), for [`place_blocks`].
fn isotonic(wishes: &[(f64, f64)], sep: &[f64], blocks: &mut Vec<(f64, f64, usize)>) {
    blocks.clear();
    let mut offset = 0.0;
    for (i, &(desired, weight)) in wishes.iter().enumerate() {
        if i > 0 {
            offset += sep[i - 1];
        }
        let target = desired - offset;
        let mut block = (weight, weight * target, 1);
        // Pooled with the blocks before it while they would sit right of it.
        while let Some(&prev) = blocks.last() {
            if prev.1 / prev.0 > block.1 / block.0 {
                blocks.pop();
                block = (prev.0 + block.0, prev.1 + block.1, prev.2 + block.2);
            } else {
                break;
            }
        }
        blocks.push(block);
    }
}

/// Sets the breadth of the nodes of `layer` from the pooled `blocks` of [`isotonic`].
fn place_blocks(blocks: &[(f64, f64, usize)], sep: &[f64], layer: &[usize], breadth: &mut [f64]) {
    let mut offset = 0.0;
    let mut i = 0;
    for &(w, wt, len) in blocks {
        let y = wt / w;
        for &v in layer.iter().skip(i).take(len) {
            if i > 0 {
                offset += sep[i - 1];
            }
            breadth[v] = y + offset;
            i += 1;
        }
    }
}
