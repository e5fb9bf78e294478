//! Every SQL statement about wallets, the ledger, metered usage and orders,
//! and nothing else: the rules (what a balance may become, which order step
//! follows which) are in `service.rs`, which calls the writes below inside
//! its transactions.

use sqlx::Row;

use super::{CreditSum, Credits};
use crate::db::{Connection, Db, DbRow, Statement, Tuple, now};
use std::collections::HashMap;

use crate::auth::identity::{AccountId, ProjectId};

#[derive(Debug, Clone)]
pub struct Wallet {
    pub id: i64,
    /// `None` for the project's parent wallet.
    pub account_id: Option<AccountId>,
    pub display_name: String,
    pub username: String,
    pub balance: Credits,
}

fn wallet(row: &DbRow) -> Wallet {
    Wallet {
        id: row.get("id"),
        account_id: row.get("account_id"),
        display_name: row.get::<Option<String>, _>("display_name").unwrap_or_default(),
        username: row.get::<Option<String>, _>("username").unwrap_or_default(),
        balance: Credits(row.get("balance")),
    }
}

macro_rules! select_wallets {
    ($rest:literal) => {
        concat!(
            "SELECT w.id, w.account_id, w.balance, a.display_name, a.username FROM wallets w ",
            "LEFT JOIN accounts a ON a.id = w.account_id ",
            $rest
        )
    };
}

pub async fn parent(db: &Db, project_id: ProjectId) -> sqlx::Result<Wallet> {
    let row = sqlx::query(select_wallets!("WHERE w.project_id = $1 AND w.account_id IS NULL"))
        .bind(project_id)
        .fetch_one(db.read())
        .await?;
    Ok(wallet(&row))
}

/// The open sub-wallets of a project, by member name.
pub async fn sub_wallets(db: &Db, project_id: ProjectId) -> sqlx::Result<Vec<Wallet>> {
    let rows = sqlx::query(select_wallets!(
        "WHERE w.project_id = $1 AND w.account_id IS NOT NULL AND w.closed_at IS NULL ORDER BY a.display_name"
    ))
    .bind(project_id)
    .fetch_all(db.read())
    .await?;
    Ok(rows.iter().map(wallet).collect())
}

pub async fn sub_wallet(db: &Db, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<Option<Wallet>> {
    let row = sqlx::query(select_wallets!(
        "WHERE w.project_id = $1 AND w.account_id = $2 AND w.closed_at IS NULL"
    ))
    .bind(project_id)
    .bind(account_id)
    .fetch_optional(db.read())
    .await?;
    Ok(row.as_ref().map(wallet))
}

/// The project's balance and the member's open sub-wallet's, in one statement.
pub async fn balances(
    db: &Db,
    project_id: ProjectId,
    account_id: AccountId,
) -> sqlx::Result<(Credits, Option<Credits>)> {
    let rows: Vec<(Option<i64>, i64)> = sqlx::query_as(
        "SELECT account_id, balance FROM wallets
         WHERE project_id = $1 AND closed_at IS NULL AND (account_id IS NULL OR account_id = $2)",
    )
    .bind(project_id)
    .bind(account_id)
    .fetch_all(db.read())
    .await?;
    let parent = rows.iter().find(|(a, _)| a.is_none()).map_or(0, |(_, b)| *b);
    let sub = rows.iter().find(|(a, _)| a.is_some()).map(|(_, b)| Credits(*b));
    Ok((Credits(parent), sub))
}

/// One ledger row, with the balance before and after it.
pub struct LedgerInsert<'a> {
    pub wallet_id: i64,
    pub actor_id: Option<AccountId>,
    pub service: Option<&'a str>,
    pub kind: &'a str,
    pub balance_before: i64,
    /// Signed: positive adds to the wallet.
    pub amount: i64,
    pub balance_after: i64,
    pub detail: &'a str,
}

pub async fn balance(conn: &mut Connection, wallet_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT balance FROM wallets WHERE id = $1")
        .bind(wallet_id)
        .fetch_one(&mut *conn)
        .await
}

