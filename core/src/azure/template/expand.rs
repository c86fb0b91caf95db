//! The expander: walks a template's token tree, evaluates `${{ }}` and the `if` / `elseif` /
//! `else` / `each` / `insert` directives, and splices in stage, job, step and variable templates.

use std::collections::HashMap;
use std::rc::Rc;

use super::params::{self, check_value};
use super::token::{Tok, TokKind};
use super::{Input, Limits};
use crate::azure::expr::offsets::ScalarMap;
use crate::azure::expr::{self, split_template, Context, Names, Segment, Value};
use crate::detect::resolve_reference;
use crate::diag::{Diagnostic, FileId, Sources, Span};
use crate::yaml;

pub type R<T> = Result<T, Box<Diagnostic>>;

pub fn error(message: impl Into<String>, span: Span) -> Box<Diagnostic> {
    Box::new(Diagnostic::error("azure-template", message).with_span(span))
}

/// Keys whose sequences may hold `- template:` references, and what the template contributes.
const TEMPLATE_KEYS: &[&str] = &["stages", "jobs", "steps", "variables"];

/// A repository resource, for `file@alias`.
#[derive(Clone, Debug)]
pub struct Repository {
    pub alias: String,
    pub name: String,
    pub git_ref: String,
}

/// What expressions can see while a template is expanded.
#[derive(Clone)]
pub struct Scope {
    pub parameters: Rc<Value>,
    /// For typed templates, the declared names; reading any other parameter is an error.
    pub declared: Option<Rc<Vec<String>>>,
    pub variables: Rc<Vec<(String, String)>>,
    pub locals: Rc<Vec<(String, Rc<Value>)>>,
}

impl Scope {
    fn names(&self) -> Names {
        Names::compile_time(self.locals.iter().map(|(k, _)| k.clone()))
    }

    fn with_local(&self, name: &str, value: Value) -> Scope {
        let mut locals = (*self.locals).clone();
        locals.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        locals.push((name.to_string(), Rc::new(value)));
        Scope {
            locals: Rc::new(locals),
            ..self.clone()
        }
    }

    fn add_variable(&mut self, name: String, value: String) {
        let vars = Rc::make_mut(&mut self.variables);
        vars.retain(|(k, _)| !k.eq_ignore_ascii_case(&name));
        vars.push((name, value));
    }
}

impl Context for Scope {
    fn named_ref(&self, name: &str) -> Option<&Value> {
        if let Some((_, v)) = self
            .locals
            .iter()
            .rev()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
        {
            return Some(v);
        }
        if name.eq_ignore_ascii_case("parameters") {
            return Some(&self.parameters);
        }
        None
    }

    fn named_value(&self, name: &str) -> Option<Value> {
        if let Some(v) = self.named_ref(name) {
            return Some(v.clone());
        }
        if name.eq_ignore_ascii_case("variables") {
            return Some(Value::Object(
                self.variables
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                    .collect(),
            ));
        }
        None
    }

    fn check_member(&self, named: &str, key: &str) -> Result<(), String> {
        let is_local = self
            .locals
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case(named));
        match &self.declared {
            Some(declared)
                if !is_local
                    && named.eq_ignore_ascii_case("parameters")
                    && !declared.iter().any(|d| d.eq_ignore_ascii_case(key)) =>
            {
                Err(format!("The template parameter '{key}' is not declared"))
            }
            _ => Ok(()),
        }
    }
}

enum Directive {
    If(String, usize),
    ElseIf(String, usize),
    Else,
    Each {
        var: String,
        expr: String,
        offset: usize,
    },
    Insert,
}

/// The expander's state across files.
pub struct Expander<'a> {
    pub input: &'a Input,
    pub sources: Sources,
    pub repositories: Vec<Repository>,
    trees: HashMap<String, Rc<Tok>>,
    files_loaded: usize,
    depth: usize,
    budget: usize,
    pub limits: Limits,
    /// Problems expansion recovered from (it went on to find more); the result is not used when
    /// there are any.
    pub errors: Vec<Diagnostic>,
    /// Parsed expressions by their text and the named values they may use: a template's
    /// `${{ }}` inside an `each` is parsed once, not once per item.
    parsed: std::cell::RefCell<HashMap<(String, String), Rc<expr::Expr>>>,
}

/// Expansion stops after this many recovered errors, as Azure lists only the first ones.
const MAX_ERRORS: usize = 10;

impl<'a> Expander<'a> {
    pub fn new(input: &'a Input) -> Self {
        Expander {
            input,
            sources: Sources::new(),
            repositories: Vec::new(),
            trees: HashMap::new(),
            parsed: std::cell::RefCell::default(),
            files_loaded: 0,
            depth: 0,
            budget: input.limits.max_tokens,
            limits: input.limits,
            errors: Vec::new(),
        }
    }

