//! `pipelab run`: loads manifests, fires events (or submits the Workflows), prints what the
//! simulated cluster did, as DESIGN.md's JSON contract or as text.

use std::path::PathBuf;
use std::process::ExitCode;

use pipelab_core::argo::events::EventSpec;
use pipelab_core::argo::model::{lint, Manifests};
use pipelab_core::argo::run::{run, RunConfig, RunReport, Step};
use pipelab_core::argo::workflow::WorkflowAction;
use pipelab_core::diag::{Diagnostic, Sources};
use pipelab_core::sim::parse_duration;
use pipelab_core::yaml;
use serde_json::{json, Value};

use crate::{files, output};

/// How the simulated cluster runs (shared by `pipelab run` and `pipelab graph`).
#[derive(clap::Args)]
pub struct SimArgs {
    /// An event to fire: `EVENTSOURCE/EVENTNAME=JSON` (a webhook body), optionally followed by
    /// `@header:Name=Value`, or `calendar:EVENTSOURCE/EVENTNAME`. Repeat to fire several, one
    /// simulated second apart. Without any (and without --fire), each `kind: Workflow` is
    /// submitted directly.
    #[arg(long = "event")]
    pub events: Vec<String>,
    /// An event to fire at a simulated time: `TIME:SPEC`, SPEC as for --event (e.g.
    /// `0s:webhook/build={"commit":"a1"}`). Repeatable; events with the same TIME arrive
    /// together, in the order given (before any --action at that time); a TIME before the last
    /// --event's second is right after it.
    #[arg(long = "fire")]
    pub fires: Vec<String>,
    /// Seed of the simulation's random numbers (generated names, ...).
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Stop at this simulated time (`90s`, `10m`, `2h`).
    #[arg(long, default_value = "24h")]
    pub until: String,
    /// Act on a Workflow at a simulated time, as `argo ACTION WORKFLOW` would:
    /// `TIME:ACTION[:WORKFLOW]` with ACTION one of stop, terminate, suspend, resume, retry,
    /// retry-successful=SELECTOR (`--restart-successful --node-field-selector SELECTOR`),
    /// resubmit, delete, or
    /// node-set=SELECTOR;output-parameter=NAME=VALUE;message=TEXT;phase=PHASE (`argo node set
    /// --node-field-selector SELECTOR --output-parameter NAME=VALUE --message TEXT --phase
    /// PHASE`: each `;` part optional, output-parameter repeatable, no `:` in it); without
    /// WORKFLOW, the one created last (`@latest`). Repeatable; an action before the last
    /// event's second happens right after it.
    #[arg(long = "action")]
    pub actions: Vec<String>,
}

/// Parses `--action TIME:ACTION[:WORKFLOW]`.
fn parse_action(text: &str) -> Result<(u64, WorkflowAction, Option<String>), String> {
    let mut parts = text.splitn(3, ':');
    let (Some(time), Some(action)) = (parts.next(), parts.next()) else {
        return Err(format!(
            "invalid --action '{text}': expected TIME:ACTION[:WORKFLOW]"
        ));
    };
    let at = parse_duration(time)
        .ok_or_else(|| format!("invalid --action '{text}': invalid time '{time}'"))?;
    let action =
        WorkflowAction::parse(action).map_err(|e| format!("invalid --action '{text}': {e}"))?;
    let workflow = parts.next().filter(|w| !w.is_empty()).map(str::to_string);
    Ok((at, action, workflow))
}

