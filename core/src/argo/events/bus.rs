//! The EventBus as argo-events runs it on JetStream: a stream of published events, one durable
//! consumer per Sensor trigger and subject, and a key/value bucket per Sensor holding the
//! dependencies each trigger has seen but not yet used.
//!
//! What argo-events does (read in `pkg/eventbus/jetstream/sensor/sensor_jetstream.go` and
//! `trigger_conn.go`, and `pkg/sensors/listener.go`), and what this module keeps of it:
//! - Each trigger subscribes, per subject (`EVENTSOURCE.EVENTNAME`) of the dependencies named in
//!   its condition (all dependencies when it has none), with `PullSubscribe(subject, durable,
//!   AckExplicit(), DeliverNew())`, the durable name hashed from `sensor-trigger-dependency`. A
//!   new consumer starts at the end of the stream (a Sensor created after an event was published
//!   never sees it); an existing durable consumer resumes where it stopped, so events published
//!   while the Sensor was down, and messages it received but never acked, are delivered when a
//!   Sensor of the same name starts again.
//! - The saved dependencies live in a K/V bucket named after the Sensor, key
//!   `TRIGGER/DEPENDENCY`; deleting the Sensor does not delete the bucket. When a Sensor starts,
//!   `setStateToSpec` compares the stored spec with the new one: a trigger whose `conditions`
//!   text changed (or that was removed) has all the dependencies of its stored expression purged
//!   (key and durable consumer); a dependency whose definition changed (hashstructure of the
//!   whole dependency) or was removed is purged for the unchanged triggers. Then the new spec is
//!   stored.
//! - A trigger whose expression has no `&` fires on every passing message without saving
//!   anything; otherwise the saved dependencies plus this one are evaluated: true → fire with all
//!   of them and clear the trigger's keys, false → save this dependency.
//! - The message is acked when processing returns. With `atLeastOnce: true` the trigger runs
//!   inside processing (with its retries), so the ack waits for it; otherwise it runs in a
//!   goroutine and the message is acked at once, whatever the trigger does later.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{json, Value as Json};

use crate::argo::model::events::{Dependency, Sensor, Trigger};
use crate::argo::model::json::to_json;
use crate::sim::Millis;

/// One published event.
#[derive(Clone, Debug)]
pub struct Message {
    pub seq: u64,
    pub event_source: String,
    pub event_name: String,
    pub event: Json,
    pub time: Millis,
}

/// A durable consumer: the Sensor, the trigger and the dependency its durable name is made of.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ConsumerKey {
    pub sensor: String,
    pub trigger: String,
    pub dependency: String,
}

/// A trigger's subscription to one subject.
#[derive(Clone, Debug)]
pub struct Subscription {
    pub key: ConsumerKey,
    pub event_source: String,
    pub event_name: String,
}

#[derive(Clone, Debug, Default)]
struct Consumer {
    /// The highest stream sequence handed out.
    delivered: u64,
    /// Handed out, not acked: delivered again when the consumer is next subscribed.
    pending: BTreeSet<u64>,
}

/// The K/V bucket of one Sensor.
#[derive(Clone, Debug, Default)]
struct Store {
    /// trigger → dependency → the event saved for it.
    saved: BTreeMap<String, BTreeMap<String, Json>>,
    triggers: Vec<String>,
    expressions: BTreeMap<String, String>,
    dependencies: BTreeMap<String, Json>,
}

/// The bus of one simulated cluster.
#[derive(Clone, Debug, Default)]
pub struct Bus {
    messages: Vec<Message>,
    consumers: BTreeMap<ConsumerKey, Consumer>,
    stores: BTreeMap<String, Store>,
}

/// The dependency expression of a trigger: its `conditions`, else every dependency ANDed.
pub fn expression(sensor: &Sensor, trigger: &Trigger) -> String {
    match &trigger.conditions {
        Some(c) if !c.trim().is_empty() => c.clone(),
        _ => sensor
            .dependencies
            .iter()
            .map(|d| d.name.as_str())
            .collect::<Vec<_>>()
            .join(" && "),
    }
}

/// The dependencies a trigger subscribes to: those its expression names, in spec order.
pub fn trigger_dependencies<'a>(sensor: &'a Sensor, trigger: &Trigger) -> Vec<&'a Dependency> {
    let expr = expression(sensor, trigger);
    let names = dependency_names(&expr);
    sensor
        .dependencies
        .iter()
        .filter(|d| names.iter().any(|n| *n == d.name))
        .collect()
}

/// The names in a dependency expression (as argo-events' `purgeAllDepsForTrigger` reads them).
fn dependency_names(expr: &str) -> Vec<&str> {
    expr.split(|c: char| c.is_whitespace() || matches!(c, '&' | '|' | '(' | ')' | '!'))
        .filter(|s| !s.is_empty())
        .collect()
}

