//! A Workflow's node tree as the Argo UI draws it: one node per status node (Argo's names, types
//! and phases, coloured by phase), arrows from each node to its children, top to bottom, fan-outs
//! wider than three collapsed into "N hidden nodes". At a chosen simulated time the picture shows
//! the nodes that existed then, each in the phase it had then (the run's trace), so the page can
//! scrub through a run.
//!
//! **Architecture Invariant:** built from the run's status nodes and trace only; node ids are the
//! status nodes' ids.

use std::collections::BTreeMap;

use crate::argo::model::{EventSource, Kind, Manifests, Sensor};
use crate::argo::run::RunReport;
use crate::argo::workflow::WorkflowRun;
use crate::graph::{svg, Edge, Graph, Look, Node, Options};
use crate::sim::Millis;

/// Each node's phase at `time` (the last phase the trace recorded by then); nodes not created
/// yet are absent.
pub fn phases_at(run: &WorkflowRun, time: Millis) -> BTreeMap<&str, &str> {
    let mut phases = BTreeMap::new();
    for e in run.trace.until(time).filter(|e| e.what == "phase") {
        // A retry deletes nodes from the status (a reset node comes back under its id).
        if e.value == "Deleted" {
            phases.remove(e.subject.as_str());
        } else {
            phases.insert(e.subject.as_str(), &*e.value);
        }
    }
    phases
}

fn seconds(ms: Millis) -> String {
    let s = ms as f64 / 1000.0;
    if s.fract() == 0.0 {
        format!("{s:.0}s")
    } else {
        format!("{s:.1}s")
    }
}

/// The node tree of `run`, as it finally is (`at: None`) or as it was at simulated time `at`.
pub fn workflow_graph(run: &WorkflowRun, at: Option<Millis>) -> Graph {
    let phases = at.map(|t| phases_at(run, t));
    let mut graph = Graph::default();
    for (i, n) in run.nodes.iter().enumerate() {
        let phase = match &phases {
            Some(p) => match p.get(n.id.as_str()) {
                Some(phase) => phase.to_string(),
                None => continue,
            },
            None => n.phase.as_str().to_string(),
        };
        let mut tooltip = format!("{} ({})", n.name, n.node_type);
        if !n.message.is_empty() {
            tooltip.push_str(&format!("\n{}", n.message));
        }
        if let Some(end) = n.finished_at.filter(|_| at.is_none()) {
            tooltip.push_str(&format!(
                "\n{} → {} ({})",
                seconds(n.started_at),
                seconds(end),
                seconds(end.saturating_sub(n.started_at))
            ));
        }
        let look = Look {
            kind: n.node_type.to_string(),
            status: phase,
            tooltip,
            ..Look::default()
        };
        let (width, height) = svg::measure(&n.display_name, &look);
        let mut node = Node::new(n.id.clone(), i as u64);
        node.label = n.display_name.clone();
        node.width = width;
        node.height = height;
        node.look = look;
        graph.nodes.push(node);
    }
    for n in &run.nodes {
        for child in &n.children {
            graph.edges.push(Edge::new(n.id.clone(), child.clone()));
        }
    }
    // Edges to nodes not drawn (not created yet at `at`) are dropped.
    let drawn: std::collections::BTreeSet<&str> =
        graph.nodes.iter().map(|n| n.id.as_str()).collect();
    let edges = std::mem::take(&mut graph.edges);
    graph.edges = edges
        .into_iter()
        .filter(|e| drawn.contains(e.from.as_str()) && drawn.contains(e.to.as_str()))
        .collect();
    graph
}

