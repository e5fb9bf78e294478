//! Every SQL statement about the activity log.

use sqlx::Executor;

use super::ApiCall;
use crate::db::{Db, Statement, now};

use crate::auth::identity::{AccountId, ProjectId};

/// One change made through the portal or CLI: who did what to which target.
pub struct Change<'a> {
    pub actor_id: Option<AccountId>,
    pub project_id: Option<ProjectId>,
    /// The account the change concerns, if any (shown in their activity).
    pub subject_id: Option<AccountId>,
    pub action: &'a str,
    pub target: &'a str,
    pub before: &'a str,
    pub after: &'a str,
}

fn insert_change(change: Change<'_>) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(
        "INSERT INTO change_activity (at, actor_id, project_id, subject_id, action, target, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(now())
    .bind(change.actor_id)
    .bind(change.project_id)
    .bind(change.subject_id)
    .bind(change.action)
    .bind(change.target)
    .bind(change.before)
    .bind(change.after)
}

/// Records a change inside the caller's transaction, so that it is written
/// exactly when what it records is.
pub async fn record_change<'e>(
    executor: impl Executor<'e, Database = sqlx::Any>,
    change: Change<'_>,
) -> sqlx::Result<()> {
    insert_change(change).execute(executor).await?;
    Ok(())
}

/// Records a change on its own (a view, or a change already committed).
pub async fn record(db: &Db, change: Change<'_>) -> sqlx::Result<()> {
    db.execute(insert_change(change)).await?;
    Ok(())
}

