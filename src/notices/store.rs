//! The SQL of notices: the in-portal list and the email outbox.

use sqlx::Row;

use crate::{
    db::{Connection, Db, DbRow},
    ids::AccountId,
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
    /// Its topic's code: whether the person wants it by email.
    pub topic: &'a str,
    pub actor: &'a str,
    pub project: &'a str,
    pub subject: &'a str,
    pub link: &'a str,
    /// Shown in the portal too (else an email only).
    pub in_app: bool,
    /// The address, when not the account's own.
    pub email_to: &'a str,
}

/// Writes a notice; it is to be emailed when email is on (`settings`) and
/// its reader has not turned its topic off (security notices always are).
pub async fn insert_in(conn: &mut Connection, to: AccountId, notice: &NewNotice<'_>, at: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO notices (account_id, kind, actor, project, subject, link, created_at, in_app, email_to,
                              email_state, next_attempt_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
                 CASE WHEN (SELECT value FROM settings WHERE name = 'email') = 'on'
                       AND ($10 = 'security' OR NOT EXISTS (
                           SELECT 1 FROM notice_preferences WHERE account_id = $1 AND topic = $10 AND email = 0))
                      THEN 'pending' ELSE 'none' END,
                 $7)
         RETURNING id",
    )
    .bind(to)
    .bind(notice.kind)
    .bind(notice.actor)
    .bind(notice.project)
    .bind(notice.subject)
    .bind(notice.link)
    .bind(at)
    .bind(i64::from(notice.in_app))
    .bind(notice.email_to)
    .bind(notice.topic)
    .fetch_one(conn)
    .await
}

/// One page of an account's notices in the portal, newest first, and how many it has.
pub async fn page(db: &Db, account_id: AccountId, limit: i64, offset: i64) -> sqlx::Result<(Vec<NoticeRow>, i64)> {
    let (rows, total) = crate::db::page_and_count(
        db,
        "SELECT id, kind, actor, project, subject, link, created_at, read_at",
        "created_at DESC, id DESC",
        limit,
        offset,
        |from| {
            from.push("FROM notices WHERE in_app = 1 AND account_id = ")
                .bind(account_id);
        },
    )
    .await?;
    Ok((rows.iter().map(notice_from).collect(), total))
}

/// Marks one of the account's notices read; false when it has no such notice.
pub async fn mark_read(db: &Db, account_id: AccountId, id: i64, at: i64) -> sqlx::Result<bool> {
    let done = db
        .execute(
            sqlx::query(
                "UPDATE notices SET read_at = COALESCE(read_at, $1) WHERE id = $2 AND account_id = $3 AND in_app = 1",
            )
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
            sqlx::query("UPDATE notices SET read_at = $1 WHERE account_id = $2 AND read_at IS NULL AND in_app = 1")
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

/// Whether notices are emailed: written by each instance as it starts.
pub async fn set_email_delivery(db: &Db, on: bool) -> sqlx::Result<()> {
    db.execute(
        sqlx::query(
            "INSERT INTO settings (name, value) VALUES ('email', $1)
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )
        .bind(if on { "on" } else { "off" }),
    )
    .await?;
    Ok(())
}

/// The next notice due to be emailed and not held by a sender, if any.
pub async fn next_due(db: &Db, now: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM notices WHERE email_state = 'pending' AND next_attempt_at <= $1 AND lease_until <= $1
         ORDER BY next_attempt_at, id LIMIT 1",
    )
    .bind(now)
    .fetch_optional(db.read())
    .await
}

/// Takes a due notice for this sender until `until`; false when another
/// sender took it first.
pub async fn claim(db: &Db, id: i64, now: i64, until: i64) -> sqlx::Result<bool> {
    let done = db
        .execute(
            sqlx::query(
                "UPDATE notices SET lease_until = $1
                 WHERE id = $2 AND email_state = 'pending' AND next_attempt_at <= $3 AND lease_until <= $3",
            )
            .bind(until)
            .bind(id)
            .bind(now),
        )
        .await?;
    Ok(done.rows_affected() == 1)
}

/// A notice as an email needs it: what it says and to whom.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub notice: NoticeRow,
    pub account_id: AccountId,
    pub address: String,
    pub name: String,
    pub language: String,
    pub attempts: i64,
}

pub async fn outgoing(db: &Db, id: i64) -> sqlx::Result<Option<Outgoing>> {
    let row = sqlx::query(
        "SELECT n.id, n.kind, n.actor, n.project, n.subject, n.link, n.created_at, n.read_at, n.account_id,
                n.attempts, CASE WHEN n.email_to <> '' THEN n.email_to ELSE a.email END AS address,
                a.display_name, a.language
         FROM notices n JOIN accounts a ON a.id = n.account_id WHERE n.id = $1",
    )
    .bind(id)
    .fetch_optional(db.read())
    .await?;
    Ok(row.map(|row| Outgoing {
        notice: notice_from(&row),
        account_id: row.get("account_id"),
        address: row.get("address"),
        name: row.get("display_name"),
        language: row.get("language"),
        attempts: row.get("attempts"),
    }))
}