/// The subscriptions of a Sensor: per trigger, one per subject; the durable name comes from the
/// last dependency of that subject (argo-events builds a map subject → dependency).
pub fn subscriptions(sensor: &Sensor) -> Vec<Subscription> {
    let mut out: Vec<Subscription> = Vec::new();
    for t in &sensor.triggers {
        for d in trigger_dependencies(sensor, t) {
            let key = ConsumerKey {
                sensor: sensor.name.clone(),
                trigger: t.name.clone(),
                dependency: d.name.clone(),
            };
            match out.iter_mut().find(|s| {
                s.key.trigger == t.name
                    && s.event_source == d.event_source_name
                    && s.event_name == d.event_name
            }) {
                Some(s) => s.key = key,
                None => out.push(Subscription {
                    key,
                    event_source: d.event_source_name.clone(),
                    event_name: d.event_name.clone(),
                }),
            }
        }
    }
    out
}

fn dependency_definition(d: &Dependency) -> Json {
    json!({
        "name": d.name,
        "eventSourceName": d.event_source_name,
        "eventName": d.event_name,
        "filters": d.filters.as_ref().map(to_json),
        "transform": d.transform.as_ref().map(to_json),
    })
}

impl Bus {
    /// Publishes an event on subject `event_source.event_name`; returns its stream sequence.
    pub fn publish(
        &mut self,
        event_source: &str,
        event_name: &str,
        event: Json,
        time: Millis,
    ) -> u64 {
        let seq = self.messages.len() as u64 + 1;
        self.messages.push(Message {
            seq,
            event_source: event_source.to_string(),
            event_name: event_name.to_string(),
            event,
            time,
        });
        seq
    }

    pub fn message(&self, seq: u64) -> Option<&Message> {
        seq.checked_sub(1)
            .and_then(|i| self.messages.get(i as usize))
    }

    /// A Sensor starts: its bucket is reconciled with its spec, its consumers are created (at the
    /// end of the stream) or resumed. Returns the messages to deliver now, per subscription:
    /// the un-acked ones first, then those published while no Sensor pulled.
    pub fn start_sensor(&mut self, sensor: &Sensor) -> Vec<(Subscription, Vec<u64>)> {
        self.set_state_to_spec(sensor);
        let end = self.messages.len() as u64;
        let mut out = Vec::new();
        for sub in subscriptions(sensor) {
            let c = self.consumers.entry(sub.key.clone()).or_insert(Consumer {
                delivered: end,
                pending: BTreeSet::new(),
            });
            let mut seqs: Vec<u64> = c.pending.iter().copied().collect();
            let from = c.delivered;
            for m in self.messages.iter().skip(from as usize) {
                if m.event_source == sub.event_source && m.event_name == sub.event_name {
                    seqs.push(m.seq);
                    c.pending.insert(m.seq);
                }
            }
            c.delivered = end;
            out.push((sub, seqs));
        }
        out
    }

    /// Hands message `seq` to a running subscription (it is pending until acked).
    pub fn deliver(&mut self, key: &ConsumerKey, seq: u64) {
        let c = self.consumers.entry(key.clone()).or_default();
        c.delivered = c.delivered.max(seq);
        c.pending.insert(seq);
    }

    pub fn ack(&mut self, key: &ConsumerKey, seq: u64) {
        if let Some(c) = self.consumers.get_mut(key) {
            c.pending.remove(&seq);
        }
    }

    /// The dependencies a trigger has saved.
    pub fn saved(&self, sensor: &str, trigger: &str) -> BTreeMap<String, Json> {
        self.stores
            .get(sensor)
            .and_then(|s| s.saved.get(trigger))
            .cloned()
            .unwrap_or_default()
    }

    pub fn save(&mut self, sensor: &str, trigger: &str, dependency: &str, event: Json) {
        self.stores
            .entry(sensor.to_string())
            .or_default()
            .saved
            .entry(trigger.to_string())
            .or_default()
            .insert(dependency.to_string(), event);
    }

    pub fn clear(&mut self, sensor: &str, trigger: &str) {
        if let Some(s) = self.stores.get_mut(sensor) {
            s.saved.remove(trigger);
        }
    }

    fn purge(&mut self, sensor: &str, trigger: &str, dependency: &str) {
        if let Some(s) = self.stores.get_mut(sensor) {
            if let Some(t) = s.saved.get_mut(trigger) {
                t.remove(dependency);
            }
        }
        self.consumers.remove(&ConsumerKey {
            sensor: sensor.to_string(),
            trigger: trigger.to_string(),
            dependency: dependency.to_string(),
        });
    }

