//! A [`Layout`] as a standalone SVG document: group boxes, then edges (polylines with an
//! arrowhead marker), then nodes (rounded boxes with their label, badges and rows), styled by
//! classes (`pl-kind-…`, `pl-status-…`) from one embedded stylesheet with Argo's phase colours, so
//! the page can restyle it (dark mode) and an exported file looks the same on its own. Every node
//! and row carries `data-id`; a tooltip is a `<title>`.
//!
//! **Architecture Invariant:** the output is well-formed XML whatever the labels contain — all
//! text and attribute values go through [`escape`] — and it references nothing outside itself.
//! [`measure`] is the one place that knows how big a node's content is; builders size nodes with
//! it so the drawing always fits its box.

use std::fmt::Write;

use super::{Layout, Look, PlacedNode, Row};

/// Height of the label line, of a badge line, of a row without and with badges.
const LABEL_H: f64 = 28.0;
const BADGE_H: f64 = 16.0;
const ROW_H: f64 = 24.0;
const ROW_GAP: f64 = 4.0;
const PAD: f64 = 8.0;
/// Average glyph width at 12px sans-serif, for sizing boxes without a font engine.
const CHAR_W: f64 = 7.0;
const MIN_W: f64 = 120.0;
const MAX_W: f64 = 360.0;

/// The stylesheet every drawing embeds: Argo's phase colours (Succeeded #18BE94, Failed/Error
/// #E96D76, Running #0DADEA, Pending #f4c030, Skipped/Omitted #6D7F8B) for Argo phases and Azure
/// results alike.
const STYLE: &str = "\
.pl-group-box{fill:#f4f6f8;stroke:#b0bcc6}.pl-group-label{fill:#495763}\
.pl-edge{fill:none;stroke:#6d7f8b;stroke-width:1.5}.pl-arrow{fill:#6d7f8b}\
.pl-box{fill:#fff;stroke:#8a99a8;stroke-width:1.2}.pl-row-box{fill:#f5f6f8;stroke:#d5d9e0}\
.pl-label{fill:#1f2a33;font-weight:600}.pl-row-label{fill:#1f2a33}.pl-badge{fill:#5b6470;font-size:11px}\
.pl-dot{fill:#c2cad3}.pl-icon{fill:none;stroke:#fff;stroke-width:1.5;stroke-linecap:round;stroke-linejoin:round}.pl-kind-hidden .pl-box{stroke-dasharray:4 3}\
.pl-status-succeeded>.pl-box,.pl-status-succeeded>.pl-row-box{stroke:#18BE94;stroke-width:2}.pl-status-succeeded>.pl-dot{fill:#18BE94}\
.pl-status-failed>.pl-box,.pl-status-failed>.pl-row-box,.pl-status-error>.pl-box,.pl-status-error>.pl-row-box{stroke:#E96D76;stroke-width:2}\
.pl-status-failed>.pl-dot,.pl-status-error>.pl-dot{fill:#E96D76}\
.pl-status-running>.pl-box,.pl-status-running>.pl-row-box{stroke:#0DADEA;stroke-width:2}.pl-status-running>.pl-dot{fill:#0DADEA}\
.pl-status-pending>.pl-box,.pl-status-pending>.pl-row-box{stroke:#f4c030;stroke-width:2}.pl-status-pending>.pl-dot{fill:#f4c030}\
.pl-status-skipped>.pl-box,.pl-status-skipped>.pl-row-box,.pl-status-omitted>.pl-box,.pl-status-omitted>.pl-row-box,.pl-status-canceled>.pl-box,.pl-status-canceled>.pl-row-box{stroke:#6D7F8B;stroke-dasharray:5 3}\
.pl-status-skipped>.pl-dot,.pl-status-omitted>.pl-dot,.pl-status-canceled>.pl-dot{fill:#6D7F8B}";

fn text_width(text: &str) -> f64 {
    text.chars().count() as f64 * CHAR_W
}

fn badge_line(badges: &[String]) -> String {
    badges.join(" · ")
}