/// Writes a batch of API calls and the keys' last-used times in one transaction.
pub async fn write_calls(db: &Db, calls: &[ApiCall], last_used: &[(i64, i64)]) -> sqlx::Result<()> {
    // Appends and overwrites only: on PostgreSQL it waits for no write lock.
    let mut tx = db.begin_append().await?;
    // Many rows a statement: each statement is a round trip to SQLite's thread.
    for chunk in crate::db::fixed_chunks(calls) {
        let mut insert = Statement::new(
            &tx,
            "INSERT INTO api_activity (at, account_id, project_id, key_id, method, path, status, latency_us) ",
        );
        insert.values(chunk, |row, call| {
            row.bind(call.at)
                .bind(call.account_id)
                .bind(call.project_id)
                .bind(call.key_id.as_str())
                .bind(call.method.as_str())
                .bind(call.path.as_str())
                .bind(i64::from(call.status))
                .bind(call.latency_us);
        });
        insert.query().execute(&mut *tx).await?;
    }
    for (key_row, at) in last_used {
        sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
            .bind(at)
            .bind(key_row)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit_leaving_caches().await
}

/// Which activity rows to show.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    /// The project whose rows to show (tenant admins).
    pub project_id: Option<ProjectId>,
    /// Only rows by or about this account (a tenant user's own view).
    pub own: Option<AccountId>,
    /// Rows by or about this member (an admin's member filter).
    pub member: Option<AccountId>,
    /// Changes whose action starts with `<kind>.`.
    pub kind: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ApiCallRow {
    pub id: i64,
    pub at: i64,
    pub username: String,
    pub key_id: String,
    pub method: String,
    pub path: String,
    pub status: i64,
    pub latency_us: i64,
}

#[derive(Debug, Clone)]
pub struct ChangeRow {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    /// The project it happened in (`None`: the account itself).
    pub project_code: Option<String>,
    pub action: String,
    pub target: String,
    pub before: String,
    pub after: String,
}

macro_rules! select_calls {
    ($rest:literal) => {
        concat!(
            "SELECT c.id, c.at, a.username, c.key_id, c.method, c.path, c.status, c.latency_us ",
            "FROM api_activity c JOIN accounts a ON a.id = c.account_id ",
            "WHERE ($1 IS NULL OR c.project_id = $1) AND ($2 IS NULL OR c.account_id = $2) ",
            "AND ($3 IS NULL OR c.account_id = $3) AND ($4 IS NULL OR c.at >= $4) AND ($5 IS NULL OR c.at < $5) ",
            "AND c.id < $6 ",
            $rest
        )
    };
}

macro_rules! select_changes {
    ($rest:literal) => {
        concat!(
            "SELECT c.id, c.at, a.username AS actor, p.code AS project_code, c.action, c.target, c.before, c.after ",
            "FROM change_activity c LEFT JOIN accounts a ON a.id = c.actor_id LEFT JOIN projects p ON p.id = c.project_id ",
            // A project's log: its own rows (a tenant user's: those by or
            // about them), and the viewer's rows that belong to no project.
            // Without a project (support): every row by or about the viewer.
            "WHERE (($1 IS NULL AND (c.subject_id = $2 OR c.actor_id = $2)) ",
            "OR ($1 IS NOT NULL AND c.project_id = $1 AND ($10 IS NULL OR c.actor_id = $10 OR c.subject_id = $10)) ",
            "OR ($1 IS NOT NULL AND c.project_id IS NULL AND (c.subject_id = $2 OR c.actor_id = $2))) ",
            "AND ($3 IS NULL OR c.actor_id = $3 OR c.subject_id = $3) AND ($4 IS NULL OR c.at >= $4) AND ($5 IS NULL OR c.at < $5) ",
            "AND c.id < $6 AND ($7 IS NULL OR c.action LIKE $7) ",
            $rest
        )
    };
}

/// API calls matching the filter with IDs below `before`, newest first.
pub async fn api_calls(
    db: &Db,
    filter: &ActivityFilter,
    before: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<ApiCallRow>> {
    let rows = sqlx::query(select_calls!("ORDER BY c.id DESC LIMIT $7 OFFSET $8"))
        .bind(filter.project_id)
        .bind(filter.own)
        .bind(filter.member)
        .bind(filter.from)
        .bind(filter.to)
        .bind(before)
        .bind(limit)
        .bind(offset)
        .fetch_all(db.read())
        .await?;
    use sqlx::Row;
    Ok(rows
        .iter()
        .map(|r| ApiCallRow {
            id: r.get("id"),
            at: r.get("at"),
            username: r.get("username"),
            key_id: r.get("key_id"),
            method: r.get("method"),
            path: r.get("path"),
            status: r.get("status"),
            latency_us: r.get("latency_us"),
        })
        .collect())
}

/// Changes matching the filter with IDs below `before`, newest first:
/// those of the filter's project only, and the viewer's own account-level
/// changes (or, without a project, every change by or about the viewer).
pub async fn changes(
    db: &Db,
    viewer: AccountId,
    filter: &ActivityFilter,
    before: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<ChangeRow>> {
    let kind = filter.kind.as_ref().map(|k| format!("{k}.%"));
    let rows = sqlx::query(select_changes!("ORDER BY c.id DESC LIMIT $8 OFFSET $9"))
        .bind(filter.project_id)
        .bind(viewer)
        .bind(filter.member)
        .bind(filter.from)
        .bind(filter.to)
        .bind(before)
        .bind(kind)
        .bind(limit)
        .bind(offset)
        .bind(filter.own)
        .fetch_all(db.read())
        .await?;
    use sqlx::Row;
    Ok(rows
        .iter()
        .map(|r| ChangeRow {
            id: r.get("id"),
            at: r.get("at"),
            actor: r.get("actor"),
            project_code: r.get("project_code"),
            action: r.get("action"),
            target: r.get("target"),
            before: r.get("before"),
            after: r.get("after"),
        })
        .collect())
}

/// Deletes activity older than `before` (retention).
pub async fn prune(db: &Db, before: i64) -> sqlx::Result<u64> {
    let calls = db
        .execute_leaving_caches(sqlx::query("DELETE FROM api_activity WHERE at < $1").bind(before))
        .await?;
    let changes = db
        .execute_leaving_caches(sqlx::query("DELETE FROM change_activity WHERE at < $1").bind(before))
        .await?;
    Ok(calls.rows_affected() + changes.rows_affected())
}
