//! Every SQL statement about quota requests.

use sqlx::Row;

use super::{RequestKind, RequestStatus};
use crate::{
    auth::identity::{AccountId, ProjectId},
    db::{Connection, Db, DbRow, Statement},
    quotas::{QuotaService, Resource},
};

/// One resource of a request: the total asked and, once approved, granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub resource: Resource,
    pub asked: i64,
    pub granted: Option<i64>,
}

/// A request with the names its pages show.
#[derive(Debug, Clone)]
pub struct QuotaRequest {
    pub id: i64,
    pub project_id: ProjectId,
    pub project_code: String,
    pub project_name: String,
    pub project_ends_on: String,
    pub requester_id: AccountId,
    pub requester_username: String,
    pub requester_name: String,
    pub kind: RequestKind,
    pub service: Option<QuotaService>,
    pub reason: String,
    pub needed_until: Option<time::Date>,
    pub ends_on: Option<time::Date>,
    pub granted_ends_on: Option<time::Date>,
    pub status: RequestStatus,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    pub decider_name: Option<String>,
    pub comment: String,
    pub items: Vec<Item>,
}

/// One step of a request's history.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: i64,
    pub actor: Option<String>,
    /// `filed`, `approved`, `changed` (approved with other figures),
    /// `declined`, `withdrawn`, `closed`.
    pub event: String,
    pub comment: String,
}

const SELECT: &str = "SELECT r.id, r.project_id, p.code AS project_code, p.name AS project_name,
        p.ends_on AS project_ends_on, r.requester_id, a.username AS requester_username,
        a.display_name AS requester_name, r.kind, r.service, r.reason, r.needed_until, r.ends_on,
        r.granted_ends_on, r.status, r.created_at, r.decided_at, d.display_name AS decider_name, r.comment
     FROM quota_requests r
     JOIN projects p ON p.id = r.project_id
     JOIN accounts a ON a.id = r.requester_id
     LEFT JOIN accounts d ON d.id = r.decided_by";

fn date(raw: &str) -> Option<time::Date> {
    time::Date::parse(raw, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

fn request_from(row: &DbRow) -> QuotaRequest {
    QuotaRequest {
        id: row.get("id"),
        project_id: row.get("project_id"),
        project_code: row.get("project_code"),
        project_name: row.get("project_name"),
        project_ends_on: row.get("project_ends_on"),
        requester_id: row.get("requester_id"),
        requester_username: row.get("requester_username"),
        requester_name: row.get("requester_name"),
        kind: RequestKind::parse(row.get("kind")).unwrap_or(RequestKind::Member),
        service: QuotaService::parse(row.get("service")),
        reason: row.get("reason"),
        needed_until: date(row.get("needed_until")),
        ends_on: date(row.get("ends_on")),
        granted_ends_on: date(row.get("granted_ends_on")),
        status: RequestStatus::parse(row.get("status")).unwrap_or(RequestStatus::Closed),
        created_at: row.get("created_at"),
        decided_at: row.get("decided_at"),
        decider_name: row.get("decider_name"),
        comment: row.get("comment"),
        items: Vec::new(),
    }
}

/// Fills in the items of `requests` (one statement).
async fn with_items(conn: &mut Connection, mut requests: Vec<QuotaRequest>) -> sqlx::Result<Vec<QuotaRequest>> {
    if requests.is_empty() {
        return Ok(requests);
    }
    let mut statement = Statement::new(
        conn,
        "SELECT request_id, resource, asked, granted FROM quota_request_items WHERE request_id IN (",
    );
    statement.bind_list(requests.iter().map(|r| r.id)).push(")");
    let rows = statement.query().fetch_all(&mut *conn).await?;
    for row in rows {
        let id: i64 = row.get("request_id");
        let Some(resource) = Resource::parse(row.get("resource")) else {
            continue;
        };
        if let Some(request) = requests.iter_mut().find(|r| r.id == id) {
            request.items.push(Item {
                resource,
                asked: row.get("asked"),
                granted: row.get("granted"),
            });
        }
    }
    for request in &mut requests {
        request.items.sort_by_key(|item| item.resource);
    }
    Ok(requests)
}

/// One request, with its items.
pub async fn get_in(conn: &mut Connection, id: i64) -> sqlx::Result<Option<QuotaRequest>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE r.id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(with_items(conn, vec![request_from(&row)]).await?.pop())
}

pub async fn get(db: &Db, id: i64) -> sqlx::Result<Option<QuotaRequest>> {
    let mut conn = db.read().acquire().await?;
    get_in(&mut conn, id).await
}

/// Which requests a list shows.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub project_id: Option<ProjectId>,
    pub requester_id: Option<AccountId>,
    /// Only these kinds (empty: all).
    pub kinds: Vec<RequestKind>,
    pub status: Option<RequestStatus>,
    /// Only requests numbered below this, newest first (the API's cursor);
    /// without it, open ones first, then the newest.
    pub before: Option<i64>,
}

