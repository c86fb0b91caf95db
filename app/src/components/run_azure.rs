//! The Run (Azure) panel: a queue-time form from the pipeline's parameters, a trigger picker, and
//! the simulated run as stage → job cards. Clicking a job makes it fail (or succeed again); its
//! name selects its source; a skipped stage or job says which condition skipped it and why.

use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::engine_job::{engine_error, use_engine_job};
use super::entry_picker::EntryPicker;
use crate::azure_views::{ParamField, ParamInput, SourceRef, TriggerKind};
use crate::services::perf;
use crate::state::{Action, Shared, StateHandle};

fn result_class(result: &str) -> String {
    format!("result-{}", result.to_ascii_lowercase())
}

fn reveal(state: &StateHandle, source: Option<SourceRef>) -> Callback<MouseEvent> {
    let state = state.clone();
    Callback::from(move |e: MouseEvent| {
        e.stop_propagation();
        if let Some(s) = source {
            state.dispatch(Action::Reveal {
                file: s.file,
                start: s.start,
                end: s.end,
            });
        }
    })
}

fn param_input(state: &StateHandle, field: &ParamField) -> Html {
    let set = {
        let state = state.clone();
        let name = field.name.clone();
        move |value: String| {
            state.dispatch(Action::SetRunParam {
                name: name.clone(),
                value,
            })
        }
    };
    match &field.input {
        ParamInput::Checkbox => {
            let onchange = Callback::from(move |e: Event| {
                let input: HtmlInputElement = e.target_unchecked_into();
                set(input.checked().to_string());
            });
            html! { <input type="checkbox" data-param={field.name.clone()} checked={field.value.eq_ignore_ascii_case("true")} onchange={onchange} /> }
        }
        ParamInput::Choice(values) => {
            let onchange = Callback::from(move |e: Event| {
                let select: HtmlSelectElement = e.target_unchecked_into();
                set(select.value());
            });
            html! {
                <select data-param={field.name.clone()} onchange={onchange}>
                    { for values.iter().map(|v| html! { <option value={v.clone()} selected={*v == field.value}>{ v }</option> }) }
                </select>
            }
        }
        ParamInput::Yaml => {
            let onchange = Callback::from(move |e: Event| {
                let area: HtmlTextAreaElement = e.target_unchecked_into();
                set(area.value());
            });
            html! { <textarea class="code" data-param={field.name.clone()} rows="4" value={field.value.clone()} onchange={onchange} /> }
        }
        ParamInput::Text | ParamInput::Number => {
            let onchange = Callback::from(move |e: Event| {
                let input: HtmlInputElement = e.target_unchecked_into();
                set(input.value());
            });
            let kind = if field.input == ParamInput::Number {
                "number"
            } else {
                "text"
            };
            html! { <input type={kind} data-param={field.name.clone()} value={field.value.clone()} onchange={onchange} /> }
        }
    }
}

