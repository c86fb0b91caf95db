//! Run simulation: whether a trigger starts the pipeline (honouring `trigger:`, `pr:`,
//! `schedules:` and `none`), then every stage and job result under Azure's condition rules
//! (default `succeeded()`, custom conditions over `dependencies`, `stageDependencies` and
//! `variables`), with the evaluated condition for each skipped item.
//!
//! **Architecture Invariant:** simulation reads only the normalised pipeline and the
//! [`RunSpec`]; job outcomes come from the spec (default: succeed), never from chance.

use serde_json::{json, Value as Json};

use super::model::{depends_on, job_legs, object, Library, VarScope};
use crate::azure::expr::{self, Context, Names, Value};
use crate::azure::template::{Tok, TokKind};

/// What starts the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Trigger {
    Manual,
    Push { branch: String, paths: Vec<String> },
    PullRequest { branch: String },
    Schedule,
}

impl Trigger {
    /// Parses `manual`, `push:BRANCH[:PATH,...]`, `pr:BRANCH`, `schedule`.
    pub fn parse(s: &str) -> Result<Trigger, String> {
        let (kind, rest) = s.split_once(':').unwrap_or((s, ""));
        match kind {
            "manual" if rest.is_empty() => Ok(Trigger::Manual),
            "schedule" if rest.is_empty() => Ok(Trigger::Schedule),
            "push" if !rest.is_empty() => {
                let (branch, paths) = rest.split_once(':').unwrap_or((rest, ""));
                Ok(Trigger::Push {
                    branch: branch.to_string(),
                    paths: paths
                        .split(',')
                        .filter(|p| !p.is_empty())
                        .map(str::to_string)
                        .collect(),
                })
            }
            "pr" if !rest.is_empty() => Ok(Trigger::PullRequest {
                branch: rest.to_string(),
            }),
            _ => Err(format!(
                "unknown trigger {s:?}: use manual, push:BRANCH[:PATH,...], pr:BRANCH or schedule"
            )),
        }
    }
}

/// The run to simulate.
#[derive(Clone, Debug)]
pub struct RunSpec {
    pub trigger: Trigger,
    /// Jobs that fail, as `STAGE.JOB` (or `JOB` for the implicit stage).
    pub failing: Vec<String>,
    /// Queue-time variables.
    pub variables: Vec<(String, String)>,
    /// The variable-group library: a `- group:` in the pipeline adds its variables (for
    /// conditions like `eq(variables.deployProd, 'yes')`).
    pub groups: Vec<(String, Vec<(String, String)>)>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    Succeeded,
    Failed,
    Skipped,
}

impl Outcome {
    fn word(self) -> &'static str {
        match self {
            Outcome::Succeeded => "Succeeded",
            Outcome::Failed => "Failed",
            Outcome::Skipped => "Skipped",
        }
    }
}

fn strip_ref(b: &str) -> &str {
    b.strip_prefix("refs/heads/").unwrap_or(b)
}

/// Azure's branch and path filters: `*` wildcards, a trailing `/*` or plain prefix for paths.
fn matches(pattern: &str, value: &str, is_path: bool) -> bool {
    let p = strip_ref(pattern.trim());
    let v = strip_ref(value);
    if is_path {
        let p = p.trim_start_matches('/').trim_end_matches("/*");
        let v = v.trim_start_matches('/');
        return p.is_empty() || v == p || v.starts_with(&format!("{p}/")) || glob(p, v);
    }
    glob(p, v)
}

fn glob(p: &str, v: &str) -> bool {
    match p.split_once('*') {
        None => p.eq_ignore_ascii_case(v),
        Some((head, tail)) => {
            if !v
                .to_ascii_lowercase()
                .starts_with(&head.to_ascii_lowercase())
            {
                return false;
            }
            let rest = &v[head.len()..];
            (0..=rest.len())
                .filter(|i| rest.is_char_boundary(*i))
                .any(|i| glob(tail, &rest[i..]))
        }
    }
}

