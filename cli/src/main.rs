//! `pipelab`: the playground's core on the command line, for CI and scripting.
//!
//! This crate owns the IO (reading files and folders, printing, exit codes); everything it
//! reports comes from `pipelab_core`.

mod expand;
mod files;
mod graph;
mod output;
mod run;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use pipelab_core::diag::{render_long, render_short};
use pipelab_core::share::{self, Payload, View};
use pipelab_core::workspace::analyze;

#[derive(Parser)]
#[command(
    name = "pipelab",
    version,
    about = "Check pipeline YAML and make Pipelab share links"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Load the YAML files (folders are searched for *.yml / *.yaml) and print every problem as
    /// `FILE:LINE:COL: SEVERITY: MESSAGE`. Exits 1 when there is an error.
    Check {
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
        /// Also print each problem with the source lines it points at.
        #[arg(long, short)]
        verbose: bool,
    },
    /// Print a share fragment `#v1.z.…` holding the given files (named relative to their common
    /// folder), to append to the playground's address.
    Share {
        #[arg(required = true)]
        paths: Vec<std::path::PathBuf>,
    },
    /// Expand an Azure Pipelines YAML file as Azure would and print the final pipeline.
    Expand(expand::ExpandArgs),
    /// Simulate Argo Events and Argo Workflows: fire events (or submit the Workflows) and print
    /// the triggers, workflows, nodes and diagnostics (JSON by default).
    Run(run::RunArgs),
    /// Draw the playground's graphs: each Azure pipeline's stage → job graph and each simulated
    /// Argo Workflow's node tree, as JSON (laid out), Graphviz DOT, Mermaid or SVG.
    Graph(graph::GraphArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("pipelab: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Check { paths, verbose } => {
            let files = files::read_all(&paths)?;
            let analysis = analyze(files.iter().map(|f| (f.display.as_str(), f.text.as_str())));
            for d in &analysis.diagnostics {
                if verbose {
                    eprintln!("{}", render_long(d, &analysis.sources));
                } else {
                    eprintln!("{}", render_short(d, &analysis.sources));
                }
            }
            Ok(if analysis.error_count() > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
        }
        Command::Expand(args) => expand::run(args),
        Command::Run(args) => run::execute(args),
        Command::Graph(args) => graph::execute(args),
        Command::Share { paths } => {
            let files = files::read_all(&paths)?;
            let payload = Payload {
                files: files
                    .into_iter()
                    .map(|f| share::SharedFile {
                        name: f.name,
                        text: f.text,
                    })
                    .collect(),
                view: View::default(),
            };
            output::emit_line(&share::encode(&payload))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
