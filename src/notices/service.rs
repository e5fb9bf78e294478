//! Sending notices (in the sender's transaction) and reading them.

use super::{NoticeKind, store};
use crate::{
    auth::identity::AccountId,
    db::{Connection, Db},
};

pub use super::store::NoticeRow;

/// A notice to send: its kind and the values its message shows.
pub struct Notice<'a> {
    pub kind: NoticeKind,
    /// Who did it (a display name).
    pub actor: &'a str,
    /// The project's code.
    pub project: &'a str,
    /// What it concerns (a request number, …).
    pub subject: &'a str,
    /// The page concerned.
    pub link: &'a str,
}

/// Sends `notice` to each of `to` (once each), in the transaction of the
/// change that causes it: it exists exactly when the change does.
pub async fn send_in(conn: &mut Connection, to: &[AccountId], notice: &Notice<'_>) -> sqlx::Result<()> {
    let mut to = to.to_vec();
    to.sort_unstable();
    to.dedup();
    let row = store::NewNotice {
        kind: notice.kind.code(),
        actor: notice.actor,
        project: notice.project,
        subject: notice.subject,
        link: notice.link,
    };
    let at = crate::db::now();
    for account_id in to {
        store::insert_in(conn, account_id, &row, at).await?;
    }
    Ok(())
}

pub async fn page(db: &Db, account_id: AccountId, limit: i64, offset: i64) -> sqlx::Result<(Vec<NoticeRow>, i64)> {
    store::page(db, account_id, limit, offset).await
}

pub async fn mark_read(db: &Db, account_id: AccountId, id: i64) -> sqlx::Result<bool> {
    store::mark_read(db, account_id, id, crate::db::now()).await
}

pub async fn mark_all_read(db: &Db, account_id: AccountId) -> sqlx::Result<u64> {
    store::mark_all_read(db, account_id, crate::db::now()).await
}

pub async fn prune(db: &Db, before: i64) -> sqlx::Result<u64> {
    store::prune(db, before).await
}
