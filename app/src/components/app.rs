//! The page: toolbar, banner, file tabs + editor on the left, the results panel on the right.
//! It also owns the page's lifecycle: where the workspace comes from at start (link, example,
//! draft), the debounced re-analysis, and writing the draft and the address after changes.

use gloo_timers::callback::Timeout;
use pipelab_core::examples;
use pipelab_core::share::{self, Parsed, Payload, ShareError, SharedFile, View};
use yew::prelude::*;

use super::banner::BannerView;
use super::documents::Documents;
use super::editor::Editor;
use super::event_argo::EventArgo;
use super::file_tabs::FileTabs;
use super::final_yaml::FinalYaml;
use super::graph_azure::GraphAzure;
use super::problems::Problems;
use super::run_azure::RunAzure;
use super::toolbar::Toolbar;
use crate::services::{keys, location, perf, storage, theme, zlib};
use crate::state::{Action, Banner, BannerKind, Panel, State, StateHandle};

/// Delay between the last keystroke and the re-analysis.
pub const DEBOUNCE_MS: u32 = 150;
/// The example shown to a first-time visitor.
pub const DEFAULT_EXAMPLE: &str = "azure-dynamic-multistage";

#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(State::default);
    let theme_choice = use_state(theme::saved_choice);
    let dark = use_state(|| theme::is_dark(*theme_choice));
    let analysis_started = use_mut_ref(|| 0.0f64);
    let debounce = use_mut_ref(|| None::<Timeout>);

    // Re-analyse now (Ctrl/Cmd+Enter, and after the debounce).
    let run = {
        let state = state.clone();
        let analysis_started = analysis_started.clone();
        let debounce = debounce.clone();
        Callback::from(move |_: ()| {
            debounce.borrow_mut().take();
            *analysis_started.borrow_mut() = perf::now();
            perf::mark_analysis_start();
            state.dispatch(Action::Analyze);
        })
    };

    // Typing: store the text at once, analyse when typing pauses.
    let on_edit = {
        let state = state.clone();
        let run = run.clone();
        let debounce = debounce.clone();
        Callback::from(move |text: String| {
            state.dispatch(Action::Edit { text });
            let run = run.clone();
            *debounce.borrow_mut() = Some(Timeout::new(DEBOUNCE_MS, move || run.emit(())));
        })
    };

    // Start-up: open the link or example in the address, else the draft, else the default example;
    // and follow later changes of the address (a pasted link, Back).
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            open_from_address(&state, true);
            let listener_state = state.clone();
            let hash_listener =
                location::HashListener::new(move || open_from_address(&listener_state, false));
            move || drop(hash_listener)
        });
    }

    // Page-wide Ctrl/Cmd+Enter.
    {
        let run = run.clone();
        use_effect_with((), move |_| {
            let shortcut = keys::RunShortcut::new(move || run.emit(()));
            move || drop(shortcut)
        });
    }

    // Theme: apply, and follow the system while the choice is "system".
    {
        let dark = dark.clone();
        use_effect_with(*theme_choice, move |choice| {
            let choice = *choice;
            dark.set(theme::is_dark(choice));
            let dark = dark.clone();
            let listener =
                theme::SystemThemeListener::new(move || dark.set(theme::is_dark(choice)));
            move || drop(listener)
        });
    }
    use_effect_with(*dark, |dark| theme::apply(*dark));

    // After each analysis: record its timing, and save the draft and the address once the user
    // has changed something (opening a link alone never overwrites the draft).
    {
        let state = state.clone();
        let analysis_started = analysis_started.clone();
        use_effect_with(state.analysis_seq, move |_| {
            let started = *analysis_started.borrow();
            if started > 0.0 {
                perf::record(perf::now() - started);
                *analysis_started.borrow_mut() = 0.0;
            }
            if state.dirty {
                let payload = state.to_payload();
                storage::save_draft(&payload);
                write_address(payload);
            }
        });
    }

    let on_toggle_theme = {
        let theme_choice = theme_choice.clone();
        Callback::from(move |_| {
            let next = theme_choice.next();
            theme::save_choice(next);
            theme_choice.set(next);
        })
    };

    let panel = state.panel;
    let set_panel = |p: Panel| {
        let state = state.clone();
        Callback::from(move |_| state.dispatch(Action::SetPanel { panel: p }))
    };
    let problem_count = state.analysis.problems.len();
    let has_pipeline = !state.analysis.pipelines.is_empty();

    html! {
        <ContextProvider<StateHandle> context={state.clone()}>
            <div class="app">
                <Toolbar theme_label={theme_choice.label()} on_toggle_theme={on_toggle_theme} on_run={run.clone()} />
                if let Some(banner) = state.banner.clone() {
                    <BannerView banner={banner} />
                }
                <main class="workspace">
                    <section class="editor-pane" aria-label="Files">
                        <FileTabs />
                        <Editor dark={*dark} on_edit={on_edit} on_run={run} />
                    </section>
                    <section class="results-pane" aria-label="Results">
                        <nav class="panel-tabs" role="tablist">
                            <button role="tab" data-testid="panel-documents" aria-selected={(panel == Panel::Documents).to_string()}
                                onclick={set_panel(Panel::Documents)}>{ "Documents" }</button>
                            <button role="tab" data-testid="panel-problems" aria-selected={(panel == Panel::Problems).to_string()}
                                onclick={set_panel(Panel::Problems)}>
                                { "Problems" }
                                <span class={classes!("count", (state.analysis.errors > 0).then_some("has-errors"))} data-testid="problem-count">{ problem_count }</span>
                            </button>
                            if has_pipeline {
                                <button role="tab" data-testid="panel-final-yaml" aria-selected={(panel == Panel::FinalYaml).to_string()}
                                    onclick={set_panel(Panel::FinalYaml)}>{ "Final YAML" }</button>
                                <button role="tab" data-testid="panel-graph-azure" aria-selected={(panel == Panel::GraphAzure).to_string()}
                                    onclick={set_panel(Panel::GraphAzure)}>{ "Graph (Azure)" }</button>
                                <button role="tab" data-testid="panel-run-azure" aria-selected={(panel == Panel::RunAzure).to_string()}
                                    onclick={set_panel(Panel::RunAzure)}>{ "Run (Azure)" }</button>
                            }
                            if state.analysis.has_argo_run {
                                <button role="tab" data-testid="panel-event-argo" aria-selected={(panel == Panel::EventArgo).to_string()}
                                    onclick={set_panel(Panel::EventArgo)}>{ "Event (Argo)" }</button>
                            }
                        </nav>
                        <div class="panel-body">
                            { match panel {
                                Panel::Documents => html! { <Documents /> },
                                Panel::Problems => html! { <Problems /> },
                                Panel::FinalYaml => html! { <FinalYaml /> },
                                Panel::RunAzure => html! { <RunAzure /> },
                                Panel::GraphAzure => html! { <GraphAzure /> },
                                Panel::EventArgo => html! { <EventArgo /> },
                            } }
                        </div>
                    </section>
                </main>
            </div>
        </ContextProvider<StateHandle>>
    }
}

