//! What the Azure panels show, computed by the core and flattened for rendering: the final YAML of
//! the chosen pipeline, its queue-time parameters and a simulated run. The reducer calls these only
//! for the visible panel, so typing never pays for them.

use pipelab_core::azure::pipeline::graph::{EnvironmentRow, Environments};
use pipelab_core::azure::pipeline::simulate::{simulate, RunSpec, Trigger};
use pipelab_core::azure::pipeline::{self, azure_message, emit, Options};
use pipelab_core::azure::template::params::{declarations, ParamType};
use pipelab_core::azure::template::{Input, Tok};
use pipelab_core::diag::{FileId, LineCol, LineIndex};
use pipelab_core::yaml;
use serde_json::Value as JsonValue;

use crate::services::json::{mismatch, FromJson, Json};

use crate::state::File;

/// The final YAML of one pipeline, or why there is none.
#[derive(Clone, Debug, PartialEq)]
pub struct FinalYamlView {
    pub entry: String,
    pub yaml: Option<String>,
    /// Azure's messages (`FILE (Line: L, Col: C): …`) when expansion failed.
    pub errors: Vec<String>,
}

/// How a queue-time parameter is edited.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub enum ParamInput {
    Text,
    Number,
    Checkbox,
    /// `values:` — one of these.
    Choice(Vec<String>),
    /// Objects and lists, as YAML text.
    Yaml,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct ParamField {
    pub name: String,
    pub type_name: String,
    pub input: ParamInput,
    /// The value shown: the user's, else the default.
    pub value: String,
}

/// What starts the simulated run, as the form holds it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum TriggerKind {
    #[default]
    Manual,
    Push,
    PullRequest,
    Schedule,
}

impl TriggerKind {
    pub const ALL: [TriggerKind; 4] = [
        TriggerKind::Manual,
        TriggerKind::Push,
        TriggerKind::PullRequest,
        TriggerKind::Schedule,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TriggerKind::Manual => "manual",
            TriggerKind::Push => "push",
            TriggerKind::PullRequest => "pr",
            TriggerKind::Schedule => "schedule",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TriggerKind::Manual => "Manual",
            TriggerKind::Push => "Push",
            TriggerKind::PullRequest => "Pull request",
            TriggerKind::Schedule => "Schedule",
        }
    }

    pub fn parse(s: &str) -> TriggerKind {
        TriggerKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .unwrap_or_default()
    }
}

/// The run form: queue-time parameter values the user set, the trigger and the failing jobs.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RunInputs {
    pub params: Vec<(String, String)>,
    pub trigger: TriggerKind,
    pub branch: String,
    /// Changed paths for a push, comma-separated.
    pub paths: String,
    /// Jobs that fail, as `STAGE.JOB`.
    pub failing: Vec<String>,
}

impl Default for RunInputs {
    fn default() -> Self {
        RunInputs {
            params: Vec::new(),
            trigger: TriggerKind::Manual,
            branch: "main".into(),
            paths: String::new(),
            failing: Vec::new(),
        }
    }
}

impl RunInputs {
    fn trigger(&self) -> Trigger {
        let branch = if self.branch.trim().is_empty() {
            "main".to_string()
        } else {
            self.branch.trim().to_string()
        };
        match self.trigger {
            TriggerKind::Manual => Trigger::Manual,
            TriggerKind::Schedule => Trigger::Schedule,
            TriggerKind::PullRequest => Trigger::PullRequest { branch },
            TriggerKind::Push => Trigger::Push {
                branch,
                paths: self
                    .paths
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(str::to_string)
                    .collect(),
            },
        }
    }
}

/// Where an element of the pipeline is written: workspace file index and byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SourceRef {
    pub file: usize,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct JobRun {
    pub name: String,
    /// `STAGE.JOB`, the key of "make it fail".
    pub key: String,
    pub result: String,
    pub reason: String,
    pub condition: Option<String>,
    pub source: Option<SourceRef>,
    /// A matrix or parallel job's legs, by name.
    pub legs: Vec<String>,
    /// The output variables its steps set, as `NAME = VALUE` (`STEP.VAR`, `LEG.STEP.VAR`).
    pub outputs: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct StageRun {
    pub name: String,
    pub result: String,
    pub reason: String,
    pub condition: Option<String>,
    pub source: Option<SourceRef>,
    pub jobs: Vec<JobRun>,
}

/// The run panel's content.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct RunView {
    pub entry: String,
    pub params: Vec<ParamField>,
    pub triggered: bool,
    pub reason: String,
    pub stages: Vec<StageRun>,
    pub errors: Vec<String>,
}

crate::from_json! {
    ParamField { name, type_name, input, value }
    SourceRef { file, start, end }
    JobRun { name, key, result, reason, condition, source, legs, outputs }
    StageRun { name, result, reason, condition, source, jobs }
    RunView { entry, params, triggered, reason, stages, errors }
    GraphView { svg, sources, environments, errors }
    Environments { columns, rows }
    EnvironmentRow { stage, cells }
}

