//! The Event (Argo) panel: for each event of the EventSources, a form prefilled from it and the
//! Sensor's `body.x` keys — curl-like with the equivalent `curl` line and Send for an HTTP source,
//! a message with the equivalent `pipelab run --event` line and Publish (Fire for a calendar) for
//! the others; then what the simulated cluster did: each trigger (fired, or the error),
//! each Workflow created with its phase and node table (Argo's colours, simulated seconds, logs).
//! A node's click selects its YAML; the editor's cursor marks the node built from the YAML under it.
//! With no EventSource but a Workflow, Submit runs it directly.

use pipelab_core::argo::workflow::{has_own_progress, progress_done};
use web_sys::{HtmlInputElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::engine_job::{engine_error, use_engine_job};
use super::graph_frame::{
    clicked_id, drawn_ids, key_nav, reveal, use_graph_frame, Frame, FrameView, KeyNav,
};
use super::timeline::Timeline;
use crate::argo_views::{EventForm, EventResult, NodeRow, WorkflowRow};
use crate::services::download;
use crate::services::highlight::{self, SourceOf};
use crate::state::{Action, Shared, StateHandle};

fn phase_class(phase: &str) -> String {
    format!("phase-{}", phase.to_ascii_lowercase())
}

fn seconds(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{s:.0}s")
    } else {
        format!("{s:.1}s")
    }
}

/// The event flow and its frame: its state, canvas and keyboard selection (kept by the panel).
struct FlowFrame {
    frame: Frame,
    canvas: NodeRef,
    selected: std::rc::Rc<std::cell::RefCell<Option<String>>>,
}

/// The event flow drawing in its frame (core's SVG renderer escapes every label and attribute):
/// a click on an EventSource, Sensor or trigger selects its YAML, as Enter does for the node the
/// arrow keys moved to.
fn flow(f: &FlowFrame, state: &StateHandle, svg: &str, sources: &[SourceOf]) -> Html {
    if svg.is_empty() {
        return Html::default();
    }
    let drawing = AttrValue::from(svg.to_string());
    let sources = std::rc::Rc::new(sources.to_vec());
    let onclick = {
        let (state, sources) = (state.clone(), sources.clone());
        Callback::from(move |e: MouseEvent| {
            if let Some(id) = clicked_id(&e) {
                reveal(&state, &sources, &id);
            }
        })
    };
    let onkeydown = {
        let (state, canvas, selected) = (state.clone(), f.canvas.clone(), f.selected.clone());
        Callback::from(move |e: KeyboardEvent| {
            let current = selected.borrow().clone();
            match key_nav(&e, current.as_deref(), || drawn_ids(&canvas)) {
                Some(KeyNav::Reveal(id)) => reveal(&state, &sources, &id),
                Some(KeyNav::Select(id)) => {
                    highlight::select(Some(&id), true);
                    *selected.borrow_mut() = Some(id);
                }
                None => {}
            }
        })
    };
    html! {
        <section class="event-flow" data-testid="event-flow">
            <h3>{ "Event flow" }</h3>
            <div class="workflow-graph">
                { f.frame.view(FrameView {
                    svg: Some(drawing.clone()),
                    stem: AttrValue::from("event-flow"),
                    hint: "Click an EventSource, Sensor or trigger for its YAML; arrow keys move between nodes.",
                    label: "Event flow: arrow keys move between nodes, Enter shows the YAML",
                    canvas: f.canvas.clone(),
                    onclick,
                    onkeydown,
                    notice: Html::default(),
                    content: Html::from_html_unchecked(drawing),
                    min_fit: Some(0.8),
                }) }
            </div>
        </section>
    }
}

/// The last answer with its timeline.
fn result_frame(state: &StateHandle, f: &FlowFrame) -> Html {
    let Some(answer) = state.event_result.clone() else {
        return Html::default();
    };
    let Ok(result) = &*answer else {
        return Html::default();
    };
    html! {
        <>
            { flow(f, state, &result.flow_svg, &result.flow_sources) }
            if !result.workflows.is_empty() { <Timeline answer={answer.clone()} /> }
            { result_view(&answer, state.event_at.is_some()) }
        </>
    }
}

