//! `member-center copy`: moves an install from its SQLite file to
//! PostgreSQL, every table and row as it is (IDs included), in one
//! transaction on the target, then checks that every table holds as many
//! rows on both sides and that every wallet has the same balance.

use sqlx::Row;

use super::{Backend, Db, Statement};

/// Every table, parents before children (foreign keys). A table the schema
/// has and this list lacks stops the copy: it would be left behind.
const TABLES: &[&str] = &[
    "services",
    "accounts",
    "projects",
    "memberships",
    "tenant_permissions",
    "api_keys",
    "project_quotas",
    "member_quotas",
    "allocations",
    "allocation_resources",
    "wallets",
    "ledger_entries",
    "orders",
    "usage_records",
    "api_calls",
    "api_usage",
    "api_project_usage",
    "change_activity",
    "settings",
    "object_storage_keys",
    "sign_in_throttle",
    "sessions",
    "cache_generation",
    "job_runs",
    "quota_requests",
    "quota_request_items",
    "quota_request_events",
    "notices",
    "password_resets",
    "notice_preferences",
    "quota_alerts",
    "wallet_alerts",
    "known_devices",
    "email_changes",
    "reset_requests",
    "two_factor",
    "recovery_codes",
    "sso_identities",
    "cluster_users",
    "slurm_applied",
    "slurm_status",
    "hpc_rates",
    "hpc_jobs",
    "hpc_import",
];

/// Rows read and written a statement.
const CHUNK: i64 = 256;

/// What was copied and checked.
#[derive(Debug)]
pub struct Copied {
    pub tables: usize,
    pub rows: i64,
    pub wallets: usize,
    /// The sum of every wallet's balance, in 1/10,000 credit.
    pub balance_total: i128,
}

/// A column's class, which decides how its values are carried across.
#[derive(Clone, Copy)]
enum Class {
    Integer,
    Text,
    Bytes,
}

/// Copies everything from `from` (SQLite) into `to` (PostgreSQL, migrated
/// and holding no accounts or projects yet), then verifies it.
pub async fn copy(from: &Db, to: &Db) -> anyhow::Result<Copied> {
    anyhow::ensure!(
        from.backend() == Backend::Sqlite && to.backend() == Backend::Postgres,
        "copy moves a SQLite database to PostgreSQL"
    );
    anyhow::ensure!(
        from.applied_schema_version().await? == to.applied_schema_version().await?,
        "the two schemas differ in version: run `member-center migrate` on the SQLite file first"
    );
    for table in ["accounts", "projects"] {
        let rows: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
            .fetch_one(to.read())
            .await?;
        anyhow::ensure!(
            rows == 0,
            "the target database has {table} already: copy into an empty one"
        );
    }
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(from.read())
    .await?;
    if let Some(unknown) = tables.iter().find(|t| !TABLES.contains(&t.as_str())) {
        anyhow::bail!("the table {unknown} is not one copy knows: add it to db::copy::TABLES");
    }

    let mut tx = to.begin_immediate().await?;
    // Emptied children first: the migrations put rows in a few tables.
    for table in TABLES.iter().rev() {
        sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
            .execute(&mut *tx)
            .await?;
    }
    let mut rows = 0;
    for table in TABLES {
        let columns = columns(from, table).await?;
        let names = columns
            .iter()
            .map(|(name, _)| name.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        let mut after = i64::MIN;
        loop {
            // The names come from the schema, not from a person.
            let chunk = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT rowid AS copy_rowid, {names} FROM {table} WHERE rowid > $1 ORDER BY rowid LIMIT $2"
            )))
            .bind(after)
            .bind(CHUNK)
            .fetch_all(from.read())
            .await?;
            let Some(last) = chunk.last() else { break };
            after = last.try_get("copy_rowid")?;
            let mut insert = Statement::for_backend(Backend::Postgres, &format!("INSERT INTO {table} ({names}) "));
            let mut failed = None;
            insert.values(&chunk, |tuple, row| {
                for (index, (name, class)) in columns.iter().enumerate() {
                    // Column 0 is the row ID read for paging.
                    let bound = match class {
                        Class::Integer => row.try_get::<Option<i64>, _>(index + 1).map(|v| {
                            tuple.bind(v);
                        }),
                        Class::Text => row.try_get::<Option<String>, _>(index + 1).map(|v| {
                            tuple.bind(v);
                        }),
                        Class::Bytes => row.try_get::<Option<Vec<u8>>, _>(index + 1).map(|v| {
                            tuple.bind(v);
                        }),
                    };
                    if let Err(err) = bound {
                        failed.get_or_insert(format!("{table}.{name}: {err}"));
                    }
                }
            });
            if let Some(failed) = failed {
                anyhow::bail!("cannot read {failed}");
            }
            insert.query().execute(&mut *tx).await?;
            rows += chunk.len() as i64;
        }
    }
    tx.commit().await?;
    to.advance_id_sequences().await?;
    verify(from, to, rows).await
}

/// The table's columns in order, with their classes (from SQLite's catalogue).
async fn columns(db: &Db, table: &str) -> anyhow::Result<Vec<(String, Class)>> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT name, type FROM pragma_table_info('{table}') ORDER BY cid"
    )))
    .fetch_all(db.read())
    .await?;
    rows.iter()
        .map(|row| {
            let (name, declared): (String, String) = (row.try_get("name")?, row.try_get("type")?);
            let class = match declared.to_ascii_uppercase().as_str() {
                "INTEGER" => Class::Integer,
                "TEXT" => Class::Text,
                "BLOB" => Class::Bytes,
                other => anyhow::bail!("{table}.{name} is of type {other}, which copy does not carry"),
            };
            Ok((name, class))
        })
        .collect()
}

/// The same rows in every table, and the same balance in every wallet.
async fn verify(from: &Db, to: &Db, rows: i64) -> anyhow::Result<Copied> {
    for table in TABLES {
        let count = format!("SELECT COUNT(*) FROM {table}");
        let (source, target): (i64, i64) = (
            sqlx::query_scalar(sqlx::AssertSqlSafe(count.clone()))
                .fetch_one(from.read())
                .await?,
            sqlx::query_scalar(sqlx::AssertSqlSafe(count))
                .fetch_one(to.read())
                .await?,
        );
        anyhow::ensure!(
            source == target,
            "{table}: {source} rows in SQLite, {target} in PostgreSQL"
        );
    }
    let balances = "SELECT id, balance FROM wallets ORDER BY id";
    let source: Vec<(i64, i64)> = sqlx::query_as(balances).fetch_all(from.read()).await?;
    let target: Vec<(i64, i64)> = sqlx::query_as(balances).fetch_all(to.read()).await?;
    if let Some(((id, before), (_, after))) = source.iter().zip(&target).find(|(a, b)| a != b) {
        anyhow::bail!("wallet {id}: balance {before} in SQLite, {after} in PostgreSQL");
    }
    anyhow::ensure!(source.len() == target.len(), "the wallets differ in number");
    Ok(Copied {
        tables: TABLES.len(),
        rows,
        wallets: target.len(),
        balance_total: target.iter().map(|(_, balance)| i128::from(*balance)).sum(),
    })
}
