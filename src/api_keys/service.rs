//! What other capabilities ask of API keys, inside their transactions.

use super::store;
use crate::db::Tx;

/// Deletes every key of the member in the project (they left it): re-adding
/// the member brings none back.
pub async fn delete_all_in(tx: &mut Tx, project_id: i64, account_id: i64) -> sqlx::Result<()> {
    store::delete_all_of(tx, project_id, account_id).await
}