/// A page of requests (in the order `ListFilter::before` says), and how many match.
pub async fn list(db: &Db, filter: &ListFilter, limit: i64, offset: i64) -> sqlx::Result<(Vec<QuotaRequest>, i64)> {
    let from = |statement: &mut Statement| {
        statement.push(" WHERE 1 = 1");
        if let Some(project_id) = filter.project_id {
            statement.push(" AND r.project_id = ").bind(project_id);
        }
        if let Some(requester_id) = filter.requester_id {
            statement.push(" AND r.requester_id = ").bind(requester_id);
        }
        if !filter.kinds.is_empty() {
            statement
                .push(" AND r.kind IN (")
                .bind_list(filter.kinds.iter().map(|k| k.code()))
                .push(")");
        }
        if let Some(status) = filter.status {
            statement.push(" AND r.status = ").bind(status.code());
        }
        if let Some(before) = filter.before {
            statement.push(" AND r.id < ").bind(before);
        }
    };
    let mut page = Statement::for_backend(db.backend(), SELECT);
    from(&mut page);
    let order = if filter.before.is_some() {
        " ORDER BY r.id DESC LIMIT "
    } else {
        " ORDER BY CASE WHEN r.status = 'open' THEN 0 ELSE 1 END, r.created_at DESC, r.id DESC LIMIT "
    };
    page.push(order).bind(limit).push(" OFFSET ").bind(offset);
    let mut count = Statement::for_backend(
        db.backend(),
        "SELECT COUNT(*) FROM quota_requests r JOIN projects p ON p.id = r.project_id
         JOIN accounts a ON a.id = r.requester_id LEFT JOIN accounts d ON d.id = r.decided_by",
    );
    from(&mut count);
    let mut conn = db.read().acquire().await?;
    let rows = page.query().fetch_all(&mut *conn).await?;
    let total: i64 = count.query().fetch_one(&mut *conn).await?.try_get(0)?;
    let requests = with_items(&mut conn, rows.iter().map(request_from).collect()).await?;
    Ok((requests, total))
}

/// A request's history, oldest first.
pub async fn events(db: &Db, id: i64) -> sqlx::Result<Vec<Event>> {
    let rows = sqlx::query(
        "SELECT e.at, a.display_name AS actor, e.event, e.comment FROM quota_request_events e
         LEFT JOIN accounts a ON a.id = e.actor_id WHERE e.request_id = $1 ORDER BY e.at, e.id",
    )
    .bind(id)
    .fetch_all(db.read())
    .await?;
    Ok(rows
        .iter()
        .map(|row| Event {
            at: row.get("at"),
            actor: row.get("actor"),
            event: row.get("event"),
            comment: row.get("comment"),
        })
        .collect())
}

/// What a new request is.
pub struct Insert<'a> {
    pub project_id: ProjectId,
    pub requester_id: AccountId,
    pub kind: RequestKind,
    pub service: &'a str,
    pub reason: &'a str,
    pub needed_until: String,
    pub ends_on: String,
    pub items: &'a [(Resource, i64)],
    pub at: i64,
}

/// Inserts a request and its items; a unique violation (an open request
/// of the same requester, kind and service) is the caller's to read.
pub async fn insert_in(conn: &mut Connection, new: &Insert<'_>) -> sqlx::Result<i64> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO quota_requests (project_id, requester_id, kind, service, reason, needed_until, ends_on, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
    )
    .bind(new.project_id)
    .bind(new.requester_id)
    .bind(new.kind.code())
    .bind(new.service)
    .bind(new.reason)
    .bind(&new.needed_until)
    .bind(&new.ends_on)
    .bind(new.at)
    .fetch_one(&mut *conn)
    .await?;
    insert_items(conn, id, new.items).await?;
    Ok(id)
}

