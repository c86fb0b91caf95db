//! The frame every drawn graph sits in (the Azure stage graph, each Argo Workflow's DAG): zoom
//! buttons (and Ctrl+wheel), drag the background to pan, Export SVG / PNG of the drawing, and a
//! focusable canvas whose clicks and keys the panel handles. The panel keeps the frame's state
//! (`use_graph_frame`) and draws it (`Frame::view`).

use web_sys::HtmlElement;
use yew::prelude::*;

use crate::services::download;
use crate::services::highlight::SourceOf;
use crate::state::{Action, StateHandle};

/// What a frame shows: the drawing's text (for the exports; `None`: nothing yet), the exported
/// files' stem (`{stem}.graph.svg` / `.png`), the hint before the buttons, the canvas's
/// accessible name (it says what the keys do), the canvas element (a panel may fill it itself),
/// its click and key handlers, a notice between the buttons and the drawing, and the canvas's
/// content.
pub struct FrameView {
    pub svg: Option<AttrValue>,
    pub stem: AttrValue,
    pub hint: &'static str,
    pub label: &'static str,
    pub canvas: NodeRef,
    pub onclick: Callback<MouseEvent>,
    pub onkeydown: Callback<KeyboardEvent>,
    pub notice: Html,
    pub content: Html,
    /// Fitted to the panel, the drawing is never made smaller than this share of its size (it
    /// scrolls instead); `None`: as small as the panel needs.
    pub min_fit: Option<f64>,
}

/// The `width` the SVG renderer writes on the drawing's root element.
fn drawing_width(svg: &str) -> Option<f64> {
    let head = &svg[..svg.find('>')?];
    let rest = &head[head.find(" width=\"")? + 8..];
    rest[..rest.find('"')?].parse().ok()
}

/// A frame's own state (zoom, the scroller, a drag under way), kept by the component that
/// shows it (a hook, not a component of its own: each component type costs the first load).
pub struct Frame {
    /// `None`: fit the panel's width (never enlarged); `Some(z)`: z × the drawing's size.
    zoom: UseStateHandle<Option<f64>>,
    scroller: NodeRef,
    drag: std::rc::Rc<std::cell::RefCell<Option<Drag>>>,
}

/// Where a drag began: the pointer `(x, y)` and the scroll offsets `(left, top)` then.
type Drag = (i32, i32, i32, i32);

#[hook]
pub fn use_graph_frame() -> Frame {
    Frame {
        zoom: use_state(|| None::<f64>),
        scroller: use_node_ref(),
        drag: use_mut_ref(|| None),
    }
}

/// The `data-id` of the drawn node or row under a mouse event (its nearest element with one).
pub fn clicked_id(e: &MouseEvent) -> Option<String> {
    use wasm_bindgen::JsCast;
    let target: web_sys::Element = e.target()?.dyn_into().ok()?;
    target.closest("[data-id]").ok()??.get_attribute("data-id")
}

/// The ids of the nodes drawn in `canvas`, in drawing order ("N hidden nodes" placeholders left
/// out), for keyboard navigation.
pub fn drawn_ids(canvas: &NodeRef) -> Vec<String> {
    use wasm_bindgen::JsCast;
    let Some(list) = canvas
        .cast::<web_sys::Element>()
        .and_then(|c| c.query_selector_all(".pl-node[data-id]").ok())
    else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|k| list.item(k)?.dyn_into::<web_sys::Element>().ok())
        .filter_map(|el| el.get_attribute("data-id"))
        .filter(|id| !id.contains(":hidden"))
        .collect()
}

/// Selects in the editor the YAML that drawn `id` comes from, as one of `sources` says (opening
/// its file's tab), with the cursor at its start: the editor's cursor then marks `id` again.
pub fn reveal(state: &StateHandle, sources: &[SourceOf], id: &str) {
    let Some((_, file, start, end)) = sources.iter().find(|(i, ..)| i == id) else {
        return;
    };
    if let Some(index) = state.files.iter().position(|f| &f.name == file) {
        // Selected backwards (from its end to its start), so the cursor rests where it begins.
        state.dispatch(Action::Reveal {
            file: index,
            start: *end,
            end: *start,
        });
    }
}

