//! The rules of quota requests: who may file, see, withdraw and decide
//! them; one open request per requester, kind and service; a decision
//! applied with the request's end in one transaction, so that of two
//! deciders at once exactly one decides.

use super::{Decision, NewRequest, RequestKind, RequestStatus, store};
use crate::{
    activity::{self, Change, ChangeKind},
    auth::identity::{AccountId, ProjectId},
    db::{Db, Tx},
    error::AppError,
    notices::{
        NoticeKind,
        service::{self as notices, Notice},
    },
    quotas::{
        QuotaLimit, Resource,
        service::{self as quotas, QuotaError},
    },
    web::i18n::Msg,
};
use actix_web::http::StatusCode;

pub use super::store::{Event, Item, ListFilter, QuotaRequest};

/// Who acts on a request.
#[derive(Debug, Clone, Copy)]
pub struct Actor<'a> {
    pub id: AccountId,
    pub name: &'a str,
}

/// Why a request could not be filed, withdrawn or decided.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("no such request (for this person)")]
    NotFound,
    #[error("not for this person to do")]
    Forbidden,
    #[error("request {0} is already open")]
    AlreadyOpen(i64),
    #[error("the request is {0:?}, no longer open")]
    NotOpen(RequestStatus),
    #[error("the project is not active")]
    ProjectNotActive,
    #[error("a renewal must end after the project's end, {0}")]
    NotLater(time::Date),
    /// A field of the form or body is wrong (the message names it).
    #[error("invalid input")]
    Invalid(AppError),
    #[error(transparent)]
    Quota(#[from] QuotaError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<RequestError> for AppError {
    fn from(err: RequestError) -> Self {
        let refused = |code, message: Msg, details| AppError::Refused {
            status: StatusCode::CONFLICT,
            code,
            message,
            details,
        };
        match err {
            RequestError::NotFound => AppError::NotFound,
            RequestError::Forbidden => AppError::Forbidden,
            RequestError::AlreadyOpen(id) => refused(
                "request_already_open",
                Msg::new("request-already-open").arg("id", id),
                Some(serde_json::json!({ "id": id })),
            ),
            RequestError::NotOpen(status) => refused(
                "request_not_open",
                Msg::new("request-not-open"),
                Some(serde_json::json!({ "status": status.code() })),
            ),
            RequestError::ProjectNotActive => refused("project_not_active", Msg::new("request-project-inactive"), None),
            RequestError::NotLater(ends_on) => AppError::Invalid {
                field: "ends_on".into(),
                message: Msg::new("request-ends-on-later").arg("date", ends_on),
            },
            RequestError::Invalid(err) => err,
            RequestError::Quota(err) => err.into(),
            RequestError::Db(err) => err.into(),
        }
    }
}

impl RequestError {
    /// Whether the person can put it right in the form they sent.
    pub fn is_for_the_form(&self) -> bool {
        matches!(
            self,
            RequestError::Invalid(_)
                | RequestError::Quota(QuotaError::AboveProject { .. })
                | RequestError::AlreadyOpen(_)
                | RequestError::ProjectNotActive
                | RequestError::NotLater(_)
        )
    }
}

/// What a decision came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    Approved,
    Declined,
    /// No longer possible (the requester left, the project closed): closed
    /// with that reason instead.
    Closed,
}

