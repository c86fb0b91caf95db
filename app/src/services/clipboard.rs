//! Copying text: the async Clipboard API, which browsers may refuse (insecure origin,
//! permissions); the page always shows the text too, so nothing depends on it succeeding.

/// Starts copying `text`; `done` is called with whether the browser accepted it.
pub fn copy(text: &str, done: impl FnOnce(bool) + 'static) {
    let clipboard = super::window().navigator().clipboard();
    let promise = clipboard.write_text(text);
    wasm_bindgen_futures_spawn(promise, done);
}

fn wasm_bindgen_futures_spawn(promise: js_sys::Promise, done: impl FnOnce(bool) + 'static) {
    use wasm_bindgen::prelude::*;
    let done = std::rc::Rc::new(std::cell::RefCell::new(Some(done)));
    let ok_done = done.clone();
    let ok = Closure::once(move |_: JsValue| {
        if let Some(f) = ok_done.borrow_mut().take() {
            f(true)
        }
    });
    let err = Closure::once(move |_: JsValue| {
        if let Some(f) = done.borrow_mut().take() {
            f(false)
        }
    });
    let _ = promise.then2(&ok, &err);
    ok.forget();
    err.forget();
}
