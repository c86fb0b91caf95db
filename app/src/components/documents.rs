//! The Documents list: what each document of each file is (Azure pipeline or template, Argo or
//! Kubernetes kind); a click reveals it in the editor.

use yew::prelude::*;

use crate::state::{Action, StateHandle};

#[function_component(Documents)]
pub fn documents() -> Html {
    let state = use_context::<StateHandle>().expect("state context");
    let analysis = state.analysis.clone();
    let files = state.files.iter().enumerate().map(|(index, file)| {
        let docs: Vec<_> = analysis.documents.iter().filter(|d| d.file == index).collect();
        let rows = docs.iter().map(|d| {
            let reveal = {
                let state = state.clone();
                let (file, start) = (d.file, d.start);
                Callback::from(move |_: MouseEvent| state.dispatch(Action::Reveal { file, start, end: start }))
            };
            let family = if d.is_azure { "azure" } else if d.label.starts_with("Argo") { "argo" } else { "other" };
            html! {
                <li class={classes!("document", family)} data-testid="document" data-kind={d.label.clone()} onclick={reveal} tabindex="0" role="button">
                    <span class="kind">{ &d.label }</span>
                    <span class="summary">{ &d.summary }</span>
                    <span class="location">{ format!("line {}", d.line) }</span>
                </li>
            }
        });
        html! {
            <section class="document-file">
                <h3>{ &file.name }</h3>
                if docs.is_empty() {
                    <p class="muted">{ "No YAML documents." }</p>
                } else {
                    <ul>{ for rows }</ul>
                }
            </section>
        }
    });
    html! { <div class="documents" data-testid="documents">{ for files }</div> }
}