/// `cpu=8 gpu=unlimited` (as the activity log describes quotas).
fn describe(items: &[(Resource, i64)]) -> String {
    items
        .iter()
        .map(|(resource, n)| match n {
            -1 => format!("{}=unlimited", resource.code()),
            n => format!("{}={n}", resource.code()),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// `#12 ccs`, `#13` (a renewal): the activity log's target.
fn target(id: i64, request_service: Option<&str>) -> String {
    match request_service {
        Some(service) => format!("#{id} {service}"),
        None => format!("#{id}"),
    }
}

/// Where a request is seen by whom: the operators' console or the portal.
pub fn link(id: i64, for_operators: bool) -> String {
    if for_operators {
        format!("/operator/quota-requests/{id}")
    } else {
        format!("/quota-requests/{id}")
    }
}

/// Files a request in `project_id`: a member asks for member quota, a
/// tenant admin for project quota or a renewal. The deciders are told.
pub async fn file(db: &Db, actor: Actor<'_>, project_id: ProjectId, new: &NewRequest) -> Result<i64, RequestError> {
    let mut tx = db.begin_immediate().await?;
    let role = store::role_in(&mut tx, project_id, actor.id)
        .await?
        .ok_or(RequestError::NotFound)?;
    if new.kind.for_operators() && role != "tenant_admin" {
        return Err(RequestError::Forbidden);
    }
    if store::project_status_in(&mut tx, project_id).await?.as_deref() != Some("active") {
        return Err(RequestError::ProjectNotActive);
    }
    if let Some(asked) = new.ends_on {
        later_than_now(&mut tx, project_id, asked).await?;
    }
    let service = new.service.map_or("", |s| s.code());
    if let Some(open) = store::open_one(&mut tx, project_id, actor.id, new.kind, service).await? {
        return Err(RequestError::AlreadyOpen(open));
    }
    member_asks_within_project(&mut tx, project_id, new).await?;
    let items = asked_items(new);
    let at = crate::db::now();
    let insert = insert_of(new, project_id, actor.id, &items, at);
    let id = store::insert_in(&mut tx, &insert).await?;
    store::add_event(&mut tx, id, Some(actor.id), "filed", &new.reason, at).await?;
    let after = match new.ends_on {
        Some(date) => date.to_string(),
        None => describe(&items),
    };
    let action = match new.kind {
        RequestKind::Member => ChangeKind::QuotaRequestMember,
        RequestKind::Project => ChangeKind::QuotaRequestProject,
        RequestKind::Renewal => ChangeKind::QuotaRequestRenewal,
    };
    activity::service::record_in(
        &mut tx,
        Change {
            actor_id: Some(actor.id),
            project_id: Some(project_id),
            subject_id: Some(actor.id),
            action,
            target: &target(id, new.service.map(|s| s.code())),
            before: "",
            after: &after,
        },
    )
    .await?;
    let project = crate::auth::identity::project_code_in(&mut tx, project_id).await?;
    let deciders: Vec<AccountId> = store::deciders_in(&mut tx, project_id, new.kind)
        .await?
        .into_iter()
        .filter(|id| *id != actor.id)
        .collect();
    let notice = Notice {
        kind: NoticeKind::QuotaRequestFiled,
        actor: actor.name,
        project: &project,
        subject: &id.to_string(),
        link: &link(id, new.kind.for_operators()),
    };
    notices::send_in(&mut tx, &deciders, &notice).await?;
    tx.commit().await?;
    Ok(id)
}

fn asked_items(new: &NewRequest) -> Vec<(Resource, i64)> {
    new.resources.iter().map(|(r, l)| (*r, l.0)).collect()
}

fn insert_of<'a>(
    new: &'a NewRequest,
    project_id: ProjectId,
    requester_id: AccountId,
    items: &'a [(Resource, i64)],
    at: i64,
) -> store::Insert<'a> {
    store::Insert {
        project_id,
        requester_id,
        kind: new.kind,
        service: new.service.map_or("", |s| s.code()),
        reason: &new.reason,
        needed_until: new.needed_until.map(|d| d.to_string()).unwrap_or_default(),
        ends_on: new.ends_on.map(|d| d.to_string()).unwrap_or_default(),
        items,
        at,
    }
}

/// The requester changes what their open request asks (the same checks as
/// filing it); the deciders are told.
pub async fn edit(db: &Db, actor: Actor<'_>, id: i64, new: &NewRequest) -> Result<(), RequestError> {
    let mut tx = db.begin_immediate().await?;
    let request = store::get_in(&mut tx, id).await?.ok_or(RequestError::NotFound)?;
    if request.requester_id != actor.id || request.kind != new.kind || request.service != new.service {
        return Err(RequestError::NotFound);
    }
    if request.status != RequestStatus::Open {
        return Err(RequestError::NotOpen(request.status));
    }
    if let Some(asked) = new.ends_on {
        later_than_now(&mut tx, request.project_id, asked).await?;
    }
    member_asks_within_project(&mut tx, request.project_id, new).await?;
    let items = asked_items(new);
    let at = crate::db::now();
    store::update_in(&mut tx, id, &insert_of(new, request.project_id, actor.id, &items, at)).await?;
    store::add_event(&mut tx, id, Some(actor.id), "edited", &new.reason, at).await?;
    let after = new.ends_on.map_or_else(|| describe(&items), |d| d.to_string());
    record_step(&mut tx, &request, Some(actor.id), ChangeKind::QuotaRequestEdit, &after).await?;
    tell_deciders(&mut tx, &request, NoticeKind::QuotaRequestEdited, actor).await?;
    tx.commit().await?;
    Ok(())
}

/// A member's request asks no more than the project has: its tenant
/// admins could not grant it.
async fn member_asks_within_project(tx: &mut Tx, project_id: ProjectId, new: &NewRequest) -> Result<(), RequestError> {
    if let (RequestKind::Member, Some(service)) = (new.kind, new.service) {
        quotas::within_project_in(tx, project_id, service, &new.resources).await?;
    }
    Ok(())
}

async fn tell_deciders(tx: &mut Tx, request: &QuotaRequest, kind: NoticeKind, actor: Actor<'_>) -> sqlx::Result<()> {
    let deciders: Vec<AccountId> = store::deciders_in(tx, request.project_id, request.kind)
        .await?
        .into_iter()
        .filter(|id| *id != actor.id)
        .collect();
    let notice = Notice {
        kind,
        actor: actor.name,
        project: &request.project_code,
        subject: &request.id.to_string(),
        link: &link(request.id, request.kind.for_operators()),
    };
    notices::send_in(tx, &deciders, &notice).await
}

/// The requester takes back their open request.
pub async fn withdraw(db: &Db, actor: Actor<'_>, id: i64) -> Result<(), RequestError> {
    let mut tx = db.begin_immediate().await?;
    let request = store::get_in(&mut tx, id).await?.ok_or(RequestError::NotFound)?;
    if request.requester_id != actor.id {
        return Err(RequestError::NotFound);
    }
    let at = crate::db::now();
    if !store::end_in(&mut tx, id, RequestStatus::Withdrawn, None, "", "", at).await? {
        return Err(RequestError::NotOpen(request.status));
    }
    store::add_event(&mut tx, id, Some(actor.id), "withdrawn", "", at).await?;
    record_step(&mut tx, &request, Some(actor.id), ChangeKind::QuotaRequestWithdraw, "").await?;
    tell_deciders(&mut tx, &request, NoticeKind::QuotaRequestWithdrawn, actor).await?;
    tx.commit().await?;
    Ok(())
}

async fn record_step(
    tx: &mut Tx,
    request: &QuotaRequest,
    actor_id: Option<AccountId>,
    action: ChangeKind,
    after: &str,
) -> sqlx::Result<()> {
    let change = Change {
        actor_id,
        project_id: Some(request.project_id),
        subject_id: Some(request.requester_id),
        action,
        target: &target(request.id, request.service.map(|s| s.code())),
        before: "",
        after,
    };
    activity::service::record_in(tx, change).await
}

/// Who decides: a tenant admin (member requests of their project) or an
/// operator (project quota and renewals).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidingAs {
    TenantAdmin,
    Operator,
}

