//! The page's state as a reducer: the files, what is open, and what the core computed from them.

use std::rc::Rc;

use pipelab_core::detect::DocKind;
use pipelab_core::diag::{render_brief, Severity};
use pipelab_core::share::{self, Payload, SharedFile, View};
use pipelab_core::workspace::analyze;
use yew::prelude::*;

use crate::argo_views::{ArgoTargets, EventForm, EventResult, SendRequest};
use crate::azure_views::{self, FinalYamlView, GraphRequest, GraphView, RunInputs, RunView};

/// An answer the page shows (an analysis, an engine module's answer), shared and compared by
/// identity. Each answer arrives as a new `Shared`, so a changed pointer is a changed answer;
/// comparing the values would compile a deep `eq` for every view type into the first-load
/// bundle. Never mutated in place (there is no `make_mut`).
#[derive(Debug, Default)]
pub struct Shared<T>(Rc<T>);

impl<T> Shared<T> {
    pub fn new(value: T) -> Shared<T> {
        Shared(Rc::new(value))
    }

    /// The answer's identity (for effects keyed by it).
    pub fn as_ptr(this: &Self) -> *const T {
        Rc::as_ptr(&this.0)
    }
}

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// One file of the workspace (a virtual repository).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct File {
    pub name: String,
    pub text: String,
}

/// The right-hand panel.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    Documents,
    Problems,
    /// The chosen Azure pipeline's final YAML.
    FinalYaml,
    /// The chosen Azure pipeline's simulated run.
    RunAzure,
    /// The chosen Azure pipeline's stage → job graph, with the run's results.
    GraphAzure,
    /// Fire an event (a webhook, a message, a tick) into the Sensors (or submit the Workflows)
    /// and watch the simulated cluster.
    EventArgo,
}

impl Panel {
    pub fn as_str(self) -> &'static str {
        match self {
            Panel::Documents => "documents",
            Panel::Problems => "problems",
            Panel::FinalYaml => "final-yaml",
            Panel::RunAzure => "run-azure",
            Panel::GraphAzure => "graph-azure",
            Panel::EventArgo => "event-argo",
        }
    }

    pub fn parse(s: &str) -> Option<Panel> {
        match s {
            "documents" => Some(Panel::Documents),
            "problems" => Some(Panel::Problems),
            "final-yaml" => Some(Panel::FinalYaml),
            "run-azure" => Some(Panel::RunAzure),
            "graph-azure" => Some(Panel::GraphAzure),
            "event-argo" => Some(Panel::EventArgo),
            _ => None,
        }
    }
}

/// A problem, with its position resolved for display.
#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    pub file: usize,
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub line: u32,
    pub col: u32,
    /// Byte range in the file's text.
    pub start: usize,
    pub end: usize,
    /// The multi-line rendering with the source snippet, for "copy".
    pub rendered: String,
}

/// One row of the document list.
#[derive(Clone, Debug, PartialEq)]
pub struct DocumentRow {
    pub file: usize,
    pub index: usize,
    pub label: String,
    pub is_azure: bool,
    pub summary: String,
    pub line: u32,
    pub start: usize,
}

