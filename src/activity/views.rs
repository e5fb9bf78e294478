//! The pages and fragments of activity: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use super::{
    ChangeKind,
    store::{ApiCallRow, ChangeRow, KeyUsage, UsageFilter},
    usage::{DAY, HOUR, Rollup, span_start},
};
use crate::{
    auth::identity::{PlatformRole, TenantRole},
    format::grouped,
    projects::Member,
    web::FieldErrors,
    web::Layout,
    web::i18n::Lang,
};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize, Default, Clone)]
pub struct ActivityQuery {
    #[serde(default)]
    pub(super) stream: String,
    #[serde(default)]
    pub(super) member: String,
    #[serde(default)]
    pub(super) kind: String,
    #[serde(default)]
    pub(super) from: String,
    #[serde(default)]
    pub(super) to: String,
    /// The usage view's key (its key ID).
    #[serde(default)]
    pub(super) key: String,
    pub(super) page: Option<i64>,
}

impl ActivityQuery {
    pub fn changes(&self) -> bool {
        self.stream == "changes"
    }

    pub fn usage(&self) -> bool {
        self.stream == "usage"
    }

    pub fn keep(&self) -> String {
        let pairs = [
            ("stream", &self.stream),
            ("member", &self.member),
            ("kind", &self.kind),
            ("from", &self.from),
            ("to", &self.to),
            ("key", &self.key),
        ];
        crate::web::query_keeping(&pairs)
    }
}

#[derive(Template)]
#[template(path = "activity/page.html")]
pub(super) struct ActivityPage {
    pub(super) l: Layout,
    pub(super) query: ActivityQuery,
    pub(super) members: Vec<Member>,
    /// The range's dates in the form (the usage view fills in its default).
    pub(super) from: String,
    pub(super) to: String,
    pub(super) calls: Vec<ApiCallRow>,
    /// Newest first, support's views folded (`fold_views`), with their counts.
    pub(super) changes: Vec<(ChangeRow, usize)>,
    pub(super) page: i64,
    pub(super) more: bool,
    pub(super) errors: FieldErrors,
    pub(super) kinds: [&'static str; 9],
    /// The "Usage over time" tab's figures (`stream=usage`).
    pub(super) usage: Option<UsageView>,
    /// Days API calls are kept in detail, and their sums and changes.
    pub(super) raw_days: i64,
    pub(super) retention_days: i64,
}

impl ActivityPage {
    pub(super) fn is_member(&self, member: &Member) -> bool {
        self.query.member == member.account_id.to_string()
    }

    pub(super) fn latency(&self, micros: &i64) -> String {
        milliseconds(*micros)
    }

    pub(super) fn count(&self, n: &i64) -> String {
        crate::format::grouped(*n)
    }

    /// Failed calls as a share of all: `2.5 %`.
    pub(super) fn failure_rate(&self, sums: &Rollup) -> String {
        percent(sums.failures(), sums.calls)
    }

    pub(super) fn average(&self, sums: &Rollup) -> String {
        milliseconds(sums.average_latency_us())
    }

    /// The link that narrows the usage view to one key.
    pub(super) fn key_link(&self, key_id: &str) -> String {
        let mut query = self.query.clone();
        query.key = key_id.to_string();
        query.member.clear();
        format!("/activity?{}", query.keep())
    }

    pub(super) fn kind_key(&self, kind: &str) -> &'static str {
        match kind {
            "key" => "activity-kind-key",
            "quota" => "activity-kind-quota",
            "member" => "activity-kind-member",
            "wallet" => "activity-kind-wallet",
            "order" => "activity-kind-order",
            "account" => "activity-kind-account",
            "project" => "activity-kind-project",
            "slurm" => "activity-kind-slurm",
            _ => "activity-kind-support",
        }
    }
}

/// A latency in microseconds as milliseconds: `1.2 ms`.
fn milliseconds(micros: i64) -> String {
    format!("{}.{:01} ms", micros / 1000, (micros % 1000) / 100)
}

/// The Activity page's "Usage over time": the API's use per UTC day from
/// the hourly and daily sums, for the project, a member or one key.
pub(super) struct UsageView {
    pub(super) total: Option<Rollup>,
    pub(super) chart: Option<UsageChart>,
    /// The keys used in the range, the most used first.
    pub(super) keys: Vec<KeyUsage>,
}