fn result_view(answer: &Answer, scrubbed: bool) -> Html {
    let Ok(result) = &**answer else {
        return Html::default();
    };
    let triggers = result.triggers.iter().map(|t| {
        html! {
            <li data-testid="trigger-outcome" data-fired={t.fired.to_string()} class={if t.fired { "fired" } else { "not-fired" }}>
                <span class="name">{ format!("{}/{}", t.sensor, t.trigger) }</span>
                <span class="outcome">{ if t.fired { "fired" } else { "not fired" } }</span>
                <span class="muted">{ format!(" at {}", seconds(t.at)) }</span>
                if let Some(of) = &t.dlq_of { <span class="muted" data-testid="dlq-of">{ format!(" (dead-letter trigger of {of})") }</span> }
                if let Some(e) = &t.error { <span class="error" data-testid="trigger-error">{ e }</span> }
            </li>
        }
    });
    let workflows = (0..result.workflows.len()).map(|index| {
        html! { <WorkflowView answer={answer.clone()} {index} {scrubbed} /> }
    });
    html! {
        <div class="event-result" data-testid="event-result">
            { for result.responses.iter().map(|r| html! { <p class="response" data-testid="response">{ r }</p> }) }
            if !result.triggers.is_empty() { <ul class="triggers">{ for triggers }</ul> }
            if result.workflows.is_empty() { <p class="muted">{ "No Workflow was created." }</p> }
            { for workflows }
            if !result.problems.is_empty() {
                <ul class="expansion-errors">{ for result.problems.iter().map(|p| html! { <li>{ p }</li> }) }</ul>
            }
        </div>
    }
}

/// The answer to a Send, compared by identity in props.
pub type Answer = Shared<Result<EventResult, String>>;

#[derive(Properties, PartialEq)]
struct WorkflowProps {
    /// The answer, and which of its Workflows this is.
    answer: Answer,
    index: usize,
    /// Whether the timeline shows a past moment (phases are `phase_at`).
    scrubbed: bool,
}

/// Rows of a node table or Gantt drawn before "Show all": a 2,000-node fan-out's rows took the
/// page about a second to draw, and the DAG already collapses wide fan-outs.
pub const ROWS_SHOWN: usize = 200;

/// The "Show all" button under a list cut at [`ROWS_SHOWN`], or nothing when nothing is hidden.
pub fn show_all(total: usize, all: &UseStateHandle<bool>, testid: &'static str) -> Html {
    if **all || total <= ROWS_SHOWN {
        return Html::default();
    }
    let all = all.clone();
    html! {
        <button class="show-all" data-testid={testid} onclick={Callback::from(move |_: MouseEvent| all.set(true))}>
            { format!("Show all {total} nodes ({} more)", total - ROWS_SHOWN) }
        </button>
    }
}

/// Selects in the editor the task, step or template that node `id` of Workflow `index` was
/// built from.
fn reveal_node(state: &StateHandle, answer: &Answer, index: usize, id: &str) {
    if let Some(w) = answer.as_ref().ok().and_then(|r| r.workflows.get(index)) {
        reveal(state, &w.sources, id);
    }
}

