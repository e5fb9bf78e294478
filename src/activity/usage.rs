//! Use of the API over time: per key and per project, per hour and per UTC
//! day, counts that stay the same size however many calls are made. Every
//! call is added to its key's and its project's hour and day at once; the
//! hours are dropped after `HOURLY_DAYS` (the days already hold them), the
//! days kept for the retention. The views read hours while they are kept
//! (so that a day is the viewer's day), days beyond: a key's year is 365
//! rows, a project's month 744. Pure: the recorder adds a batch of calls up
//! here, `store.rs` writes and reads the sums.

use std::collections::HashMap;

use super::{ApiCall, calls::StatusClass};
use crate::auth::identity::{AccountId, ProjectId};

pub const HOUR: i64 = 3600;
pub const DAY: i64 = 86_400;
/// Hourly sums are kept this many days (whole UTC days).
pub const HOURLY_DAYS: i64 = 31;

/// A key's calls in one hour or one day (UTC): `start` is its first second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rollup {
    pub key_id: String,
    pub span: i64,
    pub start: i64,
    pub project_id: ProjectId,
    pub account_id: AccountId,
    pub calls: i64,
    pub ok: i64,
    pub client_errors: i64,
    pub server_errors: i64,
    pub latency_sum_us: i64,
    pub latency_max_us: i64,
    pub first_at: i64,
    pub last_at: i64,
}

impl Rollup {
    fn starting(call: &ApiCall, start: i64) -> Self {
        Rollup {
            key_id: call.key_id.clone(),
            span: HOUR,
            project_id: call.project_id,
            account_id: call.account_id,
            first_at: call.at,
            last_at: call.at,
            ..Rollup::empty(start)
        }
    }

    fn add(&mut self, call: &ApiCall) {
        self.calls += 1;
        match StatusClass::of(call.status) {
            StatusClass::Ok => self.ok += 1,
            StatusClass::ClientError => self.client_errors += 1,
            StatusClass::ServerError => self.server_errors += 1,
            StatusClass::Other => {}
        }
        self.latency_sum_us = self.latency_sum_us.saturating_add(call.latency_us);
        self.latency_max_us = self.latency_max_us.max(call.latency_us);
        self.first_at = self.first_at.min(call.at);
        self.last_at = self.last_at.max(call.at);
    }
}

impl Rollup {
    /// No calls in the day from `start`.
    pub fn empty(start: i64) -> Self {
        Rollup {
            key_id: String::new(),
            span: DAY,
            start,
            project_id: ProjectId(0),
            account_id: AccountId(0),
            calls: 0,
            ok: 0,
            client_errors: 0,
            server_errors: 0,
            latency_sum_us: 0,
            latency_max_us: 0,
            first_at: start,
            last_at: start,
        }
    }

    /// Calls that failed: answered 4xx or 5xx.
    pub fn failures(&self) -> i64 {
        self.client_errors + self.server_errors
    }

    /// Calls that were neither a success nor an error (redirects, 1xx).
    pub fn other(&self) -> i64 {
        self.calls - self.ok - self.failures()
    }

    /// The mean latency in microseconds (0 without calls).
    pub fn average_latency_us(&self) -> i64 {
        self.latency_sum_us.checked_div(self.calls).unwrap_or(0)
    }

    /// Adds another's sums to these, keeping the extremes.
    pub fn absorb(&mut self, more: &Rollup) {
        self.calls += more.calls;
        self.ok += more.ok;
        self.client_errors += more.client_errors;
        self.server_errors += more.server_errors;
        self.latency_sum_us = self.latency_sum_us.saturating_add(more.latency_sum_us);
        self.latency_max_us = self.latency_max_us.max(more.latency_max_us);
        self.first_at = self.first_at.min(more.first_at);
        self.last_at = self.last_at.max(more.last_at);
    }

    /// Sums of many as one (`None` for none).
    pub fn total<'a>(sums: impl IntoIterator<Item = &'a Rollup>) -> Option<Rollup> {
        let mut sums = sums.into_iter();
        let mut total = sums.next()?.clone();
        for more in sums {
            total.absorb(more);
        }
        Some(total)
    }
}

/// The first second of the span (`HOUR` or `DAY`, UTC) that `at` falls in.
pub fn span_start(at: i64, span: i64) -> i64 {
    at - at.rem_euclid(span)
}

/// A batch of calls as hourly sums and daily ones, one per key and hour or
/// day, ordered by key, span and start (so that writers on several
/// instances lock rows in one order).
pub fn hourly_and_daily(calls: &[ApiCall]) -> Vec<Rollup> {
    let hours = hourly(calls);
    let mut days: HashMap<(&str, i64), Rollup> = HashMap::new();
    for hour in &hours {
        let start = span_start(hour.start, DAY);
        days.entry((hour.key_id.as_str(), start))
            .and_modify(|day| day.absorb(hour))
            .or_insert_with(|| Rollup {
                span: DAY,
                start,
                ..hour.clone()
            });
    }
    let mut sums: Vec<Rollup> = days.into_values().collect();
    sums.extend(hours.iter().cloned());
    sums.sort_by(|a, b| (&a.key_id, a.span, a.start).cmp(&(&b.key_id, b.span, b.start)));
    sums
}

