//! A `resource` template as Argo's executor runs it (`workflow/executor/resource.go`):
//! `ExecResource` runs `kubectl <action>` on the manifest (written to `/tmp/manifest.yaml`),
//! `WaitResource` polls the object every 5 s (`RESOURCE_STATE_CHECK_INTERVAL`) until its
//! `failureCondition` or `successCondition` holds, and `SaveResourceParameters` reads the output
//! parameters from the object (`kubectl get -o jsonpath=…`, or `-o json` through gojq).
//!
//! There is no cluster, so the object is the manifest as the API server would store it: the
//! name a `generateName` gets (5 characters, as Pipelab names generated Workflows), the
//! namespace, a uid and creation time. Its `status` is simulated only for kinds whose
//! behaviour Pipelab knows: a Pod (its first container, run per DESIGN.md's fidelity rules:
//! `phase` Pending, then Succeeded or Failed), a batch Job (`succeeded: completions`, or
//! `failed: backoffLimit + 1`), an Argo Workflow (run in the simulation: `phase` Running, then
//! its own final phase) and a Deployment, StatefulSet or ReplicaSet (every replica ready once
//! its pods start). A later `get` or `patch` of an object the workflow created sees that object
//! and its status as it is by then. Any other object keeps the status it was created with
//! (none): a condition on it that the created object does not decide is polled for ever — the
//! step stays Running until the workflow's deadline or a stop/terminate, as Argo's does when
//! nothing ever sets the field.
//!
//! **Architecture Invariant**: nothing here runs a command or reads a file; kubectl's checks
//! are the ones it makes before talking to a server (decoding the manifest) and the server's
//! answer to a nameless create.

use serde_json::{Map, Value as Json};

use crate::argo::events::filter::lookup;
use crate::argo::model::json::{json_text, to_json};
use crate::diag::FileId;
use crate::sim::{Millis, Rng};

/// Where the executor writes the manifest (`common.ExecutorResourceManifestPath`); kubectl's
/// messages name it.
pub const MANIFEST_PATH: &str = "/tmp/manifest.yaml";

/// How often `WaitResource` reads the object (`RESOURCE_STATE_CHECK_INTERVAL`, default 5 s).
pub const POLL_INTERVAL: Millis = 5_000;

/// The alphabet Kubernetes' `generateName` draws from (`utilrand.String`).
const NAME_ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

/// What the template asks kubectl to do.
pub struct Action<'a> {
    pub action: &'a str,
    pub manifest: &'a str,
    pub merge_strategy: Option<&'a str>,
    pub flags: &'a [String],
    pub namespace: &'a str,
    pub seed: u64,
    /// `timestamp(now)`: the object's `creationTimestamp`.
    pub created: String,
}

/// The object kubectl's action left, as `kubectl -o json` prints it (`None` for `delete`,
/// which prints only a name, so outputs take their defaults).
pub struct Applied {
    pub object: Option<Json>,
}

