//! Every SQL statement about API keys.

use sqlx::Row;

use super::{KeyFilter, KeyName, KeyOrder, KeyScope};
use crate::db::{Connection, Db, DbRow, now};

use crate::auth::identity::{AccountId, ProjectId};

/// A key as its owner's list shows it: metadata only, never the secret.
#[derive(Debug, Clone)]
pub struct Key {
    pub id: i64,
    pub key_id: String,
    pub name: String,
    pub prefix: String,
    pub project_code: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub last_used_at: Option<i64>,
    /// Where it was last used from: the client's address and what it calls itself.
    pub last_used_from: String,
    pub last_used_agent: String,
    /// When support revoked it, and who (their username).
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
    pub scope: KeyScope,
    /// Until when the secret before its last rotation still works, if it does.
    pub previous_valid_until: Option<i64>,
}

fn key(row: &DbRow) -> Key {
    Key {
        id: row.get("id"),
        key_id: row.get("key_id"),
        name: row.get("name"),
        prefix: row.get("secret_prefix"),
        project_code: row.get("code"),
        created_at: row.get("created_at"),
        expires_at: row.get("expires_at"),
        last_used_at: row.get("last_used_at"),
        last_used_from: row.get("last_used_from"),
        last_used_agent: row.get("last_used_agent"),
        revoked_at: row.get("revoked_at"),
        revoked_by: row.get("revoked_by"),
        scope: KeyScope::from_stored(row.get("scope_services"), row.get::<i64, _>("read_only") != 0),
        previous_valid_until: row
            .get::<Option<i64>, _>("previous_valid_until")
            .filter(|until| *until > now()),
    }
}

macro_rules! select_keys {
    ($rest:literal) => {
        concat!(
            "SELECT k.id, k.key_id, k.name, k.secret_prefix, p.code, k.created_at, k.expires_at, ",
            "k.last_used_at, k.last_used_from, k.last_used_agent, k.revoked_at, r.username AS revoked_by, ",
            "k.scope_services, k.read_only, k.previous_valid_until FROM api_keys k ",
            "JOIN projects p ON p.id = k.project_id LEFT JOIN accounts r ON r.id = k.revoked_by ",
            $rest
        )
    };
}

pub struct NewKey<'a> {
    pub account_id: AccountId,
    pub project_id: ProjectId,
    pub key_id: &'a str,
    pub name: &'a KeyName,
    pub digest: &'a [u8],
    pub prefix: &'a str,
    pub expires_at: i64,
    pub scope: &'a KeyScope,
}

/// What counts toward the key limit: keys not revoked (expired ones count
/// until deleted).
const HELD: &str = "SELECT COUNT(*) FROM api_keys WHERE account_id = $1 AND project_id = $2 AND revoked_at IS NULL";

/// How many keys the owner holds in the project, as the limit counts them.
pub async fn held(conn: &mut Connection, account_id: AccountId, project_id: ProjectId) -> sqlx::Result<i64> {
    sqlx::query_scalar(HELD)
        .bind(account_id)
        .bind(project_id)
        .fetch_one(&mut *conn)
        .await
}

