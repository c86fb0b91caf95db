//! The Argo simulation, end to end (manifests loaded, events fired, every Workflow run to its
//! end): the source post's scenario, a 10,000-item `withItems` fan-out, 4,000-item loops (steps
//! and a DAG task) whose pods end at 4,000 instants and a 1,000-task random DAG. Before
//! measuring, each case's peak heap (counted by a wrapping allocator) and node count are
//! printed.
//!
//! Run: `cargo bench -p pipelab-core --bench argo_run -- --warm-up-time 1 --measurement-time 3`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::atomic::{AtomicUsize, Ordering};

use criterion::{criterion_group, criterion_main, Criterion};
use pipelab_core::argo::events::EventSpec;
use pipelab_core::argo::model::Manifests;
use pipelab_core::argo::run::{run, RunConfig, RunReport};
use pipelab_core::diag::Sources;
use pipelab_core::{examples, yaml};

// Shared with the layout benches; this one draws only random DAGs.
#[allow(dead_code)]
#[path = "../tests/support/dags.rs"]
mod dags;

/// The system allocator, counting the bytes in use and their peak.
struct Counting;

static IN_USE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = IN_USE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        IN_USE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            if new_size >= layout.size() {
                let now = IN_USE.fetch_add(new_size - layout.size(), Ordering::Relaxed)
                    + (new_size - layout.size());
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                IN_USE.fetch_sub(layout.size() - new_size, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// A workspace's files and the events to fire (`ENDPOINT=BODY` as `pipelab run --event`).
struct Case {
    name: &'static str,
    files: Vec<(String, String)>,
    events: Vec<String>,
}

fn simulate(case: &Case) -> RunReport {
    let mut sources = Sources::new();
    let mut diags = Vec::new();
    let mut docs = Vec::new();
    for (name, text) in &case.files {
        let id = sources.add(name.as_str(), text.clone());
        docs.extend(
            yaml::load(id, text)
                .documents
                .into_iter()
                .map(|d| (id, d.root)),
        );
    }
    let manifests = Manifests::from_documents(docs.iter().map(|(i, n)| (*i, n)), &mut diags);
    let config = RunConfig {
        events: case
            .events
            .iter()
            .map(|e| EventSpec::parse(e).expect("event"))
            .collect(),
        ..RunConfig::default()
    };
    run(&manifests, &config)
}

fn seed() -> Case {
    let example = examples::find("argo-events-ml-pipeline").expect("example");
    Case {
        name: "seed",
        files: example
            .files
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect(),
        events: vec![r#"webhook/trigger={"model":"resnet","dataset":"imagenet"}"#.into()],
    }
}

fn fan_out(items: usize) -> Case {
    let list: Vec<String> = (0..items).map(|i| format!("\"item-{i}\"")).collect();
    let text = format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: fan-out
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - name: echo
        template: echo
        arguments:
          parameters:
          - name: message
            value: '{{{{item}}}}'
        withItems: [{}]
  - name: echo
    inputs:
      parameters:
      - name: message
    container:
      image: alpine:3.20
      command: [echo, '{{{{inputs.parameters.message}}}}']
",
        list.join(", ")
    );
    Case {
        name: "fan-out-10000",
        files: vec![("fan-out.yaml".into(), text)],
        events: Vec::new(),
    }
}

/// A fan-out whose pods end at as many instants (`sleep {{item}}`), as a steps loop or a DAG
/// task's loop: the controller is woken at each, so a walk of the whole loop per wake would be
/// quadratic.
fn fan_out_sleeps(items: usize, dag: bool) -> Case {
    let list: Vec<String> = (0..items).map(|i| i.to_string()).collect();
    let (name, body, indent) = if dag {
        (
            "dag-loop-sleeps-4000",
            "    dag:\n      tasks:\n      - ",
            "        ",
        )
    } else {
        ("fan-out-sleeps-4000", "    steps:\n    - - ", "        ")
    };
    let text = format!(
        "apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: sleeps
spec:
  entrypoint: main
  templates:
  - name: main
{body}name: nap
{indent}template: nap
{indent}arguments:
{indent}  parameters:
{indent}  - name: s
{indent}    value: '{{{{item}}}}'
{indent}withItems: [{}]
  - name: nap
    inputs:
      parameters:
      - name: s
    container:
      image: alpine:3.20
      command: [sh, -c, 'sleep {{{{inputs.parameters.s}}}}; echo done']
",
        list.join(", ")
    );
    Case {
        name,
        files: vec![("sleeps.yaml".into(), text)],
        events: Vec::new(),
    }
}

fn random_dag(n: usize) -> Case {
    let graph = dags::random(n, 40, 0, 7);
    let mut deps: Vec<Vec<usize>> = vec![Vec::new(); graph.nodes.len()];
    let index = |id: &str| id[1..].parse::<usize>().expect("node id n<i>");
    for e in &graph.edges {
        deps[index(&e.to)].push(index(&e.from));
    }
    let mut text = String::from(
        "apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata:
  name: random-dag
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
",
    );
    for (i, d) in deps.iter().enumerate() {
        text.push_str(&format!("      - name: t{i}\n        template: work\n"));
        if !d.is_empty() {
            let names: Vec<String> = d.iter().map(|j| format!("t{j}")).collect();
            text.push_str(&format!("        dependencies: [{}]\n", names.join(", ")));
        }
    }
    text.push_str(
        "  - name: work
    container:
      image: alpine:3.20
      command: [sh, -c, 'echo done']
",
    );
    Case {
        name: "random-dag-1000",
        files: vec![("random-dag.yaml".into(), text)],
        events: Vec::new(),
    }
}

fn runs(c: &mut Criterion) {
    let cases = [
        seed(),
        fan_out(10_000),
        fan_out_sleeps(4_000, false),
        fan_out_sleeps(4_000, true),
        random_dag(1_000),
    ];
    let mut group = c.benchmark_group("argo_run");
    group.sample_size(10);
    for case in &cases {
        let before = IN_USE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let report = simulate(case);
        let peak = PEAK.load(Ordering::Relaxed) - before;
        let nodes: usize = report.workflows.iter().map(|w| w.nodes.len()).sum();
        let phases: Vec<String> = report
            .workflows
            .iter()
            .map(|w| format!("{:?}", w.phase))
            .collect();
        eprintln!(
            "{}: {} workflow(s) {:?}, {nodes} nodes, peak heap {:.1} MB",
            case.name,
            report.workflows.len(),
            phases,
            peak as f64 / 1e6
        );
        drop(report);
        group.bench_function(case.name, |b| b.iter(|| simulate(black_box(case))));
    }
    group.finish();
}

criterion_group!(benches, runs);
criterion_main!(benches);