/// The scripted session of the `--fire`s and `--action`s after the `--event`s (one second
/// apart from 0): each at its time, events before actions at the same time. Without any
/// event, the Workflows are submitted first.
fn session_steps(fires: &[String], actions: &[String], events: usize) -> Result<Vec<Step>, String> {
    if fires.is_empty() && actions.is_empty() {
        return Ok(Vec::new());
    }
    let mut timed = Vec::new();
    for f in fires {
        let (at, spec) =
            EventSpec::parse_timed(f).map_err(|e| format!("invalid --fire '{f}': {e}"))?;
        timed.push((at, 0, Step::FireNow(spec)));
    }
    for a in actions {
        let (at, action, workflow) = parse_action(a)?;
        timed.push((at, 1, Step::Workflow { action, workflow }));
    }
    timed.sort_by_key(|(at, order, _)| (*at, *order));
    let mut steps = Vec::new();
    if events == 0 && fires.is_empty() {
        steps.push(Step::Submit);
    }
    let mut now = events as u64 * 1000;
    for (at, _, step) in timed {
        if at > now {
            steps.push(Step::Wait(at - now));
            now = at;
        }
        steps.push(step);
    }
    Ok(steps)
}

/// The arguments of `pipelab run`.
#[derive(clap::Args)]
pub struct RunArgs {
    /// Files or folders with manifests (multi-document YAML; `kind:` decides).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    pub sim: SimArgs,
    /// Output format.
    #[arg(long, default_value = "json", value_parser = ["json", "text"])]
    pub format: String,
}

/// What a simulation run produced, with every problem found on the way.
pub struct Simulated {
    pub report: RunReport,
    pub diagnostics: Vec<Diagnostic>,
    pub sources: Sources,
}

/// Loads the manifests of `paths` and runs the simulated cluster as `sim` says.
pub fn simulate(paths: &[PathBuf], sim: &SimArgs) -> Result<Simulated, String> {
    let until = parse_duration(&sim.until)
        .ok_or_else(|| format!("invalid --until duration '{}'", sim.until))?;
    let events = sim
        .events
        .iter()
        .map(|e| EventSpec::parse(e))
        .collect::<Result<Vec<_>, _>>()?;
    let inputs = files::read_all(paths)?;
    let mut sources = Sources::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut docs = Vec::new();
    for f in &inputs {
        let id = sources.add(f.display.clone(), f.text.clone());
        let loaded = yaml::load(id, &f.text);
        diagnostics.extend(loaded.diagnostics);
        docs.extend(loaded.documents.into_iter().map(|d| (id, d.root)));
    }
    let manifests =
        Manifests::from_documents(docs.iter().map(|(id, n)| (*id, n)), &mut diagnostics);
    lint::lint(&manifests, &mut diagnostics);
    let steps = session_steps(&sim.fires, &sim.actions, events.len())?;
    let config = RunConfig {
        seed: sim.seed,
        until,
        events,
        steps,
        ..RunConfig::default()
    };
    let report = run(&manifests, &config);
    diagnostics.extend(report.diagnostics.iter().cloned());
    for w in &report.workflows {
        diagnostics.extend(w.diagnostics.iter().cloned());
    }
    pipelab_core::diag::sort(&mut diagnostics);
    Ok(Simulated {
        report,
        diagnostics,
        sources,
    })
}

