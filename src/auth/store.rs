//! Every SQL statement about signing in.

use crate::db::{Db, now};

/// How many sign-ins for `username` failed since `since`.
pub async fn failures_since(db: &Db, username: &str, since: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures WHERE username = $1 AND at >= $2")
        .bind(username)
        .bind(since)
        .fetch_one(db)
        .await
}

pub async fn record_failure(db: &Db, username: &str) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO sign_in_failures (username, at) VALUES ($1, $2)")
        .bind(username)
        .bind(now())
        .execute(db)
        .await?;
    Ok(())
}

pub async fn clear_failures(db: &Db, username: &str) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sign_in_failures WHERE username = $1")
        .bind(username)
        .execute(db)
        .await?;
    Ok(())
}

/// Drops failures too old to matter.
pub async fn prune_failures(db: &Db, before: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sign_in_failures WHERE at < $1")
        .bind(before)
        .execute(db)
        .await?;
    Ok(())
}
