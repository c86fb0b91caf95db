//! The Final YAML panel: the chosen pipeline expanded as Azure would, read-only, with Copy and
//! Download; when expansion fails, Azure's errors and a way to the Problems list.

use yew::prelude::*;

use super::entry_picker::EntryPicker;
use crate::services::{clipboard, download, editor};
use crate::state::{Action, Panel, StateHandle};

#[function_component(FinalYaml)]
pub fn final_yaml() -> Html {
    let state = use_context::<StateHandle>().expect("state context");
    let copied = use_state(|| false);
    let code = use_node_ref();
    {
        // The <pre> has no children in Yew's tree: the highlighter owns its content.
        let yaml = state
            .final_yaml
            .as_ref()
            .and_then(|v| v.yaml.clone())
            .unwrap_or_default();
        let code = code.clone();
        use_effect_with(yaml, move |yaml| {
            if let Some(pre) = code.cast::<web_sys::HtmlElement>() {
                editor::highlight_into(&pre, yaml);
            }
        });
    }
    let Some(view) = state.final_yaml.clone() else {
        return html! {
            <div class="final-yaml empty" data-testid="final-yaml">
                <p class="muted">{ "No Azure pipeline in the workspace." }</p>
            </div>
        };
    };
    let to_problems = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| {
            state.dispatch(Action::SetPanel {
                panel: Panel::Problems,
            })
        })
    };
    let body = match &view.yaml {
        Some(yaml) => {
            let copy = {
                let (yaml, copied) = (yaml.clone(), copied.clone());
                Callback::from(move |_: MouseEvent| {
                    let copied = copied.clone();
                    clipboard::copy(&yaml, move |ok| copied.set(ok));
                })
            };
            let save = {
                let yaml = yaml.clone();
                let name = final_name(&view.entry);
                Callback::from(move |_: MouseEvent| {
                    download::download(&name, "text/yaml", &yaml);
                })
            };
            html! {
                <>
                    <div class="panel-actions">
                        <button data-testid="copy-yaml" onclick={copy}>{ if *copied { "Copied" } else { "Copy" } }</button>
                        <button data-testid="download-yaml" onclick={save}>{ "Download" }</button>
                    </div>
                    <pre class="code" data-testid="final-yaml-text" tabindex="0" ref={code}></pre>
                </>
            }
        }
        None => html! {
            <div class="expansion-errors" data-testid="final-yaml-errors">
                <p>{ "Azure would not run this pipeline:" }</p>
                <ul>{ for view.errors.iter().map(|e| html! { <li>{ e }</li> }) }</ul>
                <button class="link" data-testid="to-problems" onclick={to_problems}>{ "Show in Problems" }</button>
            </div>
        },
    };
    html! {
        <div class="final-yaml" data-testid="final-yaml">
            <EntryPicker />
            { body }
        </div>
    }
}

/// `azure-pipelines.yml` → `azure-pipelines.final.yml`.
fn final_name(entry: &str) -> String {
    let base = entry.rsplit('/').next().unwrap_or(entry);
    match base.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.final.{ext}"),
        None => format!("{base}.final.yml"),
    }
}
