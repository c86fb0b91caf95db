//! Argo Events objects (EventSource, Sensor) and Kubernetes RBAC, typed.

use crate::diag::Span;
use crate::yaml::Node;

use super::spec::{strings, text};
use super::{Kind, Manifest, Manifests};

/// One event of an EventSource: its source type (`webhook`, `calendar`, `sqs`, ...) and name;
/// for an HTTP source, where it listens (`endpoint`, `method`, `port` of a `webhook` event, or of
/// the `webhook:` block of a `github`, `gitlab`, `slack`, ... event).
#[derive(Clone, Debug)]
pub struct EventSourceEvent {
    pub source_type: String,
    pub name: String,
    pub endpoint: Option<String>,
    pub method: Option<String>,
    pub port: Option<String>,
    pub config: Node,
    /// Where the event is written: its name and its configuration.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct EventSource {
    pub name: String,
    pub namespace: String,
    pub event_bus_name: String,
    pub events: Vec<EventSourceEvent>,
}

/// Keys of an EventSource's `spec` that are not event types.
const NON_EVENT_KEYS: &[&str] = &["service", "template", "eventBusName", "replicas", "replica"];

impl EventSource {
    pub fn from_manifest(m: &Manifest) -> EventSource {
        let mut events = Vec::new();
        let spec = m.spec();
        for e in spec.and_then(Node::as_mapping).unwrap_or_default() {
            let Some(source_type) = e.key.as_str() else {
                continue;
            };
            if NON_EVENT_KEYS.contains(&source_type) {
                continue;
            }
            for ev in e.value.as_mapping().unwrap_or_default() {
                let cfg = &ev.value;
                let server = |key: &str| {
                    text(cfg, key).or_else(|| cfg.get("webhook").and_then(|w| text(w, key)))
                };
                events.push(EventSourceEvent {
                    source_type: source_type.to_string(),
                    name: ev.key.as_str().unwrap_or_default().to_string(),
                    endpoint: server("endpoint"),
                    method: server("method"),
                    port: server("port"),
                    config: cfg.clone(),
                    span: Span {
                        end: cfg.span.end.max(ev.key.span.end),
                        ..ev.key.span
                    },
                });
            }
        }
        EventSource {
            name: m.name.clone(),
            namespace: m.namespace_or_default().to_string(),
            event_bus_name: spec
                .and_then(|s| text(s, "eventBusName"))
                .unwrap_or_else(|| "default".into()),
            events,
        }
    }
}

/// A Sensor dependency.
#[derive(Clone, Debug)]
pub struct Dependency {
    pub name: String,
    pub event_source_name: String,
    pub event_name: String,
    pub filters: Option<Node>,
    pub transform: Option<Node>,
}

/// A Sensor trigger (`triggers[].template` plus its `parameters`, `retryStrategy`, ...).
#[derive(Clone, Debug)]
pub struct Trigger {
    pub name: String,
    pub conditions: Option<String>,
    pub kind: String,
    /// The trigger body (`template.k8s`, `template.argoWorkflow`, ...).
    pub body: Node,
    /// `template.<kind>.parameters` (applied to the resource) and `triggers[].parameters`
    /// (applied to the trigger template itself).
    pub parameters: Vec<Node>,
    pub template_parameters: Vec<Node>,
    /// `triggers[].atLeastOnce`: ack the bus message only after the trigger has run.
    pub at_least_once: bool,
    /// `triggers[].retryStrategy` (Argo Events' `Backoff`: steps, duration, factor, jitter).
    pub retry_strategy: Option<Node>,
    /// `triggers[].rateLimit`.
    pub rate_limit: Option<RateLimit>,
    /// `triggers[].dlqTrigger`: run with the same events once every attempt has failed.
    pub dlq_trigger: Option<Box<Trigger>>,
    pub span: Span,
}

/// `triggers[].rateLimit` as written.
#[derive(Clone, Debug)]
pub struct RateLimit {
    /// `unit` as written (`Second` when absent).
    pub unit: String,
    /// `requestsPerUnit` when it is an int32 (0 when absent, Go's zero value); `None` when it
    /// is not one.
    pub requests_per_unit: Option<i64>,
}

impl RateLimit {
    fn parse(node: &Node) -> RateLimit {
        RateLimit {
            unit: text(node, "unit").unwrap_or_else(|| "Second".into()),
            requests_per_unit: match text(node, "requestsPerUnit") {
                None => Some(0),
                Some(n) => n.trim().parse::<i32>().ok().map(i64::from),
            },
        }
    }

