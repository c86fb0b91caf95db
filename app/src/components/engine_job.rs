//! The hook that runs the reducer's queued engine-module requests (see `services::engine`).

use std::rc::Rc;

use serde::Serialize;
use yew::prelude::*;

use crate::services::engine;
use crate::services::json::FromJson;
use crate::state::{Action, StateHandle};

/// Runs the queued `job` (number, request) in the engine module's `function` (loading the module
/// on first use) and hands the answer to the reducer as `answered`, which drops it if a newer job
/// was queued meanwhile.
#[hook]
pub fn use_engine_job<Req, Res>(
    state: &StateHandle,
    job: Option<(u64, Rc<Req>)>,
    function: &'static str,
    answered: fn(u64, Result<Res, String>) -> Action,
) where
    Req: Serialize + 'static,
    Res: FromJson + 'static,
{
    let seq = job.as_ref().map(|(seq, _)| *seq);
    let state = state.clone();
    use_effect_with(seq, move |_| {
        if let Some((seq, request)) = job {
            let json = serde_json::to_string(&*request)
                .map_err(|e| format!("The request could not be written: {e}."));
            let finish = Box::new(move |answer: Result<String, String>| {
                answered(seq, answer.and_then(|text| engine::decode::<Res>(&text)))
            });
            spawn_job(state, json, function, finish);
        }
    });
}

/// The part of every job that does not depend on its types (one copy in the bundle): call the
/// engine, turn the answer into an action, dispatch it.
fn spawn_job(
    state: StateHandle,
    json: Result<String, String>,
    function: &'static str,
    finish: Box<dyn FnOnce(Result<String, String>) -> Action>,
) {
    wasm_bindgen_futures::spawn_local(async move {
        let answer = match json {
            Ok(json) => engine::call(function, &json).await,
            Err(e) => Err(e),
        };
        state.dispatch(finish(answer));
    });
}

/// Why the engine module could not answer, and how to retry; the user's files are untouched.
pub fn engine_error(why: &str, retry: &'static str) -> Html {
    html! {
        <div class="expansion-errors" role="alert" data-testid="engine-error">
            <p>{ why.to_string() }</p>
            <p class="muted">{ format!("Your files are unchanged. {retry}") }</p>
        </div>
    }
}
