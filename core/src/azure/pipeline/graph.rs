//! The stage → job picture of an expanded pipeline, as Azure DevOps draws a run: one card per
//! stage listing its jobs (deployment jobs badged with their environment and strategy), arrows for
//! the stages' effective dependencies (Azure's implicit sequential order included), and — given a
//! simulated run — each stage's and job's result, with the reason for a skipped one as tooltip.
//!
//! **Architecture Invariant:** built from the pipeline model ([`super::Pipeline::model`]) and the
//! simulation's JSON only, so the picture says exactly what those say; ids are `stage:NAME` and
//! `job:STAGE.JOB` (the simulation's `--fail` key after the prefix).

use serde_json::Value as Json;

use crate::diag::{LineCol, Sources};
use crate::graph::{svg, Direction, Graph, Look, Node, Options, Row, SourceRef};

/// The id of a stage's node.
pub fn stage_id(stage: &str) -> String {
    format!("stage:{stage}")
}

/// The id of a job's row; the part after `job:` is the simulation's `STAGE.JOB` key.
pub fn job_id(stage: &str, job: &str) -> String {
    format!("job:{stage}.{job}")
}

fn text<'a>(v: &'a Json, key: &str) -> &'a str {
    v.get(key).and_then(Json::as_str).unwrap_or("")
}

fn items<'a>(v: &'a Json, key: &str) -> &'a [Json] {
    v.get(key)
        .and_then(Json::as_array)
        .map_or(&[], Vec::as_slice)
}

fn named<'a>(list: &'a [Json], name: &str) -> Option<&'a Json> {
    list.iter().find(|x| text(x, "name") == name)
}

/// The model's `location` (file, 1-based line and column) as the byte range of that line's rest.
fn source(v: &Json, sources: &Sources) -> Option<SourceRef> {
    let loc = v.get("location")?;
    let file = sources.get(sources.find(loc.get("file")?.as_str()?)?)?;
    let pos = LineCol {
        line: u32::try_from(loc.get("line")?.as_u64()?).ok()?,
        col: u32::try_from(loc.get("col")?.as_u64()?).ok()?,
    };
    let start = file.lines.offset(&file.text, pos);
    let end = file.text[start..]
        .find('\n')
        .map_or(file.text.len(), |n| start + n);
    Some(SourceRef {
        file: file.name.clone(),
        start,
        end,
    })
}

/// Result and tooltip of a stage or job in the simulation (empty without one).
fn outcome(run: Option<&Json>) -> (String, String) {
    match run {
        Some(r) => {
            let result = text(r, "result").to_string();
            let reason = text(r, "reason");
            let tooltip = if reason.is_empty() {
                result.clone()
            } else {
                format!("{result}: {reason}")
            };
            (result, tooltip)
        }
        None => (String::new(), String::new()),
    }
}

fn job_badges(job: &Json) -> Vec<String> {
    let mut badges = Vec::new();
    if let Some(env) = job.get("environment").filter(|e| !e.is_null()) {
        let name = text(env, "name");
        let resource = text(env, "resourceName");
        badges.push(if resource.is_empty() {
            format!("env {name}")
        } else {
            format!("env {name}.{resource}")
        });
    }
    if let Some(kind) = job
        .get("strategy")
        .and_then(|s| s.get("kind"))
        .and_then(Json::as_str)
    {
        badges.push(kind.to_string());
    }
    let legs = items(job, "legs").len();
    if legs > 0 {
        badges.push(format!("{legs} legs"));
    }
    badges
}

