//! `{{...}}` substitution: simple tags (`{{inputs.parameters.x}}`) and expression tags
//! (`{{=expr}}`), over strings and YAML nodes.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::{Map, Value as Json};

use crate::argo::expr::{self, Dialect};
use crate::argo::model::texts::{find_pair, has_tags, TextVisitor, Texts};
use crate::yaml::{Node, Value};

/// Variables in scope: name → text, as Argo's `template.Replace` sees them.
pub type Scope = BTreeMap<String, String>;

/// Where tags are looked up: a scope, or a template's own variables over the workflow's
/// (`Layered`, so that resolving a template does not copy the workflow's variables).
pub trait Vars {
    fn var(&self, name: &str) -> Option<&str>;
    /// Every variable, for expression tags (merged on demand).
    fn all(&self) -> Cow<'_, Scope>;
}

impl Vars for Scope {
    fn var(&self, name: &str) -> Option<&str> {
        self.get(name).map(String::as_str)
    }
    fn all(&self) -> Cow<'_, Scope> {
        Cow::Borrowed(self)
    }
}

/// `own` variables over `under` ones: a name in both is `own`'s.
pub struct Layered<'a> {
    own: &'a Scope,
    under: &'a Scope,
    /// Both merged, the first time an expression tag needs every variable (once, not per tag).
    merged: std::cell::OnceCell<Scope>,
}

impl<'a> Layered<'a> {
    pub fn new(own: &'a Scope, under: &'a Scope) -> Layered<'a> {
        Layered {
            own,
            under,
            merged: std::cell::OnceCell::new(),
        }
    }
}

impl Vars for Layered<'_> {
    fn var(&self, name: &str) -> Option<&str> {
        self.own.var(name).or_else(|| self.under.var(name))
    }
    fn all(&self) -> Cow<'_, Scope> {
        Cow::Borrowed(self.merged.get_or_init(|| {
            let mut all = self.under.clone();
            all.extend(self.own.iter().map(|(k, v)| (k.clone(), v.clone())));
            all
        }))
    }
}

/// Stands for an output of a skipped or omitted node that has no value.
pub const SKIPPED_OUTPUT: &str = "\u{0}";

/// Which unresolved tags are errors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strict {
    /// Leave every unresolved tag in place (it may be resolved later).
    No,
    /// `steps.`, `tasks.`, `inputs.` and `item` tags must resolve.
    References,
}

/// Replaces the tags of `text`. Unresolved tags stay in place unless `strict` says otherwise.
pub fn replace<V: Vars + ?Sized>(text: &str, scope: &V, strict: Strict) -> Result<String, String> {
    if !has_tags(text) {
        return Ok(text.to_string());
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = find_pair(rest, b"{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = find_pair(after, b"}}") else {
            out.push_str(&rest[start..]);
            return Ok(out);
        };
        let inner = &after[..end];
        let tag = inner.trim();
        if let Some(e) = tag.strip_prefix('=') {
            match eval_expression(e, &scope.all()) {
                Ok(Some(v)) => out.push_str(&v),
                Ok(None) => out.push_str(&rest[start..start + 2 + end + 2]),
                // As Argo with unresolved tags allowed: a failing expression stays as written.
                Err(_) => out.push_str(&rest[start..start + 2 + end + 2]),
            }
        } else if let Some(v) = scope.var(tag) {
            out.push_str(v);
        } else {
            let must = tag.starts_with("steps.")
                || tag.starts_with("tasks.")
                || tag.starts_with("inputs.parameters")
                || tag == "item"
                || tag.starts_with("item.");
            if strict == Strict::References && must {
                // An output of a skipped or omitted step/task: the argument is dropped later, so
                // the input's default applies.
                let skipped = tag
                    .find(".outputs.")
                    .is_some_and(|i| scope.var(&format!("{}.skipped", &tag[..i])).is_some());
                if skipped {
                    out.push_str(SKIPPED_OUTPUT);
                    out.push_str(tag);
                    out.push_str(SKIPPED_OUTPUT);
                    rest = &after[end + 2..];
                    continue;
                }
                return Err(format!("Unable to resolve: {{{{{tag}}}}}"));
            }
            out.push_str(&rest[start..start + 2 + end + 2]);
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// Evaluates an expression tag. `Ok(None)` when it uses variables not yet in scope (it stays
/// for a later pass).
pub fn eval_expression(src: &str, scope: &Scope) -> Result<Option<String>, String> {
    let vars = expr_vars(scope);
    match expr::eval(src, &vars, Dialect::Expr) {
        Ok(Json::Null) => Ok(
            if src.contains("workflow.status") || src.contains("steps.") || src.contains("tasks.") {
                None
            } else {
                Some("null".into())
            },
        ),
        Ok(Json::String(s)) => Ok(Some(s)),
        Ok(other) => Ok(Some(other.to_string())),
        Err(e) => Err(e),
    }
}

/// The scope as expression variables: every dotted name as a key, JSON-looking list values of
/// aggregated outputs parsed, and `item` parsed when it is JSON.
pub fn expr_vars(scope: &Scope) -> Map<String, Json> {
    let mut vars = Map::new();
    for (k, v) in scope {
        let parsed = if k == "item"
            || k.ends_with("outputs.parameters")
            || k.ends_with(".outputs.result") && (v.starts_with('[') || v.starts_with('{'))
            || k == "workflow.failures"
        {
            serde_json::from_str(v).unwrap_or_else(|_| Json::String(v.clone()))
        } else {
            Json::String(v.clone())
        };
        // A dotted name that is the prefix of others is an object in expressions
        // (`inputs.parameters["a-b"]`), so its flat value is left out.
        let prefix = format!("{k}.");
        if !scope
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(n, _)| n.starts_with(&prefix))
        {
            vars.insert(k.clone(), parsed.clone());
        }
        // Nested form: a → b → c.
        let parts: Vec<&str> = k.split('.').collect();
        if parts.len() > 1 {
            let mut cur = vars
                .entry(parts[0].to_string())
                .or_insert_with(|| Json::Object(Map::new()));
            for part in &parts[1..parts.len() - 1] {
                if !cur.is_object() {
                    *cur = Json::Object(Map::new());
                }
                let Json::Object(m) = cur else { break };
                cur = m
                    .entry(part.to_string())
                    .or_insert_with(|| Json::Object(Map::new()));
            }
            if !cur.is_object() {
                *cur = Json::Object(Map::new());
            }
            if let Json::Object(m) = cur {
                if let Some(last) = parts.last() {
                    m.entry(last.to_string()).or_insert(parsed);
                }
            }
        }
    }
    vars
}