/// What the core computed for the current files.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct AnalysisView {
    pub problems: Vec<Problem>,
    pub documents: Vec<DocumentRow>,
    /// Files holding an Azure pipeline (the entries the Azure panels can show), in tab order.
    pub pipelines: Vec<String>,
    /// Whether there is an Argo EventSource or Workflow (the Event panel's subjects).
    pub has_argo_run: bool,
    pub errors: usize,
    pub warnings: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BannerKind {
    Error,
    Info,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Banner {
    pub kind: BannerKind,
    pub message: String,
}

/// A request for the editor to select a range from `start` to `end`, the cursor at `end` (so
/// `end < start` selects backwards); bumping `seq` repeats the same request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reveal {
    pub file: usize,
    pub start: usize,
    pub end: usize,
    pub seq: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub files: Vec<File>,
    pub active: usize,
    pub panel: Panel,
    pub analysis: Shared<AnalysisView>,
    /// Bumped on every analysis.
    pub analysis_seq: u64,
    /// Bumped whenever a new workspace is loaded (link, example, draft), so the editor drops what it
    /// remembers of the old files.
    pub load_seq: u64,
    /// Whether the user changed anything since the workspace was loaded; drafts and the address
    /// are only written after a change, so opening a link never overwrites the saved draft.
    pub dirty: bool,
    pub banner: Option<Banner>,
    pub reveal: Option<Reveal>,
    /// The pipeline the Azure panels show, when the user picked one (else the first).
    pub entry: Option<String>,
    /// The run form (parameters, trigger, failing jobs).
    pub run_inputs: RunInputs,
    /// Computed for the visible panel only; `None` when stale or hidden.
    pub final_yaml: Option<Shared<FinalYamlView>>,
    /// The Run panel: computed by the engine module. The last answer stays shown while a newer
    /// one is computed (`run_stale`), so typing does not flicker; `run_error` says why the engine
    /// could not answer.
    pub run: Option<Shared<RunView>>,
    pub run_error: Option<String>,
    pub run_stale: bool,
    pub run_request: Option<(u64, Rc<GraphRequest>)>,
    pub run_seq: u64,
    /// The Graph panel: drawn by the engine module (queued request, then the answer).
    pub graph: Option<Shared<Result<GraphView, String>>>,
    pub graph_request: Option<(u64, Rc<GraphRequest>)>,
    pub graph_seq: u64,
    /// The drawing shown is for older files or run settings; a new one is on its way.
    pub graph_stale: bool,
    /// The Event panel: what the workspace offers (computed while visible), the form, and the
    /// answer to the last Send.
    /// What the workspace offers (from the engine module), or why the engine could not say.
    pub argo_targets: Option<Shared<Result<ArgoTargets, String>>>,
    /// The files whose targets the engine module is computing, numbered like Sends.
    pub targets_request: Option<(u64, Rc<Vec<File>>)>,
    pub targets_seq: u64,
    pub event_form: Option<EventForm>,
    /// The Send waiting for the engine module (the page's effect runs it), numbered so that an
    /// answer to an older Send is dropped.
    pub event_request: Option<(u64, Rc<SendRequest>)>,
    pub event_seq: u64,
    /// The last Send (replayed at another time when the timeline is scrubbed) and the time shown
    /// (ms; `None`: as the run ended).
    pub event_sent: Option<Rc<SendRequest>>,
    pub event_at: Option<u64>,
    /// The pending request only replays the last Send (at another time, or drawn with other
    /// fan-outs expanded).
    pub event_scrubbing: bool,
    /// The answer to the last Send: the cluster's result, or why the engine could not answer.
    pub event_result: Option<Shared<Result<EventResult, String>>>,
}

impl Default for State {
    fn default() -> Self {
        State {
            files: vec![File {
                name: "azure-pipelines.yml".into(),
                text: String::new(),
            }],
            active: 0,
            panel: Panel::Problems,
            analysis: Shared::default(),
            analysis_seq: 0,
            load_seq: 0,
            dirty: false,
            banner: None,
            reveal: None,
            entry: None,
            run_inputs: RunInputs::default(),
            final_yaml: None,
            run: None,
            run_error: None,
            run_stale: false,
            run_request: None,
            run_seq: 0,
            graph: None,
            graph_request: None,
            graph_seq: 0,
            graph_stale: false,
            argo_targets: None,
            targets_request: None,
            targets_seq: 0,
            event_form: None,
            event_request: None,
            event_seq: 0,
            event_sent: None,
            event_at: None,
            event_scrubbing: false,
            event_result: None,
        }
    }
}

