//! Timing for the end-to-end suite's budgets: `window.__pipelabTimings` collects the time from
//! the start of each analysis to the end of the render that shows its result, in milliseconds.

use js_sys::{Array, Reflect};
use wasm_bindgen::{JsCast, JsValue};

pub fn now() -> f64 {
    super::window().performance().map_or(0.0, |p| p.now())
}

/// Appends one measurement to `window.__pipelabTimings` (created on first use).
pub fn record(ms: f64) {
    let window = super::window();
    let key = JsValue::from_str("__pipelabTimings");
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