/// Runs kubectl's part of `ExecResource`. `Err` is the node's message, in kubectl's words
/// behind the executor's "no more retries".
pub fn apply(a: &Action<'_>) -> Result<Applied, String> {
    if a.manifest.trim().is_empty() && a.flags.is_empty() {
        return Err("Must provide at least one of flags or manifest.".into());
    }
    let strategy = a.merge_strategy.unwrap_or("strategic");
    let doc = parse_manifest(a.manifest)?;
    let has_kind = doc.get("kind").is_some_and(|k| !k.is_null());
    // getKubectlArguments: a patch reads the manifest as the patch (`--patch-file`) and names
    // the object by `-f` too, except a json patch or a kind-less patch given `flags`
    // (`kubectl patch <kind> <name>`).
    let by_file = !a.manifest.trim().is_empty()
        && !(a.action == "patch" && (strategy == "json" || (!a.flags.is_empty() && !has_kind)));
    let mut object = if by_file {
        check_decodable(&doc)?;
        doc.clone()
    } else {
        let mut o = Map::new();
        if let Some(kind) = a.flags.first() {
            o.insert("kind".into(), Json::String(kind.clone()));
        }
        if let Some(name) = a.flags.get(1) {
            let mut meta = Map::new();
            meta.insert("name".into(), Json::String(name.clone()));
            o.insert("metadata".into(), Json::Object(meta));
        }
        Json::Object(o)
    };
    if a.action == "delete" {
        return Ok(Applied { object: None });
    }
    let mut rng = Rng::new(a.seed);
    let kind = text_at(&object, &["kind"]).unwrap_or_default();
    let name = text_at(&object, &["metadata", "name"]).filter(|n| !n.is_empty());
    let generate = text_at(&object, &["metadata", "generateName"]).filter(|n| !n.is_empty());
    let name = match (name, generate) {
        (Some(n), _) => n,
        (None, Some(g)) if matches!(a.action, "create" | "apply") && by_file => {
            format!("{g}{}", rng.string(NAME_ALPHABET, 5))
        }
        _ if !by_file => String::new(),
        (None, _) => {
            let verb = match a.action {
                "create" => "creating",
                "apply" => "applying",
                "patch" => "patching",
                _ => "getting",
            };
            return Err(format!(
                "Error from server (Invalid): error when {verb} \"{MANIFEST_PATH}\": {kind} \"\" \
                 is invalid: metadata.name: Required value: name or generateName is required"
            ));
        }
    };
    if let Some(o) = object.as_object_mut() {
        let meta = o
            .entry("metadata")
            .or_insert_with(|| Json::Object(Map::new()));
        if !meta.is_object() {
            *meta = Json::Object(Map::new());
        }
        if let Some(m) = meta.as_object_mut() {
            m.insert("name".into(), Json::String(name));
            m.entry("namespace")
                .or_insert_with(|| Json::String(a.namespace.to_string()));
            m.entry("uid")
                .or_insert_with(|| Json::String(uid(&mut rng)));
            m.entry("creationTimestamp")
                .or_insert_with(|| Json::String(a.created.clone()));
        }
    }
    Ok(Applied {
        object: Some(object),
    })
}

/// The manifest as kubectl reads it (YAML to JSON, as `sigs.k8s.io/yaml` does).
fn parse_manifest(manifest: &str) -> Result<Json, String> {
    if manifest.trim().is_empty() {
        return Ok(Json::Object(Map::new()));
    }
    let loaded = crate::yaml::load(FileId(0), manifest);
    if let Some(d) = loaded.diagnostics.first() {
        return Err(format!(
            "error: error parsing {MANIFEST_PATH}: {}",
            d.message
        ));
    }
    Ok(loaded
        .documents
        .first()
        .map(|d| to_json(&d.root))
        .unwrap_or(Json::Null))
}

/// kubectl's decoding of `-f`: a manifest needs a `kind` (`runtime.NewMissingKindErr`) and an
/// `apiVersion` (else no REST mapping matches).
fn check_decodable(doc: &Json) -> Result<(), String> {
    let Some(o) = doc.as_object() else {
        return Err(format!(
            "error: unable to decode \"{MANIFEST_PATH}\": json: cannot unmarshal {} into Go \
             value of type map[string]interface {{}}",
            go_json_type(doc)
        ));
    };
    let kind = o.get("kind").and_then(Json::as_str).unwrap_or_default();
    if kind.is_empty() {
        return Err(format!(
            "error: unable to decode \"{MANIFEST_PATH}\": Object 'Kind' is missing in '{doc}'"
        ));
    }
    let version = o
        .get("apiVersion")
        .and_then(Json::as_str)
        .unwrap_or_default();
    if version.is_empty() {
        return Err(format!(
            "error: unable to recognize \"{MANIFEST_PATH}\": no matches for kind \"{kind}\" in \
             version \"\""
        ));
    }
    Ok(())
}

