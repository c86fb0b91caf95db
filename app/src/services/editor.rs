//! The CodeMirror bundle (`static/editor/`), reached through its global `window.PipelabEditor`.
//! When the bundle failed to load, [`available`] is false and the page falls back to a textarea.

use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use super::text::utf16_of_byte;

#[wasm_bindgen]
extern "C" {
    type EditorApi;
    #[wasm_bindgen(method, catch)]
    fn create(this: &EditorApi, parent: &HtmlElement, options: &Object) -> Result<Handle, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn highlight(this: &EditorApi, element: &HtmlElement, text: &str) -> Result<(), JsValue>;

    type Handle;
    #[wasm_bindgen(method, js_name = openFile)]
    fn open_file(this: &Handle, key: &str, text: &str);
    #[wasm_bindgen(method, js_name = forgetFiles)]
    fn forget_files(this: &Handle);
    #[wasm_bindgen(method, js_name = setDiagnostics)]
    fn set_diagnostics(this: &Handle, list: &Array);
    #[wasm_bindgen(method)]
    fn select(this: &Handle, from: u32, to: u32);
    #[wasm_bindgen(method, js_name = setDark)]
    fn set_dark(this: &Handle, dark: bool);
    #[wasm_bindgen(method)]
    fn destroy(this: &Handle);
}

fn api() -> Option<EditorApi> {
    let api = Reflect::get(&super::window(), &JsValue::from_str("PipelabEditor")).ok()?;
    let has_create = Reflect::get(&api, &JsValue::from_str("create"))
        .ok()?
        .is_instance_of::<Function>();
    has_create.then(|| api.unchecked_into())
}

/// Whether the CodeMirror bundle is loaded.
pub fn available() -> bool {
    api().is_some()
}

/// Shows `text` in `element` as highlighted YAML (read-only views); plain text when the bundle is
/// missing or fails.
pub fn highlight_into(element: &HtmlElement, text: &str) {
    let done = api().is_some_and(|api| api.highlight(element, text).is_ok());
    if !done {
        element.set_text_content(Some(text));
    }
}

/// A diagnostic for the editor, in byte offsets of the file's text.
pub struct Marker<'a> {
    pub start: usize,
    pub end: usize,
    pub severity: &'a str,
    pub message: &'a str,
}

/// A live CodeMirror instance; destroyed on drop.
pub struct Editor {
    handle: Handle,
    _on_change: Closure<dyn FnMut(String)>,
    _on_run: Closure<dyn FnMut()>,
    _on_cursor: Closure<dyn FnMut(f64)>,
}

impl Editor {
    /// Creates an editor in `parent`; `None` when the bundle is missing or fails.
    pub fn create(
        parent: &HtmlElement,
        doc: &str,
        dark: bool,
        on_change: impl FnMut(String) + 'static,
        on_run: impl FnMut() + 'static,
        on_cursor: impl FnMut(f64) + 'static,
    ) -> Option<Editor> {
        let api = api()?;
        let on_change = Closure::<dyn FnMut(String)>::new(on_change);
        let on_run = Closure::<dyn FnMut()>::new(on_run);
        let on_cursor = Closure::<dyn FnMut(f64)>::new(on_cursor);
        let options = Object::new();
        let set = |k: &str, v: &JsValue| {
            let _ = Reflect::set(&options, &JsValue::from_str(k), v);
        };
        set("doc", &JsValue::from_str(doc));
        set("dark", &JsValue::from_bool(dark));
        set("onChange", on_change.as_ref());
        set("onRun", on_run.as_ref());
        set("onCursor", on_cursor.as_ref());
        let handle = api.create(parent, &options).ok()?;
        Some(Editor {
            handle,
            _on_change: on_change,
            _on_run: on_run,
            _on_cursor: on_cursor,
        })
    }

    /// Shows file `key`; its undo history, selection and scroll come back when it was shown
    /// before with the same text.
    pub fn open_file(&self, key: &str, text: &str) {
        self.handle.open_file(key, text);
    }

    /// Forgets the remembered per-file states (a new workspace was loaded).
    pub fn forget_files(&self) {
        self.handle.forget_files();
    }

    /// Shows `markers` (byte offsets into `text`, the editor's current document).
    pub fn set_markers(&self, text: &str, markers: &[Marker<'_>]) {
        let list = Array::new();
        for m in markers {
            let item = Object::new();
            let from = utf16_of_byte(text, m.start) as f64;
            let to = utf16_of_byte(text, m.end) as f64;
            let _ = Reflect::set(&item, &"from".into(), &from.into());
            let _ = Reflect::set(&item, &"to".into(), &to.into());
            let _ = Reflect::set(&item, &"severity".into(), &m.severity.into());
            let _ = Reflect::set(&item, &"message".into(), &m.message.into());
            list.push(&item);
        }
        self.handle.set_diagnostics(&list);
    }

    /// Selects `start..end` (bytes of `text`), scrolls to it and focuses the editor.
    pub fn select(&self, text: &str, start: usize, end: usize) {
        self.handle.select(
            utf16_of_byte(text, start) as u32,
            utf16_of_byte(text, end) as u32,
        );
    }

    pub fn set_dark(&self, dark: bool) {
        self.handle.set_dark(dark);
    }
}

impl Drop for Editor {
    fn drop(&mut self) {
        self.handle.destroy();
    }
}

/// Selects `start..end` (bytes of the textarea's text) in the fallback textarea and focuses it.
pub fn select_in_textarea(area: &web_sys::HtmlTextAreaElement, start: usize, end: usize) {
    let text = area.value();
    let (from, to) = (
        utf16_of_byte(&text, start) as u32,
        utf16_of_byte(&text, end) as u32,
    );
    let _ = area.focus();
    let _ = area.set_selection_range(from, to);
}
