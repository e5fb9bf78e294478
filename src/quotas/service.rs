//! The rules of quotas: a member's quota never above the project's, checked
//! and written in one transaction; every change recorded before → after.
//! (Who may be admitted is `admission.rs`.)

use std::collections::HashMap;

use super::{QuotaLimit, QuotaService, Resource, store};
use crate::{
    activity::{self, Change, ChangeKind},
    auth::identity::{AccountId, ProjectId},
    db::{Db, Tx},
    error::AppError,
    notices::{
        NoticeKind,
        service::{self as notices, Notice},
    },
    web::i18n::Msg,
};

/// Reads the other capabilities may make of quotas and allocations.
pub use super::store::{
    Admission, Allocation, AllocationWrite, MemberName, Outcome, admit, allocation_service, live_allocations,
    member_gauges, members_with_gauges, project_gauges,
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
                message: Msg::new("quota-above-project")
                    .arg("limit", limit)
                    .arg("resource", resource.code()),
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
        action: ChangeKind::ProjectQuota,
        target: service.code(),
        before: &describe(service, &before),
        after: &describe(service, &after),
    };
    activity::service::record_in(tx, change).await
}

/// Refuses member quotas above the project's (a member's request for more
/// than the project has is refused when it is filed, as its approval
/// would be).
pub async fn within_project_in(
    tx: &mut Tx,
    project_id: ProjectId,
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
    Ok(())
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
    within_project_in(tx, project_id, service, values).await?;
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
        action: ChangeKind::MemberQuota,
        target: &target,
        before: &describe(service, &before),
        after: &describe(service, &after),
    };
    activity::service::record_in(tx, change).await?;
    Ok(())
}

/// The thresholds of a quota's use that are told of, in percent.
pub const THRESHOLDS: [i64; 3] = [80, 95, 100];

/// The highest threshold `used` has reached of `quota` (0: none).
pub fn threshold_level(used: i64, quota: i64) -> i64 {
    if quota <= 0 {
        return 0;
    }
    THRESHOLDS
        .iter()
        .rev()
        .find(|&&t| i128::from(used) * 100 >= i128::from(t) * i128::from(quota))
        .copied()
        .unwrap_or(0)
}

/// Tells of quotas whose use crossed 80, 95 or 100 % upwards since the last
/// check: a member's to the member and the tenant admins, a project's to the
/// tenant admins. A threshold is told of once per crossing: again only
/// after the use fell back below it. Returns how many crossings were told.
pub async fn notify_thresholds(db: &Db) -> sqlx::Result<usize> {
    let levels = store::alert_levels(db).await?;
    let mut told = 0;
    for quota in store::filled_quotas(db).await? {
        let scope = match &quota.account {
            Some((account_id, _)) => format!(
                "m:{}:{}:{}:{}",
                quota.project_id, account_id, quota.service, quota.resource
            ),
            None => format!("p:{}:{}:{}", quota.project_id, quota.service, quota.resource),
        };
        let before = levels.get(&scope).copied().unwrap_or(0);
        let now = threshold_level(quota.used, quota.quota);
        if now == before {
            continue;
        }
        let mut tx = db.begin_immediate().await?;
        if store::set_alert_level(&mut tx, &scope, quota.project_id, before, now).await? && now > before {
            let subject = format!("{}:{}:{now}", quota.service, quota.resource);
            let admins = crate::auth::identity::tenant_admins_in(&mut tx, quota.project_id).await?;
            let admin_link = format!("/quota?service={}", quota.service);
            let (member, name) = match &quota.account {
                Some((id, name)) => (Some(*id), name.as_str()),
                None => (None, ""),
            };
            let mut notice = Notice {
                kind: NoticeKind::QuotaThreshold,
                actor: name,
                project: &quota.project_code,
                subject: &subject,
                link: &admin_link,
            };
            let admins: Vec<AccountId> = admins.into_iter().filter(|a| Some(*a) != member).collect();
            notices::send_in(&mut tx, &admins, &notice).await?;
            if let Some(member) = member {
                notice.link = "/quota/mine";
                notices::send_in(&mut tx, &[member], &notice).await?;
            }
            told += 1;
        }
        // (Also when it only fell: the next rise is told again.)
        tx.commit().await?;
    }
    Ok(told)
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
    fn thresholds_are_reached_at_80_95_and_100_percent() {
        assert_eq!(threshold_level(79, 100), 0);
        assert_eq!(threshold_level(80, 100), 80);
        assert_eq!(threshold_level(8, 10), 80);
        assert_eq!(threshold_level(19, 20), 95);
        assert_eq!(threshold_level(7, 8), 80);
        assert_eq!(threshold_level(8, 8), 100);
        assert_eq!(threshold_level(12, 8), 100);
        assert_eq!(threshold_level(5, 0), 0);
        assert_eq!(threshold_level(i64::MAX, i64::MAX), 100);
    }

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