fn go_json_type(v: &Json) -> &'static str {
    match v {
        Json::Array(_) => "array",
        Json::String(_) => "string",
        Json::Number(_) => "number",
        Json::Bool(_) => "bool",
        _ => "null",
    }
}

/// A uid in Kubernetes' form (a version-4 UUID), from the seeded generator.
fn uid(rng: &mut Rng) -> String {
    let (a, b) = (rng.next_u64(), rng.next_u64());
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        b >> 52,
        b & 0xffff_ffff_ffff
    )
}

/// The text at a path of object keys.
fn text_at(v: &Json, path: &[&str]) -> Option<String> {
    let mut cur = v;
    for k in path {
        cur = cur.get(k)?;
    }
    cur.as_str().map(str::to_string)
}

// ----- conditions -----

/// One requirement of a Kubernetes label selector (`labels.Parse`), as Argo reads a
/// `successCondition` or `failureCondition`: its keys are gjson paths into the object.
#[derive(Clone, Debug, PartialEq)]
pub struct Requirement {
    key: String,
    op: Op,
    values: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Equals,
    DoubleEquals,
    NotEquals,
    In,
    NotIn,
    Exists,
    DoesNotExist,
    GreaterThan,
    LessThan,
}

/// Parses a selector (`a == b, c > 1, !d, e in (x,y)`); `Err` in the words of
/// `labels.Parse`, roughly.
pub fn parse_selector(text: &str) -> Result<Vec<Requirement>, String> {
    let mut out = Vec::new();
    for part in split_top(text) {
        let part = part.trim();
        if part.is_empty() {
            return Err("found ',', expected: !, identifier, or 'end of string'".into());
        }
        out.push(parse_requirement(part)?);
    }
    Ok(out)
}

/// Splits at the commas outside parentheses.
fn split_top(text: &str) -> Vec<&str> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
}

fn parse_requirement(part: &str) -> Result<Requirement, String> {
    if let Some(key) = part.strip_prefix('!') {
        return Ok(Requirement {
            key: check_key(key.trim())?,
            op: Op::DoesNotExist,
            values: Vec::new(),
        });
    }
    let ops: [(&str, Op); 5] = [
        ("==", Op::DoubleEquals),
        ("!=", Op::NotEquals),
        ("=", Op::Equals),
        (">", Op::GreaterThan),
        ("<", Op::LessThan),
    ];
    for (sym, op) in ops {
        if let Some(at) = part.find(sym) {
            let key = check_key(part[..at].trim())?;
            let value = part[at + sym.len()..].trim().to_string();
            if matches!(op, Op::GreaterThan | Op::LessThan) && value.parse::<i64>().is_err() {
                return Err(format!(
                    "for 'Gt', 'Lt' operators, the value must be an integer: {value}"
                ));
            }
            check_value(&value)?;
            return Ok(Requirement {
                key,
                op,
                values: vec![value],
            });
        }
    }
    let words: Vec<&str> = part.splitn(2, char::is_whitespace).collect();
    if let [key, rest] = words[..] {
        let rest = rest.trim_start();
        let (op, list) = if let Some(l) = rest.strip_prefix("notin") {
            (Op::NotIn, l)
        } else if let Some(l) = rest.strip_prefix("in") {
            (Op::In, l)
        } else {
            return Err(format!(
                "found '{rest}', expected: in, notin, =, ==, !=, gt, lt"
            ));
        };
        let list = list.trim();
        let Some(inner) = list.strip_prefix('(').and_then(|l| l.strip_suffix(')')) else {
            return Err(format!("found '{list}', expected: '('"));
        };
        let values = inner
            .split(',')
            .map(|v| v.trim().to_string())
            .map(|v| check_value(&v).map(|()| v))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(Requirement {
            key: check_key(key)?,
            op,
            values,
        });
    }
    Ok(Requirement {
        key: check_key(part)?,
        op: Op::Exists,
        values: Vec::new(),
    })
}