impl FromJson for ParamInput {
    /// As serde writes it: unit variants as their name, `Choice` as `{"Choice": [...]}`.
    fn from_json(json: Json) -> Result<Self, String> {
        match json {
            Json::Str(s) if s == "Text" => Ok(ParamInput::Text),
            Json::Str(s) if s == "Number" => Ok(ParamInput::Number),
            Json::Str(s) if s == "Checkbox" => Ok(ParamInput::Checkbox),
            Json::Str(s) if s == "Yaml" => Ok(ParamInput::Yaml),
            Json::Obj(mut fields) if fields.len() == 1 && fields[0].0 == "Choice" => {
                Vec::from_json(fields.remove(0).1).map(ParamInput::Choice)
            }
            other => mismatch("a parameter input", &other),
        }
    }
}

fn input(files: &[File], entry: &str, params: &[(String, String)]) -> Input {
    Input {
        files: files
            .iter()
            .map(|f| (f.name.clone(), f.text.clone()))
            .collect(),
        entry: entry.to_string(),
        parameters: params.to_vec(),
        ..Input::default()
    }
}

/// Expands `entry` as Azure would (default parameters) and returns its final YAML.
pub fn final_yaml(files: &[File], entry: &str) -> FinalYamlView {
    let outcome = pipeline::build(&input(files, entry, &[]), Options::default());
    let errors: Vec<String> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| azure_message(d, &outcome.sources))
        .collect();
    let yaml = match &outcome.pipeline {
        Some(p) if errors.is_empty() => Some(p.final_yaml()),
        _ => None,
    };
    FinalYamlView {
        entry: entry.to_string(),
        yaml,
        errors,
    }
}

/// The parameters `entry` declares, with the values the form shows.
fn param_fields(files: &[File], entry: &str, given: &[(String, String)]) -> Vec<ParamField> {
    let Some(file) = files.iter().find(|f| f.name == entry) else {
        return Vec::new();
    };
    let loaded = yaml::load(FileId(0), &file.text);
    let Some(doc) = loaded.documents.first() else {
        return Vec::new();
    };
    let root = Tok::from_yaml(&doc.root);
    let Ok(decls) = declarations(root.get("parameters")) else {
        return Vec::new();
    };
    decls
        .params
        .iter()
        .map(|p| {
            let input = match (&p.values, p.ty) {
                (_, ParamType::Boolean) => ParamInput::Checkbox,
                (Some(values), _) => {
                    ParamInput::Choice(values.iter().filter_map(Tok::scalar_text).collect())
                }
                (None, ParamType::Number) => ParamInput::Number,
                (None, ty) if ty.is_structured() => ParamInput::Yaml,
                _ => ParamInput::Text,
            };
            let default = p.default.as_ref().map_or_else(String::new, |d| {
                if input == ParamInput::Yaml {
                    emit::to_yaml(d)
                } else {
                    d.scalar_text().unwrap_or_default()
                }
            });
            let value = given
                .iter()
                .find(|(n, _)| *n == p.name)
                .map_or(default, |(_, v)| v.clone());
            let type_name = p
                .decl
                .get("type")
                .and_then(Tok::scalar_text)
                .unwrap_or_else(|| "object".into());
            ParamField {
                name: p.name.clone(),
                type_name,
                input,
                value,
            }
        })
        .collect()
}

/// Maps the model's `location` (file name, line, col) to a workspace file and byte offset.
fn source_of(files: &[File], location: &JsonValue) -> Option<SourceRef> {
    let name = location.get("file")?.as_str()?;
    let line = location.get("line")?.as_u64()? as u32;
    let col = location.get("col")?.as_u64()? as u32;
    let file = files.iter().position(|f| f.name == name)?;
    let text = &files[file].text;
    let start = LineIndex::new(text).offset(text, LineCol { line, col });
    let end = text[start..].find('\n').map_or(text.len(), |i| start + i);
    Some(SourceRef { file, start, end })
}

fn str_of(v: &JsonValue, key: &str) -> String {
    v.get(key)
        .and_then(JsonValue::as_str)
        .unwrap_or_default()
        .to_string()
}

fn find_named<'a>(list: Option<&'a JsonValue>, name: &str) -> Option<&'a JsonValue> {
    list?
        .as_array()?
        .iter()
        .find(|x| x.get("name").and_then(JsonValue::as_str) == Some(name))
}

/// Expands `entry` with the form's parameters and simulates the run: the pipeline, its sources and
/// the simulation's JSON, or Azure's error messages.
fn simulated(
    files: &[File],
    entry: &str,
    inputs: &RunInputs,
) -> Result<(pipeline::Pipeline, pipelab_core::diag::Sources, JsonValue), Vec<String>> {
    let outcome = pipeline::build(&input(files, entry, &inputs.params), Options::default());
    let errors: Vec<String> = outcome
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| azure_message(d, &outcome.sources))
        .collect();
    match outcome.pipeline {
        Some(p) if errors.is_empty() => {
            let spec = RunSpec {
                trigger: inputs.trigger(),
                failing: inputs.failing.clone(),
                variables: Vec::new(),
                groups: pipelab_core::azure::library::from_texts(
                    files.iter().map(|f| f.text.as_str()),
                )
                .unwrap_or_default(),
            };
            let result = simulate(&p.normalized, &spec);
            Ok((p, outcome.sources, result))
        }
        _ => Err(errors),
    }
}