/// `part` of `whole` as a percentage with one decimal (`—` of nothing).
fn percent(part: i64, whole: i64) -> String {
    if whole <= 0 {
        return "—".to_string();
    }
    let tenths = (i128::from(part) * 1000 + i128::from(whole) / 2) / i128::from(whole);
    format!("{}.{} %", tenths / 10, tenths % 10)
}

/// The most days the usage chart draws a bar each; longer ranges are drawn
/// a week a bar, ranges of up to two days an hour a bar.
const CHART_DAYS: i64 = 92;
const HOURLY_CHART_SECONDS: i64 = 2 * DAY;

/// What one bar of the usage chart stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bar {
    /// An hour, labelled in the viewer's zone.
    Hour,
    /// One of the viewer's days (from hourly sums).
    Day,
    /// A UTC day (from daily sums, past the hourly ones' window).
    UtcDay,
    /// Seven UTC days from the bar's date.
    UtcWeek,
}

/// Calls per hour, day or week as stacked bars by outcome, and the same
/// figures for the table under it.
pub(super) struct UsageChart {
    pub(super) svg: String,
    pub(super) bar: Bar,
    /// Each bar's label in full (`2026-11-29`, `2026-11-29 14:00`) and sums.
    pub(super) bars: Vec<(String, Rollup)>,
}

/// The first second of each of the days in `zone` that `[from, to)` starts
/// or runs through.
fn local_midnights(from: i64, to: i64, zone: &'static time_tz::Tz) -> Vec<i64> {
    use time_tz::{OffsetDateTimeExt, PrimitiveDateTimeExt};
    let mut starts = Vec::new();
    let Ok(utc) = time::OffsetDateTime::from_unix_timestamp(from) else {
        return starts;
    };
    let mut date = utc.to_timezone(zone).date();
    while let Some(start) = time::PrimitiveDateTime::new(date, time::Time::MIDNIGHT)
        .assume_timezone(zone)
        .take_first()
        .map(|t| t.unix_timestamp())
        .filter(|start| *start < to)
    {
        starts.push(start.max(from));
        let Some(next) = date.next_day() else { break };
        date = next;
    }
    starts
}

impl UsageChart {
    /// From the filter's sums a span each (hours or UTC days, as
    /// `filter.span`); empty bars between are drawn as such. Hours make the
    /// viewer's days: exactly in a zone a whole number of hours from UTC, by
    /// the hour a day starts in elsewhere.
    pub(super) fn new(sums: &[Rollup], filter: &UsageFilter, l: &Layout) -> Option<UsageChart> {
        if sums.is_empty() {
            return None;
        }
        let (from, to) = (filter.from, filter.to);
        let bar = match filter.span {
            HOUR if to - from <= HOURLY_CHART_SECONDS => Bar::Hour,
            HOUR => Bar::Day,
            // UTC days: the range is whole days.
            _ if (to - from) / DAY > CHART_DAYS => Bar::UtcWeek,
            _ => Bar::UtcDay,
        };
        // Each bar's first second; it lasts until the next one's.
        let starts: Vec<i64> = match bar {
            Bar::Day => local_midnights(from, to, l.time_zone),
            Bar::Hour => (span_start(from, HOUR)..to).step_by(HOUR as usize).collect(),
            Bar::UtcDay => (from..to).step_by(DAY as usize).collect(),
            Bar::UtcWeek => (from..to).step_by(7 * DAY as usize).collect(),
        };
        let ends = starts.iter().skip(1).copied().chain([to]);
        let bars: Vec<(String, Rollup)> = starts
            .iter()
            .zip(ends)
            .map(|(&start, end)| {
                let within = sums.iter().filter(|r| (start..end).contains(&r.start));
                let total = Rollup::total(within).unwrap_or_else(|| Rollup::empty(start));
                let label = match bar {
                    Bar::Hour => crate::format::compact_time(start, l.time_zone),
                    Bar::Day => crate::format::local_date(start, l.time_zone),
                    Bar::UtcDay | Bar::UtcWeek => crate::web::chart::date_of(start.div_euclid(DAY)),
                };
                (label, total)
            })
            .collect();
        let columns: Vec<crate::web::chart::Column> = bars
            .iter()
            .map(|(label, sums)| {
                let part = |class: &str, key: &'static str, n: i64| {
                    let tip = l.lang.t_args(
                        "api-usage-tip",
                        &[
                            ("date", label.clone()),
                            ("outcome", l.t(key).to_string()),
                            ("calls", crate::format::grouped(n)),
                        ],
                    );
                    (class.to_string(), n as f64, tip)
                };
                let parts = [
                    ("calls-ok", "api-usage-ok", sums.ok),
                    ("calls-other", "api-usage-other", sums.other()),
                    ("calls-4xx", "api-usage-4xx", sums.client_errors),
                    ("calls-5xx", "api-usage-5xx", sums.server_errors),
                ];
                crate::web::chart::Column {
                    // `14:00` of `2026-11-29 14:00`, `11-29` of `2026-11-29`.
                    label: match bar {
                        Bar::Hour => label.get(11..).unwrap_or(label).to_string(),
                        Bar::Day | Bar::UtcDay | Bar::UtcWeek => crate::web::chart::short_date(label),
                    },
                    // Only the parts drawn (the tips cost a message each).
                    parts: parts
                        .into_iter()
                        .filter(|(_, _, n)| *n > 0)
                        .map(|(class, key, n)| part(class, key, n))
                        .collect(),
                }
            })
            .collect();
        let title = l.t(match bar {
            Bar::Hour => "api-usage-chart-hourly",
            Bar::Day => "api-usage-chart-daily",
            Bar::UtcDay => "api-usage-chart-daily-utc",
            Bar::UtcWeek => "api-usage-chart-weekly",
        });
        let svg = crate::web::chart::stacked_bars("api-usage-chart-title", title, &columns, false);
        Some(UsageChart { svg, bar, bars })
    }

    /// The figures table's first column.
    pub(super) fn bar_key(&self) -> &'static str {
        match self.bar {
            Bar::Hour => "api-usage-hour",
            Bar::Day => "api-usage-day",
            Bar::UtcDay => "api-usage-day-utc",
            Bar::UtcWeek => "api-usage-week-from",
        }
    }
}

