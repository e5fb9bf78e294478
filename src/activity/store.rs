//! Every SQL statement about the activity log.

use sqlx::{Executor, Sqlite};

use super::ApiCall;
use crate::db::{Db, now};

/// One change made through the portal or CLI: who did what to which target.
pub struct Change<'a> {
    pub actor_id: Option<i64>,
    pub project_id: Option<i64>,
    /// The account the change concerns, if any (shown in their activity).
    pub subject_id: Option<i64>,
    pub action: &'a str,
    pub target: &'a str,
    pub before: &'a str,
    pub after: &'a str,
}

/// Records a change, inside the caller's transaction when given one.
pub async fn record_change<'e>(executor: impl Executor<'e, Database = Sqlite>, change: Change<'_>) -> sqlx::Result<()> {
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
    .execute(executor)
    .await?;
    Ok(())
}

/// Writes a batch of API calls and the keys' last-used times in one transaction.
pub async fn write_calls(db: &Db, calls: &[ApiCall], last_used: &[(i64, i64)]) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    for call in calls {
        sqlx::query(
            "INSERT INTO api_activity (at, account_id, project_id, key_id, method, path, status, latency_us)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(call.at)
        .bind(call.account_id)
        .bind(call.project_id)
        .bind(&call.key_id)
        .bind(&call.method)
        .bind(&call.path)
        .bind(i64::from(call.status))
        .bind(call.latency_us)
        .execute(&mut *tx)
        .await?;
    }
    for (key_row, at) in last_used {
        sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
            .bind(at)
            .bind(key_row)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}
