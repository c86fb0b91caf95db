//! The CLI contract: exit codes, output formats and file naming, run on the built binary.

use std::path::Path;
use std::process::Command;

use pipelab_core::share::{decode, Link};

fn pipelab(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_pipelab"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"))
        .output()
        .expect("run pipelab");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `pipelab expand FILE REST...`.
fn expand(file: &str, rest: &[&str]) -> (i32, String, String) {
    let args: Vec<&str> = ["expand", file]
        .into_iter()
        .chain(rest.iter().copied())
        .collect();
    pipelab(&args)
}

/// The pipeline in `expand/self` that includes templates from the `shared` repository.
const SELF_PIPELINE: &str = "expand/self/azure-pipelines.yml";

#[test]
fn check_reports_file_line_col_and_fails() {
    let (code, stdout, stderr) = pipelab(&["check", "broken"]);
    assert_eq!(code, 1);
    assert_eq!(stdout, "");
    insta::assert_snapshot!(stderr, @r"
    broken/bad-indent.yml:4:2: error: While parsing a block mapping, did not find expected key
    broken/duplicate.yaml:3:1: error: Duplicate key 'steps' in mapping
    broken/missing-template.yml:2:13: warning: Template 'templates/nope.yml' is not among the workspace's files
    ");
}

#[test]
fn check_verbose_shows_the_source() {
    let (code, _, stderr) = pipelab(&["check", "-v", "broken/duplicate.yaml"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stderr);
}

#[test]
fn check_passes_clean_files() {
    let (code, stdout, stderr) = pipelab(&[
        "check",
        "good/azure-pipelines.yml",
        "good/templates/steps.yml",
    ]);
    assert_eq!((code, stdout.as_str(), stderr.as_str()), (0, "", ""));
}

#[test]
fn warnings_alone_do_not_fail() {
    let (code, _, stderr) = pipelab(&["check", "broken/missing-template.yml"]);
    assert_eq!(code, 0);
    assert!(
        stderr.contains("warning: Template 'templates/nope.yml'"),
        "{stderr}"
    );
}

#[test]
fn share_names_files_relative_to_their_common_folder() {
    let (code, stdout, _) = pipelab(&["share", "good"]);
    assert_eq!(code, 0);
    let Ok(Link::Workspace(payload)) = decode(stdout.trim()) else {
        panic!("not a link: {stdout}")
    };
    let names: Vec<_> = payload.files.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["azure-pipelines.yml", "templates/steps.yml"]);
    assert!(stdout.starts_with("#v1.z."));
    assert!(payload.files[1].text.contains("echo from template"));
}

#[test]
fn unreadable_input_is_a_usage_error() {
    let (code, _, stderr) = pipelab(&["check", "does-not-exist.yml"]);
    assert_eq!(code, 2);
    assert!(
        stderr.starts_with("pipelab: cannot read does-not-exist.yml"),
        "{stderr}"
    );
}

#[test]
fn expand_prints_the_final_yaml() {
    let (code, stdout, stderr) = expand(
        SELF_PIPELINE,
        &[
            "--repo",
            "central/shared@main=expand/shared",
            "--param",
            "verbose=true",
        ],
    );
    assert_eq!((code, stderr.as_str()), (0, ""));
    insta::assert_snapshot!(stdout);
}

#[test]
fn expand_json_is_the_pipeline_model() {
    let (code, stdout, _) = expand(
        SELF_PIPELINE,
        &[
            "--repo",
            "shared=expand/shared",
            "--param",
            "environments=[test]",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0);
    let model: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let stages: Vec<(&str, Vec<&str>)> = model["stages"]
        .as_array()
        .expect("stages")
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap_or_default(),
                s["dependsOn"]
                    .as_array()
                    .expect("dependsOn")
                    .iter()
                    .filter_map(|d| d.as_str())
                    .collect(),
            )
        })
        .collect();
    assert_eq!(stages, vec![("deploy_test", vec![]), ("release", vec![])]);
    assert_eq!(model["stages"][0]["jobs"][0]["environment"]["name"], "test");
}

