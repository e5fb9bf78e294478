//! Every SQL statement about object-storage key pairs. Only the access key
//! and a random salt are stored; the secret key is derived from both with
//! the instance secret (`crate::secrets`).

use sqlx::Row;

use crate::db::{Connection, Db, DbRow, begin_immediate, now};

use crate::auth::identity::{AccountId, ProjectId};

/// A member's pair in a project.
#[derive(Debug, Clone)]
pub struct Pair {
    pub account_id: AccountId,
    pub username: String,
    pub display_name: String,
    pub access_key: String,
    pub salt: String,
    pub created_at: i64,
}

fn new_access_key() -> String {
    crate::token::random_hex(10).to_uppercase()
}

macro_rules! select_pairs {
    ($rest:literal) => {
        concat!(
            "SELECT k.account_id, a.username, a.display_name, k.access_key, k.salt, k.created_at ",
            "FROM object_storage_keys k JOIN accounts a ON a.id = k.account_id ",
            $rest
        )
    };
}

fn pair(row: &DbRow) -> Pair {
    Pair {
        account_id: row.get(0),
        username: row.get(1),
        display_name: row.get(2),
        access_key: row.get(3),
        salt: row.get(4),
        created_at: row.get(5),
    }
}

pub async fn pair_of(db: &Db, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<Option<Pair>> {
    let row = sqlx::query(select_pairs!("WHERE k.project_id = $1 AND k.account_id = $2"))
        .bind(project_id)
        .bind(account_id)
        .fetch_optional(db.read())
        .await?;
    Ok(row.as_ref().map(pair))
}

/// Every pair of a project, by member name.
pub async fn pairs_of_project(db: &Db, project_id: ProjectId) -> sqlx::Result<Vec<Pair>> {
    let rows = sqlx::query(select_pairs!("WHERE k.project_id = $1 ORDER BY a.display_name, a.id"))
        .bind(project_id)
        .fetch_all(db.read())
        .await?;
    Ok(rows.iter().map(pair).collect())
}

/// The member's pair, made on first request.
pub async fn pair_made(db: &Db, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<Pair> {
    if let Some(found) = pair_of(db, project_id, account_id).await? {
        return Ok(found);
    }
    let mut tx = begin_immediate(db).await?;
    sqlx::query(
        "INSERT INTO object_storage_keys (project_id, account_id, access_key, salt, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (project_id, account_id) DO NOTHING",
    )
    .bind(project_id)
    .bind(account_id)
    .bind(new_access_key())
    .bind(crate::token::random_hex(16))
    .bind(now())
    .execute(&mut *tx)
    .await?;
    tx.commit_leaving_caches().await?;
    pair_of(db, project_id, account_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// Replaces a member's pair with a new one (new access key, new salt), or
/// makes one; its access key.
pub async fn replace(conn: &mut Connection, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<String> {
    let access_key = new_access_key();
    sqlx::query(
        "INSERT INTO object_storage_keys (project_id, account_id, access_key, salt, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (project_id, account_id) DO UPDATE SET access_key = $3, salt = $4, created_at = $5",
    )
    .bind(project_id)
    .bind(account_id)
    .bind(&access_key)
    .bind(crate::token::random_hex(16))
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(access_key)
}

/// Deletes a member's pair (inside their removal from the project).
pub async fn delete_in(conn: &mut Connection, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM object_storage_keys WHERE project_id = $1 AND account_id = $2")
        .bind(project_id)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
