//! Light/dark: follows the system unless the user picked one (remembered in localStorage).

use wasm_bindgen::prelude::*;

const KEY: &str = "pipelab.theme";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThemeChoice {
    System,
    Light,
    Dark,
}

impl ThemeChoice {
    pub fn next(self) -> ThemeChoice {
        match self {
            ThemeChoice::System => ThemeChoice::Dark,
            ThemeChoice::Dark => ThemeChoice::Light,
            ThemeChoice::Light => ThemeChoice::System,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ThemeChoice::System => "Theme: system",
            ThemeChoice::Light => "Theme: light",
            ThemeChoice::Dark => "Theme: dark",
        }
    }
}

pub fn saved_choice() -> ThemeChoice {
    match super::storage::get(KEY).as_deref() {
        Some("light") => ThemeChoice::Light,
        Some("dark") => ThemeChoice::Dark,
        _ => ThemeChoice::System,
    }
}

pub fn save_choice(choice: ThemeChoice) {
    let value = match choice {
        ThemeChoice::System => None,
        ThemeChoice::Light => Some("light"),
        ThemeChoice::Dark => Some("dark"),
    };
    super::storage::set(KEY, value);
}

fn dark_query() -> Option<web_sys::MediaQueryList> {
    super::window()
        .match_media("(prefers-color-scheme: dark)")
        .ok()
        .flatten()
}

pub fn system_is_dark() -> bool {
    dark_query().is_some_and(|q| q.matches())
}

pub fn is_dark(choice: ThemeChoice) -> bool {
    match choice {
        ThemeChoice::System => system_is_dark(),
        ThemeChoice::Light => false,
        ThemeChoice::Dark => true,
    }
}

/// Sets `data-theme` on `<html>`, which the stylesheet keys on.
pub fn apply(dark: bool) {
    if let Some(root) = super::document().document_element() {
        let _ = root.set_attribute("data-theme", if dark { "dark" } else { "light" });
    }
}

/// Calls `f` when the system theme changes.
pub struct SystemThemeListener {
    query: Option<web_sys::MediaQueryList>,
    closure: Closure<dyn FnMut()>,
}

impl SystemThemeListener {
    pub fn new(f: impl FnMut() + 'static) -> Self {
        let closure = Closure::<dyn FnMut()>::new(f);
        let query = dark_query();
        if let Some(q) = &query {
            let _ = q.add_event_listener_with_callback("change", closure.as_ref().unchecked_ref());
        }
        SystemThemeListener { query, closure }
    }
}

impl Drop for SystemThemeListener {
    fn drop(&mut self) {
        if let Some(q) = &self.query {
            let _ = q.remove_event_listener_with_callback(
                "change",
                self.closure.as_ref().unchecked_ref(),
            );
        }
    }
}
