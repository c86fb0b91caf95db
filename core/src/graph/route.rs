//! Drawing: node boxes, edge polylines through their dummy nodes, group boxes around their
//! members, all moved so the drawing starts at the margin. Coordinates are rounded to 1/100 px.
//!
//! **Architecture Invariant:** every route starts on its source's box and ends on its target's
//! box (a reversed edge is drawn through the reversed chain, then its points are reversed).

use super::acyclic::Dag;
use super::collapse::{Kind, Visible};
use super::position::Placed;
use super::rank::Layered;
use super::{Geometry, GroupBox, Input, Layout, Look, PlacedNode, Point, Route};

/// How far a self-loop sticks out of its node's right side.
const LOOP_REACH: f64 = 16.0;

/// A rectangle in the layout's frame: (breadth start, depth start, breadth size, depth size).
type FrameRect = (f64, f64, f64, f64);

pub(super) fn draw(
    input: &Input,
    visible: Visible,
    dag: &Dag,
    l: &Layered,
    placed: &Placed,
    geometry: &Geometry,
) -> Layout {
    let frame_rect = |v: usize| -> FrameRect {
        let (bs, ds) = geometry.frame(l.size[v]);
        let band = placed.bands[l.rank[v]];
        let depth_centre = (band.0 + band.1) / 2.0;
        (
            placed.breadth[v] - bs / 2.0,
            depth_centre - ds / 2.0,
            bs,
            ds,
        )
    };
    let to_drawing = |(b, d, bs, ds): FrameRect| -> (f64, f64, f64, f64) {
        if geometry.transpose {
            (d, b, ds, bs)
        } else {
            (b, d, bs, ds)
        }
    };
    let Visible {
        nodes: visible_nodes,
        edges: visible_edges,
        loops,
    } = visible;
    let mut nodes = Vec::with_capacity(visible_nodes.len());
    for (v, node) in visible_nodes.iter().enumerate() {
        let (x, y, width, height) = to_drawing(frame_rect(v));
        let (id, label, hidden, look) = match &node.kind {
            Kind::Real(i) => {
                let n = &input.graph.nodes[input.nodes[*i]];
                (n.id.clone(), n.label.clone(), Vec::new(), n.look.clone())
            }
            Kind::Hidden { id, members } => (
                id.clone(),
                format!("{} hidden nodes", members.len()),
                members
                    .iter()
                    .map(|&m| input.graph.nodes[input.nodes[m]].id.clone())
                    .collect(),
                Look {
                    kind: "hidden".into(),
                    tooltip: format!("{} nodes hidden; click to show them", members.len()),
                    ..Look::default()
                },
            ),
        };
        nodes.push(PlacedNode {
            id,
            label,
            x,
            y,
            width,
            height,
            rank: l.rank[v],
            group: node.group.map(|g| input.groups[g].0.clone()),
            hidden,
            look,
        });
    }

    let mut edges = Vec::with_capacity(visible_edges.len() + loops.len());
    for (e, edge) in visible_edges.into_iter().enumerate() {
        let chain = &l.chains[e];
        let mut points: Vec<Point> = Vec::with_capacity(chain.len() * 2);
        if let (Some(&first), Some(&last)) = (chain.first(), chain.last()) {
            let (b, d, bs, ds) = frame_rect(first);
            points.push(geometry.point(b + bs / 2.0, d + ds));
            for &dummy in &chain[1..chain.len() - 1] {
                let band = placed.bands[l.rank[dummy]];
                points.push(geometry.point(placed.breadth[dummy], band.0));
                if band.1 > band.0 {
                    points.push(geometry.point(placed.breadth[dummy], band.1));
                }
            }
            let (b, d, bs, _) = frame_rect(last);
            points.push(geometry.point(b + bs / 2.0, d));
        }
        if dag.reversed[e] {
            points.reverse();
        }
        edges.push(Route {
            from: edge.from,
            to: edge.to,
            points,
            reversed: dag.reversed[e],
            edges: edge.inputs,
        });
    }
    for edge in loops {
        let (x, y, w, h) = to_drawing(frame_rect(edge.from));
        let (right, low, high) = (x + w, y + h * 0.75, y + h * 0.25);
        edges.push(Route {
            from: edge.from,
            to: edge.to,
            points: vec![
                Point { x: right, y: low },
                Point {
                    x: right + LOOP_REACH,
                    y: low,
                },
                Point {
                    x: right + LOOP_REACH,
                    y: high,
                },
                Point { x: right, y: high },
            ],
            reversed: false,
            edges: edge.inputs,
        });
    }

    // Group boxes: the frame bounding box of each group's layered nodes, padded.
    let mut bounds: Vec<Option<(f64, f64, f64, f64)>> = vec![None; input.groups.len()];
    let mut has_member = vec![false; input.groups.len()];
    for v in 0..l.rank.len() {
        if let Some(g) = l.group[v] {
            let (b, d, bs, ds) = frame_rect(v);
            let b = if v >= l.real { placed.breadth[v] } else { b };
            has_member[g] |= v < l.real;
            let next = (b, d, b + bs, d + ds);
            bounds[g] = Some(match bounds[g] {
                None => next,
                Some(a) => (
                    a.0.min(next.0),
                    a.1.min(next.1),
                    a.2.max(next.2),
                    a.3.max(next.3),
                ),
            });
        }
    }
    let mut groups = Vec::new();
    for (g, bound) in bounds.into_iter().enumerate() {
        if let (Some((b0, d0, b1, d1)), true) = (bound, has_member[g]) {
            let b0 = b0 - geometry.pad_breadth.0;
            let d0 = d0 - geometry.pad_depth.0;
            let b1 = b1 + geometry.pad_breadth.1;
            let d1 = d1 + geometry.pad_depth.1;
            let (x, y, width, height) = to_drawing((b0, d0, b1 - b0, d1 - d0));
            groups.push(GroupBox {
                id: input.groups[g].0.clone(),
                label: input.groups[g].1.clone(),
                x,
                y,
                width,
                height,
            });
        }
    }

    // Move everything so the drawing starts at the margin, and round.
    let mut min = (f64::INFINITY, f64::INFINITY);
    let mut max = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    let mut extend = |x: f64, y: f64| {
        min = (min.0.min(x), min.1.min(y));
        max = (max.0.max(x), max.1.max(y));
    };
    for n in &nodes {
        extend(n.x, n.y);
        extend(n.x + n.width, n.y + n.height);
    }
    for g in &groups {
        extend(g.x, g.y);
        extend(g.x + g.width, g.y + g.height);
    }
    for r in &edges {
        for p in &r.points {
            extend(p.x, p.y);
        }
    }
    if !min.0.is_finite() {
        min = (0.0, 0.0);
        max = (0.0, 0.0);
    }
    let m = geometry.margin;
    let (dx, dy) = (m - min.0, m - min.1);
    for n in &mut nodes {
        n.x = round(n.x + dx);
        n.y = round(n.y + dy);
        n.width = round(n.width);
        n.height = round(n.height);
    }
    for g in &mut groups {
        g.x = round(g.x + dx);
        g.y = round(g.y + dy);
        g.width = round(g.width);
        g.height = round(g.height);
    }
    for r in &mut edges {
        for p in &mut r.points {
            p.x = round(p.x + dx);
            p.y = round(p.y + dy);
        }
    }
    Layout {
        width: round(max.0 - min.0 + 2.0 * m),
        height: round(max.1 - min.1 + 2.0 * m),
        nodes,
        edges,
        groups,
        crossings: 0,
        reversed: Vec::new(),
        warnings: Vec::new(),
    }
}