    /// Finds a file of the input by workspace name, trying the repository's `name@ref` and `name`
    /// spellings for `@alias/…`.
    fn find_file(&self, name: &str) -> Option<(String, &'a str)> {
        let lookup = |n: &str| {
            self.input
                .files
                .iter()
                .find(|(f, _)| f == n)
                .map(|(f, t)| (f.clone(), t.as_str()))
        };
        if let Some(found) = lookup(name) {
            return Some(found);
        }
        let (alias, path) = crate::detect::split_repo(name);
        let repo = self
            .repositories
            .iter()
            .find(|r| Some(r.alias.as_str()) == alias)?;
        // Found under the `name@ref` spelling, the file is still known by its alias name, so
        // that its own relative references stay in its repository.
        lookup(&format!("@{}@{}/{path}", repo.name, repo.git_ref))
            .or_else(|| lookup(&format!("@{}/{path}", repo.name)))
            .or_else(|| {
                // A ref written as an expression: take the repository by name, whatever its ref.
                let prefix = format!("@{}@", repo.name);
                let suffix = format!("/{path}");
                self.input
                    .files
                    .iter()
                    .find(|(f, _)| {
                        f.strip_prefix(&prefix)
                            .and_then(|rest| rest.split_once('/'))
                            .is_some_and(|(r, p)| !r.contains('/') && format!("/{p}") == suffix)
                    })
                    .map(|(f, t)| (f.clone(), t.as_str()))
            })
            .map(|(_, text)| (name.to_string(), text))
    }

    /// Loads (once) and parses a file into raw tokens.
    pub fn load(&mut self, name: &str, at: Span) -> R<Rc<Tok>> {
        if let Some(t) = self.trees.get(name) {
            return Ok(t.clone());
        }
        let (found, text) = self.find_file(name).ok_or_else(|| not_found(name, at))?;
        self.files_loaded += 1;
        if self.files_loaded > self.limits.max_files {
            return Err(error(
                format!(
                    "Maximum number of template files ({}) exceeded",
                    self.limits.max_files
                ),
                at,
            ));
        }
        let id = self.sources.add(found, text);
        let loaded = yaml::load(id, text);
        if let Some(d) = loaded.diagnostics.into_iter().next() {
            return Err(Box::new(d));
        }
        let root = match loaded.documents.first() {
            Some(doc) => Tok::from_yaml(&doc.root),
            None => Tok::new(TokKind::Null, Span::point(id, 0)),
        };
        let root = Rc::new(root);
        self.trees.insert(name.to_string(), root.clone());
        Ok(root)
    }

    /// Records a problem and goes on, unless there are too many already.
    fn recover(&mut self, d: Box<Diagnostic>) -> R<()> {
        if self.errors.len() + 1 >= MAX_ERRORS {
            return Err(d);
        }
        self.errors.push(*d);
        Ok(())
    }

    pub fn file_name(&self, id: FileId) -> String {
        self.sources
            .get(id)
            .map(|f| f.name.clone())
            .unwrap_or_default()
    }

    fn spend(&mut self, span: Span) -> R<()> {
        if self.budget == 0 {
            return Err(error(
                "The expanded pipeline is larger than the maximum allowed size",
                span,
            ));
        }
        self.budget -= 1;
        Ok(())
    }

    /// Expands template file `name` with `given` parameters (already expanded by the caller).
    pub fn expand_file(
        &mut self,
        name: &str,
        given: Option<&Tok>,
        call_span: Span,
        variables: Rc<Vec<(String, String)>>,
    ) -> R<Tok> {
        if self.depth >= self.limits.max_depth {
            return Err(error(
                format!(
                    "Maximum template nesting depth ({}) exceeded: the templates include each other without end",
                    self.limits.max_depth
                ),
                call_span,
            ));
        }
        let root = self.load(name, call_span)?;
        self.depth += 1;
        let result = self.expand_loaded(&root, given, call_span, variables);
        self.depth -= 1;
        result
    }