fn check_key(key: &str) -> Result<String, String> {
    if key.is_empty()
        || key
            .chars()
            .any(|c| c.is_whitespace() || "()!=<>,".contains(c))
    {
        return Err(format!("invalid label key \"{key}\""));
    }
    Ok(key.to_string())
}

/// A label value: at most 63 characters, alphanumerics with `-`, `_`, `.` inside.
fn check_value(value: &str) -> Result<(), String> {
    let ok = value.len() <= 63
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        && value
            .chars()
            .next()
            .is_none_or(|c| c.is_ascii_alphanumeric())
        && value
            .chars()
            .last()
            .is_none_or(|c| c.is_ascii_alphanumeric());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid label value: \"{value}\": a valid label must be an empty string or consist \
             of alphanumeric characters, '-', '_' or '.', and must start and end with an \
             alphanumeric character"
        ))
    }
}

impl Requirement {
    /// `Requirement.Matches` over `gjsonLabels`: a missing field fails `=`, `in`, `>`, `<` and
    /// passes `!=` and `notin`.
    pub fn matches(&self, object: &Json) -> bool {
        // A gjson path (`status.phase`, `status.conditions.0.type`), as Sensors' data filters read it.
        let found = lookup(object, &self.key);
        let has = found.is_some();
        let value = found.map(gjson_string).unwrap_or_default();
        match self.op {
            Op::Equals | Op::DoubleEquals | Op::In => has && self.values.contains(&value),
            Op::NotEquals | Op::NotIn => !has || !self.values.contains(&value),
            Op::Exists => has,
            Op::DoesNotExist => !has,
            Op::GreaterThan | Op::LessThan => {
                let (Ok(v), Some(Ok(r))) = (
                    value.parse::<i64>(),
                    self.values.first().map(|s| s.parse::<i64>()),
                ) else {
                    return false;
                };
                if self.op == Op::GreaterThan {
                    v > r
                } else {
                    v < r
                }
            }
        }
    }
}

impl std::fmt::Display for Requirement {
    /// As `Requirement.String()` prints it (Argo's messages quote it): no spaces around the
    /// operator.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let v = self.values.join(",");
        match self.op {
            Op::Equals => write!(f, "{}={v}", self.key),
            Op::DoubleEquals => write!(f, "{}=={v}", self.key),
            Op::NotEquals => write!(f, "{}!={v}", self.key),
            Op::In => write!(f, "{} in ({v})", self.key),
            Op::NotIn => write!(f, "{} notin ({v})", self.key),
            Op::Exists => write!(f, "{}", self.key),
            Op::DoesNotExist => write!(f, "!{}", self.key),
            Op::GreaterThan => write!(f, "{}>{v}", self.key),
            Op::LessThan => write!(f, "{}<{v}", self.key),
        }
    }
}

/// gjson's `Result.String()`: strings raw, null empty, everything else as its JSON.
fn gjson_string(v: &Json) -> String {
    match v {
        Json::Null => String::new(),
        other => json_text(other),
    }
}

/// What the polls of `WaitResource` conclude.
#[derive(Debug, PartialEq)]
pub enum Wait {
    /// Every success requirement holds (or there are no conditions).
    Succeeded,
    /// A failure requirement holds: the executor's message.
    Failed(String),
    /// Neither: polled again.
    Pending,
}

/// `matchConditions`: any failure requirement fails; all success requirements succeed.
pub fn match_conditions(object: &Json, success: &[Requirement], failure: &[Requirement]) -> Wait {
    if let Some(r) = failure.iter().find(|r| r.matches(object)) {
        return Wait::Failed(format!("failure condition '{r}' evaluated true"));
    }
    if success.iter().all(|r| r.matches(object)) {
        Wait::Succeeded
    } else {
        Wait::Pending
    }
}

