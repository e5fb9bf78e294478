//! The rules of memberships: a project always keeps a tenant admin, a new
//! member gets the default services, and removing a member leaves nothing
//! of theirs behind in the project. Each function is one write transaction.

use super::store;
use crate::{
    activity::{self, Change, ChangeKind},
    api_keys,
    auth::identity::{AccountId, ProjectId},
    db::{Db, Tx, Unique},
    error::AppError,
    notices::{
        NoticeKind,
        service::{self as notices, Notice},
    },
    object_storage, permissions,
    projects::TenantRole,
    quotas,
    wallets::{self, service::WalletError},
    web::i18n::Msg,
};

/// Why a membership change was refused.
#[derive(Debug, thiserror::Error)]
pub enum MemberError {
    #[error("already a member")]
    Exists,
    #[error("not a member")]
    NotAMember,
    /// It would leave the project without a tenant admin.
    #[error("the last tenant admin")]
    LastAdmin,
    #[error(transparent)]
    Wallet(#[from] WalletError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<MemberError> for AppError {
    fn from(err: MemberError) -> Self {
        match err {
            MemberError::Exists => AppError::Conflict(Msg::new("member-exists")),
            MemberError::NotAMember => AppError::NotFound,
            MemberError::LastAdmin => AppError::Conflict(Msg::new("member-last-admin")),
            MemberError::Wallet(err) => err.into(),
            MemberError::Db(err) => err.into(),
        }
    }
}

/// Adds an account to a project with the default services, recorded as done
/// by `actor` (`None`: the command line).
pub async fn add(
    db: &Db,
    actor_id: Option<AccountId>,
    project_id: ProjectId,
    account_id: AccountId,
    username: &str,
    role: TenantRole,
) -> Result<(), MemberError> {
    let mut tx = db.begin_immediate().await?;
    let Unique::Done(membership_id) = store::insert(&mut tx, project_id, account_id, role).await? else {
        return Err(MemberError::Exists);
    };
    permissions::service::grant_defaults(&mut tx, membership_id).await?;
    let change = Change {
        actor_id,
        project_id: Some(project_id),
        subject_id: Some(account_id),
        action: ChangeKind::MemberAdd,
        target: username,
        before: "",
        after: role.as_str(),
    };
    activity::service::record_in(&mut tx, change).await?;
    tell_member(&mut tx, project_id, account_id, NoticeKind::MemberAdded, role.as_str()).await?;
    tx.commit().await?;
    Ok(())
}

/// Changes a member's role; the last tenant admin cannot be demoted.
pub async fn set_role(
    db: &Db,
    actor_id: AccountId,
    project_id: ProjectId,
    account_id: AccountId,
    username: &str,
    role: TenantRole,
) -> Result<(), MemberError> {
    let mut tx = db.begin_immediate().await?;
    let current = store::role_in(&mut tx, project_id, account_id)
        .await?
        .ok_or(MemberError::NotAMember)?;
    if current == role {
        return Ok(());
    }
    if role == TenantRole::User && store::admins_other_than(&mut tx, project_id, account_id).await? == 0 {
        return Err(MemberError::LastAdmin);
    }
    store::set_role(&mut tx, project_id, account_id, role).await?;
    let change = Change {
        actor_id: Some(actor_id),
        project_id: Some(project_id),
        subject_id: Some(account_id),
        action: ChangeKind::MemberRole,
        target: username,
        before: current.as_str(),
        after: role.as_str(),
    };
    activity::service::record_in(&mut tx, change).await?;
    tell_member(
        &mut tx,
        project_id,
        account_id,
        NoticeKind::MemberRoleChanged,
        role.as_str(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Removes a member, leaving nothing of theirs behind in the project: their
/// API keys and object-storage pair are deleted (re-adding them brings
/// neither back), their member quotas go, their sub-wallet's credit returns
/// to the project wallet (in the ledger), and, when asked, their live
/// allocations are released (else a tenant admin can release them later);
/// their open quota requests close, saying why.
/// The last admin cannot go.
pub async fn remove(
    db: &Db,
    actor_id: AccountId,
    project_id: ProjectId,
    account_id: AccountId,
    username: &str,
    release_allocations: bool,
) -> Result<(), MemberError> {
    let mut tx = db.begin_immediate().await?;
    let current = store::role_in(&mut tx, project_id, account_id)
        .await?
        .ok_or(MemberError::NotAMember)?;
    if current == TenantRole::Admin && store::admins_other_than(&mut tx, project_id, account_id).await? == 0 {
        return Err(MemberError::LastAdmin);
    }
    store::delete(&mut tx, project_id, account_id).await?;
    quotas::service::forget_member_in(&mut tx, project_id, account_id).await?;
    crate::quota_requests::service::close_for_departure_in(&mut tx, project_id, account_id).await?;
    api_keys::service::delete_all_in(&mut tx, project_id, account_id).await?;
    object_storage::service::delete_pair_in(&mut tx, project_id, account_id).await?;
    wallets::service::close_sub_wallet_in(&mut tx, actor_id, project_id, account_id, username).await?;
    if release_allocations {
        quotas::service::release_all_in(&mut tx, project_id, account_id).await?;
    }
    let change = Change {
        actor_id: Some(actor_id),
        project_id: Some(project_id),
        subject_id: Some(account_id),
        action: ChangeKind::MemberRemove,
        target: username,
        before: current.as_str(),
        after: "",
    };
    activity::service::record_in(&mut tx, change).await?;
    tell_member(&mut tx, project_id, account_id, NoticeKind::MemberRemoved, "").await?;
    tx.commit().await?;
    Ok(())
}

/// Tells the member what became of their membership (`role`: the new one).
async fn tell_member(
    tx: &mut Tx,
    project_id: ProjectId,
    account_id: AccountId,
    kind: NoticeKind,
    role: &str,
) -> sqlx::Result<()> {
    let project = crate::auth::identity::project_code_in(tx, project_id).await?;
    let link = if kind == NoticeKind::MemberRemoved {
        "/account"
    } else {
        "/account/members"
    };
    let notice = Notice {
        kind,
        actor: "",
        project: &project,
        subject: role,
        link,
    };
    notices::send_in(tx, &[account_id], &notice).await
}

pub use crate::projects::service::{MemberPageAsked, member, members, remembered_member_page};
