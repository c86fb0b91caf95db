//! The hook that runs the reducer's queued engine-module requests (see `services::engine`).

use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use yew::prelude::*;

use crate::services::engine;
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
    Res: DeserializeOwned + 'static,
{
    let seq = job.as_ref().map(|(seq, _)| *seq);
    let state = state.clone();
    use_effect_with(seq, move |_| {
        if let Some((seq, request)) = job {
            wasm_bindgen_futures::spawn_local(async move {
                let result = match serde_json::to_string(&*request) {
                    Ok(json) => engine::call(function, &json).await.and_then(|v| {
                        serde_json::from_value::<Res>(v).map_err(|e| {
                            format!("The simulation engine answered something unreadable: {e}.")
                        })
                    }),
                    Err(e) => Err(format!("The request could not be written: {e}.")),
                };
                state.dispatch(answered(seq, result));
            });
        }
    });
}
