//! Layered (Sugiyama-style) layout of a generic directed graph: the pictures of stages and jobs,
//! Argo DAGs and event flows are all drawn from a [`Graph`] laid out by [`layout`].
//!
//! The stages follow the data, one file each: `collapse` hides the middle of wide fan-outs
//! behind an "N hidden nodes" placeholder as the Argo UI does → `acyclic` reverses back edges →
//! `rank` assigns layers (longest path, then network simplex for the least total edge length)
//! and inserts dummy nodes on long edges → `order` reduces crossings with barycenter sweeps and adjacent swaps, seeded by YAML
//! order → `position` assigns coordinates (weighted isotonic regression per rank, so long edges
//! stay straight and boxes in a rank never overlap) → `route` draws edge polylines and group
//! boxes. [`svg`] renders a [`Layout`] as a standalone SVG and [`count_crossings`] counts the
//! crossings of any set of polylines.
//!
//! Groups are kept contiguous within every rank and their boxes enclose their members, but
//! this is not yet a compound layout: when a group's members share ranks with other nodes on
//! both sides, or groups interleave across ranks, a box can overlap another box or a foreign
//! node. Stage-shaped groups (a group's members on consecutive ranks, as in Azure's stages and
//! Argo's step groups) come out apart; see the `groups_*` fixtures.
//!
//! **Architecture Invariant:** `graph` knows nothing of Azure or Argo — engines build a [`Graph`]
//! and get a [`Layout`] back. The same input gives the same output bit for bit (no hash-map
//! iteration order, no clock, no randomness), and no input makes it panic or run unbounded:
//! cycles are broken, every loop is bounded by the size of the input, and bad sizes are replaced.

mod acyclic;
mod collapse;
mod crossings;
mod order;
mod position;
mod rank;
mod route;
mod simplex;
pub mod svg;
pub mod text;

use std::collections::hash_map::Entry;
use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::fnv::FnvMap;

pub use crossings::count_crossings;

/// Width of a node whose input width is missing or not a usable number.
pub const DEFAULT_WIDTH: f64 = 160.0;
/// Height of a node whose input height is missing or not a usable number.
pub const DEFAULT_HEIGHT: f64 = 40.0;
/// Sizes are clamped to this, so one absurd node cannot push the rest out of `f64` precision.
const MAX_SIZE: f64 = 100_000.0;

/// The graph to lay out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Graph {
    pub nodes: Vec<Node>,
    #[serde(default)]
    pub edges: Vec<Edge>,
    /// Labels for the groups that nodes name; a group named by a node but missing here is
    /// labelled with its id.
    #[serde(default)]
    pub groups: Vec<Group>,
}

/// A node: a stage, a job, an Argo DAG task, an EventSource…
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: String,
    pub label: String,
    pub width: f64,
    pub height: f64,
    /// The box this node is drawn in (jobs inside a stage; an Argo TaskGroup or StepGroup).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// Where the node appears in the YAML; seeds the left-to-right order so the picture stays
    /// put while the user types. Ties are broken by position in [`Graph::nodes`].
    #[serde(default)]
    pub order: u64,
    /// How it is drawn and what it stands for; the layout carries it through untouched.
    #[serde(default, skip_serializing_if = "Look::is_plain")]
    pub look: Look,
}

/// What a node stands for, for drawing and for the page: its kind and status (CSS classes in the
/// SVG), badges under the label, clickable rows inside the box, where it comes from, a tooltip.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Look {
    /// `stage`, `job`, `deployment`, an Argo node type (`Pod`, `DAG`, `Steps`, `Retry`…).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// An Azure result or an Argo phase (`Succeeded`, `Failed`, `Skipped`, `Running`…).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// Short facts drawn under the label (an environment, a strategy).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub badges: Vec<String>,
    /// Lines drawn inside the box, each with an id of its own (a stage's jobs).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<Row>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
    /// Shown on hover (e.g. the condition that skipped it).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tooltip: String,
}

impl Look {
    fn is_plain(&self) -> bool {
        *self == Look::default()
    }
}

/// One line inside a node's box.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Row {
    pub id: String,
    pub label: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub kind: String,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub badges: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceRef>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub tooltip: String,
}

/// A byte range of a workspace file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub file: String,
    pub start: usize,
    pub end: usize,
}

impl Node {
    /// A node of the default size, labelled with its id, ordered by `order`.
    pub fn new(id: impl Into<String>, order: u64) -> Node {
        let id = id.into();
        Node {
            label: id.clone(),
            id,
            width: DEFAULT_WIDTH,
            height: DEFAULT_HEIGHT,
            group: None,
            order,
            look: Look::default(),
        }
    }
}

/// A dependency drawn as an arrow from `from` to `to`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
}

impl Edge {
    pub fn new(from: impl Into<String>, to: impl Into<String>) -> Edge {
        Edge {
            from: from.into(),
            to: to.into(),
        }
    }
}

/// A group's display label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub id: String,
    pub label: String,
}

