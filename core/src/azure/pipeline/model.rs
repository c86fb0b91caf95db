//! The pipeline model the page draws: stages with effective dependencies, jobs and deployment
//! jobs with environment, strategy, condition and pool, steps; each element with its location.

use serde_json::{json, Map, Value as Json};

use crate::azure::expr::{self, Context, DateTime, Names, Value};
use crate::azure::template::{Tok, TokKind};
use crate::diag::Sources;

/// A JSON object of `fields`, their values moved in (`json!` would copy every value through the
/// serializer: the whole model three times over, its steps inside jobs inside stages).
pub(crate) fn object<const N: usize>(fields: [(&str, Json); N]) -> Json {
    Json::Object(
        fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

fn location(t: &Tok, sources: &Sources) -> Json {
    match sources.get(t.span.file) {
        Some(f) => {
            let lc = f.line_col(t.span.start as usize);
            json!({"file": f.name, "line": lc.line, "col": lc.col})
        }
        None => Json::Null,
    }
}

/// A token as plain JSON (for pools, variables, inputs).
pub fn to_json(t: &Tok) -> Json {
    match &t.kind {
        TokKind::Null => Json::Null,
        TokKind::Bool(b) => Json::Bool(*b),
        TokKind::Number(n) => serde_json::Number::from_f64(*n).map_or(Json::Null, Json::Number),
        TokKind::String(s) => Json::String(s.clone()),
        TokKind::Sequence(items) => Json::Array(items.iter().map(to_json).collect()),
        TokKind::Mapping(m) => Json::Object(
            m.iter()
                .map(|(k, v)| (k.scalar_text().unwrap_or_default(), to_json(v)))
                .collect::<Map<_, _>>(),
        ),
    }
}

fn text(t: Option<&Tok>) -> Json {
    t.and_then(Tok::scalar_text)
        .map_or(Json::Null, Json::String)
}

/// `dependsOn` as a list; `None` when it is not written.
pub(crate) fn depends_on(t: &Tok) -> Option<Vec<String>> {
    let d = t.get("dependsOn")?;
    Some(match &d.kind {
        TokKind::Sequence(items) => items.iter().filter_map(Tok::scalar_text).collect(),
        TokKind::Null => Vec::new(),
        _ => d
            .scalar_text()
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect(),
    })
}

/// What the model resolves `$(var)` macros from: queue-time variables and the variable-group
/// library.
#[derive(Clone, Copy, Debug, Default)]
pub struct Library<'a> {
    pub variables: &'a [(String, String)],
    pub groups: &'a [(String, Vec<(String, String)>)],
    /// The run's start time, for `pipeline.startTime` in `$[ ]` variable values.
    pub start_time: Option<DateTime>,
}

/// What a `$[ ]` variable value can read while the model is built.
struct RuntimeValues<'a> {
    scope: &'a VarScope,
    start_time: Option<DateTime>,
}

impl Context for RuntimeValues<'_> {
    fn named_value(&self, name: &str) -> Option<Value> {
        if name.eq_ignore_ascii_case("variables") {
            return Some(Value::Object(
                self.scope
                    .values
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            ));
        }
        if name.eq_ignore_ascii_case("pipeline") {
            return Some(Value::Object(vec![(
                "startTime".into(),
                self.start_time.map_or(Value::Null, Value::DateTime),
            )]));
        }
        Some(Value::Object(Vec::new()))
    }
}

/// Variables in scope, in definition order (later definitions win).
#[derive(Clone, Debug, Default)]
pub(crate) struct VarScope {
    pub(crate) values: Vec<(String, String)>,
    pub(crate) groups: Vec<Json>,
}

impl VarScope {
    /// Sets a variable; a `$[ ]` value is evaluated now when it can be (a counter starts at its
    /// seed), else kept as written.
    pub(crate) fn set_evaluated(&mut self, name: String, value: String, library: &Library) {
        let t = value.trim();
        let evaluated = t
            .strip_prefix("$[")
            .and_then(|r| r.strip_suffix(']'))
            .and_then(|e| {
                let ctx = RuntimeValues {
                    scope: self,
                    start_time: library.start_time,
                };
                expr::evaluate(e.trim(), &Names::runtime(), &ctx).ok()
            })
            .and_then(|v| v.to_display());
        self.set(name, evaluated.unwrap_or(value));
    }

