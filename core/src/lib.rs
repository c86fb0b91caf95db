//! Pipelab's core: everything the playground, the CLI and the tests share.
//!
//! **Architecture Invariant:** the core does no IO, reads no clock and keeps no global state;
//! it never panics on user input. The outer crates (app, cli) own files, storage, time and
//! serialisation formats of their own.
//!
//! The modules follow the data: [`yaml`] (text → nodes with spans) → [`detect`] (what each
//! document is) → [`workspace`] (all files analysed together), with [`diag`] for problems,
//! [`share`] for links and [`examples`] for the built-in teaching demos. [`azure`] is the Azure
//! Pipelines engine (expressions, template expansion, the expanded pipeline). [`graph`] lays out
//! any directed graph (stages and jobs, Argo DAGs, event flows) as coordinates and SVG. [`argo`]
//! simulates Argo Events and Argo Workflows (manifests → events and Sensors → the workflow
//! controller) on [`sim`], the discrete-event clock, queue, seeded RNG and trace.

pub mod argo;
pub mod azure;
pub mod detect;
pub mod diag;
pub mod examples;
mod fnv;
pub mod graph;
pub mod share;
pub mod sim;
pub mod workspace;
pub mod yaml;
