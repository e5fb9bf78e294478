//! The few SQL statements only the TWCC-compatible API needs.

use sqlx::Row;

use crate::db::{Db, begin_immediate, now};

/// The tenant's object-storage access key, made on first request.
pub async fn object_storage_access_key(db: &Db, project_id: i64, account_id: i64) -> sqlx::Result<String> {
    let mut tx = begin_immediate(db).await?;
    let existing: Option<String> =
        sqlx::query_scalar("SELECT access_key FROM object_storage_keys WHERE project_id = $1 AND account_id = $2")
            .bind(project_id)
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some(key) = existing {
        return Ok(key);
    }
    let key = crate::auth::token::random_hex(10).to_uppercase();
    sqlx::query(
        "INSERT INTO object_storage_keys (project_id, account_id, access_key, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(project_id)
    .bind(account_id)
    .bind(&key)
    .bind(now())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(key)
}

/// The instance secret from which object-storage secret keys are derived.
pub async fn object_storage_secret(db: &Db) -> sqlx::Result<String> {
    let candidate = crate::auth::token::random_hex(32);
    sqlx::query(
        "INSERT INTO settings (name, value) VALUES ('object_storage_secret', $1) ON CONFLICT (name) DO NOTHING",
    )
    .bind(&candidate)
    .execute(db)
    .await?;
    sqlx::query_scalar("SELECT value FROM settings WHERE name = 'object_storage_secret'")
        .fetch_one(db)
        .await
}

/// What the wallet endpoints report about one of the account's projects.
pub struct WalletRow {
    pub project_id: i64,
    pub code: String,
    pub name: String,
    pub wallet_id: i64,
    pub balance: i64,
    pub owner: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// The parent wallet of every project the account is a member of.
pub async fn wallets_of(db: &Db, account_id: i64) -> sqlx::Result<Vec<WalletRow>> {
    let rows = sqlx::query(
        "SELECT p.id AS project_id, p.code, p.name, w.id AS wallet_id, w.balance,
                (SELECT a.display_name FROM memberships am JOIN accounts a ON a.id = am.account_id
                 WHERE am.project_id = p.id AND am.role = 'tenant_admin' ORDER BY am.id LIMIT 1) AS owner,
                p.starts_on, p.ends_on
         FROM memberships m JOIN projects p ON p.id = m.project_id
         JOIN wallets w ON w.project_id = p.id AND w.account_id IS NULL
         WHERE m.account_id = $1 ORDER BY p.code",
    )
    .bind(account_id)
    .fetch_all(db)
    .await?;
    Ok(rows
        .iter()
        .map(|row| WalletRow {
            project_id: row.get("project_id"),
            code: row.get("code"),
            name: row.get("name"),
            wallet_id: row.get("wallet_id"),
            balance: row.get("balance"),
            owner: row.get::<Option<String>, _>("owner").unwrap_or_default(),
            starts_on: row.get("starts_on"),
            ends_on: row.get("ends_on"),
        })
        .collect())
}

/// Everything ever credited or moved into a wallet (its obtained credit).
pub async fn obtained(db: &Db, wallet_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COALESCE(SUM(amount), 0) FROM ledger_entries WHERE wallet_id = $1 AND amount > 0 AND kind IN ('credit', 'transfer')")
        .bind(wallet_id)
        .fetch_one(db)
        .await
}
