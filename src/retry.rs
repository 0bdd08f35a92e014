//! Whether to try a request again, as a pure function of what the attempt
//! produced, how many attempts there were and how much of the run's budget is
//! left. The service's own readings (which rate limit, how long it asked to wait)
//! arrive already made; nothing here reads a clock, sleeps or draws a random number.

use std::time::Duration;

/// Attempts per request, first one included.
pub const MAX_ATTEMPTS: u32 = 4;
/// The longest wait the program accepts from `Retry-After` or a rate-limit reset.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// An attempt starts only with at least this much of the budget left, and a
/// retry is planned only if it leaves this much after its wait.
pub const MIN_LEFT: Duration = Duration::from_secs(1);

/// Which rate limit an answer reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// GitHub's primary limit: `x-ratelimit-remaining: 0`.
    Primary,
    /// GitHub's secondary limit.
    Secondary,
    /// A 429 without more detail.
    TooManyRequests,
}

/// What one attempt produced, as far as retrying goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Answer {
        status: u16,
        /// The rate limit it reports, if any.
        limit: Option<Limit>,
        /// The wait the server asked for (`Retry-After`, a reset time), if any.
        asked: Option<Duration>,
    },
    /// No answer; `transient` when another attempt could get one.
    Failed {
        /// A network hiccup rather than TLS, a size cap or proxy credentials.
        transient: bool,
    },
}

/// What to do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Use this answer, whatever its status.
    Done,
    /// Try again after `wait`; `asked` when the server set it.
    Retry {
        wait: Duration,
        /// Whether the server asked for it.
        asked: bool,
    },
    /// Stop: a failure that retrying cannot help, or the last attempt failed.
    Fail,
    /// Stop: the server asks for a wait longer than [`MAX_WAIT`].
    WaitTooLong(Duration),
    /// Stop: the wait would run past the budget.
    OutOfBudget,
}

/// The decision after attempt number `attempt` (from 1), with `left` of the
/// run's budget remaining; `jitter` in `[0, 1)` spreads the backoff.
pub fn decide(outcome: Outcome, attempt: u32, left: Duration, jitter: f64) -> Decision {
    let last = attempt >= MAX_ATTEMPTS;
    let (wait, asked) = match outcome {
        Outcome::Failed { transient: false } => return Decision::Fail,
        Outcome::Failed { transient: true } if last => return Decision::Fail,
        Outcome::Failed { transient: true } => (backoff(attempt, jitter), false),
        Outcome::Answer { status, limit, .. } if limit.is_none() && status < 500 => {
            return Decision::Done;
        }
        Outcome::Answer { .. } if last => return Decision::Done,
        Outcome::Answer { asked: Some(w), .. } if w > MAX_WAIT => {
            return Decision::WaitTooLong(w);
        }
        Outcome::Answer { asked: Some(w), .. } => (w, true),
        Outcome::Answer { asked: None, .. } => (backoff(attempt, jitter), false),
    };
    if wait.checked_add(MIN_LEFT).is_none_or(|need| need > left) {
        return Decision::OutOfBudget;
    }
    Decision::Retry { wait, asked }
}

/// Whether another attempt may start with `left` of the budget.
pub fn can_start(left: Duration) -> bool {
    left >= MIN_LEFT
}

