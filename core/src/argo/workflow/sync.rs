//! Synchronization as Argo's `workflow/sync` does it: mutexes and semaphores (limits read from a
//! ConfigMap key) shared by every workflow of a run, held by a workflow (`spec.synchronization`)
//! or by a node (a template's `synchronization`).
//!
//! What Argo does, and we with it:
//! - A lock is named `<namespace>/Mutex/<name>` or `<namespace>/ConfigMap/<configmap>/<key>`
//!   (`lock_name.go`); the namespace defaults to the workflow's.
//! - A mutex is a semaphore of limit 1. A semaphore's limit is the ConfigMap key's value, read
//!   each time the lock is tried (changing the ConfigMap changes the limit).
//! - A holder that cannot take the lock is queued; the queue is ordered by priority (higher
//!   first), then creation time, then arrival (`PriorityQueue`); only the front may acquire
//!   (`checkAcquire`), and the waiting message is
//!   `Waiting for <lock> lock. Lock status: <available>/<limit>`.
//! - A holder needing several locks takes all of them or none (one transaction).
//! - Locks are released when the node is fulfilled or the workflow completes; waiting workflows
//!   are then requeued (here: woken at the same instant).
//!
//! **Architecture Invariant:** the lock table is plain data owned by the run; it never reads
//! a clock and bad input (a missing ConfigMap, an unparsable limit) is a message, never a panic.

use std::collections::{BTreeMap, HashMap};

use crate::sim::Millis;
use crate::yaml::Node;

/// One lock a workflow or template asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockRef {
    /// Argo's lock name, e.g. `argo/Mutex/test` or `argo/ConfigMap/my-config/workflow`.
    pub key: String,
    /// `None` for a mutex; the ConfigMap's name and key for a semaphore.
    pub semaphore: Option<(String, String)>,
}

/// Parses a `synchronization` block: `mutex`, `mutexes`, `semaphore`, `semaphores`.
pub fn lock_refs(sync: &Node, namespace: &str) -> Vec<LockRef> {
    let mut out = Vec::new();
    let ns_of = |n: &Node| {
        n.get("namespace")
            .and_then(Node::as_str)
            .filter(|s| !s.is_empty())
            .unwrap_or(namespace)
            .to_string()
    };
    let mutex = |m: &Node, out: &mut Vec<LockRef>| {
        let Some(name) = m.get("name").and_then(Node::as_str) else {
            return;
        };
        out.push(LockRef {
            key: format!("{}/Mutex/{name}", ns_of(m)),
            semaphore: None,
        });
    };
    if let Some(m) = sync.get("mutex") {
        mutex(m, &mut out);
    }
    for m in sync
        .get("mutexes")
        .and_then(Node::as_sequence)
        .unwrap_or_default()
    {
        mutex(m, &mut out);
    }
    let semaphore = |s: &Node, out: &mut Vec<LockRef>| {
        let Some(r) = s.get("configMapKeyRef") else {
            return;
        };
        let name = r.get("name").and_then(Node::as_str).unwrap_or_default();
        let key = r.get("key").and_then(Node::as_str).unwrap_or_default();
        out.push(LockRef {
            key: format!("{}/ConfigMap/{name}/{key}", ns_of(s)),
            semaphore: Some((name.to_string(), key.to_string())),
        });
    };
    if let Some(s) = sync.get("semaphore") {
        semaphore(s, &mut out);
    }
    for s in sync
        .get("semaphores")
        .and_then(Node::as_sequence)
        .unwrap_or_default()
    {
        semaphore(s, &mut out);
    }
    out
}

#[derive(Clone, Debug)]
struct Waiter {
    holder: String,
    priority: i64,
    created: Millis,
    seq: u64,
}

/// The lock table of one run.
#[derive(Clone, Debug, Default)]
pub struct Locks {
    holders: BTreeMap<String, Vec<String>>,
    pending: BTreeMap<String, Vec<Waiter>>,
    /// ConfigMap name → data, for semaphore limits (the workspace's ConfigMaps and those
    /// created by a scripted step).
    pub config_maps: HashMap<String, BTreeMap<String, String>>,
    seq: u64,
    released: bool,
}

/// The outcome of trying to take locks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Acquire {
    Acquired,
    /// Waiting, with Argo's message.
    Waiting(String),
    /// The lock cannot be taken at all (no limit): the message says why.
    Failed(String),
}

impl Locks {
    /// A lock table whose semaphore limits come from these ConfigMaps (name → data).
    pub fn with_config_maps(config_maps: HashMap<String, BTreeMap<String, String>>) -> Locks {
        Locks {
            config_maps,
            ..Locks::default()
        }
    }

    /// Tries to take every lock in `refs` for `holder` (all or none).
    pub fn try_acquire(
        &mut self,
        holder: &str,
        refs: &[LockRef],
        priority: i64,
        created: Millis,
    ) -> Acquire {
        let mut wait_message = None;
        for r in refs {
            if self.holds(holder, &r.key) {
                continue;
            }
            let limit = match self.limit(r) {
                Ok(l) => l,
                Err(m) => return Acquire::Failed(m),
            };
            let queue = self.pending.entry(r.key.clone()).or_default();
            if !queue.iter().any(|w| w.holder == holder) {
                self.seq += 1;
                queue.push(Waiter {
                    holder: holder.to_string(),
                    priority,
                    created,
                    seq: self.seq,
                });
                queue.sort_by(|a, b| {
                    b.priority
                        .cmp(&a.priority)
                        .then(a.created.cmp(&b.created))
                        .then(a.seq.cmp(&b.seq))
                });
            }
            let held = self.holders.get(&r.key).map_or(0, Vec::len);
            let front = queue.first().is_some_and(|w| w.holder == holder);
            if !front || held >= limit {
                wait_message.get_or_insert_with(|| {
                    format!(
                        "Waiting for {} lock. Lock status: {}/{limit}",
                        r.key,
                        limit.saturating_sub(held)
                    )
                });
            }
        }
        if let Some(m) = wait_message {
            return Acquire::Waiting(m);
        }
        for r in refs {
            if self.holds(holder, &r.key) {
                continue;
            }
            if let Some(q) = self.pending.get_mut(&r.key) {
                q.retain(|w| w.holder != holder);
            }
            self.holders
                .entry(r.key.clone())
                .or_default()
                .push(holder.to_string());
        }
        Acquire::Acquired
    }