/// Decides an open request. Approval applies the figures (or end date)
/// in the same transaction, under the Edit Quota rules; a request no
/// longer possible is closed instead. Of two deciders at once, the second
/// finds it no longer open.
pub async fn decide(
    db: &Db,
    actor: Actor<'_>,
    deciding_as: DecidingAs,
    id: i64,
    decision: &Decision,
    comment: &str,
) -> Result<Decided, RequestError> {
    let mut tx = db.begin_immediate().await?;
    let request = store::get_in(&mut tx, id).await?.ok_or(RequestError::NotFound)?;
    match deciding_as {
        DecidingAs::Operator if !request.kind.for_operators() => return Err(RequestError::Forbidden),
        DecidingAs::Operator => {}
        DecidingAs::TenantAdmin => {
            let role = store::role_in(&mut tx, request.project_id, actor.id).await?;
            if role.as_deref() != Some("tenant_admin") {
                return Err(RequestError::NotFound);
            }
            if request.kind.for_operators() {
                return Err(RequestError::Forbidden);
            }
        }
    }
    if request.status != RequestStatus::Open {
        return Err(RequestError::NotOpen(request.status));
    }
    if let Some(reason) = no_longer_possible(&mut tx, &request).await? {
        close_in(&mut tx, &request, reason).await?;
        tx.commit().await?;
        return Ok(Decided::Closed);
    }
    let at = crate::db::now();
    let decided = match decision {
        Decision::Approve { resources, ends_on } => {
            apply(&mut tx, actor, &request, resources, *ends_on).await?;
            let granted_ends_on = ends_on.map(|d| d.to_string()).unwrap_or_default();
            if !store::end_in(
                &mut tx,
                id,
                RequestStatus::Approved,
                Some(actor.id),
                comment,
                &granted_ends_on,
                at,
            )
            .await?
            {
                return Err(RequestError::NotOpen(request.status));
            }
            for (resource, limit) in resources {
                store::grant_in(&mut tx, id, *resource, limit.0).await?;
            }
            let changed = resources
                .iter()
                .zip(&request.items)
                .any(|((_, granted), item)| granted.0 != item.asked)
                || *ends_on != request.ends_on;
            let event = if changed { "changed" } else { "approved" };
            store::add_event(&mut tx, id, Some(actor.id), event, comment, at).await?;
            let granted: Vec<(Resource, i64)> = resources.iter().map(|(r, l)| (*r, l.0)).collect();
            let after = ends_on.map_or_else(|| describe(&granted), |d| d.to_string());
            record_step(
                &mut tx,
                &request,
                Some(actor.id),
                ChangeKind::QuotaRequestApprove,
                &after,
            )
            .await?;
            let kind = if changed {
                NoticeKind::QuotaRequestChanged
            } else {
                NoticeKind::QuotaRequestApproved
            };
            tell_requester(&mut tx, &request, kind, actor.name).await?;
            Decided::Approved
        }
        Decision::Decline => {
            if !store::end_in(&mut tx, id, RequestStatus::Declined, Some(actor.id), comment, "", at).await? {
                return Err(RequestError::NotOpen(request.status));
            }
            store::add_event(&mut tx, id, Some(actor.id), "declined", comment, at).await?;
            record_step(
                &mut tx,
                &request,
                Some(actor.id),
                ChangeKind::QuotaRequestDecline,
                comment,
            )
            .await?;
            tell_requester(&mut tx, &request, NoticeKind::QuotaRequestDeclined, actor.name).await?;
            Decided::Declined
        }
    };
    tx.commit().await?;
    Ok(decided)
}

