//! The Graph (Azure) panel: the chosen pipeline's stage → job graph as Azure DevOps draws a run —
//! stage cards listing their jobs, deployment jobs badged with environment and strategy, arrows
//! for the stages' dependencies — coloured by the simulated run the Run tab describes (hover a
//! skipped one for the condition that skipped it). Drawn by the engine module with core's SVG
//! renderer (the same file Export saves). Click a stage or job to select its YAML (or move to it
//! with the arrow keys and press Enter); drag the background to pan; zoom with the buttons or
//! Ctrl+wheel; Export as SVG or PNG.

use web_sys::HtmlElement;
use yew::prelude::*;

use super::engine_job::{engine_error, use_engine_job};
use super::entry_picker::EntryPicker;
use super::graph_frame::{self, clicked_id, key_nav, use_graph_frame, FrameView, KeyNav};
use pipelab_core::azure::pipeline::graph::Environments;

use crate::services::{highlight, perf};
use crate::state::{Action, Shared, StateHandle};

/// Selects the YAML that drawn `id` (a stage or job) comes from.
fn reveal(state: &StateHandle, id: &str) {
    if let Some(Ok(view)) = state.graph.as_deref() {
        graph_frame::reveal(state, &view.sources, id);
    }
}

/// The environments matrix: a row per stage, a column per deployment job; a cell selects its job.
fn environments_table(m: &Environments, state: &StateHandle) -> Html {
    let cell = |c: &Option<(String, String)>| match c {
        Some((env, id)) => {
            let (state, id) = (state.clone(), id.clone());
            let onclick = Callback::from(move |_: MouseEvent| reveal(&state, &id));
            html! { <td><button class="link" data-testid="environment-cell" onclick={onclick}>{ env }</button></td> }
        }
        None => html! { <td class="muted">{ "—" }</td> },
    };
    html! {
        <section class="environments" data-testid="environments">
            <h3>{ "Environments" }</h3>
            <table class="nodes">
                <thead><tr><th>{ "Stage" }</th>{ for m.columns.iter().map(|c| html! { <th>{ c }</th> }) }</tr></thead>
                <tbody>{ for m.rows.iter().map(|r| html! {
                    <tr data-testid="environment-row" data-stage={r.stage.clone()}>
                        <th>{ &r.stage }</th>{ for r.cells.iter().map(cell) }
                    </tr>
                }) }</tbody>
            </table>
        </section>
    }
}

#[function_component(GraphAzure)]
pub fn graph_azure() -> Html {
    let state = use_context::<StateHandle>().expect("state context");
    use_engine_job(
        &state,
        state.graph_request.clone(),
        "azure_graph",
        |seq, result| Action::GraphAnswered { seq, result },
    );
    let canvas = use_node_ref();
    let frame = use_graph_frame();
    let svg = match state.graph.as_deref() {
        Some(Ok(view)) if view.errors.is_empty() => Some(view.svg.clone()),
        _ => None,
    };
    {
        // The drawing is core's SVG text; it is parsed by the browser into the canvas element,
        // which Yew leaves empty (labels are escaped by the renderer).
        let canvas = canvas.clone();
        // Each answer is a new drawing to show, even when its text did not change.
        let answer = state.graph.as_ref().map(|g| Shared::as_ptr(g) as usize);
        let sources = match state.graph.as_deref() {
            Some(Ok(view)) => view.sources.clone(),
            _ => Vec::new(),
        };
        use_effect_with((svg.clone(), answer), move |(svg, _)| {
            if let Some(el) = canvas.cast::<HtmlElement>() {
                el.set_inner_html(svg.as_deref().unwrap_or(""));
            }
            highlight::set_sources(sources);
            if svg.is_some() {
                // For the e2e budget: analysis start → the new drawing on screen.
                perf::record_in(
                    "__pipelabPanelTimings",
                    perf::now() - perf::analysis_started(),
                );
            }
        });
    }
    let body = match state.graph.as_deref() {
        None => html! { <p class="muted" data-testid="graph-pending">{ "Drawing the graph…" }</p> },
        Some(Err(why)) => engine_error(why, "Reopen this tab to retry."),
        Some(Ok(view)) if !view.errors.is_empty() => html! {
            <div class="expansion-errors" data-testid="graph-errors">
                <p>{ "Azure would not run this pipeline:" }</p>
                <ul>{ for view.errors.iter().map(|e| html! { <li>{ e }</li> }) }</ul>
            </div>
        },
        Some(Ok(_)) => Html::default(),
    };
    let on_click = {
        let state = state.clone();
        Callback::from(move |e: MouseEvent| {
            let Some(id) = clicked_id(&e) else { return };
            reveal(&state, &id);
        })
    };
    let environments = match state.graph.as_deref() {
        Some(Ok(view)) if !view.environments.rows.is_empty() => {
            environments_table(&view.environments, &state)
        }
        _ => Html::default(),
    };
    // Keyboard: arrows move between stages and jobs (drawing order), Enter selects the YAML.
    let selected = use_mut_ref(|| None::<String>);
    let on_key = {
        let (state, selected) = (state.clone(), selected.clone());
        Callback::from(move |e: KeyboardEvent| {
            let current = selected.borrow().clone();
            match key_nav(&e, current.as_deref(), highlight::ids) {
                Some(KeyNav::Reveal(id)) => reveal(&state, &id),
                Some(KeyNav::Select(id)) => {
                    highlight::select(Some(&id), true);
                    *selected.borrow_mut() = Some(id);
                }
                None => {}
            }
        })
    };
    let entry = state.entry().unwrap_or("pipeline");
    let base = entry.rsplit('/').next().unwrap_or(entry);
    let stem = base.rsplit_once('.').map_or(base, |(s, _)| s).to_string();
    html! {
        <div class="graph-panel" data-testid="graph-azure">
            <EntryPicker />
            { frame.view(FrameView {
                svg: svg.map(AttrValue::from),
                stem: stem.into(),
                hint: "Results follow the Run tab (trigger, parameters, failing jobs). Click a stage or job to see its YAML.",
                label: "Stage and job graph: arrow keys move between stages and jobs, Enter shows the YAML",
                canvas,
                onclick: on_click,
                onkeydown: on_key,
                notice: body,
                content: Html::default(),
                // Stage cards list their jobs in small type: below this they could not be read.
                min_fit: Some(0.75),
            }) }
            { environments }
        </div>
    }
}
