//! Runs the GitHub Actions expression corpus (`../shared/corpus/azure/actions-expressions`)
//! through Pipelab's Azure expression engine, for the parts where Azure and Actions agree.
//!
//! Skipped files (semantics differ from Azure's, so a pass or fail would say nothing):
//! - `op_*.json`, `operators_*.json`, `coerce_*.json`: GitHub operators (`==`, `&&`, `!`, `<`) and
//!   GitHub's loose equality that converts both sides to numbers; Azure has only functions and
//!   converts the right operand to the left's type.
//!   Exceptions: `op_idx.json`, `op_idx_star.json` and `op_dot.json` test indexing, `*` filters and
//!   property access, which Azure shares.
//! - `fromJSON.json`: Azure has no `fromJson`.
//! - `join.json`: Azure's `join(separator, collection)` takes its arguments in the other order.
//! - `case.json`: GitHub's `case()` function does not exist in Azure.
//!
//! Inside the files that run, a case is skipped when it uses GitHub-only syntax: an operator
//! outside a string, or a GitHub-only function (`fromJson`, `hashFiles`, `success`, `failure`,
//! `cancelled`, `case`). `toJson` is spelled `convertToJson` in Azure and is renamed.
//!
//! Known failures, kept visible: `contains(array, false)` (GitHub's loose equality converts
//! both sides; Azure converts the right operand to the item's type), `foo.b-ar` (GitHub allows
//! `-` in property names, Azure does not: runner-server's `verify-minus-is-no-keyword-error`),
//! and `tojson(1)2` (the rename shifts the reported position).
//!
//! The test is a ratchet: it prints every failing case and fails if fewer cases pass than pinned.

use std::path::Path;

use pipelab_core::azure::expr::{self, MapContext, Names, Value};
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value read with its objects' key order kept (the corpus depends on it, and
/// `serde_json::Value` sorts keys unless a crate-wide feature is switched on).
struct Ordered(Value);

impl<'de> Deserialize<'de> for Ordered {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Ordered;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("JSON")
            }
            fn visit_unit<E>(self) -> Result<Ordered, E> {
                Ok(Ordered(Value::Null))
            }
            fn visit_bool<E>(self, b: bool) -> Result<Ordered, E> {
                Ok(Ordered(Value::Bool(b)))
            }
            fn visit_i64<E>(self, n: i64) -> Result<Ordered, E> {
                Ok(Ordered(Value::Number(n as f64)))
            }
            fn visit_u64<E>(self, n: u64) -> Result<Ordered, E> {
                Ok(Ordered(Value::Number(n as f64)))
            }
            fn visit_f64<E>(self, n: f64) -> Result<Ordered, E> {
                Ok(Ordered(Value::Number(n)))
            }
            fn visit_str<E>(self, s: &str) -> Result<Ordered, E> {
                Ok(Ordered(Value::String(s.to_string())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Ordered, A::Error> {
                let mut items = Vec::new();
                while let Some(Ordered(v)) = a.next_element()? {
                    items.push(v);
                }
                Ok(Ordered(Value::Array(items)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Ordered, A::Error> {
                let mut entries = Vec::new();
                while let Some((k, Ordered(v))) = a.next_entry::<String, Ordered>()? {
                    entries.push((k, v));
                }
                Ok(Ordered(Value::Object(entries)))
            }
        }
        d.deserialize_any(V)
    }
}

const CORPUS: &str = "../../shared/corpus/azure/actions-expressions/expressions/testdata";

const RUN: &[(&str, usize)] = &[
    ("basic.json", 5),
    ("contains.json", 22),
    ("endsWith.json", 26),
    ("format.json", 38),
    ("number.json", 35),
    ("op_dot.json", 18),
    ("op_idx.json", 27),
    ("op_idx_star.json", 37),
    ("startsWith.json", 28),
    ("syntax-errors.json", 27),
    ("tojson.json", 21),
];

const GITHUB_ONLY_FUNCTIONS: &[&str] = &[
    "fromjson(",
    "hashfiles(",
    "success(",
    "failure(",
    "cancelled(",
    "case(",
];

fn uses_github_syntax(expr: &str) -> bool {
    let lower = expr.to_ascii_lowercase();
    if GITHUB_ONLY_FUNCTIONS.iter().any(|f| lower.contains(f)) {
        return true;
    }
    let mut in_str = false;
    let b = expr.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'\'' {
            in_str = !in_str;
        }
        if in_str {
            continue;
        }
        match c {
            b'<' | b'>' | b'!' => return true,
            b'=' | b'&' | b'|' if b.get(i + 1) == Some(&c) => return true,
            _ => {}
        }
    }
    false
}

fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Number(n) => {
            serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, Into::into)
        }
        Value::String(s) => s.clone().into(),
        Value::Version(_) | Value::DateTime(_) => v.to_display().unwrap_or_default().into(),
        Value::Array(items) => items.iter().map(to_json).collect(),
        Value::Object(entries) => entries
            .iter()
            .map(|(k, v)| (k.clone(), to_json(v)))
            .collect::<serde_json::Map<_, _>>()
            .into(),
    }
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "Null",
        Value::Bool(_) => "Boolean",
        Value::Number(_) => "Number",
        Value::String(_) | Value::Version(_) | Value::DateTime(_) => "String",
        Value::Array(_) => "Array",
        Value::Object(_) => "Object",
    }
}