/// One Workflow: its DAG, node table and the selected node's details. Clicking a node in the
/// DAG or its row selects it, as in the Argo UI, and the YAML it was built from in the editor.
#[function_component(WorkflowView)]
fn workflow_view(props: &WorkflowProps) -> Html {
    let selected = use_state(|| None::<String>);
    let all_rows = use_state(|| false);
    let state = use_context::<StateHandle>().expect("state context");
    let canvas = use_node_ref();
    let frame = use_graph_frame();
    let Some(w) = props
        .answer
        .as_ref()
        .ok()
        .and_then(|r| r.workflows.get(props.index))
    else {
        return Html::default();
    };
    let scrubbed = props.scrubbed;
    let phase_of = |n: &NodeRow| -> String {
        if scrubbed {
            n.phase_at.clone()
        } else {
            n.phase.clone()
        }
    };
    let limit = if *all_rows { usize::MAX } else { ROWS_SHOWN };
    let rows = w.nodes.iter().take(limit).map(|n| {
        let phase = phase_of(n);
        let is_selected = selected.as_deref() == Some(n.id.as_str());
        let onclick = {
            let (selected, id, state) = (selected.clone(), n.id.clone(), state.clone());
            let (answer, index) = (props.answer.clone(), props.index);
            Callback::from(move |_: MouseEvent| {
                selected.set(Some(id.clone()));
                reveal_node(&state, &answer, index, &id);
            })
        };
        html! {
            <tr data-testid="node" data-name={n.display_name.clone()} data-phase={phase.clone()}
                class={classes!(is_selected.then_some("selected"))} onclick={onclick}>
                <td class="name">{ &n.display_name }</td>
                <td class="muted">{ &n.node_type }</td>
                <td><span class={classes!("phase", phase_class(&phase))}>{ if phase.is_empty() { "not created yet" } else { phase.as_str() } }</span>
                    if !n.message.is_empty() { <span class="muted">{ format!(" {}", n.message) }</span> }</td>
                <td class="num">{ seconds(n.started) }</td>
                <td class="num">{ n.finished.map(seconds).unwrap_or_else(|| "…".into()) }</td>
                <td>
                    if !n.logs.is_empty() {
                        <details><summary>{ format!("{} line{}", n.logs.len(), if n.logs.len() == 1 { "" } else { "s" }) }</summary>
                            <pre class="code logs" data-testid="logs">{ n.logs.join("\n") }</pre>
                        </details>
                    }
                </td>
            </tr>
        }
    });
    // A click on "N hidden nodes" expands that fan-out (as the Argo UI does); on a node, selects
    // it and its YAML.
    let on_graph_click = {
        let (selected, state) = (selected.clone(), state.clone());
        let (answer, index) = (props.answer.clone(), props.index);
        Callback::from(move |e: MouseEvent| match clicked_id(&e) {
            Some(id) if id.contains(":hidden") => {
                state.dispatch(Action::ToggleFanOuts { ids: vec![id] })
            }
            Some(id) => {
                reveal_node(&state, &answer, index, &id);
                selected.set(Some(id));
            }
            None => {}
        })
    };
    // Keyboard: arrows move between the drawn nodes (drawing order) and show their details;
    // Enter selects the node's YAML.
    let on_key = {
        let (selected, canvas, state) = (selected.clone(), canvas.clone(), state.clone());
        let (answer, index) = (props.answer.clone(), props.index);
        Callback::from(move |e: KeyboardEvent| {
            match key_nav(&e, selected.as_deref(), || drawn_ids(&canvas)) {
                Some(KeyNav::Reveal(id)) => reveal_node(&state, &answer, index, &id),
                Some(KeyNav::Select(id)) => selected.set(Some(id)),
                None => {}
            }
        })
    };
    // This workflow's expanded placeholders (their ids start with the id of the fanning node).
    let expanded: Vec<String> = state
        .event_sent
        .as_ref()
        .map(|s| s.expanded.clone())
        .unwrap_or_default()
        .into_iter()
        .filter(|id| {
            w.nodes
                .iter()
                .any(|n| id.starts_with(&format!("{}:hidden", n.id)))
        })
        .collect();
    let collapse = (!expanded.is_empty()).then(|| {
        let state = state.clone();
        let n = expanded.len();
        let onclick = Callback::from(move |_: MouseEvent| {
            state.dispatch(Action::ToggleFanOuts {
                ids: expanded.clone(),
            })
        });
        html! {
            <button class="collapse-fan-outs" data-testid="collapse-fan-outs" {onclick}>
                { if n == 1 { "Collapse the expanded fan-out".to_string() } else { format!("Collapse {n} expanded fan-outs") } }
            </button>
        }
    });
    // Argo's `status.progress` at the moment shown: of the pod-like nodes created by then
    // (pods, containers, HTTP requests, suspends), those Succeeded, Skipped or Omitted.
    let (done, total) = w
        .nodes
        .iter()
        .filter(|n| has_own_progress(&n.node_type))
        .map(phase_of)
        .filter(|p| !p.is_empty())
        .fold((0, 0), |(d, t), p| {
            (d + usize::from(progress_done(&p)), t + 1)
        });
    // One copy of the drawing's text for the exports and the canvas.
    let drawing = AttrValue::from(w.svg.clone());
    let details = selected
        .as_deref()
        .and_then(|id| w.nodes.iter().find(|n| n.id == id))
        .map(|n| {
            let close = {
                let selected = selected.clone();
                Callback::from(move |_: MouseEvent| selected.set(None))
            };
            node_details(n, w, &phase_of(n), close)
        });
    html! {
        <section class="workflow" data-testid="workflow" data-phase={w.phase.clone()}>
            <h3><span class="name">{ &w.name }</span>
                if !w.manifest.is_empty() {
                    <button class="download-manifest" data-testid="download-manifest"
                        title="The Workflow as the Sensor created it (its generateName kept): argo submit FILE, or kubectl create -f FILE"
                        onclick={{
                            let (name, text) = (format!("{}.json", w.name), w.manifest.clone());
                            Callback::from(move |_: MouseEvent| { download::download(&name, "application/json", &text); })
                        }}>{ "Download manifest" }</button>
                }
                <span class="progress muted" data-testid="progress" title="Progress: pods done / pods created, as the Argo UI shows it">{ format!("{done}/{total}") }</span>
                <span class={classes!("phase", phase_class(&w.phase))}>{ &w.phase }</span></h3>
            if !w.message.is_empty() { <p class="muted">{ &w.message }</p> }
            { collapse.unwrap_or_default() }
            <div class="workflow-graph" data-testid="workflow-graph">
                { frame.view(FrameView {
                    svg: Some(drawing.clone()),
                    stem: AttrValue::from(w.name.clone()),
                    hint: "Click a node for its details and its YAML; arrow keys move between nodes.",
                    label: "Workflow graph: arrow keys move between nodes and show their details, Enter shows the YAML",
                    canvas,
                    onclick: on_graph_click,
                    onkeydown: on_key,
                    notice: Html::default(),
                    // core's SVG renderer escapes every label and attribute (its module invariant).
                    content: Html::from_html_unchecked(drawing),
                    // An expanded fan-out stays readable: it scrolls rather than shrinking further.
                    min_fit: Some(0.6),
                }) }
            </div>
            { details.unwrap_or_default() }
            // Marks the selected node in the drawing (node ids are names: letters, digits, `-._`).
            if let Some(id) = selected.as_deref().filter(|id| id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))) {
                <style>{ format!(".workflow-graph .pl-node[data-id=\"{id}\"] .pl-box {{ stroke: var(--accent); stroke-width: 3px; }}") }</style>
            }
            <table class="nodes">
                <thead><tr><th>{ "Node" }</th><th>{ "Type" }</th><th>{ "Phase" }</th><th>{ "Start" }</th><th>{ "Finish" }</th><th>{ "Logs" }</th></tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            { show_all(w.nodes.len(), &all_rows, "show-all-nodes") }
        </section>
    }
}

