//! Shared by the Azure fixture tests and the benchmarks: one fixture file → a workspace.

use pipelab_core::azure::template::Input;

/// Splits a fixture file into workspace files: the first section is `azure-pipelines.yml`, and
/// each line `#--- NAME` starts the file NAME (`@alias/…` for another repository). Lines
/// `#! param NAME=VALUE` and `#! var NAME=VALUE` set queue-time values.
pub fn workspace(text: &str) -> Input {
    let mut input = Input {
        entry: "azure-pipelines.yml".into(),
        ..Input::default()
    };
    let mut name = "azure-pipelines.yml".to_string();
    let mut body = String::new();
    for line in text.split_inclusive('\n') {
        if let Some(next) = line.strip_prefix("#--- ") {
            input.files.push((name, std::mem::take(&mut body)));
            name = next.trim().to_string();
            continue;
        }
        if let Some(directive) = line.strip_prefix("#! ") {
            let (kind, rest) = directive.trim().split_once(' ').unwrap_or(("", ""));
            let (k, v) = rest.split_once('=').unwrap_or((rest, ""));
            match kind {
                "param" => input.parameters.push((k.into(), v.into())),
                "var" => input.variables.push((k.into(), v.into())),
                _ => panic!("unknown fixture directive {kind}"),
            }
        }
        body.push_str(line);
    }
    input.files.push((name, body));
    input
}