/// A change as a sentence in the viewer's language: who did what to whom,
/// with before and after as readable values (roles, services and quotas by
/// their names, times in the viewer's zone). Every kind the code records has
/// one (the match is exhaustive); an action of another build is shown as
/// recorded.
impl ChangeRow {
    /// The services a change concerns, by code: a quota's or a quota
    /// request's, or those a permission change granted or took (none for
    /// the rest). A key scoped to other services does not list it.
    pub fn services(&self) -> Vec<&str> {
        use ChangeKind::*;
        let Some(kind) = ChangeKind::parse(&self.action) else {
            return Vec::new();
        };
        match kind {
            ProjectQuota => vec![self.target.as_str()],
            MemberQuota => self.target.rsplit_once(' ').map(|(_, code)| code).into_iter().collect(),
            QuotaRequestMember | QuotaRequestProject | QuotaRequestEdit | QuotaRequestWithdraw
            | QuotaRequestApprove | QuotaRequestDecline | QuotaRequestClose => {
                self.target.split_once(' ').map(|(_, code)| code).into_iter().collect()
            }
            MemberPermissions => {
                let (before, after): (Vec<&str>, Vec<&str>) = (
                    self.before.split(',').filter(|s| !s.is_empty()).collect(),
                    self.after.split(',').filter(|s| !s.is_empty()).collect(),
                );
                let mut changed: Vec<&str> = before.iter().filter(|s| !after.contains(s)).copied().collect();
                changed.extend(after.iter().filter(|s| !before.contains(s)));
                changed
            }
            _ => Vec::new(),
        }
    }

