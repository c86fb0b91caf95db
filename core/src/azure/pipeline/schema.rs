//! Schema validation of the expanded pipeline: every key must be one Azure accepts where it
//! stands, else "Unexpected value 'x'" at that key.

use crate::azure::template::expand::error;
use crate::azure::template::{Tok, TokKind};
use crate::diag::Diagnostic;

type R = Result<(), Box<Diagnostic>>;

const ROOT: &[&str] = &[
    "name",
    "appendCommitMessageToRunName",
    "trigger",
    "pr",
    "schedules",
    "resources",
    "variables",
    "parameters",
    "stages",
    "jobs",
    "steps",
    "extends",
    "pool",
    "container",
    "services",
    "workspace",
    "strategy",
    "lockBehavior",
    "timeoutInMinutes",
    "cancelTimeoutInMinutes",
    "continueOnError",
    "condition",
];
const STAGE: &[&str] = &[
    "stage",
    "displayName",
    "dependsOn",
    "condition",
    "variables",
    "jobs",
    "pool",
    "lockBehavior",
    "trigger",
    "isSkippable",
    "templateContext",
];
const JOB_COMMON: &[&str] = &[
    "displayName",
    "dependsOn",
    "condition",
    "continueOnError",
    "timeoutInMinutes",
    "cancelTimeoutInMinutes",
    "variables",
    "pool",
    "container",
    "services",
    "workspace",
    "templateContext",
    "uses",
];
const JOB: &[&str] = &["job", "strategy", "steps"];
const DEPLOYMENT: &[&str] = &["deployment", "environment", "strategy"];
const STEP_COMMON: &[&str] = &[
    "displayName",
    "name",
    "condition",
    "continueOnError",
    "enabled",
    "env",
    "timeoutInMinutes",
    "retryCountOnTaskFailure",
    "target",
];
/// Properties of the shorthand script steps, which become the task's inputs when normalised.
pub(crate) const SCRIPT_INPUTS: &[&str] = &["workingDirectory", "failOnStderr"];
pub(crate) const BASH_INPUTS: &[&str] = &["workingDirectory", "failOnStderr", "noProfile", "noRc"];
pub(crate) const POWERSHELL_INPUTS: &[&str] = &[
    "workingDirectory",
    "failOnStderr",
    "errorActionPreference",
    "warningPreference",
    "informationPreference",
    "verbosePreference",
    "debugPreference",
    "progressPreference",
    "ignoreLASTEXITCODE",
];
const STEP_KINDS: &[(&str, &[&str])] = &[
    ("script", SCRIPT_INPUTS),
    ("bash", BASH_INPUTS),
    ("pwsh", POWERSHELL_INPUTS),
    ("powershell", POWERSHELL_INPUTS),
    ("task", &["inputs"]),
    (
        "checkout",
        &[
            "clean",
            "fetchDepth",
            "fetchFilter",
            "fetchTags",
            "lfs",
            "persistCredentials",
            "submodules",
            "path",
            "sparseCheckoutDirectories",
            "sparseCheckoutPatterns",
            "workspaceRepo",
        ],
    ),
    ("download", &["artifact", "patterns", "path"]),
    ("downloadBuild", &["artifact", "path", "patterns", "inputs"]),
    ("getPackage", &["path"]),
    (
        "publish",
        &[
            "artifact",
            "artifactType",
            "fileSharePath",
            "parallel",
            "parallelCount",
        ],
    ),
    ("upload", &["artifact"]),
    ("reviewApp", &[]),
];
const HOOKS: &[&str] = &[
    "preDeploy",
    "deploy",
    "routeTraffic",
    "postRouteTraffic",
    "on",
];

/// Parses a condition as the run-time expression it is; `Err` holds Azure's message.
pub fn check_condition(text: &str) -> Result<(), String> {
    if text.contains("$(") || text.contains("${{") {
        // Macros are replaced before the condition is parsed at run time.
        return Ok(());
    }
    let t = text.trim();
    crate::azure::expr::parse(t, &crate::azure::expr::Names::runtime())
        .map(|_| ())
        .map_err(|e| e.full_message(t) + ".")
}