pub enum Action {
    /// The user typed in the active file.
    Edit {
        text: String,
    },
    /// Re-run the core on the current files.
    Analyze,
    SelectFile {
        index: usize,
    },
    /// Adds an empty file with a fresh name and opens it.
    AddFile,
    RenameFile {
        index: usize,
        name: String,
    },
    DeleteFile {
        index: usize,
    },
    /// Replaces the workspace (a link, an example or the saved draft).
    Load {
        payload: Payload,
    },
    SetPanel {
        panel: Panel,
    },
    /// Opens `file` and selects from byte `start` to byte `end` in the editor, the cursor at `end`
    /// (before `start` for a backwards selection).
    Reveal {
        file: usize,
        start: usize,
        end: usize,
    },
    ShowBanner {
        banner: Banner,
    },
    DismissBanner,
    /// Chooses the Azure pipeline the Azure panels show.
    SelectEntry {
        name: String,
    },
    /// Sets a queue-time parameter of the run form (text; YAML for objects).
    SetRunParam {
        name: String,
        value: String,
    },
    SetTrigger {
        kind: azure_views::TriggerKind,
        branch: String,
        paths: String,
    },
    /// Toggles "make it fail" for a job (`STAGE.JOB`).
    ToggleFailing {
        key: String,
    },
    SetEventForm {
        form: EventForm,
    },
    /// Fires the form's request into the simulated cluster (through the engine module).
    SendEvent,
    /// Submits each `kind: Workflow` directly (no EventSource).
    SubmitWorkflows,
    /// Shows each of these "N hidden nodes" placeholders of the drawn DAGs expanded, or
    /// collapses it again (one replay for them all).
    ToggleFanOuts {
        ids: Vec<String>,
    },
    /// Shows the last Send's run as it was at simulated time `at` (ms; `None`: as it ended).
    Scrub {
        at: Option<u64>,
    },
    /// The engine module's Run panel for request number `seq`.
    RunAnswered {
        seq: u64,
        result: Result<RunView, String>,
    },
    /// The engine module's drawing for Graph request number `seq`.
    GraphAnswered {
        seq: u64,
        result: Result<GraphView, String>,
    },
    /// The engine module's answer to targets request number `seq`.
    TargetsAnswered {
        seq: u64,
        result: Result<ArgoTargets, String>,
    },
    /// The engine module's answer to Send number `seq`.
    EventAnswered {
        seq: u64,
        result: Result<EventResult, String>,
    },
}

