//! Every SQL statement about signing in: throttling, sessions, and who the
//! signed-in person is (their account, their tenancies, their keys about to
//! expire), read on every page.

use sqlx::Row;

use super::{
    identity::{Account, Tenant, account_from as account, select_accounts, select_tenants, tenant_from},
    throttle::{Count, Rule, scopes},
};
use crate::db::{Connection, Db, DbRow, Tx, begin_immediate, now};
use crate::web::i18n::Lang;

use crate::auth::identity::{AccountId, ProjectId};

/// What the throttle says of an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted as a failure in advance; verify the password.
    Admitted,
    /// Not checked at all: wait this many seconds.
    Wait(i64),
}

async fn count(tx: &mut Tx, scope: &str) -> sqlx::Result<Count> {
    let row = sqlx::query("SELECT failures, blocked_until, last_failure_at FROM sign_in_throttle WHERE scope = $1")
        .bind(scope)
        .fetch_optional(&mut **tx)
        .await?;
    Ok(row.map_or_else(Count::default, |row| Count {
        failures: row.get(0),
        blocked_until: row.get(1),
        last_failure_at: row.get(2),
    }))
}

async fn save(tx: &mut Tx, scope: &str, count: Count) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sign_in_throttle (scope, failures, blocked_until, last_failure_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (scope) DO UPDATE SET failures = $2, blocked_until = $3, last_failure_at = $4",
    )
    .bind(scope)
    .bind(count.failures)
    .bind(count.blocked_until)
    .bind(count.last_failure_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// The check and the count of a sign-in attempt, in one write transaction.
pub async fn admit_attempt(db: &Db, address: &str, username: &str) -> sqlx::Result<Attempt> {
    let at = now();
    let mut tx = begin_immediate(db).await?;
    let mut counts: Vec<(String, Rule, Count)> = Vec::new();
    for (scope, rule) in scopes(address, username) {
        let current = rule.current(count(&mut tx, &scope).await?, at);
        counts.push((scope, rule, current));
    }
    let wait = counts.iter().map(|(_, _, c)| c.blocked_until - at).max().unwrap_or(0);
    if wait > 0 {
        return Ok(Attempt::Wait(wait));
    }
    for (scope, rule, current) in counts {
        save(&mut tx, &scope, rule.fail(current, at)).await?;
    }
    // Scopes quiet for a day are of no use any more.
    sqlx::query("DELETE FROM sign_in_throttle WHERE last_failure_at < $1")
        .bind(at - 86_400)
        .execute(&mut *tx)
        .await?;
    tx.commit_leaving_caches().await?;
    Ok(Attempt::Admitted)
}

/// After a right password: the attempt counted in advance is forgiven, and
/// the username's count from this address starts again.
pub async fn attempt_succeeded(db: &Db, address: &str, username: &str) -> sqlx::Result<()> {
    let at = now();
    let mut tx = begin_immediate(db).await?;
    let [(name_scope, _), (address_scope, rule)] = scopes(address, username);
    sqlx::query("DELETE FROM sign_in_throttle WHERE scope = $1")
        .bind(&name_scope)
        .execute(&mut *tx)
        .await?;
    let current = count(&mut tx, &address_scope).await?;
    save(&mut tx, &address_scope, rule.forgive(current, at)).await?;
    tx.commit_leaving_caches().await?;
    Ok(())
}

// ----- sessions -----

/// A signed-in session as stored.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: i64,
    pub account_id: AccountId,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub client_addr: String,
    pub user_agent: String,
}

fn session_row(row: &DbRow) -> SessionRow {
    SessionRow {
        id: row.get("id"),
        account_id: row.get("account_id"),
        created_at: row.get("created_at"),
        last_seen_at: row.get("last_seen_at"),
        client_addr: row.get("client_addr"),
        user_agent: row.get("user_agent"),
    }
}

/// Starts a session; forgets the account's sessions that have run out.
pub async fn create_session(
    db: &Db,
    token_digest: &[u8],
    account_id: AccountId,
    client_addr: &str,
    user_agent: &str,
    expired_before: (i64, i64),
) -> sqlx::Result<()> {
    let at = now();
    let mut tx = begin_immediate(db).await?;
    sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND (last_seen_at < $2 OR created_at < $3)")
        .bind(account_id)
        .bind(expired_before.0)
        .bind(expired_before.1)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO sessions (token_digest, account_id, created_at, last_seen_at, client_addr, user_agent)
         VALUES ($1, $2, $3, $3, $4, $5)",
    )
    .bind(token_digest)
    .bind(account_id)
    .bind(at)
    .bind(client_addr)
    .bind(user_agent)
    .execute(&mut *tx)
    .await?;
    tx.commit_leaving_caches().await?;
    Ok(())
}