fn strings(t: Option<&Tok>) -> Vec<String> {
    match t.map(|t| &t.kind) {
        Some(TokKind::Sequence(items)) => items.iter().filter_map(Tok::scalar_text).collect(),
        Some(TokKind::String(s)) => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Include/exclude filters; an empty include list includes everything.
fn filter(node: Option<&Tok>, value: &str, is_path: bool) -> bool {
    let include = strings(node.and_then(|n| n.get("include")));
    let exclude = strings(node.and_then(|n| n.get("exclude")));
    (include.is_empty() || include.iter().any(|p| matches(p, value, is_path)))
        && !exclude.iter().any(|p| matches(p, value, is_path))
}

/// Whether `trigger` starts the pipeline, and why (not).
fn triggered(root: &Tok, trigger: &Trigger) -> (bool, String) {
    let none = |t: Option<&Tok>| t.and_then(Tok::as_str) == Some("none");
    match trigger {
        Trigger::Manual => (true, "Manually queued".into()),
        Trigger::Schedule => match root.get("schedules").and_then(Tok::as_sequence) {
            Some(s) if !s.is_empty() => (true, "Scheduled run".into()),
            _ => (false, "The pipeline has no schedules".into()),
        },
        Trigger::Push { branch, paths } => {
            let t = root.get("trigger");
            if none(t) {
                return (false, "CI trigger is disabled (trigger: none)".into());
            }
            let (branches_ok, paths_ok) = match t.map(|t| &t.kind) {
                None | Some(TokKind::Null) => (true, true),
                Some(TokKind::Sequence(_)) => {
                    (strings(t).iter().any(|p| matches(p, branch, false)), true)
                }
                Some(TokKind::Mapping(_)) => {
                    let t = t.and_then(|t| t.get("branches"));
                    let p = root.get("trigger").and_then(|t| t.get("paths"));
                    let paths_ok = p.is_none()
                        || paths.is_empty()
                        || paths.iter().any(|path| filter(p, path, true));
                    (filter(t, branch, false), paths_ok)
                }
                _ => (true, true),
            };
            match (branches_ok, paths_ok) {
                (true, true) => (true, format!("Push to {branch} matches the CI trigger")),
                (false, _) => (
                    false,
                    format!("Branch {branch} is not included by the CI trigger"),
                ),
                (true, false) => (
                    false,
                    "No changed path is included by the CI trigger".into(),
                ),
            }
        }
        Trigger::PullRequest { branch } => {
            let pr = root.get("pr");
            if none(pr) {
                return (false, "PR trigger is disabled (pr: none)".into());
            }
            let ok = match pr.map(|p| &p.kind) {
                None | Some(TokKind::Null) => true,
                Some(TokKind::Sequence(_)) => strings(pr).iter().any(|p| matches(p, branch, false)),
                Some(TokKind::Mapping(_)) => {
                    filter(pr.and_then(|p| p.get("branches")), branch, false)
                }
                _ => true,
            };
            if ok {
                (
                    true,
                    format!("Pull request into {branch} matches the PR trigger"),
                )
            } else {
                (
                    false,
                    format!("Target branch {branch} is not included by the PR trigger"),
                )
            }
        }
    }
}

/// A finished job or stage as later conditions see it: its result and its output variables
/// (`STEP.VAR` for a job, `LEG.STEP.VAR` for a matrix leg, `JOB.STEP.VAR` for a runOnce
/// deployment; a stage's are its jobs' prefixed with `JOB.`).
#[derive(Clone, Debug)]
struct Done {
    name: String,
    outcome: Outcome,
    outputs: Vec<(String, String)>,
}

impl Done {
    fn new(name: &str, outcome: Outcome) -> Done {
        Done {
            name: name.to_string(),
            outcome,
            outputs: Vec::new(),
        }
    }
}

/// The context a condition is evaluated in.
struct CondContext<'a> {
    variables: &'a [(String, String)],
    /// Direct dependencies and their results.
    dependencies: Vec<Done>,
    /// For jobs: earlier stages' jobs (borrowed: a job of the hundredth stage must not copy the
    /// ninety-nine before it).
    stage_dependencies: &'a [(String, Vec<Done>)],
}

fn result_object(d: &Done) -> Value {
    Value::Object(vec![
        ("result".into(), Value::str(d.outcome.word())),
        (
            "outputs".into(),
            Value::Object(
                d.outputs
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::str(v.clone())))
                    .collect(),
            ),
        ),
    ])
}

