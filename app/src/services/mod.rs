//! Everything that touches the browser. Components call these instead of `web_sys`.

pub mod clipboard;
pub mod dialog;
pub mod download;
pub mod editor;
pub mod engine;
pub mod highlight;
pub mod json;
pub mod keys;
pub mod location;
pub mod panic;
pub mod perf;
pub mod storage;
pub mod text;
pub mod theme;
pub mod zlib;

pub(crate) fn window() -> web_sys::Window {
    web_sys::window().expect("Pipelab runs in a browser window")
}

pub(crate) fn document() -> web_sys::Document {
    window().document().expect("a window has a document")
}
