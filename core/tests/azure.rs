//! Azure engine fixtures: every file in `fixtures/azure/` is a workspace, expanded and
//! validated; the snapshot holds the final YAML and the diagnostics (as the CLI prints them and
//! in Azure's own `FILE (Line: L, Col: C)` wording). Files whose name starts with `err_` must fail.
//!
//! A fixture file holds several workspace files (see [`support::workspace`]).

use std::fmt::Write;

use pipelab_core::azure::pipeline::{self, azure_message, Options};
use pipelab_core::diag::render_short;

mod support;
use support::workspace;

#[test]
fn fixtures() {
    insta::glob!("fixtures/azure/*.yml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let input = workspace(&text);
        let outcome = pipeline::build(&input, Options::default());
        let mut out = String::new();
        if let Some(p) = &outcome.pipeline {
            out.push_str(&p.final_yaml());
        }
        for d in &outcome.diagnostics {
            writeln!(out, "{}", render_short(d, &outcome.sources)).unwrap();
            writeln!(out, "azure: {}", azure_message(d, &outcome.sources)).unwrap();
        }
        let must_fail = name.starts_with("err_");
        assert_eq!(
            must_fail,
            outcome.pipeline.is_none(),
            "{name}: err_ prefix must match the outcome:\n{out}"
        );
        insta::assert_snapshot!(out);
    });
}
