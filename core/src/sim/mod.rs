//! The discrete-event simulation shared by the engines: a clock, a queue of scheduled events,
//! a seeded random number generator and a trace of every state change.
//!
//! **Architecture Invariant:** nothing in `sim` reads the wall clock or any global state. Time is
//! a number of simulated milliseconds from 0; events scheduled for the same instant run in the
//! order they were scheduled (`(time, seq)` ordering), so a run is a pure function of its inputs
//! and its seed.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Simulated time in milliseconds from the start of the run.
pub type Millis = u64;

/// A queue of events of type `E`, each due at a simulated instant.
#[derive(Debug)]
pub struct Queue<E> {
    now: Millis,
    seq: u64,
    heap: BinaryHeap<Reverse<(Millis, u64, Slot<E>)>>,
}

/// Wraps an event so that the heap orders by `(time, seq)` only.
#[derive(Debug)]
struct Slot<E>(E);

impl<E> PartialEq for Slot<E> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}
impl<E> Eq for Slot<E> {}
impl<E> PartialOrd for Slot<E> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Slot<E> {
    fn cmp(&self, _: &Self) -> std::cmp::Ordering {
        std::cmp::Ordering::Equal
    }
}

impl<E> Default for Queue<E> {
    fn default() -> Self {
        Queue {
            now: 0,
            seq: 0,
            heap: BinaryHeap::new(),
        }
    }
}

impl<E> Queue<E> {
    pub fn new() -> Self {
        Self::default()
    }

    /// The current simulated time.
    pub fn now(&self) -> Millis {
        self.now
    }

    /// Schedules `event` `delay` milliseconds from now.
    pub fn schedule_in(&mut self, delay: Millis, event: E) {
        let at = self.now.saturating_add(delay);
        self.schedule_at(at, event);
    }

    /// Schedules `event` at instant `at` (an instant in the past means "now").
    pub fn schedule_at(&mut self, at: Millis, event: E) {
        let at = at.max(self.now);
        self.seq += 1;
        self.heap.push(Reverse((at, self.seq, Slot(event))));
    }

    /// The instant of the next event, if any.
    pub fn peek_time(&self) -> Option<Millis> {
        self.heap.peek().map(|Reverse((t, _, _))| *t)
    }

    /// Removes the next event and advances the clock to its instant.
    pub fn pop(&mut self) -> Option<(Millis, E)> {
        let Reverse((at, _, Slot(event))) = self.heap.pop()?;
        self.now = at;
        Some((at, event))
    }

    /// Advances the clock without an event (never backwards).
    pub fn advance_to(&mut self, at: Millis) {
        self.now = self.now.max(at);
    }

    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    pub fn len(&self) -> usize {
        self.heap.len()
    }
}

/// A small deterministic PRNG (SplitMix64): the same seed always gives the same numbers.
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng { state: seed }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// A string of `len` characters drawn from `alphabet` (which must not be empty).
    pub fn string(&mut self, alphabet: &[u8], len: usize) -> String {
        if alphabet.is_empty() {
            return String::new();
        }
        (0..len)
            .map(|_| alphabet[self.below(alphabet.len() as u64) as usize] as char)
            .collect()
    }
}

/// One recorded state change: at `time`, `subject` (e.g. a node id) changed `what` to `value`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TraceEntry {
    pub time: Millis,
    pub subject: String,
    pub what: &'static str,
    /// Mostly a fixed word (a phase): not allocated for each of a fan-out's thousands of nodes.
    pub value: Cow<'static, str>,
}

/// Every state change of a run, in order, so a UI can scrub through time.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Trace {
    pub entries: Vec<TraceEntry>,
}

impl Trace {
    pub fn record(
        &mut self,
        time: Millis,
        subject: impl Into<String>,
        what: &'static str,
        value: impl Into<Cow<'static, str>>,
    ) {
        self.entries.push(TraceEntry {
            time,
            subject: subject.into(),
            what,
            value: value.into(),
        });
    }

    /// The entries recorded at or before `time`.
    pub fn until(&self, time: Millis) -> impl Iterator<Item = &TraceEntry> {
        self.entries.iter().filter(move |e| e.time <= time)
    }
}

/// Parses a duration as Argo and Kubernetes write it: `30`, `30s`, `1m30s`, `2h`, `500ms`.
/// A bare number is seconds.
pub fn parse_duration(text: &str) -> Option<Millis> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if let Ok(secs) = text.parse::<f64>() {
        return (secs >= 0.0 && secs.is_finite()).then_some((secs * 1000.0) as Millis);
    }
    let mut total: f64 = 0.0;
    let mut rest = text;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let value: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "ms" => 1.0,
            "s" => 1000.0,
            "m" => 60_000.0,
            "h" => 3_600_000.0,
            "d" => 86_400_000.0,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total += value * factor;
    }
    Some(total as Millis)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_run_in_time_then_schedule_order() {
        let mut q = Queue::new();
        q.schedule_at(20, "late");
        q.schedule_at(10, "first");
        q.schedule_at(10, "second");
        assert_eq!(q.pop(), Some((10, "first")));
        assert_eq!(q.pop(), Some((10, "second")));
        q.schedule_in(0, "now");
        assert_eq!(q.pop(), Some((10, "now")));
        assert_eq!(q.pop(), Some((20, "late")));
        assert_eq!(q.now(), 20);
        assert!(q.pop().is_none());
    }

    #[test]
    fn rng_is_deterministic_per_seed() {
        let a: Vec<u64> = (0..4)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let b: Vec<u64> = (0..4)
            .scan(Rng::new(7), |r, _| Some(r.next_u64()))
            .collect();
        let c: Vec<u64> = (0..4)
            .scan(Rng::new(8), |r, _| Some(r.next_u64()))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(Rng::new(1).string(b"ab", 5).len(), 5);
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30"), Some(30_000));
        assert_eq!(parse_duration("1m30s"), Some(90_000));
        assert_eq!(parse_duration("500ms"), Some(500));
        assert_eq!(parse_duration("2h"), Some(7_200_000));
        assert_eq!(parse_duration("x"), None);
        assert_eq!(parse_duration("5y"), None);
    }
}