pub async fn insert(conn: &mut Connection, new: &NewKey<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO api_keys (key_id, account_id, project_id, name, secret_digest, secret_prefix, created_at, expires_at,
                               scope_services, read_only)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(new.key_id)
    .bind(new.account_id)
    .bind(new.project_id)
    .bind(new.name.as_str())
    .bind(new.digest)
    .bind(new.prefix)
    .bind(now())
    .bind(new.expires_at)
    .bind(new.scope.stored_services())
    .bind(i64::from(new.scope.read_only))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Gives a key a new secret; the one before stays valid until
/// `previous_valid_until` (not at all when that is now or earlier).
pub async fn rotate(
    conn: &mut Connection,
    id: i64,
    digest: &[u8],
    prefix: &str,
    previous_valid_until: i64,
) -> sqlx::Result<()> {
    let at = now();
    let overlap = previous_valid_until > at;
    sqlx::query(
        "UPDATE api_keys SET previous_digest = CASE WHEN $1 THEN secret_digest ELSE NULL END,
                previous_valid_until = CASE WHEN $1 THEN $2 ELSE NULL END,
                secret_digest = $3, secret_prefix = $4, rotated_at = $5
         WHERE id = $6",
    )
    .bind(overlap)
    .bind(previous_valid_until)
    .bind(digest)
    .bind(prefix)
    .bind(at)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How many keys there are in a list, and how many count toward the limit.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyCounts {
    pub total: i64,
    pub held: i64,
}

/// One page of the owner's keys in a project, newest first, and their counts.
/// The owner's keys in the project with the filter's status (`KeyFilter`),
/// the status as `KeyStatus::of` decides it. `$1` account, `$2` project,
/// `$3` now, `$4` the end of the warning window, `$5` the filter.
const MATCHING: &str = "k.account_id = $1 AND k.project_id = $2 AND ($5 = 'all' OR $5 = \
     CASE WHEN k.revoked_at IS NOT NULL THEN 'revoked' WHEN k.expires_at <= $3 THEN 'expired' \
     WHEN k.expires_at <= $4 THEN 'expires_soon' ELSE 'active' END)";

/// A page of the owner's keys in the project that pass `filter`, in
/// `order`; with the counts the limit uses and how many pass the filter.
#[allow(clippy::too_many_arguments)]
pub async fn list(
    db: &Db,
    account_id: AccountId,
    project_id: ProjectId,
    filter: KeyFilter,
    order: KeyOrder,
    now: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Key>, KeyCounts, i64)> {
    let order_by = match order {
        KeyOrder::Created => "k.created_at DESC, k.id DESC",
        KeyOrder::Expires => "k.expires_at ASC, k.id DESC",
        KeyOrder::LastUsed => "k.last_used_at IS NULL, k.last_used_at DESC, k.id DESC",
    };
    let warn_until = now + super::WARN_DAYS * super::DAY;
    // Put together from constant parts only.
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{} WHERE {MATCHING} ORDER BY {order_by} LIMIT $6 OFFSET $7",
        select_keys!("")
    )))
    .bind(account_id)
    .bind(project_id)
    .bind(now)
    .bind(warn_until)
    .bind(filter.as_str())
    .bind(limit)
    .bind(offset)
    .fetch_all(db.read())
    .await?;
    // One read for all three counts: every key, those the limit counts
    // (as `HELD`), and those the filter passes.
    let (total, held, passing): (i64, i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*), COUNT(*) FILTER (WHERE k.revoked_at IS NULL), COUNT(*) FILTER (WHERE {MATCHING})
         FROM api_keys k WHERE k.account_id = $1 AND k.project_id = $2"
    )))
    .bind(account_id)
    .bind(project_id)
    .bind(now)
    .bind(warn_until)
    .bind(filter.as_str())
    .fetch_one(db.read())
    .await?;
    Ok((rows.iter().map(key).collect(), KeyCounts { total, held }, passing))
}

/// The owner's key with this public ID in the project, if it is theirs.
pub async fn own(db: &Db, account_id: AccountId, project_id: ProjectId, key_id: &str) -> sqlx::Result<Option<Key>> {
    // No key ID holds a NUL (and PostgreSQL's text cannot).
    if key_id.contains('\0') {
        return Ok(None);
    }
    let row = sqlx::query(select_keys!(
        "WHERE k.account_id = $1 AND k.project_id = $2 AND k.key_id = $3"
    ))
    .bind(account_id)
    .bind(project_id)
    .bind(key_id)
    .fetch_optional(db.read())
    .await?;
    Ok(row.as_ref().map(key))
}

/// The owner's keys with these public IDs, or `None` unless every one is theirs.
pub async fn own_all(
    db: &Db,
    account_id: AccountId,
    project_id: ProjectId,
    key_ids: &[String],
) -> sqlx::Result<Option<Vec<Key>>> {
    let mut keys = Vec::with_capacity(key_ids.len());
    for key_id in key_ids {
        match own(db, account_id, project_id, key_id).await? {
            Some(found) => keys.push(found),
            None => return Ok(None),
        }
    }
    Ok(Some(keys))
}

