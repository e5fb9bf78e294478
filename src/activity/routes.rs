//! The Activity page: API calls and portal changes, filtered, paged, and
//! exported as CSV (streamed).

use super::views::{ActivityPage, ActivityQuery};
use actix_web::{HttpResponse, web};

use super::store::{self, ActivityFilter};
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
pub const KINDS: [&str; 8] = [
    "key", "quota", "member", "wallet", "order", "account", "project", "support",
];

/// What this viewer may see, narrowed by the query.
fn filter_for(current: &CurrentTenant, query: &ActivityQuery) -> Result<ActivityFilter, AppError> {
    let (from, to) = date_range(&query.from, &query.to, current.viewer.time_zone())?;
    let mut filter = ActivityFilter {
        from,
        to,
        project_id: Some(current.tenant.project_id),
        ..ActivityFilter::default()
    };
    if current.tenant.is_admin() {
        if !query.member.is_empty() {
            filter.member = Some(
                query
                    .member
                    .parse()
                    .map_err(|_| AppError::invalid("member", "member-unknown"))?,
            );
        }
    } else {
        filter.own = Some(current.account.id);
    }
    if !query.kind.is_empty() {
        let kind = KINDS
            .iter()
            .find(|k| **k == query.kind)
            .ok_or_else(|| AppError::invalid("kind", "activity-kind-invalid"))?;
        filter.kind = Some(kind.to_string());
    }
    Ok(filter)
}

pub async fn page(
    current: CurrentTenant,
    query: web::Query<ActivityQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let db = &state.db;
    let page = query.page.unwrap_or(1).clamp(1, 10_000);
    let mut errors = FieldErrors::default();
    let (mut calls, mut changes) = (Vec::new(), Vec::new());
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
    let more = calls.len() as i64 > PAGE_SIZE || changes.len() as i64 > PAGE_SIZE;
    calls.truncate(PAGE_SIZE as usize);
    changes.truncate(PAGE_SIZE as usize);
    let members = if current.tenant.is_admin() {
        members::service::members(db, current.tenant.project_id).await?
    } else {
        Vec::new()
    };
    html(&ActivityPage {
        l: current.viewer.layout(),
        query,
        members,
        calls,
        changes: super::views::fold_views(changes),
        page,
        more,
        errors,
        kinds: KINDS,
    })
}

/// The filtered rows as CSV, streamed a thousand at a time.
pub async fn csv(
    current: CurrentTenant,
    query: web::Query<ActivityQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let filter = filter_for(&current, &query)?;
    let db = state.db.clone();
    let zone = current.viewer.time_zone();
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
            "path",
            "status",
            "latency_us",
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
                            r.method,
                            r.path,
                            r.status.to_string(),
                            r.latency_us.to_string(),
                        ]
                    })
                    .collect();
                Ok((rows, next))
            })
        },
    ))
}
