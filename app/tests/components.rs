//! Component tests of the page, run in headless Chromium by wasm-bindgen-test. The CodeMirror
//! bundle is not loaded here, so these also cover the textarea fallback.

#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use gloo_timers::future::TimeoutFuture;
use pipelab_app::components::app::App;
use pipelab_app::state::{Action, Panel, State};
use pipelab_core::share::{encode, Payload, SharedFile, View};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlTextAreaElement};
use yew::Reducible;

wasm_bindgen_test_configure!(run_in_browser);

const DRAFT_KEY: &str = "pipelab.draft.v1";

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn storage() -> web_sys::Storage {
    web_sys::window().unwrap().local_storage().unwrap().unwrap()
}

fn set_hash(fragment: &str) {
    let url = format!(
        "{}{}",
        web_sys::window().unwrap().location().pathname().unwrap(),
        fragment
    );
    web_sys::window()
        .unwrap()
        .history()
        .unwrap()
        .replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url))
        .unwrap();
}

/// Mounts a fresh App in its own element; the returned handle unmounts it on drop.
struct Mounted {
    root: Element,
    handle: Option<yew::AppHandle<App>>,
}

/// Serves the engine module's functions in-process (the test page cannot fetch the module).
fn serve_engine_in_process() {
    let module = js_sys::Object::new();
    for (name, f) in pipelab_app::engine_api::EXPORTS {
        let f = *f;
        let call =
            wasm_bindgen::closure::Closure::<dyn Fn(String) -> String>::new(move |r: String| f(&r));
        js_sys::Reflect::set(&module, &(*name).into(), call.as_ref()).unwrap();
        call.forget();
    }
    pipelab_app::services::engine::serve_in_process(module.into());
}

impl Mounted {
    async fn new() -> Mounted {
        serve_engine_in_process();
        let root = document().create_element("div").unwrap();
        document().body().unwrap().append_child(&root).unwrap();
        let handle = yew::Renderer::<App>::with_root(root.clone()).render();
        let mounted = Mounted {
            root,
            handle: Some(handle),
        };
        mounted.settle().await;
        mounted
    }

    /// Waits for effects, renders and the edit debounce to finish.
    async fn settle(&self) {
        TimeoutFuture::new(pipelab_app::components::app::DEBOUNCE_MS + 100).await;
    }

    fn all(&self, selector: &str) -> Vec<Element> {
        let list = self.root.query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
            .collect()
    }

