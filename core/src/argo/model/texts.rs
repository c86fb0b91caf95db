//! The text fields of a parsed template or task, so that a parse can be substituted instead of
//! substituting a copy of its YAML and parsing that again (a loop of 10,000 items resolves the
//! same template 10,000 times).
//!
//! A parse may be substituted only when it holds its node's tags verbatim: `verbatim` checks
//! that every tagged scalar of the node is a text field of the parse (or lies inside a field kept
//! as YAML), and that no other field has tags. A tag that the parse read as a number or a
//! flag, changed (trimmed, JSON-encoded), or copied twice fails the check, and the caller
//! substitutes the YAML and parses it as before.
//!
//! The visits destructure every struct whole, so a new field is a compile error here until it
//! is visited.

use super::spec::{
    Arguments, Artifact, ArtifactLocation, Hook, Http, Invocation, Parameter, RetryStrategy,
    SetContainer, SetRetryStrategy, Template, TemplateBody, TemplateRef, ValueFrom,
};
use crate::yaml::{Node, Value};

/// Whether `text` has a `{{` (a tag, maybe). A byte scan: `str::contains` builds a two-way
/// searcher per call, which showed in profiles of wide fan-outs.
pub fn has_tags(text: &str) -> bool {
    find_pair(text, b"{{").is_some()
}

/// Where `pair` (two ASCII bytes, so always at a char boundary) first occurs in `text`.
pub fn find_pair(text: &str, pair: &[u8; 2]) -> Option<usize> {
    text.as_bytes().windows(2).position(|w| w == pair)
}

/// What a visit hands over: each text field, and each field kept as YAML.
pub trait TextVisitor {
    fn text(&mut self, text: &mut String);
    fn node(&mut self, node: &mut Node);
}

/// A parse whose text fields can be visited.
pub trait Texts {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor);
}

/// Whether `parsed` (a parse of `raw`) holds every tag of `raw` verbatim and no other tag.
/// (`parsed` is visited mutably, not changed: a copy of a steps template would copy its loops.)
pub fn verbatim<T: Texts>(raw: &Node, parsed: &mut T) -> bool {
    let mut in_raw = Tagged::default();
    in_raw.node_scalars(raw);
    let mut in_parse = Tagged::default();
    parsed.visit_texts(&mut in_parse);
    if in_raw.tagged_key || in_parse.tagged_key {
        return false;
    }
    in_raw.texts.sort_unstable();
    in_parse.texts.sort_unstable();
    in_raw.texts == in_parse.texts
}

/// The tagged texts seen (scalars of nodes, and text fields).
#[derive(Default)]
struct Tagged {
    texts: Vec<String>,
    tagged_key: bool,
}

impl Tagged {
    fn node_scalars(&mut self, node: &Node) {
        match &node.value {
            Value::Scalar(s) => {
                if has_tags(&s.text) {
                    self.texts.push(s.text.clone());
                }
            }
            Value::Sequence(items) => items.iter().for_each(|i| self.node_scalars(i)),
            Value::Mapping(entries) => {
                for e in entries {
                    self.tagged_key |= e.key.as_str().is_some_and(has_tags);
                    self.node_scalars(&e.value);
                }
            }
        }
    }
}

impl TextVisitor for Tagged {
    fn text(&mut self, text: &mut String) {
        if has_tags(text) {
            self.texts.push(text.clone());
        }
    }
    fn node(&mut self, node: &mut Node) {
        self.node_scalars(node);
    }
}

fn opt(v: &mut dyn TextVisitor, text: &mut Option<String>) {
    if let Some(t) = text {
        v.text(t);
    }
}

fn all(v: &mut dyn TextVisitor, texts: &mut [String]) {
    texts.iter_mut().for_each(|t| v.text(t));
}

fn pairs(v: &mut dyn TextVisitor, pairs: &mut [(String, String)]) {
    for (a, b) in pairs {
        v.text(a);
        v.text(b);
    }
}

impl<T: Texts> Texts for Vec<T> {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        self.iter_mut().for_each(|t| t.visit_texts(v));
    }
}

impl<T: Texts> Texts for Option<T> {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        if let Some(t) = self {
            t.visit_texts(v);
        }
    }
}

impl Texts for Arguments {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        let Arguments {
            parameters,
            artifacts,
        } = self;
        parameters.visit_texts(v);
        artifacts.visit_texts(v);
    }
}

impl Texts for Parameter {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        let Parameter {
            name,
            value,
            default,
            enum_values,
            value_from,
            global_name,
            span: _,
        } = self;
        v.text(name);
        opt(v, value);
        opt(v, default);
        all(v, enum_values);
        value_from.visit_texts(v);
        opt(v, global_name);
    }
}

impl Texts for ValueFrom {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        let ValueFrom {
            path,
            default,
            expression,
            json_path,
            jq_filter,
            parameter,
            supplied: _,
            config_map_key_ref,
            event,
        } = self;
        opt(v, path);
        opt(v, default);
        opt(v, expression);
        opt(v, json_path);
        opt(v, jq_filter);
        opt(v, parameter);
        if let Some((name, key)) = config_map_key_ref {
            v.text(name);
            v.text(key);
        }
        opt(v, event);
    }
}

impl Texts for Artifact {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        let Artifact {
            name,
            path,
            from,
            optional: _,
            raw,
            global_name,
            location,
            archive_none: _,
            has_location: _,
        } = self;
        v.text(name);
        opt(v, path);
        opt(v, from);
        opt(v, raw);
        opt(v, global_name);
        location.visit_texts(v);
    }
}

