//! Sending notices (in the transaction of the change that causes them),
//! reading them, and the operators' view of their delivery.

use super::{NoticeKind, Topic, store};
use crate::{
    db::{Connection, Db},
    ids::AccountId,
};

pub use super::store::{NoticeRow, Outgoing};

/// A notice to send: its kind and the values its message shows.
pub struct Notice<'a> {
    pub kind: NoticeKind,
    /// Who did it (a display name).
    pub actor: &'a str,
    /// The project's code.
    pub project: &'a str,
    /// What it concerns (a request number, a key ID, …).
    pub subject: &'a str,
    /// The page concerned.
    pub link: &'a str,
}

impl Notice<'_> {
    fn row<'a>(&'a self, in_app: bool, email_to: &'a str) -> store::NewNotice<'a> {
        store::NewNotice {
            kind: self.kind.code(),
            topic: self.kind.topic().code(),
            actor: self.actor,
            project: self.project,
            subject: self.subject,
            link: self.link,
            in_app,
            email_to,
        }
    }
}

/// Sends `notice` to each of `to` (once each), in the transaction of the
/// change that causes it: it exists exactly when the change does, and is
/// emailed after the commit (when email is on and wanted).
pub async fn send_in(conn: &mut Connection, to: &[AccountId], notice: &Notice<'_>) -> sqlx::Result<()> {
    let mut to = to.to_vec();
    to.sort_unstable();
    to.dedup();
    let row = notice.row(true, "");
    let at = crate::db::now();
    for account_id in to {
        store::insert_in(conn, account_id, &row, at).await?;
    }
    Ok(())
}

/// Sends `notice` by email only, to `address` (or the account's own when
/// empty): a reset link, a confirmation to a new address, word to an old one.
pub async fn email_only_in(
    conn: &mut Connection,
    to: AccountId,
    address: &str,
    notice: &Notice<'_>,
) -> sqlx::Result<i64> {
    store::insert_in(conn, to, &notice.row(false, address), crate::db::now()).await
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

/// Whether notices written from now on are queued for email.
pub async fn set_email_delivery(db: &Db, on: bool) -> sqlx::Result<()> {
    store::set_email_delivery(db, on).await
}

pub async fn prune(db: &Db, before: i64) -> sqlx::Result<u64> {
    store::prune(db, before).await
}

/// How email delivery stands, for the operator console.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    /// Emails waiting to be sent (or tried again).
    pub pending: i64,
    /// Emails given up on after every try.
    pub failed: i64,
    pub last_error: Option<String>,
}

pub async fn delivery(db: &Db) -> sqlx::Result<Delivery> {
    let (pending, failed, last_error) = store::delivery_state(db).await?;
    Ok(Delivery {
        pending,
        failed,
        last_error,
    })
}

/// Which topics come by email to the account (all, unless turned off).
pub async fn email_topics(db: &Db, account_id: AccountId) -> sqlx::Result<Vec<(Topic, bool)>> {
    let off = store::topics_off(db, account_id).await?;
    Ok(Topic::CHOSEN
        .into_iter()
        .map(|topic| (topic, !off.iter().any(|t| t == topic.code())))
        .collect())
}

/// Sets the topics that come by email: those named in `on` (unknown names
/// are ignored; security notices always come).
pub async fn set_email_topics(db: &Db, account_id: AccountId, on: &[String]) -> sqlx::Result<()> {
    let all: Vec<&str> = Topic::CHOSEN.iter().map(|t| t.code()).collect();
    let on: Vec<&str> = all
        .iter()
        .copied()
        .filter(|code| on.iter().any(|o| o == code))
        .collect();
    store::set_topics(db, account_id, &all, &on).await
}
