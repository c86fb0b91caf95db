//! The Problems list: every diagnostic of every file; a click reveals it in the editor.

use pipelab_core::diag::Severity;
use yew::prelude::*;

use crate::services::clipboard;
use crate::state::{Action, StateHandle};

#[function_component(Problems)]
pub fn problems() -> Html {
    let state = use_context::<StateHandle>().expect("state context");
    let analysis = state.analysis.clone();
    if analysis.problems.is_empty() {
        return html! {
            <div class="problems empty" data-testid="problems">
                <p class="all-good" data-testid="no-problems">{ "No problems in " }{ state.files.len() }{ if state.files.len() == 1 { " file." } else { " files." } }</p>
            </div>
        };
    }
    let rows = analysis.problems.iter().map(|p| {
        let file_name = state.files.get(p.file).map(|f| f.name.clone()).unwrap_or_default();
        let (icon, severity) = match p.severity {
            Severity::Error => ("✖", "error"),
            Severity::Warning => ("▲", "warning"),
            Severity::Info => ("ℹ", "info"),
        };
        let reveal = {
            let state = state.clone();
            let (file, start, end) = (p.file, p.start, p.end);
            Callback::from(move |_: MouseEvent| state.dispatch(Action::Reveal { file, start, end }))
        };
        let copy = {
            let rendered = p.rendered.clone();
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                clipboard::copy(&rendered, |_| {});
            })
        };
        html! {
            <li class={classes!("problem", severity)} data-testid="problem" data-severity={severity}
                onclick={reveal} title={p.rendered.clone()} tabindex="0" role="button">
                <span class="icon" aria-label={severity}>{ icon }</span>
                <span class="message">{ &p.message }</span>
                <span class="location">{ format!("{}:{}:{}", file_name, p.line, p.col) }</span>
                <button class="copy" aria-label="Copy the problem as text" title="Copy as text" onclick={copy}>
                    <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><rect x="5" y="5" width="9" height="9" rx="1.5" /><path d="M3 11V3a1 1 0 0 1 1-1h7" /></svg>
                </button>
            </li>
        }
    });
    html! {
        <div class="problems" data-testid="problems">
            <p class="summary">{ format!("{} error{}, {} warning{}", analysis.errors, if analysis.errors == 1 { "" } else { "s" }, analysis.warnings, if analysis.warnings == 1 { "" } else { "s" }) }</p>
            <ul>{ for rows }</ul>
        </div>
    }
}
