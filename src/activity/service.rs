//! How the other capabilities record what they change: inside their own
//! transaction (`record_in`), so that the record is written exactly when
//! the change is, or on its own (`record`).

use super::{Change, store};
use crate::db::{Connection, Db};

/// Reads the other capabilities may make of the activity log.
pub use super::store::{ActivityFilter, ChangeRow, changes};
pub use super::views::fold_views;

/// Records a change inside the caller's transaction.
pub async fn record_in(conn: &mut Connection, change: Change<'_>) -> sqlx::Result<()> {
    store::record_change(conn, change).await
}

/// Records a change on its own (a view, or a change already committed).
pub async fn record(db: &Db, change: Change<'_>) -> sqlx::Result<()> {
    store::record(db, change).await
}