#[test]
fn expand_errors_point_into_the_expression() {
    let (code, stdout, stderr) = expand("expand/self/broken.yml", &[]);
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(
        stderr,
        "expand/self/broken.yml:2:38: error: Unexpected symbol: '+'. Located at position 18 within expression: eq(parameters.n, +).\n"
    );
}

#[test]
fn expand_missing_repository_is_an_error() {
    let (code, _, stderr) = expand(SELF_PIPELINE, &[]);
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "expand/self/azure-pipelines.yml:22:13: error: File /release.yml not found in repository shared\n"
    );
}

#[test]
fn expand_simulate_skips_what_depends_on_a_failure() {
    let (code, stdout, stderr) = expand(
        SELF_PIPELINE,
        &[
            "--repo",
            "shared=expand/shared",
            "--simulate",
            "--fail",
            "deploy_dev.deploy",
        ],
    );
    assert_eq!((code, stderr.as_str()), (0, ""));
    insta::assert_snapshot!(stdout);
}

#[test]
fn expand_simulate_honours_trigger_none() {
    let (code, stdout, _) = expand(
        "expand/self/trigger-none.yml",
        &["--simulate", "--trigger", "push:main"],
    );
    assert_eq!(code, 0);
    let run: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(run["triggered"], false);
    assert_eq!(run["reason"], "CI trigger is disabled (trigger: none)");
}

#[test]
fn expand_json_resolves_macros_from_variable_groups() {
    let (code, stdout, stderr) = expand(
        "expand/self/groups.yml",
        &[
            "--var-group",
            "groupvars_dev:mygroupvar=from the library",
            "--var",
            "who=cli",
            "--format",
            "json",
        ],
    );
    assert_eq!((code, stderr.as_str()), (0, ""));
    let model: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let stage = &model["stages"][0];
    assert_eq!(stage["variables"]["groups"][0]["name"], "groupvars_dev");
    assert_eq!(stage["variables"]["groups"][0]["inLibrary"], true);
    assert_eq!(
        stage["jobs"][0]["steps"][0]["inputs"]["script"],
        "echo 'from the library' cli $(unknown)\n"
    );
}

#[test]
fn expand_errors_in_another_repository_name_its_folder() {
    let (code, _, stderr) = expand(
        "expand/self/uses-bad-template.yml",
        &["--repo", "central/shared@main=expand/shared"],
    );
    assert_eq!(code, 1);
    assert_eq!(
        stderr,
        "expand/shared/bad.yml:4:12: error: Unrecognized named-value: 'nope'. Located at position 1 within expression: nope.\n"
    );
}

