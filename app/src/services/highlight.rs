//! Editor → graph: when the cursor moves onto the YAML a drawn stage, job or node was built from,
//! that element of the visible graph is marked (`pl-selected`); keyboard navigation in the graph
//! marks elements the same way. The graph panel registers what
//! its drawing's ids come from; the editor reports cursor moves. Both sides stay cheap: no
//! re-render, one class toggled on the drawing.

use std::cell::RefCell;

use wasm_bindgen::JsCast;

/// A drawn id and the byte range of the workspace file it comes from.
pub type SourceOf = (String, String, usize, usize);

thread_local! {
    static SOURCES: RefCell<Vec<SourceOf>> = const { RefCell::new(Vec::new()) };
    static CURSOR: RefCell<Option<(String, usize)>> = const { RefCell::new(None) };
}

/// The drawing now on screen came from these sources; re-applies the last cursor to it.
pub fn set_sources(sources: Vec<SourceOf>) {
    SOURCES.with(|s| *s.borrow_mut() = sources);
    if let Some((file, byte)) = CURSOR.with(|c| c.borrow().clone()) {
        mark(&file, byte);
    }
}

/// The editor's cursor is at byte `byte` of `file`.
pub fn cursor_moved(file: &str, byte: usize) {
    CURSOR.with(|c| *c.borrow_mut() = Some((file.to_string(), byte)));
    mark(file, byte);
}

/// The id whose source range is the narrowest one holding `byte` of `file`.
fn id_at(file: &str, byte: usize) -> Option<String> {
    SOURCES.with(|s| {
        s.borrow()
            .iter()
            .filter(|(_, f, start, end)| f == file && *start <= byte && byte <= *end)
            .min_by_key(|(_, _, start, end)| end - start)
            .map(|(id, ..)| id.clone())
    })
}

fn mark(file: &str, byte: usize) {
    select(id_at(file, byte).as_deref(), false);
}

/// Every id of the drawing on screen, in drawing order (stages, then their jobs).
pub fn ids() -> Vec<String> {
    let mut out = Vec::new();
    if let Ok(list) = super::document().query_selector_all(".graph-canvas [data-id]") {
        for i in 0..list.length() {
            if let Some(id) = list
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.get_attribute("data-id"))
            {
                out.push(id);
            }
        }
    }
    out
}

/// Marks `id` (or nothing) as the selected element of the drawing; `reveal` scrolls it into view
/// (keyboard navigation — not for cursor moves, which must not move the panel while typing).
pub fn select(id: Option<&str>, reveal: bool) {
    let document = super::document();
    let each = |selector: &str, f: &dyn Fn(&web_sys::Element)| {
        if let Ok(list) = document.query_selector_all(selector) {
            for i in 0..list.length() {
                if let Some(el) = list
                    .item(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                {
                    f(&el);
                }
            }
        }
    };
    each(".graph-canvas .pl-selected", &|el| {
        let _ = el.class_list().remove_1("pl-selected");
    });
    if let Some(id) = id {
        let quoted = id.replace('\\', "\\\\").replace('"', "\\\"");
        each(&format!(".graph-canvas [data-id=\"{quoted}\"]"), &|el| {
            let _ = el.class_list().add_1("pl-selected");
            if reveal {
                el.scroll_into_view_with_bool(false);
            }
        });
    }
}
