//! The rules of wallets, the ledger, metered usage and orders: every
//! balance change is a ledger row written in the same transaction, a
//! balance never leaves the 64-bit range, a transfer never takes more than
//! its source holds, and orders move quotation → paid → credited (or are
//! cancelled). Each function here is one write transaction; the SQL is in
//! `store.rs`.

use actix_web::http::StatusCode;

use super::{
    Credits, OrderStep,
    store::{self, LedgerInsert},
};
use crate::{
    activity::{self, Change, ChangeKind},
    auth::identity::{self, AccountId, ProjectId},
    db::{Connection, Db, Tx},
    error::AppError,
    notices::{
        NoticeKind,
        service::{self as notices, Notice},
    },
    web::i18n::Msg,
};

/// Reads the other capabilities may make of wallets and orders.
pub use super::store::{
    LedgerFilter, LedgerRow, Order, UsageReport, Wallet, balances, ledger_before, orders, parent, sub_wallet,
    sub_wallets,
};

/// Why a wallet or order change was refused.
#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    #[error("the member has no open sub-wallet")]
    NoSubWallet,
    #[error("the member already has a sub-wallet")]
    SubWalletExists,
    #[error("the source holds only {available}")]
    Insufficient { available: Credits },
    #[error("the balance would leave the 64-bit range")]
    OutOfRange,
    #[error("the usage is too large to debit")]
    UsageTooLarge,
    #[error("no such order")]
    NoOrder,
    #[error("the order number is taken")]
    OrderExists,
    #[error("an order cannot go from {from} to {}", to.as_str())]
    OrderStep { from: String, to: OrderStep },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<WalletError> for AppError {
    fn from(err: WalletError) -> Self {
        match err {
            WalletError::NoSubWallet | WalletError::NoOrder => AppError::NotFound,
            WalletError::SubWalletExists => AppError::Conflict(Msg::new("wallet-sub-exists")),
            WalletError::Insufficient { available } => AppError::Invalid {
                field: "amount".into(),
                message: Msg::new("wallet-insufficient").arg("available", available),
            },
            WalletError::OutOfRange => AppError::Refused {
                status: StatusCode::CONFLICT,
                code: "balance_out_of_range",
                message: Msg::new("wallet-out-of-range"),
                details: None,
            },
            WalletError::UsageTooLarge => AppError::invalid("seconds", "api-usage-too-large"),
            WalletError::OrderExists => AppError::Conflict(Msg::new("order-exists")),
            WalletError::OrderStep { from, to } => {
                AppError::Conflict(Msg::new("order-step-invalid").arg("from", &from).arg("to", to.as_str()))
            }
            WalletError::Db(err) => err.into(),
        }
    }
}

/// What a balance becomes after `amount` (signed): never outside the i64 range.
pub fn next_balance(before: i64, amount: i64) -> Result<i64, WalletError> {
    before.checked_add(amount).ok_or(WalletError::OutOfRange)
}

/// One change to one wallet.
struct Posting<'a> {
    wallet_id: i64,
    actor_id: Option<AccountId>,
    service: Option<&'a str>,
    kind: &'a str,
    /// Signed: positive adds to the wallet.
    amount: i64,
    detail: &'a str,
}

/// Changes a balance and writes its ledger row; returns the row's ID.
async fn post(conn: &mut Connection, posting: Posting<'_>) -> Result<i64, WalletError> {
    let before = store::balance(conn, posting.wallet_id).await?;
    let after = next_balance(before, posting.amount)?;
    let row = LedgerInsert {
        wallet_id: posting.wallet_id,
        actor_id: posting.actor_id,
        service: posting.service,
        kind: posting.kind,
        balance_before: before,
        amount: posting.amount,
        balance_after: after,
        detail: posting.detail,
    };
    Ok(store::write_posting(conn, row).await?)
}

