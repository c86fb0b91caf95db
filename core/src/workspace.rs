//! The playground's unit of work: a set of named files (a virtual repository) analysed together.
//!
//! `analyze` is what the page runs on every edit and the CLI's `check` runs once: load every file,
//! say what each document is, expand every Azure pipeline as Azure would, lint the Argo
//! manifests, and collect every problem. Later stages (simulation) hang off the same entry point.

use serde::Serialize;

use crate::detect::{self, DocKind};
use crate::diag::{self, Diagnostic, FileId, Sources, Span};
use crate::yaml::{self, Document, Node, Value};
use crate::{argo, azure};

/// One document of one file, as listed in the page.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DocumentInfo {
    pub file: FileId,
    /// 0-based position of the document in its file.
    pub index: usize,
    #[serde(skip)]
    pub span: Span,
    pub kind: DocKind,
    /// A name for the document: `metadata.name` of a manifest, or a count of what an Azure file
    /// declares (e.g. "3 stages").
    pub summary: String,
}

/// Everything known about a workspace after loading it.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    pub sources: Sources,
    /// The loaded documents of each file, indexed like `sources`.
    pub loaded: Vec<Vec<Document>>,
    pub documents: Vec<DocumentInfo>,
    /// Sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
    /// The variable-group library, when the workspace has one (see [`azure::library`]).
    pub variable_groups: Option<azure::library::Groups>,
}

impl Analysis {
    /// The Kubernetes/Argo manifests of every file (documents with an `apiVersion`); shapes that
    /// cannot be read go to `problems`.
    pub fn manifests(&self, problems: &mut Vec<Diagnostic>) -> argo::model::Manifests {
        let docs = self
            .loaded
            .iter()
            .enumerate()
            .flat_map(|(file, docs)| docs.iter().map(move |d| (FileId(file as u32), &d.root)))
            .filter(|(_, root)| root.get("apiVersion").is_some());
        argo::model::Manifests::from_documents(docs, problems)
    }

    pub fn error_count(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }
}

/// Loads and classifies every file. Files are `(name, text)` in tab order.
pub fn analyze<'a>(files: impl IntoIterator<Item = (&'a str, &'a str)>) -> Analysis {
    let mut analysis = Analysis::default();
    for (name, text) in files {
        let file = analysis.sources.add(name, text);
        let loaded = yaml::load(file, text);
        analysis.diagnostics.extend(loaded.diagnostics);
        analysis.loaded.push(loaded.documents);
    }
    let referenced = check_references(&mut analysis);
    for (file, docs) in analysis.loaded.iter().enumerate() {
        let file = FileId(file as u32);
        for doc in docs {
            let kind = detect::classify(&doc.root, referenced.contains(&file));
            let summary = summarize(&doc.root, &kind);
            analysis.documents.push(DocumentInfo {
                file,
                index: doc.index,
                span: doc.root.span,
                kind,
                summary,
            });
        }
    }
    read_variable_groups(&mut analysis);
    expand_azure_pipelines(&mut analysis);
    lint_argo_manifests(&mut analysis);
    diag::sort(&mut analysis.diagnostics);
    analysis
}

/// Lints the Argo manifests as `argo lint` would (missing templates, bad references, cycles, bad
/// `depends`, unknown fields), plus the Sensor/EventSource checks.
fn lint_argo_manifests(analysis: &mut Analysis) {
    let mut problems = Vec::new();
    let manifests = analysis.manifests(&mut problems);
    if !manifests.items.is_empty() {
        argo::model::lint::lint(&manifests, &mut problems);
    }
    analysis.diagnostics.extend(problems);
}

/// Reads the variable-group library documents (all of them, in tab order; a group defined twice
/// is reported by the library reader only within one document).
fn read_variable_groups(analysis: &mut Analysis) {
    let mut library: Option<azure::library::Groups> = None;
    for root in analysis.loaded.iter().flatten().map(|d| &d.root) {
        if azure::library::is_library(root) {
            let (groups, problems) = azure::library::read(root);
            library.get_or_insert_with(Vec::new).extend(groups);
            analysis.diagnostics.extend(problems);
        }
    }
    analysis.variable_groups = library;
}

/// Expands every Azure pipeline with its templates (default parameters, the workspace's
/// variable-group library) and adds the problems Azure would report, mapped back to the workspace's files.
fn expand_azure_pipelines(analysis: &mut Analysis) {
    let entries: Vec<FileId> = analysis
        .documents
        .iter()
        .filter(|d| d.index == 0 && d.kind == DocKind::AzurePipeline)
        .map(|d| d.file)
        .collect();
    if entries.is_empty() {
        return;
    }
    let files: Vec<(String, String)> = analysis
        .sources
        .iter()
        .map(|(_, f)| (f.name.clone(), f.text.clone()))
        .collect();
    let mut found = Vec::new();
    for entry in entries {
        let Some(name) = analysis.sources.get(entry).map(|f| f.name.clone()) else {
            continue;
        };
        let input = azure::template::Input {
            files: files.clone(),
            entry: name,
            variable_groups: analysis.variable_groups.clone().unwrap_or_default(),
            ..Default::default()
        };
        let mut outcome = azure::pipeline::build(&input, azure::pipeline::Options::default());
        if let (Some(groups), Some(p)) = (&analysis.variable_groups, &outcome.pipeline) {
            outcome
                .diagnostics
                .extend(azure::library::missing_groups(&p.normalized, groups));
        }
        for mut d in outcome.diagnostics {
            // The engine numbers the files it read itself; map its spans to ours by name.
            let mapped = d.labels.iter_mut().all(|label| {
                let ours = outcome
                    .sources
                    .get(label.span.file)
                    .and_then(|f| analysis.sources.find(&f.name));
                ours.map(|id| label.span.file = id).is_some()
            });
            if mapped || d.labels.is_empty() {
                found.push(d);
            }
        }
    }
    for d in found {
        // Syntax errors are found by both the loader and the engine; a template shared by two
        // pipelines reports the same problem twice. Keep one of each.
        let same_place = |o: &Diagnostic| o.span() == d.span();
        if analysis
            .diagnostics
            .iter()
            .any(|o| same_place(o) && (o.message == d.message || o.code == "yaml-syntax"))
        {
            continue;
        }
        // The engine's own word on a missing template replaces our guess.
        analysis
            .diagnostics
            .retain(|o| !(o.code == "missing-template" && same_place(o)));
        analysis.diagnostics.push(d);
    }
}