    fn text(&self, selector: &str) -> String {
        self.all(selector)
            .iter()
            .map(|e| e.text_content().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn click(&self, selector: &str) {
        let el: web_sys::HtmlElement = self
            .root
            .query_selector(selector)
            .unwrap()
            .expect(selector)
            .dyn_into()
            .unwrap();
        el.click();
    }

    fn tab_names(&self) -> Vec<String> {
        self.all("[data-testid=file-tab]")
            .iter()
            .filter_map(|e| e.get_attribute("data-name"))
            .collect()
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
        self.root.remove();
    }
}

#[wasm_bindgen_test]
async fn opens_an_example_from_the_address() {
    storage().remove_item(DRAFT_KEY).unwrap();
    set_hash("#example/argo-events-ml-pipeline");
    let page = Mounted::new().await;
    assert_eq!(page.tab_names().len(), 7);
    assert_eq!(page.tab_names()[0], "event-source.yaml");
    let kinds = page.text("[data-testid=document] .kind");
    for kind in [
        "Argo EventSource",
        "Argo Sensor",
        "Argo WorkflowTemplate",
        "Argo EventBus",
        "Kubernetes Role",
    ] {
        assert!(kinds.contains(kind), "{kind} missing in {kinds}");
    }
    assert_eq!(page.text("[data-testid=problem-count]"), "0");
    // Without the CodeMirror bundle the editor falls back to a textarea.
    let editor = page.all("[data-testid=editor]");
    assert_eq!(
        editor[0].get_attribute("data-editor").as_deref(),
        Some("textarea")
    );
}

#[wasm_bindgen_test]
async fn typing_an_error_lists_it_with_its_position() {
    storage().remove_item(DRAFT_KEY).unwrap();
    set_hash("#example/azure-dynamic-multistage");
    let page = Mounted::new().await;
    page.click("[data-testid=panel-problems]");
    let area: HtmlTextAreaElement = page.all("[data-testid=editor-textarea]")[0]
        .clone()
        .dyn_into()
        .unwrap();
    area.set_value("trigger: none\nsteps:\n- script: [oops\n");
    area.dispatch_event(&web_sys::InputEvent::new("input").unwrap())
        .unwrap();
    page.settle().await;
    let problems = page.text("[data-testid=problem]");
    assert!(problems.contains("azure-pipelines.yml:4:1"), "{problems}");
    assert!(
        page.all("[data-testid=problem]")[0]
            .get_attribute("data-severity")
            .as_deref()
            == Some("error")
    );
    // The edit was saved as the draft and written to the address.
    let draft = storage().get_item(DRAFT_KEY).unwrap().expect("draft saved");
    assert!(draft.contains("[oops"), "{draft}");
    assert!(web_sys::window()
        .unwrap()
        .location()
        .hash()
        .unwrap()
        .starts_with("#v1.z."));
}

#[wasm_bindgen_test]
async fn a_broken_link_shows_why_and_keeps_the_draft() {
    let draft = Payload {
        files: vec![SharedFile {
            name: "mine.yml".into(),
            text: "steps:\n- script: echo mine\n".into(),
        }],
        view: View::default(),
    };
    let saved = serde_json::to_string(&draft).unwrap();
    storage().set_item(DRAFT_KEY, &saved).unwrap();
    let link = encode(&draft);
    set_hash(&link[..link.len() - 12]);
    let page = Mounted::new().await;
    let banner = page.text("[data-testid=banner]");
    assert!(banner.contains("truncated or corrupted"), "{banner}");
    assert!(
        banner.contains("Your saved draft is shown instead"),
        "{banner}"
    );
    assert_eq!(page.tab_names(), ["mine.yml"]);
    assert_eq!(
        storage().get_item(DRAFT_KEY).unwrap().as_deref(),
        Some(saved.as_str())
    );
}

#[wasm_bindgen_test]
async fn a_share_link_restores_files_and_view_without_touching_the_draft() {
    storage()
        .set_item(
            DRAFT_KEY,
            "{\"files\":[{\"name\":\"draft.yml\",\"text\":\"a: 1\"}]}",
        )
        .unwrap();
    let payload = Payload {
        files: vec![
            SharedFile {
                name: "pipeline.yml".into(),
                text: "steps:\n- template: t/steps.yml\n".into(),
            },
            SharedFile {
                name: "t/steps.yml".into(),
                text: "steps:\n- bash: echo\n".into(),
            },
        ],
        view: View {
            active: Some(1),
            panel: Some("documents".into()),
        },
    };
    set_hash(&encode(&payload));
    let page = Mounted::new().await;
    assert_eq!(page.tab_names(), ["pipeline.yml", "t/steps.yml"]);
    let active = page.all("[data-testid=file-tab][aria-selected=true]");
    assert_eq!(
        active[0].get_attribute("data-name").as_deref(),
        Some("t/steps.yml")
    );
    assert!(page
        .text("[data-testid=documents]")
        .contains("Azure step template"));
    assert!(storage()
        .get_item(DRAFT_KEY)
        .unwrap()
        .unwrap()
        .contains("draft.yml"));
}

#[wasm_bindgen_test]
fn reducer_adds_renames_and_deletes_files() {
    let state = Rc::new(State::default());
    let state = state.reduce(Action::AddFile);
    assert_eq!(state.files.len(), 2);
    assert_eq!(state.files[1].name, "untitled.yml");
    assert_eq!(state.active, 1);
    // Invalid or duplicate names are refused.
    let same = state.clone().reduce(Action::RenameFile {
        index: 1,
        name: "../x.yml".into(),
    });
    assert_eq!(same.files[1].name, "untitled.yml");
    let same = state.clone().reduce(Action::RenameFile {
        index: 1,
        name: "azure-pipelines.yml".into(),
    });
    assert_eq!(same.files[1].name, "untitled.yml");
    let state = state.reduce(Action::RenameFile {
        index: 1,
        name: "templates/jobs.yml".into(),
    });
    assert_eq!(state.files[1].name, "templates/jobs.yml");
    let state = state.reduce(Action::DeleteFile { index: 0 });
    assert_eq!(state.files.len(), 1);
    assert_eq!(state.active, 0);
    // The last file cannot be deleted.
    let state = state.reduce(Action::DeleteFile { index: 0 });
    assert_eq!(state.files.len(), 1);
    assert!(state.dirty);
    let state = state.reduce(Action::SetPanel {
        panel: Panel::Documents,
    });
    assert_eq!(state.to_payload().view.panel.as_deref(), Some("documents"));
}

#[wasm_bindgen_test]
fn offsets_convert_between_bytes_and_utf16_across_multibyte_and_astral_characters() {
    use pipelab_app::services::text::{byte_of_utf16, utf16_of_byte};
    let text = "a: é😀 b\n";
    let b = text.find('b').unwrap();
    // 'a' ':' ' ' 'é'(1 unit) '😀'(2 units) ' ' → 'b' is unit 7, byte 10.
    assert_eq!(utf16_of_byte(text, b), 7);
    assert_eq!(byte_of_utf16(text, 7), b);
    assert_eq!(utf16_of_byte(text, 999), text.encode_utf16().count());
    // Units 4 and 5 are the emoji's surrogate pair: both map to its first byte.
    assert_eq!(byte_of_utf16(text, 4), text.find('😀').unwrap());
    assert_eq!(byte_of_utf16(text, 5), text.find('😀').unwrap());
    assert_eq!(byte_of_utf16(text, 6), text.find('😀').unwrap() + 4);
    // A byte offset inside 'é' floors to its start.
    assert_eq!(utf16_of_byte(text, text.find('é').unwrap() + 1), 3);
}

#[wasm_bindgen_test]
fn the_panic_banner_says_the_work_is_safe() {
    pipelab_app::services::panic::show_banner("index out of bounds");
    let banner = document()
        .get_element_by_id("panic-banner")
        .expect("banner shown");
    let text = banner.text_content().unwrap_or_default();
    assert!(text.contains("saved in this browser's draft"), "{text}");
    assert!(text.contains("index out of bounds"), "{text}");
    assert_eq!(banner.get_attribute("role").as_deref(), Some("alert"));
    banner.remove();
}

/// Plays the engine module's part for the Run panel.
fn answer_run(state: Rc<State>) -> Rc<State> {
    let (seq, request) = state.run_request.clone().expect("the run is asked for");
    let view = pipelab_app::azure_views::run_view(&request);
    state.reduce(Action::RunAnswered {
        seq,
        result: Ok(view),
    })
}

fn example_state(id: &str) -> Rc<State> {
    let example = pipelab_core::examples::find(id).expect("example");
    Rc::new(State::default()).reduce(Action::Load {
        payload: pipelab_app::components::app::example_payload(example),
    })
}

#[wasm_bindgen_test]
fn the_run_lists_matrix_legs_and_output_variables() {
    let yaml = "jobs:\n- job: build\n  strategy:\n    matrix:\n      linux: {os: ubuntu}\n      mac: {os: macos}\n  steps:\n  - bash: echo \"##vso[task.setvariable variable=image;isOutput=true]$(os)-img\"\n    name: pick\n";
    let state = Rc::new(State::default())
        .reduce(Action::Edit { text: yaml.into() })
        .reduce(Action::Analyze)
        .reduce(Action::SetPanel {
            panel: Panel::RunAzure,
        });
    let run = answer_run(state).run.clone().expect("run computed");
    let job = &run.stages[0].jobs[0];
    assert_eq!(job.legs, ["linux", "mac"]);
    assert_eq!(
        job.outputs,
        [
            "linux.pick.image = ubuntu-img",
            "mac.pick.image = macos-img"
        ]
    );
}

#[wasm_bindgen_test]
fn every_panel_name_round_trips_through_links() {
    for panel in [
        Panel::Documents,
        Panel::Problems,
        Panel::FinalYaml,
        Panel::RunAzure,
        Panel::EventArgo,
    ] {
        assert_eq!(Panel::parse(panel.as_str()), Some(panel));
    }
    let state = example_state("azure-dynamic-multistage").reduce(Action::SetPanel {
        panel: Panel::RunAzure,
    });
    let payload = state.to_payload();
    assert_eq!(payload.view.panel.as_deref(), Some("run-azure"));
    let reopened = Rc::new(State::default()).reduce(Action::Load { payload });
    assert_eq!(reopened.panel, Panel::RunAzure);
    // Opening a link on the run panel asks the engine for it at once.
    assert!(reopened.run_request.is_some());
}

#[wasm_bindgen_test]
fn reducer_computes_the_final_yaml_only_when_its_panel_is_visible() {
    let state = example_state("azure-dynamic-multistage");
    assert_eq!(state.analysis.pipelines, vec!["azure-pipelines.yml"]);
    assert!(state.final_yaml.is_none(), "hidden panels cost nothing");
    let state = state.reduce(Action::SetPanel {
        panel: Panel::FinalYaml,
    });
    let view = state.final_yaml.clone().expect("computed when shown");
    let yaml = view.yaml.clone().expect("the example expands");
    assert!(yaml.contains("stage: build"), "{yaml}");
    assert!(yaml.contains("deployment: deploy_wus"), "{yaml}");
    // An error in the pipeline: no YAML, Azure's message instead.
    let state = state
        .reduce(Action::Edit {
            text: "stages:\n- stage: a\n  jobs:\n  - job: x\n    dependsOn: nope\n    steps:\n    - script: echo\n".into(),
        })
        .reduce(Action::Analyze);
    let view = state.final_yaml.clone().expect("recomputed while visible");
    assert!(view.yaml.is_none());
    assert!(!view.errors.is_empty(), "{view:?}");
}

#[wasm_bindgen_test]
fn reducer_simulates_a_run_where_a_failed_build_skips_the_deployments() {
    let state = example_state("azure-dynamic-multistage").reduce(Action::SetPanel {
        panel: Panel::RunAzure,
    });
    let state = answer_run(state);
    let run = state.run.clone().expect("run computed");
    assert!(run.triggered);
    let results: Vec<_> = run
        .stages
        .iter()
        .map(|s| (s.name.as_str(), s.result.as_str()))
        .collect();
    assert_eq!(
        results,
        [
            ("build", "Succeeded"),
            ("dev", "Succeeded"),
            ("prod", "Succeeded")
        ]
    );
    // Each stage and job knows its source.
    assert!(run.stages.iter().all(|s| s.source.is_some()));
    let state = state.reduce(Action::ToggleFailing {
        key: "build.build".into(),
    });
    let state = answer_run(state);
    let run = state.run.clone().unwrap();
    assert_eq!(run.stages[0].result, "Failed");
    for stage in &run.stages[1..] {
        assert_eq!(stage.result, "Skipped");
        assert!(
            stage.reason.contains("evaluated to False"),
            "{}",
            stage.reason
        );
    }
    assert!(run.stages[1].reason.contains("build=Failed"));
    assert!(run.stages[2].reason.contains("dev=Skipped"));
    {}
    // A trigger the pipeline refuses (trigger: none).
    let state = state.reduce(Action::SetTrigger {
        kind: pipelab_app::azure_views::TriggerKind::Push,
        branch: "main".into(),
        paths: String::new(),
    });
    let state = answer_run(state);
    let run = state.run.clone().unwrap();
    assert!(!run.triggered);
    assert!(run.reason.contains("trigger: none"), "{}", run.reason);
}

#[wasm_bindgen_test]
async fn the_run_panel_renders_cards_and_a_click_makes_a_job_fail() {
    storage().remove_item(DRAFT_KEY).unwrap();
    set_hash("#example/azure-dynamic-multistage");
    let page = Mounted::new().await;
    page.click("[data-testid=panel-final-yaml]");
    page.settle().await;
    assert!(page
        .text("[data-testid=final-yaml-text]")
        .contains("stage: build"));
    page.click("[data-testid=panel-run-azure]");
    page.settle().await;
    assert_eq!(page.all("[data-testid=stage]").len(), 3);
    page.click("[data-testid=job][data-name='build.build']");
    page.settle().await;
    let skipped: Vec<_> = page
        .all("[data-testid=stage][data-result=Skipped]")
        .iter()
        .filter_map(|e| e.get_attribute("data-name"))
        .collect();
    assert_eq!(skipped, ["dev", "prod"]);
    assert!(page
        .text("[data-testid=reason]")
        .contains("evaluated to False"));
}

/// Plays the engine module's part: runs the queued Send as the module would and hands the answer
/// to the reducer.
fn answer(state: Rc<State>) -> Rc<State> {
    let (seq, request) = state.event_request.clone().expect("a Send is queued");
    let result = pipelab_app::argo_views::send(&request);
    state.reduce(Action::EventAnswered {
        seq,
        result: Ok(result),
    })
}

/// Plays the engine module's part for the Event panel's targets (the prefilled forms).
fn answer_targets(state: Rc<State>) -> Rc<State> {
    let (seq, files) = state
        .targets_request
        .clone()
        .expect("targets are asked for");
    let result = pipelab_app::argo_views::targets(&files);
    state.reduce(Action::TargetsAnswered {
        seq,
        result: Ok(result),
    })
}

fn sent(state: &State) -> pipelab_app::argo_views::EventResult {
    assert!(state.event_request.is_none());
    match state.event_result.as_deref() {
        Some(Ok(result)) => result.clone(),
        other => panic!("no result: {other:?}"),
    }
}

#[wasm_bindgen_test]
fn an_answer_to_an_older_send_is_dropped_and_errors_are_kept() {
    let state = answer_targets(
        example_state("argo-events-ml-pipeline").reduce(Action::SetPanel {
            panel: Panel::EventArgo,
        }),
    );
    let first = state.reduce(Action::SendEvent);
    let (old_seq, _) = first.event_request.clone().unwrap();
    let second = first.reduce(Action::SendEvent);
    let stale = second.reduce(Action::EventAnswered {
        seq: old_seq,
        result: Err("late".into()),
    });
    assert!(stale.event_result.is_none(), "a stale answer is dropped");
    assert!(stale.event_request.is_some(), "the newer Send still waits");
    let (seq, _) = stale.event_request.clone().unwrap();
    let failed = stale.reduce(Action::EventAnswered {
        seq,
        result: Err(
            "The simulation engine could not be loaded: pipelab-engine.js could not be fetched."
                .into(),
        ),
    });
    assert!(failed.event_request.is_none());
    assert!(
        matches!(failed.event_result.as_deref(), Some(Err(e)) if e.contains("could not be loaded"))
    );
    assert!(failed.event_form.is_some(), "the form is kept for a retry");
}

#[wasm_bindgen_test]
fn reducer_prefills_the_webhook_and_send_runs_the_ml_pipeline() {
    let state = example_state("argo-events-ml-pipeline");
    assert!(state.analysis.has_argo_run);
    assert!(state.argo_targets.is_none(), "hidden panels cost nothing");
    assert!(state.targets_request.is_none());
    let state = answer_targets(state.reduce(Action::SetPanel {
        panel: Panel::EventArgo,
    }));
    let form = state
        .event_form
        .clone()
        .expect("prefilled from the EventSource");
    assert_eq!(form.method, "POST");
    assert_eq!(form.url, "http://localhost:12000/trigger");
    // The Sensor maps body.model and body.dataset, so the body suggests them.
    assert_eq!(form.body, r#"{"model":"resnet","dataset":"imagenet"}"#);
    assert!(form
        .curl()
        .starts_with("curl -X POST http://localhost:12000/trigger"));
    let state = answer(state.reduce(Action::SendEvent));
    let result = sent(&state);
    assert!(result.triggers.iter().all(|t| t.fired), "{result:?}");
    assert_eq!(result.workflows.len(), 1);
    let wf = &result.workflows[0];
    assert_eq!(wf.phase, "Succeeded");
    for name in ["train-model", "evaluate-model"] {
        let node = wf
            .nodes
            .iter()
            .find(|n| n.display_name == name)
            .expect(name);
        assert_eq!(node.phase, "Succeeded");
    }
    let logs: Vec<_> = wf.nodes.iter().flat_map(|n| n.logs.clone()).collect();
    assert!(
        logs.iter().any(|l| l.contains("Training resnet")),
        "{logs:?}"
    );
    // Editing the form keeps the user's body across re-analysis.
    let mut edited = form.clone();
    edited.body = "{}".into();
    let state = answer_targets(
        state
            .reduce(Action::SetEventForm { form: edited })
            .reduce(Action::Analyze),
    );
    assert_eq!(state.event_form.as_ref().unwrap().body, "{}");
}

/// The source post's Argo example with each file edited by `edit(name, text)`, loaded, the Event
/// panel open and its forms answered.
fn edited_ml_pipeline(edit: impl Fn(&str, &str) -> String) -> Rc<State> {
    let example = pipelab_core::examples::find("argo-events-ml-pipeline").expect("example");
    let files = example
        .files
        .iter()
        .map(|(name, text)| SharedFile {
            name: name.to_string(),
            text: edit(name, text),
        })
        .collect();
    let state = Rc::new(State::default())
        .reduce(Action::Load {
            payload: Payload {
                files,
                view: View::default(),
            },
        })
        .reduce(Action::SetPanel {
            panel: Panel::EventArgo,
        });
    answer_targets(state)
}

/// A trigger that fails every attempt (its Role lacks `create` on workflows) hands the event to
/// its dlqTrigger: the rows say when each ran and which trigger the dead-letter one stands for.
#[wasm_bindgen_test]
fn trigger_rows_say_when_they_ran_and_what_a_dead_letter_trigger_stands_for() {
    let state = edited_ml_pipeline(|_, text| {
        text.replace(
            r#"verbs: ["create", "get", "list", "watch", "update", "patch", "delete"]"#,
            r#"verbs: ["get", "list"]"#,
        )
        .replace(
            "  triggers:\n    - template:\n",
            "  triggers:\n    - atLeastOnce: true\n      retryStrategy: {steps: 2, duration: 1s}\n      dlqTrigger:\n        atLeastOnce: true\n        template:\n          name: park\n          log: {}\n      template:\n",
        )
    });
    let state = answer(state.reduce(Action::SendEvent));
    let result = sent(&state);
    let rows: Vec<_> = result
        .triggers
        .iter()
        .map(|t| (t.trigger.as_str(), t.fired, t.dlq_of.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            ("trigger-ml-pipeline", false, None),
            ("park", true, Some("trigger-ml-pipeline"))
        ],
        "{result:?}"
    );
    assert!(result.triggers[0]
        .error
        .as_deref()
        .is_some_and(|e| e.contains("forbidden")));
    assert_eq!(result.triggers[0].at, 0.0);
    assert!(
        result.triggers[1].at > 0.0,
        "the dead-letter trigger runs after the retry"
    );
    assert!(result.workflows.is_empty());
}

/// A Kafka EventSource gets a message form (no method, URL or headers) prefilled from the
/// Sensor's `body.x` keys, with the equivalent `pipelab run --event`; publishing it runs the
/// Workflow as the webhook did.
#[wasm_bindgen_test]
fn a_kafka_event_gets_a_message_form_and_publishing_runs_the_workflow() {
    let kafka = "apiVersion: argoproj.io/v1alpha1\nkind: EventSource\nmetadata:\n  name: webhook\n  namespace: argo-events\nspec:\n  kafka:\n    trigger:\n      url: kafka.argo-events:9092\n      topic: ml-jobs\n";
    let state = edited_ml_pipeline(|name, text| {
        if name == "event-source.yaml" {
            kafka
        } else {
            text
        }
        .to_string()
    });
    let form = state
        .event_form
        .clone()
        .expect("a form for the Kafka event");
    assert!(!form.is_http());
    assert_eq!(
        (
            form.source_type.as_str(),
            form.method.as_str(),
            form.url.as_str()
        ),
        ("kafka", "", "")
    );
    assert_eq!(form.body, r#"{"model":"resnet","dataset":"imagenet"}"#);
    assert_eq!(
        form.cli(),
        r#"pipelab run *.yaml --event 'kafka:webhook/trigger={"model":"resnet","dataset":"imagenet"}'"#
    );
    let result = sent(&answer(state.reduce(Action::SendEvent)));
    assert_eq!(
        result.responses,
        ["kafka event read by the EventSource"],
        "{result:?}"
    );
    assert_eq!(result.workflows.len(), 1, "{result:?}");
    assert_eq!(result.workflows[0].phase, "Succeeded");
    let logs: Vec<_> = result.workflows[0]
        .nodes
        .iter()
        .flat_map(|n| n.logs.clone())
        .collect();
    assert!(
        logs.iter().any(|l| l.contains("Training resnet")),
        "{logs:?}"
    );
}

#[wasm_bindgen_test]
fn a_lone_workflow_is_submitted_directly() {
    let state = Rc::new(State::default())
        .reduce(Action::Edit {
            text: "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: hello\nspec:\n  entrypoint: main\n  templates:\n  - name: main\n    container:\n      image: alpine\n      command: [echo, hi]\n".into(),
        })
        .reduce(Action::Analyze)
        .reduce(Action::SetPanel {
            panel: Panel::EventArgo,
        });
    let state = answer_targets(state);
    assert!(state.event_form.is_none());
    assert!(matches!(state.argo_targets.as_deref(), Some(Ok(t)) if t.has_workflow));
    let state = answer(state.reduce(Action::SubmitWorkflows));
    let result = sent(&state);
    assert_eq!(result.workflows.len(), 1, "{result:?}");
    assert_eq!(result.workflows[0].phase, "Succeeded");
}

#[wasm_bindgen_test]
fn node_details_say_whether_a_memoized_step_hit_the_cache() {
    let yaml = "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: memo\nspec:\n  entrypoint: main\n  templates:\n  - name: main\n    steps:\n    - - {name: a, template: m}\n    - - {name: b, template: m}\n  - name: m\n    memoize:\n      key: same\n      cache: {configMap: {name: memo-cache}}\n    container: {image: alpine, command: [echo, hi]}\n";
    let state = Rc::new(State::default())
        .reduce(Action::Edit { text: yaml.into() })
        .reduce(Action::Analyze)
        .reduce(Action::SetPanel {
            panel: Panel::EventArgo,
        });
    let state = answer(answer_targets(state).reduce(Action::SubmitWorkflows));
    let result = sent(&state);
    let memo = |name: &str| {
        result.workflows[0]
            .nodes
            .iter()
            .find(|n| n.display_name == name)
            .map(|n| n.memoization.clone())
            .unwrap_or_default()
    };
    assert!(memo("a").starts_with("cache miss"), "{}", memo("a"));
    assert_eq!(memo("b"), "cache hit — key 'same' in ConfigMap memo-cache");
}

const PARAMETERISED: &str = "parameters:
- name: deploy
  type: boolean
  default: false
- name: region
  type: string
  default: westus
  values: [westus, eastus]
- name: tags
  type: object
  default: [a, b]
stages:
- stage: build
  jobs:
  - job: compile
    steps:
    - script: echo ${{ parameters.region }}
- ${{ if parameters.deploy }}:
  - stage: deploy_${{ parameters.region }}
    jobs:
    - job: ship
      steps:
      - script: echo ship
";

#[wasm_bindgen_test]
fn the_run_form_follows_the_pipelines_parameters_and_entry() {
    let payload = Payload {
        files: vec![
            SharedFile {
                name: "azure-pipelines.yml".into(),
                text: "steps:\n- script: echo one\n".into(),
            },
            SharedFile {
                name: "release.yml".into(),
                text: PARAMETERISED.into(),
            },
        ],
        view: View::default(),
    };
    let state = Rc::new(State::default())
        .reduce(Action::Load { payload })
        .reduce(Action::SetPanel {
            panel: Panel::RunAzure,
        });
    assert_eq!(
        state.analysis.pipelines,
        vec!["azure-pipelines.yml", "release.yml"]
    );
    assert_eq!(state.entry(), Some("azure-pipelines.yml"));
    let state = state.reduce(Action::SelectEntry {
        name: "release.yml".into(),
    });
    let state = answer_run(state);
    let run = state.run.clone().expect("run");
    assert_eq!(run.entry, "release.yml");
    use pipelab_app::azure_views::ParamInput;
    let inputs: Vec<_> = run
        .params
        .iter()
        .map(|p| (p.name.as_str(), p.input.clone(), p.value.trim().to_string()))
        .collect();
    assert_eq!(
        inputs,
        [
            ("deploy", ParamInput::Checkbox, "false".to_string()),
            (
                "region",
                ParamInput::Choice(vec!["westus".into(), "eastus".into()]),
                "westus".to_string()
            ),
            ("tags", ParamInput::Yaml, "- a\n- b".to_string()),
        ]
    );
    assert_eq!(run.stages.len(), 1);
    let state = state
        .reduce(Action::SetRunParam {
            name: "deploy".into(),
            value: "true".into(),
        })
        .reduce(Action::SetRunParam {
            name: "region".into(),
            value: "eastus".into(),
        });
    let state = answer_run(state);
    let run = state.run.clone().unwrap();
    let names: Vec<_> = run.stages.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["build", "deploy_eastus"]);
    // The final YAML panel follows the chosen entry too.
    let state = state.reduce(Action::SetPanel {
        panel: Panel::FinalYaml,
    });
    assert_eq!(state.final_yaml.as_ref().unwrap().entry, "release.yml");
}

#[wasm_bindgen_test]
fn scrubbing_replays_the_last_send_at_that_time() {
    let state = answer_targets(
        example_state("argo-events-ml-pipeline").reduce(Action::SetPanel {
            panel: Panel::EventArgo,
        }),
    );
    let state = answer(state.reduce(Action::SendEvent));
    let state = state.reduce(Action::Scrub { at: Some(500) });
    assert!(state.event_scrubbing);
    let (_, request) = state.event_request.clone().expect("a replay is queued");
    assert_eq!(request.at, Some(500));
    let state = answer(state);
    let result = sent(&state);
    let phase_at = |name: &str| {
        result.workflows[0]
            .nodes
            .iter()
            .find(|n| n.display_name == name)
            .map(|n| n.phase_at.clone())
    };
    // A pod is Pending until its containers start (1–2 s after its creation).
    assert_eq!(phase_at("train-model").as_deref(), Some("Pending"));
    assert_eq!(
        phase_at("evaluate-model").as_deref(),
        Some(""),
        "not created yet at 0.5 s"
    );
    assert_eq!(result.workflows[0].phase, "Running");
    // Every change is a moment of the timeline, the pod's start included.
    assert!(result.workflows[0].moments.len() >= 5);
    // Expanding a fan-out replays the same Send with the placeholder listed.
    let state = answer(state.reduce(Action::Scrub { at: None }));
    assert!(state.event_request.is_none());
    let state = state.reduce(Action::ToggleFanOuts {
        ids: vec!["x:hidden".into()],
    });
    let (_, request) = state.event_request.clone().expect("a replay is queued");
    assert_eq!(request.expanded, ["x:hidden"]);
    assert!(
        state.event_scrubbing,
        "the last frame stays while it is drawn"
    );
}