/// The width and height a node needs for `label` and `look` (its badges and rows).
pub fn measure(label: &str, look: &Look) -> (f64, f64) {
    let status = if look.status.is_empty() {
        0.0
    } else {
        text_width(&look.status) + PAD
    };
    let mut width = text_width(label) + 2.0 * PAD + 16.0 + status;
    let mut height = LABEL_H;
    if !look.badges.is_empty() {
        width = width.max(text_width(&badge_line(&look.badges)) * 0.9 + 2.0 * PAD);
        height += BADGE_H;
    }
    for row in &look.rows {
        let mut w = text_width(&row.label) + 4.0 * PAD + 12.0;
        let mut h = ROW_H;
        if !row.badges.is_empty() {
            w = w.max(text_width(&badge_line(&row.badges)) * 0.9 + 4.0 * PAD);
            h += BADGE_H - 4.0;
        }
        width = width.max(w);
        height += h + ROW_GAP;
    }
    if !look.rows.is_empty() {
        height += PAD - ROW_GAP;
    }
    (width.clamp(MIN_W, MAX_W), height)
}

/// `Succeeded` → `succeeded`; anything but letters, digits and `-` is dropped.
fn class_part(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn classes(base: &str, kind: &str, status: &str) -> String {
    let mut out = base.to_string();
    if !kind.is_empty() {
        let _ = write!(out, " pl-kind-{}", class_part(kind));
    }
    if !status.is_empty() {
        let _ = write!(out, " pl-status-{}", class_part(status));
    }
    out
}

fn title(out: &mut String, tooltip: &str) {
    if !tooltip.is_empty() {
        let _ = write!(out, "<title>{}</title>", escape(tooltip));
    }
}

/// Renders `layout` as an SVG document.
pub fn render(layout: &Layout) -> String {
    let mut out = String::new();
    // Writing into a String cannot fail; the results are ignored for that reason.
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="pl-graph" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="sans-serif" font-size="12">"#,
        w = layout.width,
        h = layout.height
    );
    let _ = writeln!(out, "<style>{STYLE}</style>");
    out.push_str(concat!(
        "<defs><marker id=\"pl-arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" ",
        "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">",
        "<path class=\"pl-arrow\" d=\"M 0 0 L 10 5 L 0 10 z\"/></marker></defs>\n"
    ));
    for g in &layout.groups {
        let _ = writeln!(
            out,
            r#"<g class="pl-group" data-id="{id}"><rect class="pl-group-box" x="{x}" y="{y}" width="{w}" height="{h}" rx="6"/><text class="pl-group-label" x="{tx}" y="{ty}">{label}</text></g>"#,
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
    let id = |v: usize| layout.nodes.get(v).map_or("", |n| n.id.as_str());
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
            r#"<polyline class="pl-edge" data-from="{from}" data-to="{to}" points="{points}" marker-end="url(#pl-arrow)"/>"#,
            from = escape(id(e.from)),
            to = escape(id(e.to)),
        );
    }
    for n in &layout.nodes {
        node(&mut out, n);
    }
    out.push_str("</svg>\n");
    out
}

fn node(out: &mut String, n: &PlacedNode) {
    let look = &n.look;
    let _ = write!(
        out,
        r#"<g class="{class}" data-id="{id}">"#,
        class = escape(&classes("pl-node", &look.kind, &look.status)),
        id = escape(&n.id),
    );
    title(out, &look.tooltip);
    let pill = matches!(
        look.kind.as_str(),
        "DAG" | "Steps" | "StepGroup" | "TaskGroup"
    ) && look.rows.is_empty();
    let _ = write!(
        out,
        r#"<rect class="pl-box" x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}"/>"#,
        x = n.x,
        y = n.y,
        w = n.width,
        h = n.height,
        rx = if pill {
            n.height.min(LABEL_H) / 2.0
        } else {
            4.0
        },
    );
    let centred = look.badges.is_empty() && look.rows.is_empty();
    let label_y = n.y + LABEL_H / 2.0;
    if !look.status.is_empty() {
        let _ = write!(
            out,
            r#"<circle class="pl-dot" cx="{cx}" cy="{label_y}" r="5"/>"#,
            cx = n.x + PAD + 5.0,
        );
        icon(out, &look.status, n.x + PAD + 5.0, label_y, 5.0);
    }
    let dot = if look.status.is_empty() { 0.0 } else { 14.0 };
    if !look.status.is_empty() {
        let _ = write!(
            out,
            r#"<text class="pl-badge pl-status-word" x="{x}" y="{label_y}" text-anchor="end" dominant-baseline="central">{status}</text>"#,
            x = n.x + n.width - PAD,
            status = escape(&look.status),
        );
    }
    if centred && look.status.is_empty() {
        let _ = write!(
            out,
            r#"<text class="pl-label" x="{x}" y="{y}" text-anchor="middle" dominant-baseline="central">{label}</text>"#,
            x = n.x + n.width / 2.0,
            y = n.y + n.height / 2.0,
            label = escape(&n.label),
        );
    } else {
        let _ = write!(
            out,
            r#"<text class="pl-label" x="{x}" y="{label_y}" dominant-baseline="central">{label}</text>"#,
            x = n.x + PAD + dot,
            label = escape(&n.label),
        );
    }
    let mut y = n.y + LABEL_H;
    if !look.badges.is_empty() {
        let _ = write!(
            out,
            r#"<text class="pl-badge" x="{x}" y="{y}" dominant-baseline="central">{text}</text>"#,
            x = n.x + PAD,
            y = y + BADGE_H / 2.0 - 4.0,
            text = escape(&badge_line(&look.badges)),
        );
        y += BADGE_H;
    }
    for r in &look.rows {
        y = row(out, n, r, y) + ROW_GAP;
    }
    out.push_str("</g>\n");
}