impl Texts for ArtifactLocation {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        let ArtifactLocation {
            store: _,
            bucket,
            key,
        } = self;
        v.text(bucket);
        v.text(key);
    }
}

impl Texts for RetryStrategy {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        let RetryStrategy {
            limit: _,
            retry_policy,
            expression,
            backoff_duration,
            backoff_factor: _,
            backoff_max_duration,
        } = self;
        v.text(retry_policy);
        opt(v, expression);
        opt(v, backoff_duration);
        opt(v, backoff_max_duration);
    }
}

impl Texts for Hook {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        let Hook {
            name,
            template,
            template_ref,
            expression,
            arguments,
        } = self;
        v.text(name);
        opt(v, template);
        template_ref.visit_texts(v);
        opt(v, expression);
        arguments.visit_texts(v);
    }
}

impl Texts for TemplateRef {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        let TemplateRef {
            name,
            template,
            cluster_scope: _,
            span: _,
        } = self;
        v.text(name);
        v.text(template);
    }
}

impl Texts for SetContainer {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        let SetContainer {
            name,
            image,
            command,
            args,
            dependencies,
            memory_limit,
        } = self;
        v.text(name);
        v.text(image);
        all(v, command);
        all(v, args);
        all(v, dependencies);
        opt(v, memory_limit);
    }
}

impl Texts for SetRetryStrategy {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        let SetRetryStrategy { retries, duration } = self;
        opt(v, retries);
        opt(v, duration);
    }
}

/// Every field but `raw`: a substituted parse keeps its template's `raw` (unsubstituted), which
/// only `argo lint` reads.
impl Texts for Invocation {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        let Invocation {
            name,
            template,
            template_ref,
            inline,
            arguments,
            when,
            with_items,
            with_param,
            with_sequence,
            dependencies,
            depends,
            continue_on_failed: _,
            continue_on_error: _,
            on_exit,
            hooks,
            span: _,
            raw: _,
        } = self;
        v.text(name);
        opt(v, template);
        template_ref.visit_texts(v);
        if let Some(n) = inline {
            v.node(n);
        }
        arguments.visit_texts(v);
        opt(v, when);
        if let Some(n) = with_items {
            v.node(n);
        }
        opt(v, with_param);
        if let Some(n) = with_sequence {
            v.node(n);
        }
        all(v, dependencies);
        opt(v, depends);
        opt(v, on_exit);
        hooks.visit_texts(v);
    }
}

impl Texts for TemplateBody {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        match self {
            TemplateBody::Container {
                command,
                args,
                image,
            } => {
                all(v, command);
                all(v, args);
                v.text(image);
            }
            TemplateBody::Script {
                command,
                args,
                source,
                image,
            } => {
                all(v, command);
                all(v, args);
                v.text(source);
                v.text(image);
            }
            TemplateBody::ContainerSet {
                containers,
                retry_strategy,
            } => {
                containers.visit_texts(v);
                if let Some(r) = retry_strategy {
                    r.visit_texts(v);
                }
            }
            TemplateBody::Resource {
                action,
                manifest,
                manifest_from,
                merge_strategy,
                flags,
                success_condition,
                failure_condition,
            } => {
                v.text(action);
                v.text(manifest);
                opt(v, manifest_from);
                opt(v, merge_strategy);
                all(v, flags);
                opt(v, success_condition);
                opt(v, failure_condition);
            }
            TemplateBody::Suspend { duration } => opt(v, duration),
            TemplateBody::Dag {
                tasks,
                fail_fast: _,
                target,
            } => {
                tasks.iter_mut().for_each(|t| v.node(t));
                opt(v, target);
            }
            TemplateBody::Steps { groups } => {
                groups.iter_mut().flatten().for_each(|s| v.node(s));
            }
            TemplateBody::Http(Http {
                url,
                method,
                headers,
                body,
                success_condition,
                timeout_seconds,
            }) => {
                v.text(url);
                v.text(method);
                for (name, value) in headers {
                    v.text(name);
                    opt(v, value);
                }
                v.text(body);
                opt(v, success_condition);
                opt(v, timeout_seconds);
            }
            TemplateBody::Data {
                artifact_paths,
                expressions,
            } => {
                artifact_paths.visit_texts(v);
                all(v, expressions);
            }
            TemplateBody::Plugin | TemplateBody::Missing => {}
        }
    }
}

impl Texts for Template {
    fn visit_texts(&mut self, v: &mut dyn TextVisitor) {
        let Template {
            name,
            inputs,
            outputs,
            body,
            retry_strategy,
            active_deadline_seconds,
            timeout,
            parallelism: _,
            fail_fast: _,
            daemon: _,
            memoize,
            synchronization,
            hooks,
            volume_mounts,
            mount_paths,
            volumes,
            annotations,
            span: _,
        } = self;
        v.text(name);
        inputs.visit_texts(v);
        outputs.visit_texts(v);
        body.visit_texts(v);
        retry_strategy.visit_texts(v);
        opt(v, active_deadline_seconds);
        opt(v, timeout);
        if let Some(n) = memoize {
            v.node(n);
        }
        if let Some(n) = synchronization {
            v.node(n);
        }
        hooks.visit_texts(v);
        all(v, volume_mounts);
        pairs(v, mount_paths);
        all(v, volumes);
        pairs(v, annotations);
    }
}