/// The stage → job graph of `model`, with results from `run` (the simulation's JSON) if given.
pub fn stage_graph(model: &Json, sources: &Sources, run: Option<&Json>) -> Graph {
    let mut graph = Graph::default();
    let run_stages = run.map_or(&[][..], |r| items(r, "stages"));
    for (i, stage) in items(model, "stages").iter().enumerate() {
        let name = text(stage, "name");
        let run_stage = named(run_stages, name);
        let run_jobs = run_stage.map_or(&[][..], |s| items(s, "jobs"));
        let rows = items(stage, "jobs")
            .iter()
            .map(|job| {
                let jname = text(job, "name");
                let (status, tooltip) = outcome(named(run_jobs, jname));
                let display = text(job, "displayName");
                Row {
                    id: job_id(name, jname),
                    label: if display.is_empty() { jname } else { display }.to_string(),
                    kind: text(job, "kind").to_string(),
                    status,
                    badges: job_badges(job),
                    source: source(job, sources),
                    tooltip,
                }
            })
            .collect();
        let (status, tooltip) = outcome(run_stage);
        let display = text(stage, "displayName");
        let look = Look {
            kind: "stage".into(),
            status,
            badges: Vec::new(),
            rows,
            source: source(stage, sources),
            tooltip,
        };
        let label = if display.is_empty() { name } else { display }.to_string();
        let (width, height) = svg::measure(&label, &look);
        let mut node = Node::new(stage_id(name), i as u64);
        node.label = label;
        node.width = width;
        node.height = height;
        node.look = look;
        graph.nodes.push(node);
        for dep in items(stage, "dependsOn").iter().filter_map(Json::as_str) {
            graph
                .edges
                .push(crate::graph::Edge::new(stage_id(dep), stage_id(name)));
        }
    }
    graph
}

/// The environments the deployments reach, as a matrix: a row per stage with deployment jobs, a
/// column per deployment job name (the dimension the expansion produced — regions in the source
/// post), each cell the environment (`name` or `name.resource`) and the job's row id.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Environments {
    pub columns: Vec<String>,
    pub rows: Vec<EnvironmentRow>,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EnvironmentRow {
    pub stage: String,
    /// One per column: `(environment, job id)`, or `None` where the stage has no such job.
    pub cells: Vec<Option<(String, String)>>,
}

/// A stage's deployment jobs: (job name, environment, job id).
type Deployments = Vec<(String, String, String)>;

/// The environments matrix of `model`.
pub fn environments(model: &Json) -> Environments {
    let mut out = Environments::default();
    let mut found: Vec<(String, Deployments)> = Vec::new();
    for stage in items(model, "stages") {
        let name = text(stage, "name");
        let deployments: Deployments = items(stage, "jobs")
            .iter()
            .filter_map(|job| {
                let env = job.get("environment").filter(|e| !e.is_null())?;
                let resource = text(env, "resourceName");
                let target = if resource.is_empty() {
                    text(env, "name").to_string()
                } else {
                    format!("{}.{resource}", text(env, "name"))
                };
                let jname = text(job, "name");
                Some((jname.to_string(), target, job_id(name, jname)))
            })
            .collect();
        for (job, ..) in &deployments {
            if !out.columns.contains(job) {
                out.columns.push(job.clone());
            }
        }
        if !deployments.is_empty() {
            found.push((name.to_string(), deployments));
        }
    }
    for (stage, deployments) in found {
        let cells = out
            .columns
            .iter()
            .map(|c| {
                deployments
                    .iter()
                    .find(|(job, ..)| job == c)
                    .map(|(_, target, id)| (target.clone(), id.clone()))
            })
            .collect();
        out.rows.push(EnvironmentRow { stage, cells });
    }
    out
}

