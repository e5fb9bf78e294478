//! Sign-in throttling: by (client address, username) and by client address
//! alone, with growing delays instead of a hard lock of the account, so that
//! nobody can lock a person out from elsewhere.
//!
//! The check and the count are one step (`store::admit_attempt`, in one
//! write transaction): an attempt is counted as a failure *before* its
//! password is verified, and forgiven after it succeeds. So N parallel
//! guesses verify at most `free` passwords, however they interleave.

/// How a scope is throttled.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// Failures allowed before any delay.
    pub free: i64,
    /// The delay after the first failure beyond `free`; it doubles with each
    /// further one, up to `max_delay` (seconds).
    pub first_delay: i64,
    pub max_delay: i64,
    /// A scope with no failure for this long starts again from zero.
    pub forget_after: i64,
}

/// One username tried from one address.
pub const PER_NAME: Rule = Rule {
    free: 5,
    first_delay: 30,
    max_delay: 15 * 60,
    forget_after: 60 * 60,
};

/// One address, whatever username it tries (password spraying).
pub const PER_ADDRESS: Rule = Rule {
    free: 30,
    first_delay: 30,
    max_delay: 15 * 60,
    forget_after: 60 * 60,
};

/// A scope's state as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    pub failures: i64,
    pub blocked_until: i64,
    pub last_failure_at: i64,
}

impl Rule {
    /// The count as it stands `now`: forgotten when quiet for long enough.
    pub fn current(&self, count: Count, now: i64) -> Count {
        if now - count.last_failure_at >= self.forget_after {
            Count::default()
        } else {
            count
        }
    }

    /// Seconds to wait before the next attempt after `failures` failures.
    pub fn delay_after(&self, failures: i64) -> i64 {
        if failures < self.free {
            return 0;
        }
        let doublings = (failures - self.free).min(16) as u32;
        self.first_delay.saturating_mul(1 << doublings).min(self.max_delay)
    }

    /// The count after one more failure at `now`.
    pub fn fail(&self, count: Count, now: i64) -> Count {
        let failures = self.current(count, now).failures + 1;
        Count {
            failures,
            blocked_until: now + self.delay_after(failures),
            last_failure_at: now,
        }
    }

    /// The count after an attempt counted in advance turned out right.
    pub fn forgive(&self, count: Count, now: i64) -> Count {
        let failures = (count.failures - 1).max(0);
        Count {
            failures,
            blocked_until: if self.delay_after(failures) == 0 {
                0
            } else {
                count.blocked_until
            },
            last_failure_at: count.last_failure_at.min(now),
        }
    }
}

/// The scope keys of an attempt.
pub fn scopes(address: &str, username: &str) -> [(String, Rule); 2] {
    [
        (format!("name {address} {username}"), PER_NAME),
        (format!("address {address}"), PER_ADDRESS),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_free_failures_then_growing_delays_up_to_a_cap() {
        let delays: Vec<i64> = (1..=12).map(|n| PER_NAME.delay_after(n)).collect();
        assert_eq!(delays, [0, 0, 0, 0, 30, 60, 120, 240, 480, 900, 900, 900]);
        assert_eq!(PER_NAME.delay_after(i64::MAX), 900);
    }

    #[test]
    fn counts_are_forgotten_after_a_quiet_hour_and_forgiven_on_success() {
        let mut count = Count::default();
        for at in 0..5 {
            count = PER_NAME.fail(count, at);
        }
        assert_eq!(count.failures, 5);
        assert_eq!(count.blocked_until, 4 + 30);
        assert_eq!(PER_NAME.current(count, 4 + 3600), Count::default());
        let forgiven = PER_NAME.forgive(count, 5);
        assert_eq!((forgiven.failures, forgiven.blocked_until), (4, 0));
    }
}