/// Replaces what an open request asks (a requester's edit).
pub async fn update_in(conn: &mut Connection, id: i64, new: &Insert<'_>) -> sqlx::Result<()> {
    sqlx::query("UPDATE quota_requests SET reason = $1, needed_until = $2, ends_on = $3 WHERE id = $4")
        .bind(new.reason)
        .bind(&new.needed_until)
        .bind(&new.ends_on)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM quota_request_items WHERE request_id = $1")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    insert_items(conn, id, new.items).await
}

async fn insert_items(conn: &mut Connection, id: i64, items: &[(Resource, i64)]) -> sqlx::Result<()> {
    for (resource, asked) in items {
        sqlx::query("INSERT INTO quota_request_items (request_id, resource, asked) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(resource.code())
            .bind(*asked)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The open request of a requester, kind and service in a project, if any.
pub async fn open_one(
    conn: &mut Connection,
    project_id: ProjectId,
    requester_id: AccountId,
    kind: RequestKind,
    service: &str,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM quota_requests
         WHERE project_id = $1 AND requester_id = $2 AND kind = $3 AND service = $4 AND status = 'open'",
    )
    .bind(project_id)
    .bind(requester_id)
    .bind(kind.code())
    .bind(service)
    .fetch_optional(conn)
    .await
}

pub async fn add_event(
    conn: &mut Connection,
    id: i64,
    actor_id: Option<AccountId>,
    event: &str,
    comment: &str,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO quota_request_events (request_id, at, actor_id, event, comment) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(at)
    .bind(actor_id)
    .bind(event)
    .bind(comment)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends an open request; false when it was no longer open (decided,
/// withdrawn or closed meanwhile: exactly one ending wins).
pub async fn end_in(
    conn: &mut Connection,
    id: i64,
    status: RequestStatus,
    decided_by: Option<AccountId>,
    comment: &str,
    granted_ends_on: &str,
    at: i64,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE quota_requests SET status = $1, decided_at = $2, decided_by = $3, comment = $4, granted_ends_on = $5
         WHERE id = $6 AND status = 'open'",
    )
    .bind(status.code())
    .bind(at)
    .bind(decided_by)
    .bind(comment)
    .bind(granted_ends_on)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn grant_in(conn: &mut Connection, id: i64, resource: Resource, granted: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE quota_request_items SET granted = $1 WHERE request_id = $2 AND resource = $3")
        .bind(granted)
        .bind(id)
        .bind(resource.code())
        .execute(conn)
        .await?;
    Ok(())
}

/// An account's role in a project (`tenant_admin`, `tenant_user`), if a member.
pub async fn role_in(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT role FROM memberships WHERE project_id = $1 AND account_id = $2")
        .bind(project_id)
        .bind(account_id)
        .fetch_optional(conn)
        .await
}

/// A project's status (`active`, `suspended`, `closed`).
pub async fn project_status_in(conn: &mut Connection, project_id: ProjectId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT status FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_optional(conn)
        .await
}

/// A project's end date (`YYYY-MM-DD`).
pub async fn project_ends_on_in(conn: &mut Connection, project_id: ProjectId) -> sqlx::Result<Option<time::Date>> {
    let raw: Option<String> = sqlx::query_scalar("SELECT ends_on FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_optional(conn)
        .await?;
    Ok(raw.as_deref().and_then(date))
}

pub async fn set_project_ends_on_in(conn: &mut Connection, project_id: ProjectId, ends_on: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE projects SET ends_on = $1 WHERE id = $2")
        .bind(ends_on)
        .bind(project_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Who decides a project's requests of `kind`: its tenant admins, or the
/// active operators.
pub async fn deciders_in(
    conn: &mut Connection,
    project_id: ProjectId,
    kind: RequestKind,
) -> sqlx::Result<Vec<AccountId>> {
    if kind.for_operators() {
        sqlx::query_scalar("SELECT id FROM accounts WHERE platform_role = 'operator' AND status = 'active'")
            .fetch_all(conn)
            .await
    } else {
        crate::auth::identity::tenant_admins_in(conn, project_id).await
    }
}

/// The open requests of a member in a project (to close when they leave).
pub async fn open_of_member_in(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar("SELECT id FROM quota_requests WHERE project_id = $1 AND requester_id = $2 AND status = 'open'")
        .bind(project_id)
        .bind(account_id)
        .fetch_all(conn)
        .await
}