/// Gives an account that never chose a language `lang`, as its choice.
/// (Read first: a write would make every instance forget what it
/// remembers, at every sign-in.)
pub async fn adopt_language(db: &Db, account_id: AccountId, lang: Lang) -> sqlx::Result<()> {
    let chosen: Option<i64> = sqlx::query_scalar("SELECT language_chosen FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(db.read())
        .await?;
    if chosen != Some(0) {
        return Ok(());
    }
    db.execute(
        sqlx::query("UPDATE accounts SET language = $1, language_chosen = 1 WHERE id = $2 AND language_chosen = 0")
            .bind(lang.code())
            .bind(account_id),
    )
    .await?;
    Ok(())
}

macro_rules! select_sessions {
    ($rest:literal) => {
        concat!(
            "SELECT id, account_id, created_at, last_seen_at, client_addr, user_agent FROM sessions ",
            $rest
        )
    };
}

pub async fn session(db: &Db, token_digest: &[u8]) -> sqlx::Result<Option<SessionRow>> {
    let row = sqlx::query(select_sessions!("WHERE token_digest = $1"))
        .bind(token_digest)
        .fetch_optional(db.read())
        .await?;
    Ok(row.as_ref().map(session_row))
}

/// The account's sessions, most recently seen first.
pub async fn sessions_of(db: &Db, account_id: AccountId) -> sqlx::Result<Vec<SessionRow>> {
    let rows = sqlx::query(select_sessions!(
        "WHERE account_id = $1 ORDER BY last_seen_at DESC, id DESC"
    ))
    .bind(account_id)
    .fetch_all(db.read())
    .await?;
    Ok(rows.iter().map(session_row).collect())
}

/// Notes that a session was used (a coarse write: the caller limits how often).
pub async fn touch_session(db: &Db, id: i64, at: i64) -> sqlx::Result<()> {
    db.execute_leaving_caches(
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(at)
            .bind(id),
    )
    .await?;
    Ok(())
}

/// Ends sessions of `account_id`: the one with `id`, or (`keep`) every one
/// but it. Returns how many ended; every instance forgets them at once.
pub async fn end_sessions(db: &Db, account_id: AccountId, id: Option<i64>, keep: Option<i64>) -> sqlx::Result<u64> {
    let mut tx = begin_immediate(db).await?;
    let ended = sqlx::query(
        "DELETE FROM sessions WHERE account_id = $1 AND ($2 IS NULL OR id = $2) AND ($3 IS NULL OR id <> $3)",
    )
    .bind(account_id)
    .bind(id)
    .bind(keep)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(ended)
}

// ----- identity -----

pub async fn by_id(db: &Db, id: AccountId) -> sqlx::Result<Option<Account>> {
    Ok(sqlx::query(select_accounts!("WHERE id = $1"))
        .bind(id)
        .fetch_optional(db.read())
        .await?
        .as_ref()
        .map(account))
}

/// The account and its password hash, for signing in.
pub async fn credentials(db: &Db, username: &str) -> sqlx::Result<Option<(Account, String)>> {
    // No username holds a NUL (and PostgreSQL's text cannot).
    if username.contains('\0') {
        return Ok(None);
    }
    let row = sqlx::query(select_accounts!("WHERE username = $1"))
        .bind(username)
        .fetch_optional(db.read())
        .await?;
    Ok(row.map(|row| (account(&row), row.get("password_hash"))))
}

/// The account's membership in one project, if it has one.
pub async fn tenant(db: &Db, account_id: AccountId, project_id: ProjectId) -> sqlx::Result<Option<Tenant>> {
    let row = sqlx::query(select_tenants!("WHERE m.account_id = $1 AND m.project_id = $2"))
        .bind(account_id)
        .bind(project_id)
        .fetch_optional(db.read())
        .await?;
    Ok(row.as_ref().map(tenant_from))
}

/// The account's first project by code, the default current project.
pub async fn first_tenant(db: &Db, account_id: AccountId) -> sqlx::Result<Option<Tenant>> {
    let row = sqlx::query(select_tenants!("WHERE m.account_id = $1 ORDER BY p.code LIMIT 1"))
        .bind(account_id)
        .fetch_optional(db.read())
        .await?;
    Ok(row.as_ref().map(tenant_from))
}

/// How many of the account's keys (in any project) expire within `seconds`.
/// What the frame shows of an account: how many of its keys expire within
/// `seconds`, how many of its notices are unread, and whether it has a
/// second factor (one round trip).
pub async fn frame_counts(db: &Db, account_id: AccountId, seconds: i64) -> sqlx::Result<(i64, i64, bool)> {
    let now = now();
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM api_keys WHERE account_id = $1 AND expires_at > $2 AND expires_at <= $3) AS expiring,
                (SELECT COUNT(*) FROM notices WHERE account_id = $1 AND read_at IS NULL AND in_app = 1) AS unread,
                (SELECT COUNT(*) FROM two_factor WHERE account_id = $1 AND enabled_at IS NOT NULL) AS two_factor",
    )
    .bind(account_id)
    .bind(now)
    .bind(now + seconds)
    .fetch_one(db.read())
    .await?;
    let two_factor: i64 = row.try_get("two_factor")?;
    Ok((row.try_get("expiring")?, row.try_get("unread")?, two_factor > 0))
}

