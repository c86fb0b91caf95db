//! Substituting a parse (`texts::verbatim` + `subst::replace_texts`) must give what
//! substituting the YAML and parsing it again gives: checked on every template, step and DAG
//! task of the Argo corpus, with values that a parse would read differently (a number, quotes,
//! braces, a newline, an empty text).

#[path = "support/files.rs"]
mod files;
use files::files_under;

use std::path::Path;

use pipelab_core::argo::model::spec::Invocation;
use pipelab_core::argo::model::texts::verbatim;
use pipelab_core::argo::model::Template;
use pipelab_core::argo::workflow::subst::{self, Scope, Strict};
use pipelab_core::diag::FileId;
use pipelab_core::yaml::{self, Node, Value};

/// Every simple tag of the node's scalars, each given `value`.
fn scope_for(node: &Node, value: &str, scope: &mut Scope) {
    match &node.value {
        Value::Scalar(s) => {
            for tag in subst::tags(&s.text) {
                if !tag.starts_with('=') {
                    scope.insert(tag, value.to_string());
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|i| scope_for(i, value, scope)),
        Value::Mapping(entries) => entries
            .iter()
            .for_each(|e| scope_for(&e.value, value, scope)),
    }
}

fn templates(root: &Node) -> Vec<&Node> {
    let spec = root.get("spec");
    let spec = spec
        .and_then(|s| s.get("workflowSpec"))
        .or(spec)
        .and_then(|s| s.get("templates"))
        .and_then(Node::as_sequence);
    spec.map(|t| t.iter().collect()).unwrap_or_default()
}

fn tasks(template: &Node) -> Vec<&Node> {
    let mut out = Vec::new();
    if let Some(t) = template
        .get("dag")
        .and_then(|d| d.get("tasks"))
        .and_then(Node::as_sequence)
    {
        out.extend(t.iter());
    }
    for group in template
        .get("steps")
        .and_then(Node::as_sequence)
        .unwrap_or_default()
    {
        out.extend(group.as_sequence().unwrap_or_default().iter());
    }
    out
}

const VALUES: &[&str] = &["3", "true", "", "a \"b\" {c}\n d: [e]", "{{nested}}"];

#[test]
fn a_substituted_parse_is_the_parse_of_the_substituted_yaml() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/argo");
    let mut files = Vec::new();
    files_under(&root, &["yaml", "yml"], &mut files);
    assert!(files.len() > 500, "corpus not found at {}", root.display());
    let (mut checked, mut by_parse, mut tagged) = (0, 0, 0);
    for (n, path) in files.iter().enumerate() {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for doc in yaml::load(FileId(n as u32), &text).documents {
            for t in templates(&doc.root) {
                let mut nodes = vec![(t, true)];
                nodes.extend(tasks(t).into_iter().map(|s| (s, false)));
                for (node, is_template) in nodes {
                    let mut any = Scope::new();
                    scope_for(node, "x", &mut any);
                    if any.is_empty() {
                        continue;
                    }
                    tagged += 1;
                    let fast = if is_template {
                        verbatim(node, &mut Template::parse(node, &mut Vec::new()))
                    } else {
                        verbatim(node, &mut Invocation::parse(node, &mut Vec::new()))
                    };
                    if !fast {
                        continue;
                    }
                    by_parse += 1;
                    for value in VALUES {
                        let mut scope = Scope::new();
                        scope_for(node, value, &mut scope);
                        let sub = subst::replace_node(node, &scope, Strict::No).expect("no strict");
                        let (want, got) = if is_template {
                            let mut parsed = Template::parse(node, &mut Vec::new());
                            subst::replace_texts(&mut parsed, &scope, Strict::No).unwrap();
                            let want = Template::parse(&sub, &mut Vec::new());
                            (format!("{want:?}"), format!("{parsed:?}"))
                        } else {
                            let mut parsed = Invocation::parse(node, &mut Vec::new());
                            subst::replace_texts(&mut parsed, &scope, Strict::No).unwrap();
                            let mut want = Invocation::parse(&sub, &mut Vec::new());
                            // `raw` is the one field a substituted parse does not keep.
                            want.raw = parsed.raw.clone();
                            (format!("{want:?}"), format!("{parsed:?}"))
                        };
                        assert_eq!(
                            got,
                            want,
                            "{} (value {value:?}): the substituted parse differs",
                            path.display()
                        );
                        checked += 1;
                    }
                }
            }
        }
    }
    println!(
        "{tagged} tagged templates and tasks, {by_parse} substituted as parses, {checked} checks"
    );
    // Most tagged templates and tasks take the fast way; the check is not vacuous.
    assert!(by_parse * 2 > tagged, "{by_parse} of {tagged}");
}

/// A tag the parse reads as a number, or copies into two fields, is not verbatim.
#[test]
fn tags_read_as_numbers_or_copied_are_not_verbatim() {
    let doc = |text: &str| yaml::load(FileId(0), text).documents.remove(0).root;
    let number = doc("name: a\nparallelism: '{{inputs.parameters.n}}'\nsteps: []\n");
    assert!(!verbatim(
        &number,
        &mut Template::parse(&number, &mut Vec::new())
    ));
    let copied = doc(
        "name: a\ncontainer:\n  image: x\n  volumeMounts:\n  - name: '{{inputs.parameters.v}}'\n    mountPath: /m\n",
    );
    assert!(!verbatim(
        &copied,
        &mut Template::parse(&copied, &mut Vec::new())
    ));
    let plain = doc("name: a\ncontainer:\n  image: x\n  args: ['{{inputs.parameters.v}}']\n");
    assert!(verbatim(
        &plain,
        &mut Template::parse(&plain, &mut Vec::new())
    ));
    let flag = doc("name: s\ntemplate: t\ncontinueOn:\n  failed: '{{item}}'\n");
    assert!(!verbatim(
        &flag,
        &mut Invocation::parse(&flag, &mut Vec::new())
    ));
    let json = doc("name: s\ntemplate: t\narguments:\n  parameters:\n  - name: p\n    value: {a: '{{item}}'}\n");
    assert!(!verbatim(
        &json,
        &mut Invocation::parse(&json, &mut Vec::new())
    ));
}