    pub fn sentence(&self, l: &Layout) -> String {
        let actor = self.actor.clone().unwrap_or_else(|| l.t("activity-system").to_string());
        let say = |key: &str, more: &[(&'static str, String)]| {
            let mut args = vec![("actor", actor.clone()), ("target", self.target.clone())];
            args.extend_from_slice(more);
            l.lang.t_args(key, &args)
        };
        let (before, after) = (self.before.as_str(), self.after.as_str());
        let Some(kind) = ChangeKind::parse(&self.action) else {
            let change = if before.is_empty() {
                after.to_string()
            } else {
                format!("{before} → {after}")
            };
            return format!("{actor}: {} {} {change}", self.action, self.target);
        };
        use ChangeKind::*;
        match kind {
            QuotaRequestMember | QuotaRequestProject | QuotaRequestRenewal | QuotaRequestEdit
            | QuotaRequestWithdraw | QuotaRequestApprove | QuotaRequestDecline | QuotaRequestClose => {
                // `#12 ccs` (a quota's request) or `#12` (a renewal); `gpu=8` or a date.
                let (number, code) = self.target.split_once(' ').unwrap_or((&self.target, ""));
                let after = if after.contains('=') {
                    quotas(after, l)
                } else {
                    after.to_string()
                };
                let args = [
                    ("actor", actor),
                    ("target", number.to_string()),
                    ("service", service(code, l)),
                    ("after", after),
                ];
                l.lang.t_args(quota_request_key(kind), &args)
            }
            KeyCreate => say("activity-key-create", &[("until", key_expiry(after, l))]),
            KeyRename => say(
                "activity-key-rename",
                &[("before", unquoted(before)), ("after", unquoted(after))],
            ),
            KeyExtend => say(
                "activity-key-extend",
                &[("before", time_of(before, l)), ("after", time_of(after, l))],
            ),
            KeyDelete => say("activity-key-delete", &[]),
            KeyRotate => say("activity-key-rotate", &[("hours", after.to_string())]),
            KeyRevoke => say("activity-key-revoke", &[("reason", after.to_string())]),
            MemberAdd => say("activity-member-add", &[("role", tenant_role(after, l))]),
            MemberRole => say(
                "activity-member-role",
                &[("before", tenant_role(before, l)), ("after", tenant_role(after, l))],
            ),
            MemberRemove => say("activity-member-remove", &[]),
            MemberPermissions => say(
                "activity-member-permissions",
                &[("before", services(before, l)), ("after", services(after, l))],
            ),
            ProjectQuota => say(
                "activity-quota-project",
                &[
                    ("service", service(&self.target, l)),
                    ("before", quotas(before, l)),
                    ("after", quotas(after, l)),
                ],
            ),
            MemberQuota => {
                let (member, code) = self.target.rsplit_once(' ').unwrap_or((&self.target, ""));
                say(
                    "activity-quota-member",
                    &[
                        ("member", member.to_string()),
                        ("service", service(code, l)),
                        ("before", quotas(before, l)),
                        ("after", quotas(after, l)),
                    ],
                )
            }
            ObjectStorageRotate => say("activity-object-storage-rotate", &[]),
            OrderAdd => say(
                "activity-order-add",
                &[("amount", after.rsplit(' ').next().unwrap_or_default().to_string())],
            ),
            OrderAdvance => say(
                "activity-order-advance",
                &[("before", order_status(before, l)), ("after", order_status(after, l))],
            ),
            WalletOpen => say("activity-wallet-open", &[]),
            WalletClose => say("activity-wallet-close", &[("amount", after.to_string())]),
            // `parent → bob: 12.5000` or `bob → parent: 12.5000`.
            WalletTransfer => {
                let amount = after.rsplit(": ").next().unwrap_or_default().to_string();
                let key = if after.starts_with("parent → ") {
                    "activity-wallet-transfer-to-sub"
                } else {
                    "activity-wallet-transfer-to-parent"
                };
                say(key, &[("amount", amount)])
            }
            WalletWarnBelow if after.is_empty() => say("activity-wallet-warn-off", &[]),
            WalletWarnBelow => say("activity-wallet-warn-below", &[("amount", after.to_string())]),
            AccountCreate => say("activity-account-create", &[("role", platform_role(after, l))]),
            AccountRole => say(
                "activity-account-role",
                &[("before", platform_role(before, l)), ("after", platform_role(after, l))],
            ),
            AccountProfile => say("activity-account-profile", &[]),
            AccountEmail => say(
                "activity-account-email",
                &[("before", before.to_string()), ("after", after.to_string())],
            ),
            AccountEmailCancel => say("activity-account-email-cancel", &[("email", before.to_string())]),
            AccountPassword => say("activity-account-password", &[]),
            AccountPasswordReset => say("activity-account-password-reset", &[]),
            AccountResetLink => say("activity-account-reset-link", &[]),
            SsoCreate => say("activity-sso-create", &[("identity", after.to_string())]),
            SsoLink => say("activity-sso-link", &[("identity", after.to_string())]),
            SsoUnlink => say("activity-sso-unlink", &[("identity", before.to_string())]),
            ProjectCreate => say("activity-project-create", &[("name", after.to_string())]),
            SupportLock => say("activity-support-lock", &[("reason", after.to_string())]),
            SupportUnlock => say("activity-support-unlock", &[]),
            SupportResetTwoFactor => say("activity-support-reset-two-factor", &[("reason", after.to_string())]),
            SupportView => say("activity-support-view", &[]),
            AccountClusterUser => say(
                "activity-account-cluster-user",
                &[("before", before.to_string()), ("after", after.to_string())],
            ),
            HpcJobAssign => say("activity-hpc-job-assign", &[("code", after.to_string())]),
            HpcJobDismiss => say("activity-hpc-job-dismiss", &[]),
            SlurmDrift => say(
                "activity-slurm-drift",
                &[
                    ("before", slurm_limits(before, l.lang)),
                    ("after", slurm_limits(after, l.lang)),
                ],
            ),
        }
    }
}

/// Support's views of one account within one hour, by one person, as one row
/// ("viewed … 3 times"): the rows are newest first, so such views follow
/// each other.
pub fn fold_views(rows: Vec<ChangeRow>) -> Vec<(ChangeRow, usize)> {
    let mut folded: Vec<(ChangeRow, usize)> = Vec::with_capacity(rows.len());
    for row in rows {
        if let Some((last, count)) = folded.last_mut()
            && row.action == ChangeKind::SupportView.code()
            && last.action == ChangeKind::SupportView.code()
            && last.actor == row.actor
            && last.target == row.target
            && last.at / 3600 == row.at / 3600
        {
            *count += 1;
            continue;
        }
        folded.push((row, 1));
    }
    folded
}

// Recorded codes by their names; a code this build does not know, as recorded.
// Roles come from `auth::identity`, below `activity`; services and order
// states are named here, since `permissions` and `wallets` sit above it
// (they record activity) and importing them would make a cycle.

fn tenant_role(code: &str, l: &Layout) -> String {
    TenantRole::parse(code).map_or_else(|| code.to_string(), |role| l.t(role.label_key()).to_string())
}

fn platform_role(code: &str, l: &Layout) -> String {
    PlatformRole::parse(code).map_or_else(|| code.to_string(), |role| l.t(role.label_key()).to_string())
}

fn order_status(code: &str, l: &Layout) -> String {
    match code {
        "quotation" => l.t("order-quotation").to_string(),
        "paid" => l.t("order-paid").to_string(),
        "credited" => l.t("order-credited").to_string(),
        "cancelled" => l.t("order-cancelled").to_string(),
        other => other.to_string(),
    }
}

fn service(code: &str, l: &Layout) -> String {
    match code {
        "ccs" => l.t("service-ccs").to_string(),
        "vcs" => l.t("service-vcs").to_string(),
        "hpc" => l.t("service-hpc").to_string(),
        "cos" => l.t("service-cos").to_string(),
        "registry" => l.t("service-registry").to_string(),
        other => other.to_string(),
    }
}

/// The sentence of a quota request's step, by its kind.
fn quota_request_key(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::QuotaRequestMember => "activity-quota-request-member",
        ChangeKind::QuotaRequestProject => "activity-quota-request-project",
        ChangeKind::QuotaRequestRenewal => "activity-quota-request-renewal",
        ChangeKind::QuotaRequestEdit => "activity-quota-request-edit",
        ChangeKind::QuotaRequestApprove => "activity-quota-request-approve",
        ChangeKind::QuotaRequestDecline => "activity-quota-request-decline",
        ChangeKind::QuotaRequestWithdraw => "activity-quota-request-withdraw",
        _ => "activity-quota-request-close",
    }
}

