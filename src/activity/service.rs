//! How the other capabilities record what they change: inside their own
//! transaction (`record_in`), so that the record is written exactly when
//! the change is, or on its own (`record`).

use super::{Change, store};
use crate::{
    db::{Connection, Db},
    ids::{AccountId, ProjectId},
};

/// Reads the other capabilities may make of the activity log.
pub use super::store::{ActivityFilter, ApiCallRow, ChangeRow, api_calls, changes};

/// What a member sees of a project's activity: a tenant admin every row of
/// the project (or `member`'s), a tenant user only their own.
pub fn visible_to(
    project_id: ProjectId,
    account_id: AccountId,
    tenant_admin: bool,
    member: Option<AccountId>,
) -> ActivityFilter {
    ActivityFilter {
        project_id: Some(project_id),
        member: member.filter(|_| tenant_admin),
        own: (!tenant_admin).then_some(account_id),
        ..ActivityFilter::default()
    }
}
pub use super::views::fold_views;

/// Records a change inside the caller's transaction.
pub async fn record_in(conn: &mut Connection, change: Change<'_>) -> sqlx::Result<()> {
    store::record_change(conn, change).await
}

/// Records a change on its own (a view, or a change already committed).
pub async fn record(db: &Db, change: Change<'_>) -> sqlx::Result<()> {
    store::record(db, change).await
}

/// How long activity is kept, in days.
#[derive(Debug, Clone, Copy)]
pub struct Retention {
    /// API calls in detail.
    pub raw_days: i64,
    /// Their sums, and changes.
    pub days: i64,
}

/// What one round of maintenance did, in rows.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Maintained {
    pub calls_pruned: u64,
    pub hours_pruned: u64,
    pub sums_pruned: u64,
    /// The projects' hours and days together.
    pub project_sums_pruned: u64,
    pub changes_pruned: u64,
}

/// Keeps activity within its retention as of `now`: call rows past the raw
/// window, hourly sums past `usage::HOURLY_DAYS` (their days hold them),
/// daily sums and changes past the retention. Every step is a batch of its own transaction
/// (`store::MAINTENANCE_BATCH` rows), so that the write lock is never held
/// for longer than one batch and admissions get their turn between them.
pub async fn maintain(db: &Db, retention: Retention, now: i64) -> sqlx::Result<Maintained> {
    use super::usage::{DAY, HOUR, hours_kept_from};
    use store::SumsOf::{Keys, Projects};
    let raw_before = now.saturating_sub(retention.raw_days.saturating_mul(DAY));
    let kept_before = now.saturating_sub(retention.days.saturating_mul(DAY));
    let hours_before = hours_kept_from(now).max(kept_before);
    Ok(Maintained {
        calls_pruned: in_batches(|| store::prune_calls(db, raw_before)).await?,
        hours_pruned: in_batches(|| store::prune_sums(db, Keys, HOUR, hours_before)).await?,
        sums_pruned: in_batches(|| store::prune_sums(db, Keys, DAY, kept_before)).await?,
        project_sums_pruned: in_batches(|| store::prune_sums(db, Projects, HOUR, hours_before)).await?
            + in_batches(|| store::prune_sums(db, Projects, DAY, kept_before)).await?,
        changes_pruned: in_batches(|| store::prune_changes(db, kept_before)).await?,
    })
}

/// Runs `batch` until it does less than a whole batch (then nothing is
/// left), pausing between runs; returns the rows done in all.
async fn in_batches<F: Future<Output = sqlx::Result<u64>>>(mut batch: impl FnMut() -> F) -> sqlx::Result<u64> {
    let mut total = 0;
    loop {
        let done = batch().await?;
        total += done;
        if done < store::MAINTENANCE_BATCH as u64 {
            return Ok(total);
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
}
