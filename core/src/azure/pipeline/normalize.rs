//! Azure's normalised final-YAML shape: stages → jobs → steps, with the implicit stage and job
//! of `jobs:`- and `steps:`-only pipelines, and shorthand steps written as the tasks they are.

use super::schema::{BASH_INPUTS, POWERSHELL_INPUTS, SCRIPT_INPUTS};
use crate::azure::template::{Tok, TokKind};
use crate::diag::Span;

/// Keys of a `steps:`-only pipeline that belong to its implicit job.
const JOB_KEYS: &[&str] = &[
    "pool",
    "container",
    "services",
    "workspace",
    "strategy",
    "timeoutInMinutes",
    "cancelTimeoutInMinutes",
    "continueOnError",
    "condition",
];
const ROOT_ORDER: &[&str] = &[
    "name",
    "appendCommitMessageToRunName",
    "trigger",
    "pr",
    "schedules",
    "resources",
    "lockBehavior",
    "variables",
    "pool",
    "stages",
];

fn s(text: &str, span: Span) -> Tok {
    Tok::string(text, span)
}

fn map(entries: Vec<(Tok, Tok)>, span: Span) -> Tok {
    Tok::new(TokKind::Mapping(entries), span)
}

/// Rewrites the expanded pipeline into the normalised shape.
pub fn normalize(root: &Tok) -> Tok {
    let span = root.span;
    let entries: &[(Tok, Tok)] = root.as_mapping().unwrap_or(&[]);
    let find = |k: &str| entries.iter().find(|(key, _)| key.as_str() == Some(k));
    let get = |k: &str| find(k).cloned();
    let has = |k: &str| find(k).is_some();
    // Only the stages are copied (once, while normalising them), not the whole pipeline.
    let mut stages = match (find("stages"), get("jobs"), get("steps")) {
        (Some((_, st)), _, _) => st
            .as_sequence()
            .unwrap_or(&[])
            .iter()
            .enumerate()
            .map(|(i, st)| normalize_stage(st, i))
            .collect(),
        (None, Some((jk, jobs)), _) => vec![map(
            vec![
                (s("stage", jk.span), s("__default", jk.span)),
                (s("jobs", jk.span), jobs),
            ],
            jk.span,
        )],
        (None, None, Some((sk, steps))) => {
            let mut job = vec![(s("job", sk.span), s("Job", sk.span))];
            for (k, v) in entries {
                if k.as_str().is_some_and(|k| JOB_KEYS.contains(&k)) {
                    job.push((k.clone(), v.clone()));
                }
            }
            job.push((s("steps", sk.span), steps));
            vec![map(
                vec![
                    (s("stage", sk.span), s("__default", sk.span)),
                    (
                        s("jobs", sk.span),
                        Tok::new(TokKind::Sequence(vec![map(job, sk.span)]), sk.span),
                    ),
                ],
                sk.span,
            )]
        }
        _ => Vec::new(),
    };
    if !has("stages") {
        for (i, st) in stages.iter_mut().enumerate() {
            *st = normalize_stage(st, i);
        }
    }
    let steps_only = !has("stages") && !has("jobs");
    let mut out = Vec::new();
    for key in ROOT_ORDER {
        if *key == "stages" {
            out.push((
                s("stages", span),
                Tok::new(TokKind::Sequence(std::mem::take(&mut stages)), span),
            ));
            continue;
        }
        if steps_only && JOB_KEYS.contains(key) {
            continue;
        }
        if let Some(e) = get(key).filter(|_| *key != "stages") {
            out.push(e);
        }
    }
    map(out, span)
}

fn normalize_stage(st: &Tok, index: usize) -> Tok {
    let mut out = Vec::new();
    for (k, v) in st.as_mapping().unwrap_or(&[]) {
        match k.as_str() {
            Some("templateContext") => {}
            Some("stage") if v.is_null() => {
                out.push((k.clone(), s(&format!("Stage_{}", index + 1), v.span)))
            }
            Some("jobs") => {
                let jobs = v
                    .as_sequence()
                    .unwrap_or(&[])
                    .iter()
                    .enumerate()
                    .map(|(i, j)| normalize_job(j, i))
                    .collect();
                out.push((k.clone(), Tok::new(TokKind::Sequence(jobs), v.span)));
            }
            _ => out.push((k.clone(), v.clone())),
        }
    }
    map(out, st.span)
}

fn normalize_job(job: &Tok, index: usize) -> Tok {
    let mut out = Vec::new();
    for (k, v) in job.as_mapping().unwrap_or(&[]) {
        match k.as_str() {
            Some("templateContext") => {}
            Some("job") if v.is_null() => {
                out.push((k.clone(), s(&format!("Job_{}", index + 1), v.span)))
            }
            Some("steps") => out.push((k.clone(), normalize_steps(v))),
            Some("strategy") if job.get("deployment").is_some() => {
                out.push((k.clone(), normalize_hooks(v)))
            }
            _ => out.push((k.clone(), v.clone())),
        }
    }
    map(out, job.span)
}

/// Steps inside deployment lifecycle hooks are normalised too.
fn normalize_hooks(t: &Tok) -> Tok {
    match &t.kind {
        TokKind::Mapping(m) => map(
            m.iter()
                .map(|(k, v)| {
                    if k.as_str() == Some("steps") {
                        (k.clone(), normalize_steps(v))
                    } else {
                        (k.clone(), normalize_hooks(v))
                    }
                })
                .collect(),
            t.span,
        ),
        _ => t.clone(),
    }
}

fn normalize_steps(steps: &Tok) -> Tok {
    let items = steps
        .as_sequence()
        .unwrap_or(&[])
        .iter()
        .map(normalize_step)
        .collect();
    Tok::new(TokKind::Sequence(items), steps.span)
}

/// `script`/`bash`/`pwsh`/`powershell` become the tasks Azure runs for them.
pub fn normalize_step(step: &Tok) -> Tok {
    let Some(entries) = step.as_mapping() else {
        return step.clone();
    };
    let Some((kind_key, script)) = entries
        .iter()
        .find(|(k, _)| matches!(k.as_str(), Some("script" | "bash" | "pwsh" | "powershell")))
    else {
        return step.clone();
    };
    let kind = kind_key.as_str().unwrap_or_default();
    let sp = kind_key.span;
    let task = match kind {
        "script" => "CmdLine@2",
        "bash" => "Bash@3",
        _ => "PowerShell@2",
    };
    let input_keys: &[&str] = match kind {
        "script" => SCRIPT_INPUTS,
        "bash" => BASH_INPUTS,
        _ => POWERSHELL_INPUTS,
    };
    let mut inputs = Vec::new();
    if kind != "script" {
        inputs.push((s("targetType", sp), s("inline", sp)));
    }
    inputs.push((s("script", sp), script.clone()));
    for (k, v) in entries {
        if k.as_str().is_some_and(|k| input_keys.contains(&k)) {
            inputs.push((k.clone(), v.clone()));
        }
    }
    if kind == "pwsh" {
        inputs.push((s("pwsh", sp), Tok::new(TokKind::Bool(true), sp)));
    }
    let mut out = vec![(s("task", sp), s(task, sp))];
    for (k, v) in entries {
        let name = k.as_str().unwrap_or_default();
        if name == kind || input_keys.contains(&name) {
            continue;
        }
        out.push((k.clone(), v.clone()));
    }
    out.push((s("inputs", sp), map(inputs, sp)));
    map(out, step.span)
}