/// A `name = value` table, or nothing.
fn pairs(title: &str, testid: &'static str, items: &[(String, String)]) -> Html {
    if items.is_empty() {
        return Html::default();
    }
    html! {
        <>
            <h5>{ title }</h5>
            <table class="pairs" data-testid={testid}>
                { for items.iter().map(|(k, v)| html! { <tr><th>{ k }</th><td><code>{ v }</code></td></tr> }) }
            </table>
        </>
    }
}

/// The Argo UI's node panel: summary, inputs, outputs, logs, and a Retry node's attempts. At a
/// scrubbed moment before the node ended, its outputs and logs are not shown yet.
fn node_details(n: &NodeRow, w: &WorkflowRow, phase: &str, close: Callback<MouseEvent>) -> Html {
    let ended = !matches!(phase, "" | "Pending" | "Running");
    let duration = n.finished.filter(|_| ended).map(|f| seconds(f - n.started));
    let attempts: Vec<&NodeRow> = if n.node_type == "Retry" {
        n.children
            .iter()
            .filter_map(|c| w.nodes.iter().find(|m| &m.id == c))
            .collect()
    } else {
        Vec::new()
    };
    let mut outputs = n.outputs.clone();
    if let Some(r) = &n.result {
        outputs.push(("result".into(), r.clone()));
    }
    if let Some(c) = n.exit_code {
        outputs.push(("exitCode".into(), c.to_string()));
    }
    outputs.extend(
        n.output_artifacts
            .iter()
            .map(|a| (a.clone(), "(artifact)".to_string())),
    );
    let inputs: Vec<(String, String)> = n
        .inputs
        .iter()
        .cloned()
        .chain(
            n.input_artifacts
                .iter()
                .map(|a| (a.clone(), "(artifact)".to_string())),
        )
        .collect();
    html! {
        <aside class="node-details" data-testid="node-details" data-id={n.id.clone()}>
            <header>
                <h4>{ &n.display_name }</h4>
                <span class={classes!("phase", phase_class(phase))}>{ if phase.is_empty() { "not created yet" } else { phase } }</span>
                <button class="close" onclick={close} aria-label="Close the node details">{ "×" }</button>
            </header>
            <table class="pairs summary" data-testid="node-summary">
                <tr><th>{ "Name" }</th><td><code>{ &n.id }</code></td></tr>
                <tr><th>{ "Type" }</th><td>{ &n.node_type }</td></tr>
                if !n.template_name.is_empty() { <tr><th>{ "Template" }</th><td>{ &n.template_name }</td></tr> }
                if !n.message.is_empty() && ended { <tr><th>{ "Message" }</th><td>{ &n.message }</td></tr> }
                <tr><th>{ "Started" }</th><td>{ seconds(n.started) }</td></tr>
                if ended { <tr><th>{ "Finished" }</th><td>{ n.finished.map(seconds).unwrap_or_default() }</td></tr> }
                if let Some(d) = duration { <tr><th>{ "Duration" }</th><td data-testid="node-duration">{ d }</td></tr> }
                if !n.memoization.is_empty() { <tr><th>{ "Memoization" }</th><td data-testid="node-memoization">{ &n.memoization }</td></tr> }
            </table>
            { pairs("Inputs", "node-inputs", &inputs) }
            if ended { { pairs("Outputs", "node-outputs", &outputs) } }
            if !attempts.is_empty() {
                <h5>{ "Attempts" }</h5>
                <ol class="attempts" start="0" data-testid="node-attempts">
                    { for attempts.iter().map(|a| html! {
                        <li><span class={classes!("phase", phase_class(&a.phase))}>{ &a.phase }</span>
                            { format!(" {}", a.display_name) }
                            if !a.message.is_empty() { <span class="muted">{ format!(" {}", a.message) }</span> }</li>
                    }) }
                </ol>
            }
            if ended && !n.logs.is_empty() {
                <h5>{ "Logs" }</h5>
                <pre class="code logs" data-testid="node-logs">{ n.logs.join("\n") }</pre>
            }
        </aside>
    }
}