pub fn execute(args: RunArgs) -> Result<ExitCode, String> {
    let Simulated {
        report,
        diagnostics,
        sources,
    } = simulate(&args.paths, &args.sim)?;
    if args.format == "json" {
        let out = to_json(&report, &diagnostics, &sources);
        output::emit_line(&serde_json::to_string_pretty(&out).map_err(|e| e.to_string())?)?;
    } else {
        output::emit(&to_text(&report, &diagnostics, &sources))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn secs(ms: u64) -> Value {
    if ms.is_multiple_of(1000) {
        json!(ms / 1000)
    } else {
        json!(ms as f64 / 1000.0)
    }
}

fn diagnostic_json(d: &Diagnostic, sources: &Sources) -> Value {
    let (file, line, col) = match d.span().and_then(|s| Some((s, sources.get(s.file)?))) {
        Some((s, f)) => {
            let lc = f.line_col(s.start as usize);
            (f.name.clone(), lc.line, lc.col)
        }
        None => (String::new(), 0, 0),
    };
    json!({"file": file, "line": line, "col": col, "severity": d.severity.as_str(), "message": d.message})
}

/// DESIGN.md's JSON shape.
pub fn to_json(report: &RunReport, diagnostics: &[Diagnostic], sources: &Sources) -> Value {
    let workflows: Vec<Value> = report
        .workflows
        .iter()
        .map(|w| {
            let (progress, each) = w.progress();
            let nodes: Vec<Value> = w
                .nodes
                .iter()
                .zip(&each)
                .map(|(n, p)| {
                    json!({
                        "id": n.id, "name": n.name, "displayName": n.display_name,
                        "type": n.node_type, "phase": n.phase.as_str(), "message": n.message,
                        "progress": p.to_string(),
                        "startedAt": secs(n.started_at),
                        "finishedAt": n.finished_at.map(secs),
                        "logs": n.logs,
                        "outputs": {
                            "result": n.outputs.result, "parameters": n.outputs.parameters,
                            "exitCode": n.outputs.exit_code,
                        },
                    })
                })
                .collect();
            let mut v = json!({"name": w.name, "namespace": w.namespace, "phase": w.phase.as_str(), "message": w.message,
                   "progress": progress.to_string(),
                   "startedAt": secs(w.started_at), "finishedAt": w.finished_at.map(secs), "nodes": nodes});
            if let Some(t) = w.deleted_at {
                v["deletedAt"] = secs(t);
            }
            v
        })
        .collect();
    let triggers: Vec<Value> = report
        .triggers
        .iter()
        .map(|t| {
            let mut v = json!({"sensor": t.sensor, "trigger": t.trigger, "fired": t.fired, "time": secs(t.time)});
            if let Some(e) = &t.error {
                v["error"] = json!(e);
            }
            if let Some(w) = &t.workflow {
                v["workflow"] = json!(w);
            }
            if let Some(m) = &t.dlq_of {
                v["dlqOf"] = json!(m);
            }
            v
        })
        .collect();
    let events: Vec<Value> = report
        .events
        .iter()
        .map(|e| json!({"event": e.event, "status": e.status, "response": e.response, "time": secs(e.time), "payload": e.payload}))
        .collect();
    json!({
        "events": events,
        "triggers": triggers,
        "workflows": workflows,
        "diagnostics": diagnostics.iter().map(|d| diagnostic_json(d, sources)).collect::<Vec<_>>(),
    })
}

fn to_text(report: &RunReport, diagnostics: &[Diagnostic], sources: &Sources) -> String {
    let mut out = String::new();
    for e in &report.events {
        out.push_str(&format!(
            "event {} at {}s: HTTP {} {}\n",
            e.event,
            e.time / 1000,
            e.status,
            e.response
        ));
    }
    for t in &report.triggers {
        out.push_str(&format!(
            "trigger {}/{}{} at {}s: {}{}\n",
            t.sensor,
            t.trigger,
            t.dlq_of
                .as_ref()
                .map(|m| format!(" (dlqTrigger of {m})"))
                .unwrap_or_default(),
            secs(t.time),
            if t.fired { "fired" } else { "not fired" },
            t.error
                .as_ref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        ));
    }
    for w in &report.workflows {
        out.push_str(&format!(
            "\nWorkflow {}: {}{}\n",
            w.name,
            w.phase.as_str(),
            if w.message.is_empty() {
                String::new()
            } else {
                format!(" ({})", w.message)
            }
        ));
        for n in &w.nodes {
            let depth = n.name.matches('.').count() + n.name.matches('[').count();
            out.push_str(&format!(
                "  {}{} {} {} {}s-{}{}\n",
                "  ".repeat(depth.min(10)),
                n.display_name,
                n.node_type,
                n.phase.as_str(),
                n.started_at / 1000,
                n.finished_at
                    .map(|f| format!("{}s", f / 1000))
                    .unwrap_or_else(|| "…".into()),
                if n.message.is_empty() {
                    String::new()
                } else {
                    format!(" {}", n.message)
                }
            ));
            for l in &n.logs {
                out.push_str(&format!("  {}| {l}\n", "  ".repeat(depth.min(10) + 1)));
            }
        }
    }
    for d in diagnostics {
        out.push_str(&pipelab_core::diag::render_short(d, sources));
        out.push('\n');
    }
    out
}