    fn holds(&self, holder: &str, key: &str) -> bool {
        self.holders
            .get(key)
            .is_some_and(|h| h.iter().any(|x| x == holder))
    }

    fn limit(&self, r: &LockRef) -> Result<usize, String> {
        let Some((cm, key)) = &r.semaphore else {
            return Ok(1);
        };
        let data = self.config_maps.get(cm).ok_or_else(|| {
            format!("failed to get semaphore limit: configmaps \"{cm}\" not found")
        })?;
        let v = data.get(key).ok_or_else(|| {
            format!("failed to get semaphore limit: key '{key}' not found in ConfigMap '{cm}'")
        })?;
        v.trim().parse::<usize>().map_err(|_| {
            format!("failed to get semaphore limit: invalid limit '{v}' in ConfigMap '{cm}'")
        })
    }

    /// Releases every lock `holder` holds and drops it from every queue.
    pub fn release(&mut self, holder: &str) {
        for h in self.holders.values_mut() {
            let before = h.len();
            h.retain(|x| x != holder);
            self.released |= h.len() != before;
        }
        for q in self.pending.values_mut() {
            q.retain(|w| w.holder != holder);
        }
    }

    /// Releases what a workflow and its nodes hold (holders `<ns>/<name>` and
    /// `<ns>/<name>/<node>`), and its places in the queues.
    pub fn release_workflow(&mut self, namespace: &str, name: &str) {
        let wf = format!("{namespace}/{name}");
        let prefix = format!("{wf}/");
        let mine = |x: &str| x == wf || x.starts_with(&prefix);
        for h in self.holders.values_mut() {
            let before = h.len();
            h.retain(|x| !mine(x));
            self.released |= h.len() != before;
        }
        for q in self.pending.values_mut() {
            q.retain(|w| !mine(&w.holder));
        }
    }

    /// Whether a lock was released since the last call (waiting workflows should be woken).
    pub fn take_released(&mut self) -> bool {
        std::mem::take(&mut self.released)
    }

    /// Whether a limit may have grown: a ConfigMap changed.
    pub fn set_config_map(&mut self, name: &str, data: BTreeMap<String, String>) {
        self.config_maps.insert(name.to_string(), data);
        self.released = true;
    }

    pub fn remove_config_map(&mut self, name: &str) {
        self.config_maps.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mutex(name: &str) -> LockRef {
        LockRef {
            key: format!("argo/Mutex/{name}"),
            semaphore: None,
        }
    }

    #[test]
    fn mutex_is_fifo_and_released() {
        let mut l = Locks::default();
        let m = [mutex("m")];
        assert_eq!(l.try_acquire("a", &m, 0, 0), Acquire::Acquired);
        assert_eq!(
            l.try_acquire("b", &m, 0, 1),
            Acquire::Waiting("Waiting for argo/Mutex/m lock. Lock status: 0/1".into())
        );
        assert!(matches!(l.try_acquire("c", &m, 0, 2), Acquire::Waiting(_)));
        l.release("a");
        assert!(l.take_released());
        // c is not at the front of the queue.
        assert!(matches!(l.try_acquire("c", &m, 0, 2), Acquire::Waiting(_)));
        assert_eq!(l.try_acquire("b", &m, 0, 1), Acquire::Acquired);
    }

    #[test]
    fn priority_goes_first_and_all_or_none() {
        let mut l = Locks::default();
        l.config_maps.insert(
            "cm".into(),
            BTreeMap::from([("k".to_string(), "2".to_string())]),
        );
        let sem = [LockRef {
            key: "argo/ConfigMap/cm/k".into(),
            semaphore: Some(("cm".into(), "k".into())),
        }];
        let both = [mutex("x"), sem[0].clone()];
        assert_eq!(l.try_acquire("a", &[mutex("x")], 0, 0), Acquire::Acquired);
        // b cannot take x, so it does not take the semaphore either.
        assert!(matches!(
            l.try_acquire("b", &both, 0, 1),
            Acquire::Waiting(_)
        ));
        assert_eq!(
            l.try_acquire("c", &sem, 0, 2),
            Acquire::Waiting("Waiting for argo/ConfigMap/cm/k lock. Lock status: 2/2".into())
        );
        // A higher priority goes before b and c in the queue, and a slot is free.
        assert_eq!(l.try_acquire("d", &sem, 5, 3), Acquire::Acquired);
        assert_eq!(
            l.try_acquire("c", &sem, 0, 2),
            Acquire::Waiting("Waiting for argo/ConfigMap/cm/k lock. Lock status: 1/2".into())
        );
        l.release("b");
        assert_eq!(l.try_acquire("c", &sem, 0, 2), Acquire::Acquired);
    }

    #[test]
    fn missing_config_map_is_a_message() {
        let mut l = Locks::default();
        let sem = LockRef {
            key: "argo/ConfigMap/nope/k".into(),
            semaphore: Some(("nope".into(), "k".into())),
        };
        assert!(matches!(
            l.try_acquire("a", &[sem], 0, 0),
            Acquire::Failed(_)
        ));
    }
}