impl Context for CondContext<'_> {
    fn named_value(&self, name: &str) -> Option<Value> {
        match name.to_ascii_lowercase().as_str() {
            "variables" => Some(Value::Object(
                self.variables
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::str(v.clone())))
                    .collect(),
            )),
            "dependencies" => Some(Value::Object(
                self.dependencies
                    .iter()
                    .map(|d| (d.name.clone(), result_object(d)))
                    .collect(),
            )),
            "stagedependencies" => Some(Value::Object(
                self.stage_dependencies
                    .iter()
                    .map(|(s, jobs)| {
                        (
                            s.clone(),
                            Value::Object(
                                jobs.iter()
                                    .map(|d| (d.name.clone(), result_object(d)))
                                    .collect(),
                            ),
                        )
                    })
                    .collect(),
            )),
            _ => Some(Value::Object(Vec::new())),
        }
    }

    fn status(&self, function: &str, deps: &[String]) -> Option<bool> {
        let chosen: Vec<Outcome> = if deps.is_empty() {
            self.dependencies.iter().map(|d| d.outcome).collect()
        } else {
            deps.iter()
                .filter_map(|name| {
                    self.dependencies
                        .iter()
                        .find(|d| d.name.eq_ignore_ascii_case(name))
                        .map(|d| d.outcome)
                })
                .collect()
        };
        Some(match function {
            "succeeded" => chosen.iter().all(|o| *o == Outcome::Succeeded),
            "failed" => chosen.contains(&Outcome::Failed),
            "succeededOrFailed" => true,
            _ => false,
        })
    }
}

/// Replaces `$(name)` macros whose value is known.
fn macros(text: &str, vars: &[(String, String)]) -> String {
    if !text.contains("$(") {
        return text.to_string();
    }
    VarScope {
        values: vars.to_vec(),
        ..VarScope::default()
    }
    .resolve(text)
}

fn evaluate(condition: Option<&Tok>, ctx: &CondContext<'_>) -> (bool, String) {
    let text = condition
        .and_then(Tok::scalar_text)
        .unwrap_or_else(|| "succeeded()".into());
    let text = macros(text.trim(), ctx.variables);
    match expr::evaluate(&text, &Names::runtime(), ctx) {
        Ok(v) => {
            let b = v.to_bool();
            let deps: Vec<String> = ctx
                .dependencies
                .iter()
                .map(|d| format!("{}={}", d.name, d.outcome.word()))
                .collect();
            let why = if deps.is_empty() {
                format!(
                    "Condition '{text}' evaluated to {}",
                    if b { "True" } else { "False" }
                )
            } else {
                format!(
                    "Condition '{text}' evaluated to {} (dependencies: {})",
                    if b { "True" } else { "False" },
                    deps.join(", ")
                )
            };
            (b, why)
        }
        Err((msg, _)) => (
            false,
            format!("Condition '{text}' failed to evaluate: {msg}"),
        ),
    }
}

/// Adds a `variables:` block's static values, a group's from the library.
fn static_variables(
    t: Option<&Tok>,
    groups: &[(String, Vec<(String, String)>)],
    out: &mut Vec<(String, String)>,
) {
    let mut scope = VarScope {
        values: std::mem::take(out),
        ..VarScope::default()
    };
    scope.add(
        t,
        &Library {
            groups,
            ..Library::default()
        },
    );
    *out = scope.values;
}

/// A step to simulate: its name, its condition and the lifecycle hook it belongs to.
struct StepRef<'a> {
    step: &'a Tok,
    hook: Option<String>,
}

