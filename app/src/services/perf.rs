//! Timing for the end-to-end suite's budgets: `window.__pipelabTimings` collects the time from
//! the start of each analysis to the end of the render that shows its result, in milliseconds.

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};

pub fn now() -> f64 {
    super::window().performance().map_or(0.0, |p| p.now())
}

thread_local! {
    static ANALYSIS_STARTED: std::cell::Cell<f64> = const { std::cell::Cell::new(0.0) };
}

/// Notes that an analysis starts now (panels that answer later measure from it).
pub fn mark_analysis_start() {
    ANALYSIS_STARTED.with(|t| t.set(now()));
}

/// When the latest analysis started ([`now`]'s clock).
pub fn analysis_started() -> f64 {
    ANALYSIS_STARTED.with(|t| t.get())
}

/// Appends one measurement to `window.__pipelabTimings` (created on first use).
pub fn record(ms: f64) {
    record_in("__pipelabTimings", ms);
}

/// Appends one measurement to the page's array `window[key]` (created on first use).
pub fn record_in(key: &str, ms: f64) {
    let window = super::window();
    let key = JsValue::from_str(key);
    let list = match Reflect::get(&window, &key) {
        // `Array::from` would copy; the page's own array must be appended to.
        Ok(v) if Array::is_array(&v) => v.unchecked_into::<Array>(),
        _ => {
            let list = Array::new();
            let _ = Reflect::set(&window, &key, &list);
            list
        }
    };
    list.push(&JsValue::from_f64(ms));
}
