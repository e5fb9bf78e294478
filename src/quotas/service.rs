//! The rules of quotas: a member's quota never above the project's, checked
//! and written in one transaction; every change recorded before → after.
//! (Who may be admitted is `admission.rs`.)

use std::collections::HashMap;

use super::{QuotaLimit, QuotaService, Resource, store};
use crate::{
    activity::{self, Change},
    auth::identity::{AccountId, ProjectId},
    db::{Db, Tx},
    error::AppError,
    web::i18n::Msg,
};

/// Reads the other capabilities may make of quotas and allocations.
pub use super::store::{
    Admission, Allocation, AllocationWrite, MemberName, Outcome, admit, live_allocations, member_gauges,
    members_with_gauges, project_gauges,
};

/// Why a quota change was refused.
#[derive(Debug, thiserror::Error)]
pub enum QuotaError {
    #[error("{resource:?} above the project's quota of {limit}")]
    AboveProject { resource: Resource, limit: i64 },
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<QuotaError> for AppError {
    fn from(err: QuotaError) -> Self {
        match err {
            QuotaError::AboveProject { resource, limit } => AppError::Invalid {
                field: resource.code().into(),
                message: Msg::new("quota-above-project").arg("limit", limit),
            },
            QuotaError::Db(err) => err.into(),
        }
    }
}

/// Whether a member's `limit` is above the project's (`None`: unlimited; a
/// project quota never set is 0). An unlimited member quota stays under
/// the project's, which still bounds it at admission.
pub fn above_project(limit: QuotaLimit, project: Option<i64>) -> bool {
    matches!(project, Some(project) if !limit.is_unlimited() && limit.0 > project)
}

/// `cpu=8 gpu=unlimited memory=-` for the activity log (`-`: not set).
fn describe(service: QuotaService, limits: &HashMap<Resource, i64>) -> String {
    service
        .resources()
        .iter()
        .map(|r| match limits.get(r) {
            Some(-1) => format!("{}=unlimited", r.code()),
            Some(n) => format!("{}={n}", r.code()),
            None => format!("{}=-", r.code()),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Sets the operator's quotas of a project for one service.
pub async fn set_project_quotas(
    db: &Db,
    actor_id: Option<AccountId>,
    project_id: ProjectId,
    service: QuotaService,
    values: &[(Resource, QuotaLimit)],
) -> sqlx::Result<()> {
    let mut tx = db.begin_immediate().await?;
    set_project_quotas_in(&mut tx, actor_id, project_id, service, values).await?;
    tx.commit().await
}

/// The same, in the caller's transaction (an approved quota request).
pub async fn set_project_quotas_in(
    tx: &mut Tx,
    actor_id: Option<AccountId>,
    project_id: ProjectId,
    service: QuotaService,
    values: &[(Resource, QuotaLimit)],
) -> sqlx::Result<()> {
    let before = store::limits_in(tx, project_id, None, service).await?;
    for &(resource, limit) in values {
        store::upsert_project_quota(tx, project_id, service, resource, limit).await?;
    }
    let after = store::limits_in(tx, project_id, None, service).await?;
    let change = Change {
        actor_id,
        project_id: Some(project_id),
        subject_id: None,
        action: "quota.project.set",
        target: service.code(),
        before: &describe(service, &before),
        after: &describe(service, &after),
    };
    activity::service::record_in(tx, change).await
}

/// Sets a member's quotas for one service, never above the project's (the
/// check and the write in one transaction), recording before → after.
pub async fn set_member_quotas(
    db: &Db,
    actor_id: AccountId,
    project_id: ProjectId,
    account_id: AccountId,
    username: &str,
    service: QuotaService,
    values: &[(Resource, QuotaLimit)],
) -> Result<(), QuotaError> {
    let mut tx = db.begin_immediate().await?;
    set_member_quotas_in(&mut tx, actor_id, project_id, account_id, username, service, values).await?;
    tx.commit().await?;
    Ok(())
}

/// The same, in the caller's transaction (an approved quota request).
pub async fn set_member_quotas_in(
    tx: &mut Tx,
    actor_id: AccountId,
    project_id: ProjectId,
    account_id: AccountId,
    username: &str,
    service: QuotaService,
    values: &[(Resource, QuotaLimit)],
) -> Result<(), QuotaError> {
    let project = store::limits_in(tx, project_id, None, service).await?;
    for &(resource, limit) in values {
        let project_limit = match project.get(&resource).copied().unwrap_or(0) {
            -1 => None,
            n => Some(n),
        };
        if above_project(limit, project_limit) {
            return Err(QuotaError::AboveProject {
                resource,
                limit: project_limit.unwrap_or(0),
            });
        }
    }
    let before = store::limits_in(tx, project_id, Some(account_id), service).await?;
    for &(resource, limit) in values {
        store::upsert_member_quota(tx, project_id, account_id, service, resource, limit).await?;
    }
    let after = store::limits_in(tx, project_id, Some(account_id), service).await?;
    let target = format!("{username} {}", service.code());
    let change = Change {
        actor_id: Some(actor_id),
        project_id: Some(project_id),
        subject_id: Some(account_id),
        action: "quota.member.set",
        target: &target,
        before: &describe(service, &before),
        after: &describe(service, &after),
    };
    activity::service::record_in(tx, change).await?;
    Ok(())
}

/// Forgets a departing member's quotas in the project.
pub async fn forget_member_in(tx: &mut Tx, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<()> {
    store::delete_member_quotas(tx, project_id, account_id).await
}

/// Releases every live allocation of the member in the project.
pub async fn release_all_in(tx: &mut Tx, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<()> {
    store::release_all_of(tx, project_id, account_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_quota_stays_under_the_projects() {
        assert!(!above_project(QuotaLimit(4), Some(8)));
        assert!(!above_project(QuotaLimit(8), Some(8)));
        assert!(above_project(QuotaLimit(9), Some(8)));
        assert!(!above_project(QuotaLimit(-1), Some(8)));
        assert!(!above_project(QuotaLimit(1_000), None));
        assert!(above_project(QuotaLimit(1), Some(0)));
    }
}
