//! The SQL of notices.

use sqlx::Row;

use crate::{
    auth::identity::AccountId,
    db::{Connection, Db, DbRow},
};

/// A notice as stored.
#[derive(Debug, Clone)]
pub struct NoticeRow {
    pub id: i64,
    pub kind: String,
    pub actor: String,
    pub project: String,
    pub subject: String,
    pub link: String,
    pub created_at: i64,
    pub read: bool,
}

fn notice_from(row: &DbRow) -> NoticeRow {
    NoticeRow {
        id: row.get("id"),
        kind: row.get("kind"),
        actor: row.get("actor"),
        project: row.get("project"),
        subject: row.get("subject"),
        link: row.get("link"),
        created_at: row.get("created_at"),
        read: row.get::<Option<i64>, _>("read_at").is_some(),
    }
}

/// What one notice says, to whom it goes.
pub struct NewNotice<'a> {
    pub kind: &'a str,
    pub actor: &'a str,
    pub project: &'a str,
    pub subject: &'a str,
    pub link: &'a str,
}

pub async fn insert_in(conn: &mut Connection, to: AccountId, notice: &NewNotice<'_>, at: i64) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notices (account_id, kind, actor, project, subject, link, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(to)
    .bind(notice.kind)
    .bind(notice.actor)
    .bind(notice.project)
    .bind(notice.subject)
    .bind(notice.link)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// One page of an account's notices, newest first, and how many it has.
pub async fn page(db: &Db, account_id: AccountId, limit: i64, offset: i64) -> sqlx::Result<(Vec<NoticeRow>, i64)> {
    let (rows, total) = crate::db::page_and_count(
        db,
        "SELECT id, kind, actor, project, subject, link, created_at, read_at",
        "created_at DESC, id DESC",
        limit,
        offset,
        |from| {
            from.push("FROM notices WHERE account_id = ").bind(account_id);
        },
    )
    .await?;
    Ok((rows.iter().map(notice_from).collect(), total))
}

/// Marks one of the account's notices read; false when it has no such notice.
pub async fn mark_read(db: &Db, account_id: AccountId, id: i64, at: i64) -> sqlx::Result<bool> {
    let done = db
        .execute(
            sqlx::query("UPDATE notices SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND account_id = $3")
                .bind(at)
                .bind(id)
                .bind(account_id),
        )
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn mark_all_read(db: &Db, account_id: AccountId, at: i64) -> sqlx::Result<u64> {
    let done = db
        .execute(
            sqlx::query("UPDATE notices SET read_at = $1 WHERE account_id = $2 AND read_at IS NULL")
                .bind(at)
                .bind(account_id),
        )
        .await?;
    Ok(done.rows_affected())
}

pub async fn prune(db: &Db, before: i64) -> sqlx::Result<u64> {
    let done = db
        .execute(sqlx::query("DELETE FROM notices WHERE created_at < $1").bind(before))
        .await?;
    Ok(done.rows_affected())
}