// ----- the object's life -----

/// The object with `status` replaced.
pub fn with_status(object: &Json, status: Option<&Json>) -> Json {
    let mut o = object.clone();
    if let (Some(m), Some(s)) = (o.as_object_mut(), status) {
        m.insert("status".into(), s.clone());
    }
    o
}

/// What a simulated Job's pods did: how long one took and its exit code.
pub fn job_statuses(object: &Json, duration: Millis, exit_code: i32) -> Vec<(Millis, Json)> {
    let spec = object.get("spec");
    let int = |k: &str, d: u64| {
        spec.and_then(|s| s.get(k))
            .and_then(Json::as_u64)
            .unwrap_or(d)
            .clamp(1, 10_000)
    };
    let completions = int("completions", 1);
    let parallelism = int("parallelism", 1);
    let backoff = spec
        .and_then(|s| s.get("backoffLimit"))
        .and_then(Json::as_u64)
        .unwrap_or(6)
        .min(10_000);
    let pod = duration.saturating_add(super::container::COMMAND_DURATION);
    let active = serde_json::json!({ "active": parallelism.min(completions) });
    if exit_code == 0 {
        let waves = completions.div_ceil(parallelism);
        let done = serde_json::json!({ "succeeded": completions });
        vec![(0, active), (pod.saturating_mul(waves), done)]
    } else {
        let failed = serde_json::json!({ "failed": backoff + 1 });
        vec![(0, active), (pod.saturating_mul(backoff + 1), failed)]
    }
}

/// A Deployment's, StatefulSet's or ReplicaSet's replicas: their pods serve, so once they
/// start (a second, as a workflow's pods) every replica is ready.
pub fn replica_statuses(object: &Json) -> Vec<(Millis, Json)> {
    let n = object
        .pointer("/spec/replicas")
        .and_then(Json::as_u64)
        .unwrap_or(1);
    let ready = serde_json::json!({
        "replicas": n,
        "readyReplicas": n,
        "availableReplicas": n,
        "updatedReplicas": n,
    });
    vec![
        (0, serde_json::json!({ "replicas": n })),
        (super::container::COMMAND_DURATION, ready),
    ]
}

/// A Pod's `status.phase` over its life: Pending, then Running, then its end.
pub fn pod_statuses(duration: Millis, exit_code: i32) -> Vec<(Millis, Json)> {
    let end = if exit_code == 0 {
        "Succeeded"
    } else {
        "Failed"
    };
    let start = super::container::COMMAND_DURATION;
    vec![
        (0, serde_json::json!({ "phase": "Pending" })),
        (start, serde_json::json!({ "phase": "Running" })),
        (
            start.saturating_add(duration),
            serde_json::json!({ "phase": end }),
        ),
    ]
}

/// The first container of a pod spec: `(image, command, args)`.
pub fn first_container(pod_spec: Option<&Json>) -> (String, Vec<String>, Vec<String>) {
    let c = pod_spec
        .and_then(|s| s.get("containers"))
        .and_then(|c| c.get(0));
    let list = |k: &str| {
        c.and_then(|c| c.get(k))
            .and_then(Json::as_array)
            .map(|a| a.iter().map(json_text).collect())
            .unwrap_or_default()
    };
    let image = c
        .and_then(|c| c.get("image"))
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_string();
    (image, list("command"), list("args"))
}

/// When `WaitResource` decides, given the object's statuses over time (from the end of
/// kubectl's action): the first poll — at once, then every [`POLL_INTERVAL`] — that sees a
/// deciding state. `None`: it polls for ever.
pub fn decide(
    object: &Json,
    statuses: &[(Millis, Json)],
    success: &[Requirement],
    failure: &[Requirement],
) -> Option<(Millis, Wait, Json)> {
    let mut states = vec![(0, object.clone())];
    states.extend(
        statuses
            .iter()
            .map(|(t, s)| (*t, with_status(object, Some(s)))),
    );
    for (at, state) in states {
        match match_conditions(&state, success, failure) {
            Wait::Pending => continue,
            w => {
                let poll = at.div_ceil(POLL_INTERVAL).saturating_mul(POLL_INTERVAL);
                return Some((poll, w, state));
            }
        }
    }
    None
}