fn condition(k: &Tok, v: &Tok) -> R {
    if key(k) != "condition" {
        return Ok(());
    }
    match v.as_str() {
        Some(text) => check_condition(text).map_err(|m| error(m, v.span)),
        None => Ok(()),
    }
}

fn unexpected(k: &Tok) -> Box<Diagnostic> {
    error(
        format!("Unexpected value '{}'", k.scalar_text().unwrap_or_default()),
        k.span,
    )
}

fn expect_mapping(t: &Tok) -> Result<&[(Tok, Tok)], Box<Diagnostic>> {
    match &t.kind {
        TokKind::Mapping(m) => Ok(m),
        _ => Err(error(
            format!("Expected a mapping, found a {}", t.kind_name()),
            t.span,
        )),
    }
}

fn expect_sequence(t: &Tok) -> Result<&[Tok], Box<Diagnostic>> {
    match &t.kind {
        TokKind::Sequence(s) => Ok(s),
        TokKind::Null => Ok(&[]),
        _ => Err(error(
            format!("Expected a sequence, found a {}", t.kind_name()),
            t.span,
        )),
    }
}

fn key(k: &Tok) -> String {
    k.scalar_text().unwrap_or_default()
}

/// Validates the expanded root pipeline.
pub fn validate(root: &Tok) -> R {
    let entries = match &root.kind {
        TokKind::Null => return Ok(()),
        _ => expect_mapping(root)?,
    };
    for (k, v) in entries {
        let name = key(k);
        if !ROOT.contains(&name.as_str()) {
            return Err(unexpected(k));
        }
        match name.as_str() {
            "stages" => expect_sequence(v)?.iter().try_for_each(stage)?,
            "jobs" => expect_sequence(v)?.iter().try_for_each(job)?,
            "steps" => expect_sequence(v)?.iter().try_for_each(step)?,
            "variables" => variables(v)?,
            "pool" => pool(v)?,
            _ => {}
        }
    }
    Ok(())
}

fn stage(t: &Tok) -> R {
    if t.is_null() {
        return Ok(());
    }
    let m = expect_mapping(t)?;
    for (k, v) in m {
        condition(k, v)?;
    }
    if t.get("stage").is_none() {
        if let Some((k, _)) = m.first() {
            return Err(unexpected(k));
        }
    }
    for (k, v) in m {
        let name = key(k);
        if !STAGE.contains(&name.as_str()) {
            return Err(unexpected(k));
        }
        match name.as_str() {
            "jobs" => expect_sequence(v)?.iter().try_for_each(job)?,
            "variables" => variables(v)?,
            "pool" => pool(v)?,
            _ => {}
        }
    }
    Ok(())
}

