//! What the engine module (`src/bin/pipelab-engine.rs`) exports, as plain functions: each takes
//! a JSON request and answers `{"ok": …}` or `{"error": …}`. They live in the library so the
//! component tests can serve them in-process (`services::engine::serve_in_process`); only the
//! engine module links them into the page.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::argo_views::{send, targets, SendRequest};
use crate::azure_views::{graph, run_view, GraphRequest};
use crate::state::File;

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

/// The events (prefilled forms), the event flow and the Workflows a workspace offers; the request
/// is its files.
pub fn argo_targets(request: &str) -> String {
    answer(request, |files: Vec<File>| targets(&files))
}

/// Fires a [`SendRequest`] into the simulated cluster; answers with an `EventResult`.
pub fn argo_send(request: &str) -> String {
    answer(request, |request: SendRequest| send(&request))
}

/// Draws the stage → job graph of a [`GraphRequest`]'s pipeline and run; answers a `GraphView`.
pub fn azure_graph(request: &str) -> String {
    answer(request, |request: GraphRequest| graph(&request))
}

/// The Run panel's content — the queue-time form and the simulated run — for a
/// [`GraphRequest`]; answers a `RunView`.
pub fn azure_run(request: &str) -> String {
    answer(request, |request: GraphRequest| run_view(&request))
}

/// One export: JSON request in, JSON answer out.
pub type Export = fn(&str) -> String;

/// Every export by name, for serving them in-process.
pub const EXPORTS: &[(&str, Export)] = &[
    ("argo_targets", argo_targets),
    ("argo_send", argo_send),
    ("azure_graph", azure_graph),
    ("azure_run", azure_run),
];