/// Runs one case; `Ok(())` when the outcome matches, else the reason.
fn run_case(case: &serde_json::Value, contexts: Option<&Value>) -> Result<(), String> {
    let text = case["expr"]
        .as_str()
        .unwrap_or_default()
        .replace("toJson(", "convertToJson(")
        .replace("toJSON(", "convertToJson(")
        .replace("tojson(", "convertToJson(");
    let mut names = Names::default();
    let mut values = Vec::new();
    if let Some(Value::Object(ctx)) = contexts {
        for (k, v) in ctx {
            names.named_values.push(k.clone());
            values.push((k.clone(), v.clone()));
        }
    }
    let ctx = MapContext(values);
    let got = expr::evaluate(&text, &names, &ctx);
    if let Some(err) = case.get("err") {
        let want = err["value"]
            .as_str()
            .unwrap_or_default()
            .replace("toJson(", "convertToJson(");
        return match got {
            Err((msg, _)) if msg.starts_with(&want) => Ok(()),
            Err((msg, _)) => Err(format!("error {msg:?}, expected {want:?}")),
            Ok(v) => Err(format!("got {:?}, expected error {want:?}", v)),
        };
    }
    let want = &case["result"];
    match got {
        Err((msg, _)) => Err(format!("error {msg:?}, expected {want}")),
        Ok(v) => {
            let kind = want["kind"].as_str().unwrap_or_default();
            let json = to_json(&v);
            let same = kind == kind_name(&v)
                && match (&json, &want["value"]) {
                    (serde_json::Value::Number(a), serde_json::Value::Number(b)) => {
                        a.as_f64() == b.as_f64()
                    }
                    (serde_json::Value::Null, serde_json::Value::String(s)) => {
                        // NaN/Infinity are written as strings in the corpus.
                        matches!(v, Value::Number(n) if pipelab_core::azure::expr::value::format_number(n) == *s)
                    }
                    (a, b) => a == b,
                };
            if same {
                Ok(())
            } else {
                Err(format!(
                    "got {kind_name} {json}, expected {kind} {}",
                    want["value"],
                    kind_name = kind_name(&v)
                ))
            }
        }
    }
}

#[test]
fn actions_expression_corpus_where_azure_agrees() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join(CORPUS);
    let mut report = Vec::new();
    let mut below = Vec::new();
    for (file, pinned) in RUN {
        let text = std::fs::read_to_string(root.join(file)).expect("corpus file");
        let groups: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).expect("corpus json");
        // The same file with key order kept, for the contexts.
        let Ordered(ordered) = serde_json::from_str(&text).expect("corpus json");
        let ordered_cases = |group: &str, i: usize| -> Option<Value> {
            let Value::Object(groups) = &ordered else {
                return None;
            };
            let (_, Value::Array(cases)) = groups.iter().find(|(g, _)| g == group)? else {
                return None;
            };
            let Value::Object(case) = cases.get(i)? else {
                return None;
            };
            case.iter()
                .find(|(k, _)| k == "contexts")
                .map(|(_, v)| v.clone())
        };
        let (mut pass, mut total, mut skipped) = (0, 0, 0);
        for (group, cases) in &groups {
            for (i, case) in cases.as_array().into_iter().flatten().enumerate() {
                let e = case["expr"].as_str().unwrap_or_default();
                if uses_github_syntax(e) {
                    skipped += 1;
                    continue;
                }
                total += 1;
                match run_case(case, ordered_cases(group, i).as_ref()) {
                    Ok(()) => pass += 1,
                    Err(why) => println!("FAIL {file} [{group}] {e:?}: {why}"),
                }
            }
        }
        report.push(format!(
            "{file}: {pass}/{total} pass ({skipped} skipped as GitHub-only)"
        ));
        if pass < *pinned {
            below.push(format!("{file}: {pass} < pinned {pinned}"));
        }
    }
    for line in &report {
        println!("{line}");
    }
    assert!(below.is_empty(), "fewer cases pass than pinned: {below:?}");
}
