//! A [`Layout`] as a standalone SVG document: group boxes, then edges (polylines with an
//! arrowhead marker), then nodes (rounded rectangles with centred labels).
//!
//! **Architecture Invariant:** the output is well-formed XML whatever the labels contain — all
//! text and attribute values go through [`escape`] — and it references nothing outside itself.

use std::fmt::Write;

use super::Layout;

/// Renders `layout` as an SVG document.
pub fn render(layout: &Layout) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#,
        w = layout.width,
        h = layout.height
    );
    out.push_str(concat!(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" ",
        "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">",
        "<path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#6d7f8b\"/></marker></defs>\n"
    ));
    for g in &layout.groups {
        let _ = writeln!(
            out,
            r##"<g class="group" data-id="{id}"><rect x="{x}" y="{y}" width="{w}" height="{h}" rx="6" fill="#f4f6f8" stroke="#b0bcc6"/><text x="{tx}" y="{ty}" fill="#495763">{label}</text></g>"##,
            id = escape(&g.id),
            x = g.x,
            y = g.y,
            w = g.width,
            h = g.height,
            tx = g.x + 8.0,
            ty = g.y + 15.0,
            label = escape(&g.label),
        );
    }
    for e in &layout.edges {
        let mut points = String::new();
        for (i, p) in e.points.iter().enumerate() {
            if i > 0 {
                points.push(' ');
            }
            let _ = write!(points, "{},{}", p.x, p.y);
        }
        let _ = writeln!(
            out,
            r##"<polyline class="edge" data-from="{from}" data-to="{to}" points="{points}" fill="none" stroke="#6d7f8b" stroke-width="1.5" marker-end="url(#arrow)"/>"##,
            from = escape(&e.from),
            to = escape(&e.to),
        );
    }
    for n in &layout.nodes {
        let class = if n.hidden.is_empty() {
            "node"
        } else {
            "node hidden"
        };
        let dash = if n.hidden.is_empty() {
            ""
        } else {
            r#" stroke-dasharray="4 3""#
        };
        let _ = writeln!(
            out,
            r##"<g class="{class}" data-id="{id}"><rect x="{x}" y="{y}" width="{w}" height="{h}" rx="4" fill="#ffffff" stroke="#495763"{dash}/><text x="{tx}" y="{ty}" text-anchor="middle" dominant-baseline="central" fill="#1f2a33">{label}</text></g>"##,
            id = escape(&n.id),
            x = n.x,
            y = n.y,
            w = n.width,
            h = n.height,
            tx = n.x + n.width / 2.0,
            ty = n.y + n.height / 2.0,
            label = escape(&n.label),
        );
    }
    out.push_str("</svg>\n");
    out
}

/// Escapes text for XML content and double-quoted attributes; drops characters XML 1.0 forbids.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}
