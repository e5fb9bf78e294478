//! The few SQL statements only the TWCC-compatible API needs.

use sqlx::Row;

use crate::{
    auth::identity::{AccountId, ProjectId},
    db::Db,
};

/// What the wallet endpoints report about one of the account's projects.
pub struct WalletRow {
    pub project_id: ProjectId,
    pub code: String,
    pub name: String,
    pub wallet_id: i64,
    pub balance: i64,
    pub owner: String,
    pub starts_on: String,
    pub ends_on: String,
}

/// The parent wallet of every project the account is a member of.
pub async fn wallets_of(db: &Db, account_id: AccountId) -> sqlx::Result<Vec<WalletRow>> {
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
    .fetch_all(db.read())
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
pub async fn obtained(db: &Db, wallet_id: i64) -> sqlx::Result<crate::wallets::CreditSum> {
    // Summed in two halves, whole credits and the rest: neither overflows.
    let (whole, units): (i64, i64) = sqlx::query_as(
        "SELECT COALESCE(CAST(SUM(amount / 10000) AS BIGINT), 0), COALESCE(CAST(SUM(amount % 10000) AS BIGINT), 0) FROM ledger_entries
         WHERE wallet_id = $1 AND amount > 0 AND kind IN ('credit', 'transfer')",
    )
    .bind(wallet_id)
    .fetch_one(db.read())
    .await?;
    Ok(crate::wallets::CreditSum::from_parts(whole, units))
}
