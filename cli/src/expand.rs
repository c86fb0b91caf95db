//! `pipelab expand`: reads the pipeline's folder (the `self` repository) and the `--repo`
//! folders, runs the core's Azure engine and prints the final YAML or the pipeline model.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::output::{emit, emit_line};
use clap::{Args, ValueEnum};
use pipelab_core::azure::pipeline::simulate::{simulate, RunSpec, Trigger};
use pipelab_core::azure::pipeline::{self, Options};
use pipelab_core::azure::template::Input;
use pipelab_core::diag::{render_short, Sources};

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Yaml,
    Json,
}

#[derive(Args)]
pub struct ExpandArgs {
    /// The pipeline file; the files of its folder form the `self` repository.
    entry: PathBuf,
    /// A repository resource as a folder: KEY is its alias or `NAME@REF` as in its resource.
    #[arg(long = "repo", value_name = "KEY=DIR")]
    repos: Vec<String>,
    /// A queue-time parameter (YAML for object and list types).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    params: Vec<String>,
    /// A queue-time variable.
    #[arg(long = "var", value_name = "NAME=VALUE")]
    vars: Vec<String>,
    /// A variable of a variable group in the simulated library.
    #[arg(long = "var-group", value_name = "GROUP:NAME=VALUE")]
    var_groups: Vec<String>,
    /// Do not check the expanded pipeline against Azure's schema.
    #[arg(long)]
    no_validate: bool,
    /// `yaml`: the final pipeline; `json`: the pipeline model (stages, jobs, dependencies).
    #[arg(long, value_enum, default_value = "yaml")]
    format: Format,
    /// Print the simulated run as JSON instead of the pipeline.
    #[arg(long)]
    simulate: bool,
    /// What starts the simulated run: manual, push:BRANCH[:PATH,...], pr:BRANCH or schedule.
    #[arg(long, default_value = "manual", requires = "simulate")]
    trigger: String,
    /// A job that fails in the simulated run, as STAGE.JOB.
    #[arg(long = "fail", value_name = "STAGE.JOB", requires = "simulate")]
    fail: Vec<String>,
}

fn split_pair<'a>(s: &'a str, what: &str) -> Result<(&'a str, &'a str), String> {
    s.split_once('=')
        .ok_or_else(|| format!("{what} must be written NAME=VALUE, got {s:?}"))
}

/// Every `*.yml` / `*.yaml` under `dir` (hidden folders skipped), named relative to `dir`.
fn read_folder(
    dir: &Path,
    prefix: &str,
    out: &mut Vec<(String, String, PathBuf)>,
) -> Result<(), String> {
    fn walk(
        dir: &Path,
        base: &Path,
        prefix: &str,
        out: &mut Vec<(String, String, PathBuf)>,
    ) -> Result<(), String> {
        let rd = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot read folder {}: {e}", dir.display()))?;
        let mut entries: Vec<_> = rd.flatten().collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let hidden = e.file_name().to_string_lossy().starts_with('.');
            if path.is_dir() {
                if !hidden {
                    walk(&path, base, prefix, out)?;
                }
            } else if matches!(
                path.extension().and_then(|x| x.to_str()),
                Some("yml" | "yaml")
            ) {
                let text = std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                let rel = path.strip_prefix(base).unwrap_or(&path);
                let name = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((format!("{prefix}{name}"), text, path));
            }
        }
        Ok(())
    }
    walk(dir, dir, prefix, out)
}

pub fn run(args: ExpandArgs) -> Result<ExitCode, String> {
    let entry_text = std::fs::read_to_string(&args.entry)
        .map_err(|e| format!("cannot read {}: {e}", args.entry.display()))?;
    let folder = args
        .entry
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let entry_name = args
        .entry
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or("the pipeline must be a file")?;
    let mut files = Vec::new();
    read_folder(&folder, "", &mut files)?;
    if !files.iter().any(|(n, _, _)| *n == entry_name) {
        files.push((entry_name.clone(), entry_text, args.entry.clone()));
    }
    for spec in &args.repos {
        let (key, dir) = split_pair(spec, "--repo")?;
        read_folder(Path::new(dir), &format!("@{key}/"), &mut files)?;
    }
    let mut input = Input {
        entry: entry_name,
        ..Input::default()
    };
    for p in &args.params {
        let (k, v) = split_pair(p, "--param")?;
        input.parameters.push((k.to_string(), v.to_string()));
    }
    for p in &args.vars {
        let (k, v) = split_pair(p, "--var")?;
        input.variables.push((k.to_string(), v.to_string()));
    }
    for g in &args.var_groups {
        let (group, rest) = g
            .split_once(':')
            .ok_or_else(|| format!("--var-group must be written GROUP:NAME=VALUE, got {g:?}"))?;
        let (k, v) = split_pair(rest, "--var-group")?;
        match input.variable_groups.iter_mut().find(|(n, _)| n == group) {
            Some((_, vars)) => vars.push((k.to_string(), v.to_string())),
            None => input
                .variable_groups
                .push((group.to_string(), vec![(k.to_string(), v.to_string())])),
        }
    }
    input.files = files
        .iter()
        .map(|(n, t, _)| (n.clone(), t.clone()))
        .collect();
    let trigger = if args.simulate {
        Some(Trigger::parse(&args.trigger)?)
    } else {
        None
    };
    let outcome = pipeline::build(
        &input,
        Options {
            validate: !args.no_validate,
        },
    );
    // Report locations as the user's paths.
    let mut shown = Sources::new();
    for (_, f) in outcome.sources.iter() {
        // Files of a repository are named by its alias; `--repo` may have used `NAME@REF`.
        let mut names = vec![f.name.clone()];
        if let Some((alias, path)) = f.name.strip_prefix('@').and_then(|r| r.split_once('/')) {
            for r in outcome.repositories.iter().filter(|r| r.alias == alias) {
                names.push(format!("@{}@{}/{path}", r.name, r.git_ref));
                names.push(format!("@{}/{path}", r.name));
            }
        }
        let display = files
            .iter()
            .find(|(n, _, _)| names.contains(n))
            .map_or_else(
                || f.name.clone(),
                |(_, _, p)| {
                    let shown = p.display().to_string();
                    shown
                        .strip_prefix("./")
                        .map(str::to_string)
                        .unwrap_or(shown)
                },
            );
        shown.add(display, f.text.clone());
    }
    for d in &outcome.diagnostics {
        eprintln!("{}", render_short(d, &shown));
    }
    match outcome.pipeline {
        Some(p) if outcome.diagnostics.iter().all(|d| !d.is_error()) => {
            if let Some(trigger) = trigger {
                let spec = RunSpec {
                    trigger,
                    failing: args.fail.clone(),
                    variables: input.variables.clone(),
                    groups: input.variable_groups.clone(),
                };
                emit_line(&pipelab_core::azure::pipeline::to_pretty_json(&simulate(
                    &p.normalized,
                    &spec,
                )))?;
                return Ok(ExitCode::SUCCESS);
            }
            match args.format {
                Format::Yaml => emit(&p.final_yaml())?,
                Format::Json => {
                    let library = pipelab_core::azure::pipeline::model::Library {
                        variables: &input.variables,
                        groups: &input.variable_groups,
                        start_time: input.start_time,
                    };
                    emit_line(&serde_json_pretty(
                        &p.model_with(&outcome.sources, &library),
                    ))?
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        _ => Ok(ExitCode::FAILURE),
    }
}

fn serde_json_pretty(v: &pipelab_core::azure::pipeline::Json) -> String {
    pipelab_core::azure::pipeline::to_pretty_json(v)
}
