//! The rules of object-storage pairs: rotating one replaces it at once and
//! is recorded; a departing member's pair goes with them.

use super::store;
use crate::{
    activity::{self, Change, ChangeKind},
    auth::identity::{AccountId, ProjectId},
    db::{Db, Tx},
};

/// The member's pair, made on first request (for the TWCC routes).
pub use super::store::{Pair, pair_made};

/// Replaces a member's pair with a new one (new access key, new salt): the
/// old pair stops working at once. Returns the new pair.
pub async fn rotate(
    db: &Db,
    actor_id: AccountId,
    project_id: ProjectId,
    account_id: AccountId,
    username: &str,
) -> sqlx::Result<Pair> {
    let mut tx = db.begin_immediate().await?;
    let access_key = store::replace(&mut tx, project_id, account_id).await?;
    let change = Change {
        actor_id: Some(actor_id),
        project_id: Some(project_id),
        subject_id: Some(account_id),
        action: ChangeKind::ObjectStorageRotate,
        target: username,
        before: "",
        after: &access_key,
    };
    activity::service::record_in(&mut tx, change).await?;
    tx.commit().await?;
    store::pair_of(db, project_id, account_id)
        .await?
        .ok_or(sqlx::Error::RowNotFound)
}

/// Deletes the member's pair in the project (they left it).
pub async fn delete_pair_in(tx: &mut Tx, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<()> {
    store::delete_in(tx, project_id, account_id).await
}