/// Whether the account has signed in from this browser (a digest of its user agent).
pub async fn knows_device(db: &Db, account_id: AccountId, device: &[u8]) -> sqlx::Result<bool> {
    let found: Option<i64> = sqlx::query_scalar("SELECT 1 FROM known_devices WHERE account_id = $1 AND device = $2")
        .bind(account_id)
        .bind(device)
        .fetch_optional(db.read())
        .await?;
    Ok(found.is_some())
}

/// Remembers a browser: whether it was new, and whether it is the account's first.
pub async fn remember_device_in(
    conn: &mut Connection,
    account_id: AccountId,
    device: &[u8],
) -> sqlx::Result<(bool, bool)> {
    let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM known_devices WHERE account_id = $1")
        .bind(account_id)
        .fetch_one(&mut *conn)
        .await?;
    let done = sqlx::query(
        "INSERT INTO known_devices (account_id, device, first_seen) VALUES ($1, $2, $3)
         ON CONFLICT (account_id, device) DO NOTHING",
    )
    .bind(account_id)
    .bind(device)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok((done.rows_affected() == 1, known == 0))
}

/// An account's TOTP secret, whether it is enabled, and the last step used.
pub async fn two_factor(db: &Db, account_id: AccountId) -> sqlx::Result<Option<(String, bool, i64)>> {
    let row: Option<(String, Option<i64>, i64)> =
        sqlx::query_as("SELECT secret, enabled_at, last_step FROM two_factor WHERE account_id = $1")
            .bind(account_id)
            .fetch_optional(db.read())
            .await?;
    Ok(row.map(|(secret, enabled_at, step)| (secret, enabled_at.is_some(), step)))
}

/// Starts (or restarts) an enrolment with `secret`; an enabled second
/// factor is left alone.
pub async fn start_enrolment(db: &Db, account_id: AccountId, secret: &str) -> sqlx::Result<()> {
    db.execute(
        sqlx::query(
            "INSERT INTO two_factor (account_id, secret) VALUES ($1, $2)
             ON CONFLICT (account_id) DO UPDATE SET secret = excluded.secret WHERE two_factor.enabled_at IS NULL",
        )
        .bind(account_id)
        .bind(secret),
    )
    .await?;
    Ok(())
}

/// Enables the enrolment at `step` with these recovery codes' digests;
/// false when there was none waiting (enabled meanwhile, or none begun).
pub async fn enable_two_factor_in(
    conn: &mut Connection,
    account_id: AccountId,
    step: i64,
    digests: &[Vec<u8>],
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE two_factor SET enabled_at = $1, last_step = $2 WHERE account_id = $3 AND enabled_at IS NULL",
    )
    .bind(now())
    .bind(step)
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    for digest in digests {
        sqlx::query("INSERT INTO recovery_codes (account_id, code_digest) VALUES ($1, $2)")
            .bind(account_id)
            .bind(digest.as_slice())
            .execute(&mut *conn)
            .await?;
    }
    Ok(true)
}

