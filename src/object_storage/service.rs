//! What other capabilities ask of object-storage pairs, inside their
//! transactions.

use super::store;
use crate::db::Tx;

/// Deletes the member's pair in the project (they left it).
pub async fn delete_pair_in(tx: &mut Tx, project_id: i64, account_id: i64) -> sqlx::Result<()> {
    store::delete_in(tx, project_id, account_id).await
}
