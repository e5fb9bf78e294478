//! The Quota page (tenant admins only) and its Edit Quota dialog.

use super::views::{EditPage, MemberRow, QuotaField, QuotaPage, SavedFragment};
use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{QuotaLimit, QuotaService, store};
use crate::{
    AppState,
    auth::TenantAdmin,
    auth::identity::{AccountId, ProjectId},
    error::AppError,
    projects::{self as members, Member},
    web::{html, i18n::Msg, see_other},
};

#[derive(Deserialize)]
pub struct ServiceQuery {
    service: Option<String>,
}

/// The Quota page's address: the service, a search of the members, a page.
#[derive(Deserialize)]
pub struct PageQuery {
    service: Option<String>,
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

/// Members shown on one page of the Quota page.
const PAGE_SIZE: i64 = 50;

fn service_of(query: &ServiceQuery) -> Result<QuotaService, AppError> {
    service_named(query.service.as_deref())
}

fn service_named(code: Option<&str>) -> Result<QuotaService, AppError> {
    match code {
        None | Some("") => Ok(QuotaService::Ccs),
        Some(code) => QuotaService::parse(code).ok_or(AppError::BadRequest(Msg::new("quota-unknown-service"))),
    }
}

pub async fn page(
    admin: TenantAdmin,
    query: web::Query<PageQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let service = service_named(query.service.as_deref())?;
    let search: String = query.q.trim().chars().take(64).collect();
    let page = query.page.unwrap_or(1).clamp(1, i64::MAX / PAGE_SIZE);
    let db = &state.db;
    let project_id = current.tenant.project_id;
    let l = current.viewer.layout();
    let asked = members::service::MemberPageAsked {
        project_id,
        search: search.clone(),
        limit: PAGE_SIZE,
        offset: (page - 1) * PAGE_SIZE,
    };
    let read = members::service::remembered_member_page(&state, asked).await?;
    let matching = read.matching;
    let names = read
        .members
        .iter()
        .map(|member| store::MemberName {
            account_id: member.account_id,
            username: member.username.clone(),
            display_name: member.display_name.clone(),
        })
        .collect();
    let (project, members, live) = store::with_gauges(db, project_id, service, names).await?;
    let mut figures = HashMap::new();
    let rows = members
        .into_iter()
        .map(|(member, gauges)| MemberRow::new(&l, member, gauges, &project, &mut figures))
        .collect();
    // Listed only when there are some (most of the time, in most projects).
    let (allocations, live_total) = match live {
        0 => (Vec::new(), 0),
        _ => store::live_allocations_of_project(db, project_id, service, 100).await?,
    };
    html(&QuotaPage {
        l,
        service,
        services: QuotaService::ALL,
        project,
        rows,
        search,
        page,
        pages: ((matching + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        matching,
        allocations,
        live_total,
    })
}

/// A tenant admin releases any live allocation of the project (a removed
/// member's, one whose service forgot it).
pub async fn release(
    admin: TenantAdmin,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let write = store::AllocationWrite::Release {
        project_id: current.tenant.project_id,
        account_id: None,
        id: *path,
    };
    let store::Outcome::Released(released) = state.allocations.apply(write).await? else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "a release answered as an admission"
        )));
    };
    let released = released.ok_or(AppError::NotFound)?;
    current
        .viewer
        .flash(true, Msg::new("quota-allocation-released").arg("id", released.id));
    let service = released.service;
    Ok(crate::web::redirect_after_post(
        current.viewer.htmx,
        &format!("/quota?service={}", service.code()),
    ))
}

