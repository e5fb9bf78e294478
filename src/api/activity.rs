//! The project's activity through the API: changes made in the portal, the
//! API and the command line, and the API calls, newest first, paged by
//! cursor. A tenant admin's key sees the project's (or one member's), a
//! tenant user's key only its owner's: what the Activity page shows them.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::{
    ApiCaller,
    request::{invalid, paged},
    routes::rfc3339,
};
use crate::{AppState, accounts, activity::service as activity, error::AppError, ids::AccountId};

/// Which rows: a page, a member, a period, a kind of change.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ActivityQuery {
    /// The `next_cursor` of the page before; none for the first page.
    #[param(pattern = r"^c[0-9]{1,18}$")]
    pub cursor: Option<String>,
    /// How many, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Tenant admins: only rows by or about this member (a username).
    pub member: Option<String>,
    /// The first day, `YYYY-MM-DD` (UTC).
    #[param(format = Date, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD` (UTC).
    #[param(format = Date, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub to: Option<String>,
    /// Changes only: of this kind (`key`, `member`, `quota`, `wallet`, …).
    #[param(pattern = "^[a-z_]{1,32}$")]
    pub kind: Option<String>,
}

/// The filter this caller may use, narrowed by the query; the page.
async fn filter(
    caller: &ApiCaller,
    query: &ActivityQuery,
    state: &AppState,
) -> Result<(activity::ActivityFilter, Option<i64>, i64), AppError> {
    let (before, limit) = super::request::page(query.cursor.as_deref(), query.limit)?;
    let member: Option<AccountId> = match query.member.as_deref().filter(|m| !m.is_empty()) {
        None => None,
        Some(username) => Some(
            accounts::service::by_username(&state.db, &username.to_ascii_lowercase())
                .await?
                .ok_or(AppError::NotFound)?
                .id,
        ),
    };
    let mut filter = activity::visible_to(
        caller.owner.project_id,
        caller.owner.account_id,
        caller.is_tenant_admin(),
        member,
    );
    let (from, to) = super::request::period(query.from.as_deref(), query.to.as_deref())?;
    filter.from = from;
    filter.to = to;
    if let Some(kind) = query.kind.as_deref() {
        if !(1..=32).contains(&kind.len()) || !kind.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
            return Err(invalid("kind", "api-kind-invalid"));
        }
        filter.kind = Some(kind.to_string());
    }
    Ok((filter, before, limit))
}

#[derive(Serialize, ToSchema)]
pub struct ChangeBody {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// Who did it (a username); `null` for the command line or the system.
    #[schema(value_type = Option<String>)]
    pub actor: Option<String>,
    /// The project it happened in; `null` for the account itself.
    #[schema(value_type = Option<String>)]
    pub project: Option<String>,
    /// What was done, e.g. `key.create`, `member.role`, `quota.member.set`.
    pub action: String,
    /// What it was done to (a key ID, a username, …).
    pub target: String,
    pub before: String,
    pub after: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChangeListBody {
    pub changes: Vec<ChangeBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<String>,
}

/// Changes in the project, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/activity/changes",
    tag = "activity",
    security(("api_key" = [])),
    params(ActivityQuery),
    responses(
        (status = 200, description = "A page of changes", body = ChangeListBody),
        (status = 400, description = "`bad_request`: a malformed query", body = super::openapi::ErrorBody),
        (status = 404, description = "`not_found`: no such `member`", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: `field` names the parameter at fault", body = super::openapi::ErrorBody),
    )
)]
pub async fn changes(
    caller: ApiCaller,
    query: web::Query<ActivityQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (filter, before, limit) = filter(&caller, &query, &state).await?;
    let rows = activity::changes(
        &state.db,
        caller.owner.account_id,
        &filter,
        before.unwrap_or(i64::MAX),
        limit + 1,
        0,
    )
    .await?;
    let (rows, next_cursor) = paged(rows, limit, |row| row.id);
    // A key scoped to some services lists no change about another.
    let in_scope = |row: &activity::ChangeRow| {
        row.services()
            .iter()
            .all(|code| crate::permissions::Service::parse(code).is_none_or(|s| caller.owner.scope.allows(s)))
    };
    let changes = rows
        .into_iter()
        .filter(in_scope)
        .map(|row| ChangeBody {
            id: row.id,
            at: rfc3339(row.at),
            actor: row.actor,
            project: row.project_code,
            action: row.action,
            target: row.target,
            before: row.before,
            after: row.after,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ChangeListBody { changes, next_cursor }))
}

#[derive(Serialize, ToSchema)]
pub struct CallBody {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub username: String,
    pub key_id: String,
    pub method: String,
    /// The route's pattern, e.g. `/api/v1/allocations/{id}`.
    pub route: String,
    pub status: i64,
    pub latency_us: i64,
    /// The client's address.
    pub client: String,
}

#[derive(Serialize, ToSchema)]
pub struct CallListBody {
    pub calls: Vec<CallBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<String>,
}

/// API calls in the project (kept one by one for the raw window), newest first.
#[utoipa::path(
    get,
    path = "/api/v1/activity/calls",
    tag = "activity",
    security(("api_key" = [])),
    params(ActivityQuery),
    responses(
        (status = 200, description = "A page of API calls", body = CallListBody),
        (status = 400, description = "`bad_request`: a malformed query", body = super::openapi::ErrorBody),
        (status = 404, description = "`not_found`: no such `member`", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: `field` names the parameter at fault", body = super::openapi::ErrorBody),
    )
)]
pub async fn calls(
    caller: ApiCaller,
    query: web::Query<ActivityQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (filter, before, limit) = filter(&caller, &query, &state).await?;
    let rows = activity::api_calls(&state.db, &filter, before.unwrap_or(i64::MAX), limit + 1, 0).await?;
    let (rows, next_cursor) = paged(rows, limit, |row| row.id);
    let calls = rows
        .into_iter()
        .map(|row| CallBody {
            id: row.id,
            at: rfc3339(row.at),
            username: row.username,
            key_id: row.key_id,
            method: row.method.to_string(),
            route: row.route.to_string(),
            status: row.status,
            latency_us: row.latency_us,
            client: row.client,
        })
        .collect();
    Ok(HttpResponse::Ok().json(CallListBody { calls, next_cursor }))
}