/// Sets a balance and writes its ledger row; returns the row's ID.
pub async fn write_posting(conn: &mut Connection, row: LedgerInsert<'_>) -> sqlx::Result<i64> {
    sqlx::query("UPDATE wallets SET balance = $1 WHERE id = $2")
        .bind(row.balance_after)
        .bind(row.wallet_id)
        .execute(&mut *conn)
        .await?;
    let mut insert = Statement::new(conn, INSERT_LEDGER_ROWS);
    let at = now();
    insert.values([&row], |values, row| bind_ledger_row(values, row, at, None));
    insert.push(" RETURNING id");
    let (id,): (i64,) = insert.query_as().fetch_one(&mut *conn).await?;
    Ok(id)
}

const INSERT_LEDGER_ROWS: &str = "INSERT INTO ledger_entries (wallet_id, at, actor_id, service, kind, \
     balance_before, amount, balance_after, detail, idempotency_key) ";

/// A ledger row's values, in the order of `INSERT_LEDGER_ROWS`.
fn bind_ledger_row(values: &mut Tuple<'_>, row: &LedgerInsert<'_>, at: i64, idempotency_key: Option<&str>) {
    values
        .bind(row.wallet_id)
        .bind(at)
        .bind(row.actor_id)
        .bind(row.service)
        .bind(row.kind)
        .bind(row.balance_before)
        .bind(row.amount)
        .bind(row.balance_after)
        .bind(row.detail)
        .bind(idempotency_key.map(str::to_owned));
}

