//! Which Azure pipeline the Azure panels show, when the workspace has several.

use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::state::{Action, StateHandle};

#[function_component(EntryPicker)]
pub fn entry_picker() -> Html {
    let state = use_context::<StateHandle>().expect("state context");
    let pipelines = state.analysis.pipelines.clone();
    let current = state.entry().unwrap_or_default().to_string();
    if pipelines.len() < 2 {
        return html! { <p class="entry-name">{ "Pipeline " }<span data-testid="entry">{ current }</span></p> };
    }
    let onchange = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            state.dispatch(Action::SelectEntry {
                name: select.value(),
            });
        })
    };
    html! {
        <label class="entry-picker">
            { "Pipeline " }
            <select data-testid="entry" onchange={onchange}>
                { for pipelines.iter().map(|p| html! {
                    <option value={p.clone()} selected={*p == current}>{ p }</option>
                }) }
            </select>
        </label>
    }
}
