//! File tabs: open, add, rename (double-click), delete.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::services::dialog;
use crate::state::{fresh_name, validate_name, Action, StateHandle};

#[function_component(FileTabs)]
pub fn file_tabs() -> Html {
    let state = use_context::<StateHandle>().expect("state context");
    // The tab being renamed, with the draft name and its problem if invalid.
    let renaming = use_state(|| None::<(usize, String, Option<String>)>);

    let start_rename = |index: usize| {
        let renaming = renaming.clone();
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            renaming.set(Some((index, state.files[index].name.clone(), None)))
        })
    };

    let tabs = state.files.iter().enumerate().map(|(index, file)| {
        let active = index == state.active;
        let errors = state.analysis.problems.iter().filter(|p| p.file == index && p.severity == pipelab_core::diag::Severity::Error).count();
        if let Some((i, draft, problem)) = (*renaming).clone().filter(|(i, ..)| *i == index) {
            let commit = {
                let state = state.clone();
                let renaming = renaming.clone();
                move |name: String| match validate_name(&state.files, i, &name) {
                    Ok(()) => {
                        state.dispatch(Action::RenameFile { index: i, name });
                        renaming.set(None);
                    }
                    Err(message) => renaming.set(Some((i, name, Some(message)))),
                }
            };
            let onkeydown = {
                let renaming = renaming.clone();
                let commit = commit.clone();
                Callback::from(move |e: KeyboardEvent| {
                    let input: HtmlInputElement = e.target_unchecked_into();
                    match e.key().as_str() {
                        "Enter" => commit(input.value().trim().to_string()),
                        "Escape" => renaming.set(None),
                        _ => {}
                    }
                })
            };
            let onblur = {
                let renaming = renaming.clone();
                Callback::from(move |e: FocusEvent| {
                    let input: HtmlInputElement = e.target_unchecked_into();
                    let name = input.value().trim().to_string();
                    let state_ok = renaming.as_ref().map(|(_, _, p)| p.is_none()).unwrap_or(true);
                    if state_ok { commit(name) } else { renaming.set(None) }
                })
            };
            return html! {
                <div class="tab renaming" key={format!("tab-{index}")}>
                    <input class={classes!("rename", problem.is_some().then_some("invalid"))} data-testid="tab-rename"
                        value={draft} title={problem.clone().unwrap_or_default()} aria-invalid={problem.is_some().to_string()}
                        {onkeydown} {onblur} autofocus=true />
                    if let Some(p) = problem { <span class="rename-problem" role="alert">{ p }</span> }
                </div>
            };
        }
        let select = {
            let state = state.clone();
            Callback::from(move |_: MouseEvent| state.dispatch(Action::SelectFile { index }))
        };
        let delete = {
            let state = state.clone();
            Callback::from(move |e: MouseEvent| {
                e.stop_propagation();
                let file = &state.files[index];
                if file.text.trim().is_empty() || dialog::confirm(&format!("Delete {}?", file.name)) {
                    state.dispatch(Action::DeleteFile { index });
                }
            })
        };
        html! {
            <div class={classes!("tab", active.then_some("active"))} key={format!("tab-{index}")} role="tab"
                aria-selected={active.to_string()} data-testid="file-tab" data-name={file.name.clone()}
                onclick={select} ondblclick={start_rename(index)} title="Double-click to rename">
                <span class="tab-name">{ &file.name }</span>
                if errors > 0 { <span class="tab-errors" title="errors">{ errors }</span> }
                if state.files.len() > 1 {
                    <button class="tab-close" data-testid="delete-file" aria-label={format!("Delete {}", file.name)} onclick={delete}>{ "×" }</button>
                }
            </div>
        }
    });

    let add = {
        let state = state.clone();
        let renaming = renaming.clone();
        Callback::from(move |_| {
            // The new file goes last under a fresh name; offer to rename it right away.
            let (index, name) = (state.files.len(), fresh_name(&state.files));
            state.dispatch(Action::AddFile);
            renaming.set(Some((index, name, None)));
        })
    };

    html! {
        <div class="file-tabs" role="tablist" aria-label="Files">
            { for tabs }
            <button class="tab-add" data-testid="add-file" title="Add a file" aria-label="Add a file" onclick={add}>{ "+" }</button>
        </div>
    }
}