    pub(crate) fn set(&mut self, name: String, value: String) {
        self.values.retain(|(k, _)| !k.eq_ignore_ascii_case(&name));
        self.values.push((name, value));
    }

    /// Adds a `variables:` block (mapping or list form, with groups from the library).
    pub(crate) fn add(&mut self, vars: Option<&Tok>, library: &Library) {
        match vars.map(|v| &v.kind) {
            Some(TokKind::Mapping(m)) => {
                for (k, v) in m {
                    self.set_evaluated(
                        k.scalar_text().unwrap_or_default(),
                        v.scalar_text().unwrap_or_default(),
                        library,
                    );
                }
            }
            Some(TokKind::Sequence(items)) => {
                for i in items {
                    if let Some(group) = i.get("group").and_then(Tok::scalar_text) {
                        let found = library
                            .groups
                            .iter()
                            .find(|(g, _)| g.eq_ignore_ascii_case(&group));
                        self.groups
                            .push(json!({"name": group, "inLibrary": found.is_some()}));
                        for (k, v) in found.map(|(_, vars)| vars.as_slice()).unwrap_or(&[]) {
                            self.set(k.clone(), v.clone());
                        }
                    } else if let Some(name) = i.get("name").and_then(Tok::scalar_text) {
                        self.set_evaluated(
                            name,
                            i.get("value")
                                .and_then(Tok::scalar_text)
                                .unwrap_or_default(),
                            library,
                        );
                    }
                }
            }
            _ => {}
        }
    }

    fn to_json(&self) -> Json {
        object([
            (
                "values",
                Json::Object(
                    self.values
                        .iter()
                        .map(|(k, v)| (k.clone(), Json::String(v.clone())))
                        .collect::<Map<_, _>>(),
                ),
            ),
            ("groups", Json::Array(self.groups.clone())),
        ])
    }

    /// Replaces `$(name)` macros whose value is known; unknown macros stay, as Azure leaves them.
    pub(crate) fn resolve(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("$(") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            match after.find(')') {
                Some(end) => {
                    let name = &after[..end];
                    match self
                        .values
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                    {
                        Some((_, v)) => out.push_str(v),
                        None => out.push_str(&rest[start..start + 2 + end + 1]),
                    }
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }
}

/// Builds the model from the normalised pipeline.
pub fn build(normalized: &Tok, sources: &Sources) -> Json {
    build_with(normalized, sources, &Library::default())
}

/// Builds the model, resolving variables and macros from `library`.
pub fn build_with(normalized: &Tok, sources: &Sources, library: &Library) -> Json {
    let mut root_vars = VarScope::default();
    for (k, v) in library.variables {
        root_vars.set(k.clone(), v.clone());
    }
    root_vars.add(normalized.get("variables"), library);
    let mut stages = Vec::new();
    let mut previous: Option<String> = None;
    for st in normalized
        .get("stages")
        .and_then(Tok::as_sequence)
        .unwrap_or(&[])
    {
        let name = st
            .get("stage")
            .and_then(Tok::scalar_text)
            .unwrap_or_default();
        // Stages run one after the other unless dependsOn says otherwise.
        let deps = depends_on(st).unwrap_or_else(|| previous.iter().cloned().collect());
        let mut stage_vars = root_vars.clone();
        stage_vars.groups.clear();
        stage_vars.add(st.get("variables"), library);
        let jobs: Vec<Json> = st
            .get("jobs")
            .and_then(Tok::as_sequence)
            .unwrap_or(&[])
            .iter()
            .map(|j| job(j, sources, &stage_vars, library))
            .collect();
        stages.push(object([
            ("name", Json::from(name.as_str())),
            ("displayName", text(st.get("displayName"))),
            ("dependsOn", Json::from(deps)),
            ("condition", text(st.get("condition"))),
            ("pool", st.get("pool").map_or(Json::Null, to_json)),
            ("variables", stage_vars.to_json()),
            ("jobs", Json::Array(jobs)),
            ("location", location(st, sources)),
        ]));
        previous = Some(name);
    }
    object([
        ("name", text(normalized.get("name"))),
        (
            "trigger",
            normalized.get("trigger").map_or(Json::Null, to_json),
        ),
        ("pr", normalized.get("pr").map_or(Json::Null, to_json)),
        ("variables", root_vars.to_json()),
        ("pool", normalized.get("pool").map_or(Json::Null, to_json)),
        ("stages", Json::Array(stages)),
    ])
}

/// The legs a job runs as, with each leg's variables: one per `strategy.matrix` entry, or
/// `parallel: N` copies (named `JOB 1` … `JOB N`); none for a plain or deployment job. A matrix
/// given as a runtime expression (`$[ … ]`) is not known before the run: none either.
pub(crate) fn job_legs(j: &Tok, name: &str) -> Vec<(String, Vec<(String, String)>)> {
    let Some(st) = j.get("strategy").filter(|_| j.get("deployment").is_none()) else {
        return Vec::new();
    };
    match (st.get("matrix"), st.get("parallel")) {
        (Some(m), _) => m
            .as_mapping()
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, v)| {
                let vars = v
                    .as_mapping()
                    .unwrap_or(&[])
                    .iter()
                    .filter_map(|(vk, vv)| Some((vk.scalar_text()?, vv.scalar_text()?)))
                    .collect();
                Some((k.scalar_text()?, vars))
            })
            .collect(),
        (None, Some(p)) => {
            let n = p
                .scalar_text()
                .and_then(|t| t.trim().parse::<usize>().ok())
                .unwrap_or(1)
                .min(1000);
            (1..=n)
                .map(|i| (format!("{name} {i}"), Vec::new()))
                .collect()
        }
        _ => Vec::new(),
    }
}

