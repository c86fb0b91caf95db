//! The top bar: examples, run, share, theme.

use pipelab_core::examples::{Engine, EXAMPLES};
use pipelab_core::share;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::services::{clipboard, location, zlib};
use crate::state::StateHandle;

#[derive(Properties, PartialEq)]
pub struct ToolbarProps {
    pub theme_label: &'static str,
    pub on_toggle_theme: Callback<MouseEvent>,
    pub on_run: Callback<()>,
}

/// The result of the last "Copy link": the link (always shown, so it can be copied by hand) and
/// whether the clipboard took it.
#[derive(Clone, PartialEq)]
struct Shared {
    url: String,
    copied: Option<bool>,
}

#[function_component(Toolbar)]
pub fn toolbar(props: &ToolbarProps) -> Html {
    let state = use_context::<StateHandle>().expect("state context");
    let shared = use_state(|| None::<Shared>);

    let on_share = {
        let state = state.clone();
        let shared = shared.clone();
        Callback::from(move |_| {
            let (payload, shared) = (state.to_payload(), shared.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let Ok(fragment) = zlib::share_fragment(&payload).await else {
                    return;
                };
                location::replace_hash(&fragment);
                let url = format!("{}{}", location::base_url(), fragment);
                shared.set(Some(Shared {
                    url: url.clone(),
                    copied: None,
                }));
                let shared = shared.clone();
                let url_for_result = url.clone();
                clipboard::copy(&url, move |ok| {
                    shared.set(Some(Shared {
                        url: url_for_result,
                        copied: Some(ok),
                    }))
                });
            });
        })
    };

    let on_example = Callback::from(|e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        let id = select.value();
        if !id.is_empty() {
            location::set_hash(&share::example_link(&id));
        }
        select.set_value("");
    });

    let close_share = {
        let shared = shared.clone();
        Callback::from(move |_| shared.set(None))
    };
    let on_run = props.on_run.reform(|_: MouseEvent| ());

    html! {
        <header class="toolbar">
            <div class="brand">
                <svg class="logo" aria-hidden="true" viewBox="0 0 24 24" width="22" height="22">
                    <circle cx="5" cy="6" r="3" /><circle cx="5" cy="18" r="3" /><circle cx="19" cy="12" r="3" />
                    <path d="M8 6h3a3 3 0 0 1 3 3v0.5M8 18h3a3 3 0 0 0 3-3v-0.5M14 12h2" fill="none" stroke-width="2" />
                </svg>
                <span class="name">{ "Pipelab" }</span>
                <span class="tagline">{ "Azure Pipelines & Argo, expanded and simulated in your browser" }</span>
            </div>
            <div class="actions">
                <select class="examples" data-testid="examples" aria-label="Open an example" onchange={on_example}>
                    <option value="" selected=true>{ "Examples…" }</option>
                    { for [Engine::Azure, Engine::Argo].into_iter().map(|engine| html! {
                        <optgroup label={engine.label()}>
                            { for EXAMPLES.iter().filter(|e| e.engine == engine).map(|e| html! {
                                <option value={e.id} title={e.summary}>{ e.title }</option>
                            }) }
                        </optgroup>
                    }) }
                </select>
                <button class="run" data-testid="run" title="Re-run (Ctrl/Cmd+Enter)" onclick={on_run}>{ "Run" }<kbd>{ "⌘/Ctrl ↵" }</kbd></button>
                <button class="primary" data-testid="copy-link" onclick={on_share}>{ "Copy link" }</button>
                <button class="theme" data-testid="theme-toggle" title={props.theme_label} aria-label={props.theme_label}
                    onclick={props.on_toggle_theme.clone()}>{ "◐" }</button>
            </div>
            if let Some(s) = (*shared).clone() {
                <div class="share-popover" role="status" data-testid="share-popover">
                    <span>{ match s.copied {
                        Some(true) => "Link copied to the clipboard:",
                        Some(false) => "Copy this link (the browser refused clipboard access):",
                        None => "Link:",
                    } }</span>
                    <input readonly=true value={s.url} data-testid="share-url" aria-label="Share link"
                        onfocus={Callback::from(|e: FocusEvent| {
                            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                            input.select();
                        })} />
                    <button aria-label="Close" onclick={close_share}>{ "×" }</button>
                </div>
            }
        </header>
    }
}