fn round(v: f64) -> f64 {
    let r = round_half_away(v * 100.0) / 100.0;
    // Never emit negative zero: it would print as "-0" and differ bit for bit from 0.
    if r == 0.0 {
        0.0
    } else {
        r
    }
}

/// `x.round()` without the library call it compiles to on targets without a rounding
/// instruction (baseline x86-64, wasm32): the fraction left by truncation is exact below 2^52.
/// A zero comes out positive (`round` turns negative zero into zero anyway).
fn round_half_away(x: f64) -> f64 {
    if x.abs() < 4.0e15 {
        let whole = x as i64 as f64;
        let fraction = x - whole;
        if fraction >= 0.5 {
            whole + 1.0
        } else if fraction <= -0.5 {
            whole - 1.0
        } else {
            whole
        }
    } else {
        x.round()
    }
}

#[cfg(test)]
mod tests {
    use super::round_half_away;

    #[test]
    fn rounds_as_f64_round() {
        let values = [
            0.0,
            -0.0,
            0.49999999999999994,
            0.5,
            -0.5,
            1.5,
            -1.5,
            2.5,
            -2.4999,
            123456.789,
            -98765.4321,
            3.999e15,
            -3.999e15 + 0.5,
            4.5e15 + 1.0,
            1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in values {
            assert_eq!(round_half_away(x), x.round(), "{x}");
        }
        assert!(round_half_away(f64::NAN).is_nan());
    }
}