/// The steps of a job, or of a deployment's lifecycle hooks in the order they run (`on.success`
/// and `on.failure` last).
fn steps_of(job: &Tok) -> Vec<StepRef<'_>> {
    let mut out = Vec::new();
    for s in job.get("steps").and_then(Tok::as_sequence).unwrap_or(&[]) {
        out.push(StepRef {
            step: s,
            hook: None,
        });
    }
    if let Some(TokKind::Mapping(m)) = job.get("strategy").map(|s| &s.kind) {
        for (_, spec) in m {
            let hooks = spec.as_mapping().unwrap_or(&[]);
            for name in ["preDeploy", "deploy", "routeTraffic", "postRouteTraffic"] {
                if let Some((_, h)) = hooks.iter().find(|(k, _)| k.as_str() == Some(name)) {
                    for s in h.get("steps").and_then(Tok::as_sequence).unwrap_or(&[]) {
                        out.push(StepRef {
                            step: s,
                            hook: Some(name.to_string()),
                        });
                    }
                }
            }
            if let Some((_, on)) = hooks.iter().find(|(k, _)| k.as_str() == Some("on")) {
                for which in ["success", "failure"] {
                    if let Some(h) = on.get(which) {
                        for s in h.get("steps").and_then(Tok::as_sequence).unwrap_or(&[]) {
                            out.push(StepRef {
                                step: s,
                                hook: Some(format!("on.{which}")),
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// A step's name as the run shows it: its displayName or name, else the task with the first
/// line of its script, else its first key.
fn step_name(s: &StepRef) -> String {
    let t = s.step;
    let script = t
        .get("inputs")
        .and_then(|i| i.get("script"))
        .and_then(Tok::scalar_text)
        .map(|sc| sc.lines().next().unwrap_or_default().to_string());
    let base = t
        .get("displayName")
        .or_else(|| t.get("name"))
        .and_then(Tok::scalar_text)
        .or_else(|| {
            let task = t.get("task").and_then(Tok::scalar_text)?;
            Some(match &script {
                Some(sc) => format!("{task}: {sc}"),
                None => task,
            })
        })
        .or_else(|| {
            t.as_mapping().and_then(|m| m.first()).map(|(k, v)| {
                format!(
                    "{}: {}",
                    k.scalar_text().unwrap_or_default(),
                    v.scalar_text().unwrap_or_default()
                )
            })
        })
        .unwrap_or_default();
    match &s.hook {
        Some(h) => format!("{h}/{base}"),
        None => base,
    }
}

fn skipped_steps(steps: &[StepRef], why: &str) -> Vec<Json> {
    steps
        .iter()
        .map(|s| json!({"name": step_name(s), "result": "Skipped", "reason": why}))
        .collect()
}

/// A `##vso[task.setvariable variable=NAME;isOutput=true]VALUE` logging command in a script
/// line: the variable's name, whether it is an output, and its value as written (a value that
/// comes from the shell, `$X`, stays as written: Pipelab does not run the shell).
fn set_variable(line: &str) -> Option<(String, bool, String)> {
    const COMMAND: &str = "##vso[task.setvariable ";
    let at = line.to_ascii_lowercase().find(COMMAND)?;
    let rest = &line[at + COMMAND.len()..];
    let (props, value) = rest.split_once(']')?;
    let mut name = None;
    let mut output = false;
    for prop in props.split(';') {
        let (k, v) = prop.split_once('=').unwrap_or((prop, ""));
        match k.trim().to_ascii_lowercase().as_str() {
            "variable" => name = Some(v.trim().to_string()),
            "isoutput" => output = v.trim().eq_ignore_ascii_case("true"),
            _ => {}
        }
    }
    // `echo "##vso[…]value"`: the closing quote is the shell's, not the value's.
    let quote = line[..at].chars().rev().find(|c| *c == '"' || *c == '\'');
    let mut value = value.trim_end();
    if let Some(q) = quote {
        value = value.strip_suffix(q).unwrap_or(value);
    }
    Some((name.filter(|n| !n.is_empty())?, output, value.to_string()))
}

/// What a job's steps left for later steps and jobs: output variables (`STEP.VAR`).
#[derive(Default)]
struct StepsRun {
    steps: Vec<Json>,
    outputs: Vec<(String, String)>,
}

/// Runs a job's steps: the last step that runs under the default condition fails when the job
/// is to fail; later steps see the job's status through `succeeded()`, `failed()`, `always()`.
/// `on.success` / `on.failure` hooks run by the outcome of the others. A step that runs sets
/// the variables its script's `##vso[task.setvariable]` commands set: later steps of the job
/// see them (`variables.NAME`, `$(NAME)`; an output as `STEP.NAME`), later jobs see outputs.
fn run_steps(steps: &[StepRef], fails: bool, vars: &[(String, String)]) -> StepsRun {
    let mut vars = vars.to_vec();
    let mut run = StepsRun::default();
    let is_outcome_hook = |s: &StepRef| s.hook.as_deref().is_some_and(|h| h.starts_with("on."));
    let failing = if fails {
        steps
            .iter()
            .rposition(|s| !is_outcome_hook(s) && s.step.get("condition").is_none())
    } else {
        None
    };
    let mut status = Outcome::Succeeded;
    for (i, s) in steps.iter().enumerate() {
        if let Some(h) = s.hook.as_deref().filter(|h| h.starts_with("on.")) {
            let wanted = if h == "on.success" {
                Outcome::Succeeded
            } else {
                Outcome::Failed
            };
            if status != wanted {
                run.steps.push(json!({"name": step_name(s), "result": "Skipped", "reason": format!("The job did not end {}", if wanted == Outcome::Succeeded { "successfully" } else { "in failure" })}));
                continue;
            }
        }
        let ctx = CondContext {
            variables: &vars,
            dependencies: vec![Done::new("previous steps", status)],
            stage_dependencies: &[],
        };
        // The steps of an `on.success` / `on.failure` hook run once their hook was chosen.
        let (runs, why) = if is_outcome_hook(s) && s.step.get("condition").is_none() {
            (
                true,
                format!(
                    "The job ended {}",
                    if status == Outcome::Failed {
                        "in failure"
                    } else {
                        "successfully"
                    }
                ),
            )
        } else {
            evaluate(s.step.get("condition"), &ctx)
        };
        let result = if !runs {
            Outcome::Skipped
        } else if Some(i) == failing {
            status = Outcome::Failed;
            Outcome::Failed
        } else {
            Outcome::Succeeded
        };
        let reason = if result == Outcome::Failed {
            "Failed as requested (--fail)".to_string()
        } else {
            why
        };
        let mut set = Vec::new();
        if runs {
            let script = s
                .step
                .get("inputs")
                .and_then(|i| i.get("script"))
                .and_then(Tok::scalar_text)
                .unwrap_or_default();
            let step = s.step.get("name").and_then(Tok::scalar_text);
            for (name, output, value) in script.lines().filter_map(set_variable) {
                let value = macros(&value, &vars);
                set.push(json!({"name": name, "value": value, "isOutput": output}));
                match (&step, output) {
                    (Some(step), true) => {
                        let key = format!("{step}.{name}");
                        vars.push((key.clone(), value.clone()));
                        run.outputs.push((key, value));
                    }
                    // An output of a step without a name cannot be referenced.
                    (None, true) => {}
                    (_, false) => vars.push((name, value)),
                }
            }
        }
        let mut step = json!({"name": step_name(s), "result": result.word(), "reason": reason});
        if !set.is_empty() {
            step["variables"] = Json::Array(set);
        }
        run.steps.push(step);
    }
    run
}

/// Simulates a run of the normalised pipeline.
pub fn simulate(normalized: &Tok, spec: &RunSpec) -> Json {
    let (ok, reason) = triggered(normalized, &spec.trigger);
    if !ok {
        return json!({"triggered": false, "reason": reason, "stages": []});
    }
    let mut vars = spec.variables.clone();
    let (build_reason, source_branch) = match &spec.trigger {
        Trigger::Manual => ("Manual", "main".to_string()),
        Trigger::Schedule => ("Schedule", "main".to_string()),
        Trigger::Push { branch, .. } => ("IndividualCI", strip_ref(branch).to_string()),
        Trigger::PullRequest { branch } => ("PullRequest", strip_ref(branch).to_string()),
    };
    vars.push(("Build.Reason".into(), build_reason.into()));
    vars.push((
        "Build.SourceBranch".into(),
        format!("refs/heads/{source_branch}"),
    ));
    vars.push((
        "Build.SourceBranchName".into(),
        source_branch
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_string(),
    ));
    static_variables(normalized.get("variables"), &spec.groups, &mut vars);

    let stages = normalized
        .get("stages")
        .and_then(Tok::as_sequence)
        .unwrap_or(&[]);
    let mut results: Vec<Done> = Vec::new();
    let mut job_results: Vec<(String, Vec<Done>)> = Vec::new();
    let mut out = Vec::new();
    let mut previous: Option<String> = None;
    let done_of = |list: &[Done], name: &str| -> Done {
        list.iter()
            .find(|d| d.name.eq_ignore_ascii_case(name))
            .cloned()
            .unwrap_or_else(|| Done::new(name, Outcome::Skipped))
    };
    for st in stages {
        let name = st
            .get("stage")
            .and_then(Tok::scalar_text)
            .unwrap_or_default();
        let deps = depends_on(st).unwrap_or_else(|| previous.iter().cloned().collect());
        previous = Some(name.clone());
        let mut stage_vars = vars.clone();
        static_variables(st.get("variables"), &spec.groups, &mut stage_vars);
        let ctx = CondContext {
            variables: &stage_vars,
            dependencies: deps.iter().map(|d| done_of(&results, d)).collect(),
            stage_dependencies: &[],
        };
        let (run, why) = evaluate(st.get("condition"), &ctx);
        let jobs = st.get("jobs").and_then(Tok::as_sequence).unwrap_or(&[]);
        let mut jobs_out = Vec::new();
        let mut this_jobs: Vec<Done> = Vec::new();
        for j in jobs {
            let jname = j
                .get("job")
                .or_else(|| j.get("deployment"))
                .and_then(Tok::scalar_text)
                .unwrap_or_default();
            let job_steps = steps_of(j);
            let legs = job_legs(j, &jname);
            let mut job_out = json!({"name": jname});
            let mut done = Done::new(&jname, Outcome::Skipped);
            let reason = if !run {
                let why = format!("Stage {name} was skipped");
                job_out["steps"] = Json::Array(skipped_steps(&job_steps, &why));
                why
            } else {
                let jdeps = depends_on(j).unwrap_or_default();
                let mut job_vars = stage_vars.clone();
                static_variables(j.get("variables"), &spec.groups, &mut job_vars);
                let jctx = CondContext {
                    variables: &job_vars,
                    dependencies: jdeps.iter().map(|d| done_of(&this_jobs, d)).collect(),
                    stage_dependencies: &job_results,
                };
                let (jrun, jwhy) = evaluate(j.get("condition"), &jctx);
                if !jrun {
                    job_out["steps"] = Json::Array(skipped_steps(
                        &job_steps,
                        &format!("Job {jname} was skipped"),
                    ));
                    jwhy
                } else {
                    let key = format!("{name}.{jname}");
                    let fails = spec.failing.iter().any(|f| {
                        f.eq_ignore_ascii_case(&key)
                            || (name == "__default" && f.eq_ignore_ascii_case(&jname))
                    });
                    done.outcome = if fails {
                        Outcome::Failed
                    } else {
                        Outcome::Succeeded
                    };
                    if legs.is_empty() {
                        let ran = run_steps(&job_steps, fails, &job_vars);
                        // A runOnce deployment's outputs are named after the job.
                        let prefix = j.get("deployment").map(|_| format!("{jname}."));
                        done.outputs = ran
                            .outputs
                            .into_iter()
                            .map(|(k, v)| (format!("{}{k}", prefix.as_deref().unwrap_or("")), v))
                            .collect();
                        job_out["steps"] = Json::Array(ran.steps);
                    } else {
                        // Each leg runs the steps with its own variables; outputs are named
                        // after the leg.
                        let mut legs_out = Vec::new();
                        for (leg, leg_vars) in &legs {
                            let mut v = job_vars.clone();
                            v.extend(leg_vars.iter().cloned());
                            let ran = run_steps(&job_steps, fails, &v);
                            done.outputs.extend(
                                ran.outputs
                                    .into_iter()
                                    .map(|(k, v)| (format!("{leg}.{k}"), v)),
                            );
                            legs_out.push(object([
                                ("name", Json::from(leg.as_str())),
                                ("result", Json::from(done.outcome.word())),
                                ("steps", Json::Array(ran.steps)),
                            ]));
                        }
                        job_out["legs"] = Json::Array(legs_out);
                        job_out["steps"] = Json::Array(Vec::new());
                    }
                    if fails {
                        "Failed as requested (--fail)".to_string()
                    } else {
                        jwhy
                    }
                }
            };
            job_out["result"] = json!(done.outcome.word());
            job_out["reason"] = json!(reason);
            if !done.outputs.is_empty() {
                job_out["outputs"] = Json::Object(
                    done.outputs
                        .iter()
                        .map(|(k, v)| (k.clone(), json!(v)))
                        .collect(),
                );
            }
            this_jobs.push(done);
            jobs_out.push(job_out);
        }
        let stage_result = if !run {
            Outcome::Skipped
        } else if this_jobs.iter().any(|d| d.outcome == Outcome::Failed) {
            Outcome::Failed
        } else if !this_jobs.is_empty() && this_jobs.iter().all(|d| d.outcome == Outcome::Skipped) {
            Outcome::Skipped
        } else {
            Outcome::Succeeded
        };
        // A stage's outputs, for `dependencies.STAGE.outputs['JOB.STEP.VAR']`.
        let outputs = this_jobs
            .iter()
            .flat_map(|d| {
                d.outputs
                    .iter()
                    .map(move |(k, v)| (format!("{}.{k}", d.name), v.clone()))
            })
            .collect();
        results.push(Done {
            name: name.clone(),
            outcome: stage_result,
            outputs,
        });
        job_results.push((name.clone(), this_jobs));
        out.push(object([
            ("name", Json::from(name.as_str())),
            ("result", Json::from(stage_result.word())),
            ("reason", Json::from(why)),
            ("jobs", Json::Array(jobs_out)),
        ]));
    }
    object([
        ("triggered", Json::Bool(true)),
        ("reason", Json::from(reason)),
        ("stages", Json::Array(out)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_variable_group_s_values_reach_conditions() {
        let yaml = |group: &str| {
            format!("stages:\n- stage: prod\n  variables:\n  - group: {group}\n  condition: eq(variables.deployProd, 'yes')\n  jobs:\n  - job: p\n    steps:\n    - script: x\n")
        };
        let result = |r: &Json| r["stages"][0]["result"].as_str().unwrap_or("").to_string();
        assert_eq!(
            result(&run(&yaml("release-settings"), "manual", &[])),
            "Succeeded"
        );
        // A group the library lacks adds nothing: the condition sees no value.
        assert_eq!(result(&run(&yaml("other"), "manual", &[])), "Skipped");
    }

    #[test]
    fn branch_and_path_filters() {
        assert!(matches("main", "refs/heads/main", false));
        assert!(matches("releases/*", "releases/1.0", false));
        assert!(!matches("releases/*", "main", false));
        assert!(matches("src", "src/app/main.rs", true));
        assert!(matches("/docs/*", "docs/a.md", true));
        assert!(!matches("docs", "src/docs.rs", true));
    }

    fn run(yaml: &str, trigger: &str, failing: &[&str]) -> Json {
        let input = crate::azure::template::Input {
            files: vec![("p.yml".into(), yaml.into())],
            entry: "p.yml".into(),
            ..Default::default()
        };
        let outcome = crate::azure::pipeline::build(&input, Default::default());
        let p = outcome.pipeline.expect("pipeline expands");
        simulate(
            &p.normalized,
            &RunSpec {
                trigger: Trigger::parse(trigger).expect("trigger"),
                failing: failing.iter().map(|s| s.to_string()).collect(),
                variables: Vec::new(),
                groups: vec![(
                    "release-settings".into(),
                    vec![("deployProd".into(), "yes".into())],
                )],
            },
        )
    }

    fn results(run: &Json) -> Vec<String> {
        run["stages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|s| {
                format!(
                    "{}={}",
                    s["name"].as_str().unwrap_or(""),
                    s["result"].as_str().unwrap_or("")
                )
            })
            .collect()
    }

    #[test]
    fn conditions_read_dependencies_and_variables() {
        let yaml = "trigger:\n  branches:\n    include: [main, releases/*]\n  paths:\n    exclude: [docs]\nvariables:\n  deployProd: 'yes'\nstages:\n- stage: build\n  jobs:\n  - job: b\n    steps:\n    - script: x\n- stage: rollback\n  condition: eq(dependencies.build.result, 'Failed')\n  jobs:\n  - job: r\n    steps:\n    - script: x\n- stage: prod\n  dependsOn: build\n  condition: and(succeeded(), eq(variables.deployProd, 'YES'), eq(variables['Build.SourceBranch'], 'refs/heads/main'))\n  jobs:\n  - job: p\n    steps:\n    - script: x\n";
        assert_eq!(
            results(&run(yaml, "push:main", &[])),
            ["build=Succeeded", "rollback=Skipped", "prod=Succeeded"]
        );
        assert_eq!(
            results(&run(yaml, "push:main", &["build.b"])),
            ["build=Failed", "rollback=Succeeded", "prod=Skipped"]
        );
        assert_eq!(
            results(&run(yaml, "push:releases/1.0", &[])),
            ["build=Succeeded", "rollback=Skipped", "prod=Skipped"]
        );
        assert_eq!(run(yaml, "push:feature/x", &[])["triggered"], false);
        assert_eq!(
            run(yaml, "push:main:docs/readme.md", &[])["triggered"],
            false
        );
        assert_eq!(run(yaml, "pr:main", &[])["triggered"], true);
        assert_eq!(run(yaml, "schedule", &[])["triggered"], false);
    }

    #[test]
    fn step_results_follow_the_job_status() {
        let yaml = "jobs:\n- job: a\n  steps:\n  - script: build\n  - script: test\n  - script: notify\n    condition: failed()\n  - script: cleanup\n    condition: always()\n- deployment: d\n  environment: prod\n  strategy:\n    runOnce:\n      deploy:\n        steps:\n        - script: deploy\n      on:\n        failure:\n          steps:\n          - script: rollback\n        success:\n          steps:\n          - script: celebrate\n";
        let steps = |run: &Json, job: usize| -> Vec<String> {
            run["stages"][0]["jobs"][job]["steps"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    format!(
                        "{}={}",
                        s["name"].as_str().unwrap_or(""),
                        s["result"].as_str().unwrap_or("")
                    )
                })
                .collect()
        };
        let ok = run(yaml, "manual", &[]);
        assert_eq!(
            steps(&ok, 0),
            [
                "CmdLine@2: build=Succeeded",
                "CmdLine@2: test=Succeeded",
                "CmdLine@2: notify=Skipped",
                "CmdLine@2: cleanup=Succeeded"
            ]
        );
        assert_eq!(
            steps(&ok, 1),
            [
                "deploy/CmdLine@2: deploy=Succeeded",
                "on.success/CmdLine@2: celebrate=Succeeded",
                "on.failure/CmdLine@2: rollback=Skipped"
            ]
        );
        let failed = run(yaml, "manual", &["a", "d"]);
        assert_eq!(
            steps(&failed, 0),
            [
                "CmdLine@2: build=Succeeded",
                "CmdLine@2: test=Failed",
                "CmdLine@2: notify=Succeeded",
                "CmdLine@2: cleanup=Succeeded"
            ]
        );
        assert_eq!(
            steps(&failed, 1),
            [
                "deploy/CmdLine@2: deploy=Failed",
                "on.success/CmdLine@2: celebrate=Skipped",
                "on.failure/CmdLine@2: rollback=Succeeded"
            ]
        );
    }

    #[test]
    fn output_variables_reach_later_jobs_and_stages_and_matrix_legs_are_named() {
        // Azure's docs: `dependencies.J.outputs['STEP.VAR']` in the stage,
        // `stageDependencies.S.J.outputs['STEP.VAR']` and `dependencies.S.outputs['J.STEP.VAR']`
        // after it; a matrix leg's outputs are `LEG.STEP.VAR`, a runOnce deployment's
        // `JOB.STEP.VAR`. A step sees earlier steps' variables.
        let yaml = r###"stages:
- stage: A
  jobs:
  - job: build
    strategy:
      matrix:
        linux: {os: ubuntu}
        windows: {os: windows}
    steps:
    - bash: echo "##vso[task.setvariable variable=image;isOutput=true]$(os)-image"
      name: pick
  - deployment: ship
    environment: prod
    strategy:
      runOnce:
        deploy:
          steps:
          - script: echo "##vso[task.setvariable variable=url;isOutput=true]https://x"
            name: out
  - job: linuxOnly
    dependsOn: build
    condition: eq(dependencies.build.outputs['linux.pick.image'], 'ubuntu-image')
    steps:
    - script: echo '##vso[task.setvariable variable=color]blue'
    - script: echo blue
      condition: eq(variables.color, 'blue')
    - script: echo red
      condition: eq(variables.color, 'red')
  - job: never
    dependsOn: ship
    condition: eq(dependencies.ship.outputs['ship.out.url'], 'https://y')
    steps:
    - script: x
- stage: B
  condition: eq(dependencies.A.outputs['build.windows.pick.image'], 'windows-image')
  jobs:
  - job: b
    condition: eq(stageDependencies.A.ship.outputs['ship.out.url'], 'https://x')
    steps:
    - script: x
"###;
        let r = run(yaml, "manual", &[]);
        let job = |s: usize, j: usize| &r["stages"][s]["jobs"][j];
        assert_eq!(job(0, 0)["outputs"]["windows.pick.image"], "windows-image");
        assert_eq!(job(0, 0)["legs"][1]["name"], "windows");
        assert_eq!(job(0, 1)["outputs"]["ship.out.url"], "https://x");
        assert_eq!(job(0, 2)["result"], "Succeeded");
        let steps: Vec<&str> = job(0, 2)["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["result"].as_str().unwrap())
            .collect();
        assert_eq!(steps, ["Succeeded", "Succeeded", "Skipped"]);
        assert_eq!(job(0, 3)["result"], "Skipped");
        assert_eq!(r["stages"][1]["result"], "Succeeded");
        assert_eq!(job(1, 0)["result"], "Succeeded");
    }

    #[test]
    fn set_variable_commands_parse_as_the_agent_reads_them() {
        assert_eq!(
            set_variable(r###"echo "##vso[task.setvariable variable=a;isOutput=true]x y""###),
            Some(("a".into(), true, "x y".into()))
        );
        assert_eq!(
            set_variable("Write-Host '##vso[task.setvariable variable=b;issecret=false]v'"),
            Some(("b".into(), false, "v".into()))
        );
        assert_eq!(set_variable("echo ##vso[task.setvariable]v"), None);
        assert_eq!(set_variable("echo hello"), None);
    }

    #[test]
    fn triggers_parse() {
        assert_eq!(Trigger::parse("manual"), Ok(Trigger::Manual));
        assert_eq!(
            Trigger::parse("push:main:src/a.rs,docs/x.md"),
            Ok(Trigger::Push {
                branch: "main".into(),
                paths: vec!["src/a.rs".into(), "docs/x.md".into()]
            })
        );
        assert!(Trigger::parse("tag:v1").is_err());
    }
}