/// Draws one row from `y`; returns where it ends.
fn row(out: &mut String, n: &PlacedNode, r: &Row, y: f64) -> f64 {
    let h = if r.badges.is_empty() {
        ROW_H
    } else {
        ROW_H + BADGE_H - 4.0
    };
    let _ = write!(
        out,
        r#"<g class="{class}" data-id="{id}">"#,
        class = escape(&classes("pl-row", &r.kind, &r.status)),
        id = escape(&r.id),
    );
    title(out, &r.tooltip);
    let (x, w) = (n.x + PAD, n.width - 2.0 * PAD);
    let _ = write!(
        out,
        r#"<rect class="pl-row-box" x="{x}" y="{y}" width="{w}" height="{h}" rx="3"/>"#
    );
    let line_y = y + ROW_H / 2.0;
    let mut tx = x + 6.0;
    if !r.status.is_empty() {
        let _ = write!(
            out,
            r#"<circle class="pl-dot" cx="{cx}" cy="{line_y}" r="4"/>"#,
            cx = x + 10.0
        );
        icon(out, &r.status, x + 10.0, line_y, 4.0);
        tx += 12.0;
    }
    let _ = write!(
        out,
        r#"<text class="pl-row-label" x="{tx}" y="{line_y}" dominant-baseline="central">{label}</text>"#,
        label = escape(&r.label),
    );
    if !r.badges.is_empty() {
        let _ = write!(
            out,
            r#"<text class="pl-badge" x="{tx}" y="{by}" dominant-baseline="central">{text}</text>"#,
            by = y + ROW_H + (BADGE_H - 4.0) / 2.0 - 4.0,
            text = escape(&badge_line(&r.badges)),
        );
    }
    out.push_str("</g>");
    y + h
}

/// The phase's icon inside its dot of radius `r` at (`cx`, `cy`), drawn in white strokes as the
/// Argo UI and Azure DevOps mark results: a check (succeeded), a cross (failed), an exclamation
/// mark (error), an open ring (running), clock hands (pending), a bar (skipped, omitted,
/// canceled). Other phases keep a plain dot.
fn icon(out: &mut String, status: &str, cx: f64, cy: f64, r: f64) {
    let k = r * 0.5;
    // Unit-square coordinates scaled by `k` around the centre.
    let p = |x: f64, y: f64| format!("{:.1} {:.1}", cx + x * k, cy + y * k);
    let d = match status.to_ascii_lowercase().as_str() {
        "succeeded" => format!("M{}L{}L{}", p(-1.1, 0.1), p(-0.3, 0.9), p(1.1, -0.8)),
        "failed" => format!(
            "M{}L{}M{}L{}",
            p(-0.8, -0.8),
            p(0.8, 0.8),
            p(0.8, -0.8),
            p(-0.8, 0.8)
        ),
        "error" => format!(
            "M{}L{}M{}L{}",
            p(0.0, -1.1),
            p(0.0, 0.2),
            p(0.0, 0.9),
            p(0.0, 0.95)
        ),
        "running" => format!("M{}A{k:.1} {k:.1} 0 1 1 {}", p(0.0, -1.0), p(-1.0, 0.0)),
        "pending" => format!("M{}L{}L{}", p(0.0, -1.1), p(0.0, 0.0), p(0.8, 0.5)),
        "skipped" | "omitted" | "canceled" => format!("M{}L{}", p(-1.0, 0.0), p(1.0, 0.0)),
        _ => return,
    };
    let _ = write!(out, r#"<path class="pl-icon" d="{d}"/>"#);
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