/// A name as recorded (`"ci deploy"`, with its quotes), without them.
fn unquoted(recorded: &str) -> String {
    recorded.trim_matches('"').to_string()
}

/// A time as recorded (RFC 3339), compactly in the viewer's zone.
fn time_of(recorded: &str, l: &Layout) -> String {
    time::OffsetDateTime::parse(recorded, &time::format_description::well_known::Rfc3339)
        .map(|at| crate::format::compact_time(at.unix_timestamp(), l.time_zone))
        .unwrap_or_else(|_| recorded.to_string())
}

/// `ccs,vcs` as the services' names; none as "none".
fn services(codes: &str, l: &Layout) -> String {
    if codes.is_empty() {
        return l.t("activity-none").to_string();
    }
    codes
        .split(',')
        .map(|code| service(code, l))
        .collect::<Vec<_>>()
        .join(l.t("activity-list-separator"))
}

/// `cpu=64 gpu=- memory=unlimited` as "CPU 64, GPU not set, Memory unlimited".
/// Slurm limits as a person reads them ("8 cores, 2 GPUs, 64 GiB of
/// memory", "blocked", "no limit", "not there"), from the form the Slurm
/// passes record drift in (`slurm::reconcile::Limits::canonical`:
/// `cpu=8,gres/gpu=2,mem=65536;jobs=0;submit=0`; `-`: not there).
pub fn slurm_limits(stored: &str, lang: Lang) -> String {
    if stored == "-" {
        return lang.t("slurm-absent").to_string();
    }
    let mut parts: Vec<String> = Vec::new();
    let mut sections = stored.split(';');
    for (name, value) in sections
        .next()
        .unwrap_or("")
        .split(',')
        .filter_map(|p| p.split_once('='))
    {
        let Ok(value) = value.parse::<i64>() else { continue };
        let n = grouped(value);
        parts.push(match name {
            "cpu" => lang.t_args("slurm-limit-cpu", &[("n", n)]),
            "gres/gpu" => lang.t_args("slurm-limit-gpu", &[("n", n)]),
            "mem" => lang.t_args("slurm-limit-mem", &[("n", grouped(value / 1024))]),
            other => lang.t_args("slurm-limit-other", &[("name", other.to_string()), ("n", n)]),
        });
    }
    let mut blocked = false;
    for (name, value) in sections.filter_map(|p| p.split_once('=')) {
        let Ok(value) = value.parse::<i64>() else { continue };
        match name {
            "jobs" | "submit" => blocked |= value == 0,
            "maxjobs" => parts.push(lang.t_args("slurm-limit-max-jobs", &[("n", grouped(value))])),
            "maxsubmit" => parts.push(lang.t_args("slurm-limit-max-submit", &[("n", grouped(value))])),
            _ => {}
        }
    }
    if blocked {
        parts.push(lang.t("slurm-limit-blocked").to_string());
    }
    if parts.is_empty() {
        return lang.t("slurm-limit-none").to_string();
    }
    parts.join(lang.t("activity-list-separator"))
}