/// What the Graph and Run panels ask of the engine module: the pipeline and the run form.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GraphRequest {
    pub files: Vec<File>,
    pub entry: String,
    pub inputs: RunInputs,
}

/// The stage → job graph of a simulated run, drawn; or Azure's errors.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct GraphView {
    pub svg: String,
    /// Each node and row id with its source (workspace file name, byte range).
    pub sources: Vec<(String, String, usize, usize)>,
    /// The environments × deployment jobs matrix.
    pub environments: pipelab_core::azure::pipeline::graph::Environments,
    pub errors: Vec<String>,
}

/// Draws `entry`'s stage → job graph with the run the form describes (in the engine module).
pub fn graph(request: &GraphRequest) -> GraphView {
    use pipelab_core::azure::pipeline::graph::{environments, options, stage_graph};
    let (p, sources, run) = match simulated(&request.files, &request.entry, &request.inputs) {
        Ok(x) => x,
        Err(errors) => {
            return GraphView {
                errors,
                ..GraphView::default()
            }
        }
    };
    let model = p.model(&sources);
    let g = stage_graph(&model, &sources, Some(&run));
    let mut refs = Vec::new();
    for n in &g.nodes {
        let rows = std::iter::once((&n.id, &n.look.source))
            .chain(n.look.rows.iter().map(|r| (&r.id, &r.source)));
        for (id, source) in rows {
            if let Some(s) = source {
                refs.push((id.clone(), s.file.clone(), s.start, s.end));
            }
        }
    }
    let layout = pipelab_core::graph::layout(&g, &options());
    GraphView {
        svg: pipelab_core::graph::svg::render(&layout),
        sources: refs,
        environments: environments(&model),
        errors: Vec::new(),
    }
}

/// The queue-time form of `request.entry` and its simulated run under `request.inputs` (in the
/// engine module).
pub fn run_view(request: &GraphRequest) -> RunView {
    run(&request.files, &request.entry, &request.inputs)
}

/// The queue-time form of `entry` and its simulated run under `inputs`.
pub fn run(files: &[File], entry: &str, inputs: &RunInputs) -> RunView {
    let params = param_fields(files, entry, &inputs.params);
    let mut view = RunView {
        entry: entry.to_string(),
        params,
        triggered: false,
        reason: String::new(),
        stages: Vec::new(),
        errors: Vec::new(),
    };
    let (p, sources, result) = match simulated(files, entry, inputs) {
        Ok(x) => x,
        Err(errors) => {
            view.errors = errors;
            return view;
        }
    };
    let outcome_sources = &sources;
    let model = p.model(outcome_sources);
    view.triggered = result.get("triggered").and_then(JsonValue::as_bool) == Some(true);
    view.reason = str_of(&result, "reason");
    let empty = Vec::new();
    for st in result
        .get("stages")
        .and_then(JsonValue::as_array)
        .unwrap_or(&empty)
    {
        let name = str_of(st, "name");
        let st_model = find_named(model.get("stages"), &name);
        let jobs = st
            .get("jobs")
            .and_then(JsonValue::as_array)
            .unwrap_or(&empty)
            .iter()
            .map(|j| {
                let jname = str_of(j, "name");
                let j_model = st_model.and_then(|m| find_named(m.get("jobs"), &jname));
                JobRun {
                    key: format!("{name}.{jname}"),
                    result: str_of(j, "result"),
                    reason: str_of(j, "reason"),
                    legs: j
                        .get("legs")
                        .and_then(JsonValue::as_array)
                        .unwrap_or(&empty)
                        .iter()
                        .map(|l| str_of(l, "name"))
                        .collect(),
                    outputs: j
                        .get("outputs")
                        .and_then(JsonValue::as_object)
                        .into_iter()
                        .flatten()
                        .map(|(k, v)| format!("{k} = {}", v.as_str().unwrap_or_default()))
                        .collect(),
                    condition: j_model
                        .and_then(|m| m.get("condition"))
                        .and_then(JsonValue::as_str)
                        .map(str::to_string),
                    source: j_model
                        .and_then(|m| m.get("location"))
                        .and_then(|l| source_of(files, l)),
                    name: jname,
                }
            })
            .collect();
        view.stages.push(StageRun {
            result: str_of(st, "result"),
            reason: str_of(st, "reason"),
            condition: st_model
                .and_then(|m| m.get("condition"))
                .and_then(JsonValue::as_str)
                .map(str::to_string),
            source: st_model
                .and_then(|m| m.get("location"))
                .and_then(|l| source_of(files, l)),
            name,
            jobs,
        });
    }
    view
}