/// Finds which files are used as templates, and warns about references to missing files.
fn check_references(analysis: &mut Analysis) -> Vec<FileId> {
    let mut referenced = Vec::new();
    let mut problems = Vec::new();
    for (id, file) in analysis.sources.iter() {
        for doc in &analysis.loaded[id.0 as usize] {
            // Only Azure files name files in `template:`; Argo's `template:` names a template.
            if !detect::classify(&doc.root, false).is_azure() {
                continue;
            }
            for_each_reference(&doc.root, &mut |reference, span, explicit| {
                match detect::resolve_reference(&file.name, reference).and_then(|n| analysis.sources.find(&n)) {
                    Some(target) => referenced.push(target),
                    None if !explicit => {}
                    None => problems.push(
                        Diagnostic::warning(
                            "missing-template",
                            format!("Template '{reference}' is not among the workspace's files"),
                        )
                        .with_span(span)
                        .with_note("Add it as a file (a file of repository 'alias' is named '@alias/path')."),
                    ),
                }
            });
        }
    }
    analysis.diagnostics.extend(problems);
    referenced
}

/// Calls `f(path, span, explicit)` for every file a document names: `explicit` for the value of
/// a `template:` key, and not for any other scalar that looks like a YAML file path (a template
/// passed as a parameter value, e.g. `customReleaseTemplate: 'release.yml@self'`).
fn for_each_reference(node: &Node, f: &mut impl FnMut(&str, Span, bool)) {
    match &node.value {
        Value::Scalar(s) => {
            let path = s.text.rsplit_once('@').map_or(s.text.as_str(), |(p, _)| p);
            if !s.text.contains("${{") && (path.ends_with(".yml") || path.ends_with(".yaml")) {
                f(&s.text, node.span, false);
            }
        }
        Value::Sequence(items) => items.iter().for_each(|n| for_each_reference(n, f)),
        Value::Mapping(entries) => {
            for entry in entries {
                if entry.key.as_str() == Some("template") {
                    if let Some(path) = entry
                        .value
                        .as_str()
                        .filter(|p| !p.contains("${{") && !p.is_empty())
                    {
                        f(path, entry.value.span, true);
                    }
                    continue;
                }
                for_each_reference(&entry.value, f);
            }
        }
    }
}

fn summarize(root: &Node, kind: &DocKind) -> String {
    match kind {
        DocKind::Manifest { .. } => {
            let meta = root.get("metadata");
            match (
                meta.and_then(|m| m.get("name")).and_then(Node::as_str),
                meta.and_then(|m| m.get("generateName"))
                    .and_then(Node::as_str),
            ) {
                (Some(name), _) => name.to_string(),
                (None, Some(prefix)) => format!("{prefix}…"),
                (None, None) => String::new(),
            }
        }
        DocKind::AzurePipeline | DocKind::AzureTemplate { .. } => {
            let mut parts = Vec::new();
            if let Some(ext) = root
                .get("extends")
                .and_then(|e| e.get("template"))
                .and_then(Node::as_str)
            {
                parts.push(format!("extends {ext}"));
            }
            for (key, one, many) in [
                ("parameters", "parameter", "parameters"),
                ("stages", "stage", "stages"),
                ("jobs", "job", "jobs"),
                ("steps", "step", "steps"),
                ("variables", "variable", "variables"),
            ] {
                // Items written as `${{ each }}` / `${{ if }}` only become items when expanded.
                let is_directive =
                    |n: &Node| n.as_str().unwrap_or("").trim_start().starts_with("${{");
                let (count, directives) = match root.get(key).map(|n| &n.value) {
                    Some(Value::Sequence(items)) => {
                        let directives = items
                            .iter()
                            .filter(|i| {
                                i.as_mapping()
                                    .is_some_and(|m| m.len() == 1 && is_directive(&m[0].key))
                            })
                            .count();
                        (items.len() - directives, directives)
                    }
                    Some(Value::Mapping(entries)) => {
                        let directives = entries.iter().filter(|e| is_directive(&e.key)).count();
                        (entries.len() - directives, directives)
                    }
                    _ => continue,
                };
                parts.push(match (count, directives) {
                    (0, d) if d > 0 => format!("{many} from template expressions"),
                    (c, 0) => format!("{c} {}", if c == 1 { one } else { many }),
                    (c, _) => format!(
                        "{c} {} + template expressions",
                        if c == 1 { one } else { many }
                    ),
                });
            }
            parts.join(", ")
        }
        DocKind::AzureVariableGroups => {
            let n = root
                .get(azure::library::KEY)
                .and_then(Node::as_mapping)
                .map_or(0, <[_]>::len);
            format!("{n} variable group{}", if n == 1 { "" } else { "s" })
        }
        DocKind::Other => String::new(),
    }
}