/// Applies an approval: the member's or project's quota, or the end date.
async fn apply(
    tx: &mut Tx,
    actor: Actor<'_>,
    request: &QuotaRequest,
    resources: &[(Resource, QuotaLimit)],
    ends_on: Option<time::Date>,
) -> Result<(), RequestError> {
    match (request.kind, request.service) {
        (RequestKind::Member, Some(service)) => {
            quotas::set_member_quotas_in(
                tx,
                actor.id,
                request.project_id,
                request.requester_id,
                &request.requester_username,
                service,
                resources,
            )
            .await?
        }
        (RequestKind::Project, Some(service)) => {
            quotas::set_project_quotas_in(tx, Some(actor.id), request.project_id, service, resources).await?
        }
        (RequestKind::Renewal, _) => {
            let Some(ends_on) = ends_on else {
                return Err(RequestError::Forbidden);
            };
            later_than_now(tx, request.project_id, ends_on).await?;
            store::set_project_ends_on_in(tx, request.project_id, &ends_on.to_string()).await?;
        }
        // A quota request always names its service (`NewRequest::parse`).
        (_, None) => return Err(RequestError::NotFound),
    }
    Ok(())
}

/// A renewal extends: its date is after the project's end now.
async fn later_than_now(tx: &mut Tx, project_id: ProjectId, asked: time::Date) -> Result<(), RequestError> {
    match store::project_ends_on_in(tx, project_id).await? {
        Some(now) if asked <= now => Err(RequestError::NotLater(now)),
        _ => Ok(()),
    }
}

