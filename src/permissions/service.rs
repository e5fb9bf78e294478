//! The rules of tenant permissions: what a member may use, changed with a
//! record of before → after, and the defaults a new member gets.

use super::{Service, store};
use crate::{
    activity::{self, Change, ChangeKind},
    auth::identity::{AccountId, ProjectId},
    db::{Db, Tx},
    error::AppError,
    web::i18n::Msg,
};

/// The services a tenant may use (for the other capabilities).
pub async fn permitted_services(db: &Db, membership_id: i64) -> sqlx::Result<Vec<Service>> {
    store::permitted_services(db, membership_id).await
}

pub use super::store::project_permissions;

/// The services named by these codes, once each; an unknown one is refused.
pub async fn chosen(db: &Db, codes: &[&str]) -> Result<Vec<Service>, AppError> {
    let known = store::services(db).await?;
    let mut chosen: Vec<Service> = Vec::new();
    for code in codes {
        let service = Service::parse(code)
            .filter(|s| known.contains(s))
            .ok_or(AppError::BadRequest(Msg::new("permissions-unknown-service")))?;
        if !chosen.contains(&service) {
            chosen.push(service);
        }
    }
    Ok(chosen)
}

/// Every service the cloud has, in order.
pub async fn services(db: &Db) -> sqlx::Result<Vec<Service>> {
    store::services(db).await
}

/// Gives a new membership the configured default services, inside the
/// transaction that makes it.
pub async fn grant_defaults(tx: &mut Tx, membership_id: i64) -> sqlx::Result<()> {
    let services = store::default_services(tx).await?;
    store::replace(tx, membership_id, &services).await
}

/// Replaces a member's permitted services, recording before → after;
/// `false` if the account is no member of the project. With `within` (an
/// API key's scope), only those services change: the member keeps the
/// others as they are, read in the same transaction.
pub async fn set(
    db: &Db,
    actor_id: AccountId,
    project_id: ProjectId,
    account_id: AccountId,
    username: &str,
    services: &[Service],
    within: Option<&[Service]>,
) -> sqlx::Result<bool> {
    let mut tx = db.begin_immediate().await?;
    let Some(membership_id) = store::membership_id(&mut tx, project_id, account_id).await? else {
        return Ok(false);
    };
    let before = store::permitted_in(&mut tx, membership_id).await?;
    let mut services = services.to_vec();
    if let Some(within) = within {
        services.retain(|s| within.contains(s));
        services.extend(before.iter().copied().filter(|s| !within.contains(s)));
    }
    store::replace(&mut tx, membership_id, &services).await?;
    let after = store::permitted_in(&mut tx, membership_id).await?;
    if before != after {
        let change = Change {
            actor_id: Some(actor_id),
            project_id: Some(project_id),
            subject_id: Some(account_id),
            action: ChangeKind::MemberPermissions,
            target: username,
            before: &codes(&before),
            after: &codes(&after),
        };
        activity::service::record_in(&mut tx, change).await?;
    }
    tx.commit().await?;
    Ok(true)
}

/// `ccs,cos`: services as the activity log and settings write them.
fn codes(services: &[Service]) -> String {
    services.iter().map(|s| s.code()).collect::<Vec<_>>().join(",")
}

/// Sets which services new members may use (`None`: all), given by code; an
/// unknown service is refused, naming the ones there are.
pub async fn set_default_services(db: &Db, given: Option<&[String]>) -> Result<(), AppError> {
    let services = match given {
        None => None,
        Some(list) => {
            let mut services = Vec::new();
            for code in list {
                let service = Service::parse(code).ok_or_else(|| {
                    AppError::BadRequest(
                        Msg::new("permissions-unknown-default")
                            .arg("service", code)
                            .arg("known", codes(&Service::ALL).replace(',', ", ")),
                    )
                })?;
                services.push(service);
            }
            Some(services)
        }
    };
    store::set_default_services(db, services.as_deref()).await?;
    Ok(())
}
