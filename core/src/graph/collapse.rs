//! Fan-out collapse: a node with more children than [`Options::fan_out_limit`] keeps its first
//! and last child (in YAML order) and one "N hidden nodes" placeholder for the rest, as the Argo
//! UI does. Edges to and from hidden nodes are redrawn to and from their placeholder.
//!
//! **Architecture Invariant:** every input node is drawn exactly once — as itself or inside one
//! placeholder — and placeholder ids never collide with input ids.

use std::collections::BTreeMap;

use super::{Input, Options};
use crate::fnv::FnvMap;

/// The graph that is actually drawn.
pub(super) struct Visible {
    pub nodes: Vec<VisibleNode>,
    /// Edges between distinct visible nodes, merged when collapse made them parallel.
    pub edges: Vec<VisibleEdge>,
    /// Edges from a node to itself.
    pub loops: Vec<VisibleEdge>,
}

pub(super) struct VisibleNode {
    pub kind: Kind,
    /// (width, height).
    pub size: (f64, f64),
    /// YAML order, then input position.
    pub key: (u64, usize),
    pub group: Option<usize>,
}

pub(super) enum Kind {
    /// An input node (index into [`Input::nodes`]).
    Real(usize),
    /// A placeholder standing for `members` (indices into [`Input::nodes`]).
    Hidden { id: String, members: Vec<usize> },
}

pub(super) struct VisibleEdge {
    pub from: usize,
    pub to: usize,
    /// Indices into the input graph's edges.
    pub inputs: Vec<usize>,
}

pub(super) fn collapse(input: &Input, options: &Options) -> Visible {
    let n = input.nodes.len();
    // `rep[i]`: the placeholder (index into `hidden`) that input node `i` is drawn in.
    let mut rep: Vec<Option<usize>> = vec![None; n];
    let mut hidden: Vec<(String, Vec<usize>)> = Vec::new();
    if let Some(limit) = options.fan_out_limit {
        let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(from, to, _) in &input.edges {
            if from != to {
                children[from].push(to);
            }
        }
        let mut parents: Vec<usize> = (0..n).collect();
        parents.sort_by_key(|&i| input.keys[i]);
        let mut taken: BTreeMap<String, ()> = BTreeMap::new();
        for parent in parents {
            if rep[parent].is_some() {
                continue;
            }
            let kids = &mut children[parent];
            kids.sort_by_key(|&i| input.keys[i]);
            kids.dedup();
            if kids.len() <= limit.max(2) {
                continue;
            }
            let middle: Vec<usize> = kids[1..kids.len() - 1]
                .iter()
                .copied()
                .filter(|&k| rep[k].is_none() && k != parent)
                .collect();
            if middle.is_empty() {
                continue;
            }
            let parent_id = &input.graph.nodes[input.nodes[parent]].id;
            let mut id = format!("{parent_id}:hidden");
            let mut suffix = 1;
            while input.ids.contains_key(id.as_str()) || taken.contains_key(&id) {
                suffix += 1;
                id = format!("{parent_id}:hidden{suffix}");
            }
            taken.insert(id.clone(), ());
            if options.expanded.contains(&id) {
                continue;
            }
            for &m in &middle {
                rep[m] = Some(hidden.len());
            }
            hidden.push((id, middle));
        }
    }

    let mut nodes = Vec::with_capacity(n);
    let mut index = vec![0usize; n];
    for i in 0..n {
        if rep[i].is_none() {
            index[i] = nodes.len();
            nodes.push(VisibleNode {
                kind: Kind::Real(i),
                size: input.sizes[i],
                key: input.keys[i],
                group: input.group_of[i],
            });
        }
    }
    for (id, members) in hidden {
        let first = members[0];
        let group = input.group_of[first];
        let group = if members.iter().all(|&m| input.group_of[m] == group) {
            group
        } else {
            None
        };
        let at = nodes.len();
        for &m in &members {
            index[m] = at;
        }
        nodes.push(VisibleNode {
            kind: Kind::Hidden { id, members },
            size: input.sizes[first],
            key: input.keys[first],
            group,
        });
    }

    let mut merged: FnvMap<(usize, usize), usize> = FnvMap::default();
    merged.reserve(input.edges.len());
    let mut edges: Vec<VisibleEdge> = Vec::with_capacity(input.edges.len());
    let mut loops = Vec::new();
    for &(from, to, e) in &input.edges {
        let (a, b) = (index[from], index[to]);
        if from == to {
            loops.push(VisibleEdge {
                from: a,
                to: b,
                inputs: vec![e],
            });
        } else if a == b {
            // Both ends are hidden in the same placeholder: nothing to draw.
        } else if let Some(&at) = merged.get(&(a, b)) {
            edges[at].inputs.push(e);
        } else {
            merged.insert((a, b), edges.len());
            edges.push(VisibleEdge {
                from: a,
                to: b,
                inputs: vec![e],
            });
        }
    }
    Visible {
        nodes,
        edges,
        loops,
    }
}
