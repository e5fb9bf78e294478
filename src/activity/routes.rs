//! The Activity page: API calls, the API's usage over time, and portal
//! changes, filtered, paged, and exported as CSV (streamed).

use super::views::{ActivityPage, ActivityQuery, UsageChart, UsageView};
use actix_web::{HttpResponse, web};

use super::{
    store::{self, ActivityFilter, KeyGroup, UsageFilter},
    usage::{DAY, HOUR, Rollup, hours_kept_from, span_start},
};
use crate::{
    AppState,
    auth::CurrentTenant,
    error::AppError,
    projects::{self as members},
    web::FieldErrors,
    web::{csv, date_range, html},
};

const PAGE_SIZE: i64 = 50;
/// The kinds of change one can filter by (action prefixes).
pub const KINDS: [&str; 9] = [
    "key", "quota", "member", "wallet", "order", "account", "project", "support", "slurm",
];

/// The member an admin narrowed the view to, if any.
fn chosen_member(query: &ActivityQuery) -> Result<Option<crate::auth::identity::AccountId>, AppError> {
    if query.member.is_empty() {
        return Ok(None);
    }
    let member = query
        .member
        .parse()
        .map_err(|_| AppError::invalid("member", "member-unknown"))?;
    Ok(Some(member))
}

/// What this viewer may see, narrowed by the query.
fn filter_for(current: &CurrentTenant, query: &ActivityQuery) -> Result<ActivityFilter, AppError> {
    let (from, to) = date_range(&query.from, &query.to, current.viewer.time_zone())?;
    let mut filter = super::service::visible_to(
        current.tenant.project_id,
        current.account.id,
        current.tenant.is_admin(),
        chosen_member(query)?,
    );
    filter.from = from;
    filter.to = to;
    if !query.kind.is_empty() {
        let kind = KINDS
            .iter()
            .find(|k| **k == query.kind)
            .ok_or_else(|| AppError::invalid("kind", "activity-kind-invalid"))?;
        filter.kind = Some(kind.to_string());
    }
    Ok(filter)
}

/// The days the usage view shows when no range is asked for.
const USAGE_DEFAULT_DAYS: i64 = 30;
/// The most keys the usage view lists.
const USAGE_KEYS: i64 = 100;

/// The usage view's rows for this viewer: the project's, a member's (an
/// admin's choice), the viewer's own (a tenant user), or one key's of those.
/// A range within the hourly sums' window is read by the hour, so that its
/// days are the viewer's days; an older one by the UTC days of the same
/// dates.
fn usage_filter_for(
    current: &CurrentTenant,
    query: &ActivityQuery,
    retention_days: i64,
) -> Result<UsageFilter, AppError> {
    let zone = current.viewer.time_zone();
    let (from, to) = date_range(&query.from, &query.to, zone)?;
    // By default up to the end of the viewer's today.
    let now = crate::db::now();
    let today_ends = date_range("", &crate::format::local_date(now, zone), zone)?.1;
    let to = to.or(today_ends).unwrap_or(now);
    let from = from.unwrap_or(to - USAGE_DEFAULT_DAYS * DAY);
    // A day more than the retention: its first day may be partly kept.
    if to - from > (retention_days + 1) * DAY {
        return Err(AppError::invalid_at(
            "from".to_string(),
            crate::web::i18n::Msg::new("api-usage-range-too-long").arg("days", retention_days),
        ));
    }
    let key = query.key.trim();
    if key.len() > 64 || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
        return Err(AppError::invalid("key", "api-usage-key-invalid"));
    }
    let filter = UsageFilter {
        project_id: current.tenant.project_id,
        account: if current.tenant.is_admin() {
            chosen_member(query)?
        } else {
            Some(current.account.id)
        },
        key_id: (!key.is_empty()).then(|| key.to_string()),
        span: HOUR,
        from,
        to,
    };
    Ok(if from >= hours_kept_from(now) {
        filter
    } else {
        in_utc_days(filter, zone)
    })
}

/// The filter read by UTC day: the UTC days of the dates its range has in
/// the viewer's zone.
fn in_utc_days(filter: UsageFilter, zone: &'static time_tz::Tz) -> UsageFilter {
    use time_tz::OffsetDateTimeExt;
    if filter.span == DAY {
        return filter;
    }
    let utc_day_of_local_date = |at: i64| {
        let offset = time::OffsetDateTime::from_unix_timestamp(at)
            .map_or(0, |utc| i64::from(utc.to_timezone(zone).offset().whole_seconds()));
        span_start(at + offset, DAY)
    };
    UsageFilter {
        span: DAY,
        from: utc_day_of_local_date(filter.from),
        to: utc_day_of_local_date(filter.to - 1) + DAY,
        ..filter
    }
}

/// The usage view's figures for the filter: the totals, the chart, the keys.
async fn usage_view(db: &crate::db::Db, filter: &UsageFilter, l: &crate::web::Layout) -> Result<UsageView, AppError> {
    let periods = store::periods(db, filter).await?;
    Ok(UsageView {
        total: Rollup::total(&periods),
        chart: UsageChart::new(&periods, filter, l),
        keys: store::by_key(db, filter, KeyGroup::Range, USAGE_KEYS).await?,
    })
}