fn job(t: &Tok) -> R {
    if t.is_null() {
        return Ok(());
    }
    let m = expect_mapping(t)?;
    for (k, v) in m {
        boolean(k, v)?;
        condition(k, v)?;
    }
    let deployment = t.get("deployment").is_some();
    if !deployment && t.get("job").is_none() {
        if let Some((k, _)) = m.first() {
            return Err(unexpected(k));
        }
    }
    let own = if deployment { DEPLOYMENT } else { JOB };
    for (k, v) in m {
        let name = key(k);
        if !own.contains(&name.as_str()) && !JOB_COMMON.contains(&name.as_str()) {
            return Err(unexpected(k));
        }
        match name.as_str() {
            "steps" => expect_sequence(v)?.iter().try_for_each(step)?,
            "variables" => variables(v)?,
            "pool" => pool(v)?,
            "strategy" if deployment => deployment_strategy(v)?,
            "strategy" => {
                for (sk, _) in expect_mapping(v)? {
                    if !["matrix", "parallel", "maxParallel"].contains(&key(sk).as_str()) {
                        return Err(unexpected(sk));
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn deployment_strategy(t: &Tok) -> R {
    for (k, v) in expect_mapping(t)? {
        let name = key(k);
        let extra: &[&str] = match name.as_str() {
            "runOnce" => &[],
            "rolling" => &["maxParallel"],
            "canary" => &["increments"],
            _ => return Err(unexpected(k)),
        };
        for (hk, hv) in expect_mapping(v)? {
            let h = key(&hk.clone());
            if extra.contains(&h.as_str()) {
                continue;
            }
            if !HOOKS.contains(&h.as_str()) {
                return Err(unexpected(hk));
            }
            if h == "on" {
                for (ok, ov) in expect_mapping(hv)? {
                    if !["failure", "success"].contains(&key(ok).as_str()) {
                        return Err(unexpected(ok));
                    }
                    hook(ov)?;
                }
            } else {
                hook(hv)?;
            }
        }
    }
    Ok(())
}

fn hook(t: &Tok) -> R {
    for (k, v) in expect_mapping(t)? {
        match key(k).as_str() {
            "steps" => expect_sequence(v)?.iter().try_for_each(step)?,
            "pool" => pool(v)?,
            _ => return Err(unexpected(k)),
        }
    }
    Ok(())
}

/// Keys whose values Azure reads as booleans (YAML 1.1 spellings included).
const BOOLEAN_KEYS: &[&str] = &[
    "continueOnError",
    "enabled",
    "isSkippable",
    "persistCredentials",
    "lfs",
    "clean",
];

fn boolean(k: &Tok, v: &Tok) -> R {
    if !BOOLEAN_KEYS.contains(&key(k).as_str()) {
        return Ok(());
    }
    match &v.kind {
        TokKind::Bool(_) => Ok(()),
        TokKind::String(s) => {
            let ok = ["y", "yes", "n", "no", "true", "false", "on", "off"]
                .iter()
                .any(|b| b.eq_ignore_ascii_case(s))
                || s.contains("$(")
                || s.contains("$[");
            if ok || key(k) == "clean" {
                Ok(())
            } else {
                Err(error(format!("Unexpected value '{s}'"), v.span))
            }
        }
        _ => Ok(()),
    }
}

fn step(t: &Tok) -> R {
    if t.is_null() {
        return Ok(());
    }
    let m = expect_mapping(t)?;
    for (k, v) in m {
        boolean(k, v)?;
        condition(k, v)?;
    }
    let kind = m
        .iter()
        .find_map(|(k, _)| STEP_KINDS.iter().find(|(n, _)| *n == key(k)));
    let Some((_, own)) = kind else {
        return Err(match m.first() {
            Some((k, _)) => unexpected(k),
            None => error("A step must not be empty", t.span),
        });
    };
    let mut seen_kind = false;
    for (k, _) in m {
        let name = key(k);
        if STEP_KINDS.iter().any(|(n, _)| *n == name) {
            if seen_kind {
                return Err(unexpected(k));
            }
            seen_kind = true;
            continue;
        }
        if !own.contains(&name.as_str()) && !STEP_COMMON.contains(&name.as_str()) {
            return Err(unexpected(k));
        }
    }
    Ok(())
}

/// A variable value that is a run-time expression `$[ … ]` must parse.
fn runtime_value(v: &Tok) -> R {
    let Some(text) = v.as_str() else {
        return Ok(());
    };
    let t = text.trim();
    if let Some(inner) = t.strip_prefix("$[").and_then(|r| r.strip_suffix(']')) {
        let e = inner.trim();
        crate::azure::expr::parse(e, &crate::azure::expr::Names::runtime())
            .map_err(|err| error(err.full_message(e) + ".", v.span))?;
    }
    Ok(())
}

fn variables(t: &Tok) -> R {
    match &t.kind {
        TokKind::Mapping(m) => m.iter().try_for_each(|(_, v)| runtime_value(v)),
        TokKind::Null => Ok(()),
        TokKind::Sequence(items) => {
            for item in items {
                let m = expect_mapping(item)?;
                let allowed: &[&str] = if item.get("group").is_some() {
                    &["group"]
                } else {
                    &["name", "value", "readonly"]
                };
                for (k, v) in m {
                    if !allowed.contains(&key(k).as_str()) {
                        return Err(unexpected(k));
                    }
                    if key(k) == "value" {
                        runtime_value(v)?;
                    }
                }
            }
            Ok(())
        }
        _ => Err(error(
            format!("Expected a sequence or mapping, found a {}", t.kind_name()),
            t.span,
        )),
    }
}

fn pool(t: &Tok) -> R {
    if let TokKind::Mapping(m) = &t.kind {
        for (k, _) in m {
            if !["name", "demands", "vmImage"].contains(&key(k).as_str()) {
                return Err(unexpected(k));
            }
        }
    }
    Ok(())
}