    /// The length of one unit in milliseconds, as argo-events' `initRateLimiter` picks it:
    /// `Minute` and `Hour` (case-sensitive), else a second.
    pub fn per(&self) -> crate::sim::Millis {
        match self.unit.as_str() {
            "Minute" => 60_000,
            "Hour" => 3_600_000,
            _ => 1000,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Sensor {
    pub name: String,
    pub namespace: String,
    pub event_bus_name: String,
    pub service_account_name: Option<String>,
    pub dependencies: Vec<Dependency>,
    pub triggers: Vec<Trigger>,
    pub span: Span,
}

const TRIGGER_KINDS: &[&str] = &[
    "k8s",
    "argoWorkflow",
    "http",
    "log",
    "kafka",
    "nats",
    "slack",
    "openWhisk",
    "awsLambda",
    "custom",
    "azureEventHubs",
    "pulsar",
    "email",
    "azureServiceBus",
];

impl Trigger {
    /// One entry of `spec.triggers` (or a `dlqTrigger`); `None` without a template of a known
    /// kind.
    pub fn parse(t: &Node) -> Option<Trigger> {
        let tmpl = t.get("template")?;
        let (kind, body) = tmpl
            .as_mapping()
            .unwrap_or_default()
            .iter()
            .find(|e| e.key.as_str().is_some_and(|k| TRIGGER_KINDS.contains(&k)))
            .map(|e| {
                (
                    e.key.as_str().unwrap_or_default().to_string(),
                    e.value.clone(),
                )
            })?;
        let parameters = body
            .get("parameters")
            .and_then(Node::as_sequence)
            .unwrap_or_default()
            .to_vec();
        Some(Trigger {
            name: text(tmpl, "name").unwrap_or_default(),
            conditions: text(tmpl, "conditions"),
            kind,
            body,
            parameters,
            template_parameters: t
                .get("parameters")
                .and_then(Node::as_sequence)
                .unwrap_or_default()
                .to_vec(),
            at_least_once: t
                .get("atLeastOnce")
                .and_then(Node::as_str)
                .is_some_and(|v| v == "true"),
            retry_strategy: t.get("retryStrategy").cloned(),
            rate_limit: t.get("rateLimit").map(RateLimit::parse),
            dlq_trigger: t.get("dlqTrigger").and_then(Trigger::parse).map(Box::new),
            span: t.span,
        })
    }
}

impl Sensor {
    pub fn from_manifest(m: &Manifest) -> Sensor {
        let spec = m.spec();
        let seq = |key: &str| {
            spec.and_then(|s| s.get(key))
                .and_then(Node::as_sequence)
                .unwrap_or_default()
                .to_vec()
        };
        let dependencies = seq("dependencies")
            .iter()
            .map(|d| Dependency {
                name: text(d, "name").unwrap_or_default(),
                event_source_name: text(d, "eventSourceName").unwrap_or_default(),
                event_name: text(d, "eventName").unwrap_or_default(),
                filters: d.get("filters").cloned(),
                transform: d.get("transform").cloned(),
            })
            .collect();
        let triggers = seq("triggers").iter().filter_map(Trigger::parse).collect();
        Sensor {
            name: m.name.clone(),
            namespace: m.namespace_or_default().to_string(),
            event_bus_name: spec
                .and_then(|s| text(s, "eventBusName"))
                .unwrap_or_else(|| "default".into()),
            service_account_name: spec
                .and_then(|s| s.get("template"))
                .and_then(|t| text(t, "serviceAccountName")),
            dependencies,
            triggers,
            span: m.root.span,
        }
    }

    /// Why argo-events never runs this Sensor's pod, if its triggers make it refuse or crash
    /// it: the controller's `validateDlqTrigger` (pkg/reconciler/sensor/validate.go) refuses a
    /// `dlqTrigger` unless both the trigger and the dlqTrigger are `atLeastOnce`, and the pod's
    /// `initRateLimiter` (pkg/sensors/listener.go) divides by `requestsPerUnit`, so 0 panics.
    pub fn startup_error(&self) -> Option<String> {
        for t in &self.triggers {
            let mut cur = t;
            while let Some(dlq) = &cur.dlq_trigger {
                if !cur.at_least_once {
                    return Some(
                        "to use dlqTrigger, trigger.atLeastOnce must be set to true".into(),
                    );
                }
                if !dlq.at_least_once {
                    return Some("atLeastOnce must be set to true within the dlqTrigger".into());
                }
                cur = dlq;
            }
        }
        for t in &self.triggers {
            if let Some(r) = &t.rate_limit {
                match r.requests_per_unit {
                    Some(0) => {
                        return Some(format!(
                            "its pod crashed: panic: runtime error: integer divide by zero (trigger {}: rateLimit.requestsPerUnit is 0)",
                            t.name
                        ))
                    }
                    None => {
                        return Some(format!(
                            "its pod crashed: trigger {}: rateLimit.requestsPerUnit is not an int32",
                            t.name
                        ))
                    }
                    Some(_) => {}
                }
            }
        }
        None
    }
}

/// One RBAC rule.
#[derive(Clone, Debug)]
pub struct Rule {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
}

/// The RBAC objects of a workspace, answering "may this service account do that?".
#[derive(Clone, Debug, Default)]
pub struct Rbac {
    roles: Vec<RoleDef>,
    bindings: Vec<BindingDef>,
}

/// A Role or ClusterRole.
#[derive(Clone, Debug)]
struct RoleDef {
    kind: Kind,
    namespace: String,
    name: String,
    rules: Vec<Rule>,
}

/// A RoleBinding (with its namespace) or ClusterRoleBinding (namespace `None`).
#[derive(Clone, Debug)]
struct BindingDef {
    namespace: Option<String>,
    role_kind: String,
    role_name: String,
    /// Service accounts as (namespace, name).
    subjects: Vec<(String, String)>,
}

impl Rbac {
    pub fn from_manifests(ms: &Manifests) -> Rbac {
        let mut rbac = Rbac::default();
        for m in &ms.items {
            match m.kind {
                Kind::Role | Kind::ClusterRole => {
                    let rules = m
                        .root
                        .get("rules")
                        .and_then(Node::as_sequence)
                        .unwrap_or_default()
                        .iter()
                        .map(|r| Rule {
                            api_groups: strings(r.get("apiGroups")),
                            resources: strings(r.get("resources")),
                            verbs: strings(r.get("verbs")),
                        })
                        .collect();
                    rbac.roles.push(RoleDef {
                        kind: m.kind,
                        namespace: m.namespace_or_default().to_string(),
                        name: m.name.clone(),
                        rules,
                    });
                }
                Kind::RoleBinding | Kind::ClusterRoleBinding => {
                    let role_ref = m.root.get("roleRef");
                    let subjects = m
                        .root
                        .get("subjects")
                        .and_then(Node::as_sequence)
                        .unwrap_or_default()
                        .iter()
                        .filter(|s| text(s, "kind").as_deref() == Some("ServiceAccount"))
                        .map(|s| {
                            (
                                text(s, "namespace")
                                    .unwrap_or_else(|| m.namespace_or_default().to_string()),
                                text(s, "name").unwrap_or_default(),
                            )
                        })
                        .collect();
                    rbac.bindings.push(BindingDef {
                        namespace: (m.kind == Kind::RoleBinding)
                            .then(|| m.namespace_or_default().to_string()),
                        role_kind: role_ref.and_then(|r| text(r, "kind")).unwrap_or_default(),
                        role_name: role_ref.and_then(|r| text(r, "name")).unwrap_or_default(),
                        subjects,
                    });
                }
                _ => {}
            }
        }
        rbac
    }

    /// Whether the service account `sa` of `namespace` may `verb` `resource` (of `api_group`) in
    /// `namespace`.
    pub fn allows(
        &self,
        namespace: &str,
        sa: &str,
        verb: &str,
        api_group: &str,
        resource: &str,
    ) -> bool {
        self.bindings.iter().any(|b| {
            if !b
                .subjects
                .iter()
                .any(|(ns, name)| ns == namespace && name == sa)
            {
                return false;
            }
            if b.namespace.as_deref().is_some_and(|ns| ns != namespace) {
                return false;
            }
            self.roles.iter().any(|role| {
                let kind_ok = match (b.role_kind.as_str(), role.kind) {
                    ("ClusterRole", Kind::ClusterRole) => true,
                    ("Role", Kind::Role) => b.namespace.as_deref() == Some(role.namespace.as_str()),
                    _ => false,
                };
                kind_ok
                    && role.name == b.role_name
                    && role.rules.iter().any(|r| {
                        let m = |list: &[String], want: &str| {
                            list.iter().any(|x| x == "*" || x == want)
                        };
                        m(&r.api_groups, api_group)
                            && m(&r.resources, resource)
                            && m(&r.verbs, verb)
                    })
            })
        })
    }
}