impl Reducible for State {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = (*self).clone();
        match action {
            Action::Edit { text } => {
                if let Some(file) = s.files.get_mut(s.active) {
                    if file.text == text {
                        return self;
                    }
                    file.text = text;
                    s.dirty = true;
                }
            }
            Action::Analyze => {
                s.reanalyze();
            }
            Action::SelectFile { index } => {
                if index >= s.files.len() || index == s.active {
                    return self;
                }
                s.active = index;
            }
            Action::AddFile => {
                let name = fresh_name(&s.files);
                s.files.push(File {
                    name,
                    text: String::new(),
                });
                s.active = s.files.len() - 1;
                s.dirty = true;
                s.reanalyze();
            }
            Action::RenameFile { index, name } => {
                if validate_name(&s.files, index, &name).is_err() || s.files[index].name == name {
                    return self;
                }
                s.files[index].name = name;
                s.dirty = true;
                s.reanalyze();
            }
            Action::DeleteFile { index } => {
                if index >= s.files.len() || s.files.len() == 1 {
                    return self;
                }
                s.files.remove(index);
                if s.active > index || s.active == s.files.len() {
                    s.active = s.active.saturating_sub(1);
                }
                s.dirty = true;
                s.reanalyze();
            }
            Action::Load { payload } => {
                s.files = payload
                    .files
                    .into_iter()
                    .map(|f| File {
                        name: f.name,
                        text: f.text,
                    })
                    .collect();
                if s.files.is_empty() {
                    s.files = State::default().files;
                }
                s.active = payload
                    .view
                    .active
                    .filter(|&i| i < s.files.len())
                    .unwrap_or(0);
                if let Some(panel) = payload.view.panel.as_deref().and_then(Panel::parse) {
                    s.panel = panel;
                }
                s.dirty = false;
                s.entry = None;
                s.run_inputs = RunInputs::default();
                s.event_form = None;
                s.event_request = None;
                s.event_result = None;
                s.event_sent = None;
                s.event_at = None;
                s.load_seq += 1;
                s.reveal = None;
                s.reanalyze();
            }
            Action::SetPanel { panel } => {
                s.panel = panel;
                // Reopening a panel retries an engine module that failed to load.
                if matches!(s.argo_targets.as_deref(), Some(Err(_))) {
                    s.argo_targets = None;
                }
                if matches!(s.graph.as_deref(), Some(Err(_))) {
                    s.graph = None;
                }
                if s.run_error.take().is_some() {
                    s.run_stale = true;
                }
            }
            Action::Reveal { file, start, end } => {
                if file >= s.files.len() {
                    return self;
                }
                s.active = file;
                let seq = s.reveal.map_or(0, |r| r.seq + 1);
                s.reveal = Some(Reveal {
                    file,
                    start,
                    end,
                    seq,
                });
            }
            Action::ShowBanner { banner } => s.banner = Some(banner),
            Action::DismissBanner => s.banner = None,
            Action::SelectEntry { name } => {
                if s.entry.as_deref() == Some(&name) {
                    return self;
                }
                s.entry = Some(name);
                s.run_inputs = RunInputs::default();
                s.final_yaml = None;
                s.drop_run();
                s.argo_targets = None;
            }
            Action::SetRunParam { name, value } => {
                match s.run_inputs.params.iter_mut().find(|(n, _)| *n == name) {
                    Some(p) => p.1 = value,
                    None => s.run_inputs.params.push((name, value)),
                }
                s.drop_run();
            }
            Action::SetTrigger {
                kind,
                branch,
                paths,
            } => {
                s.run_inputs.trigger = kind;
                s.run_inputs.branch = branch;
                s.run_inputs.paths = paths;
                s.drop_run();
            }
            Action::ToggleFailing { key } => {
                let failing = &mut s.run_inputs.failing;
                match failing.iter().position(|k| *k == key) {
                    Some(i) => {
                        failing.remove(i);
                    }
                    None => failing.push(key),
                }
                s.drop_run();
            }
            Action::SetEventForm { form } => s.event_form = Some(form),
            Action::SendEvent => s.request_event(s.event_form.clone()),
            Action::SubmitWorkflows => s.request_event(None),
            Action::ToggleFanOuts { ids } => {
                let Some(sent) = s.event_sent.clone() else {
                    return self;
                };
                let mut request = (*sent).clone();
                for id in ids {
                    match request.expanded.iter().position(|e| *e == id) {
                        Some(i) => {
                            request.expanded.remove(i);
                        }
                        None => request.expanded.push(id),
                    }
                }
                s.event_sent = Some(Rc::new(request));
                let at = s.event_at;
                s.replay(at);
            }
            Action::Scrub { at } => s.replay(at),
            Action::RunAnswered { seq, result } => {
                if seq != s.run_seq {
                    return self;
                }
                s.run_request = None;
                s.run_stale = false;
                match result {
                    Ok(view) => {
                        s.run = Some(Shared::new(view));
                        s.run_error = None;
                    }
                    // Shown until the panel is reopened or the pipeline changes (a retry).
                    Err(why) => s.run_error = Some(why),
                }
            }
            Action::GraphAnswered { seq, result } => {
                if seq != s.graph_seq {
                    return self;
                }
                s.graph_request = None;
                s.graph_stale = false;
                s.graph = Some(Shared::new(result));
            }
            Action::TargetsAnswered { seq, result } => {
                if seq != s.targets_seq {
                    return self;
                }
                s.targets_request = None;
                if let Ok(targets) = &result {
                    // The form keeps what the user typed while it still names an event of the
                    // workspace of the same type.
                    let keep = s
                        .event_form
                        .as_ref()
                        .is_some_and(|f| targets.events.iter().any(|e| e.same_event(f)));
                    if !keep {
                        s.event_form = targets.events.first().cloned();
                    }
                }
                s.argo_targets = Some(Shared::new(result));
            }
            Action::EventAnswered { seq, result } => {
                if seq != s.event_seq {
                    return self;
                }
                s.event_request = None;
                s.event_result = Some(Shared::new(result));
            }
        }
        s.refresh_panel();
        Rc::new(s)
    }
}

