//! A Sensor trigger's `rateLimit`, as argo-events runs it.
//!
//! What argo-events does (read in `pkg/sensors/listener.go`, go.mod's `go.uber.org/ratelimit
//! v0.3.1` and that module's `limiter_atomic_int64.go`):
//! - `initRateLimiter` gives each trigger of `spec.triggers` a limiter when its Sensor pod
//!   starts, in a map keyed by the trigger's template name: `ratelimit.New(requestsPerUnit,
//!   ratelimit.Per(unit))` with unit `Minute` or `Hour` (case-sensitive), any other text a
//!   second; without `rateLimit`, `ratelimit.NewUnlimited()`. A `dlqTrigger` gets none of its
//!   own (it uses a limiter only when a trigger of the same name has one).
//! - `triggerWithRateLimit` calls `Take()` before every attempt of the trigger. `Take` never
//!   drops: it blocks (sleeps) until the caller's turn, so a burst of events is spread out.
//!   With `atLeastOnce` the wait happens inside the message's processing (the next message of
//!   that trigger waits too); otherwise in the goroutine that runs the trigger.
//! - The limiter is a leaky bucket with slack: one permission every `unit / requestsPerUnit`
//!   (integer nanoseconds); the first `Take` passes at once; after a pause, up to 10 unused
//!   permissions (`maxSlack = 10 × perRequest`) are handed out at once before calls wait again.
//! - `unit / 0` panics (integer divide by zero): the pod crashes before it subscribes. A
//!   negative `requestsPerUnit` makes `perRequest` negative, so `Take` never waits.
//!
//! **Architecture Invariant:** a limiter is a pure function of the simulated instants it is
//! asked at, in order; time is kept in nanoseconds as Go does, and a wait ends at the first
//! simulated millisecond at or after the permission.

use crate::sim::Millis;

/// `go.uber.org/ratelimit`'s `atomicInt64Limiter` (the default `New` of v0.3.1, slack 10).
#[derive(Clone, Debug)]
pub struct Limiter {
    per_request: i128,
    max_slack: i128,
    /// When the last permission was issued (ns); `None` before the first `Take`.
    state: Option<i128>,
}

const NANOS: i128 = 1_000_000;

impl Limiter {
    /// A limiter of `requests_per_unit` per `per` milliseconds; `None` for 0 (the division
    /// that panics in argo-events).
    pub fn new(requests_per_unit: i64, per: Millis) -> Option<Limiter> {
        if requests_per_unit == 0 {
            return None;
        }
        let per_request = i128::from(per) * NANOS / i128::from(requests_per_unit);
        Some(Limiter {
            per_request,
            max_slack: 10 * per_request,
            state: None,
        })
    }

    /// `Take()` called at `now`: the instant the caller goes on (never before `now`).
    pub fn take(&mut self, now: Millis) -> Millis {
        let now_ns = i128::from(now) * NANOS;
        let next = match self.state {
            None => now_ns,
            Some(s) if self.max_slack == 0 && now_ns - s > self.per_request => now_ns,
            Some(s) if self.max_slack > 0 && now_ns - s > self.max_slack + self.per_request => {
                now_ns - self.max_slack
            }
            Some(s) => s + self.per_request,
        };
        self.state = Some(next);
        if next > now_ns {
            Millis::try_from((next + NANOS - 1) / NANOS).unwrap_or(Millis::MAX)
        } else {
            now
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Limiter;

    fn takes(l: &mut Limiter, at: &[u64]) -> Vec<u64> {
        at.iter().map(|t| l.take(*t)).collect()
    }

    #[test]
    fn a_burst_is_spread_one_permission_apart() {
        let mut l = Limiter::new(2, 1000).unwrap();
        assert_eq!(takes(&mut l, &[0, 0, 0, 0, 0]), [0, 500, 1000, 1500, 2000]);
        // Thirds of a second are whole nanoseconds; a wait ends at the next millisecond.
        let mut l = Limiter::new(3, 1000).unwrap();
        assert_eq!(takes(&mut l, &[0, 0, 0, 0]), [0, 334, 667, 1000]);
        let mut l = Limiter::new(1, 60_000).unwrap();
        assert_eq!(takes(&mut l, &[0, 1000, 2000]), [0, 60_000, 120_000]);
    }

    #[test]
    fn after_a_pause_ten_unused_permissions_pass_at_once() {
        let mut l = Limiter::new(2, 1000).unwrap();
        takes(&mut l, &[0, 0, 0, 0, 0]);
        // The last permission was at 2 s; at 10 s the slack is capped at 10 × 500 ms, so
        // permissions 5.0 s … 10.0 s (11 of them) pass now and the 12th waits for 10.5 s.
        let got = takes(&mut l, &[10_000; 12]);
        assert_eq!(got[..11], [10_000; 11]);
        assert_eq!(got[11], 10_500);
    }

    #[test]
    fn zero_has_no_limiter_and_negative_never_waits() {
        assert!(Limiter::new(0, 1000).is_none());
        let mut l = Limiter::new(-5, 1000).unwrap();
        assert_eq!(takes(&mut l, &[0, 0, 0, 7]), [0, 0, 0, 7]);
    }
}