#[test]
fn run_fires_a_webhook_and_prints_the_json_contract() {
    let example = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/src/examples/argo-events-ml-pipeline"
    );
    let (code, out, err) = pipelab(&[
        "run",
        example,
        "--event",
        r#"webhook/trigger={"model":"resnet","dataset":"imagenet"}"#,
        "--seed",
        "7",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["triggers"][0]["sensor"], "ml-pipeline-sensor");
    assert_eq!(v["triggers"][0]["fired"], true);
    let wf = &v["workflows"][0];
    assert!(wf["name"].as_str().unwrap().starts_with("ml-pipeline-run-"));
    assert_eq!(wf["phase"], "Succeeded");
    let train = wf["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["displayName"] == "train-model")
        .unwrap();
    for key in [
        "id",
        "name",
        "displayName",
        "type",
        "phase",
        "message",
        "startedAt",
        "finishedAt",
        "logs",
        "outputs",
    ] {
        assert!(train.get(key).is_some(), "node lacks {key}");
    }
    assert_eq!(train["logs"][0], "Training resnet...");
    assert_eq!(train["outputs"]["exitCode"], 0);
    assert!(v["diagnostics"].is_array());
    // The same seed gives the same run.
    let (_, again, _) = pipelab(&[
        "run",
        example,
        "--event",
        r#"webhook/trigger={"model":"resnet","dataset":"imagenet"}"#,
        "--seed",
        "7",
    ]);
    assert_eq!(out, again);
}

#[test]
fn run_submits_workflows_without_events() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/tests/fixtures/argo/steps_loops_when.yaml"
    );
    let (code, out, _) = pipelab(&["run", dir, "--format", "text"]);
    assert_eq!(code, 0);
    assert!(out.contains("Workflow loops: Succeeded"), "{out}");
    let (code, _, err) = pipelab(&["run", dir, "--until", "soon"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid --until"), "{err}");
}

const AZURE_EXAMPLE: &str = "../../../core/src/examples/azure-dynamic-multistage";
const ARGO_EXAMPLE: &str = "../../../core/src/examples/argo-events-ml-pipeline";
const POST: &str = r#"webhook/trigger={"model":"resnet","dataset":"imagenet"}"#;

#[test]
fn graph_draws_the_azure_stages_with_a_failed_build_as_mermaid() {
    let (code, stdout, stderr) = pipelab(&[
        "graph",
        AZURE_EXAMPLE,
        "--format",
        "mermaid",
        "--fail",
        "build.build",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.starts_with("%% azure-pipelines.yml\nflowchart LR\n"),
        "{stdout}"
    );
    assert!(stdout.contains("  n0 --> n1\n  n1 --> n2\n"), "{stdout}");
    assert!(stdout.contains("class n0 failed") && stdout.contains("class n2 skipped"));
    assert!(stdout.contains("[env prod_eus · runOnce]"), "{stdout}");
}

#[test]
fn graph_draws_the_simulated_workflow_as_dot_and_svg() {
    let (code, dot, stderr) = pipelab(&["graph", ARGO_EXAMPLE, "--event", POST, "--format", "dot"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(dot.starts_with("digraph \"ml-pipeline-run-"), "{dot}");
    assert!(
        dot.contains("label=\"train-model (Succeeded)\", color=\"#18BE94\""),
        "{dot}"
    );
    assert_eq!(dot.matches(" -> ").count(), 2, "{dot}");
    let (code, svg, _) = pipelab(&["graph", ARGO_EXAMPLE, "--event", POST, "--format", "svg"]);
    assert_eq!(code, 0);
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    assert_eq!(svg.matches("<g ").count(), svg.matches("</g>").count());
    assert_eq!(svg.matches("class=\"pl-node").count(), 3);
}

#[test]
fn graph_svg_needs_one_graph_and_json_has_them_all() {
    let (code, _, stderr) = pipelab(&[
        "graph",
        AZURE_EXAMPLE,
        ARGO_EXAMPLE,
        "--event",
        POST,
        "--format",
        "svg",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("2 graphs (azure-dynamic-multistage/azure-pipelines.yml, ml-pipeline-run-"),
        "{stderr}"
    );
    let (code, json, _) = pipelab(&[
        "graph",
        AZURE_EXAMPLE,
        ARGO_EXAMPLE,
        "--event",
        POST,
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).expect("json");
    let graphs = v["graphs"].as_array().expect("graphs");
    assert_eq!(graphs.len(), 2);
    assert!(graphs[0]["layout"]["nodes"][0]["x"].is_number());
    let (code, _, stderr) = pipelab(&["graph", AZURE_EXAMPLE, "--format", "svg", "--only", "nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no graph named 'nope'"));
}

/// `pipelab expand x | head -1`: the reader closes the pipe early. The output is larger than a
/// pipe's buffer, so the write must meet the closed pipe; the CLI stops quietly and succeeds.
#[test]
fn expand_stops_quietly_when_the_reader_closes_the_pipe() {
    let steps: String = (0..4000)
        .map(|i| format!("- script: echo step {i} of a pipeline bigger than a pipe buffer\n"))
        .collect();
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("broken-pipe.yml");
    std::fs::write(&file, format!("steps:\n{steps}")).expect("write the pipeline");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pipelab"))
        .args(["expand", file.to_str().expect("utf-8 path")])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run pipelab");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for pipelab");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!((out.status.code(), stderr.as_ref()), (Some(0), ""));
}

#[test]
fn a_closed_pipe_ends_the_output_quietly() {
    // Enough output to fill a pipe: a 3,000-item fan-out's run report.
    let dir = std::env::temp_dir().join(format!("pipelab-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let wf = dir.join("fan.yaml");
    std::fs::write(
        &wf,
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata:\n  name: fan\nspec:\n  entrypoint: main\n  templates:\n  - name: main\n    steps:\n    - - name: work\n        template: echo\n        withSequence:\n          count: \"3000\"\n  - name: echo\n    container:\n      image: alpine\n      command: [echo, hi]\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_pipelab"))
        .arg("run")
        .arg(&wf)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run pipelab");
    let mut first = [0u8; 16];
    std::io::Read::read_exact(child.stdout.as_mut().unwrap(), &mut first).unwrap();
    drop(child.stdout.take()); // like `| head -c 16`
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?} {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn run_acts_on_workflows_at_simulated_times() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/run/sleepy.yaml"
    );
    let workflow = |args: &[&str]| {
        let mut all = vec!["run", file];
        all.extend_from_slice(args);
        let (code, out, err) = pipelab(&all);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        v
    };
    // Stop: the sleeping pod is stopped, the exit handler still runs.
    let v = workflow(&["--action", "5s:stop"]);
    let wf = &v["workflows"][0];
    assert_eq!(wf["phase"], "Failed");
    assert_eq!(wf["message"], "Stopped with strategy 'Stop'");
    let node = |name: &str| node_named(wf, name);
    assert_eq!(node("nap")["phase"], "Failed");
    assert_eq!(node("nap")["finishedAt"], 5);
    assert_eq!(node("sleepy.onExit")["phase"], "Succeeded");
    assert!(node("done").is_null());
    // Terminate, then retry: the stopped step runs again and the workflow succeeds.
    let v = workflow(&["--action", "20s:retry", "--action", "5s:terminate:sleepy"]);
    let wf = &v["workflows"][0];
    assert_eq!(wf["phase"], "Succeeded", "{wf}");
    // Resubmit makes a second workflow, `sleepy-` plus five characters.
    let v = workflow(&["--action", "1m30s:resubmit"]);
    let second = v["workflows"][1]["name"].as_str().unwrap();
    assert_eq!(second.len(), "sleepy-".len() + 5, "{second}");
    assert_eq!(v["workflows"][1]["startedAt"], 90);
    // An action the server refuses is a diagnostic.
    let v = workflow(&["--action", "5s:stop:nope"]);
    assert!(v["diagnostics"][0]["message"]
        .as_str()
        .unwrap()
        .contains("\"nope\" not found"));
    // Bad input is a usage error, never a panic.
    let (code, _, err) = pipelab(&["run", file, "--action", "5s:explode"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("invalid --action '5s:explode': unknown action"),
        "{err}"
    );
    let (code, _, err) = pipelab(&["run", file, "--action", "soon:stop"]);
    assert_eq!(code, 2);
    assert!(err.contains("invalid time 'soon'"), "{err}");
}

/// `--action TIME:node-set=SELECTOR;...` is `argo node set`: cli_test.go TestArgoSetOutputs.
#[test]
fn run_sets_a_suspend_node_with_node_set() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/argo/e2e-inline/cli_test__TestArgoSetOutputs.yaml"
    );
    let set = r#"6s:node-set=displayName=approve;output-parameter=message="Hello, World!";message=Test message"#;
    let (code, out, err) = pipelab(&[
        "run",
        file,
        "--action",
        "5s:resume",
        "--action",
        set,
        "--action",
        "7s:resume",
    ]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    let wf = &v["workflows"][0];
    assert_eq!(wf["phase"], "Succeeded", "{wf}");
    let node = |name: &str| node_named(wf, name);
    assert_eq!(node("approve")["message"], "Test message");
    assert_eq!(
        node("approve")["outputs"]["parameters"]["message"],
        "Hello, World!"
    );
    assert_eq!(node("release")["logs"][0], "Hello, World!");
    // The first resume was refused.
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 1, "{diags:?}");
    assert!(diags[0]["message"]
        .as_str()
        .unwrap()
        .contains("raw output parameter 'message' has not been set"));
    let (code, _, err) = pipelab(&["run", file, "--action", "5s:node-set=x=1;colour=red"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown flag 'colour'"), "{err}");
}

#[test]
fn run_fires_events_at_simulated_times() {
    let limited = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/tests/fixtures/argo/trigger_rate_limit.yaml"
    );
    let run = |args: &[&str]| {
        let mut all = vec!["run", limited];
        all.extend_from_slice(args);
        let (code, out, err) = pipelab(&all);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).expect("json")
    };
    let times = |v: &serde_json::Value, key: &str, field: &str| -> Vec<serde_json::Value> {
        v[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t[field].clone())
            .collect()
    };
    // Five pushes at one instant into a trigger limited to 2 per second: the Workflows are
    // created 0.5 s apart, in the order fired.
    let push = |at: &str, commit: &str| format!("{at}:webhook/build={{\"commit\":\"{commit}\"}}");
    let fires: Vec<String> = ["a", "b", "c", "d", "e"]
        .iter()
        .map(|c| push("0s", c))
        .collect();
    let mut args = Vec::new();
    for f in &fires {
        args.extend(["--fire", f.as_str()]);
    }
    let v = run(&args);
    assert_eq!(times(&v, "events", "time"), [0, 0, 0, 0, 0]);
    assert_eq!(
        times(&v, "triggers", "time"),
        [
            serde_json::json!(0),
            serde_json::json!(0.5),
            serde_json::json!(1),
            serde_json::json!(1.5),
            serde_json::json!(2)
        ]
    );
    assert_eq!(
        times(&v, "workflows", "startedAt"),
        times(&v, "triggers", "time")
    );
    // --fire times are absolute, given in any order; --event fires first, one second apart.
    let (late, early) = (push("10s", "late"), push("1m", "later"));
    let v = run(&[
        "--fire",
        &early,
        "--event",
        r#"webhook/build={"commit":"first"}"#,
        "--fire",
        &late,
    ]);
    assert_eq!(times(&v, "events", "time"), [0, 10, 60]);
    // An action at the same time as a fire acts on the Workflow that fire created.
    let v = run(&["--fire", &push("5s", "x"), "--action", "5s:stop"]);
    assert_eq!(v["workflows"][0]["startedAt"], 5);
    assert_eq!(v["workflows"][0]["message"], "Stopped with strategy 'Stop'");
    // The text format says when each trigger ran.
    let (code, text, _) = pipelab(&[
        "run", limited, "--fire", &fires[0], "--fire", &fires[1], "--format", "text",
    ]);
    assert_eq!(code, 0);
    assert!(
        text.contains("trigger builds/build at 0.5s: fired"),
        "{text}"
    );
    // Bad input is a usage error, never a panic.
    for (bad, want) in [
        (
            "soon:webhook/build={}",
            "invalid --fire 'soon:webhook/build={}': invalid time 'soon'",
        ),
        (
            "5s",
            "invalid --fire '5s': expected TIME:EVENTSOURCE/EVENTNAME=JSON",
        ),
        (
            "5s:nonsense",
            "invalid --fire '5s:nonsense': event 'nonsense' must be",
        ),
    ] {
        let (code, _, err) = pipelab(&["run", limited, "--fire", bad]);
        assert_eq!(code, 2, "{bad}");
        assert!(err.contains(want), "{bad}: {err}");
    }
}

#[test]
fn run_reports_the_dlq_trigger() {
    let file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../core/tests/fixtures/argo/err_trigger_dlq.yaml"
    );
    let (code, out, err) = pipelab(&["run", file, "--fire", r#"0s:webhook/build={}"#]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let triggers = v["triggers"].as_array().unwrap();
    assert_eq!(triggers.len(), 2, "{v}");
    assert_eq!(triggers[0]["trigger"], "build");
    assert_eq!(triggers[0]["fired"], false);
    assert!(triggers[0].get("dlqOf").is_none());
    assert_eq!(triggers[1]["trigger"], "dead-letter");
    assert_eq!(triggers[1]["dlqOf"], "build");
    assert_eq!(triggers[1]["fired"], true);
    assert_eq!(triggers[1]["time"], 3);
    assert!(v["workflows"][0]["name"]
        .as_str()
        .unwrap()
        .starts_with("dead-letter-"));
}

/// The node of `workflow` (a workflow of `pipelab run`'s JSON) displayed as `name`, or null.
fn node_named(workflow: &serde_json::Value, name: &str) -> serde_json::Value {
    workflow["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["displayName"] == name)
        .cloned()
        .unwrap_or_default()
}
