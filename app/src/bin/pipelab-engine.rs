//! The engine module: the parts of the core that the first page load does not need (the Argo
//! events and workflow simulation, the graph layout and its SVG), built by Trunk as a second wasm module
//! (`pipelab-engine.js` + `pipelab-engine_bg.wasm`) that the page loads the first time it needs
//! it (`services::engine`). Every call takes and returns JSON, so the page and this module share
//! nothing but the request and answer types of `pipelab_app::argo_views`.
//!
//! **Architecture Invariant:** a request that cannot be read comes back as `{"error": "…"}`; a
//! panic in the core traps (release builds abort), which the page's loader turns into a message.

use pipelab_app::argo_views::{send, targets, SendRequest};
use pipelab_app::azure_views::{graph, GraphRequest};
use pipelab_app::state::File;
use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// Reads the JSON request, answers `{"ok": …}` with what `f` makes of it, or `{"error": …}`.
fn answer<Req: DeserializeOwned, Res: Serialize>(
    request: &str,
    f: impl FnOnce(Req) -> Res,
) -> String {
    match serde_json::from_str::<Req>(request) {
        Ok(request) => serde_json::json!({ "ok": f(request) }),
        Err(e) => serde_json::json!({ "error": format!("bad request to the engine: {e}") }),
    }
    .to_string()
}

/// The webhooks (prefilled forms) and Workflows a workspace offers; the request is its files.
#[wasm_bindgen]
pub fn argo_targets(request: &str) -> String {
    answer(request, |files: Vec<File>| targets(&files))
}

/// Fires a [`SendRequest`] into the simulated cluster; answers with an `EventResult`.
#[wasm_bindgen]
pub fn argo_send(request: &str) -> String {
    answer(request, |request: SendRequest| send(&request))
}

fn main() {}

/// Draws the stage → job graph of a [`GraphRequest`]'s pipeline and run; answers a `GraphView`.
#[wasm_bindgen]
pub fn azure_graph(request: &str) -> String {
    answer(request, |request: GraphRequest| graph(&request))
}