/// Why an open request can no longer be granted, if so: the requester
/// left the project (or, for the operators' kinds, is no longer its
/// tenant admin), or the project is no longer active.
async fn no_longer_possible(tx: &mut Tx, request: &QuotaRequest) -> sqlx::Result<Option<&'static str>> {
    let role = store::role_in(tx, request.project_id, request.requester_id).await?;
    let still = match role.as_deref() {
        None => false,
        Some(role) => !request.kind.for_operators() || role == "tenant_admin",
    };
    if !still {
        return Ok(Some("member-removed"));
    }
    if store::project_status_in(tx, request.project_id).await?.as_deref() != Some("active") {
        return Ok(Some("project-closed"));
    }
    Ok(None)
}

/// Closes an open request by itself, with its reason; the requester is told.
async fn close_in(tx: &mut Tx, request: &QuotaRequest, reason: &str) -> sqlx::Result<()> {
    let at = crate::db::now();
    if store::end_in(tx, request.id, RequestStatus::Closed, None, reason, "", at).await? {
        store::add_event(tx, request.id, None, "closed", reason, at).await?;
        record_step(tx, request, None, ChangeKind::QuotaRequestClose, reason).await?;
        tell_requester(tx, request, NoticeKind::QuotaRequestClosed, "").await?;
    }
    Ok(())
}

async fn tell_requester(tx: &mut Tx, request: &QuotaRequest, kind: NoticeKind, actor: &str) -> sqlx::Result<()> {
    let notice = Notice {
        kind,
        actor,
        project: &request.project_code,
        subject: &request.id.to_string(),
        link: &link(request.id, false),
    };
    notices::send_in(tx, &[request.requester_id], &notice).await
}

/// Closes a departing member's open requests (in the removal's transaction).
pub async fn close_for_departure_in(tx: &mut Tx, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<()> {
    for id in store::open_of_member_in(tx, project_id, account_id).await? {
        if let Some(request) = store::get_in(tx, id).await? {
            close_in(tx, &request, "member-removed").await?;
        }
    }
    Ok(())
}

/// A request and its history, if `account_id` may see it: its requester,
/// or a tenant admin of its project.
pub async fn visible(db: &Db, id: i64, account_id: AccountId) -> Result<(QuotaRequest, Vec<Event>), RequestError> {
    let request = store::get(db, id).await?.ok_or(RequestError::NotFound)?;
    if request.requester_id != account_id && !is_admin_of(db, request.project_id, account_id).await? {
        return Err(RequestError::NotFound);
    }
    let events = store::events(db, id).await?;
    Ok((request, events))
}

/// A request and its history, for the operators.
pub async fn any(db: &Db, id: i64) -> Result<(QuotaRequest, Vec<Event>), RequestError> {
    let request = store::get(db, id).await?.ok_or(RequestError::NotFound)?;
    let events = store::events(db, id).await?;
    Ok((request, events))
}

pub async fn is_admin_of(db: &Db, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<bool> {
    let mut conn = db.read().acquire().await?;
    Ok(store::role_in(&mut conn, project_id, account_id).await?.as_deref() == Some("tenant_admin"))
}

pub async fn list(db: &Db, filter: &ListFilter, limit: i64, offset: i64) -> sqlx::Result<(Vec<QuotaRequest>, i64)> {
    store::list(db, filter, limit, offset).await
}