/// Substitutes every scalar (keys too) of a node tree.
pub fn replace_node<V: Vars + ?Sized>(
    node: &Node,
    scope: &V,
    strict: Strict,
) -> Result<Node, String> {
    let mut out = node.clone();
    replace_in_place(&mut out, scope, strict, 0)?;
    Ok(out)
}

fn replace_in_place<V: Vars + ?Sized>(
    node: &mut Node,
    scope: &V,
    strict: Strict,
    depth: usize,
) -> Result<(), String> {
    if depth > 256 {
        return Ok(());
    }
    match &mut node.value {
        Value::Scalar(s) => {
            if has_tags(&s.text) {
                s.text = replace(&s.text, scope, strict)?;
            }
        }
        Value::Sequence(items) => {
            for i in items {
                replace_in_place(i, scope, strict, depth + 1)?;
            }
        }
        Value::Mapping(entries) => {
            for e in entries {
                replace_in_place(&mut e.value, scope, strict, depth + 1)?;
            }
        }
    }
    Ok(())
}

/// Substitutes the text fields of a parse that holds its node's tags verbatim
/// ([`verbatim`](crate::argo::model::texts::verbatim)): the same as substituting the node and
/// parsing it again, without the copy. An error is the first met in field order; callers that
/// report it redo the node's way, whose order is the document's.
pub fn replace_texts<T: Texts + ?Sized, V: Vars + ?Sized>(
    parsed: &mut T,
    scope: &V,
    strict: Strict,
) -> Result<(), String> {
    struct Substitute<'a, V: ?Sized> {
        scope: &'a V,
        strict: Strict,
        error: Option<String>,
    }
    impl<V: Vars + ?Sized> TextVisitor for Substitute<'_, V> {
        fn text(&mut self, text: &mut String) {
            if self.error.is_none() && has_tags(text) {
                match replace(text, self.scope, self.strict) {
                    Ok(t) => *text = t,
                    Err(e) => self.error = Some(e),
                }
            }
        }
        fn node(&mut self, node: &mut Node) {
            if self.error.is_none() {
                if let Err(e) = replace_in_place(node, self.scope, self.strict, 0) {
                    self.error = Some(e);
                }
            }
        }
    }
    let mut v = Substitute {
        scope,
        strict,
        error: None,
    };
    parsed.visit_texts(&mut v);
    v.error.map_or(Ok(()), Err)
}

/// Every tag name used in `text` (simple tags only).
pub fn tags(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else { break };
        out.push(after[..end].trim().to_string());
        rest = &after[end + 2..];
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_expressions() {
        let mut scope = Scope::new();
        scope.insert("inputs.parameters.model".into(), "resnet".into());
        scope.insert("item".into(), "3".into());
        assert_eq!(
            replace(
                "Training {{inputs.parameters.model}}...",
                &scope,
                Strict::No
            )
            .unwrap(),
            "Training resnet..."
        );
        assert_eq!(
            replace("{{= asInt(item) * 2 }}", &scope, Strict::No).unwrap(),
            "6"
        );
        assert_eq!(
            replace("{{workflow.x}}", &scope, Strict::No).unwrap(),
            "{{workflow.x}}"
        );
        assert!(replace("{{steps.a.outputs.result}}", &scope, Strict::References).is_err());
        assert_eq!(
            replace("{{=nope(1)}}", &scope, Strict::References).unwrap(),
            "{{=nope(1)}}"
        );
    }
}