    fn expand_loaded(
        &mut self,
        root: &Tok,
        given: Option<&Tok>,
        call_span: Span,
        variables: Rc<Vec<(String, String)>>,
    ) -> R<Tok> {
        let entries: Vec<(Tok, Tok)> = match &root.kind {
            TokKind::Mapping(m) => m.clone(),
            TokKind::Null => Vec::new(),
            _ => {
                return Err(error(
                    format!("A {} was not expected", root.kind_name()),
                    root.span,
                ))
            }
        };
        let decl_node = entries
            .iter()
            .find(|(k, _)| k.as_str() == Some("parameters"))
            .map(|(_, v)| v);
        let decls = params::declarations(decl_node).map_err(|(m, t)| error(m, t.span))?;
        let given_entries: Vec<(Tok, Tok)> = match given.map(|g| &g.kind) {
            Some(TokKind::Mapping(m)) => m.clone(),
            Some(TokKind::Null) | None => Vec::new(),
            Some(_) => {
                let g = given.map_or(call_span, |g| g.span);
                return Err(error("A mapping was expected for 'parameters'", g));
            }
        };
        let mut values: Vec<(Tok, Tok)> = Vec::new();
        if !decls.untyped {
            for (k, _) in &given_entries {
                let key = k.scalar_text().unwrap_or_default();
                if !decls
                    .params
                    .iter()
                    .any(|d| d.name.eq_ignore_ascii_case(&key))
                {
                    self.recover(error(format!("Unexpected parameter '{key}'"), k.span))?;
                }
            }
        }
        for d in &decls.params {
            let passed = given_entries
                .iter()
                .find(|(k, _)| {
                    k.scalar_text()
                        .is_some_and(|t| t.eq_ignore_ascii_case(&d.name))
                })
                .map(|(_, v)| v.clone());
            let value = match (passed, &d.default) {
                (Some(v), _) => v,
                (None, Some(def)) => def.clone().cooked(),
                (None, None) if decls.untyped => Tok::new(TokKind::Null, d.decl.span),
                (None, None) => {
                    self.recover(error(
                        format!("A value for the '{}' parameter must be provided.", d.name),
                        call_span,
                    ))?;
                    Tok::new(TokKind::Null, call_span)
                }
            };
            let value = if decls.untyped {
                value
            } else {
                match check_value(d, &value) {
                    Ok(v) => v,
                    Err(m) => {
                        self.recover(error(m, value.span))?;
                        value
                    }
                }
            };
            values.push((Tok::string(d.name.clone(), d.decl.span), value));
        }
        if decls.untyped {
            for (k, v) in &given_entries {
                let key = k.scalar_text().unwrap_or_default();
                if !values
                    .iter()
                    .any(|(n, _)| n.as_str().is_some_and(|n| n.eq_ignore_ascii_case(&key)))
                {
                    values.push((Tok::string(key, k.span), v.clone()));
                }
            }
        }
        let scope = Scope {
            parameters: Rc::new(Tok::new(TokKind::Mapping(values), root.span).to_value()),
            declared: (!decls.untyped)
                .then(|| Rc::new(decls.params.iter().map(|d| d.name.clone()).collect())),
            variables,
            locals: Rc::new(Vec::new()),
        };
        let body: Vec<(Tok, Tok)> = entries
            .into_iter()
            .filter(|(k, _)| k.as_str() != Some("parameters"))
            .collect();
        let expanded = self.expand_mapping(&body, &scope, root.span)?;
        self.apply_extends(expanded, &scope)
    }

    /// Replaces `extends: { template, parameters }` by the template's content.
    fn apply_extends(&mut self, tok: Tok, scope: &Scope) -> R<Tok> {
        let TokKind::Mapping(entries) = &tok.kind else {
            return Ok(tok);
        };
        let Some(pos) = entries
            .iter()
            .position(|(k, _)| k.as_str() == Some("extends"))
        else {
            return Ok(tok);
        };
        let ext = &entries[pos].1;
        let template = ext
            .get("template")
            .and_then(|t| t.as_str().map(|s| (s.to_string(), t.span)))
            .ok_or_else(|| error("'extends' requires a 'template'", ext.span))?;
        let name = self.resolve(&template.0, template.1)?;
        let body = self.expand_file(
            &name,
            ext.get("parameters"),
            template.1,
            scope.variables.clone(),
        )?;
        let mut out: Vec<(Tok, Tok)> = Vec::new();
        for (i, (k, v)) in entries.iter().enumerate() {
            if i == pos {
                for (bk, bv) in body.as_mapping().unwrap_or(&[]) {
                    push_extended(&mut out, bk.clone(), bv.clone(), true)?;
                }
            } else {
                push_extended(&mut out, k.clone(), v.clone(), false)?;
            }
        }
        Ok(Tok::new(TokKind::Mapping(out), tok.span))
    }

    /// Resolves a template reference written in the file of `at` to a file name.
    fn resolve(&self, reference: &str, at: Span) -> R<String> {
        let from = self.file_name(at.file);
        let mut reference = reference.trim().replace('\\', "/");
        // `path@alias` naming the repository the referencing file is in is relative to that
        // file, like a path without an alias.
        if let Some((path, alias)) = reference.rsplit_once('@') {
            let (from_repo, _) = crate::detect::split_repo(&from);
            let same = match from_repo {
                Some(r) => r == alias,
                None => alias == "self",
            };
            if same && !path.starts_with('/') && !alias.contains('/') {
                reference = path.to_string();
            }
        }
        resolve_reference(&from, &reference)
            .ok_or_else(|| error(format!("Invalid template path '{reference}'"), at))
    }