/// The balances of `wallet_ids`, by ID.
pub async fn balances_of(conn: &mut Connection, wallet_ids: &[i64]) -> sqlx::Result<HashMap<i64, i64>> {
    let mut found = HashMap::with_capacity(wallet_ids.len());
    for chunk in crate::db::fixed_chunks(wallet_ids) {
        let mut select = Statement::new(conn, "SELECT id, balance FROM wallets WHERE id IN (");
        select.bind_list(chunk.iter().copied()).push(")");
        let rows: Vec<(i64, i64)> = select.query_as().fetch_all(&mut *conn).await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Sets each wallet's balance, many wallets to a statement.
pub async fn set_balances(conn: &mut Connection, balances: &[(i64, i64)]) -> sqlx::Result<()> {
    for chunk in crate::db::fixed_chunks(balances) {
        let mut update = Statement::new(conn, "UPDATE wallets SET balance = CASE id");
        for (wallet_id, balance) in chunk {
            update.push(" WHEN ").bind(*wallet_id).push(" THEN ").bind(*balance);
        }
        update.push(" END WHERE id IN (");
        update
            .bind_list(chunk.iter().map(|(wallet_id, _)| *wallet_id))
            .push(")");
        update.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Writes ledger rows many to a statement, each with an idempotency key
/// (unique in its wallet); their IDs by key. The balances are the
/// caller's to set (`set_balances`).
pub async fn insert_ledger_rows(
    conn: &mut Connection,
    rows: &[(LedgerInsert<'_>, &str)],
) -> sqlx::Result<HashMap<String, i64>> {
    let at = now();
    let mut ids = HashMap::with_capacity(rows.len());
    for chunk in crate::db::fixed_chunks(rows) {
        let mut insert = Statement::new(conn, INSERT_LEDGER_ROWS);
        insert.values(chunk, |values, (row, key)| bind_ledger_row(values, row, at, Some(key)));
        insert.push(" RETURNING id, idempotency_key");
        let written: Vec<(i64, String)> = insert.query_as().fetch_all(&mut *conn).await?;
        ids.extend(written.into_iter().map(|(id, key)| (key, id)));
    }
    Ok(ids)
}

pub async fn parent_id(conn: &mut Connection, project_id: ProjectId) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT id FROM wallets WHERE project_id = $1 AND account_id IS NULL")
        .bind(project_id)
        .fetch_one(&mut *conn)
        .await
}

/// The project's parent wallet and the member's open sub-wallet.
pub async fn wallet_ids(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
) -> sqlx::Result<(i64, Option<i64>)> {
    let parent = parent_id(conn, project_id).await?;
    let sub: Option<i64> =
        sqlx::query_scalar("SELECT id FROM wallets WHERE project_id = $1 AND account_id = $2 AND closed_at IS NULL")
            .bind(project_id)
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok((parent, sub))
}

/// Whether the member has a sub-wallet: `None` never, `Some(None)` open,
/// `Some(Some(at))` closed at `at`.
pub async fn sub_wallet_state(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
) -> sqlx::Result<Option<Option<i64>>> {
    sqlx::query_scalar("SELECT closed_at FROM wallets WHERE project_id = $1 AND account_id = $2")
        .bind(project_id)
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await
}

pub async fn reopen_sub_wallet(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE wallets SET closed_at = NULL WHERE project_id = $1 AND account_id = $2")
        .bind(project_id)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn insert_sub_wallet(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO wallets (project_id, account_id, balance, created_at) VALUES ($1, $2, 0, $3)")
        .bind(project_id)
        .bind(account_id)
        .bind(now())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn close_wallet(conn: &mut Connection, wallet_id: i64) -> sqlx::Result<()> {
    sqlx::query("UPDATE wallets SET closed_at = $1 WHERE id = $2")
        .bind(now())
        .bind(wallet_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A usage report already debited under its idempotency key.
#[derive(Debug, Clone)]
pub struct UsageRecord {
    pub id: i64,
    pub amount: Credits,
    pub balance_after: Credits,
    /// Whether the member's sub-wallet paid it (else the parent).
    pub from_sub_wallet: bool,
}

pub async fn usage_record(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
    idempotency_key: &str,
) -> sqlx::Result<Option<UsageRecord>> {
    let row = sqlx::query(
        "SELECT u.id, u.amount, l.balance_after, w.account_id FROM usage_records u
         JOIN ledger_entries l ON l.id = u.ledger_entry_id JOIN wallets w ON w.id = l.wallet_id
         WHERE u.project_id = $1 AND u.account_id = $2 AND u.idempotency_key = $3",
    )
    .bind(project_id)
    .bind(account_id)
    .bind(idempotency_key)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|row| UsageRecord {
        id: row.get("id"),
        amount: Credits(row.get("amount")),
        balance_after: Credits(row.get("balance_after")),
        from_sub_wallet: row.get::<Option<i64>, _>("account_id").is_some(),
    }))
}

/// What a service reported, as recorded.
pub struct UsageReport<'a> {
    pub project_id: ProjectId,
    pub account_id: AccountId,
    pub service: &'a str,
    pub resource_id: &'a str,
    pub seconds: i64,
    pub rate_per_hour: Credits,
    pub idempotency_key: &'a str,
}

pub async fn insert_usage_record(
    conn: &mut Connection,
    report: &UsageReport<'_>,
    amount: Credits,
    ledger_entry_id: i64,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO usage_records (at, project_id, account_id, service, resource_id, seconds, rate_per_hour, amount, ledger_entry_id, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(now())
    .bind(report.project_id)
    .bind(report.account_id)
    .bind(report.service)
    .bind(report.resource_id)
    .bind(report.seconds)
    .bind(report.rate_per_hour.0)
    .bind(amount.0)
    .bind(ledger_entry_id)
    .bind(report.idempotency_key)
    .fetch_one(&mut *conn)
    .await
}

/// An HPC job's use, kept with the metered usage.
#[derive(Debug, Clone)]
pub struct JobUsage<'a> {
    pub account_id: AccountId,
    pub resource_id: &'a str,
    pub seconds: i64,
    pub rate_per_hour: Credits,
    pub idempotency_key: &'a str,
    pub at: i64,
}

/// Jobs' use, many to a statement: (project, use, amount, ledger row).
pub async fn insert_job_usages(
    conn: &mut Connection,
    rows: &[(ProjectId, &JobUsage<'_>, Credits, i64)],
) -> sqlx::Result<()> {
    for chunk in crate::db::fixed_chunks(rows) {
        let mut insert = Statement::new(
            conn,
            "INSERT INTO usage_records (at, project_id, account_id, service, resource_id, seconds, rate_per_hour, amount, ledger_entry_id, idempotency_key) ",
        );
        insert.values(chunk, |values, (project_id, usage, amount, entry)| {
            values
                .bind(usage.at)
                .bind(*project_id)
                .bind(usage.account_id)
                .bind("hpc")
                .bind(usage.resource_id)
                .bind(usage.seconds)
                .bind(usage.rate_per_hour.0)
                .bind(amount.0)
                .bind(*entry)
                .bind(usage.idempotency_key);
        });
        insert.query().execute(&mut *conn).await?;
    }
    Ok(())
}

#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Rows of this member's sub-wallet, or that they caused.
    pub member: Option<AccountId>,
    /// Only rows of this wallet (a tenant user's own sub-wallet).
    pub wallet: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct LedgerRow {
    pub id: i64,
    pub at: i64,
    pub service: Option<String>,
    pub actor: Option<String>,
    pub kind: String,
    /// The member whose sub-wallet it is; `None` for the parent.
    pub wallet_owner: Option<String>,
    pub balance_before: Credits,
    pub amount: Credits,
    pub balance_after: Credits,
    pub detail: String,
}

fn ledger_row(row: &DbRow) -> LedgerRow {
    LedgerRow {
        id: row.get("id"),
        at: row.get("at"),
        service: row.get("service"),
        actor: row.get("actor"),
        kind: row.get("kind"),
        wallet_owner: row.get("owner"),
        balance_before: Credits(row.get("balance_before")),
        amount: Credits(row.get("amount")),
        balance_after: Credits(row.get("balance_after")),
        detail: row.get("detail"),
    }
}

macro_rules! select_ledger {
    ($rest:literal) => {
        concat!(
            "SELECT l.id, l.at, l.service, actor.username AS actor, l.kind, owner.username AS owner, ",
            "l.balance_before, l.amount, l.balance_after, l.detail ",
            "FROM ledger_entries l JOIN wallets w ON w.id = l.wallet_id ",
            "LEFT JOIN accounts actor ON actor.id = l.actor_id ",
            "LEFT JOIN accounts owner ON owner.id = w.account_id ",
            "WHERE w.project_id = $1 AND ($2 IS NULL OR l.at >= $2) AND ($3 IS NULL OR l.at < $3) ",
            "AND ($4 IS NULL OR w.account_id = $4 OR l.actor_id = $4) AND ($5 IS NULL OR w.id = $5) ",
            $rest
        )
    };
}

/// A page of a project's ledger, newest first, and how many rows match.
pub async fn ledger(
    db: &Db,
    project_id: ProjectId,
    filter: &LedgerFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<LedgerRow>, i64)> {
    let rows = sqlx::query(select_ledger!("ORDER BY l.id DESC LIMIT $6 OFFSET $7"))
        .bind(project_id)
        .bind(filter.from)
        .bind(filter.to)
        .bind(filter.member)
        .bind(filter.wallet)
        .bind(limit)
        .bind(offset)
        .fetch_all(db.read())
        .await?;
    let total: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger_entries l JOIN wallets w ON w.id = l.wallet_id
         WHERE w.project_id = $1 AND ($2 IS NULL OR l.at >= $2) AND ($3 IS NULL OR l.at < $3)
         AND ($4 IS NULL OR w.account_id = $4 OR l.actor_id = $4) AND ($5 IS NULL OR w.id = $5)",
    )
    .bind(project_id)
    .bind(filter.from)
    .bind(filter.to)
    .bind(filter.member)
    .bind(filter.wallet)
    .fetch_one(db.read())
    .await?;
    Ok((rows.iter().map(ledger_row).collect(), total))
}

/// Ledger rows older than `before_id` (newest first), for streaming exports.
pub async fn ledger_before(
    db: &Db,
    project_id: ProjectId,
    filter: &LedgerFilter,
    before_id: i64,
    limit: i64,
) -> sqlx::Result<Vec<LedgerRow>> {
    let rows = sqlx::query(select_ledger!("AND l.id < $6 ORDER BY l.id DESC LIMIT $7"))
        .bind(project_id)
        .bind(filter.from)
        .bind(filter.to)
        .bind(filter.member)
        .bind(filter.wallet)
        .bind(before_id)
        .bind(limit)
        .fetch_all(db.read())
        .await?;
    Ok(rows.iter().map(ledger_row).collect())
}

/// Metered usage summed per service and member.
#[derive(Debug, Clone)]
pub struct UsageSum {
    pub service: String,
    pub display_name: String,
    pub username: String,
    pub records: i64,
    pub seconds: i64,
    pub amount: CreditSum,
}

pub async fn usage_sums(
    db: &Db,
    project_id: ProjectId,
    from: Option<i64>,
    to: Option<i64>,
    account: Option<AccountId>,
) -> sqlx::Result<Vec<UsageSum>> {
    let rows = sqlx::query(
        "SELECT u.service, a.display_name, a.username, COUNT(*) AS records, CAST(SUM(u.seconds) AS BIGINT) AS seconds,
                CAST(SUM(u.amount / 10000) AS BIGINT) AS whole, CAST(SUM(u.amount % 10000) AS BIGINT) AS units
         FROM usage_records u JOIN accounts a ON a.id = u.account_id
         WHERE u.project_id = $1 AND ($2 IS NULL OR u.at >= $2) AND ($3 IS NULL OR u.at < $3) AND ($4 IS NULL OR u.account_id = $4)
         GROUP BY u.service, a.id, a.display_name, a.username ORDER BY u.service, a.display_name",
    )
    .bind(project_id)
    .bind(from)
    .bind(to)
    .bind(account)
    .fetch_all(db.read())
    .await?;
    Ok(rows
        .iter()
        .map(|row| UsageSum {
            service: row.get("service"),
            display_name: row.get("display_name"),
            username: row.get("username"),
            records: row.get("records"),
            seconds: row.get("seconds"),
            // Summed in two halves: no number of rows overflows either.
            amount: CreditSum::from_parts(row.get("whole"), row.get("units")),
        })
        .collect())
}

/// Credits used a day and service, newest day last: `day` counts days since
/// the Unix epoch in a zone `offset` seconds east of UTC.
#[derive(Debug, Clone, PartialEq)]
pub struct DailyUsage {
    pub day: i64,
    pub service: String,
    pub amount: CreditSum,
}

pub async fn daily_usage(
    db: &Db,
    project_id: ProjectId,
    from: Option<i64>,
    to: Option<i64>,
    account: Option<AccountId>,
    offset: i64,
) -> sqlx::Result<Vec<DailyUsage>> {
    let rows = sqlx::query(
        "SELECT (u.at + $5) / 86400 AS day, u.service,
                CAST(SUM(u.amount / 10000) AS BIGINT) AS whole, CAST(SUM(u.amount % 10000) AS BIGINT) AS units
         FROM usage_records u
         WHERE u.project_id = $1 AND ($2 IS NULL OR u.at >= $2) AND ($3 IS NULL OR u.at < $3) AND ($4 IS NULL OR u.account_id = $4)
         GROUP BY (u.at + $5) / 86400, u.service ORDER BY day, u.service",
    )
    .bind(project_id)
    .bind(from)
    .bind(to)
    .bind(account)
    .bind(offset)
    .fetch_all(db.read())
    .await?;
    Ok(rows
        .iter()
        .map(|row| DailyUsage {
            day: row.get("day"),
            service: row.get("service"),
            amount: CreditSum::from_parts(row.get("whole"), row.get("units")),
        })
        .collect())
}

// ----- statements -----

/// The sum of a project's wallet balances just before `at` (each wallet's
/// last ledger row before it; none: 0).
pub async fn balances_at(db: &Db, project_id: ProjectId, at: i64) -> sqlx::Result<CreditSum> {
    let rows: Vec<(i64, Option<i64>)> = sqlx::query_as(
        "SELECT w.id, (SELECT l.balance_after FROM ledger_entries l WHERE l.wallet_id = w.id AND l.at < $2
                       ORDER BY l.id DESC LIMIT 1)
         FROM wallets w WHERE w.project_id = $1",
    )
    .bind(project_id)
    .bind(at)
    .fetch_all(db.read())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(_, b)| CreditSum(i128::from(b.unwrap_or(0))))
        .sum())
}

/// A month's ledger rows of a project summed by kind, service and person
/// (a sub-wallet's owner, else who caused the row).
#[derive(Debug, Clone)]
pub struct StatementLine {
    pub kind: String,
    pub service: Option<String>,
    pub person: Option<String>,
    pub amount: CreditSum,
}

pub async fn statement_lines(db: &Db, project_id: ProjectId, from: i64, to: i64) -> sqlx::Result<Vec<StatementLine>> {
    let rows: Vec<(String, Option<String>, Option<String>, i64, i64)> = sqlx::query_as(
        "SELECT l.kind, l.service, COALESCE(o.username, a.username),
                CAST(SUM(l.amount / 10000) AS BIGINT), CAST(SUM(l.amount % 10000) AS BIGINT)
         FROM ledger_entries l JOIN wallets w ON w.id = l.wallet_id
         LEFT JOIN accounts o ON o.id = w.account_id LEFT JOIN accounts a ON a.id = l.actor_id
         WHERE w.project_id = $1 AND l.at >= $2 AND l.at < $3
         GROUP BY l.kind, l.service, COALESCE(o.username, a.username)
         ORDER BY l.kind, l.service, COALESCE(o.username, a.username)",
    )
    .bind(project_id)
    .bind(from)
    .bind(to)
    .fetch_all(db.read())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(kind, service, person, whole, units)| StatementLine {
            kind,
            service,
            person,
            amount: CreditSum::from_parts(whole, units),
        })
        .collect())
}

// ----- orders -----

#[derive(Debug, Clone)]
pub struct Order {
    pub number: String,
    pub project_code: String,
    pub amount: Credits,
    pub status: String,
    pub note: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn order(row: &DbRow) -> Order {
    Order {
        number: row.get("number"),
        project_code: row.get("code"),
        amount: Credits(row.get("amount")),
        status: row.get("status"),
        note: row.get("note"),
        created_at: row.get("created_at"),
        updated_at: row.get("updated_at"),
    }
}

pub async fn orders(db: &Db, project_id: Option<ProjectId>) -> sqlx::Result<Vec<Order>> {
    let rows = sqlx::query(
        "SELECT o.number, p.code, o.amount, o.status, o.note, o.created_at, o.updated_at
         FROM orders o JOIN projects p ON p.id = o.project_id
         WHERE ($1 IS NULL OR o.project_id = $1) ORDER BY o.created_at DESC, o.id DESC LIMIT 500",
    )
    .bind(project_id)
    .fetch_all(db.read())
    .await?;
    Ok(rows.iter().map(order).collect())
}

/// Records an order as a quotation (a taken number fails as a unique violation).
pub async fn insert_order(
    conn: &mut Connection,
    project_id: ProjectId,
    number: &str,
    amount: Credits,
    note: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO orders (number, project_id, amount, status, note, created_at, updated_at) VALUES ($1, $2, $3, 'quotation', $4, $5, $5)",
    )
    .bind(number)
    .bind(project_id)
    .bind(amount.0)
    .bind(note)
    .bind(now())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An order as its state machine needs it.
pub struct OrderState {
    pub id: i64,
    pub project_id: ProjectId,
    pub amount: Credits,
    pub status: String,
}

pub async fn order_state(conn: &mut Connection, number: &str) -> sqlx::Result<Option<OrderState>> {
    let row = sqlx::query("SELECT id, project_id, amount, status FROM orders WHERE number = $1")
        .bind(number)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|row| OrderState {
        id: row.get("id"),
        project_id: row.get("project_id"),
        amount: Credits(row.get("amount")),
        status: row.get("status"),
    }))
}

pub async fn set_order_status(conn: &mut Connection, id: i64, status: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(now())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A wallet's balance beside its warning threshold and warnings so far.
#[derive(Debug, Clone)]
pub struct Watched {
    pub wallet_id: i64,
    pub project_id: ProjectId,
    pub project_code: String,
    /// The member and their display name, for a sub-wallet.
    pub member: Option<(AccountId, String)>,
    pub balance: i64,
    pub warn_below: Option<i64>,
    /// The amount of the project's last credited order.
    pub last_order: Option<i64>,
    pub level: i64,
}

/// Every wallet, for the balance warnings.
pub async fn watched(db: &Db) -> sqlx::Result<Vec<Watched>> {
    let rows = sqlx::query(
        "SELECT w.id, w.project_id, p.code, w.account_id, a.display_name, w.balance, w.warn_below,
                (SELECT o.amount FROM orders o WHERE o.project_id = w.project_id AND o.status = 'credited'
                 ORDER BY o.updated_at DESC, o.id DESC LIMIT 1) AS last_order,
                COALESCE(x.level, 0) AS level
         FROM wallets w JOIN projects p ON p.id = w.project_id
         LEFT JOIN accounts a ON a.id = w.account_id
         LEFT JOIN wallet_alerts x ON x.wallet_id = w.id",
    )
    .fetch_all(db.read())
    .await?;
    Ok(rows
        .iter()
        .map(|row| Watched {
            wallet_id: row.get("id"),
            project_id: row.get("project_id"),
            project_code: row.get("code"),
            member: row
                .get::<Option<AccountId>, _>("account_id")
                .map(|id| (id, row.get::<Option<String>, _>("display_name").unwrap_or_default())),
            balance: row.get("balance"),
            warn_below: row.get("warn_below"),
            last_order: row.get("last_order"),
            level: row.get("level"),
        })
        .collect())
}

/// Sets a wallet's warning level, unless another check changed it since
/// it was read as `from`.
pub async fn set_warning_level(conn: &mut Connection, wallet_id: i64, from: i64, to: i64) -> sqlx::Result<bool> {
    let done = if from == 0 {
        sqlx::query("INSERT INTO wallet_alerts (wallet_id, level) VALUES ($1, $2) ON CONFLICT (wallet_id) DO NOTHING")
            .bind(wallet_id)
            .bind(to)
            .execute(&mut *conn)
            .await?
    } else if to == 0 {
        sqlx::query("DELETE FROM wallet_alerts WHERE wallet_id = $1 AND level = $2")
            .bind(wallet_id)
            .bind(from)
            .execute(&mut *conn)
            .await?
    } else {
        sqlx::query("UPDATE wallet_alerts SET level = $1 WHERE wallet_id = $2 AND level = $3")
            .bind(to)
            .bind(wallet_id)
            .bind(from)
            .execute(&mut *conn)
            .await?
    };
    Ok(done.rows_affected() == 1)
}

/// Sets the project wallet's warning threshold (None: the default).
pub async fn set_warn_below(conn: &mut Connection, project_id: ProjectId, warn_below: Option<i64>) -> sqlx::Result<()> {
    sqlx::query("UPDATE wallets SET warn_below = $1 WHERE project_id = $2 AND account_id IS NULL")
        .bind(warn_below)
        .bind(project_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The project wallet's threshold as set, if it was.
pub async fn warn_below(db: &Db, project_id: ProjectId) -> sqlx::Result<Option<i64>> {
    let value: Option<Option<i64>> =
        sqlx::query_scalar("SELECT warn_below FROM wallets WHERE project_id = $1 AND account_id IS NULL")
            .bind(project_id)
            .fetch_optional(db.read())
            .await?;
    Ok(value.flatten())
}