fn quotas(described: &str, l: &Layout) -> String {
    described
        .split_whitespace()
        .filter_map(|part| part.split_once('='))
        .map(|(resource, value)| {
            let name = match resource {
                "cpu" => l.t("resource-cpu"),
                "gpu" => l.t("resource-gpu"),
                "memory" => l.t("resource-memory"),
                "floating_ip" => l.t("resource-floating-ip"),
                other => other,
            };
            let value = match value {
                "-" => l.t("activity-not-set").to_string(),
                "unlimited" => l.t("quota-unlimited").to_string(),
                number => number.to_string(),
            };
            format!("{name} {value}")
        })
        .collect::<Vec<_>>()
        .join(l.t("activity-list-separator"))
}

/// The expiry in `name="…" expires=2027-01-08T00:00:00Z`, compactly in the
/// viewer's zone (the page names the zone once).
fn key_expiry(after: &str, l: &Layout) -> String {
    after
        .split_whitespace()
        .find_map(|part| part.strip_prefix("expires="))
        .and_then(|at| time::OffsetDateTime::parse(at, &time::format_description::well_known::Rfc3339).ok())
        .map(|at| crate::format::compact_time(at.unix_timestamp(), l.time_zone))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::{ChangeKind, ChangeRow};
    use crate::web::{Layout, i18n::Lang};

    /// What each kind records, as the code records it (a kind added
    /// without a sample here does not compile).
    fn recorded(kind: ChangeKind) -> (&'static str, &'static str, &'static str) {
        use ChangeKind::*;
        match kind {
            KeyCreate => ("ak-7", "", "name=\"ci\" expires=2027-01-06T16:29:31Z"),
            KeyRename => ("ak-7", "\"ci\"", "\"ci deploy\""),
            KeyExtend => ("ak-7", "2027-01-06T16:29:31Z", "2027-02-05T16:29:31Z"),
            KeyRotate => ("ak-7", "", "24"),
            KeyDelete => ("ak-7", "", ""),
            KeyRevoke => ("ak-7", "", "ticket 42: leaked"),
            MemberAdd => ("bob", "", "tenant_user"),
            MemberRole => ("bob", "tenant_user", "tenant_admin"),
            MemberRemove => ("bob", "", ""),
            MemberPermissions => ("bob", "ccs,vcs,hpc,cos,registry", "ccs"),
            ProjectQuota => ("vcs", "cpu=- floating_ip=2", "cpu=64 floating_ip=unlimited"),
            MemberQuota => ("bob ccs", "gpu=2", "gpu=4"),
            QuotaRequestMember | QuotaRequestProject | QuotaRequestEdit | QuotaRequestApprove => {
                ("#12 ccs", "", "gpu=8")
            }
            QuotaRequestRenewal => ("#13", "", "2027-12-31"),
            QuotaRequestWithdraw => ("#12 vcs", "", ""),
            QuotaRequestDecline | QuotaRequestClose => ("#12 hpc", "", "Not this year"),
            ObjectStorageRotate => ("bob", "", ""),
            OrderAdd => ("PO-9", "", "MST110001 123.4000"),
            OrderAdvance => ("PO-9", "quotation", "paid"),
            WalletOpen => ("bob", "", ""),
            WalletClose => ("bob", "", "12.5000"),
            WalletTransfer => ("bob", "", "parent → bob: 100.0000"),
            WalletWarnBelow => ("", "", "1000.0000"),
            AccountCreate => ("dora", "", "support"),
            AccountRole => ("dora", "none", "operator"),
            AccountProfile => ("dora", "name=\"Dora\"", "name=\"Dora Wu\""),
            AccountEmail => ("dora", "dora@example.org", "dora@new.example.org"),
            AccountEmailCancel => ("dora", "dora@evil.example.org", ""),
            AccountPassword | AccountPasswordReset | AccountResetLink => ("dora", "", ""),
            SsoCreate | SsoLink => ("dora", "", "dora@idp.example.org"),
            SsoUnlink => ("dora", "dora@idp.example.org", ""),
            ProjectCreate => ("MST120001", "", "Protein Folding"),
            SupportLock | SupportResetTwoFactor => ("dora", "active", "ticket 7: a stolen phone"),
            SupportUnlock | SupportView => ("dora", "", ""),
            AccountClusterUser => ("dora", "dora", "dwu"),
            HpcJobAssign => ("4242", "", "MST120001"),
            HpcJobDismiss => ("4242", "", ""),
            SlurmDrift => (
                "mst120001 / dora",
                "cpu=64,gres/gpu=0;jobs=0;submit=0",
                "cpu=8,gres/gpu=0,mem=65536",
            ),
        }
    }

    #[test]
    fn every_kind_of_change_the_code_records_reads_as_a_sentence_in_both_languages() {
        let raw = [
            "ccs", "vcs", "hpc", "cos", "registry", "tenant_", "parent", "_", "T16:29", "cpu=", "gpu=",
        ];
        for lang in [Lang::En, Lang::ZhTw] {
            let l = Layout {
                lang,
                csrf: String::new(),
                user: None,
                tenant: None,
                flash: None,
                path: "/activity".to_string(),
                expiring_keys: 0,
                unread_notices: 0,
                time_zone: time_tz::timezones::db::asia::TAIPEI,
                two_factor_due: false,
            };
            for &kind in ChangeKind::ALL {
                assert_eq!(ChangeKind::parse(kind.code()), Some(kind));
                let (target, before, after) = recorded(kind);
                let row = ChangeRow {
                    id: 1,
                    at: 0,
                    actor: Some("alice".to_string()),
                    project_code: None,
                    action: kind.code().to_string(),
                    target: target.to_string(),
                    before: before.to_string(),
                    after: after.to_string(),
                };
                let sentence = row.sentence(&l);
                assert!(!sentence.contains(kind.code()), "{kind:?} in {lang:?}: {sentence}");
                assert!(
                    !sentence.contains('{') && !sentence.contains("activity-"),
                    "{kind:?}: {sentence}"
                );
                for code in raw {
                    assert!(!sentence.contains(code), "{code:?} in {kind:?} ({lang:?}): {sentence}");
                }
            }
        }
    }

    #[test]
    fn shares_are_rounded_to_a_tenth_of_a_percent_and_latencies_to_a_tenth_of_a_millisecond() {
        let shares: Vec<String> = [(1, 3), (2, 3), (5, 5), (0, 7), (0, 0), (i64::MAX, i64::MAX)]
            .map(|(part, whole)| super::percent(part, whole))
            .to_vec();
        assert_eq!(shares, ["33.3 %", "66.7 %", "100.0 %", "0.0 %", "—", "100.0 %"]);
        assert_eq!(super::milliseconds(1_234), "1.2 ms");
        assert_eq!(super::milliseconds(999), "0.9 ms");
    }
}
