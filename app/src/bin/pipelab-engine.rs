//! The engine module: the parts of the core that the first page load does not need (the Argo
//! events and workflow simulation, the Azure run simulation, the graph layout and its SVG),
//! built by Trunk as a second wasm module (`pipelab-engine.js` + `pipelab-engine_bg.wasm`) that
//! the page loads the first time it needs it (`services::engine`). The exports are
//! `pipelab_app::engine_api`'s, JSON in and out.
//!
//! **Architecture Invariant:** a request that cannot be read comes back as `{"error": "…"}`; a
//! panic in the core traps (release builds abort), which the page's loader turns into a message.

use pipelab_app::engine_api;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
pub fn argo_targets(request: &str) -> String {
    engine_api::argo_targets(request)
}

#[wasm_bindgen]
pub fn argo_send(request: &str) -> String {
    engine_api::argo_send(request)
}

#[wasm_bindgen]
pub fn azure_graph(request: &str) -> String {
    engine_api::azure_graph(request)
}

#[wasm_bindgen]
pub fn azure_run(request: &str) -> String {
    engine_api::azure_run(request)
}

fn main() {}