/// Which way edges point.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Ranks are rows, edges point down (the Argo UI's DAG).
    #[default]
    TopToBottom,
    /// Ranks are columns, edges point right (Azure's stage view).
    LeftToRight,
}

/// How to lay out.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Options {
    pub direction: Direction,
    /// Space between neighbouring nodes of one rank.
    pub node_gap: f64,
    /// Space between ranks.
    pub rank_gap: f64,
    /// Space between a group's box and its members.
    pub group_padding: f64,
    /// Extra space at the top of a group's box for its label.
    pub group_label: f64,
    /// Space around the whole drawing.
    pub margin: f64,
    /// A node with more children than this shows its first and last child and one
    /// "N hidden nodes" placeholder for the rest, as the Argo UI does; `None` never collapses.
    pub fan_out_limit: Option<usize>,
    /// Ids of placeholders to show expanded.
    pub expanded: BTreeSet<String>,
    /// Upper bound on crossing-reduction sweeps (each sweep is one pass down or up). The
    /// default, 8, is where the benchmark graphs stop gaining much: sweeps 9–12 remove 0–2% of
    /// the crossings of 2,000-node graphs (none on 500 nodes) for half again the ordering time.
    pub max_sweeps: usize,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            direction: Direction::TopToBottom,
            node_gap: 24.0,
            rank_gap: 56.0,
            group_padding: 12.0,
            group_label: 20.0,
            margin: 16.0,
            fan_out_limit: Some(3),
            expanded: BTreeSet::new(),
            max_sweeps: 8,
        }
    }
}

/// A point of the drawing; y grows downwards as in SVG.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

/// The result of [`layout`].
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub nodes: Vec<PlacedNode>,
    pub edges: Vec<Route>,
    pub groups: Vec<GroupBox>,
    /// Edge crossings of the chosen ordering (straight segments between adjacent ranks).
    pub crossings: u64,
    /// Indices into [`Graph::edges`] that were reversed to break cycles.
    pub reversed: Vec<usize>,
    pub warnings: Vec<Warning>,
}

/// A node's box; `x`/`y` is the top-left corner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PlacedNode {
    pub id: String,
    pub label: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
    /// The layer, 0 for sources.
    pub rank: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// For an "N hidden nodes" placeholder: the ids it stands for (expand it by adding its id to
    /// [`Options::expanded`]). Empty for every other node.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hidden: Vec<String>,
    /// The input node's [`Look`] (`kind` "hidden" for a placeholder).
    #[serde(default, skip_serializing_if = "Look::is_plain")]
    pub look: Look,
}

/// One drawn arrow: a polyline from the source's box to the target's box.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Route {
    /// The source's box: an index into [`Layout::nodes`] (not its id, which would be one string
    /// copied per end of every arrow).
    pub from: usize,
    /// The target's box: an index into [`Layout::nodes`].
    pub to: usize,
    pub points: Vec<Point>,
    /// Drawn against the flow because it closed a cycle.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reversed: bool,
    /// The [`Graph::edges`] this arrow stands for (several when collapsed nodes merged them).
    pub edges: Vec<usize>,
}

/// A group's box, enclosing its members with padding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupBox {
    pub id: String,
    pub label: String,
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

/// Something in the input that was drawn differently from what it said.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Warning {
    /// A second node with an id already used; it is not drawn.
    DuplicateNode { id: String },
    /// An edge names a node that does not exist; it is not drawn.
    UnknownNode { edge: usize, id: String },
    /// A width or height was negative, infinite or NaN; the default was used.
    BadSize { id: String },
}

/// Lays out `graph`. Never panics; the same input always gives the same output.
pub fn layout(graph: &Graph, options: &Options) -> Layout {
    let mut warnings = Vec::new();
    let input = resolve(graph, &mut warnings);
    let visible = collapse::collapse(&input, options);
    let dag = acyclic::break_cycles(&visible);
    let layered = rank::layer(&visible, &dag);
    let ordered = order::order(&layered, options.max_sweeps);
    let geometry = Geometry::new(options);
    let placed = position::place(&layered, &ordered.layers, &geometry);
    let reversed = dag.reversed_inputs(&visible);
    let mut out = route::draw(&input, visible, &dag, &layered, &placed, &geometry);
    out.crossings = ordered.crossings;
    out.reversed = reversed;
    out.warnings = warnings;
    out
}

/// The input with ids resolved to indices: what the stages work on.
struct Input<'a> {
    graph: &'a Graph,
    /// Indices into `graph.nodes` of the nodes that are drawn, in input order.
    nodes: Vec<usize>,
    /// Per drawn node (index into `nodes`): width, height.
    sizes: Vec<(f64, f64)>,
    /// Per drawn node: its order key.
    keys: Vec<(u64, usize)>,
    /// Per drawn node: its group (index into `groups`).
    group_of: Vec<Option<usize>>,
    /// Group ids and labels, in order of first appearance.
    groups: Vec<(String, String)>,
    /// Resolved edges: (from, to, index in `graph.edges`).
    edges: Vec<(usize, usize, usize)>,
    /// Every id that is in use, for making placeholder ids unique.
    ids: FnvMap<&'a str, usize>,
}

