//! The editor: CodeMirror when its bundle loaded, else a plain textarea. It shows the active
//! file, reports edits, shows the active file's problems as squiggles and selects what the rest
//! of the page asks it to reveal.

use pipelab_core::diag::Severity;
use web_sys::{HtmlElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::services::editor::{self as cm, Marker};
use crate::services::highlight;
use crate::services::text::byte_of_utf16;
use crate::state::StateHandle;

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub dark: bool,
    /// The active file's new text after a user edit.
    pub on_edit: Callback<String>,
    pub on_run: Callback<()>,
}

#[function_component(Editor)]
pub fn editor(props: &EditorProps) -> Html {
    let state = use_context::<StateHandle>().expect("state context");
    let container = use_node_ref();
    let textarea = use_node_ref();
    let instance = use_mut_ref(|| None::<cm::Editor>);
    let fallback = use_state(|| false);
    // The JS callbacks live as long as the editor; they call whatever the latest props are.
    let latest = use_mut_ref(|| (props.on_edit.clone(), props.on_run.clone()));
    *latest.borrow_mut() = (props.on_edit.clone(), props.on_run.clone());
    // The file the editor shows, for turning cursor positions into byte offsets of it.
    let shown = use_mut_ref(|| (String::new(), String::new()));
    *shown.borrow_mut() = (
        state.active_file().name.clone(),
        state.active_file().text.clone(),
    );

    {
        let container = container.clone();
        let instance = instance.clone();
        let fallback = fallback.clone();
        let text = state.active_file().text.clone();
        let dark = props.dark;
        let latest = latest.clone();
        use_effect_with((), move |_| {
            let created = container.cast::<HtmlElement>().and_then(|parent| {
                let on_change = {
                    let latest = latest.clone();
                    move |text: String| latest.borrow().0.emit(text)
                };
                let on_run = move || latest.borrow().1.emit(());
                let shown = shown.clone();
                let on_cursor = move |unit: f64| {
                    let (name, text) = &*shown.borrow();
                    let byte = byte_of_utf16(text, unit as usize);
                    highlight::cursor_moved(name, byte);
                };
                cm::Editor::create(&parent, &text, dark, on_change, on_run, on_cursor)
            });
            match created {
                Some(editor) => *instance.borrow_mut() = Some(editor),
                None => fallback.set(true),
            }
            move || drop(instance.borrow_mut().take())
        });
    }

    // A different file, or files replaced from outside: show the file in the editor. Tabs keep
    // their undo history while the workspace stays the same.
    {
        let instance = instance.clone();
        let file = state.active_file().clone();
        let shown_load = use_mut_ref(|| None::<u64>);
        use_effect_with((file.name.clone(), state.load_seq), move |(_, load_seq)| {
            if let Some(editor) = instance.borrow().as_ref() {
                if shown_load.replace(Some(*load_seq)) != Some(*load_seq) {
                    editor.forget_files();
                }
                editor.open_file(&file.name, &file.text);
            }
        });
    }

    // Problems of the active file as squiggles.
    {
        let instance = instance.clone();
        let analysis = state.analysis.clone();
        let active = state.active;
        let text = state.active_file().text.clone();
        use_effect_with(
            (
                state.analysis_seq,
                state.active_file().name.clone(),
                state.load_seq,
            ),
            move |_| {
                if let Some(editor) = instance.borrow().as_ref() {
                    let markers: Vec<Marker<'_>> = analysis
                        .problems
                        .iter()
                        .filter(|p| p.file == active)
                        .map(|p| Marker {
                            start: p.start,
                            end: p.end,
                            severity: match p.severity {
                                Severity::Error => "error",
                                Severity::Warning => "warning",
                                Severity::Info => "info",
                            },
                            message: &p.message,
                        })
                        .collect();
                    editor.set_markers(&text, &markers);
                }
            },
        );
    }

    {
        let instance = instance.clone();
        use_effect_with(props.dark, move |dark| {
            if let Some(editor) = instance.borrow().as_ref() {
                editor.set_dark(*dark);
            }
        });
    }

    // Reveal requests (a click on a problem or a document).
    {
        let instance = instance.clone();
        let textarea = textarea.clone();
        let text = state.active_file().text.clone();
        let active = state.active;
        use_effect_with(state.reveal, move |reveal| {
            if let Some(r) = reveal.filter(|r| r.file == active) {
                if let Some(editor) = instance.borrow().as_ref() {
                    editor.select(&text, r.start, r.end);
                } else if let Some(area) = textarea.cast::<HtmlTextAreaElement>() {
                    cm::select_in_textarea(&area, r.start, r.end);
                }
            }
        });
    }

    if *fallback {
        let on_input = {
            let on_edit = props.on_edit.clone();
            Callback::from(move |e: InputEvent| {
                let area: HtmlTextAreaElement = e.target_unchecked_into();
                on_edit.emit(area.value());
            })
        };
        html! {
            <div class="editor" data-testid="editor" data-editor="textarea">
                <textarea ref={textarea} class="fallback" data-testid="editor-textarea" spellcheck="false"
                    aria-label={format!("Contents of {}", state.active_file().name)}
                    value={state.active_file().text.clone()} oninput={on_input} />
            </div>
        }
    } else {
        html! { <div class="editor" data-testid="editor" ref={container}></div> }
    }
}
