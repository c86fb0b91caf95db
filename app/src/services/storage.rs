//! The draft in localStorage: the whole workspace, saved after every change.

use pipelab_core::share::Payload;

const DRAFT_KEY: &str = "pipelab.draft.v1";

fn storage() -> Option<web_sys::Storage> {
    super::window().local_storage().ok().flatten()
}

/// The saved draft, if there is a readable one.
pub fn load_draft() -> Option<Payload> {
    let json = storage()?.get_item(DRAFT_KEY).ok().flatten()?;
    serde_json::from_str(&json).ok()
}

/// Saves the draft; returns false when the browser refused (quota, private mode).
pub fn save_draft(payload: &Payload) -> bool {
    let Ok(json) = serde_json::to_string(payload) else {
        return false;
    };
    storage().is_some_and(|s| s.set_item(DRAFT_KEY, &json).is_ok())
}

pub fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

pub fn set(key: &str, value: Option<&str>) {
    if let Some(s) = storage() {
        let _ = match value {
            Some(v) => s.set_item(key, v),
            None => s.remove_item(key),
        };
    }
}
