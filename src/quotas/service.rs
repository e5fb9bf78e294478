//! What other capabilities ask of quotas, inside their transactions.

use super::store;
use crate::db::Tx;

/// Forgets a departing member's quotas in the project.
pub async fn forget_member_in(tx: &mut Tx, project_id: i64, account_id: i64) -> sqlx::Result<()> {
    store::delete_member_quotas(tx, project_id, account_id).await
}

/// Releases every live allocation of the member in the project.
pub async fn release_all_in(tx: &mut Tx, project_id: i64, account_id: i64) -> sqlx::Result<()> {
    store::release_all_of(tx, project_id, account_id).await
}
