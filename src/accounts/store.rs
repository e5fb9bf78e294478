//! Every SQL statement about accounts.

use crate::auth::identity::AccountId;

use super::{Account, DisplayName, Email, PlatformRole, Username};
use crate::auth::identity::{account_from as account, select_accounts};
use crate::{
    db::{Connection, Db, Unique, now, unique},
    web::i18n::Lang,
};

pub struct NewAccount<'a> {
    pub username: &'a Username,
    pub display_name: &'a DisplayName,
    pub email: &'a Email,
    pub password_hash: &'a str,
    pub platform_role: PlatformRole,
}

/// Creates an account, unless the username or email is taken.
pub async fn insert(db: &Db, new: NewAccount<'_>) -> sqlx::Result<Unique<AccountId>> {
    let mut tx = db.begin_immediate().await?;
    let inserted = sqlx::query_scalar(
        "INSERT INTO accounts (username, display_name, email, password_hash, platform_role, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(new.username.as_str())
    .bind(new.display_name.as_str())
    .bind(new.email.as_str())
    .bind(new.password_hash)
    .bind(new.platform_role.as_str())
    .bind(now())
    .fetch_one(&mut *tx)
    .await;
    Ok(match unique(inserted)? {
        Unique::Done(id) => {
            tx.commit().await?;
            Unique::Done(AccountId(id))
        }
        Unique::Taken => Unique::Taken,
    })
}

pub async fn by_username(db: &Db, username: &str) -> sqlx::Result<Option<Account>> {
    // No username holds a NUL (and PostgreSQL's text cannot).
    if username.contains('\0') {
        return Ok(None);
    }
    Ok(sqlx::query(select_accounts!("WHERE username = $1"))
        .bind(username)
        .fetch_optional(db.read())
        .await?
        .as_ref()
        .map(account))
}

pub async fn set_language(db: &Db, id: AccountId, lang: Lang) -> sqlx::Result<()> {
    db.execute(
        sqlx::query("UPDATE accounts SET language = $1, language_chosen = 1 WHERE id = $2")
            .bind(lang.code())
            .bind(id),
    )
    .await?;
    Ok(())
}

pub async fn set_locked(db: &Db, id: AccountId, locked: bool) -> sqlx::Result<()> {
    db.execute(
        sqlx::query("UPDATE accounts SET status = $1 WHERE id = $2")
            .bind(if locked { "locked" } else { "active" })
            .bind(id),
    )
    .await?;
    Ok(())
}

pub async fn count(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
        .fetch_one(db.read())
        .await
}

pub async fn by_email(db: &Db, email: &str) -> sqlx::Result<Option<Account>> {
    if email.contains('\0') {
        return Ok(None);
    }
    Ok(sqlx::query(select_accounts!("WHERE lower(email) = lower($1)"))
        .bind(email)
        .fetch_optional(db.read())
        .await?
        .as_ref()
        .map(account))
}

pub struct Profile<'a> {
    pub display_name: &'a DisplayName,
    pub email: &'a Email,
    pub phone: &'a str,
    pub language: Lang,
    pub time_zone: &'a str,
}

/// Whether another account than `id` uses this email (in any case).
pub async fn email_taken(conn: &mut Connection, email: &str, id: AccountId) -> sqlx::Result<bool> {
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM accounts WHERE lower(email) = lower($1) AND id <> $2")
        .bind(email)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(taken.is_some())
}

pub async fn set_profile(conn: &mut Connection, id: AccountId, profile: &Profile<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE accounts SET display_name = $1, email = $2, phone = $3, language = $4, language_chosen = 1,
                             time_zone = $5 WHERE id = $6",
    )
    .bind(profile.display_name.as_str())
    .bind(profile.email.as_str())
    .bind(profile.phone)
    .bind(profile.language.code())
    .bind(profile.time_zone)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn password_hash(db: &Db, id: AccountId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_optional(db.read())
        .await
}