    /// Expands any token.
    pub fn expand(&mut self, tok: &Tok, scope: &Scope, key: Option<&str>) -> R<Tok> {
        self.spend(tok.span)?;
        if !tok.raw {
            return Ok(tok.clone());
        }
        match &tok.kind {
            TokKind::String(s) if s.contains("${{") => match self.eval_string(tok, s, scope) {
                Ok(t) => Ok(t),
                Err(d) => {
                    // Go on with null to find further problems.
                    self.recover(d)?;
                    Ok(Tok::new(TokKind::Null, tok.span))
                }
            },
            TokKind::Sequence(items) => {
                let items = self.expand_items(items, scope, key)?;
                Ok(Tok::new(TokKind::Sequence(items), tok.span))
            }
            TokKind::Mapping(entries) if key == Some("variables") => {
                self.expand_mapping_mode(entries, scope, tok.span, true)
            }
            TokKind::Mapping(entries) => self.expand_mapping(entries, scope, tok.span),
            _ => Ok(tok.clone().cooked()),
        }
    }

    /// Evaluates the `${{ }}` in a string: a value that is one expression keeps the result's
    /// type (objects and arrays are inserted); otherwise the results are concatenated as text.
    fn eval_string(&mut self, tok: &Tok, text: &str, scope: &Scope) -> R<Tok> {
        let segments = split_template(text, "${{", "}}").map_err(|off| {
            self.expr_error("The expression is not closed: '}}' is missing", tok, off)
        })?;
        let names = scope.names();
        let whole = matches!(segments.as_slice(), [Segment::Expr(..)])
            || (segments
                .iter()
                .filter(|s| matches!(s, Segment::Expr(..)))
                .count()
                == 1
                && segments.iter().all(|s| match s {
                    Segment::Text(t, _) => t.trim().is_empty(),
                    _ => true,
                }));
        let mut out = String::new();
        for seg in &segments {
            match seg {
                Segment::Text(t, _) => {
                    if !whole {
                        out.push_str(t)
                    }
                }
                Segment::Expr(e, off) => {
                    let value = self.eval_expr(e, *off, tok, &names, scope)?;
                    if whole {
                        return Ok(Tok::from_value(&value, tok.span));
                    }
                    match value.to_display() {
                        Some(s) => out.push_str(&s),
                        None => {
                            return Err(self.expr_error(
                                &format!(
                                    "A {} was not expected here: an expression inside a string must produce a string",
                                    if matches!(value, Value::Array(_)) { "sequence" } else { "mapping" }
                                ),
                                tok,
                                *off,
                            ))
                        }
                    }
                }
            }
        }
        Ok(Tok::string(out, tok.span))
    }

    fn eval_expr(
        &self,
        text: &str,
        off: usize,
        tok: &Tok,
        names: &Names,
        scope: &Scope,
    ) -> R<Value> {
        let (text, off) = trim_expr(text, off);
        let parsed = self.parse_cached(text, off, tok, names)?;
        expr::eval(&parsed, scope)
            .map_err(|e| self.expr_error(&e.full_message(text.trim()), tok, off + e.offset))
    }

    /// Only parses an expression (used for branches that are not taken: Azure still reports
    /// syntax errors there).
    fn check_expr(&self, text: &str, off: usize, tok: &Tok, names: &Names) -> R<()> {
        let (text, off) = trim_expr(text, off);
        self.parse_cached(text, off, tok, names).map(|_| ())
    }

    /// Parses an expression once per text and set of named values (errors are not kept: they
    /// are reported where they occur).
    fn parse_cached(&self, text: &str, off: usize, tok: &Tok, names: &Names) -> R<Rc<expr::Expr>> {
        let key = (text.to_string(), names.fingerprint());
        if let Some(p) = self.parsed.borrow().get(&key) {
            return Ok(p.clone());
        }
        let p = Rc::new(
            expr::parse(text, names)
                .map_err(|e| self.expr_error(&e.full_message(text.trim()), tok, off + e.offset))?,
        );
        self.parsed.borrow_mut().insert(key, p.clone());
        Ok(p)
    }

    /// An error at offset `off` of the string value of `tok`, located in the file.
    fn expr_error(&self, message: &str, tok: &Tok, off: usize) -> Box<Diagnostic> {
        let at = self.file_offset(tok, off);
        error(
            message.trim_end_matches('.').to_string() + ".",
            Span::point(tok.span.file, at),
        )
    }

