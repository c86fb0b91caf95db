//! Checks like `argo lint`: missing and undefined templates, bad references, DAG cycles, bad
//! `depends` expressions, unknown fields — each at its file:line:col.

use crate::argo::expr::Depends;
use crate::diag::Diagnostic;
use crate::yaml::Node;

use super::spec::{Invocation, Template, TemplateBody, WorkflowSpec};
use super::{Kind, Manifests};

/// Lints every Workflow, WorkflowTemplate, ClusterWorkflowTemplate and CronWorkflow.
pub fn lint(ms: &Manifests, out: &mut Vec<Diagnostic>) {
    for m in &ms.items {
        let spec = match m.kind {
            Kind::Workflow | Kind::WorkflowTemplate | Kind::ClusterWorkflowTemplate => m.spec(),
            Kind::CronWorkflow => m.spec().and_then(|s| s.get("workflowSpec")),
            _ => continue,
        };
        let Some(spec_node) = spec else {
            out.push(
                Diagnostic::error("argo-lint", format!("{:?} has no spec", m.kind))
                    .with_span(m.root.span),
            );
            continue;
        };
        let spec = WorkflowSpec::parse(spec_node, out);
        let has_ref = spec.workflow_template_ref.is_some();
        if let Some(r) = &spec.workflow_template_ref {
            let kind = if r.cluster_scope {
                Kind::ClusterWorkflowTemplate
            } else {
                Kind::WorkflowTemplate
            };
            if ms.find(kind, &r.name).is_none() {
                out.push(
                    Diagnostic::warning(
                        "argo-lint",
                        format!(
                            "workflowTemplateRef: {} \"{}\" is not among the loaded files",
                            if r.cluster_scope {
                                "ClusterWorkflowTemplate"
                            } else {
                                "WorkflowTemplate"
                            },
                            r.name
                        ),
                    )
                    .with_span(r.span),
                );
            }
        }
        if m.kind != Kind::WorkflowTemplate && m.kind != Kind::ClusterWorkflowTemplate && !has_ref {
            match &spec.entrypoint {
                None => out.push(
                    Diagnostic::error("argo-lint", "spec.entrypoint is required")
                        .with_span(spec_node.span),
                ),
                Some(e) if spec.template(e).is_none() => out.push(
                    Diagnostic::error(
                        "argo-lint",
                        format!("spec.entrypoint template '{e}' undefined"),
                    )
                    .with_span(
                        spec_node
                            .get("entrypoint")
                            .map_or(spec_node.span, |n| n.span),
                    ),
                ),
                _ => {}
            }
        }
        for t in &spec.templates {
            lint_template(t, &spec, ms, out);
        }
    }
}

fn lint_template(node: &Node, spec: &WorkflowSpec, ms: &Manifests, out: &mut Vec<Diagnostic>) {
    let t = Template::parse(node, out);
    if matches!(t.body, TemplateBody::Missing) {
        out.push(Diagnostic::error("argo-lint", format!("templates.{} template type unspecified. choose one of: container, containerSet, dag, data, http, plugin, resource, script, steps, suspend", t.name)).with_span(node.span));
    }
    let check_call = |inv: &Invocation, out: &mut Vec<Diagnostic>| {
        if let Some(name) = &inv.template {
            if spec.template(name).is_none() {
                out.push(
                    Diagnostic::error(
                        "argo-lint",
                        format!(
                            "templates.{}.{}: template name '{name}' undefined",
                            t.name, inv.name
                        ),
                    )
                    .with_span(inv.raw.get("template").map_or(inv.span, |n| n.span)),
                );
            }
        } else if let Some(r) = &inv.template_ref {
            let kind = if r.cluster_scope {
                Kind::ClusterWorkflowTemplate
            } else {
                Kind::WorkflowTemplate
            };
            if let Some(m) = ms.find(kind, &r.name) {
                let found = m
                    .spec()
                    .and_then(|s| s.get("templates"))
                    .and_then(Node::as_sequence)
                    .unwrap_or_default()
                    .iter()
                    .any(|x| x.get("name").and_then(Node::as_str) == Some(r.template.as_str()));
                if !found {
                    out.push(
                        Diagnostic::error(
                            "argo-lint",
                            format!(
                                "templates.{}.{}: template {} not found in workflow template {}",
                                t.name, inv.name, r.template, r.name
                            ),
                        )
                        .with_span(r.span),
                    );
                }
            }
        } else if inv.inline.is_none() {
            out.push(
                Diagnostic::error(
                    "argo-lint",
                    format!(
                        "templates.{}.{}: template or templateRef must be specified",
                        t.name, inv.name
                    ),
                )
                .with_span(inv.span),
            );
        }
    };
    match &t.body {
        TemplateBody::Steps { groups } => {
            for g in groups {
                for s in g {
                    let inv = Invocation::parse(s, out);
                    check_call(&inv, out);
                }
            }
        }
        TemplateBody::Dag { tasks, .. } => {
            let invs: Vec<Invocation> = tasks.iter().map(|x| Invocation::parse(x, out)).collect();
            let names: Vec<&str> = invs.iter().map(|i| i.name.as_str()).collect();
            let mut edges: Vec<Vec<usize>> = vec![Vec::new(); invs.len()];
            for (k, inv) in invs.iter().enumerate() {
                check_call(inv, out);
                if inv.depends.is_some() && !inv.dependencies.is_empty() {
                    out.push(
                        Diagnostic::error(
                            "argo-lint",
                            format!(
                                "templates.{}.tasks.{} dependencies and depends cannot both be set",
                                t.name, inv.name
                            ),
                        )
                        .with_span(inv.span),
                    );
                }
                let mut deps = inv.dependencies.clone();
                if let Some(d) = &inv.depends {
                    match Depends::parse(d) {
                        Ok(p) => p.tasks(&mut deps),
                        Err(e) => {
                            out.push(
                                Diagnostic::error(
                                    "argo-lint",
                                    format!("templates.{}.tasks.{}: {e}", t.name, inv.name),
                                )
                                .with_span(inv.raw.get("depends").map_or(inv.span, |n| n.span)),
                            );
                        }
                    }
                }
                for d in deps {
                    match names.iter().position(|n| *n == d) {
                        Some(p) => edges[k].push(p),
                        None => out.push(
                            Diagnostic::error(
                                "argo-lint",
                                format!(
                                    "templates.{}.tasks.{} dependency '{d}' not defined",
                                    t.name, inv.name
                                ),
                            )
                            .with_span(inv.span),
                        ),
                    }
                }
            }
            // Cycles: iterative DFS with colours.
            let mut colour = vec![0u8; invs.len()];
            for start in 0..invs.len() {
                if colour[start] != 0 {
                    continue;
                }
                let mut stack = vec![(start, 0usize)];
                colour[start] = 1;
                while let Some(&mut (n, ref mut e)) = stack.last_mut() {
                    if *e < edges[n].len() {
                        let next = edges[n][*e];
                        *e += 1;
                        match colour[next] {
                            0 => {
                                colour[next] = 1;
                                stack.push((next, 0));
                            }
                            1 => {
                                out.push(
                                    Diagnostic::error(
                                        "argo-lint",
                                        format!(
                                            "templates.{} dependency cycle detected: {} -> {}",
                                            t.name, invs[n].name, invs[next].name
                                        ),
                                    )
                                    .with_span(invs[n].span),
                                );
                            }
                            _ => {}
                        }
                    } else {
                        colour[n] = 2;
                        stack.pop();
                    }
                }
            }
        }
        _ => {}
    }
}
