//! Template parameters: declarations (typed list form and the old untyped mapping form), the
//! values given by a caller or at queue time, defaults, `values:` and Azure's type checks.

use super::token::{Tok, TokKind};

/// The declared type of a parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamType {
    String,
    Number,
    Boolean,
    Object,
    Step,
    StepList,
    Job,
    JobList,
    Deployment,
    DeploymentList,
    Stage,
    StageList,
    StringList,
    LegacyObject,
    /// Resource-like types runner.server and Azure accept (`container`, `pool`, …), checked
    /// only for shape.
    Container,
    ContainerList,
    Pool,
    Environment,
    FilePath,
    SecureFile,
    ServiceConnection,
}

impl ParamType {
    pub fn parse(s: &str) -> Option<ParamType> {
        Some(match s.to_ascii_lowercase().as_str() {
            "string" => ParamType::String,
            "number" => ParamType::Number,
            "boolean" => ParamType::Boolean,
            "object" => ParamType::Object,
            "step" => ParamType::Step,
            "steplist" => ParamType::StepList,
            "job" => ParamType::Job,
            "joblist" => ParamType::JobList,
            "deployment" => ParamType::Deployment,
            "deploymentlist" => ParamType::DeploymentList,
            "stage" => ParamType::Stage,
            "stagelist" => ParamType::StageList,
            "stringlist" => ParamType::StringList,
            "legacyobject" => ParamType::LegacyObject,
            "container" => ParamType::Container,
            "containerlist" => ParamType::ContainerList,
            "pool" => ParamType::Pool,
            "environment" => ParamType::Environment,
            "filepath" => ParamType::FilePath,
            "securefile" => ParamType::SecureFile,
            "serviceconnection" => ParamType::ServiceConnection,
            _ => return None,
        })
    }

    /// Whether a queue-time value is YAML to parse rather than a plain string.
    pub fn is_structured(self) -> bool {
        !matches!(
            self,
            ParamType::String
                | ParamType::Number
                | ParamType::Boolean
                | ParamType::FilePath
                | ParamType::SecureFile
                | ParamType::ServiceConnection
        )
    }
}

/// One declared parameter.
#[derive(Clone, Debug)]
pub struct ParamDecl {
    pub name: String,
    pub ty: ParamType,
    pub default: Option<Tok>,
    pub values: Option<Vec<Tok>>,
    pub decl: Tok,
}

/// The parameters a template declares.
#[derive(Clone, Debug, Default)]
pub struct Declarations {
    pub params: Vec<ParamDecl>,
    /// The old untyped mapping form: every value a caller passes is accepted.
    pub untyped: bool,
}

const DECL_KEYS: &[&str] = &["name", "displayName", "type", "default", "values"];

/// Reads a `parameters:` declaration.
pub fn declarations(node: Option<&Tok>) -> Result<Declarations, (String, Tok)> {
    let Some(node) = node else {
        return Ok(Declarations {
            params: Vec::new(),
            untyped: true,
        });
    };
    match &node.kind {
        TokKind::Null => Ok(Declarations {
            params: Vec::new(),
            untyped: true,
        }),
        TokKind::Mapping(entries) => Ok(Declarations {
            params: entries
                .iter()
                .map(|(k, v)| ParamDecl {
                    name: k.scalar_text().unwrap_or_default(),
                    ty: ParamType::LegacyObject,
                    default: Some(v.clone()),
                    values: None,
                    decl: k.clone(),
                })
                .collect(),
            untyped: true,
        }),
        TokKind::Sequence(items) => {
            let mut params = Vec::new();
            for item in items {
                let Some(entries) = item.as_mapping() else {
                    return Err((
                        format!("Expected a mapping, found a {}", item.kind_name()),
                        item.clone(),
                    ));
                };
                for (k, _) in entries {
                    let key = k.scalar_text().unwrap_or_default();
                    if !DECL_KEYS.contains(&key.as_str()) {
                        return Err((format!("Unexpected value '{key}'"), k.clone()));
                    }
                }
                let name = item
                    .get("name")
                    .and_then(|n| n.scalar_text())
                    .filter(|n| !n.is_empty())
                    .ok_or_else(|| {
                        (
                            "Required property 'name' is missing in a parameter declaration"
                                .to_string(),
                            item.clone(),
                        )
                    })?;
                let ty = match item.get("type") {
                    None => ParamType::String,
                    Some(t) => {
                        let text = t.scalar_text().unwrap_or_default();
                        ParamType::parse(&text).ok_or_else(|| {
                            (format!("Unexpected parameter type '{text}'"), t.clone())
                        })?
                    }
                };
                params.push(ParamDecl {
                    name,
                    ty,
                    default: item.get("default").cloned(),
                    values: item
                        .get("values")
                        .and_then(|v| v.as_sequence())
                        .map(<[Tok]>::to_vec),
                    decl: item.clone(),
                });
            }
            Ok(Declarations {
                params,
                untyped: false,
            })
        }
        _ => Err((
            format!(
                "Expected a sequence or mapping, found a {}",
                node.kind_name()
            ),
            node.clone(),
        )),
    }
}