/// Stores a new password hash and moves the account's session epoch on;
/// the new epoch and the username.
pub async fn write_password(conn: &mut Connection, id: AccountId, hash: &str) -> sqlx::Result<(i64, String)> {
    sqlx::query("UPDATE accounts SET password_hash = $1, session_epoch = session_epoch + 1 WHERE id = $2")
        .bind(hash)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query_as("SELECT session_epoch, username FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *conn)
        .await
}

/// Stores a reset link's digest, valid until `expires_at`; the username.
pub async fn insert_reset(
    conn: &mut Connection,
    account_id: AccountId,
    created_by: Option<AccountId>,
    digest: &[u8],
    expires_at: i64,
) -> sqlx::Result<String> {
    sqlx::query(
        "INSERT INTO password_resets (token_digest, account_id, created_by, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(digest)
    .bind(account_id)
    .bind(created_by)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    sqlx::query_scalar("SELECT username FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&mut *conn)
        .await
}

/// The account a reset link is for, if the link is unused and unexpired.
pub async fn reset_account(db: &Db, digest: &[u8]) -> sqlx::Result<Option<AccountId>> {
    sqlx::query_scalar(
        "SELECT account_id FROM password_resets WHERE token_digest = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(digest)
    .bind(now())
    .fetch_optional(db.read())
    .await
}

/// Uses up a reset link: `true` only for the first use of a valid link.
pub async fn use_reset(db: &Db, digest: &[u8]) -> sqlx::Result<bool> {
    let used = db.execute(sqlx::query(
        "UPDATE password_resets SET used_at = $1 WHERE token_digest = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now())
    .bind(digest)
    )
    .await?;
    Ok(used.rows_affected() == 1)
}

pub async fn set_platform_role(db: &Db, id: AccountId, role: PlatformRole) -> sqlx::Result<()> {
    db.execute(
        sqlx::query("UPDATE accounts SET platform_role = $1 WHERE id = $2")
            .bind(role.as_str())
            .bind(id),
    )
    .await?;
    Ok(())
}

/// Accounts whose username, email or name contains `q`, that hold a key
/// with this ID or these first 8 characters, or that are members of the
/// project with this code.
pub async fn search(db: &Db, q: &str) -> sqlx::Result<Vec<Account>> {
    let pattern = crate::db::contains_pattern(q);
    let rows = sqlx::query(
        "SELECT id, username, display_name, email, phone, status, platform_role, language, time_zone, session_epoch, password_hash
         FROM accounts a
         WHERE lower(a.username) LIKE $1 ESCAPE '\\' OR lower(a.email) LIKE $1 ESCAPE '\\' OR lower(a.display_name) LIKE $1 ESCAPE '\\'
            OR a.id IN (SELECT account_id FROM api_keys WHERE key_id = $2 OR secret_prefix = $2)
            OR a.id IN (SELECT m.account_id FROM memberships m JOIN projects p ON p.id = m.project_id WHERE p.code = $3)
         ORDER BY a.username LIMIT 50",
    )
    .bind(pattern)
    .bind(q.trim())
    .bind(q.trim().to_ascii_uppercase())
    .fetch_all(db.read())
    .await?;
    Ok(rows.iter().map(account).collect())
}

pub async fn write_status(conn: &mut Connection, id: AccountId, locked: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET status = $1 WHERE id = $2")
        .bind(if locked { "locked" } else { "active" })
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A line of the operator's account list.
pub struct AccountSummary {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub platform_role: String,
    pub status: String,
    /// Projects the account is a member of.
    pub projects: i64,
}

/// A page of every account whose username, name or email contains `search`
/// (all when empty), by username; and how many match.
pub async fn directory(db: &Db, search: &str, limit: i64, offset: i64) -> sqlx::Result<(Vec<AccountSummary>, i64)> {
    let (rows, total) = crate::db::page_and_count(
        db,
        "SELECT a.id, a.username, a.display_name, a.email, a.platform_role, a.status,
                (SELECT COUNT(*) FROM memberships m WHERE m.account_id = a.id) AS projects",
        "a.username",
        limit,
        offset,
        |from| {
            from.push("FROM accounts a WHERE ");
            crate::db::push_contains_any(from, search, &["a.username", "a.display_name", "a.email"]);
        },
    )
    .await?;
    use sqlx::Row;
    let accounts = rows
        .iter()
        .map(|row| AccountSummary {
            id: row.get("id"),
            username: row.get("username"),
            display_name: row.get("display_name"),
            email: row.get("email"),
            platform_role: row.get("platform_role"),
            status: row.get("status"),
            projects: row.get("projects"),
        })
        .collect();
    Ok((accounts, total))
}

/// An account that may be sent a reset link: found by username or email,
/// not locked. (id, username)
pub async fn resettable_in(conn: &mut Connection, identifier: &str) -> sqlx::Result<Option<(AccountId, String)>> {
    sqlx::query_as(
        "SELECT id, username FROM accounts
         WHERE (username = lower($1) OR lower(email) = lower($1)) AND status = 'active'",
    )
    .bind(identifier)
    .fetch_optional(conn)
    .await
}

/// Counts a forgotten-password request in `scope` and returns how many
/// there were in it since `since` (this one included); forgets the old.
pub async fn count_reset_request(conn: &mut Connection, scope: &str, at: i64, since: i64) -> sqlx::Result<i64> {
    sqlx::query("DELETE FROM reset_requests WHERE scope = $1 AND at < $2")
        .bind(scope)
        .bind(since)
        .execute(&mut *conn)
        .await?;
    sqlx::query("INSERT INTO reset_requests (scope, at) VALUES ($1, $2)")
        .bind(scope)
        .bind(at)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar("SELECT COUNT(*) FROM reset_requests WHERE scope = $1")
        .bind(scope)
        .fetch_one(conn)
        .await
}

/// Waits for an account's new email address to be confirmed (replacing a
/// change waiting already; its links are made as the emails are sent). The
/// change is the asking session's: it goes when that session ends.
pub async fn await_email_change(
    conn: &mut Connection,
    account_id: AccountId,
    session_id: i64,
    new_email: &str,
    expires_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO email_changes (account_id, session_id, new_email, token_digest, cancel_digest, expires_at)
         VALUES ($1, $2, $3, NULL, NULL, $4)
         ON CONFLICT (account_id) DO UPDATE SET session_id = excluded.session_id, new_email = excluded.new_email,
                                                token_digest = NULL, cancel_digest = NULL,
                                                expires_at = excluded.expires_at",
    )
    .bind(account_id)
    .bind(session_id)
    .bind(new_email)
    .bind(expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The email change a link confirms, taken (used up) if it is still valid
/// and the session that asked for it is still on: seen since
/// `alive_since.0` and started since `alive_since.1`.
pub async fn take_email_change(
    conn: &mut Connection,
    digest: &[u8],
    now: i64,
    alive_since: (i64, i64),
) -> sqlx::Result<Option<(AccountId, String)>> {
    let found: Option<(AccountId, String)> = sqlx::query_as(
        "SELECT c.account_id, c.new_email FROM email_changes c
           JOIN sessions s ON s.id = c.session_id AND s.account_id = c.account_id
          WHERE c.token_digest = $1 AND c.expires_at > $2 AND s.last_seen_at >= $3 AND s.created_at >= $4",
    )
    .bind(digest)
    .bind(now)
    .bind(alive_since.0)
    .bind(alive_since.1)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some((account_id, _)) = &found {
        cancel_email_changes(conn, *account_id).await?;
    }
    Ok(found)
}

/// Withdraws the account's waiting email change, if any; whether there was one.
pub async fn cancel_email_changes(conn: &mut Connection, account_id: AccountId) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM email_changes WHERE account_id = $1")
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() > 0)
}

/// The waiting email change whose cancel link has `digest`: the account,
/// its username and the address asked for.
pub async fn email_change_to_cancel(
    conn: &mut Connection,
    digest: &[u8],
) -> sqlx::Result<Option<(AccountId, String, String)>> {
    sqlx::query_as(
        "SELECT c.account_id, a.username, c.new_email FROM email_changes c JOIN accounts a ON a.id = c.account_id
          WHERE c.cancel_digest = $1",
    )
    .bind(digest)
    .fetch_optional(conn)
    .await
}

/// Sets an account's email address; its username and the address before.
pub async fn set_email(conn: &mut Connection, account_id: AccountId, email: &str) -> sqlx::Result<(String, String)> {
    let before: (String, String) = sqlx::query_as("SELECT username, email FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query("UPDATE accounts SET email = $1 WHERE id = $2")
        .bind(email)
        .bind(account_id)
        .execute(conn)
        .await?;
    Ok(before)
}

/// A new address waiting for its confirmation, if any (and not expired).
pub async fn pending_email(db: &Db, account_id: AccountId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT new_email FROM email_changes WHERE account_id = $1 AND expires_at > $2")
        .bind(account_id)
        .bind(now())
        .fetch_optional(db.read())
        .await
}