async fn member_of(admin: &TenantAdmin, account_id: AccountId, state: &AppState) -> Result<Member, AppError> {
    let current = &admin.0;
    members::service::member(&state.db, current.tenant.project_id, account_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The fields as stored now: each member limit, its usage, the project's limit.
async fn current_fields(
    db: &crate::db::Db,
    project_id: ProjectId,
    account_id: AccountId,
    service: QuotaService,
) -> Result<Vec<QuotaField>, AppError> {
    let mine = store::member_gauges(db, project_id, account_id, service).await?;
    let project = store::project_gauges(db, project_id, service).await?;
    Ok(mine
        .iter()
        .zip(project.iter())
        .map(|(gauge, project)| QuotaField {
            resource: gauge.resource,
            value: gauge.limit.map_or("-1".to_string(), |l| l.to_string()),
            usage: gauge.usage,
            project_limit: project.limit,
            error: None,
        })
        .collect())
}

pub async fn edit_dialog(
    admin: TenantAdmin,
    path: web::Path<AccountId>,
    query: web::Query<ServiceQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let service = service_of(&query)?;
    let member = member_of(&admin, *path, &state).await?;
    let current = &admin.0;
    let fields = current_fields(&state.db, current.tenant.project_id, member.account_id, service).await?;
    let page = EditPage {
        l: current.viewer.layout(),
        service,
        member,
        fields,
    };
    crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html)
}

/// Saves a member's quotas. Every field is checked (a whole number from -1,
/// not above the project's quota); any error re-shows the dialog with the
/// messages next to the fields and saves nothing.
pub async fn save(
    admin: TenantAdmin,
    path: web::Path<AccountId>,
    query: web::Query<ServiceQuery>,
    form: web::Form<HashMap<String, String>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let service = match form.get("service") {
        Some(code) => QuotaService::parse(code).ok_or(AppError::BadRequest(Msg::new("quota-unknown-service")))?,
        None => service_of(&query)?,
    };
    let member = member_of(&admin, *path, &state).await?;
    let current = &admin.0;
    let db = &state.db;
    let project_id = current.tenant.project_id;
    let mut fields = current_fields(db, project_id, member.account_id, service).await?;

    let mut values = Vec::new();
    let mut invalid = false;
    for field in &mut fields {
        let raw = form.get(field.resource.code()).map(String::as_str).unwrap_or("");
        field.value = raw.chars().take(24).collect();
        let checked = QuotaLimit::parse(raw, field.resource.code()).and_then(|limit| {
            if super::service::above_project(limit, field.project_limit) {
                Err(AppError::Invalid {
                    field: "quota".into(),
                    message: Msg::new("quota-above-project")
                        .arg("limit", field.project_limit.unwrap_or(0))
                        .arg("resource", field.resource.code()),
                })
            } else {
                Ok(limit)
            }
        });
        match checked {
            Ok(limit) => values.push((field.resource, limit)),
            Err(err) => {
                invalid = true;
                field.error = Some(err.message().in_lang(current.viewer.lang));
            }
        }
    }
    if invalid {
        let page = EditPage {
            l: current.viewer.layout(),
            service,
            member,
            fields,
        };
        let body = crate::web::page_body!(current.viewer.htmx, page)?;
        return Ok(crate::web::unprocessable(body));
    }

    // Checked again where it counts: with the write, in one transaction.
    super::service::set_member_quotas(
        db,
        current.account.id,
        project_id,
        member.account_id,
        &member.username,
        service,
        &values,
    )
    .await?;
    let below_usage = fields
        .iter()
        .zip(values.iter())
        .any(|(field, (_, limit))| !limit.is_unlimited() && field.usage > limit.0);
    let message = Msg::new("quota-saved").arg("name", &member.display_name);
    let warning = below_usage.then(|| Msg::new("quota-below-usage"));

    if !current.viewer.htmx {
        match warning {
            Some(warning) => current.viewer.flash_all(false, &[message, warning]),
            None => current.viewer.flash(true, message),
        }
        return Ok(see_other(&format!("/quota?service={}", service.code())));
    }
    let gauges = store::member_gauges(db, project_id, member.account_id, service).await?;
    let lang = current.viewer.lang;
    let l = current.viewer.layout();
    let name = store::MemberName {
        account_id: member.account_id,
        username: member.username,
        display_name: member.display_name,
    };
    let project = store::project_gauges(db, project_id, service).await?;
    let row = MemberRow::new(&l, name, gauges, &project, &mut HashMap::new());
    let fragment = SavedFragment {
        l,
        service,
        row,
        message: message.in_lang(lang),
        warning: warning.map(|w| w.in_lang(lang)),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("HX-Trigger", "close-dialog"))
        .body(fragment.render()?))
}