/// Moves `amount` from one wallet to another: a ledger row on each side.
async fn post_transfer(
    conn: &mut Connection,
    actor_id: AccountId,
    (from, to): (i64, i64),
    amount: i64,
    detail: &str,
) -> Result<(), WalletError> {
    for (wallet_id, signed) in [(from, -amount), (to, amount)] {
        let posting = Posting {
            wallet_id,
            actor_id: Some(actor_id),
            service: None,
            kind: "transfer",
            amount: signed,
            detail,
        };
        post(conn, posting).await?;
    }
    Ok(())
}

async fn record(
    tx: &mut Tx,
    actor_id: AccountId,
    project_id: ProjectId,
    subject: AccountId,
    action: ChangeKind,
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
    activity::service::record_in(tx, change).await
}

/// Gives a member a sub-wallet (reopening a closed one).
pub async fn open_sub_wallet(
    db: &Db,
    actor_id: AccountId,
    project_id: ProjectId,
    account_id: AccountId,
    username: &str,
) -> Result<(), WalletError> {
    let mut tx = db.begin_immediate().await?;
    match store::sub_wallet_state(&mut tx, project_id, account_id).await? {
        Some(None) => return Err(WalletError::SubWalletExists),
        Some(Some(_)) => store::reopen_sub_wallet(&mut tx, project_id, account_id).await?,
        None => store::insert_sub_wallet(&mut tx, project_id, account_id).await?,
    }
    record(
        &mut tx,
        actor_id,
        project_id,
        account_id,
        ChangeKind::WalletOpen,
        username,
        "",
    )
    .await?;
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
    actor_id: AccountId,
    project_id: ProjectId,
    account_id: AccountId,
    username: &str,
    direction: Direction,
    amount: Credits,
) -> Result<(), WalletError> {
    let mut tx = db.begin_immediate().await?;
    let (parent, sub) = store::wallet_ids(&mut tx, project_id, account_id).await?;
    let sub = sub.ok_or(WalletError::NoSubWallet)?;
    let (from, to) = match direction {
        Direction::ToSub => (parent, sub),
        Direction::ToParent => (sub, parent),
    };
    let available = store::balance(&mut tx, from).await?;
    if amount.0 > available {
        return Err(WalletError::Insufficient {
            available: Credits(available.max(0)),
        });
    }
    let detail = match direction {
        Direction::ToSub => format!("parent → {username}"),
        Direction::ToParent => format!("{username} → parent"),
    };
    post_transfer(&mut tx, actor_id, (from, to), amount.0, &detail).await?;
    let after = format!("{detail}: {amount}");
    record(
        &mut tx,
        actor_id,
        project_id,
        account_id,
        ChangeKind::WalletTransfer,
        username,
        &after,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Closes a member's sub-wallet; what is left in it returns to the parent.
pub async fn close_sub_wallet(
    db: &Db,
    actor_id: AccountId,
    project_id: ProjectId,
    account_id: AccountId,
    username: &str,
) -> Result<Credits, WalletError> {
    let mut tx = db.begin_immediate().await?;
    let left = close_sub_wallet_in(&mut tx, actor_id, project_id, account_id, username)
        .await?
        .ok_or(WalletError::NoSubWallet)?;
    tx.commit().await?;
    Ok(left)
}

/// Closes the member's open sub-wallet inside `tx`, moving what is left to
/// the parent wallet (two ledger rows); `None` if they have none.
pub async fn close_sub_wallet_in(
    tx: &mut Tx,
    actor_id: AccountId,
    project_id: ProjectId,
    account_id: AccountId,
    username: &str,
) -> Result<Option<Credits>, WalletError> {
    let (parent, sub) = store::wallet_ids(tx, project_id, account_id).await?;
    let Some(sub) = sub else {
        return Ok(None);
    };
    let left = store::balance(tx, sub).await?;
    if left != 0 {
        let detail = format!("{username} → parent (sub-wallet removed)");
        post_transfer(tx, actor_id, (sub, parent), left, &detail).await?;
    }
    store::close_wallet(tx, sub).await?;
    let after = Credits(left).to_string();
    record(
        tx,
        actor_id,
        project_id,
        account_id,
        ChangeKind::WalletClose,
        username,
        &after,
    )
    .await?;
    Ok(Some(Credits(left)))
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

/// Debits metered usage from the member's sub-wallet if they have one,
/// else the parent wallet. The same idempotency key debits only once.
pub async fn debit_usage(db: &Db, report: UsageReport<'_>) -> Result<UsageDebit, WalletError> {
    let mut tx = db.begin_immediate().await?;
    let earlier = store::usage_record(&mut tx, report.project_id, report.account_id, report.idempotency_key).await?;
    if let Some(earlier) = earlier {
        return Ok(UsageDebit {
            id: earlier.id,
            amount: earlier.amount,
            wallet: if earlier.from_sub_wallet { "sub" } else { "parent" },
            balance_after: earlier.balance_after,
            new: false,
        });
    }
    let (parent, sub) = store::wallet_ids(&mut tx, report.project_id, report.account_id).await?;
    let wallet_id = sub.unwrap_or(parent);
    // The caller bounds both factors (`MAX_DEBIT`); checked all the same.
    let amount = Credits::metered(report.rate_per_hour, report.seconds).ok_or(WalletError::UsageTooLarge)?;
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
    };
    let entry = post(&mut tx, posting).await?;
    let balance_after = store::balance(&mut tx, wallet_id).await?;
    let id = store::insert_usage_record(&mut tx, &report, amount, entry).await?;
    tx.commit().await?;
    Ok(UsageDebit {
        id,
        amount,
        wallet: if sub.is_some() { "sub" } else { "parent" },
        balance_after: Credits(balance_after),
        new: true,
    })
}

/// What the ledger row of an HPC job says, read back into words by the
/// ledger (`views`): `hpc-job ID PARTITION ELAPSED CPUS GPUS CPU_RATE
/// GPU_RATE NAME` (the name last: it may hold spaces).
pub fn hpc_job_detail(
    job_id: &str,
    partition: &str,
    elapsed_seconds: i64,
    (cpus, gpus): (i64, i64),
    (cpu_rate, gpu_rate): (Credits, Credits),
    name: &str,
) -> String {
    format!("hpc-job {job_id} {partition} {elapsed_seconds} {cpus} {gpus} {cpu_rate} {gpu_rate} {name}")
}

/// One finished HPC job's debit (`debit_jobs`).
#[derive(Debug, Clone)]
pub struct JobDebit<'a> {
    pub project_id: ProjectId,
    /// Whose job it is, if still a member: their open sub-wallet pays.
    pub member: Option<AccountId>,
    pub amount: Credits,
    pub detail: String,
    /// Unique to the job: the ledger row's idempotency key.
    pub key: &'a str,
    pub usage: Option<JobUsage<'a>>,
}

/// Which wallet pays for whose jobs, found once an import.
pub type PayingWallets = std::collections::HashMap<(ProjectId, Option<AccountId>), i64>;

/// Debits finished HPC jobs' charges inside the caller's transaction
/// (`slurm::billing`), in order: each from its member's open sub-wallet if
/// they have one, else the project's wallet. Each wallet is read and set
/// once and the rows are written many to a statement; the ledger rows'
/// IDs, in order. A balance may go below zero: the work was done.
pub async fn debit_jobs(
    conn: &mut Connection,
    debits: &[JobDebit<'_>],
    paying: &mut PayingWallets,
) -> Result<Vec<i64>, WalletError> {
    let mut wallets = Vec::with_capacity(debits.len());
    for debit in debits {
        let whose = (debit.project_id, debit.member);
        let wallet_id = match (paying.get(&whose), debit.member) {
            (Some(found), _) => *found,
            (None, Some(account_id)) => {
                let (parent, sub) = store::wallet_ids(conn, debit.project_id, account_id).await?;
                sub.unwrap_or(parent)
            }
            (None, None) => store::parent_id(conn, debit.project_id).await?,
        };
        paying.insert(whose, wallet_id);
        wallets.push(wallet_id);
    }
    let mut touched = wallets.clone();
    touched.sort_unstable();
    touched.dedup();
    let mut balances = store::balances_of(conn, &touched).await?;
    let mut rows = Vec::with_capacity(debits.len());
    for (debit, wallet_id) in debits.iter().zip(&wallets) {
        let before = *balances.get(wallet_id).ok_or(sqlx::Error::RowNotFound)?;
        let amount = debit.amount.0.checked_neg().ok_or(WalletError::UsageTooLarge)?;
        let after = next_balance(before, amount)?;
        balances.insert(*wallet_id, after);
        let row = store::LedgerInsert {
            wallet_id: *wallet_id,
            actor_id: debit.member,
            service: Some("hpc"),
            kind: "debit",
            balance_before: before,
            amount,
            balance_after: after,
            detail: &debit.detail,
        };
        rows.push((row, debit.key));
    }
    let ids = store::insert_ledger_rows(conn, &rows).await?;
    let finals: Vec<(i64, i64)> = touched.iter().map(|id| (*id, balances[id])).collect();
    store::set_balances(conn, &finals).await?;
    let entries: Vec<i64> = debits
        .iter()
        .map(|debit| {
            ids.get(debit.key)
                .copied()
                .ok_or(WalletError::Db(sqlx::Error::RowNotFound))
        })
        .collect::<Result<_, _>>()?;
    let usages: Vec<_> = debits
        .iter()
        .zip(&entries)
        .filter_map(|(debit, entry)| {
            debit
                .usage
                .as_ref()
                .map(|usage| (debit.project_id, usage, debit.amount, *entry))
        })
        .collect();
    store::insert_job_usages(conn, &usages).await?;
    Ok(entries)
}

/// A job's use as metered usage (the Usage tab's sums, chart and CSV, by
/// person): who ran it, for how long, at what rate an hour, when it ended.
pub use store::JobUsage;

/// Records an order as a quotation; a taken number is refused.
pub async fn add_order(
    db: &Db,
    actor_id: Option<AccountId>,
    project_id: ProjectId,
    number: &str,
    amount: Credits,
    note: &str,
) -> Result<(), WalletError> {
    let mut tx = db.begin_immediate().await?;
    match store::insert_order(&mut tx, project_id, number, amount, note).await {
        Ok(()) => {}
        Err(err) if crate::db::is_unique_violation(&err) => return Err(WalletError::OrderExists),
        Err(err) => return Err(err.into()),
    }
    let change = Change {
        actor_id,
        project_id: Some(project_id),
        subject_id: None,
        action: ChangeKind::OrderAdd,
        target: number,
        before: "",
        after: &format!("quotation {amount}"),
    };
    activity::service::record_in(&mut tx, change).await?;
    tx.commit().await?;
    Ok(())
}

/// Moves an order on (see `OrderStep::follows`); crediting adds the amount
/// to the project's parent wallet in the same transaction.
pub async fn advance_order(
    db: &Db,
    actor_id: Option<AccountId>,
    number: &str,
    to: OrderStep,
) -> Result<(), WalletError> {
    let mut tx = db.begin_immediate().await?;
    let order = store::order_state(&mut tx, number).await?.ok_or(WalletError::NoOrder)?;
    if !to.follows(&order.status) {
        return Err(WalletError::OrderStep { from: order.status, to });
    }
    store::set_order_status(&mut tx, order.id, to.as_str()).await?;
    if to == OrderStep::Credited {
        let parent = store::parent_id(&mut tx, order.project_id).await?;
        let detail = format!("order {number}");
        let posting = Posting {
            wallet_id: parent,
            actor_id,
            service: None,
            kind: "credit",
            amount: order.amount.0,
            detail: &detail,
        };
        post(&mut tx, posting).await?;
        let project = identity::project_code_in(&mut tx, order.project_id).await?;
        let admins = identity::tenant_admins_in(&mut tx, order.project_id).await?;
        let subject = format!("{number} {}", order.amount);
        let notice = Notice {
            kind: NoticeKind::OrderCredited,
            actor: "",
            project: &project,
            subject: &subject,
            link: "/account/orders",
        };
        notices::send_in(&mut tx, &admins, &notice).await?;
    }
    let change = Change {
        actor_id,
        project_id: Some(order.project_id),
        subject_id: None,
        action: ChangeKind::OrderAdvance,
        target: number,
        before: &order.status,
        after: to.as_str(),
    };
    activity::service::record_in(&mut tx, change).await?;
    tx.commit().await?;
    Ok(())
}

/// The level of a wallet's warnings: 2 negative, 1 below its threshold
/// (`threshold`: none for no warning above zero), 0 neither.
pub fn warning_level(balance: i64, threshold: Option<i64>) -> i64 {
    if balance < 0 {
        2
    } else if threshold.is_some_and(|t| balance < t) {
        1
    } else {
        0
    }
}

/// A project wallet's threshold: as its tenant admin set it, or else 10 %
/// of the project's last credited order. A sub-wallet warns when set only
/// (and when negative).
pub fn threshold_of(sub_wallet: bool, warn_below: Option<i64>, last_order: Option<i64>) -> Option<i64> {
    match (sub_wallet, warn_below) {
        (_, Some(set)) => Some(set),
        (false, None) => last_order.map(|amount| amount / 10),
        (true, None) => None,
    }
}

/// Tells of wallets whose balance fell below their threshold or below zero
/// since the last check: a project's to its tenant admins, a sub-wallet's
/// to its member; once per fall (again after it rose back). Returns how
/// many were told.
pub async fn notify_balances(db: &Db) -> sqlx::Result<usize> {
    let mut told = 0;
    for wallet in store::watched(db).await? {
        let threshold = threshold_of(wallet.member.is_some(), wallet.warn_below, wallet.last_order);
        let level = warning_level(wallet.balance, threshold);
        if level == wallet.level {
            continue;
        }
        let mut tx = db.begin_immediate().await?;
        if store::set_warning_level(&mut tx, wallet.wallet_id, wallet.level, level).await? && level > wallet.level {
            let (to, name) = match &wallet.member {
                Some((id, name)) => (vec![*id], name.as_str()),
                None => (identity::tenant_admins_in(&mut tx, wallet.project_id).await?, ""),
            };
            let balance = Credits(wallet.balance).to_string();
            let notice = Notice {
                kind: if level == 2 {
                    NoticeKind::WalletNegative
                } else {
                    NoticeKind::WalletLow
                },
                actor: name,
                project: &wallet.project_code,
                subject: &balance,
                link: "/account/wallet",
            };
            notices::send_in(&mut tx, &to, &notice).await?;
            told += 1;
        }
        tx.commit().await?;
    }
    Ok(told)
}

/// A tenant admin sets the project wallet's warning threshold (None: 10 %
/// of the last credited order).
pub async fn set_warn_below(
    db: &Db,
    actor_id: AccountId,
    project_id: ProjectId,
    warn_below: Option<Credits>,
) -> sqlx::Result<()> {
    let mut tx = db.begin_immediate().await?;
    store::set_warn_below(&mut tx, project_id, warn_below.map(|c| c.0)).await?;
    let change = Change {
        actor_id: Some(actor_id),
        project_id: Some(project_id),
        subject_id: None,
        action: ChangeKind::WalletWarnBelow,
        target: "",
        before: "",
        after: &warn_below.map(|c| c.to_string()).unwrap_or_default(),
    };
    activity::service::record_in(&mut tx, change).await?;
    tx.commit().await
}

pub use super::store::warn_below;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallets_warn_below_their_threshold_and_below_zero() {
        assert_eq!(threshold_of(false, None, Some(10_000)), Some(1_000));
        assert_eq!(threshold_of(false, Some(5), Some(10_000)), Some(5));
        assert_eq!(threshold_of(true, None, Some(10_000)), None);
        assert_eq!(threshold_of(false, None, None), None);
        assert_eq!(warning_level(-1, None), 2);
        assert_eq!(warning_level(999, Some(1_000)), 1);
        assert_eq!(warning_level(1_000, Some(1_000)), 0);
        assert_eq!(warning_level(0, None), 0);
    }

    #[test]
    fn balances_never_wrap() {
        assert_eq!(next_balance(5, -7).unwrap(), -2);
        assert!(matches!(next_balance(i64::MAX, 1), Err(WalletError::OutOfRange)));
        assert!(matches!(next_balance(i64::MIN, -1), Err(WalletError::OutOfRange)));
    }
}