/// The event flow, as the Argo UI's event-flow page draws it: each EventSource event → the
/// Sensors depending on it → their triggers → the Workflows they created, with live counts from a
/// run (events received, triggers fired or failed with the error, each Workflow's phase) as they
/// ended (`at: None`) or as they were at simulated time `at`; and where each node is written, for
/// click-to-source (an event's name and configuration, a Sensor's manifest, a trigger's entry;
/// the Workflows were written by no one).
pub fn event_flow(
    manifests: &Manifests,
    report: Option<&RunReport>,
    at: Option<Millis>,
) -> (Graph, Vec<(String, crate::diag::Span)>) {
    let by_then = |time: Millis| at.is_none_or(|at| time <= at);
    let mut graph = Graph::default();
    let mut sources = Vec::new();
    let mut order = 0u64;
    let mut add = |graph: &mut Graph, id: String, label: String, look: Look| {
        let (width, height) = svg::measure(&label, &look);
        let mut node = Node::new(id, order);
        order += 1;
        node.label = label;
        node.width = width;
        node.height = height;
        node.look = look;
        graph.nodes.push(node);
    };
    let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    for es in manifests
        .of_kind(Kind::EventSource)
        .map(EventSource::from_manifest)
    {
        for ev in &es.events {
            let label = format!("{}/{}", es.name, ev.name);
            let mut badges = vec![ev.source_type.clone()];
            if let Some(r) = report {
                badges.push(plural(
                    r.events
                        .iter()
                        .filter(|e| e.event == label && by_then(e.time))
                        .count(),
                    "event",
                ));
            }
            let look = Look {
                kind: "eventsource".into(),
                badges,
                ..Look::default()
            };
            sources.push((format!("es:{label}"), ev.span));
            add(&mut graph, format!("es:{label}"), label, look);
        }
    }
    for sensor in manifests.of_kind(Kind::Sensor).map(Sensor::from_manifest) {
        let sid = format!("sensor:{}", sensor.name);
        let look = Look {
            kind: "sensor".into(),
            badges: vec![plural(sensor.dependencies.len(), "dependency")],
            ..Look::default()
        };
        sources.push((sid.clone(), sensor.span));
        add(&mut graph, sid.clone(), sensor.name.clone(), look);
        for dep in &sensor.dependencies {
            let source = format!("es:{}/{}", dep.event_source_name, dep.event_name);
            if graph.nodes.iter().any(|n| n.id == source)
                && !graph.edges.iter().any(|e| e.from == source && e.to == sid)
            {
                graph.edges.push(Edge::new(source, sid.clone()));
            }
        }
        for trigger in &sensor.triggers {
            let tid = format!("trigger:{}/{}", sensor.name, trigger.name);
            // The trigger, then its dlqTrigger (run once the trigger's attempts all failed;
            // argo-events never runs a dlqTrigger's own dlqTrigger).
            let dlq = trigger.dlq_trigger.as_deref().map(|d| {
                let id = format!("{tid}/dlq");
                (d, id, tid.clone(), Some(trigger.name.as_str()))
            });
            let chain = std::iter::once((trigger, tid.clone(), sid.clone(), None)).chain(dlq);
            for (t, id, parent, dlq_of) in chain {
                let outcomes: Vec<_> = report
                    .map(|r| {
                        r.triggers
                            .iter()
                            .filter(|o| {
                                o.sensor == sensor.name
                                    && o.trigger == t.name
                                    && o.dlq_of.as_deref() == dlq_of
                                    && by_then(o.time)
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                let fired = outcomes.iter().filter(|o| o.fired).count();
                let error = outcomes.iter().rev().find_map(|o| o.error.clone());
                let mut badges = vec![t.kind.clone()];
                if dlq_of.is_some() {
                    badges.push("dead-letter".into());
                }
                if report.is_some() {
                    badges.push(format!("fired {fired}×"));
                }
                let look = Look {
                    kind: "trigger".into(),
                    status: match (&error, fired) {
                        (Some(_), _) => "Failed".into(),
                        (None, 0) => String::new(),
                        (None, _) => "Succeeded".into(),
                    },
                    badges,
                    tooltip: error.unwrap_or_default(),
                    ..Look::default()
                };
                sources.push((id.clone(), t.span));
                add(&mut graph, id.clone(), t.name.clone(), look);
                graph.edges.push(Edge::new(parent, id.clone()));
                for name in outcomes.iter().filter_map(|o| o.workflow.clone()) {
                    let run = report.and_then(|r| r.workflows.iter().find(|w| w.name == name));
                    let phase = match (run, at) {
                        (Some(w), Some(at)) => phases_at(w, at)
                            .get(w.name.as_str())
                            .map(|p| p.to_string())
                            .unwrap_or_default(),
                        (Some(w), None) => w.phase.as_str().to_string(),
                        (None, _) => String::new(),
                    };
                    let wid = format!("workflow:{name}");
                    let look = Look {
                        kind: "workflow".into(),
                        status: phase,
                        ..Look::default()
                    };
                    add(&mut graph, wid.clone(), name, look);
                    graph.edges.push(Edge::new(id.clone(), wid));
                }
            }
        }
    }
    (graph, sources)
}

/// Where each node of a Workflow was written, for click-to-source (node id → span): the DAG task
/// or step that created it (by its name, a loop's or retry's suffix dropped), else its template.
/// The Workflow's own specs are searched first — the WorkflowTemplate its manifest references,
/// then Workflows and CronWorkflows of its name or `generateName` — then every other spec. The
/// root is its entrypoint template.
pub fn node_sources(run: &WorkflowRun, manifests: &Manifests) -> Vec<(String, crate::diag::Span)> {
    use crate::yaml::Node as Yaml;
    let referenced = run
        .manifest
        .as_ref()
        .and_then(|m| m.pointer("/spec/workflowTemplateRef/name"))
        .and_then(|n| n.as_str());
    fn specs(m: &crate::argo::model::Manifest) -> Option<&crate::yaml::Node> {
        let spec = m.spec()?;
        Some(spec.get("workflowSpec").unwrap_or(spec))
    }
    let own = |m: &crate::argo::model::Manifest| match m.kind {
        Kind::WorkflowTemplate | Kind::ClusterWorkflowTemplate => {
            Some(m.name.as_str()) == referenced
        }
        Kind::Workflow | Kind::CronWorkflow => {
            m.name == run.name || m.generate_name.is_some() && m.generate_name == run.generate_name
        }
        _ => false,
    };
    let workflow_kinds = |m: &&crate::argo::model::Manifest| {
        matches!(
            m.kind,
            Kind::Workflow
                | Kind::WorkflowTemplate
                | Kind::ClusterWorkflowTemplate
                | Kind::CronWorkflow
        )
    };
    let mut ordered: Vec<&Yaml> = manifests
        .items
        .iter()
        .filter(workflow_kinds)
        .filter(|m| own(m))
        .filter_map(specs)
        .collect();
    ordered.extend(
        manifests
            .items
            .iter()
            .filter(workflow_kinds)
            .filter(|m| !own(m))
            .filter_map(specs),
    );
    let templates = || {
        ordered.iter().flat_map(|spec| {
            spec.get("templates")
                .and_then(Yaml::as_sequence)
                .unwrap_or_default()
        })
    };
    let named = |n: &Yaml, key: &str, value: &str| n.get(key).and_then(Yaml::as_str) == Some(value);
    let entrypoint = ordered
        .iter()
        .find_map(|spec| spec.get("entrypoint").and_then(Yaml::as_str));
    let mut out = Vec::new();
    for node in &run.nodes {
        let base = node.display_name.split('(').next().unwrap_or_default();
        let template = if node.name == run.name {
            entrypoint.unwrap_or_default()
        } else {
            node.template_name.as_str()
        };
        let task = (node.name != run.name)
            .then(|| {
                templates().find_map(|t| {
                    let dag = t
                        .get("dag")
                        .and_then(|d| d.get("tasks"))
                        .and_then(Yaml::as_sequence);
                    let steps = t.get("steps").and_then(Yaml::as_sequence);
                    dag.unwrap_or_default()
                        .iter()
                        .chain(
                            steps
                                .unwrap_or_default()
                                .iter()
                                .flat_map(|g| g.as_sequence().unwrap_or_default()),
                        )
                        .find(|x| {
                            named(x, "name", base)
                                && (template.is_empty() || named(x, "template", template))
                        })
                })
            })
            .flatten();
        let found = task
            .or_else(|| templates().find(|t| !template.is_empty() && named(t, "name", template)));
        if let Some(n) = found {
            out.push((node.id.clone(), n.span));
        }
    }
    out
}

/// How event flows are laid out: left to right, as the Argo UI's event-flow page.
pub fn event_flow_options() -> Options {
    Options {
        direction: crate::graph::Direction::LeftToRight,
        fan_out_limit: None,
        ..Options::default()
    }
}

/// How workflow graphs are laid out: top to bottom, fan-outs over three collapsed, as the Argo UI.
pub fn options() -> Options {
    Options::default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::argo::events::EventSpec;
    use crate::argo::model::Manifests;
    use crate::argo::run::{run, RunConfig};
    use crate::examples;
    use crate::graph::layout;
    use crate::workspace::analyze;

    fn ml_manifests() -> Manifests {
        let ex = examples::find("argo-events-ml-pipeline").unwrap();
        analyze(ex.files.iter().copied()).manifests(&mut Vec::new())
    }

    fn ml_run() -> crate::argo::run::RunReport {
        let ms = ml_manifests();
        let config = RunConfig {
            events: vec![EventSpec::parse(
                r#"webhook/trigger={"model":"resnet","dataset":"imagenet"}"#,
            )
            .unwrap()],
            ..RunConfig::default()
        };
        run(&ms, &config)
    }

    /// Click-to-source: each node of the source post's Workflow points at the DAG task that
    /// created it in workflowtemplate.yaml, and the root at the entrypoint template.
    #[test]
    fn nodes_point_at_their_tasks() {
        let ex = examples::find("argo-events-ml-pipeline").unwrap();
        let ms = ml_manifests();
        let report = ml_run();
        let w = &report.workflows[0];
        let file = ex
            .files
            .iter()
            .position(|(n, _)| *n == "workflowtemplate.yaml")
            .unwrap();
        let text = ex.files[file].1;
        let sources = node_sources(w, &ms);
        let at = |display: &str| {
            let id = &w.node_by_display(display).unwrap().id;
            let (_, span) = sources.iter().find(|(i, _)| i == id).unwrap();
            assert_eq!(span.file.0 as usize, file);
            text[span.start as usize..span.end as usize].to_string()
        };
        assert!(at(&w.name).starts_with("name: pipeline"), "{}", at(&w.name));
        assert!(
            at("train-model").starts_with("name: train-model\n"),
            "{}",
            at("train-model")
        );
        assert!(at("evaluate-model").contains("dependencies: [train-model]"));
    }

    #[test]
    fn the_event_flow_with_counts() {
        let ms = ml_manifests();
        let report = ml_run();
        let (g, sources) = event_flow(&ms, Some(&report), None);
        let ids: Vec<&str> = g.nodes.iter().map(|n| n.id.as_str()).collect();
        let wf = format!("workflow:{}", report.workflows[0].name);
        assert_eq!(
            ids,
            [
                "es:webhook/trigger",
                "sensor:ml-pipeline-sensor",
                "trigger:ml-pipeline-sensor/trigger-ml-pipeline",
                wf.as_str()
            ]
        );
        assert_eq!(g.edges.len(), 3);
        assert_eq!(g.nodes[0].look.badges, ["webhook", "1 event"]);
        assert_eq!(g.nodes[2].look.status, "Succeeded");
        assert_eq!(g.nodes[2].look.badges[1], "fired 1×");
        assert_eq!(g.nodes[3].look.status, "Succeeded");
        // Where each node is written (the Workflow, created by the trigger, by no one).
        let ex = examples::find("argo-events-ml-pipeline").unwrap();
        let written: Vec<(&str, String)> = sources
            .iter()
            .map(|(id, span)| {
                let text = ex.files[span.file.0 as usize].1;
                let at = &text[span.start as usize..span.end as usize];
                (
                    id.as_str(),
                    at.lines().next().unwrap_or_default().to_string(),
                )
            })
            .collect();
        assert_eq!(
            written,
            [
                ("es:webhook/trigger", "trigger:".to_string()),
                (
                    "sensor:ml-pipeline-sensor",
                    "apiVersion: argoproj.io/v1alpha1".to_string()
                ),
                (
                    "trigger:ml-pipeline-sensor/trigger-ml-pipeline",
                    "template:".to_string()
                ),
            ]
        );
        // Scrubbed back to 1.5 s: the Workflow was running then.
        let (then, _) = event_flow(&ms, Some(&report), Some(1500));
        assert_eq!(then.nodes[2].look.badges[1], "fired 1×");
        assert_eq!(then.nodes[3].look.status, "Running");
        // Without a run: the manifests alone, no counts.
        let (plain, _) = event_flow(&ms, None, None);
        assert_eq!(plain.nodes.len(), 3);
        assert_eq!(plain.nodes[0].look.badges, ["webhook"]);
    }

    #[test]
    fn the_ml_pipeline_dag_and_its_phases_over_time() {
        let report = ml_run();
        let wf = &report.workflows[0];
        let g = workflow_graph(wf, None);
        let by_label = |g: &Graph, l: &str| {
            g.nodes
                .iter()
                .find(|n| n.label == l)
                .map(|n| n.look.status.clone())
        };
        assert_eq!(by_label(&g, "train-model").as_deref(), Some("Succeeded"));
        assert_eq!(by_label(&g, "evaluate-model").as_deref(), Some("Succeeded"));
        assert_eq!(g.nodes[0].look.kind, "DAG");
        let train = wf.node_by_display("train-model").unwrap();
        let eval = wf.node_by_display("evaluate-model").unwrap();
        assert!(g
            .edges
            .iter()
            .any(|e| e.from == train.id && e.to == eval.id));
        // A pod is Pending from its creation until its containers start. While train-model
        // runs, evaluate-model does not exist yet; once train-model is done, evaluate-model is
        // created Pending, then runs.
        let running_at = |id: &str| {
            wf.trace
                .entries
                .iter()
                .find(|e| e.subject == id && e.what == "phase" && e.value == "Running")
                .map(|e| e.time)
                .unwrap()
        };
        let created = workflow_graph(wf, Some(train.started_at));
        assert_eq!(
            by_label(&created, "train-model").as_deref(),
            Some("Pending")
        );
        let during = workflow_graph(wf, Some(running_at(&train.id)));
        assert_eq!(by_label(&during, "evaluate-model"), None);
        assert_eq!(by_label(&during, "train-model").as_deref(), Some("Running"));
        assert!(running_at(&eval.id) > eval.started_at);
        let after_train = workflow_graph(wf, Some(eval.started_at));
        assert_eq!(
            by_label(&after_train, "evaluate-model").as_deref(),
            Some("Pending")
        );
        let eval_runs = workflow_graph(wf, Some(running_at(&eval.id)));
        assert_eq!(
            by_label(&eval_runs, "evaluate-model").as_deref(),
            Some("Running")
        );
        let svg = svg::render(&layout(&g, &options()));
        assert!(svg.contains("pl-status-succeeded"));
        assert!(svg.contains(&format!("data-id=\"{}\"", eval.id)));
    }

    /// A containerSet pod is drawn with its Container nodes under it, as the Argo UI draws
    /// them: the set's own graph of dependencies, then the next DAG task under the last one.
    #[test]
    fn a_container_set_draws_its_containers_under_the_pod() {
        let yaml = include_str!("../../tests/fixtures/argo/container_set_dag.yaml");
        let ms = analyze([("wf.yaml", yaml)]).manifests(&mut Vec::new());
        let report = run(&ms, &RunConfig::default());
        let wf = &report.workflows[0];
        let g = workflow_graph(wf, None);
        let label = |id: &str| {
            g.nodes
                .iter()
                .find(|n| n.id == id)
                .map(|n| n.label.clone())
                .unwrap_or_default()
        };
        let mut edges: Vec<(String, String)> = g
            .edges
            .iter()
            .map(|e| (label(&e.from), label(&e.to)))
            .collect();
        edges.sort();
        let want = [
            ("a", "b"),
            ("a", "c"),
            ("b", "d"),
            ("c", "d"),
            ("container-set-dag", "set"),
            ("d", "after"),
            ("set", "a"),
        ];
        assert_eq!(
            edges,
            want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec()
        );
        let a = g.nodes.iter().find(|n| n.label == "a").unwrap();
        assert_eq!(
            (a.look.kind.as_str(), a.look.status.as_str()),
            ("Container", "Succeeded")
        );
        // Scrubbed to before the pod started: its containers are there, Pending.
        let early = workflow_graph(wf, Some(1));
        let a = early.nodes.iter().find(|n| n.label == "a").unwrap();
        assert_eq!(a.look.status, "Pending");
        let svg = svg::render(&layout(&g, &options()));
        assert!(svg.contains("pl-kind-container"));
    }
}