    /// argo-events' `setStateToSpec`.
    fn set_state_to_spec(&mut self, sensor: &Sensor) {
        let store = self.stores.entry(sensor.name.clone()).or_default().clone();
        let mut changed_deps = Vec::new();
        for (name, stored) in &store.dependencies {
            match sensor.dependencies.iter().find(|d| &d.name == name) {
                Some(d) if &dependency_definition(d) == stored => {}
                _ => changed_deps.push(name.clone()),
            }
        }
        let mut valid = Vec::new();
        let mut changed = Vec::new();
        for name in &store.triggers {
            let stored = store.expressions.get(name).cloned().unwrap_or_default();
            match sensor.triggers.iter().find(|t| &t.name == name) {
                Some(t) if t.conditions.clone().unwrap_or_default() == stored => {
                    valid.push(name.clone())
                }
                _ => changed.push((name.clone(), stored)),
            }
        }
        for t in &valid {
            for d in &changed_deps {
                self.purge(&sensor.name, t, d);
            }
        }
        for (t, stored) in &changed {
            for d in dependency_names(stored) {
                self.purge(&sensor.name, t, d);
            }
        }
        let s = self.stores.entry(sensor.name.clone()).or_default();
        s.dependencies = sensor
            .dependencies
            .iter()
            .map(|d| (d.name.clone(), dependency_definition(d)))
            .collect();
        s.triggers = sensor.triggers.iter().map(|t| t.name.clone()).collect();
        s.expressions = sensor
            .triggers
            .iter()
            .map(|t| (t.name.clone(), t.conditions.clone().unwrap_or_default()))
            .collect();
    }
}

/// The sleeps between the attempts of a failing `atLeastOnce` trigger under Argo Events'
/// `Backoff` (`DoWithRetry` → `wait.ExponentialBackoff`: `steps` attempts, sleeping `duration`,
/// then ×`factor`, between them, none after the last; jitter ignored). Without a
/// retryStrategy the trigger is tried once; with one whose `steps` is unset or not positive,
/// `Convert2WaitBackoff` takes the default 5. A sleep that would take the total past
/// `Millis::MAX / 2` ends the list (no run lasts that long).
pub fn retry_sleeps(retry_strategy: Option<&crate::yaml::Node>) -> Vec<Millis> {
    let Some(r) = retry_strategy else {
        return Vec::new();
    };
    let steps = r
        .get("steps")
        .and_then(|s| s.as_str())
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|s| *s > 0)
        .unwrap_or(5);
    let duration = r
        .get("duration")
        .and_then(|s| s.as_str())
        .and_then(|d| match d.trim().parse::<u64>() {
            // A bare number is nanoseconds (Int64OrString).
            Ok(ns) => Some(ns / 1_000_000),
            Err(_) => crate::sim::parse_duration(d),
        })
        .unwrap_or(1000) as f64;
    let factor = r
        .get("factor")
        .and_then(|s| s.as_str())
        .and_then(|f| f.trim().parse::<f64>().ok())
        .filter(|f| f.is_finite() && *f > 0.0)
        .unwrap_or(1.0);
    let mut out = Vec::new();
    let mut total = 0.0f64;
    let mut sleep = duration;
    for _ in 1..steps.min(10_000) {
        total += sleep;
        if total >= Millis::MAX as f64 / 2.0 {
            out.push(Millis::MAX / 2);
            break;
        }
        out.push(sleep as Millis);
        sleep *= factor;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::retry_sleeps;
    use crate::diag::FileId;

    fn sleeps_of(yaml: &str) -> Vec<u64> {
        let doc = crate::yaml::load(FileId(0), yaml).documents.remove(0).root;
        retry_sleeps(doc.get("retryStrategy"))
    }

    #[test]
    fn retry_sleeps_come_between_attempts() {
        assert!(retry_sleeps(None).is_empty());
        assert!(sleeps_of("retryStrategy: {steps: 1, duration: 5s}").is_empty());
        // 3 attempts: sleep 1s, then 2s.
        assert_eq!(
            sleeps_of("retryStrategy: {steps: 3, duration: 1s, factor: 2}"),
            [1000, 2000]
        );
        // Unset steps are Convert2WaitBackoff's default 5; a bare number is nanoseconds.
        assert_eq!(
            sleeps_of("retryStrategy: {duration: 2000000000}"),
            [2000; 4]
        );
        // The e2e suite's 100 steps from 500s ×5 outlast any run.
        let long = sleeps_of("retryStrategy: {steps: 100, duration: 500s, factor: 5.0}");
        assert_eq!(long.last(), Some(&(u64::MAX / 2)));
    }
}
