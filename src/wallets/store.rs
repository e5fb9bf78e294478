//! Every SQL statement about wallets, the ledger, metered usage and orders.
//! Every balance change is a ledger row written in the same transaction.

use sqlx::{Row, SqliteConnection, sqlite::SqliteRow};

use super::{CreditSum, Credits};
use crate::{
    activity::{self, Change},
    db::{Db, Tx, begin_immediate, now},
    error::AppError,
    web::i18n::Msg,
};

#[derive(Debug, Clone)]
pub struct Wallet {
    pub id: i64,
    /// `None` for the project's parent wallet.
    pub account_id: Option<i64>,
    pub display_name: String,
    pub username: String,
    pub balance: Credits,
}

fn wallet(row: &SqliteRow) -> Wallet {
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

pub async fn parent(db: &Db, project_id: i64) -> sqlx::Result<Wallet> {
    let row = sqlx::query(select_wallets!("WHERE w.project_id = $1 AND w.account_id IS NULL"))
        .bind(project_id)
        .fetch_one(db.read())
        .await?;
    Ok(wallet(&row))
}

/// The open sub-wallets of a project, by member name.
pub async fn sub_wallets(db: &Db, project_id: i64) -> sqlx::Result<Vec<Wallet>> {
    let rows = sqlx::query(select_wallets!(
        "WHERE w.project_id = $1 AND w.account_id IS NOT NULL AND w.closed_at IS NULL ORDER BY a.display_name"
    ))
    .bind(project_id)
    .fetch_all(db.read())
    .await?;
    Ok(rows.iter().map(wallet).collect())
}

pub async fn sub_wallet(db: &Db, project_id: i64, account_id: i64) -> sqlx::Result<Option<Wallet>> {
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
pub async fn balances(db: &Db, project_id: i64, account_id: i64) -> sqlx::Result<(Credits, Option<Credits>)> {
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

/// One ledger row.
pub struct Posting<'a> {
    pub wallet_id: i64,
    pub actor_id: Option<i64>,
    pub service: Option<&'a str>,
    pub kind: &'a str,
    /// Signed: positive adds to the wallet.
    pub amount: i64,
    pub detail: &'a str,
    pub idempotency_key: Option<&'a str>,
}

/// Moves `amount` from one wallet to another: a ledger row on each side.
async fn post_transfer(
    conn: &mut SqliteConnection,
    actor_id: i64,
    (from, to): (i64, i64),
    amount: i64,
    detail: &str,
) -> Result<(), AppError> {
    for (wallet_id, signed) in [(from, -amount), (to, amount)] {
        let posting = Posting {
            wallet_id,
            actor_id: Some(actor_id),
            service: None,
            kind: "transfer",
            amount: signed,
            detail,
            idempotency_key: None,
        };
        post(conn, posting).await?;
    }
    Ok(())
}

/// Changes a balance and writes its ledger row; returns the row's ID. A
/// balance that would leave the i64 range is refused, never wrapped.
async fn post(conn: &mut SqliteConnection, posting: Posting<'_>) -> Result<i64, AppError> {
    let before: i64 = sqlx::query_scalar("SELECT balance FROM wallets WHERE id = $1")
        .bind(posting.wallet_id)
        .fetch_one(&mut *conn)
        .await?;
    let after = before.checked_add(posting.amount).ok_or_else(|| AppError::Refused {
        status: actix_web::http::StatusCode::CONFLICT,
        code: "balance_out_of_range",
        message: Msg::new("wallet-out-of-range"),
        details: None,
    })?;
    sqlx::query("UPDATE wallets SET balance = $1 WHERE id = $2")
        .bind(after)
        .bind(posting.wallet_id)
        .execute(&mut *conn)
        .await?;
    let entry = sqlx::query(
        "INSERT INTO ledger_entries (wallet_id, at, actor_id, service, kind, balance_before, amount, balance_after, detail, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(posting.wallet_id)
    .bind(now())
    .bind(posting.actor_id)
    .bind(posting.service)
    .bind(posting.kind)
    .bind(before)
    .bind(posting.amount)
    .bind(after)
    .bind(posting.detail)
    .bind(posting.idempotency_key)
    .execute(&mut *conn)
    .await?;
    Ok(entry.last_insert_rowid())
}

async fn wallet_ids(tx: &mut Tx, project_id: i64, account_id: i64) -> sqlx::Result<(i64, Option<i64>)> {
    let parent: i64 = sqlx::query_scalar("SELECT id FROM wallets WHERE project_id = $1 AND account_id IS NULL")
        .bind(project_id)
        .fetch_one(&mut **tx)
        .await?;
    let sub: Option<i64> =
        sqlx::query_scalar("SELECT id FROM wallets WHERE project_id = $1 AND account_id = $2 AND closed_at IS NULL")
            .bind(project_id)
            .bind(account_id)
            .fetch_optional(&mut **tx)
            .await?;
    Ok((parent, sub))
}

async fn record(
    tx: &mut Tx,
    actor_id: i64,
    project_id: i64,
    subject: i64,
    action: &str,
    target: &str,
    after: &str,
) -> sqlx::Result<()> {
    let change = Change {
        actor_id: Some(actor_id),
        project_id: Some(project_id),
        subject_id: Some(subject),
        action,
        target,
        before: "",
        after,
    };
    activity::store::record_change(&mut **tx, change).await
}

/// Gives a member a sub-wallet (reopening a closed one); one already open is a `Conflict`.
pub async fn open_sub_wallet(
    db: &Db,
    actor_id: i64,
    project_id: i64,
    account_id: i64,
    username: &str,
) -> Result<(), AppError> {
    let mut tx = begin_immediate(db).await?;
    let existing: Option<Option<i64>> =
        sqlx::query_scalar("SELECT closed_at FROM wallets WHERE project_id = $1 AND account_id = $2")
            .bind(project_id)
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
    match existing {
        Some(None) => return Err(AppError::Conflict(Msg::new("wallet-sub-exists"))),
        Some(Some(_)) => {
            sqlx::query("UPDATE wallets SET closed_at = NULL WHERE project_id = $1 AND account_id = $2")
                .bind(project_id)
                .bind(account_id)
                .execute(&mut *tx)
                .await?;
        }
        None => {
            sqlx::query("INSERT INTO wallets (project_id, account_id, balance, created_at) VALUES ($1, $2, 0, $3)")
                .bind(project_id)
                .bind(account_id)
                .bind(now())
                .execute(&mut *tx)
                .await?;
        }
    }
    record(&mut tx, actor_id, project_id, account_id, "wallet.open", username, "").await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    ToSub,
    ToParent,
}

/// Moves credit between the parent and a member's sub-wallet: two ledger
/// rows in one transaction, never more than the source holds.
pub async fn transfer(
    db: &Db,
    actor_id: i64,
    project_id: i64,
    account_id: i64,
    username: &str,
    direction: Direction,
    amount: Credits,
) -> Result<(), AppError> {
    let mut tx = begin_immediate(db).await?;
    let (parent, sub) = wallet_ids(&mut tx, project_id, account_id).await?;
    let sub = sub.ok_or(AppError::NotFound)?;
    let (from, to) = match direction {
        Direction::ToSub => (parent, sub),
        Direction::ToParent => (sub, parent),
    };
    let available: i64 = sqlx::query_scalar("SELECT balance FROM wallets WHERE id = $1")
        .bind(from)
        .fetch_one(&mut *tx)
        .await?;
    if amount.0 > available {
        return Err(AppError::Invalid {
            field: "amount".into(),
            message: Msg::new("wallet-insufficient").arg("available", Credits(available.max(0))),
        });
    }
    let detail = match direction {
        Direction::ToSub => format!("parent → {username}"),
        Direction::ToParent => format!("{username} → parent"),
    };
    post_transfer(&mut tx, actor_id, (from, to), amount.0, &detail).await?;
    record(
        &mut tx,
        actor_id,
        project_id,
        account_id,
        "wallet.transfer",
        username,
        &format!("{detail}: {amount}"),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Closes a member's sub-wallet; what is left in it returns to the parent.
pub async fn close_sub_wallet(
    db: &Db,
    actor_id: i64,
    project_id: i64,
    account_id: i64,
    username: &str,
) -> Result<Credits, AppError> {
    let mut tx = begin_immediate(db).await?;
    let left = close_sub_wallet_in(&mut tx, actor_id, project_id, account_id, username)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    Ok(left)
}

/// Closes the member's open sub-wallet inside `tx`, moving what is left to
/// the parent wallet (two ledger rows); `None` if they have none.
pub async fn close_sub_wallet_in(
    tx: &mut Tx,
    actor_id: i64,
    project_id: i64,
    account_id: i64,
    username: &str,
) -> Result<Option<Credits>, AppError> {
    let (parent, sub) = wallet_ids(tx, project_id, account_id).await?;
    let Some(sub) = sub else {
        return Ok(None);
    };
    let left: i64 = sqlx::query_scalar("SELECT balance FROM wallets WHERE id = $1")
        .bind(sub)
        .fetch_one(&mut **tx)
        .await?;
    if left != 0 {
        let detail = format!("{username} → parent (sub-wallet removed)");
        post_transfer(tx, actor_id, (sub, parent), left, &detail).await?;
    }
    sqlx::query("UPDATE wallets SET closed_at = $1 WHERE id = $2")
        .bind(now())
        .bind(sub)
        .execute(&mut **tx)
        .await?;
    record(
        tx,
        actor_id,
        project_id,
        account_id,
        "wallet.close",
        username,
        &Credits(left).to_string(),
    )
    .await?;
    Ok(Some(Credits(left)))
}

/// Adds credit to a project's parent wallet (an order credited).
pub async fn credit_parent(
    tx: &mut Tx,
    project_id: i64,
    actor_id: Option<i64>,
    amount: Credits,
    detail: &str,
) -> Result<(), AppError> {
    let parent: i64 = sqlx::query_scalar("SELECT id FROM wallets WHERE project_id = $1 AND account_id IS NULL")
        .bind(project_id)
        .fetch_one(&mut **tx)
        .await?;
    let posting = Posting {
        wallet_id: parent,
        actor_id,
        service: None,
        kind: "credit",
        amount: amount.0,
        detail,
        idempotency_key: None,
    };
    post(tx, posting).await?;
    Ok(())
}

/// A metered usage report, debited once.
#[derive(Debug, Clone)]
pub struct UsageDebit {
    pub id: i64,
    pub amount: Credits,
    /// `sub` or `parent`.
    pub wallet: &'static str,
    pub balance_after: Credits,
    /// False when the same idempotency key was reported before.
    pub new: bool,
}

pub struct UsageReport<'a> {
    pub project_id: i64,
    pub account_id: i64,
    pub service: &'a str,
    pub resource_id: &'a str,
    pub seconds: i64,
    pub rate_per_hour: Credits,
    pub idempotency_key: &'a str,
}

/// Debits metered usage from the member's sub-wallet if they have one,
/// else the parent wallet. The same idempotency key debits only once.
pub async fn debit_usage(db: &Db, report: UsageReport<'_>) -> Result<UsageDebit, AppError> {
    let mut tx = begin_immediate(db).await?;
    if let Some(row) = sqlx::query(
        "SELECT u.id, u.amount, l.balance_after, w.account_id FROM usage_records u
         JOIN ledger_entries l ON l.id = u.ledger_entry_id JOIN wallets w ON w.id = l.wallet_id
         WHERE u.project_id = $1 AND u.account_id = $2 AND u.idempotency_key = $3",
    )
    .bind(report.project_id)
    .bind(report.account_id)
    .bind(report.idempotency_key)
    .fetch_optional(&mut *tx)
    .await?
    {
        return Ok(UsageDebit {
            id: row.get("id"),
            amount: Credits(row.get("amount")),
            wallet: if row.get::<Option<i64>, _>("account_id").is_some() {
                "sub"
            } else {
                "parent"
            },
            balance_after: Credits(row.get("balance_after")),
            new: false,
        });
    }
    let (parent, sub) = wallet_ids(&mut tx, report.project_id, report.account_id).await?;
    let wallet_id = sub.unwrap_or(parent);
    // The caller bounds both factors (`MAX_DEBIT`); checked all the same.
    let amount = Credits::metered(report.rate_per_hour, report.seconds)
        .ok_or_else(|| AppError::invalid("seconds", "api-usage-too-large"))?;
    let detail = format!(
        "{} {} s × {}/h",
        report.resource_id, report.seconds, report.rate_per_hour
    );
    let posting = Posting {
        wallet_id,
        actor_id: Some(report.account_id),
        service: Some(report.service),
        kind: "debit",
        amount: -amount.0,
        detail: &detail,
        idempotency_key: None,
    };
    let entry = post(&mut tx, posting).await?;
    let balance_after: i64 = sqlx::query_scalar("SELECT balance FROM wallets WHERE id = $1")
        .bind(wallet_id)
        .fetch_one(&mut *tx)
        .await?;
    let id = sqlx::query(
        "INSERT INTO usage_records (at, project_id, account_id, service, resource_id, seconds, rate_per_hour, amount, ledger_entry_id, idempotency_key)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(now())
    .bind(report.project_id)
    .bind(report.account_id)
    .bind(report.service)
    .bind(report.resource_id)
    .bind(report.seconds)
    .bind(report.rate_per_hour.0)
    .bind(amount.0)
    .bind(entry)
    .bind(report.idempotency_key)
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    tx.commit().await?;
    Ok(UsageDebit {
        id,
        amount,
        wallet: if sub.is_some() { "sub" } else { "parent" },
        balance_after: Credits(balance_after),
        new: true,
    })
}

/// Which ledger rows to show.
#[derive(Debug, Clone, Default)]
pub struct LedgerFilter {
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Rows of this member's sub-wallet, or that they caused.
    pub member: Option<i64>,
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

fn ledger_row(row: &SqliteRow) -> LedgerRow {
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
    project_id: i64,
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
    project_id: i64,
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
    project_id: i64,
    from: Option<i64>,
    to: Option<i64>,
    account: Option<i64>,
) -> sqlx::Result<Vec<UsageSum>> {
    let rows = sqlx::query(
        "SELECT u.service, a.display_name, a.username, COUNT(*) AS records, SUM(u.seconds) AS seconds,
                SUM(u.amount / 10000) AS whole, SUM(u.amount % 10000) AS units
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

fn order(row: &SqliteRow) -> Order {
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

pub async fn orders(db: &Db, project_id: Option<i64>) -> sqlx::Result<Vec<Order>> {
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

/// Records an order as a quotation; a taken number is a `Conflict`.
pub async fn add_order(
    db: &Db,
    actor_id: Option<i64>,
    project_id: i64,
    number: &str,
    amount: Credits,
    note: &str,
) -> Result<(), AppError> {
    let mut tx = begin_immediate(db).await?;
    let created = sqlx::query(
        "INSERT INTO orders (number, project_id, amount, status, note, created_at, updated_at) VALUES ($1, $2, $3, 'quotation', $4, $5, $5)",
    )
    .bind(number)
    .bind(project_id)
    .bind(amount.0)
    .bind(note)
    .bind(now())
    .execute(&mut *tx)
    .await;
    match created {
        Ok(_) => {}
        Err(err) if crate::db::is_unique_violation(&err) => return Err(AppError::Conflict(Msg::new("order-exists"))),
        Err(err) => return Err(err.into()),
    }
    let change = Change {
        actor_id,
        project_id: Some(project_id),
        subject_id: None,
        action: "order.add",
        target: number,
        before: "",
        after: &format!("quotation {amount}"),
    };
    activity::store::record_change(&mut *tx, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves an order on: quotation → paid → credited (which credits the parent
/// wallet), or quotation/paid → cancelled. Anything else is refused.
pub async fn advance_order(db: &Db, actor_id: Option<i64>, number: &str, to: &str) -> Result<(), AppError> {
    let mut tx = begin_immediate(db).await?;
    let row = sqlx::query("SELECT id, project_id, amount, status FROM orders WHERE number = $1")
        .bind(number)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(AppError::NotFound)?;
    let (id, project_id, amount, status): (i64, i64, i64, String) = (
        row.get("id"),
        row.get("project_id"),
        row.get("amount"),
        row.get("status"),
    );
    let allowed = matches!(
        (status.as_str(), to),
        ("quotation", "paid") | ("paid", "credited") | ("quotation" | "paid", "cancelled")
    );
    if !allowed {
        return Err(AppError::Conflict(
            Msg::new("order-step-invalid").arg("from", &status).arg("to", to),
        ));
    }
    sqlx::query("UPDATE orders SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(to)
        .bind(now())
        .bind(id)
        .execute(&mut *tx)
        .await?;
    if to == "credited" {
        credit_parent(
            &mut tx,
            project_id,
            actor_id,
            Credits(amount),
            &format!("order {number}"),
        )
        .await?;
    }
    let change = Change {
        actor_id,
        project_id: Some(project_id),
        subject_id: None,
        action: "order.advance",
        target: number,
        before: &status,
        after: to,
    };
    activity::store::record_change(&mut *tx, change).await?;
    tx.commit().await?;
    Ok(())
}