// ----- outputs -----

/// A jq filter over the object, as the executor's gojq prints it (`jq -rc`: strings raw,
/// everything else as compact JSON, one result a line). A subset: `.`, paths of `.key`,
/// `."key"`, `.[N]`, `.[]` and `.key[]`, optionally joined by `|`. Anything else is refused.
pub fn jq(object: &Json, filter: &str) -> Result<String, String> {
    let mut results = vec![object.clone()];
    for stage in filter.split('|') {
        if let Some(f) = JQ_BUILTINS.iter().find(|f| f.0 == stage.trim()) {
            results = results
                .iter()
                .map(|v| (f.1)(v))
                .collect::<Result<Vec<_>, _>>()?;
            continue;
        }
        let path = parse_jq_path(stage.trim()).ok_or_else(|| {
            format!(
                "jq filter '{filter}' is not simulated (Pipelab reads paths such as .a.b, \
                 .a[0] and .a[], and fromjson, tojson, keys and length, joined by |)"
            )
        })?;
        let mut next = Vec::new();
        for v in results {
            apply_jq_path(&v, &path, &mut next)?;
            if next.len() > 100_000 {
                return Err(format!("jq filter '{filter}': too many results"));
            }
        }
        results = next;
    }
    Ok(results
        .iter()
        .map(json_text)
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string())
}

type JqBuiltin = fn(&Json) -> Result<Json, String>;

/// The jq functions of the subset.
const JQ_BUILTINS: &[(&str, JqBuiltin)] = &[
    ("fromjson", |v| match v {
        Json::String(s) => {
            serde_json::from_str(s).map_err(|e| format!("{s} (while parsing '{s}'): {e}"))
        }
        other => Err(format!(
            "{} ({other}) cannot be parsed as JSON",
            go_json_type(other)
        )),
    }),
    ("tojson", |v| Ok(Json::String(v.to_string()))),
    ("keys", |v| match v {
        Json::Object(m) => {
            let mut k: Vec<&String> = m.keys().collect();
            k.sort();
            Ok(Json::Array(
                k.into_iter().map(|k| Json::String(k.clone())).collect(),
            ))
        }
        Json::Array(a) => Ok(Json::Array(
            (0..a.len()).map(|i| Json::from(i as u64)).collect(),
        )),
        other => Err(format!("{} ({other}) has no keys", go_json_type(other))),
    }),
    ("length", |v| match v {
        Json::Object(m) => Ok(Json::from(m.len() as u64)),
        Json::Array(a) => Ok(Json::from(a.len() as u64)),
        Json::String(s) => Ok(Json::from(s.chars().count() as u64)),
        Json::Null => Ok(Json::from(0u64)),
        Json::Number(n) => Ok(Json::from(n.as_f64().unwrap_or(0.0).abs())),
        Json::Bool(_) => Err("boolean has no length".into()),
    }),
];

#[derive(Debug)]
enum JqStep {
    Key(String),
    Index(i64),
    Each,
}

fn parse_jq_path(s: &str) -> Option<Vec<JqStep>> {
    let s = s.strip_prefix('.')?;
    let mut steps = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("[]") {
            steps.push(JqStep::Each);
            rest = r;
        } else if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            if let Some(q) = inner.strip_prefix('"').and_then(|q| q.strip_suffix('"')) {
                steps.push(JqStep::Key(q.to_string()));
            } else {
                steps.push(JqStep::Index(inner.parse().ok()?));
            }
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix('.') {
            rest = r;
        } else if let Some(r) = rest.strip_prefix('"') {
            let end = r.find('"')?;
            steps.push(JqStep::Key(r[..end].to_string()));
            rest = &r[end + 1..];
        } else {
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            let key = &rest[..end];
            if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return None;
            }
            steps.push(JqStep::Key(key.to_string()));
            rest = &rest[end..];
        }
    }
    Some(steps)
}