/// How stage graphs are laid out: left to right, as Azure DevOps draws stages; no fan-out
/// collapsing (every stage is shown).
pub fn options() -> Options {
    Options {
        direction: Direction::LeftToRight,
        fan_out_limit: None,
        rank_gap: 48.0,
        node_gap: 20.0,
        ..Options::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::azure::pipeline::{build, simulate, Options as BuildOptions};
    use crate::examples;
    use crate::graph::layout;

    fn example() -> (Json, Sources, Json) {
        let ex = examples::find("azure-dynamic-multistage").unwrap();
        let input = ex.azure_input();
        let outcome = build(&input, BuildOptions::default());
        let p = outcome.pipeline.expect("pipeline");
        let spec = simulate::RunSpec {
            trigger: simulate::Trigger::Manual,
            failing: vec!["build.build".into()],
            variables: Vec::new(),
            groups: Vec::new(),
        };
        let run = simulate::simulate(&p.normalized, &spec);
        (p.model(&outcome.sources), outcome.sources, run)
    }

    #[test]
    fn stages_with_their_jobs_dependencies_and_results() {
        let (model, sources, run) = example();
        let g = stage_graph(&model, &sources, Some(&run));
        let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
        assert_eq!(ids, ["stage:build", "stage:dev", "stage:prod"]);
        let edges: Vec<(&str, &str)> = g
            .edges
            .iter()
            .map(|e| (e.from.as_str(), e.to.as_str()))
            .collect();
        assert_eq!(
            edges,
            [("stage:build", "stage:dev"), ("stage:dev", "stage:prod")]
        );
        let prod = &g.nodes[2].look;
        assert_eq!(prod.status, "Skipped");
        assert!(prod.tooltip.starts_with("Skipped: "), "{}", prod.tooltip);
        let rows: Vec<(&str, &[String])> = prod
            .rows
            .iter()
            .map(|r| (r.id.as_str(), r.badges.as_slice()))
            .collect();
        assert_eq!(
            rows,
            [
                (
                    "job:prod.deploy_eus",
                    &["env prod_eus".to_string(), "runOnce".to_string()][..]
                ),
                (
                    "job:prod.deploy_wus",
                    &["env prod_wus".to_string(), "runOnce".to_string()][..]
                ),
            ]
        );
        let build_job = &g.nodes[0].look.rows[0];
        assert_eq!(build_job.status, "Failed");
        let src = build_job.source.as_ref().expect("source");
        assert_eq!(src.file, "@templates/environments.yml");
        let file = sources.get(sources.find(&src.file).unwrap()).unwrap();
        assert!(file.text[src.start..src.end].starts_with("job: build"));
    }

    #[test]
    fn the_environments_matrix_of_the_multi_region_example() {
        let (model, _, _) = example();
        let m = environments(&model);
        assert_eq!(m.columns, ["deploy_wus", "deploy_eus"]);
        let cell = |r: usize, c: usize| m.rows[r].cells[c].as_ref().map(|(env, _)| env.as_str());
        assert_eq!(m.rows[0].stage, "dev");
        assert_eq!((cell(0, 0), cell(0, 1)), (Some("dev_wus"), None));
        assert_eq!(m.rows[1].stage, "prod");
        assert_eq!(
            (cell(1, 0), cell(1, 1)),
            (Some("prod_wus"), Some("prod_eus"))
        );
        assert_eq!(
            m.rows[1].cells[1].as_ref().unwrap().1,
            "job:prod.deploy_eus"
        );
    }

    #[test]
    fn the_drawing_is_left_to_right_and_every_row_is_clickable() {
        let (model, sources, run) = example();
        let g = stage_graph(&model, &sources, Some(&run));
        let l = layout(&g, &options());
        assert!(l.nodes[0].x < l.nodes[1].x && l.nodes[1].x < l.nodes[2].x);
        let svg = svg::render(&l);
        for id in [
            "stage:build",
            "job:build.build",
            "job:dev.deploy_wus",
            "job:prod.deploy_eus",
        ] {
            assert!(svg.contains(&format!("data-id=\"{id}\"")), "{id}");
        }
        assert!(svg.contains("pl-status-failed"));
        if let Ok(path) = std::env::var("PIPELAB_DUMP_SVG") {
            std::fs::write(path, &svg).unwrap();
        }
        assert!(svg.contains("env prod_eus · runOnce"));
    }
}