fn job(j: &Tok, sources: &Sources, stage_vars: &VarScope, library: &Library) -> Json {
    let mut vars = stage_vars.clone();
    vars.groups.clear();
    vars.add(j.get("variables"), library);
    let deployment = j.get("deployment").is_some();
    let name = j
        .get(if deployment { "deployment" } else { "job" })
        .and_then(Tok::scalar_text)
        .unwrap_or_default();
    let environment = j.get("environment").map(|e| match &e.kind {
        TokKind::Mapping(_) => json!({
            "name": text(e.get("name")),
            "resourceName": text(e.get("resourceName")),
            "resourceType": text(e.get("resourceType")),
        }),
        _ => {
            let full = e.scalar_text().unwrap_or_default();
            match full.split_once('.') {
                Some((env, res)) => json!({"name": env, "resourceName": res}),
                None => json!({"name": full, "resourceName": null}),
            }
        }
    });
    let strategy = j.get("strategy").map(|s| {
        let kind = s
            .as_mapping()
            .and_then(|m| m.first())
            .and_then(|(k, _)| k.scalar_text());
        object([("kind", Json::from(kind)), ("spec", to_json(s))])
    });
    let legs: Vec<String> = job_legs(j, &name).into_iter().map(|(l, _)| l).collect();
    let mut steps = Vec::new();
    collect_steps(j, &mut steps, sources, None, &vars);
    object([
        ("name", Json::from(name)),
        (
            "kind",
            Json::from(if deployment { "deployment" } else { "job" }),
        ),
        ("displayName", text(j.get("displayName"))),
        ("dependsOn", Json::from(depends_on(j).unwrap_or_default())),
        ("condition", text(j.get("condition"))),
        ("pool", j.get("pool").map_or(Json::Null, to_json)),
        ("environment", environment.unwrap_or(Json::Null)),
        ("strategy", strategy.unwrap_or(Json::Null)),
        ("legs", Json::from(legs)),
        ("variables", vars.to_json()),
        ("steps", Json::Array(steps)),
        ("location", location(j, sources)),
    ])
}