/// Exponential backoff: about 1, 2, 4 s, each scaled by 0.5 + `jitter`.
pub fn backoff(attempt: u32, jitter: f64) -> Duration {
    let base = Duration::from_secs(1 << (attempt.max(1) - 1).min(5));
    base / 2 + base.mul_f64(jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    fn answer(status: u16, limit: Option<Limit>, asked: Option<u64>) -> Outcome {
        Outcome::Answer {
            status,
            limit,
            asked: asked.map(S),
        }
    }

    const PLENTY: Duration = Duration::from_secs(120);
    const TRANSIENT: Outcome = Outcome::Failed { transient: true };

    fn retry(ms: u64, asked: bool) -> Decision {
        Retry {
            wait: Duration::from_millis(ms),
            asked,
        }
    }

    /// Checks one row of the table: waits within a millisecond (the jitter's float).
    fn row(outcome: Outcome, attempt: u32, left: Duration, jitter: f64, want: Decision) {
        let got = decide(outcome, attempt, left, jitter);
        let close = match (got, want) {
            (Retry { wait: a, asked: x }, Retry { wait: b, asked: y }) => {
                x == y && a.abs_diff(b) < Duration::from_millis(1)
            }
            _ => got == want,
        };
        assert!(
            close,
            "{outcome:?} attempt {attempt}, {left:?} left: {got:?}, want {want:?}"
        );
    }

    /// One test per row: (outcome, attempt, budget left, jitter) => decision.
    macro_rules! table {
        ($($name:ident: $outcome:expr, $attempt:expr, $left:expr, $jitter:expr => $want:expr;)*) => {
            $(
                #[test]
                fn $name() {
                    row($outcome, $attempt, $left, $jitter, $want);
                }
            )*
        };
    }

    table! {
        ok_is_done: answer(200, None, None), 1, PLENTY, 0.5 => Done;
        not_found_is_done: answer(404, None, None), 1, PLENTY, 0.5 => Done;
        unauthorized_is_done_whatever_it_asks: answer(401, None, Some(5)), 1, PLENTY, 0.5 => Done;
        bad_gateway_retries_after_a_second: answer(502, None, None), 1, PLENTY, 0.5 => retry(1000, false);
        third_attempt_lowest_jitter: answer(500, None, None), 3, PLENTY, 0.0 => retry(2000, false);
        third_attempt_highest_jitter: answer(500, None, None), 3, PLENTY, 0.99 => retry(5960, false);
        unavailable_waits_as_asked: answer(503, None, Some(3)), 1, PLENTY, 0.5 => retry(3000, true);
        last_attempt_is_done: answer(503, None, None), MAX_ATTEMPTS, PLENTY, 0.5 => Done;
        too_many_requests_waits_as_asked: answer(429, Some(Limit::TooManyRequests), Some(7)), 1, PLENTY, 0.5 => retry(7000, true);
        too_many_requests_without_a_wait_backs_off: answer(429, Some(Limit::TooManyRequests), None), 2, PLENTY, 0.0 => retry(1000, false);
        secondary_limit_waits_a_minute: answer(403, Some(Limit::Secondary), Some(60)), 1, PLENTY, 0.5 => retry(60_000, true);
        primary_limit_an_hour_away_is_too_long: answer(403, Some(Limit::Primary), Some(3600)), 1, PLENTY, 0.5 => WaitTooLong(S(3600));
        a_wait_over_the_cap_is_too_long: answer(503, None, Some(61)), 1, PLENTY, 0.5 => WaitTooLong(S(61));
        a_wait_the_budget_cannot_hold: answer(403, Some(Limit::Secondary), Some(60)), 1, S(60), 0.5 => OutOfBudget;
        a_second_left_is_out_of_budget: answer(502, None, None), 1, S(1), 0.5 => OutOfBudget;
        network_failure_retries: TRANSIENT, 1, PLENTY, 0.5 => retry(1000, false);
        network_failure_backs_off: TRANSIENT, 2, PLENTY, 0.5 => retry(2000, false);
        network_failure_on_the_last_attempt_fails: TRANSIENT, MAX_ATTEMPTS, PLENTY, 0.5 => Fail;
        network_failure_out_of_budget: TRANSIENT, 1, Duration::from_millis(1500), 0.5 => OutOfBudget;
        lasting_failure_fails_at_once: Outcome::Failed { transient: false }, 1, PLENTY, 0.5 => Fail;
    }

    #[test]
    fn backoff_doubles_within_its_spread() {
        for attempt in 1..=3 {
            let base = S(1 << (attempt - 1));
            assert_eq!(backoff(attempt, 0.0), base / 2);
            assert!(backoff(attempt, 0.999) < base * 3 / 2);
        }
    }

    #[test]
    fn an_attempt_needs_a_second_of_budget() {
        assert!(can_start(S(1)));
        assert!(!can_start(Duration::from_millis(999)));
    }
}