impl State {
    /// Runs the core on the current files and drops the panels computed from the old analysis
    /// (they are recomputed when visible).
    fn reanalyze(&mut self) {
        self.analysis = Shared::new(compute_analysis(&self.files));
        self.analysis_seq += 1;
        self.final_yaml = None;
        self.drop_run();
        self.argo_targets = None;
        // An answer about the old files is dropped.
        self.targets_request = None;
        self.targets_seq += 1;
    }

    /// Drops the simulated run and the graph drawn from it (an answer still on its way is dropped
    /// too); they are recomputed when visible.
    fn drop_run(&mut self) {
        self.run_error = None;
        self.run_stale = true;
        self.run_request = None;
        self.run_seq += 1;
        // The last drawing stays shown until the new one arrives (no flicker while typing).
        self.graph_stale = true;
        self.graph_request = None;
        self.graph_seq += 1;
    }

    /// Queues the last Send again, shown at simulated time `at`; the last frame stays on
    /// screen while the engine answers.
    fn replay(&mut self, at: Option<u64>) {
        let Some(sent) = self.event_sent.clone() else {
            return;
        };
        self.event_at = at;
        self.event_scrubbing = true;
        self.event_seq += 1;
        let request = SendRequest {
            at,
            ..(*sent).clone()
        };
        self.event_request = Some((self.event_seq, Rc::new(request)));
    }

    /// Queues a Send (or, without a form, a direct submission) for the engine module.
    fn request_event(&mut self, form: Option<EventForm>) {
        self.event_seq += 1;
        let request = Rc::new(SendRequest {
            files: self.files.clone(),
            form,
            at: None,
            expanded: Vec::new(),
        });
        self.event_at = None;
        self.event_scrubbing = false;
        self.event_sent = Some(request.clone());
        self.event_request = Some((self.event_seq, request));
    }

    /// The workspace as a share payload (files in tab order plus the view).
    pub fn to_payload(&self) -> Payload {
        Payload {
            files: self
                .files
                .iter()
                .map(|f| SharedFile {
                    name: f.name.clone(),
                    text: f.text.clone(),
                })
                .collect(),
            view: View {
                active: Some(self.active),
                panel: Some(self.panel.as_str().to_string()),
            },
        }
    }

    /// The Azure pipeline the Azure panels show: the user's choice if it still is one, else the
    /// first.
    pub fn entry(&self) -> Option<&str> {
        let pipelines = &self.analysis.pipelines;
        self.entry
            .as_deref()
            .filter(|e| pipelines.iter().any(|p| p == e))
            .or_else(|| pipelines.first().map(String::as_str))
    }

    /// Computes what the visible panel shows if it is missing (hidden panels stay empty, so
    /// typing never pays for them).
    fn refresh_panel(&mut self) {
        if self.panel == Panel::EventArgo
            && self.argo_targets.is_none()
            && self.targets_request.is_none()
        {
            self.targets_seq += 1;
            self.targets_request = Some((self.targets_seq, Rc::new(self.files.clone())));
        }
        let Some(entry) = self.entry().map(str::to_string) else {
            self.final_yaml = None;
            self.drop_run();
            return;
        };
        match self.panel {
            Panel::FinalYaml if self.final_yaml.is_none() => {
                self.final_yaml = Some(Shared::new(azure_views::final_yaml(&self.files, &entry)));
            }
            Panel::GraphAzure
                if (self.graph.is_none() || self.graph_stale)
                    && !matches!(self.graph.as_deref(), Some(Err(_)))
                    && self.graph_request.is_none() =>
            {
                let request = GraphRequest {
                    files: self.files.clone(),
                    entry,
                    inputs: self.run_inputs.clone(),
                };
                self.graph_request = Some((self.graph_seq, Rc::new(request)));
            }
            Panel::RunAzure
                if (self.run.is_none() || self.run_stale)
                    && self.run_error.is_none()
                    && self.run_request.is_none() =>
            {
                let request = GraphRequest {
                    files: self.files.clone(),
                    entry,
                    inputs: self.run_inputs.clone(),
                };
                self.run_request = Some((self.run_seq, Rc::new(request)));
            }
            _ => {}
        }
    }

