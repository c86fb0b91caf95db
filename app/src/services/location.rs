//! The address bar: the fragment holds the workspace (`#v1.z.…`) or an example (`#example/id`).

use wasm_bindgen::prelude::*;

/// The current fragment, including `#` (empty when there is none).
pub fn hash() -> String {
    super::window().location().hash().unwrap_or_default()
}

/// The page's address without the fragment.
pub fn base_url() -> String {
    let location = super::window().location();
    let href = location.href().unwrap_or_default();
    match href.find('#') {
        Some(i) => href[..i].to_string(),
        None => href,
    }
}

/// Replaces the fragment without adding a history entry or firing `hashchange`.
pub fn replace_hash(fragment: &str) {
    let url = format!("{}{}", base_url(), fragment);
    if let Ok(history) = super::window().history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// Navigates to a fragment (a history entry; fires `hashchange`).
pub fn set_hash(fragment: &str) {
    let _ = super::window().location().set_hash(fragment);
}

/// Calls `f` whenever the fragment changes (the user pasted a link, or pressed Back).
pub struct HashListener {
    closure: Closure<dyn FnMut()>,
}

impl HashListener {
    pub fn new(f: impl FnMut() + 'static) -> Self {
        let closure = Closure::<dyn FnMut()>::new(f);
        let _ = super::window()
            .add_event_listener_with_callback("hashchange", closure.as_ref().unchecked_ref());
        HashListener { closure }
    }
}

impl Drop for HashListener {
    fn drop(&mut self) {
        let _ = super::window().remove_event_listener_with_callback(
            "hashchange",
            self.closure.as_ref().unchecked_ref(),
        );
    }
}
