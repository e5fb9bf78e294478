//! Handlers of the Account & Project overview and its Members tab.

use super::views::{MembersPage, OverviewPage, RemovePage, ServiceUsage};
use crate::auth::identity::AccountId;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{
    Member,
    service::{self, MemberError},
};
use crate::{
    AppState, accounts,
    auth::CurrentUser,
    auth::{CurrentTenant, TenantAdmin},
    error::AppError,
    projects::TenantRole,
    quotas::{Gauge, QuotaService, service as quota_service},
    web::{FieldErrors, i18n::Msg, redirect_after_post},
};

/// Members shown on one page of the Members tab.
const PAGE_SIZE: i64 = 50;

/// The Members tab's address: a search of the members, a page.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

async fn page(
    current: &CurrentTenant,
    listing: &ListQuery,
    identifier: String,
    role: String,
    errors: FieldErrors,
    state: &AppState,
) -> Result<MembersPage, AppError> {
    let search: String = listing.q.trim().chars().take(64).collect();
    let page = listing.page.unwrap_or(1).clamp(1, i64::MAX / PAGE_SIZE);
    let asked = service::MemberPageAsked {
        project_id: current.tenant.project_id,
        search: search.clone(),
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
    };
    let read = service::remembered_member_page(state, asked).await?;
    let matching = read.matching;
    Ok(MembersPage {
        l: current.viewer.layout(),
        tab: "members",
        members: read.members.clone(),
        search,
        page,
        pages: ((matching + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        matching,
        me: current.account.id,
        identifier,
        role,
        errors,
    })
}

pub async fn list(
    current: CurrentTenant,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let page = page(
        &current,
        &query,
        String::new(),
        "tenant_user".into(),
        FieldErrors::default(),
        &state,
    )
    .await?;
    crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html)
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    identifier: String,
    #[serde(default)]
    role: String,
}

/// Adds an existing account, found by exact username or email.
pub async fn add(
    admin: TenantAdmin,
    form: web::Form<AddForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let db = &state.db;
    let lang = current.viewer.lang;
    let identifier = form.identifier.trim();
    let mut errors = FieldErrors::default();
    let role = TenantRole::parse(&form.role);
    if role.is_none() {
        errors.add(AppError::invalid("role", "member-role-invalid"), lang)?;
    }
    let account = if identifier.contains('@') {
        accounts::service::by_email(db, identifier).await?
    } else {
        accounts::service::by_username(db, &identifier.to_ascii_lowercase()).await?
    };
    if account.is_none() {
        errors.add(AppError::invalid("identifier", "member-unknown"), lang)?;
    }
    if let (Some(account), Some(role)) = (&account, role) {
        let added = service::add(
            db,
            Some(current.account.id),
            current.tenant.project_id,
            account.id,
            &account.username,
            role,
        )
        .await;
        match added {
            Ok(()) => {
                current
                    .viewer
                    .flash(true, Msg::new("member-added").arg("name", &account.display_name));
                return Ok(redirect_after_post(current.viewer.htmx, "/account/members"));
            }
            Err(MemberError::Exists) => {
                errors.add(AppError::invalid("identifier", "member-exists"), lang)?;
            }
            Err(err) => return Err(err.into()),
        }
    }
    let page = page(
        &current,
        &ListQuery::default(),
        identifier.chars().take(254).collect(),
        form.role.chars().take(16).collect(),
        errors,
        &state,
    )
    .await?;
    let body = crate::web::page_body!(current.viewer.htmx, page)?;
    Ok(crate::web::unprocessable(body))
}

async fn member_of(current: &CurrentTenant, account_id: AccountId, state: &AppState) -> Result<Member, AppError> {
    service::member(&state.db, current.tenant.project_id, account_id)
        .await?
        .ok_or(AppError::NotFound)
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn set_role(
    admin: TenantAdmin,
    path: web::Path<AccountId>,
    form: web::Form<RoleForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let member = member_of(&current, *path, &state).await?;
    let role = TenantRole::parse(&form.role).ok_or(AppError::BadRequest(Msg::new("member-role-invalid")))?;
    let db = &state.db;
    match service::set_role(
        db,
        current.account.id,
        current.tenant.project_id,
        member.account_id,
        &member.username,
        role,
    )
    .await
    {
        Ok(()) => current.viewer.flash(
            true,
            Msg::new("member-role-changed")
                .arg("name", &member.display_name)
                .arg("role", current.viewer.lang.t(role.label_key())),
        ),
        Err(MemberError::LastAdmin) => current.viewer.flash(false, Msg::new("member-last-admin")),
        Err(err) => return Err(err.into()),
    }
    Ok(redirect_after_post(current.viewer.htmx, "/account/members"))
}

pub async fn remove_dialog(
    admin: TenantAdmin,
    path: web::Path<AccountId>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let member = member_of(&current, *path, &state).await?;
    let live_allocations =
        crate::quotas::service::live_allocations(&state.db, current.tenant.project_id, member.account_id, None, 1000)
            .await?
            .len();
    let page = RemovePage {
        l: current.viewer.layout(),
        member,
        live_allocations,
    };
    crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html)
}

#[derive(Deserialize)]
pub struct RemoveForm {
    /// Whether to release the member's live allocations too.
    #[serde(default)]
    release_allocations: Option<String>,
}

pub async fn remove(
    admin: TenantAdmin,
    path: web::Path<AccountId>,
    form: web::Form<RemoveForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let member = member_of(&current, *path, &state).await?;
    let db = &state.db;
    match service::remove(
        db,
        current.account.id,
        current.tenant.project_id,
        member.account_id,
        &member.username,
        form.release_allocations.as_deref() == Some("true"),
    )
    .await
    {
        Ok(()) => current
            .viewer
            .flash(true, Msg::new("member-removed").arg("name", &member.display_name)),
        Err(MemberError::LastAdmin) => current.viewer.flash(false, Msg::new("member-last-admin")),
        Err(err) => return Err(err.into()),
    }
    // An admin who removed themselves is no longer in the project.
    let next = if member.account_id == current.account.id {
        "/"
    } else {
        "/account/members"
    };
    Ok(redirect_after_post(current.viewer.htmx, next))
}

// ----- overview -----

pub async fn overview(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let tenants = crate::projects::service::tenants_of(db, user.account.id).await?;
    let mut usage = Vec::new();
    if let Some(tenant) = &user.viewer.tenant {
        for service in QuotaService::ALL {
            let mine = quota_service::member_gauges(db, tenant.project_id, user.account.id, service).await?;
            let project = quota_service::project_gauges(db, tenant.project_id, service).await?;
            let gauges = mine
                .into_iter()
                .zip(project)
                .map(|(mine, project)| Gauge {
                    limit: mine.limit.or(project.limit),
                    ..mine
                })
                .collect();
            usage.push(ServiceUsage { service, gauges });
        }
    }
    let page = OverviewPage {
        l: user.viewer.layout(),
        tab: "overview",
        current: user.viewer.tenant.clone(),
        user: user.account,
        tenants,
        usage,
    };
    crate::web::page_body!(user.viewer.htmx, page).map(crate::web::ok_html)
}