    fn file_offset(&self, tok: &Tok, off: usize) -> usize {
        let Some(raw) = self.sources.slice(tok.span) else {
            return tok.span.start as usize;
        };
        let Some(text) = tok.as_str() else {
            return tok.span.start as usize;
        };
        ScalarMap::new(raw, tok.span.start as usize, tok.style, text).file_offset(off)
    }

    fn directive(&self, key: &Tok) -> R<Option<Directive>> {
        if !key.raw {
            return Ok(None);
        }
        let Some(text) = key.as_str() else {
            return Ok(None);
        };
        let trimmed = text.trim();
        if !(trimmed.starts_with("${{") && trimmed.ends_with("}}")) {
            return Ok(None);
        }
        let lead = text.len() - text.trim_start().len() + 3;
        let inner = &trimmed[3..trimmed.len() - 2];
        let body = inner.trim_start();
        let body_off = lead + (inner.len() - body.len());
        let word_end = body
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(body.len());
        let word = &body[..word_end];
        let rest = &body[word_end..];
        let rest_off = body_off + word_end;
        Ok(Some(match word {
            "if" if rest.starts_with(char::is_whitespace) || rest.starts_with('(') => {
                Directive::If(rest.to_string(), rest_off)
            }
            "elseif" if rest.starts_with(char::is_whitespace) || rest.starts_with('(') => {
                Directive::ElseIf(rest.to_string(), rest_off)
            }
            "else" if rest.trim().is_empty() => Directive::Else,
            "insert" if rest.trim().is_empty() => Directive::Insert,
            "each" => {
                let r = rest.trim_start();
                let r_off = rest_off + (rest.len() - r.len());
                let var_end = r
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(r.len());
                let var = &r[..var_end];
                let after = &r[var_end..];
                let after_trim = after.trim_start();
                if var.is_empty()
                    || !after_trim.starts_with("in")
                    || !after_trim[2..].starts_with(char::is_whitespace)
                {
                    return Err(self.expr_error(
                        "Expected the form '${{ each <name> in <expression> }}'",
                        key,
                        body_off,
                    ));
                }
                let expr = &after_trim[2..];
                let expr_off = r_off + var_end + (after.len() - after_trim.len()) + 2;
                Directive::Each {
                    var: var.to_string(),
                    expr: expr.to_string(),
                    offset: expr_off,
                }
            }
            _ => return Ok(None),
        }))
    }

    /// Decides an `if` / `elseif` / `else` directive against the state of its chain
    /// (`Some(taken)` while inside one): whether its body is taken. `None` for `each` and
    /// `insert`, which end a chain. Shared by sequences and mappings.
    fn conditional(
        &mut self,
        d: &Directive,
        k: &Tok,
        chain: &mut Option<bool>,
        scope: &Scope,
    ) -> R<Option<bool>> {
        Ok(Some(match d {
            Directive::If(e, off) => match self.condition(e, *off, k, scope) {
                Ok(taken) => {
                    *chain = Some(taken);
                    taken
                }
                Err(d) => {
                    // Neither this branch nor the rest of its chain is taken.
                    self.recover(d)?;
                    *chain = Some(true);
                    false
                }
            },
            Directive::ElseIf(e, off) => match *chain {
                None => return Err(else_error(k, "elseif")),
                Some(true) => {
                    // An earlier branch was taken; the condition is only checked for syntax.
                    self.check_expr(e, *off, k, &scope.names())?;
                    false
                }
                Some(false) => match self.condition(e, *off, k, scope) {
                    Ok(taken) => {
                        *chain = Some(taken);
                        taken
                    }
                    Err(d) => {
                        self.recover(d)?;
                        *chain = Some(true);
                        false
                    }
                },
            },
            Directive::Else => match chain.take() {
                None => return Err(else_error(k, "else")),
                Some(done) => !done,
            },
            Directive::Each { .. } | Directive::Insert => {
                *chain = None;
                return Ok(None);
            }
        }))
    }

    fn condition(&self, text: &str, off: usize, key: &Tok, scope: &Scope) -> R<bool> {
        Ok(self
            .eval_expr(text, off, key, &scope.names(), scope)?
            .to_bool())
    }

    /// Parses every expression under a branch that is not taken. Azure reports syntax errors
    /// there, but not unknown named values (`verify-if-false-no-error`).
    fn validate(&self, tok: &Tok, names: &Names) -> R<()> {
        let mut names = names.clone();
        names.any_named_value = true;
        self.validate_in(tok, &names)
    }