/// Keys' sums added up per project, span and start (the key and account
/// left empty), in that order.
pub fn by_project(sums: &[Rollup]) -> Vec<Rollup> {
    let mut projects: HashMap<(ProjectId, i64, i64), Rollup> = HashMap::new();
    for sum in sums {
        projects
            .entry((sum.project_id, sum.span, sum.start))
            .and_modify(|project| project.absorb(sum))
            .or_insert_with(|| Rollup {
                key_id: String::new(),
                account_id: AccountId(0),
                ..sum.clone()
            });
    }
    let mut sums: Vec<Rollup> = projects.into_values().collect();
    sums.sort_by_key(|r| (r.project_id, r.span, r.start));
    sums
}

/// A batch of calls as hourly sums, one per key and hour.
fn hourly(calls: &[ApiCall]) -> Vec<Rollup> {
    let mut sums: HashMap<(&str, i64), Rollup> = HashMap::new();
    for call in calls {
        let start = span_start(call.at, HOUR);
        sums.entry((call.key_id.as_str(), start))
            .or_insert_with(|| Rollup::starting(call, start))
            .add(call);
    }
    let mut rollups: Vec<Rollup> = sums.into_values().collect();
    rollups.sort_by(|a, b| (&a.key_id, a.start).cmp(&(&b.key_id, b.start)));
    rollups
}

/// Hourly sums from before this are dropped: the start of the UTC day
/// `HOURLY_DAYS` before `now`, so that whole days go.
pub fn hours_kept_from(now: i64) -> i64 {
    span_start(now - HOURLY_DAYS * DAY, DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(key: &str, at: i64, status: u16, latency_us: i64) -> ApiCall {
        ApiCall {
            at,
            key_row: 1,
            key_id: key.to_string(),
            account_id: AccountId(7),
            project_id: ProjectId(3),
            method: 1,
            route: 2,
            status,
            latency_us,
            client: std::net::IpAddr::from([127, 0, 0, 1]),
            agent: "".into(),
        }
    }

    #[test]
    fn calls_add_up_per_key_and_hour() {
        let t = 1_764_374_400; // 2025-11-29T00:00:00Z
        let calls = [
            call("b", t + 10, 200, 500),
            call("a", t + HOUR - 1, 404, 900),
            call("a", t, 201, 100),
            call("a", t + HOUR, 503, 50),
            call("a", t + 30, 302, 70),
        ];
        let sums = hourly(&calls);
        let seen: Vec<(&str, i64, i64)> = sums.iter().map(|r| (r.key_id.as_str(), r.start, r.calls)).collect();
        assert_eq!(seen, [("a", t, 3), ("a", t + HOUR, 1), ("b", t, 1)]);
        let first = &sums[0];
        assert_eq!(
            (first.ok, first.client_errors, first.server_errors),
            (1, 1, 0),
            "a 302 counts as a call of no class"
        );
        assert_eq!((first.latency_sum_us, first.latency_max_us), (1070, 900));
        assert_eq!((first.first_at, first.last_at), (t, t + HOUR - 1));
        assert_eq!(sums[1].server_errors, 1);
        assert_eq!(sums.iter().map(|r| r.calls).sum::<i64>(), calls.len() as i64);
    }

    #[test]
    fn totals_add_everything_and_keep_the_extremes() {
        let t = 1_764_374_400;
        let calls = [
            call("a", t, 200, 10),
            call("a", t + HOUR, 500, 30),
            call("b", t + 5, 302, 20),
        ];
        let total = Rollup::total(&hourly(&calls)).unwrap();
        assert_eq!((total.calls, total.ok, total.failures(), total.other()), (3, 1, 1, 1));
        assert_eq!((total.average_latency_us(), total.latency_max_us), (20, 30));
        assert_eq!((total.first_at, total.last_at), (t, t + HOUR));
        assert!(Rollup::total(&[]).is_none());
        let projects = by_project(&hourly_and_daily(&calls));
        let spans: Vec<(i64, i64, i64)> = projects.iter().map(|r| (r.span, r.start, r.calls)).collect();
        assert_eq!(spans, [(HOUR, t, 2), (HOUR, t + HOUR, 1), (DAY, t, 3)]);
        assert_eq!(projects[0].latency_sum_us, 30, "both keys' first hour");
        let both = hourly_and_daily(&calls);
        let spans: Vec<(&str, i64, i64)> = both.iter().map(|r| (r.key_id.as_str(), r.span, r.calls)).collect();
        assert_eq!(
            spans,
            [
                ("a", HOUR, 1),
                ("a", HOUR, 1),
                ("a", DAY, 2),
                ("b", HOUR, 1),
                ("b", DAY, 1)
            ]
        );
    }

    #[test]
    fn hours_go_a_whole_day_at_a_time() {
        let midnight = 1_764_374_400;
        assert_eq!(hours_kept_from(midnight + 5), midnight - HOURLY_DAYS * DAY);
        assert_eq!(hours_kept_from(midnight - 1), midnight - (HOURLY_DAYS + 1) * DAY);
        assert_eq!(span_start(-1, HOUR), -HOUR);
    }
}