    pub fn active_file(&self) -> &File {
        &self.files[self.active.min(self.files.len() - 1)]
    }
}

/// Checks a new name for file `index`: a valid workspace path not used by another file.
pub fn validate_name(files: &[File], index: usize, name: &str) -> Result<(), String> {
    if !share::is_valid_file_name(name) {
        return Err(
            "Use a relative path like templates/jobs.yml (no '..', no leading '/').".into(),
        );
    }
    if files
        .iter()
        .enumerate()
        .any(|(i, f)| i != index && f.name == name)
    {
        return Err(format!("A file named {name} already exists."));
    }
    Ok(())
}

/// The name a new file gets: `untitled.yml`, else `untitled-2.yml`, …
pub fn fresh_name(files: &[File]) -> String {
    (1..)
        .map(|n| {
            if n == 1 {
                "untitled.yml".to_string()
            } else {
                format!("untitled-{n}.yml")
            }
        })
        .find(|name| files.iter().all(|f| &f.name != name))
        .unwrap_or_default()
}

/// Runs the core and flattens its answer for rendering.
pub fn compute_analysis(files: &[File]) -> AnalysisView {
    let analysis = analyze(files.iter().map(|f| (f.name.as_str(), f.text.as_str())));
    let problems: Vec<Problem> = analysis
        .diagnostics
        .iter()
        .map(|d| {
            let span = d.span();
            let file = span.map_or(0, |s| s.file.0 as usize);
            let (line, col) = match span.and_then(|s| {
                analysis
                    .sources
                    .get(s.file)
                    .map(|f| f.line_col(s.start as usize))
            }) {
                Some(pos) => (pos.line, pos.col),
                None => (1, 1),
            };
            Problem {
                file,
                severity: d.severity,
                code: d.code,
                message: d.message.clone(),
                line,
                col,
                start: span.map_or(0, |s| s.start as usize),
                end: span.map_or(0, |s| s.end as usize),
                rendered: render_brief(d, &analysis.sources),
            }
        })
        .collect();
    let documents = analysis
        .documents
        .iter()
        .map(|d| {
            let source = analysis.sources.get(d.file);
            DocumentRow {
                file: d.file.0 as usize,
                index: d.index,
                label: d.kind.label(),
                is_azure: d.kind.is_azure(),
                summary: d.summary.clone(),
                line: source.map_or(1, |f| f.line_col(d.span.start as usize).line),
                start: d.span.start as usize,
            }
        })
        .collect();
    let pipelines = analysis
        .documents
        .iter()
        .filter(|d| d.index == 0 && d.kind == DocKind::AzurePipeline)
        .filter_map(|d| analysis.sources.get(d.file).map(|f| f.name.clone()))
        .collect();
    let has_argo_run = analysis.documents.iter().any(|d| {
        matches!(&d.kind, DocKind::Manifest { api_version, kind }
            if api_version.starts_with("argoproj.io/") && (kind == "EventSource" || kind == "Workflow"))
    });
    AnalysisView {
        pipelines,
        has_argo_run,
        errors: problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
            .count(),
        warnings: problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .count(),
        problems,
        documents,
    }
}

/// The shared state handle components get from context.
pub type StateHandle = UseReducerHandle<State>;