fn apply_jq_path(v: &Json, path: &[JqStep], out: &mut Vec<Json>) -> Result<(), String> {
    let Some((step, rest)) = path.split_first() else {
        out.push(v.clone());
        return Ok(());
    };
    match (step, v) {
        (JqStep::Key(k), Json::Object(m)) => {
            apply_jq_path(m.get(k).unwrap_or(&Json::Null), rest, out)
        }
        (JqStep::Key(_) | JqStep::Index(_), Json::Null) => apply_jq_path(&Json::Null, rest, out),
        (JqStep::Index(i), Json::Array(a)) => {
            let at = if *i < 0 { a.len() as i64 + i } else { *i };
            let item = usize::try_from(at).ok().and_then(|k| a.get(k));
            apply_jq_path(item.unwrap_or(&Json::Null), rest, out)
        }
        (JqStep::Each, Json::Array(a)) => {
            a.iter().try_for_each(|item| apply_jq_path(item, rest, out))
        }
        (JqStep::Each, Json::Object(m)) => m
            .values()
            .try_for_each(|item| apply_jq_path(item, rest, out)),
        (JqStep::Key(k), other) => {
            Err(format!("cannot index {} with \"{k}\"", go_json_type(other)))
        }
        (_, other) => Err(format!(
            "cannot iterate over: {} ({other})",
            go_json_type(other)
        )),
    }
}