/// Takes a time step for a sign-in: false when it (or a later one) was used
/// already, so that a code is never accepted twice.
pub async fn use_step(db: &Db, account_id: AccountId, step: i64) -> sqlx::Result<bool> {
    let done = db
        .execute(
            sqlx::query(
                "UPDATE two_factor SET last_step = $1
                 WHERE account_id = $2 AND last_step < $1 AND enabled_at IS NOT NULL",
            )
            .bind(step)
            .bind(account_id),
        )
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Uses up a recovery code; false when it is not one of the account's unused ones.
pub async fn use_recovery_code(db: &Db, account_id: AccountId, digest: &[u8]) -> sqlx::Result<bool> {
    let done = db
        .execute(
            sqlx::query(
                "UPDATE recovery_codes SET used_at = $1 WHERE account_id = $2 AND code_digest = $3 AND used_at IS NULL",
            )
            .bind(now())
            .bind(account_id)
            .bind(digest),
        )
        .await?;
    Ok(done.rows_affected() == 1)
}

/// How many unused recovery codes the account has.
pub async fn recovery_codes_left(db: &Db, account_id: AccountId) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM recovery_codes WHERE account_id = $1 AND used_at IS NULL")
        .bind(account_id)
        .fetch_one(db.read())
        .await
}

/// Turns the second factor off, its recovery codes with it.
pub async fn disable_two_factor_in(conn: &mut Connection, account_id: AccountId) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM recovery_codes WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM two_factor WHERE account_id = $1")
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

// ----- identities at an OpenID provider -----

/// An account's identity at an identity provider.
#[derive(Debug, Clone)]
pub struct SsoIdentity {
    pub subject: String,
    pub email: String,
    pub linked_at: i64,
    pub last_used_at: Option<i64>,
}

/// The account's identity at `issuer`, if it has one.
pub async fn sso_identity(db: &Db, account_id: AccountId, issuer: &str) -> sqlx::Result<Option<SsoIdentity>> {
    let row = sqlx::query(
        "SELECT subject, email, linked_at, last_used_at FROM sso_identities WHERE account_id = $1 AND issuer = $2",
    )
    .bind(account_id)
    .bind(issuer)
    .fetch_optional(db.read())
    .await?;
    Ok(row.map(|row| SsoIdentity {
        subject: row.get(0),
        email: row.get(1),
        linked_at: row.get(2),
        last_used_at: row.get(3),
    }))
}

/// The account whose identity at `issuer` is `subject`.
pub async fn sso_account(db: &Db, issuer: &str, subject: &str) -> sqlx::Result<Option<AccountId>> {
    sqlx::query_scalar("SELECT account_id FROM sso_identities WHERE issuer = $1 AND subject = $2")
        .bind(issuer)
        .bind(subject)
        .fetch_optional(db.read())
        .await
}

/// Links an identity to an account; false when the identity is linked
/// already (to any account) or the account has one at `issuer`.
pub async fn link_sso_in(
    conn: &mut Connection,
    account_id: AccountId,
    issuer: &str,
    subject: &str,
    email: &str,
) -> sqlx::Result<bool> {
    let taken: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sso_identities WHERE issuer = $1 AND (subject = $2 OR account_id = $3)",
    )
    .bind(issuer)
    .bind(subject)
    .bind(account_id)
    .fetch_one(&mut *conn)
    .await?;
    if taken > 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO sso_identities (issuer, subject, account_id, email, linked_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(issuer)
    .bind(subject)
    .bind(account_id)
    .bind(email)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Unlinks the account's identity at `issuer`; its subject, when it had one.
pub async fn unlink_sso_in(conn: &mut Connection, account_id: AccountId, issuer: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("DELETE FROM sso_identities WHERE account_id = $1 AND issuer = $2 RETURNING subject")
        .bind(account_id)
        .bind(issuer)
        .fetch_optional(&mut *conn)
        .await
}

/// Notes a sign-in through an identity, and the address it now verifies.
pub async fn sso_used(db: &Db, issuer: &str, subject: &str, email: &str) -> sqlx::Result<()> {
    db.execute(
        sqlx::query("UPDATE sso_identities SET last_used_at = $1, email = $2 WHERE issuer = $3 AND subject = $4")
            .bind(now())
            .bind(email)
            .bind(issuer)
            .bind(subject),
    )
    .await?;
    Ok(())
}

/// Whether the account has a password (an account made by its first
/// sign-in at the identity provider has none until it sets one).
pub async fn has_password(db: &Db, account_id: AccountId) -> sqlx::Result<bool> {
    let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM accounts WHERE id = $1")
        .bind(account_id)
        .fetch_optional(db.read())
        .await?;
    Ok(hash.is_some_and(|h| !h.is_empty()))
}