fn clean_size(value: f64, default: f64, bad: &mut bool) -> f64 {
    if value.is_finite() && value >= 0.0 {
        value.min(MAX_SIZE)
    } else {
        *bad = true;
        default
    }
}

fn resolve<'a>(graph: &'a Graph, warnings: &mut Vec<Warning>) -> Input<'a> {
    let mut ids: FnvMap<&str, usize> = FnvMap::default();
    ids.reserve(graph.nodes.len());
    let mut nodes = Vec::with_capacity(graph.nodes.len());
    let mut sizes = Vec::with_capacity(graph.nodes.len());
    let mut keys = Vec::with_capacity(graph.nodes.len());
    let mut group_of = Vec::with_capacity(graph.nodes.len());
    let mut group_ids: FnvMap<&str, usize> = FnvMap::default();
    let mut groups: Vec<(String, String)> = Vec::new();
    let labels: FnvMap<&str, &str> = graph
        .groups
        .iter()
        .map(|g| (g.id.as_str(), g.label.as_str()))
        .collect();
    for (i, node) in graph.nodes.iter().enumerate() {
        let index = nodes.len();
        match ids.entry(node.id.as_str()) {
            Entry::Occupied(_) => {
                warnings.push(Warning::DuplicateNode {
                    id: node.id.clone(),
                });
                continue;
            }
            Entry::Vacant(slot) => slot.insert(index),
        };
        nodes.push(i);
        let mut bad = false;
        let width = clean_size(node.width, DEFAULT_WIDTH, &mut bad);
        let height = clean_size(node.height, DEFAULT_HEIGHT, &mut bad);
        if bad {
            warnings.push(Warning::BadSize {
                id: node.id.clone(),
            });
        }
        sizes.push((width, height));
        keys.push((node.order, index));
        group_of.push(node.group.as_deref().map(|g| {
            *group_ids.entry(g).or_insert_with(|| {
                let label = labels.get(g).copied().unwrap_or(g);
                groups.push((g.to_string(), label.to_string()));
                groups.len() - 1
            })
        }));
    }
    let mut edges = Vec::with_capacity(graph.edges.len());
    for (i, edge) in graph.edges.iter().enumerate() {
        match (ids.get(edge.from.as_str()), ids.get(edge.to.as_str())) {
            (Some(&from), Some(&to)) => edges.push((from, to, i)),
            (from, _) => warnings.push(Warning::UnknownNode {
                edge: i,
                id: if from.is_none() {
                    edge.from.clone()
                } else {
                    edge.to.clone()
                },
            }),
        }
    }
    Input {
        graph,
        nodes,
        sizes,
        keys,
        group_of,
        groups,
        edges,
        ids,
    }
}

/// Sizes and paddings in the layout's own frame: "breadth" runs along a rank, "depth" across
/// ranks. For [`Direction::TopToBottom`] breadth is x; for [`Direction::LeftToRight`] it is y.
struct Geometry {
    transpose: bool,
    node_gap: f64,
    rank_gap: f64,
    margin: f64,
    /// Group padding before and after the members, along breadth and along depth (the label
    /// space is on the side that ends up at the top).
    pad_breadth: (f64, f64),
    pad_depth: (f64, f64),
}

impl Geometry {
    fn new(options: &Options) -> Geometry {
        let sane = |v: f64, d: f64| {
            if v.is_finite() && v >= 0.0 {
                v.min(MAX_SIZE)
            } else {
                d
            }
        };
        let pad = sane(options.group_padding, 12.0);
        let label = sane(options.group_label, 20.0);
        let transpose = options.direction == Direction::LeftToRight;
        let (pad_breadth, pad_depth) = if transpose {
            ((pad + label, pad), (pad, pad))
        } else {
            ((pad, pad), (pad + label, pad))
        };
        let node_gap = sane(options.node_gap, 24.0);
        // Boxes of groups in neighbouring ranks must not touch.
        let rank_gap = sane(options.rank_gap, 56.0).max(pad_depth.0 + pad_depth.1 + node_gap);
        Geometry {
            transpose,
            node_gap,
            rank_gap,
            margin: sane(options.margin, 16.0),
            pad_breadth,
            pad_depth,
        }
    }

    /// A node's (breadth, depth) size from its (width, height).
    fn frame(&self, (width, height): (f64, f64)) -> (f64, f64) {
        if self.transpose {
            (height, width)
        } else {
            (width, height)
        }
    }

    /// A point of the layout's frame in drawing coordinates.
    fn point(&self, breadth: f64, depth: f64) -> Point {
        if self.transpose {
            Point {
                x: depth,
                y: breadth,
            }
        } else {
            Point {
                x: breadth,
                y: depth,
            }
        }
    }
}