impl Frame {
    pub fn view(&self, v: FrameView) -> Html {
        let zoom = &self.zoom;
        let on_down = {
            let (drag, scroller) = (self.drag.clone(), self.scroller.clone());
            Callback::from(move |e: MouseEvent| {
                if let (None, Some(el)) = (clicked_id(&e), scroller.cast::<HtmlElement>()) {
                    *drag.borrow_mut() = Some((
                        e.client_x(),
                        e.client_y(),
                        el.scroll_left(),
                        el.scroll_top(),
                    ));
                }
            })
        };
        let on_move = {
            let (drag, scroller) = (self.drag.clone(), self.scroller.clone());
            Callback::from(move |e: MouseEvent| {
                if let (Some((x, y, left, top)), Some(el)) =
                    (*drag.borrow(), scroller.cast::<HtmlElement>())
                {
                    if e.buttons() & 1 == 0 {
                        return;
                    }
                    el.set_scroll_left(left - (e.client_x() - x));
                    el.set_scroll_top(top - (e.client_y() - y));
                }
            })
        };
        let on_up = {
            let drag = self.drag.clone();
            Callback::from(move |_: MouseEvent| *drag.borrow_mut() = None)
        };
        let scaled = |zoom: Option<f64>, f: f64| Some((zoom.unwrap_or(1.0) * f).clamp(0.25, 4.0));
        let set_zoom = |factor: Option<f64>| {
            let zoom = zoom.clone();
            Callback::from(move |_: MouseEvent| {
                zoom.set(match factor {
                    Some(f) => scaled(*zoom, f),
                    None if zoom.is_none() => Some(1.0),
                    None => None,
                });
            })
        };
        let on_wheel = {
            let zoom = zoom.clone();
            Callback::from(move |e: WheelEvent| {
                if e.ctrl_key() || e.meta_key() {
                    e.prevent_default();
                    let f = if e.delta_y() < 0.0 { 1.1 } else { 1.0 / 1.1 };
                    zoom.set(scaled(*zoom, f));
                }
            })
        };
        let export = |ext: &'static str| {
            let (svg, stem) = (v.svg.clone(), v.stem.clone());
            Callback::from(move |_: MouseEvent| {
                if let Some(svg) = &svg {
                    let name = format!("{stem}.graph.{ext}");
                    if ext == "svg" {
                        download::download(&name, "image/svg+xml", svg);
                    } else {
                        download::download_svg_as_png(&name, svg);
                    }
                }
            })
        };
        let none = v.svg.is_none();
        html! {
            <>
                <div class="panel-actions">
                    <span class="muted">{ v.hint }</span>
                    <span class="frame-buttons">
                        <button data-testid="zoom-out" title="Zoom out" onclick={set_zoom(Some(1.0 / 1.25))}>{ "−" }</button>
                        <button data-testid="zoom-reset" title="Fit the panel / actual size" onclick={set_zoom(None)}>{ zoom.map_or("Fit".to_string(), |z| format!("{:.0}%", z * 100.0)) }</button>
                        <button data-testid="zoom-in" title="Zoom in" onclick={set_zoom(Some(1.25))}>{ "+" }</button>
                        <button data-testid="export-svg" disabled={none} onclick={export("svg")}>{ "Export SVG" }</button>
                        <button data-testid="export-png" disabled={none} onclick={export("png")}>{ "Export PNG" }</button>
                    </span>
                </div>
                { v.notice }
                <div class="graph-scroll" ref={self.scroller.clone()} onwheel={on_wheel} onmousedown={on_down}
                    onmousemove={on_move} onmouseup={on_up.clone()} onmouseleave={on_up}>
                    <div class={classes!("graph-canvas", zoom.is_none().then_some("fit"))} data-testid="graph-canvas"
                        ref={v.canvas} onclick={v.onclick}
                        tabindex="0" onkeydown={v.onkeydown} aria-label={v.label}
                        style={match **zoom {
                            Some(z) => Some(format!("zoom: {z}")),
                            None => v.min_fit.zip(v.svg.as_deref().and_then(drawing_width))
                                .map(|(f, w)| format!("--min-width: {:.0}px", f * w)),
                        }}>{ v.content }</div>
                </div>
            </>
        }
    }
}

/// What a key pressed on a graph's canvas asks for.
pub enum KeyNav {
    /// Enter: the selected node's YAML.
    Reveal(String),
    /// An arrow, Home or End: this node becomes the selected one.
    Select(String),
}

/// Reads a key pressed on a graph's canvas while `current` is selected; `ids` gives the nodes in
/// drawing order (asked for only by a navigation key). A key it handles goes no further.
pub fn key_nav(
    e: &KeyboardEvent,
    current: Option<&str>,
    ids: impl FnOnce() -> Vec<String>,
) -> Option<KeyNav> {
    if e.key() == "Enter" {
        e.prevent_default();
        return current.map(|id| KeyNav::Reveal(id.to_string()));
    }
    let ids = ids();
    let at = current.and_then(|s| ids.iter().position(|i| i == s));
    let next = step(&ids, at, &e.key())?;
    e.prevent_default();
    Some(KeyNav::Select(ids[next].clone()))
}

/// The next id after `at` in `ids` for a navigation key (arrows, Home, End); `None` for any
/// other key.
fn step(ids: &[String], at: Option<usize>, key: &str) -> Option<usize> {
    let last = ids.len().checked_sub(1)?;
    Some(match key {
        "ArrowRight" | "ArrowDown" => at.map_or(0, |i| (i + 1).min(last)),
        "ArrowLeft" | "ArrowUp" => at.map_or(0, |i| i.saturating_sub(1)),
        "Home" => 0,
        "End" => last,
        _ => return None,
    })
}