/// Checks and converts `value` for parameter `decl`.
pub fn check_value(decl: &ParamDecl, value: &Tok) -> Result<Tok, String> {
    let name = &decl.name;
    let not_expected = |t: &Tok| match t.kind {
        TokKind::Sequence(_) => Err("A sequence was not expected".to_string()),
        TokKind::Mapping(_) => Err("A mapping was not expected".to_string()),
        _ => Ok(()),
    };
    let converted = match decl.ty {
        ParamType::String => {
            not_expected(value)?;
            Tok {
                kind: TokKind::String(value.scalar_text().unwrap_or_default()),
                ..value.clone()
            }
        }
        ParamType::Number => {
            not_expected(value)?;
            let text = value.scalar_text().unwrap_or_default();
            let n = match value.kind {
                TokKind::Number(n) => Some(n),
                _ => crate::azure::expr::value::parse_number_literal(text.trim()),
            };
            match n {
                Some(n) => Tok {
                    kind: TokKind::Number(n),
                    ..value.clone()
                },
                None => {
                    return Err(format!(
                        "The '{name}' parameter value '{text}' is not a valid number."
                    ))
                }
            }
        }
        ParamType::Boolean => {
            not_expected(value)?;
            let b = match &value.kind {
                TokKind::Bool(b) => Some(*b),
                TokKind::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
                TokKind::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            };
            match b {
                Some(b) => Tok {
                    kind: TokKind::Bool(b),
                    ..value.clone()
                },
                None => {
                    return Err(format!(
                        "The '{name}' parameter value '{}' is not a valid boolean.",
                        value.scalar_text().unwrap_or_default()
                    ))
                }
            }
        }
        ParamType::Step | ParamType::Job | ParamType::Deployment | ParamType::Stage => {
            if value.as_mapping().is_none() {
                return Err(shape_error(name, decl.ty, value));
            }
            check_conditions(value)?;
            typed_shape(value)
        }
        ParamType::StepList
        | ParamType::JobList
        | ParamType::DeploymentList
        | ParamType::StageList => match &value.kind {
            TokKind::Sequence(items) => {
                if let Some(bad) = items.iter().find(|i| i.as_mapping().is_none()) {
                    return Err(shape_error(name, decl.ty, bad));
                }
                items.iter().try_for_each(check_conditions)?;
                Tok {
                    kind: TokKind::Sequence(items.iter().map(typed_shape).collect()),
                    ..value.clone()
                }
            }
            TokKind::Null => Tok {
                kind: TokKind::Sequence(Vec::new()),
                ..value.clone()
            },
            _ => return Err(shape_error(name, decl.ty, value)),
        },
        ParamType::StringList => match &value.kind {
            TokKind::Sequence(items) => {
                if items.iter().any(|i| i.scalar_text().is_none()) {
                    return Err(format!("The '{name}' parameter is not a valid stringList."));
                }
                value.clone()
            }
            TokKind::String(s) => Tok {
                kind: TokKind::Sequence(
                    s.split(',')
                        .map(|p| Tok::string(p.trim(), value.span))
                        .collect(),
                ),
                ..value.clone()
            },
            _ => return Err(format!("The '{name}' parameter is not a valid stringList.")),
        },
        ParamType::Object
        | ParamType::LegacyObject
        | ParamType::Container
        | ParamType::ContainerList
        | ParamType::Pool
        | ParamType::Environment => value.clone(),
        ParamType::FilePath | ParamType::SecureFile | ParamType::ServiceConnection => {
            not_expected(value)?;
            value.clone()
        }
    };
    if let Some(values) = &decl.values {
        let allowed: Vec<String> = values.iter().filter_map(Tok::scalar_text).collect();
        let chosen: Vec<String> = match &converted.kind {
            TokKind::Sequence(items) => items.iter().filter_map(Tok::scalar_text).collect(),
            _ => converted.scalar_text().into_iter().collect(),
        };
        for c in chosen {
            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&c)) {
                return Err(format!(
                    "The '{name}' parameter value '{c}' is not a valid value."
                ));
            }
        }
    }
    Ok(converted)
}

/// Azure parses the `condition` of a typed step, job or stage value as a run-time expression.
fn check_conditions(value: &Tok) -> Result<(), String> {
    if let Some(c) = value.get("condition").and_then(Tok::as_str) {
        crate::azure::pipeline::schema::check_condition(c)?;
    }
    Ok(())
}

/// A typed job, deployment or stage value is read into Azure's object model, which writes a
/// deployment's `environment: name.resource` as `{ name, resourceName }`.
fn typed_shape(value: &Tok) -> Tok {
    let Some(entries) = value.as_mapping() else {
        return value.clone();
    };
    if value.get("deployment").is_none() {
        return value.clone();
    }
    let entries = entries
        .iter()
        .map(|(k, v)| {
            if k.as_str() == Some("environment") {
                if let Some(text) = v.scalar_text().filter(|_| v.as_str().is_some()) {
                    let mut env = Vec::new();
                    match text.split_once('.') {
                        Some((e, r)) => {
                            env.push((Tok::string("name", v.span), Tok::string(e, v.span)));
                            env.push((Tok::string("resourceName", v.span), Tok::string(r, v.span)));
                        }
                        None => env.push((Tok::string("name", v.span), Tok::string(text, v.span))),
                    }
                    return (k.clone(), Tok::new(TokKind::Mapping(env), v.span));
                }
            }
            (k.clone(), v.clone())
        })
        .collect();
    Tok {
        kind: TokKind::Mapping(entries),
        ..value.clone()
    }
}

/// Azure reads typed values with its schema, so a value of the wrong shape is "not expected".
fn shape_error(name: &str, ty: ParamType, value: &Tok) -> String {
    format!(
        "A {} was not expected: the '{name}' parameter is a {}.",
        value.kind_name(),
        type_word(ty)
    )
}

fn type_word(t: ParamType) -> &'static str {
    match t {
        ParamType::Step => "step",
        ParamType::StepList => "stepList",
        ParamType::Job => "job",
        ParamType::JobList => "jobList",
        ParamType::Deployment => "deployment",
        ParamType::DeploymentList => "deploymentList",
        ParamType::Stage => "stage",
        ParamType::StageList => "stageList",
        _ => "value",
    }
}
