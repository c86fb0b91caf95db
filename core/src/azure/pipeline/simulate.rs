//! Run simulation: whether a trigger starts the pipeline (honouring `trigger:`, `pr:`,
//! `schedules:` and `none`), then every stage and job result under Azure's condition rules
//! (default `succeeded()`, custom conditions over `dependencies`, `stageDependencies` and
//! `variables`), with the evaluated condition for each skipped item.
//!
//! **Architecture Invariant:** simulation reads only the normalised pipeline and the
//! [`RunSpec`]; job outcomes come from the spec (default: succeed), never from chance.

use serde_json::{json, Value as Json};

use super::model::{depends_on, Library, VarScope};
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

/// The context a condition is evaluated in.
struct CondContext {
    variables: Vec<(String, String)>,
    /// Direct dependencies and their results.
    dependencies: Vec<(String, Outcome)>,
    /// For jobs: earlier stages' job results.
    stage_dependencies: Vec<(String, Vec<(String, Outcome)>)>,
}

fn result_object(o: Outcome) -> Value {
    Value::Object(vec![
        ("result".into(), Value::str(o.word())),
        ("outputs".into(), Value::Object(Vec::new())),
    ])
}

impl Context for CondContext {
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
                    .map(|(k, o)| (k.clone(), result_object(*o)))
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
                                    .map(|(j, o)| (j.clone(), result_object(*o)))
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
            self.dependencies.iter().map(|(_, o)| *o).collect()
        } else {
            deps.iter()
                .filter_map(|d| {
                    self.dependencies
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(d))
                        .map(|(_, o)| *o)
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
    VarScope {
        values: vars.to_vec(),
        ..VarScope::default()
    }
    .resolve(text)
}

fn evaluate(condition: Option<&Tok>, ctx: &CondContext) -> (bool, String) {
    let text = condition
        .and_then(Tok::scalar_text)
        .unwrap_or_else(|| "succeeded()".into());
    let text = macros(text.trim(), &ctx.variables);
    match expr::evaluate(&text, &Names::runtime(), ctx) {
        Ok(v) => {
            let b = v.to_bool();
            let deps: Vec<String> = ctx
                .dependencies
                .iter()
                .map(|(k, o)| format!("{k}={}", o.word()))
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

/// Runs a job's steps: the last step that runs under the default condition fails when the job
/// is to fail; later steps see the job's status through `succeeded()`, `failed()`, `always()`.
/// `on.success` / `on.failure` hooks run by the outcome of the others.
fn run_steps(steps: &[StepRef], fails: bool, vars: &[(String, String)]) -> Vec<Json> {
    let is_outcome_hook = |s: &StepRef| s.hook.as_deref().is_some_and(|h| h.starts_with("on."));
    let failing = if fails {
        steps
            .iter()
            .rposition(|s| !is_outcome_hook(s) && s.step.get("condition").is_none())
    } else {
        None
    };
    let mut status = Outcome::Succeeded;
    let mut out = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        if let Some(h) = s.hook.as_deref().filter(|h| h.starts_with("on.")) {
            let wanted = if h == "on.success" {
                Outcome::Succeeded
            } else {
                Outcome::Failed
            };
            if status != wanted {
                out.push(json!({"name": step_name(s), "result": "Skipped", "reason": format!("The job did not end {}", if wanted == Outcome::Succeeded { "successfully" } else { "in failure" })}));
                continue;
            }
        }
        let ctx = CondContext {
            variables: vars.to_vec(),
            dependencies: vec![("previous steps".into(), status)],
            stage_dependencies: Vec::new(),
        };
        // The steps of an `on.success` / `on.failure` hook run once their hook was chosen.
        let (run, why) = if is_outcome_hook(s) && s.step.get("condition").is_none() {
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
        let result = if !run {
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
        out.push(json!({"name": step_name(s), "result": result.word(), "reason": reason}));
    }
    out
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
    let mut results: Vec<(String, Outcome)> = Vec::new();
    let mut job_results: Vec<(String, Vec<(String, Outcome)>)> = Vec::new();
    let mut out = Vec::new();
    let mut previous: Option<String> = None;
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
            variables: stage_vars.clone(),
            dependencies: deps
                .iter()
                .map(|d| {
                    let o = results
                        .iter()
                        .find(|(n, _)| n.eq_ignore_ascii_case(d))
                        .map_or(Outcome::Skipped, |(_, o)| *o);
                    (d.clone(), o)
                })
                .collect(),
            stage_dependencies: Vec::new(),
        };
        let (run, why) = evaluate(st.get("condition"), &ctx);
        let jobs = st.get("jobs").and_then(Tok::as_sequence).unwrap_or(&[]);
        let mut jobs_out = Vec::new();
        let mut this_jobs: Vec<(String, Outcome)> = Vec::new();
        for j in jobs {
            let jname = j
                .get("job")
                .or_else(|| j.get("deployment"))
                .and_then(Tok::scalar_text)
                .unwrap_or_default();
            let job_steps = steps_of(j);
            let (result, reason, steps) = if !run {
                let why = format!("Stage {name} was skipped");
                (
                    Outcome::Skipped,
                    why.clone(),
                    skipped_steps(&job_steps, &why),
                )
            } else {
                let jdeps = depends_on(j).unwrap_or_default();
                let mut job_vars = stage_vars.clone();
                static_variables(j.get("variables"), &spec.groups, &mut job_vars);
                let jctx = CondContext {
                    variables: job_vars.clone(),
                    dependencies: jdeps
                        .iter()
                        .map(|d| {
                            let o = this_jobs
                                .iter()
                                .find(|(n, _)| n.eq_ignore_ascii_case(d))
                                .map_or(Outcome::Skipped, |(_, o)| *o);
                            (d.clone(), o)
                        })
                        .collect(),
                    stage_dependencies: job_results.clone(),
                };
                let (jrun, jwhy) = evaluate(j.get("condition"), &jctx);
                if !jrun {
                    let steps = skipped_steps(&job_steps, &format!("Job {jname} was skipped"));
                    (Outcome::Skipped, jwhy, steps)
                } else {
                    let key = format!("{name}.{jname}");
                    let fails = spec.failing.iter().any(|f| {
                        f.eq_ignore_ascii_case(&key)
                            || (name == "__default" && f.eq_ignore_ascii_case(&jname))
                    });
                    let steps = run_steps(&job_steps, fails, &job_vars);
                    if fails {
                        (
                            Outcome::Failed,
                            "Failed as requested (--fail)".to_string(),
                            steps,
                        )
                    } else {
                        (Outcome::Succeeded, jwhy, steps)
                    }
                }
            };
            this_jobs.push((jname.clone(), result));
            jobs_out.push(json!({
                "name": jname,
                "result": result.word(),
                "reason": reason,
                "steps": steps,
            }));
        }
        let stage_result = if !run {
            Outcome::Skipped
        } else if this_jobs.iter().any(|(_, o)| *o == Outcome::Failed) {
            Outcome::Failed
        } else if !this_jobs.is_empty() && this_jobs.iter().all(|(_, o)| *o == Outcome::Skipped) {
            Outcome::Skipped
        } else {
            Outcome::Succeeded
        };
        results.push((name.clone(), stage_result));
        job_results.push((name.clone(), this_jobs));
        out.push(
            json!({"name": name, "result": stage_result.word(), "reason": why, "jobs": jobs_out}),
        );
    }
    json!({"triggered": true, "reason": reason, "stages": out})
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
