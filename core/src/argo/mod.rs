//! Argo Events and Argo Workflows, simulated: [`model`] (typed manifests with spans),
//! [`events`] (event payloads, Sensors, triggers, RBAC) and [`workflow`] (the controller), all
//! running on [`crate::sim`].
//!
//! **Architecture Invariant:** behaviour is pinned to Argo Workflows v4.1 and current Argo
//! Events; names and messages are the engines' own. Nothing here panics on user input, and
//! every simulation is bounded in simulated time and in the number of events it handles.

pub mod events;
pub mod expr;
pub mod graph;
pub mod model;
pub mod run;
pub mod workflow;