/// Steps of a job, or of every lifecycle hook of a deployment (tagged with the hook).
fn collect_steps(
    t: &Tok,
    out: &mut Vec<Json>,
    sources: &Sources,
    hook: Option<&str>,
    vars: &VarScope,
) {
    if let Some(steps) = t.get("steps").and_then(Tok::as_sequence) {
        for s in steps {
            let kind = s
                .as_mapping()
                .and_then(|m| m.first())
                .and_then(|(k, _)| k.scalar_text());
            let inputs: Map<String, Json> = s
                .get("inputs")
                .and_then(Tok::as_mapping)
                .unwrap_or(&[])
                .iter()
                .map(|(k, v)| {
                    let value = v
                        .scalar_text()
                        .map_or_else(|| to_json(v), |t| Json::String(vars.resolve(&t)));
                    (k.scalar_text().unwrap_or_default(), value)
                })
                .collect();
            out.push(object([
                ("kind", Json::from(kind)),
                ("task", text(s.get("task"))),
                ("inputs", Json::Object(inputs)),
                ("displayName", text(s.get("displayName"))),
                ("condition", text(s.get("condition"))),
                ("hook", Json::from(hook)),
                ("location", location(s, sources)),
            ]));
        }
    }
    if let Some(TokKind::Mapping(m)) = t.get("strategy").map(|s| &s.kind) {
        for (_, spec) in m {
            for (hk, hv) in spec.as_mapping().unwrap_or(&[]) {
                let h = hk.scalar_text().unwrap_or_default();
                if h == "on" {
                    for (ok, ov) in hv.as_mapping().unwrap_or(&[]) {
                        let name = format!("on.{}", ok.scalar_text().unwrap_or_default());
                        collect_steps(ov, out, sources, Some(&name), vars);
                    }
                } else {
                    collect_steps(hv, out, sources, Some(&h), vars);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::pipeline::{build as build_pipeline, Options};
    use crate::azure::template::Input;

    #[test]
    fn runtime_variable_values_and_macros_resolve_with_the_given_start_time() {
        let yaml = "variables:\n  major: 1\n  day: $[ format('{0:yyyyMMdd}', pipeline.startTime) ]\n  minor: $[ counter(variables['major'], 100) ]\n  later: $[ variables.unknownUntilRunTime ]\nsteps:\n- script: echo $(major).$(minor)-$(day) $(later)\n";
        let input = Input {
            files: vec![("p.yml".into(), yaml.into())],
            entry: "p.yml".into(),
            ..Input::default()
        };
        let outcome = build_pipeline(&input, Options::default());
        let p = outcome.pipeline.expect("pipeline");
        let library = Library {
            start_time: DateTime::parse_iso("2026-01-02T03:04:05Z"),
            ..Library::default()
        };
        let model = p.model_with(&outcome.sources, &library);
        let values = &model["variables"]["values"];
        assert_eq!(values["day"], "20260102");
        assert_eq!(values["minor"], "100");
        // A value that reads nothing known stays as the run would see it: empty.
        assert_eq!(values["later"], "");
        assert_eq!(
            model["stages"][0]["jobs"][0]["steps"][0]["inputs"]["script"],
            "echo 1.100-20260102 "
        );
        // Without a start time the value stays an expression for the run.
        assert_eq!(model["stages"][0]["jobs"][0]["legs"], serde_json::json!([]));
        let model = p.model(&outcome.sources);
        assert_eq!(
            model["variables"]["values"]["day"],
            "$[ format('{0:yyyyMMdd}', pipeline.startTime) ]"
        );
    }
}

#[cfg(test)]
mod legs {
    use crate::azure::pipeline::{build, Options};
    use crate::azure::template::Input;

    #[test]
    fn matrix_and_parallel_jobs_list_their_legs() {
        let yaml = "jobs:\n- job: test\n  strategy:\n    matrix:\n      linux: { image: ubuntu }\n      windows: { image: windows }\n  steps:\n  - script: x\n- job: shard\n  strategy:\n    parallel: 3\n  steps:\n  - script: x\n";
        let input = Input {
            files: vec![("p.yml".into(), yaml.into())],
            entry: "p.yml".into(),
            ..Input::default()
        };
        let outcome = build(&input, Options::default());
        let model = outcome.pipeline.expect("pipeline").model(&outcome.sources);
        let jobs = &model["stages"][0]["jobs"];
        assert_eq!(jobs[0]["legs"], serde_json::json!(["linux", "windows"]));
        assert_eq!(
            jobs[1]["legs"],
            serde_json::json!(["shard 1", "shard 2", "shard 3"])
        );
    }
}