pub async fn mark_sent(db: &Db, id: i64, at: i64) -> sqlx::Result<()> {
    db.execute(
        sqlx::query(
            "UPDATE notices SET email_state = 'sent', sent_at = $1, lease_until = 0, last_error = '' WHERE id = $2",
        )
        .bind(at)
        .bind(id),
    )
    .await?;
    Ok(())
}

/// Records a failed try: to be tried again at `retry_at`, or (None) given up.
pub async fn mark_failed(db: &Db, id: i64, error: &str, retry_at: Option<i64>) -> sqlx::Result<()> {
    db.execute(
        sqlx::query(
            "UPDATE notices SET attempts = attempts + 1, last_error = $1, lease_until = 0,
                    email_state = CASE WHEN $2 IS NULL THEN 'failed' ELSE 'pending' END,
                    next_attempt_at = COALESCE($2, next_attempt_at)
             WHERE id = $3",
        )
        .bind(error)
        .bind(retry_at)
        .bind(id),
    )
    .await?;
    Ok(())
}

/// A reset link for the email of notice `notice_id`, replacing one made
/// for an earlier try of it (stored as its digest only).
pub async fn replace_reset(
    db: &Db,
    notice_id: i64,
    account_id: AccountId,
    digest: &[u8],
    expires_at: i64,
) -> sqlx::Result<()> {
    let mut tx = db.begin_immediate().await?;
    sqlx::query("DELETE FROM password_resets WHERE notice_id = $1 AND used_at IS NULL")
        .bind(notice_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO password_resets (token_digest, account_id, created_by, expires_at, notice_id)
         VALUES ($1, $2, NULL, $3, $4)",
    )
    .bind(digest)
    .bind(account_id)
    .bind(expires_at)
    .bind(notice_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// The confirmation link's digest of an account's waiting email change;
/// false when the change is gone (made or replaced meanwhile).
pub async fn set_email_change_token(
    db: &Db,
    account_id: AccountId,
    new_email: &str,
    digest: &[u8],
    expires_at: i64,
) -> sqlx::Result<bool> {
    let done = db
        .execute(
            sqlx::query(
                "UPDATE email_changes SET token_digest = $1, expires_at = $2 WHERE account_id = $3 AND new_email = $4",
            )
            .bind(digest)
            .bind(expires_at)
            .bind(account_id)
            .bind(new_email),
        )
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The cancel link's digest of an account's waiting email change (sent to
/// the current address); false when the change is gone meanwhile.
pub async fn set_email_cancel_token(
    db: &Db,
    account_id: AccountId,
    new_email: &str,
    digest: &[u8],
) -> sqlx::Result<bool> {
    let done = db
        .execute(
            sqlx::query("UPDATE email_changes SET cancel_digest = $1 WHERE account_id = $2 AND new_email = $3")
                .bind(digest)
                .bind(account_id)
                .bind(new_email),
        )
        .await?;
    Ok(done.rows_affected() == 1)
}

/// For the operators: emails waiting, failed for good, and the last error.
pub async fn delivery_state(db: &Db) -> sqlx::Result<(i64, i64, Option<String>)> {
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM notices WHERE email_state = 'pending') AS pending,
                (SELECT COUNT(*) FROM notices WHERE email_state = 'failed') AS failed,
                (SELECT last_error FROM notices WHERE last_error <> '' ORDER BY next_attempt_at DESC, id DESC LIMIT 1)
                    AS last_error",
    )
    .fetch_one(db.read())
    .await?;
    Ok((
        row.try_get("pending")?,
        row.try_get("failed")?,
        row.try_get("last_error")?,
    ))
}

/// The topics an account turned off for email.
pub async fn topics_off(db: &Db, account_id: AccountId) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT topic FROM notice_preferences WHERE account_id = $1 AND email = 0")
        .bind(account_id)
        .fetch_all(db.read())
        .await
}

/// Sets which topics an account gets by email: `on` ones, of `all`.
pub async fn set_topics(db: &Db, account_id: AccountId, all: &[&str], on: &[&str]) -> sqlx::Result<()> {
    let mut tx = db.begin_immediate().await?;
    for topic in all {
        sqlx::query(
            "INSERT INTO notice_preferences (account_id, topic, email) VALUES ($1, $2, $3)
             ON CONFLICT (account_id, topic) DO UPDATE SET email = excluded.email",
        )
        .bind(account_id)
        .bind(*topic)
        .bind(i64::from(on.contains(topic)))
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await
}
