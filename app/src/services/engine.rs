//! The engine module (`src/bin/pipelab-engine.rs`): the simulation code the first page load does
//! not need. It is loaded once, the first time a view calls it: `import()` of
//! `pipelab-engine.js` (wasm-bindgen's ES-module wrapper) and instantiation of
//! `pipelab-engine_bg.wasm`, both beside `index.html`.
//!
//! **Architecture Invariant:** every failure — the module cannot be fetched, it traps, it answers
//! with an error — is an `Err` with a sentence for the page; a failed load is retried on the next
//! call.

use std::cell::{Cell, RefCell};

use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::json::{self, Fields, FromJson, Json};

const SCRIPT: &str = "pipelab-engine.js";
const WASM: &str = "pipelab-engine_bg.wasm";

#[wasm_bindgen(inline_js = "export function import_module(url) { return import(url); }")]
extern "C" {
    #[wasm_bindgen(catch)]
    fn import_module(url: &str) -> Result<Promise, JsValue>;
}

thread_local! {
    /// The load in progress or done, shared by every caller.
    static LOAD: RefCell<Option<Promise>> = const { RefCell::new(None) };
    /// Failed loads so far: a retry asks for a fresh URL, so no cached failure is reused.
    static FAILURES: Cell<u32> = const { Cell::new(0) };
}

fn describe(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// Imports the wrapper and instantiates the module; gives the wrapper's exports.
async fn load(attempt: u32) -> Result<JsValue, JsValue> {
    let document = super::document();
    let base = document
        .base_uri()?
        .unwrap_or_else(|| super::window().location().href().unwrap_or_default());
    let mut script = web_sys::Url::new_with_base(SCRIPT, &base)?.href();
    if attempt > 0 {
        script.push_str(&format!("?attempt={attempt}"));
    }
    let wasm = web_sys::Url::new_with_base(WASM, &base)?.href();
    let module = JsFuture::from(import_module(&script)?).await?;
    let init: Function = Reflect::get(&module, &"default".into())?.dyn_into()?;
    let options = Object::new();
    Reflect::set(&options, &"module_or_path".into(), &wasm.into())?;
    let ready: Promise = init.call1(&JsValue::NULL, &options)?.dyn_into()?;
    JsFuture::from(ready).await?;
    Ok(module)
}

/// Serves `module` (an object of the engine's functions) instead of fetching the engine module:
/// the component tests answer in-process with the same functions.
pub fn serve_in_process(module: JsValue) {
    LOAD.with(|l| *l.borrow_mut() = Some(Promise::resolve(&module)));
}

async fn module() -> Result<JsValue, String> {
    let pending = LOAD.with(|l| l.borrow().clone());
    let pending = match pending {
        Some(p) => p,
        None => {
            let p = wasm_bindgen_futures::future_to_promise(load(FAILURES.get()));
            LOAD.with(|l| *l.borrow_mut() = Some(p.clone()));
            p
        }
    };
    JsFuture::from(pending).await.map_err(|e| {
        LOAD.with(|l| *l.borrow_mut() = None);
        FAILURES.set(FAILURES.get() + 1);
        format!(
            "The simulation engine could not be loaded: {}.",
            describe(&e)
        )
    })
}

/// Calls the engine's `function` with a JSON request and returns its JSON answer, `{"ok": …}`
/// or `{"error": …}`, as text ([`decode`] reads it).
pub async fn call(function: &str, request: &str) -> Result<String, String> {
    let bindgen = module().await?;
    let f: Function = Reflect::get(&bindgen, &JsValue::from_str(function))
        .ok()
        .and_then(|f| f.dyn_into().ok())
        .ok_or_else(|| format!("The simulation engine has no function {function}."))?;
    let answer = f
        .call1(&JsValue::NULL, &JsValue::from_str(request))
        .map_err(|e| format!("The simulation engine failed: {}.", describe(&e)))?;
    Ok(answer.as_string().unwrap_or_default())
}

/// Reads an engine answer, `{"ok": …}` or `{"error": "…"}`: `Ok` with the result, or `Err` with
/// the engine's error or why the answer could not be read.
pub fn decode<T: FromJson>(text: &str) -> Result<T, String> {
    let unreadable =
        |e: String| format!("The simulation engine answered something unreadable: {e}.");
    let mut answer = json::parse(text)
        .and_then(Fields::new)
        .map_err(unreadable)?;
    match answer.take::<Option<Json>>("ok").map_err(unreadable)? {
        Some(ok) => T::from_json(ok).map_err(unreadable),
        None => match answer.take::<Option<String>>("error").map_err(unreadable)? {
            Some(e) => Err(e),
            None => Err("The simulation engine answered without a result.".into()),
        },
    }
}