/// Renames and re-dates a key.
pub async fn update(conn: &mut Connection, id: i64, name: &KeyName, expires_at: i64) -> sqlx::Result<()> {
    // A new expiry is warned of afresh (`expiring`).
    sqlx::query(
        "UPDATE api_keys SET name = $1, expiry_notice_step = CASE WHEN expires_at = $2 THEN expiry_notice_step ELSE 0 END,
                expires_at = $2 WHERE id = $3",
    )
    .bind(name.as_str())
        .bind(expires_at)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes one of the owner's keys in the project; `false` if there is none.
pub async fn delete(
    conn: &mut Connection,
    account_id: AccountId,
    project_id: ProjectId,
    key_id: &str,
) -> sqlx::Result<bool> {
    let deleted = sqlx::query("DELETE FROM api_keys WHERE account_id = $1 AND project_id = $2 AND key_id = $3")
        .bind(account_id)
        .bind(project_id)
        .bind(key_id)
        .execute(&mut *conn)
        .await?;
    Ok(deleted.rows_affected() == 1)
}

/// What the API needs to know about the key behind a secret.
#[derive(Debug, Clone)]
pub struct KeyOwner {
    pub key_row: i64,
    pub key_id: String,
    pub key_name: String,
    pub expires_at: i64,
    pub revoked: bool,
    pub account_id: AccountId,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub account_locked: bool,
    pub project_id: ProjectId,
    pub project_code: String,
    pub project_name: String,
    /// `None` when the account is no longer a member of the project.
    pub membership_id: Option<i64>,
    pub role: Option<crate::projects::TenantRole>,
    pub scope: KeyScope,
    /// Set when the secret is the one before the key's last rotation: it
    /// works until then.
    pub secret_valid_until: Option<i64>,
}

macro_rules! select_owner {
    ($which:literal) => {
        concat!(
            "SELECT k.id, k.key_id, k.name, k.expires_at, k.revoked_at, k.scope_services, k.read_only, ",
            "k.previous_valid_until, a.id AS account_id, a.username, a.display_name, a.email, a.status, ",
            "p.id AS project_id, p.code, p.name AS project_name, m.id AS membership_id, m.role ",
            "FROM api_keys k JOIN accounts a ON a.id = k.account_id JOIN projects p ON p.id = k.project_id ",
            "LEFT JOIN memberships m ON m.account_id = k.account_id AND m.project_id = k.project_id ",
            "WHERE k.",
            $which,
            " = $1"
        )
    };
}

/// The key whose secret has this digest: its current secret, or the one
/// before its last rotation (`secret_valid_until` says until when).
pub async fn by_digest(db: &Db, digest: &[u8]) -> sqlx::Result<Option<KeyOwner>> {
    let row = sqlx::query(select_owner!("secret_digest"))
        .bind(digest)
        .fetch_optional(db.read())
        .await?;
    if let Some(row) = row {
        return Ok(Some(owner(&row, false)));
    }
    let row = sqlx::query(select_owner!("previous_digest"))
        .bind(digest)
        .fetch_optional(db.read())
        .await?;
    Ok(row.map(|row| owner(&row, true)))
}

fn owner(row: &DbRow, previous: bool) -> KeyOwner {
    KeyOwner {
        key_row: row.get("id"),
        key_id: row.get("key_id"),
        key_name: row.get("name"),
        expires_at: row.get("expires_at"),
        revoked: row.get::<Option<i64>, _>("revoked_at").is_some(),
        account_id: row.get("account_id"),
        username: row.get("username"),
        display_name: row.get("display_name"),
        email: row.get("email"),
        account_locked: row.get::<&str, _>("status") == "locked",
        project_id: row.get("project_id"),
        project_code: row.get("code"),
        project_name: row.get("project_name"),
        membership_id: row.get("membership_id"),
        role: row
            .get::<Option<&str>, _>("role")
            .and_then(crate::projects::TenantRole::parse),
        scope: KeyScope::from_stored(row.get("scope_services"), row.get::<i64, _>("read_only") != 0),
        // A previous secret with no end (none): it no longer works.
        secret_valid_until: previous.then(|| row.get::<Option<i64>, _>("previous_valid_until").unwrap_or(0)),
    }
}

/// Every key of an account, in every project (metadata only), newest first.
pub async fn of_account(db: &Db, account_id: AccountId) -> sqlx::Result<Vec<Key>> {
    let rows = sqlx::query(select_keys!(
        "WHERE k.account_id = $1 ORDER BY k.created_at DESC LIMIT 200"
    ))
    .bind(account_id)
    .fetch_all(db.read())
    .await?;
    Ok(rows.iter().map(key).collect())
}

/// Marks an account's key revoked by `actor_id`; `false` if there is no
/// such key not revoked yet.
pub async fn revoke(
    conn: &mut Connection,
    actor_id: AccountId,
    account_id: AccountId,
    key_id: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE api_keys SET revoked_at = $1, revoked_by = $4 WHERE account_id = $2 AND key_id = $3 AND revoked_at IS NULL",
    )
    .bind(now())
    .bind(account_id)
    .bind(key_id)
    .bind(actor_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes every key of a member in a project.
pub async fn delete_all_of(conn: &mut Connection, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM api_keys WHERE project_id = $1 AND account_id = $2")
        .bind(project_id)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A key whose owner is to be told of its expiry, and how far it went.
#[derive(Debug, Clone)]
pub struct Expiring {
    pub id: i64,
    pub key_id: String,
    pub account_id: AccountId,
    pub project_code: String,
    pub expires_at: i64,
    pub step: i64,
}

/// The live keys of current members that expire by `until` (or have
/// expired) and whose warnings have not reached step 3, soonest first, at
/// most `limit` (the next run takes the rest).
pub async fn expiring(db: &Db, until: i64, limit: i64) -> sqlx::Result<Vec<Expiring>> {
    let rows = sqlx::query(
        "SELECT k.id, k.key_id, k.account_id, p.code, k.expires_at, k.expiry_notice_step FROM api_keys k
         JOIN projects p ON p.id = k.project_id
         JOIN memberships m ON m.project_id = k.project_id AND m.account_id = k.account_id
         WHERE k.revoked_at IS NULL AND k.expires_at <= $1 AND k.expiry_notice_step < 3
         ORDER BY k.expires_at, k.id LIMIT $2",
    )
    .bind(until)
    .bind(limit)
    .fetch_all(db.read())
    .await?;
    Ok(rows
        .iter()
        .map(|row| Expiring {
            id: row.get("id"),
            key_id: row.get("key_id"),
            account_id: row.get("account_id"),
            project_code: row.get("code"),
            expires_at: row.get("expires_at"),
            step: row.get("expiry_notice_step"),
        })
        .collect())
}

/// Moves a key's warnings on to `step`, unless another check did first.
pub async fn advance_notice_step(conn: &mut Connection, id: i64, from: i64, to: i64) -> sqlx::Result<bool> {
    let done = sqlx::query("UPDATE api_keys SET expiry_notice_step = $1 WHERE id = $2 AND expiry_notice_step = $3")
        .bind(to)
        .bind(id)
        .bind(from)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// The owner's keys in the project before the key row `before` (all when
/// none), newest first: a page the API walks with a cursor.
pub async fn page_before(
    db: &Db,
    account_id: AccountId,
    project_id: ProjectId,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Key>> {
    let rows = sqlx::query(select_keys!(
        "WHERE k.account_id = $1 AND k.project_id = $2 AND k.id < $3 ORDER BY k.id DESC LIMIT $4"
    ))
    .bind(account_id)
    .bind(project_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
    .fetch_all(db.read())
    .await?;
    Ok(rows.iter().map(key).collect())
}