#[function_component(EventArgo)]
pub fn event_argo() -> Html {
    let state = use_context::<StateHandle>().expect("state context");
    use_engine_job(
        &state,
        state.targets_request.clone(),
        "argo_targets",
        |seq, result| Action::TargetsAnswered { seq, result },
    );
    use_engine_job(
        &state,
        state.event_request.clone(),
        "argo_send",
        |seq, result| Action::EventAnswered { seq, result },
    );
    let flow_frame = FlowFrame {
        frame: use_graph_frame(),
        canvas: use_node_ref(),
        selected: use_mut_ref(|| None),
    };
    // Editor → graph: the cursor marks the node (of the event flow or a Workflow) built from the
    // YAML under it.
    use_effect_with(
        (
            state
                .event_result
                .as_ref()
                .map(|a| Shared::as_ptr(a) as usize),
            state
                .argo_targets
                .as_ref()
                .map(|a| Shared::as_ptr(a) as usize),
        ),
        {
            let (answer, targets) = (state.event_result.clone(), state.argo_targets.clone());
            move |_| {
                let sources = match (answer.as_deref(), targets.as_deref()) {
                    (Some(Ok(r)), _) => r
                        .flow_sources
                        .iter()
                        .cloned()
                        .chain(r.workflows.iter().flat_map(|w| w.sources.clone()))
                        .collect(),
                    (_, Some(Ok(t))) => t.flow_sources.clone(),
                    _ => Vec::new(),
                };
                highlight::set_sources(sources);
            }
        },
    );
    let targets = match state.argo_targets.as_deref() {
        None => {
            return html! {
                <div class="event-argo" data-testid="event-argo">
                    <p class="muted" data-testid="event-pending">{ "Loading the simulation engine…" }</p>
                </div>
            };
        }
        Some(Err(why)) => {
            return html! {
                <div class="event-argo" data-testid="event-argo">
                    { engine_error(why, "Edit them or reopen this tab to retry.") }
                </div>
            };
        }
        Some(Ok(targets)) => targets.clone(),
    };
    let result = match state.event_result.as_deref() {
        // While a scrub is computed the previous frame stays.
        Some(Ok(_)) if state.event_request.is_some() && state.event_scrubbing => {
            result_frame(&state, &flow_frame)
        }
        _ if state.event_request.is_some() => html! {
            <p class="muted" data-testid="event-pending">{ "Running the simulated cluster…" }</p>
        },
        Some(Ok(_)) => result_frame(&state, &flow_frame),
        Some(Err(why)) => engine_error(why, "Send again to retry."),
        // Before any Send: the flow the manifests describe.
        None => flow(
            &flow_frame,
            &state,
            &targets.flow_svg,
            &targets.flow_sources,
        ),
    };

    let Some(form) = state.event_form.clone() else {
        let submit = {
            let state = state.clone();
            Callback::from(move |_: MouseEvent| state.dispatch(Action::SubmitWorkflows))
        };
        return html! {
            <div class="event-argo" data-testid="event-argo">
                if targets.has_workflow {
                    <p>{ "No webhook EventSource: submit the Workflows directly." }</p>
                    <button class="primary" data-testid="submit-workflow" onclick={submit}>{ "Submit" }</button>
                } else {
                    <p class="muted">{ "No webhook EventSource or Workflow in the workspace." }</p>
                }
                { result.clone() }
            </div>
        };
    };

    let edit = |apply: fn(&mut EventForm, String)| {
        let state = state.clone();
        let form = form.clone();
        move |value: String| {
            let mut form = form.clone();
            apply(&mut form, value);
            state.dispatch(Action::SetEventForm { form });
        }
    };
    let on_input = |apply: fn(&mut EventForm, String)| {
        let set = edit(apply);
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            set(input.value());
        })
    };
    let on_area = |apply: fn(&mut EventForm, String)| {
        let set = edit(apply);
        Callback::from(move |e: Event| {
            let area: HtmlTextAreaElement = e.target_unchecked_into();
            set(area.value());
        })
    };
    let send = {
        let state = state.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            state.dispatch(Action::SendEvent);
        })
    };
    // More than one event in the workspace: a picker (the form is prefilled for each).
    let picker = (targets.events.len() > 1).then(|| {
        let events = targets.events.clone();
        let onchange = {
            let (state, events) = (state.clone(), events.clone());
            Callback::from(move |e: Event| {
                let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
                if let Some(form) = events.get(select.selected_index().max(0) as usize) {
                    state.dispatch(Action::SetEventForm { form: form.clone() });
                }
            })
        };
        html! {
            <select data-testid="event-picker" aria-label="Event" {onchange}>
                { for events.iter().map(|e| html! {
                    <option selected={e.same_event(&form)}>
                        { format!("{}/{} ({})", e.event_source, e.event_name, e.source_type) }
                    </option>
                }) }
            </select>
        }
    });
    let target = html! {
        <p class="muted target">
            { picker.unwrap_or_else(|| html! { { format!("EventSource {} · event {} ({})", form.event_source, form.event_name, form.source_type) } }) }
        </p>
    };
    let fields = if form.is_http() {
        html! {
            <>
                <div class="request-line">
                    <input class="method" data-testid="event-method" aria-label="Method" value={form.method.clone()} onchange={on_input(|f, v| f.method = v)} />
                    <input class="url" data-testid="event-url" aria-label="Endpoint" value={form.url.clone()} onchange={on_input(|f, v| f.url = v)} />
                    <button type="submit" class="primary" data-testid="send-event">{ "Send" }</button>
                </div>
                <label>{ "Headers" }<textarea class="code" rows="2" data-testid="event-headers" value={form.headers.clone()} onchange={on_area(|f, v| f.headers = v)} /></label>
                <label>{ "Body (JSON)" }<textarea class="code" rows="4" data-testid="event-body" value={form.body.clone()} onchange={on_area(|f, v| f.body = v)} /></label>
                <pre class="code curl" data-testid="curl">{ form.curl() }</pre>
            </>
        }
    } else {
        // Messages (Kafka, SQS, NATS, ...) and calendar ticks: what the EventSource would read.
        let tick = form.source_type == "calendar";
        html! {
            <>
                if tick {
                    <p class="muted">{ "A calendar event fires on its schedule; Fire sends one tick now." }</p>
                } else {
                    <label>{ format!("Message (JSON, the event's body as the {} EventSource reads it)", form.source_type) }
                        <textarea class="code" rows="4" data-testid="event-body" value={form.body.clone()} onchange={on_area(|f, v| f.body = v)} /></label>
                }
                <div class="request-line">
                    <button type="submit" class="primary" data-testid="send-event">{ if tick { "Fire" } else { "Publish" } }</button>
                </div>
                <pre class="code curl" data-testid="cli">{ form.cli() }</pre>
            </>
        }
    };
    html! {
        <div class="event-argo" data-testid="event-argo">
            <form class="event-form" onsubmit={send}>
                { target }
                { fields }
            </form>
            { result }
        </div>
    }
}