pub async fn page(
    current: CurrentTenant,
    query: web::Query<ActivityQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let db = &state.db;
    let l = current.viewer.layout();
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let mut errors = FieldErrors::default();
    let (mut calls, mut changes, mut usage) = (Vec::new(), Vec::new(), None);
    let (mut from, mut to) = (query.from.clone(), query.to.clone());
    if query.usage() {
        match usage_filter_for(&current, &query, state.config.activity_retention_days) {
            Ok(filter) => {
                usage = Some(usage_view(db, &filter, &l).await?);
                // The range shown, as dates in the viewer's zone (or in
                // UTC, where it is read by UTC day).
                let zone = if filter.span == DAY {
                    time_tz::timezones::db::UTC
                } else {
                    current.viewer.time_zone()
                };
                from = crate::format::local_date(filter.from, zone);
                to = crate::format::local_date(filter.to - 1, zone);
            }
            Err(err) => errors.add(err, current.viewer.lang)?,
        }
    } else {
        match filter_for(&current, &query) {
            Ok(filter) => {
                let offset = (page - 1) * PAGE_SIZE;
                if query.changes() {
                    changes = store::changes(db, current.account.id, &filter, i64::MAX, PAGE_SIZE + 1, offset).await?;
                } else {
                    calls = store::api_calls(db, &filter, i64::MAX, PAGE_SIZE + 1, offset).await?;
                }
            }
            Err(err) => errors.add(err, current.viewer.lang)?,
        }
    }
    let more = calls.len() as i64 > PAGE_SIZE || changes.len() as i64 > PAGE_SIZE;
    calls.truncate(PAGE_SIZE as usize);
    changes.truncate(PAGE_SIZE as usize);
    let members = if current.tenant.is_admin() {
        members::service::members(db, current.tenant.project_id).await?
    } else {
        Vec::new()
    };
    html(&ActivityPage {
        l,
        query,
        members,
        from,
        to,
        calls,
        changes: super::views::fold_views(changes),
        usage,
        page,
        more,
        errors,
        kinds: KINDS,
        raw_days: state.config.api_activity_raw_days,
        retention_days: state.config.activity_retention_days,
    })
}

/// The filtered rows as CSV, streamed a thousand at a time.
pub async fn csv(
    current: CurrentTenant,
    query: web::Query<ActivityQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let zone = current.viewer.time_zone();
    if query.usage() {
        // One row a key and UTC day, whatever the page draws.
        let filter = in_utc_days(
            usage_filter_for(&current, &query, state.config.activity_retention_days)?,
            zone,
        );
        return Ok(usage_csv(state.db.clone(), filter, zone));
    }
    let filter = filter_for(&current, &query)?;
    let db = state.db.clone();
    let viewer = current.account.id;
    if query.changes() {
        return Ok(csv::response(
            "changes.csv",
            &["id", "time", "actor", "action", "target", "before", "after"],
            move |cursor| {
                let (db, filter) = (db.clone(), filter.clone());
                Box::pin(async move {
                    let rows =
                        store::changes(&db, viewer, &filter, cursor.unwrap_or(i64::MAX), csv::PAGE_ROWS, 0).await?;
                    let next = csv::next_cursor(&rows, |r| r.id);
                    let rows = rows
                        .into_iter()
                        .map(|r| {
                            vec![
                                r.id.to_string(),
                                crate::format::iso_local(r.at, zone),
                                r.actor.unwrap_or_default(),
                                r.action,
                                r.target,
                                r.before,
                                r.after,
                            ]
                        })
                        .collect();
                    Ok((rows, next))
                })
            },
        ));
    }
    Ok(csv::response(
        "api-calls.csv",
        &[
            "id",
            "time",
            "member",
            "key_id",
            "method",
            "route",
            "status",
            "latency_us",
            "client",
        ],
        move |cursor| {
            let (db, filter) = (db.clone(), filter.clone());
            Box::pin(async move {
                let rows = store::api_calls(&db, &filter, cursor.unwrap_or(i64::MAX), csv::PAGE_ROWS, 0).await?;
                let next = csv::next_cursor(&rows, |r| r.id);
                let rows = rows
                    .into_iter()
                    .map(|r| {
                        vec![
                            r.id.to_string(),
                            crate::format::iso_local(r.at, zone),
                            r.username,
                            r.key_id,
                            r.method.to_string(),
                            r.route.to_string(),
                            r.status.to_string(),
                            r.latency_us.to_string(),
                            r.client,
                        ]
                    })
                    .collect();
                Ok((rows, next))
            })
        },
    ))
}

/// The usage view's figures as CSV: one row a key and UTC day, a week of
/// days a page.
fn usage_csv(db: crate::db::Db, filter: UsageFilter, zone: &'static time_tz::Tz) -> HttpResponse {
    const WEEK: i64 = 7 * DAY;
    let first = span_start(filter.from, DAY);
    csv::response(
        "api-usage.csv",
        &[
            "date_utc",
            "key_id",
            "key_name",
            "member",
            "calls",
            "ok_2xx",
            "client_errors_4xx",
            "server_errors_5xx",
            "latency_avg_us",
            "latency_max_us",
            "last_call",
        ],
        move |cursor| {
            let (db, mut week) = (db.clone(), filter.clone());
            Box::pin(async move {
                week.from = cursor.unwrap_or(first).max(filter.from);
                week.to = (cursor.unwrap_or(first) + WEEK).min(filter.to);
                let rows = store::by_key(&db, &week, KeyGroup::Span, i64::MAX).await?;
                let next = (week.to < filter.to).then_some(week.to);
                let rows = rows
                    .into_iter()
                    .map(|r| {
                        vec![
                            crate::web::chart::date_of(r.sums.start.div_euclid(DAY)),
                            r.sums.key_id.clone(),
                            r.key_name.unwrap_or_default(),
                            r.username,
                            r.sums.calls.to_string(),
                            r.sums.ok.to_string(),
                            r.sums.client_errors.to_string(),
                            r.sums.server_errors.to_string(),
                            r.sums.average_latency_us().to_string(),
                            r.sums.latency_max_us.to_string(),
                            crate::format::iso_local(r.sums.last_at, zone),
                        ]
                    })
                    .collect();
                Ok((rows, next))
            })
        },
    )
}