    fn validate_in(&self, tok: &Tok, names: &Names) -> R<()> {
        if !tok.raw {
            return Ok(());
        }
        match &tok.kind {
            TokKind::String(s) if s.contains("${{") => {
                let segments = split_template(s, "${{", "}}").map_err(|off| {
                    self.expr_error("The expression is not closed: '}}' is missing", tok, off)
                })?;
                for seg in segments {
                    if let Segment::Expr(e, off) = seg {
                        self.check_expr(&e, off, tok, names)?;
                    }
                }
                Ok(())
            }
            TokKind::Sequence(items) => items.iter().try_for_each(|i| self.validate_in(i, names)),
            TokKind::Mapping(entries) => {
                for (k, v) in entries {
                    match self.directive(k)? {
                        Some(Directive::If(e, off) | Directive::ElseIf(e, off)) => {
                            self.check_expr(&e, off, k, names)?
                        }
                        Some(Directive::Each { var, expr, offset }) => {
                            self.check_expr(&expr, offset, k, names)?;
                            let mut inner = names.clone();
                            inner.named_values.push(var);
                            self.validate_in(v, &inner)?;
                            continue;
                        }
                        Some(_) => {}
                        None => self.validate_in(k, names)?,
                    }
                    self.validate_in(v, names)?;
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// Expands the items of a sequence, splicing directive bodies and templates.
    fn expand_items(&mut self, items: &[Tok], scope: &Scope, key: Option<&str>) -> R<Vec<Tok>> {
        let mut scope = scope.clone();
        let mut out = Vec::new();
        // Some(taken) while inside an if / elseif chain.
        let mut chain: Option<bool> = None;
        for item in items {
            let single = item
                .as_mapping()
                .filter(|m| m.len() == 1 && item.raw)
                .map(|m| (&m[0].0, &m[0].1));
            if let Some((k, body)) = single {
                if let Some(d) = self.directive(k)? {
                    let produced = match self.conditional(&d, k, &mut chain, &scope)? {
                        Some(taken) => self.branch(taken, body, &scope, key)?,
                        None => match d {
                            Directive::Each { var, expr, offset } => {
                                let coll =
                                    self.eval_expr(&expr, offset, k, &scope.names(), &scope)?;
                                // Each iteration sees the variables the previous ones defined.
                                for element in iterate(&coll, k)? {
                                    let inner = scope.with_local(&var, element.clone());
                                    for p in self.body_items(body, &inner, key)? {
                                        self.push_item(p, &mut scope, key, &mut out)?;
                                    }
                                }
                                Vec::new()
                            }
                            _ => {
                                return Err(error(
                                    "'${{ insert }}' is only valid in a mapping",
                                    k.span,
                                ))
                            }
                        },
                    };
                    for p in produced {
                        self.push_item(p, &mut scope, key, &mut out)?;
                    }
                    continue;
                }
            }
            chain = None;
            let whole_expr = item.raw
                && item
                    .as_str()
                    .is_some_and(|s| s.trim().starts_with("${{") && s.trim().ends_with("}}"));
            let expanded = self.expand(item, &scope, None)?;
            match expanded.kind {
                TokKind::Sequence(inner) if whole_expr => {
                    for p in inner {
                        self.push_item(p, &mut scope, key, &mut out)?;
                    }
                }
                _ => self.push_item(expanded, &mut scope, key, &mut out)?,
            }
        }
        Ok(out)
    }

    fn branch(&mut self, taken: bool, body: &Tok, scope: &Scope, key: Option<&str>) -> R<Vec<Tok>> {
        if taken {
            self.body_items(body, scope, key)
        } else {
            self.validate(body, &scope.names())?;
            Ok(Vec::new())
        }
    }

    /// The items a directive body contributes to a sequence.
    fn body_items(&mut self, body: &Tok, scope: &Scope, key: Option<&str>) -> R<Vec<Tok>> {
        match &body.kind {
            TokKind::Sequence(items) if body.raw => self.expand_items(items, scope, key),
            TokKind::Null => Ok(Vec::new()),
            _ => Ok(vec![self.expand(body, scope, None)?]),
        }
    }

    /// Adds an expanded item to a sequence: templates are spliced; variables become visible
    /// to later compile-time expressions.
    fn push_item(
        &mut self,
        item: Tok,
        scope: &mut Scope,
        key: Option<&str>,
        out: &mut Vec<Tok>,
    ) -> R<()> {
        let key = key.filter(|k| TEMPLATE_KEYS.contains(k));
        if key.is_some() && item.is_null() {
            // An empty `-` item (as an editor leaves it) contributes nothing.
            return Ok(());
        }
        if let (Some(key), Some(t)) = (key, item.get("template")) {
            let reference = t
                .as_str()
                .ok_or_else(|| error("'template' must be a string", t.span))?
                .to_string();
            let name = self.resolve(&reference, t.span)?;
            if self.find_file(&name).is_none() {
                // A missing template contributes nothing; the error is reported with the rest.
                return self.recover(not_found(&name, t.span));
            }
            let body = self.expand_file(
                &name,
                item.get("parameters"),
                t.span,
                scope.variables.clone(),
            )?;
            let contributed = match body.get(key) {
                None => Vec::new(),
                Some(v) => match &v.kind {
                    TokKind::Sequence(items) => items.clone(),
                    TokKind::Mapping(m) if key == "variables" => m
                        .iter()
                        .map(|(k, v)| {
                            Tok::new(
                                TokKind::Mapping(vec![
                                    (Tok::string("name", k.span), k.clone()),
                                    (Tok::string("value", v.span), v.clone()),
                                ]),
                                k.span,
                            )
                        })
                        .collect(),
                    TokKind::Null => Vec::new(),
                    _ => return Err(error(format!("'{key}' must be a sequence"), v.span)),
                },
            };
            for c in contributed {
                if key == "variables" {
                    add_static_variable(scope, &c);
                }
                out.push(c);
            }
            return Ok(());
        }
        if key == Some("variables") {
            add_static_variable(scope, &item);
        }
        out.push(item);
        Ok(())
    }

    /// Expands a mapping's entries, merging directive bodies.
    pub fn expand_mapping(&mut self, entries: &[(Tok, Tok)], scope: &Scope, span: Span) -> R<Tok> {
        self.expand_mapping_mode(entries, scope, span, false)
    }

    /// `variables_mode`: the mapping is a `variables:` mapping, whose entries become visible to
    /// the expressions of later entries.
    fn expand_mapping_mode(
        &mut self,
        entries: &[(Tok, Tok)],
        scope: &Scope,
        span: Span,
        variables_mode: bool,
    ) -> R<Tok> {
        let mut scope = scope.clone();
        let mut out: Vec<(Tok, Tok)> = Vec::new();
        // `variables` first: the other keys' expressions can read them.
        let mut variables: Option<Tok> = None;
        if let Some((_, v)) = entries
            .iter()
            .find(|(k, _)| !variables_mode && k.as_str() == Some("variables"))
        {
            let expanded = self.expand(v, &scope, Some("variables"))?;
            add_static_variables(&mut scope, &expanded);
            variables = Some(expanded);
        }
        let mut chain: Option<bool> = None;
        for (k, v) in entries {
            if let Some(d) = self.directive(k)? {
                let merged: Vec<Tok> = match self.conditional(&d, k, &mut chain, &scope)? {
                    Some(taken) => self.map_branch(taken, v, &scope, variables_mode)?,
                    None => match d {
                        Directive::Each { var, expr, offset } => {
                            let coll = self.eval_expr(&expr, offset, k, &scope.names(), &scope)?;
                            let mut merged = Vec::new();
                            for element in iterate(&coll, k)? {
                                let inner = scope.with_local(&var, element.clone());
                                merged.extend(self.map_branch(true, v, &inner, variables_mode)?);
                                if variables_mode {
                                    if let Some(last) = merged.last() {
                                        add_static_variables(&mut scope, last);
                                    }
                                }
                            }
                            merged
                        }
                        // `${{ insert }}`
                        _ => self.map_branch(true, v, &scope, variables_mode)?,
                    },
                };
                for m in merged {
                    for (mk, mv) in m.as_mapping().unwrap_or(&[]) {
                        push_unique(&mut out, mk.clone(), mv.clone())?;
                    }
                    if variables_mode {
                        add_static_variables(&mut scope, &m);
                    }
                }
                continue;
            }
            chain = None;
            let key = self.expand(k, &scope, None)?;
            let key_text = key.scalar_text().ok_or_else(|| {
                error(
                    format!("A {} is not allowed as a key", key.kind_name()),
                    k.span,
                )
            })?;
            let key = Tok {
                kind: TokKind::String(key_text.clone()),
                ..key
            };
            let value = if k.as_str() == Some("variables") {
                variables
                    .take()
                    .unwrap_or_else(|| Tok::new(TokKind::Null, v.span))
            } else {
                self.expand(v, &scope, Some(key_text.as_str()))?
            };
            if variables_mode {
                scope.add_variable(key_text.clone(), value.scalar_text().unwrap_or_default());
            }
            push_unique(&mut out, key, value)?;
        }
        Ok(Tok::new(TokKind::Mapping(out), span))
    }

    fn map_branch(
        &mut self,
        taken: bool,
        body: &Tok,
        scope: &Scope,
        variables_mode: bool,
    ) -> R<Vec<Tok>> {
        if !taken {
            self.validate(body, &scope.names())?;
            return Ok(Vec::new());
        }
        let expanded = match &body.kind {
            TokKind::Mapping(entries) if body.raw => {
                self.expand_mapping_mode(entries, scope, body.span, variables_mode)?
            }
            _ => self.expand(body, scope, None)?,
        };
        match expanded.kind {
            TokKind::Mapping(_) => Ok(vec![expanded]),
            TokKind::Null => Ok(Vec::new()),
            _ => Err(error(
                format!(
                    "Expected a mapping: a {} cannot be merged into a mapping",
                    expanded.kind_name()
                ),
                body.span,
            )),
        }
    }
}

fn not_found(name: &str, at: Span) -> Box<Diagnostic> {
    let (repo, path) = crate::detect::split_repo(name);
    error(
        format!(
            "File /{path} not found in repository {}",
            repo.unwrap_or("self")
        ),
        at,
    )
}

/// The expression text without surrounding white space, and its offset.
fn trim_expr(text: &str, off: usize) -> (&str, usize) {
    let t = text.trim_start();
    (t.trim_end(), off + (text.len() - t.len()))
}

fn else_error(k: &Tok, which: &str) -> Box<Diagnostic> {
    error(
        format!(
            "Unexpected '${{{{ {which} }}}}': it must follow '${{{{ if }}}}' or '${{{{ elseif }}}}'"
        ),
        k.span,
    )
}

/// The elements `${{ each }}` visits: array items, or `{key, value}` pairs of an object.
fn iterate(coll: &Value, at: &Tok) -> R<Vec<Value>> {
    match coll {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => Ok(items.clone()),
        Value::Object(entries) => Ok(entries
            .iter()
            .map(|(k, v)| {
                Value::Object(vec![
                    ("key".into(), Value::String(k.clone())),
                    ("value".into(), v.clone()),
                ])
            })
            .collect()),
        other => Err(error(
            format!(
                "Expected a sequence or a mapping for '${{{{ each }}}}', found a {}",
                other.kind().name()
            ),
            at.span,
        )),
    }
}

fn push_unique(out: &mut Vec<(Tok, Tok)>, k: Tok, v: Tok) -> R<()> {
    let text = k.scalar_text().unwrap_or_default();
    if defined(out, &text).is_some() {
        return Err(error(format!("'{text}' is already defined"), k.span));
    }
    out.push((k, v));
    Ok(())
}

/// The key of `out` whose text is `text`, if any.
fn defined<'a>(out: &'a [(Tok, Tok)], text: &str) -> Option<&'a Tok> {
    out.iter()
        .map(|(e, _)| e)
        .find(|e| e.scalar_text().is_some_and(|t| t == text))
}

/// The diagnostic code of a key that both an `extends` pipeline and its template set.
pub const EXTENDS_DUPLICATE: &str = "azure-extends-duplicate";
/// The same for `variables`, which Azure reports at its built-in schema's line (see
/// [`crate::azure::pipeline::azure_message`]).
pub const EXTENDS_VARIABLES: &str = "azure-extends-variables";

/// Merges one top-level key of an `extends` pipeline or of its template. A key may come from
/// one of them only; Azure checks this against its built-in schema, so its message names that
/// file (see [`crate::azure::pipeline::azure_message`]); ours points at both keys.
fn push_extended(out: &mut Vec<(Tok, Tok)>, k: Tok, v: Tok, from_template: bool) -> R<()> {
    let text = k.scalar_text().unwrap_or_default();
    if let Some(first) = defined(out, &text) {
        let (pipeline_key, template_key) = if from_template {
            (first.span, k.span)
        } else {
            (k.span, first.span)
        };
        return Err(Box::new(
            Diagnostic::error(
                if text == "variables" {
                    EXTENDS_VARIABLES
                } else {
                    EXTENDS_DUPLICATE
                },
                format!("'{text}' is already defined"),
            )
            .with_span(pipeline_key)
            .with_label(template_key, "also defined by the extended template")
            .with_note(format!(
                "a pipeline that uses `extends` may set '{text}' itself or leave it to the \
                     template, not both"
            )),
        ));
    }
    out.push((k, v));
    Ok(())
}

fn add_static_variable(scope: &mut Scope, item: &Tok) {
    if let (Some(name), Some(value)) = (
        item.get("name").and_then(Tok::scalar_text),
        item.get("value"),
    ) {
        scope.add_variable(name, value.scalar_text().unwrap_or_default());
    }
}

fn add_static_variables(scope: &mut Scope, vars: &Tok) {
    match &vars.kind {
        TokKind::Mapping(m) => {
            for (k, v) in m {
                if let Some(name) = k.scalar_text() {
                    scope.add_variable(name, v.scalar_text().unwrap_or_default());
                }
            }
        }
        TokKind::Sequence(items) => {
            for i in items {
                add_static_variable(scope, i);
            }
        }
        _ => {}
    }
}