#[function_component(RunAzure)]
pub fn run_azure() -> Html {
    let state = use_context::<StateHandle>().expect("state context");
    use_engine_job(
        &state,
        state.run_request.clone(),
        "azure_run",
        |seq, result| Action::RunAnswered { seq, result },
    );
    {
        // For the e2e budget: analysis start → this panel showing the engine's answer for it.
        let shown = state.run.clone();
        use_effect_with(
            shown.as_ref().map(|v| Shared::as_ptr(v) as usize),
            move |shown| {
                if shown.is_some() {
                    perf::record_in(
                        "__pipelabPanelTimings",
                        perf::now() - perf::analysis_started(),
                    );
                }
            },
        );
    }
    if let Some(why) = &state.run_error {
        return html! {
            <div class="run-azure" data-testid="run-azure">
                { engine_error(why, "Reopen this tab to retry.") }
            </div>
        };
    }
    let Some(view) = state.run.clone() else {
        return html! {
            <div class="run-azure empty" data-testid="run-azure">
                <p class="muted" data-testid="run-pending">{ "Simulating the run…" }</p>
            </div>
        };
    };
    let inputs = state.run_inputs.clone();

    let params = view.params.iter().map(|f| {
        html! {
            <label class="param">
                <span class="param-name">{ &f.name }<span class="muted">{ format!(" {}", f.type_name) }</span></span>
                { param_input(&state, f) }
            </label>
        }
    });

    let set_trigger = {
        let state = state.clone();
        move |kind: TriggerKind, branch: String, paths: String| {
            state.dispatch(Action::SetTrigger {
                kind,
                branch,
                paths,
            })
        }
    };
    let on_kind = {
        let (set, inputs) = (set_trigger.clone(), inputs.clone());
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            set(
                TriggerKind::parse(&select.value()),
                inputs.branch.clone(),
                inputs.paths.clone(),
            );
        })
    };
    let on_branch = {
        let (set, inputs) = (set_trigger.clone(), inputs.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            set(inputs.trigger, input.value(), inputs.paths.clone());
        })
    };
    let on_paths = {
        let (set, inputs) = (set_trigger, inputs.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            set(inputs.trigger, inputs.branch.clone(), input.value());
        })
    };
    let needs_branch = matches!(inputs.trigger, TriggerKind::Push | TriggerKind::PullRequest);

    let stages = view.stages.iter().map(|st| {
        let jobs = st.jobs.iter().map(|j| {
            let failing = inputs.failing.contains(&j.key);
            let toggle = {
                let state = state.clone();
                let key = j.key.clone();
                Callback::from(move |_: MouseEvent| state.dispatch(Action::ToggleFailing { key: key.clone() }))
            };
            let skipped = j.result == "Skipped";
            html! {
                <li class={classes!("job-card", result_class(&j.result), failing.then_some("failing"))}
                    data-testid="job" data-name={j.key.clone()} data-result={j.result.clone()}
                    title={format!("{} — click to {}", j.reason, if failing { "let it succeed" } else { "make it fail" })}
                    onclick={toggle} role="button" tabindex="0">
                    <span class="name"><button class="link" onclick={reveal(&state, j.source)} title="Show in the editor">{ &j.name }</button></span>
                    <span class="result">{ &j.result }{ if failing { " (made to fail)" } else { "" } }</span>
                    if !j.legs.is_empty() {
                        <span class="legs muted" data-testid="legs">{ format!("{} legs: {}", j.legs.len(), j.legs.join(", ")) }</span>
                    }
                    if !j.outputs.is_empty() {
                        <details class="outputs" data-testid="outputs" onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                            <summary>{ format!("{} output variable{}", j.outputs.len(), if j.outputs.len() == 1 { "" } else { "s" }) }</summary>
                            <ul>{ for j.outputs.iter().map(|o| html! { <li><code>{ o }</code></li> }) }</ul>
                        </details>
                    }
                    if skipped {
                        <details class="why" onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                            <summary>{ "Why" }</summary>
                            if let Some(c) = &j.condition { <code>{ c }</code> }
                            <p class="reason" data-testid="reason">{ &j.reason }</p>
                        </details>
                    }
                </li>
            }
        });
        let skipped = st.result == "Skipped";
        html! {
            <li class={classes!("stage-card", result_class(&st.result))} data-testid="stage" data-name={st.name.clone()} data-result={st.result.clone()}>
                <header onclick={reveal(&state, st.source)} title="Show in the editor">
                    <span class="name">{ &st.name }</span>
                    <span class="result">{ &st.result }</span>
                </header>
                if skipped {
                    <div class="why">
                        if let Some(c) = &st.condition { <code>{ c }</code> }
                        <p class="reason" data-testid="reason">{ &st.reason }</p>
                    </div>
                }
                <ul class="jobs">{ for jobs }</ul>
            </li>
        }
    });

    html! {
        <div class="run-azure" data-testid="run-azure">
            <EntryPicker />
            <form class="run-form" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                if !view.params.is_empty() {
                    <fieldset><legend>{ "Parameters" }</legend>{ for params }</fieldset>
                }
                <fieldset class="trigger">
                    <legend>{ "Trigger" }</legend>
                    <select data-testid="trigger" onchange={on_kind}>
                        { for TriggerKind::ALL.iter().map(|k| html! {
                            <option value={k.as_str()} selected={*k == inputs.trigger}>{ k.label() }</option>
                        }) }
                    </select>
                    if needs_branch {
                        <input data-testid="trigger-branch" value={inputs.branch.clone()} onchange={on_branch} placeholder="branch" aria-label="Branch" />
                    }
                    if inputs.trigger == TriggerKind::Push {
                        <input data-testid="trigger-paths" value={inputs.paths.clone()} onchange={on_paths} placeholder="changed paths, comma-separated" aria-label="Changed paths" />
                    }
                </fieldset>
            </form>
            if !view.errors.is_empty() {
                <div class="expansion-errors" data-testid="run-errors">
                    <ul>{ for view.errors.iter().map(|e| html! { <li>{ e }</li> }) }</ul>
                </div>
            } else {
                <p class={classes!("run-reason", (!view.triggered).then_some("not-triggered"))} data-testid="run-reason">{ &view.reason }</p>
                <p class="muted hint">{ "Click a job to make it fail; click a name to see its source." }</p>
                <ol class="stages">{ for stages }</ol>
            }
        </div>
    }
}
