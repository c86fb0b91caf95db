//! Counting crossings of drawn polylines, for tests and benchmarks: it needs only the points, so
//! it can judge any layout engine's output the same way.
//!
//! **Architecture Invariant:** only proper crossings count — two segments of different
//! polylines whose interiors cross at one point. Touching at an end (arrows leaving the same
//! port) and overlapping collinear segments are not crossings.

use super::Point;

/// The number of proper crossings between segments of different polylines.
///
/// Segments are swept along the axis where they are shortest, so the usual layered drawing
/// compares each segment only with its near neighbours.
pub fn count_crossings<'a, I>(polylines: I) -> u64
where
    I: IntoIterator<Item = &'a [Point]>,
{
    // (polyline, a, b)
    let mut segments: Vec<(usize, Point, Point)> = Vec::new();
    for (i, line) in polylines.into_iter().enumerate() {
        for w in line.windows(2) {
            segments.push((i, w[0], w[1]));
        }
    }
    let (span_x, span_y) = segments.iter().fold((0.0, 0.0), |(x, y), (_, a, b)| {
        (x + (a.x - b.x).abs(), y + (a.y - b.y).abs())
    });
    let along_x = span_x <= span_y;
    let range = |a: &Point, b: &Point| {
        if along_x {
            (a.x.min(b.x), a.x.max(b.x))
        } else {
            (a.y.min(b.y), a.y.max(b.y))
        }
    };
    let mut keyed: Vec<(f64, f64, usize)> = segments
        .iter()
        .enumerate()
        .map(|(i, (_, a, b))| {
            let (lo, hi) = range(a, b);
            (lo, hi, i)
        })
        .collect();
    keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.2.cmp(&b.2)));
    let mut count: u64 = 0;
    for (i, &(_, hi, s)) in keyed.iter().enumerate() {
        for &(lo2, _, t) in &keyed[i + 1..] {
            if lo2 > hi {
                break;
            }
            let (p, a, b) = segments[s];
            let (q, c, d) = segments[t];
            if p != q && proper(a, b, c, d) {
                count += 1;
            }
        }
    }
    count
}

fn orientation(a: Point, b: Point, c: Point) -> f64 {
    (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x)
}

fn proper(a: Point, b: Point, c: Point, d: Point) -> bool {
    let o1 = orientation(a, b, c);
    let o2 = orientation(a, b, d);
    let o3 = orientation(c, d, a);
    let o4 = orientation(c, d, b);
    o1 * o2 < 0.0 && o3 * o4 < 0.0
}