/// Argo v2 pod names (`util.GeneratePodName`): `<workflow>-<template>-<fnv32a(node name)>`,
/// what `{{pod.name}}` is in a resource manifest.
pub fn pod_name(workflow: &str, template: &str, node_name: &str) -> String {
    if workflow == node_name {
        return workflow.to_string();
    }
    // The node id is `<workflow>-<fnv32a(node name)>`: the same hash.
    let id = super::node_id(workflow, node_name);
    let hash = id.rsplit('-').next().unwrap_or_default();
    format!("{workflow}-{template}-{hash}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action<'a>(verb: &'a str, manifest: &'a str) -> Action<'a> {
        Action {
            action: verb,
            manifest,
            merge_strategy: None,
            flags: &[],
            namespace: "argo",
            seed: 7,
            created: "2026-01-01T00:00:00Z".into(),
        }
    }

    /// e2e/testdata/resource-templates/failed.yaml (TestResourceTemplateFailed): a patch
    /// whose manifest lacks `kind` cannot be decoded by kubectl.
    #[test]
    fn a_manifest_without_kind_is_refused() {
        let m = "apiVersion: v1\nmetadata:\n  name: p\n";
        let e = apply(&action("patch", m)).err().unwrap_or_default();
        assert_eq!(
            e,
            "error: unable to decode \"/tmp/manifest.yaml\": Object 'Kind' is missing in \
             '{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"p\"}}'"
        );
        let e = apply(&action("create", "kind: Pod\nmetadata:\n  name: p\n"))
            .err()
            .unwrap_or_default();
        assert!(e.contains("no matches for kind \"Pod\""), "{e}");
        let e = apply(&action("create", "apiVersion: v1\nkind: Pod\n"))
            .err()
            .unwrap_or_default();
        assert!(e.contains("name or generateName is required"), "{e}");
    }

    /// A kind-less merge patch given `flags` names its object by them (k8s-patch-merge-pod).
    #[test]
    fn a_patch_by_flags_needs_no_kind() {
        let flags = ["pod".to_string(), "p-1".to_string()];
        let a = Action {
            flags: &flags,
            merge_strategy: Some("merge"),
            ..action("patch", "metadata:\n  annotations:\n    foo: bar\n")
        };
        let o = apply(&a).ok().and_then(|a| a.object).unwrap_or_default();
        assert_eq!(o["metadata"]["name"], "p-1");
    }

    #[test]
    fn generate_name_gets_five_characters() {
        let m = "apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: rand-num-\n";
        let o = apply(&action("create", m)).ok().and_then(|a| a.object);
        let name = o.as_ref().and_then(|o| o["metadata"]["name"].as_str());
        assert!(name.is_some_and(|n| n.len() == 14 && n.starts_with("rand-num-")));
        assert_eq!(
            o.map(|o| o["metadata"]["namespace"].clone()),
            Some("argo".into())
        );
    }

    #[test]
    fn selectors_as_kubernetes_labels_parse_them() {
        let obj = serde_json::json!({"status": {"succeeded": 3, "phase": "Running"}});
        let check = |s: &str| {
            let r = parse_selector(s).unwrap_or_default();
            !r.is_empty() && r.iter().all(|r| r.matches(&obj))
        };
        assert!(check("status.succeeded > 2"));
        assert!(!check("status.failed > 1"));
        assert!(check("status.failed != 1"));
        assert!(check("status.phase in (Running, Pending)"));
        assert!(check("status.phase, !status.failed"));
        assert!(!check("status.phase == Test"));
        assert!(parse_selector("status.succeeded > x").is_err());
        let r = parse_selector("status.phase == Failed").unwrap_or_default();
        assert_eq!(r[0].to_string(), "status.phase==Failed");
    }

    /// workflow/executor/resource_test.go's matchConditions: failure first, success all.
    #[test]
    fn failure_wins_and_success_needs_all() {
        let obj = serde_json::json!({"status": {"phase": "Failed"}});
        let s = parse_selector("status.phase == Succeeded").unwrap_or_default();
        let f = parse_selector("status.phase == Failed").unwrap_or_default();
        assert_eq!(
            match_conditions(&obj, &s, &f),
            Wait::Failed("failure condition 'status.phase==Failed' evaluated true".into())
        );
        assert_eq!(match_conditions(&obj, &[], &[]), Wait::Succeeded);
    }

    #[test]
    fn jq_paths() {
        let obj =
            serde_json::json!({"metadata": {"name": "my-pod"}, "items": [{"a": 1}, {"a": 2}]});
        assert_eq!(jq(&obj, ".metadata.name").ok().as_deref(), Some("my-pod"));
        assert_eq!(jq(&obj, ".items[].a").ok().as_deref(), Some("1\n2"));
        assert_eq!(jq(&obj, ".items[1] | .a").ok().as_deref(), Some("2"));
        assert_eq!(
            jq(&obj, ".metadata").ok().as_deref(),
            Some("{\"name\":\"my-pod\"}")
        );
        assert_eq!(jq(&obj, ".items | length").ok().as_deref(), Some("2"));
        let cm = serde_json::json!({"data": {"some": "{\"one\": [1, 2]}"}});
        assert_eq!(
            jq(&cm, ".data.some | fromjson | .one").ok().as_deref(),
            Some("[1,2]")
        );
        assert!(jq(&obj, ".items | map(.a)").is_err());
    }

    #[test]
    fn polls_are_five_seconds_apart() {
        let obj = serde_json::json!({"kind": "Pod"});
        let s = parse_selector("status.phase == Succeeded").unwrap_or_default();
        let d = decide(&obj, &pod_statuses(3_000, 0), &s, &[]);
        assert_eq!(d.map(|(t, w, _)| (t, w)), Some((5_000, Wait::Succeeded)));
        let never = parse_selector("status.phase == Test").unwrap_or_default();
        assert!(decide(&obj, &pod_statuses(3_000, 0), &never, &[]).is_none());
    }
}
