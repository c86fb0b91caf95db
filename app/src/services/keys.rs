//! Page-wide shortcuts: Ctrl/Cmd+Enter re-runs, wherever the focus is.

use wasm_bindgen::prelude::*;
use web_sys::KeyboardEvent;

pub struct RunShortcut {
    closure: Closure<dyn FnMut(KeyboardEvent)>,
}

impl RunShortcut {
    pub fn new(mut run: impl FnMut() + 'static) -> Self {
        let closure = Closure::<dyn FnMut(KeyboardEvent)>::new(move |e: KeyboardEvent| {
            if e.key() == "Enter" && (e.ctrl_key() || e.meta_key()) && !e.default_prevented() {
                e.prevent_default();
                run();
            }
        });
        let _ = super::document()
            .add_event_listener_with_callback("keydown", closure.as_ref().unchecked_ref());
        RunShortcut { closure }
    }
}

impl Drop for RunShortcut {
    fn drop(&mut self) {
        let _ = super::document()
            .remove_event_listener_with_callback("keydown", self.closure.as_ref().unchecked_ref());
    }
}
