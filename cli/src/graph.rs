//! `pipelab graph`: the pictures the playground draws, on the command line — each Azure
//! pipeline's stage → job graph (with a simulated run when `--fail`/`--trigger` say how it goes)
//! and each Argo Workflow's node tree after the simulated run (events from `--event`, else the
//! Workflows submitted directly) — as laid-out JSON, Graphviz DOT, Mermaid or SVG.

use std::path::PathBuf;
use std::process::ExitCode;

use pipelab_core::azure::pipeline::{self, graph as azure_graph, simulate, Options};
use pipelab_core::azure::template::Input;
use pipelab_core::detect::DocKind;
use pipelab_core::diag::render_short;
use pipelab_core::graph::{layout, svg, text, Direction, Graph, Options as LayoutOptions};
use pipelab_core::workspace::analyze;
use serde_json::json;

use crate::{files, output, run};

/// The arguments of `pipelab graph`.
#[derive(clap::Args)]
pub struct GraphArgs {
    /// Files or folders: Azure pipelines (with their templates) and/or Argo manifests.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Output format; `svg` needs exactly one graph (pick one with `--only`).
    #[arg(long, value_parser = ["json", "dot", "mermaid", "svg"])]
    pub format: String,
    /// Only the graph with this name (an Azure pipeline's file name or a Workflow's name).
    #[arg(long)]
    pub only: Option<String>,
    /// Azure: a job that fails in the simulated run, as `STAGE.JOB` (repeatable).
    #[arg(long = "fail")]
    pub fail: Vec<String>,
    /// Argo: events, seed and end of the simulated run, as for `pipelab run`.
    #[command(flatten)]
    pub sim: run::SimArgs,
}

struct Named {
    name: String,
    graph: Graph,
    options: LayoutOptions,
}

fn azure_graphs(args: &GraphArgs) -> Result<Vec<Named>, String> {
    let inputs = files::read_all(&args.paths)?;
    // Workspace names (relative to the common folder), so `file@alias` finds `@alias/file`.
    let analysis = analyze(inputs.iter().map(|f| (f.name.as_str(), f.text.as_str())));
    let files: Vec<(String, String)> = inputs
        .iter()
        .map(|f| (f.name.clone(), f.text.clone()))
        .collect();
    let mut out = Vec::new();
    for doc in analysis
        .documents
        .iter()
        .filter(|d| d.index == 0 && d.kind == DocKind::AzurePipeline)
    {
        let Some(entry) = analysis.sources.get(doc.file).map(|f| f.name.clone()) else {
            continue;
        };
        // A file of another repository (`@alias/…`) is a template, never the pipeline run.
        if entry.split('/').any(|part| part.starts_with('@')) {
            continue;
        }
        // As `expand` does: the entry's folder is the pipeline's repository (`self`), and its
        // other repositories sit in it as `@alias/`.
        let folder = entry.rsplit_once('/').map_or("", |(dir, _)| dir);
        let in_repo = |name: &str| -> Option<String> {
            if folder.is_empty() {
                Some(name.to_string())
            } else {
                name.strip_prefix(folder)?
                    .strip_prefix('/')
                    .map(str::to_string)
            }
        };
        let input = Input {
            files: files
                .iter()
                .filter_map(|(n, t)| Some((in_repo(n)?, t.clone())))
                .collect(),
            entry: in_repo(&entry).unwrap_or_default(),
            variable_groups: analysis.variable_groups.clone().unwrap_or_default(),
            ..Input::default()
        };
        let outcome = pipeline::build(&input, Options::default());
        let Some(p) = outcome.pipeline else {
            let errors: Vec<String> = outcome
                .diagnostics
                .iter()
                .map(|d| render_short(d, &outcome.sources))
                .collect();
            return Err(format!("{entry} does not expand:\n{}", errors.join("\n")));
        };
        let run = (!args.fail.is_empty()).then(|| {
            simulate::simulate(
                &p.normalized,
                &simulate::RunSpec {
                    trigger: simulate::Trigger::Manual,
                    failing: args.fail.clone(),
                    variables: Vec::new(),
                    groups: analysis.variable_groups.clone().unwrap_or_default(),
                },
            )
        });
        out.push(Named {
            name: entry,
            graph: azure_graph::stage_graph(
                &p.model(&outcome.sources),
                &outcome.sources,
                run.as_ref(),
            ),
            options: azure_graph::options(),
        });
    }
    Ok(out)
}

fn argo_graphs(args: &GraphArgs) -> Result<Vec<Named>, String> {
    let sim = run::simulate(&args.paths, &args.sim)?;
    for d in sim.diagnostics.iter().filter(|d| d.is_error()) {
        eprintln!("{}", render_short(d, &sim.sources));
    }
    Ok(sim
        .report
        .workflows
        .iter()
        .map(|w| Named {
            name: w.name.clone(),
            graph: pipelab_core::argo::graph::workflow_graph(w, None),
            options: pipelab_core::argo::graph::options(),
        })
        .collect())
}

pub fn execute(args: GraphArgs) -> Result<ExitCode, String> {
    let mut graphs = azure_graphs(&args)?;
    graphs.extend(argo_graphs(&args)?);
    if let Some(only) = &args.only {
        graphs.retain(|g| &g.name == only);
    }
    let names: Vec<&str> = graphs.iter().map(|g| g.name.as_str()).collect();
    match (args.format.as_str(), graphs.as_slice()) {
        (_, []) => Err(match &args.only {
            Some(only) => format!("no graph named '{only}'"),
            None => "no Azure pipeline or Argo Workflow to draw".into(),
        }),
        ("svg", [one]) => {
            output::emit(&svg::render(&layout(&one.graph, &one.options)))?;
            Ok(ExitCode::SUCCESS)
        }
        ("svg", _) => Err(format!(
            "{} graphs ({}); --format svg draws one: pick it with --only NAME",
            graphs.len(),
            names.join(", ")
        )),
        ("json", _) => {
            let out: Vec<_> = graphs
                .iter()
                .map(|g| json!({"name": g.name, "graph": g.graph, "layout": layout(&g.graph, &g.options)}))
                .collect();
            output::emit_line(
                &serde_json::to_string_pretty(&json!({ "graphs": out }))
                    .map_err(|e| e.to_string())?,
            )?;
            Ok(ExitCode::SUCCESS)
        }
        (format, _) => {
            for g in &graphs {
                let direction: Direction = g.options.direction;
                let body = if format == "dot" {
                    text::dot(&g.name, &g.graph, direction)
                } else {
                    format!("%% {}\n{}", g.name, text::mermaid(&g.graph, direction))
                };
                output::emit(&body)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