thread_local! {
    /// The newest address write asked for; an older one finishing later is not written.
    static ADDRESS_SEQ: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Puts the workspace in the address (compressed by the browser, so asynchronously; only the
/// newest write lands).
fn write_address(payload: Payload) {
    let seq = ADDRESS_SEQ.with(|s| {
        s.set(s.get() + 1);
        s.get()
    });
    wasm_bindgen_futures::spawn_local(async move {
        if let Ok(fragment) = zlib::share_fragment(&payload).await {
            if ADDRESS_SEQ.with(|s| s.get()) == seq {
                location::replace_hash(&fragment);
            }
        }
    });
}

/// Loads the workspace the address names. At start-up, falls back to the draft (or the default
/// example); a broken link shows why and leaves the draft untouched.
fn open_from_address(state: &UseReducerHandle<State>, at_start: bool) {
    let fragment = location::hash();
    let problem = match share::parse(&fragment) {
        Ok(Parsed::Zlib(compressed)) => {
            // The browser inflates it (asynchronously); the outcome is handled as below.
            let state = state.clone();
            wasm_bindgen_futures::spawn_local(async move {
                match zlib::open_link(&compressed).await {
                    Ok(payload) => state.dispatch(Action::Load { payload }),
                    Err(e) => link_problem(&state, Some(e.to_string()), at_start),
                }
            });
            return;
        }
        Ok(Parsed::Example(id)) => match examples::find(&id) {
            Some(example) => {
                state.dispatch(Action::Load {
                    payload: example_payload(example),
                });
                return;
            }
            None => Some(format!("There is no built-in example called '{id}'.")),
        },
        Err(ShareError::NotALink) => None,
        Err(e) => Some(e.to_string()),
    };
    link_problem(state, problem, at_start);
}

/// What happens when the address holds no workspace: a banner saying why (if it tried to), and
/// at start-up the draft (else the default example).
fn link_problem(state: &UseReducerHandle<State>, problem: Option<String>, at_start: bool) {
    if let Some(message) = &problem {
        let suffix = if at_start {
            " Your saved draft is shown instead."
        } else {
            " Nothing was changed."
        };
        state.dispatch(Action::ShowBanner {
            banner: Banner {
                kind: BannerKind::Error,
                message: format!("{message}{suffix}"),
            },
        });
    }
    if at_start {
        let payload = storage::load_draft().unwrap_or_else(|| {
            example_payload(examples::find(DEFAULT_EXAMPLE).expect("the default example exists"))
        });
        state.dispatch(Action::Load { payload });
    }
}

pub fn example_payload(example: &examples::Example) -> Payload {
    Payload {
        files: example
            .files
            .iter()
            .map(|(n, t)| SharedFile {
                name: n.to_string(),
                text: t.to_string(),
            })
            .collect(),
        view: View {
            active: Some(0),
            panel: Some(Panel::Documents.as_str().to_string()),
        },
    }
}
