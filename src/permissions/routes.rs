//! The Permissions page, its search, and the per-member dialog.

use super::views::{EditPage, PermissionsPage, SavedFragment, TenantRow};
use crate::auth::identity::AccountId;
use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Service, store};
use crate::{
    AppState,
    auth::{CurrentTenant, TenantAdmin},
    error::AppError,
    projects::{self as members, Member},
    web::{html, i18n::Msg, see_other},
};

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    page: Option<i64>,
}

/// Members shown on one page.
const PAGE_SIZE: usize = 50;

/// Whether a member matches a search: in name, username or email, ignoring case.
fn matches(member: &Member, q: &str) -> bool {
    let q = q.trim().to_lowercase();
    q.is_empty()
        || [&member.display_name, &member.username, &member.email]
            .iter()
            .any(|field| field.to_lowercase().contains(&q))
}

async fn rows(current: &CurrentTenant, q: &str, state: &AppState) -> Result<Vec<TenantRow>, AppError> {
    let db = &state.db;
    let project_id = current.tenant.project_id;
    let mut permissions = store::project_permissions(db, project_id).await?;
    Ok(members::service::members(db, project_id)
        .await?
        .into_iter()
        // A tenant user sees only themselves.
        .filter(|m| current.tenant.is_admin() || m.account_id == current.account.id)
        .filter(|m| matches(m, q))
        .map(|member| TenantRow {
            services: permissions.remove(&member.account_id).unwrap_or_default(),
            member,
        })
        .collect())
}

pub async fn page(
    current: CurrentTenant,
    query: web::Query<SearchQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let q: String = query.q.chars().take(100).collect();
    let matching = rows(&current, &q, &state).await?;
    let pages = matching.len().div_ceil(PAGE_SIZE).max(1);
    let page = query.page.unwrap_or(1).clamp(1, 1_000_000) as usize;
    let rows = matching
        .into_iter()
        .skip((page - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .collect();
    let services = store::services(&state.db).await?;
    html(&PermissionsPage {
        l: current.viewer.layout(),
        q,
        rows,
        page: page as i64,
        pages: pages as i64,
        services,
    })
}

async fn row_of(current: &CurrentTenant, account_id: AccountId, state: &AppState) -> Result<TenantRow, AppError> {
    // Tenant users may look only at themselves; anyone else is not there.
    if !current.tenant.is_admin() && account_id != current.account.id {
        return Err(AppError::NotFound);
    }
    let db = &state.db;
    let member = members::service::member(db, current.tenant.project_id, account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let services = store::project_permissions(db, current.tenant.project_id)
        .await?
        .remove(&account_id)
        .unwrap_or_default();
    Ok(TenantRow { member, services })
}

pub async fn dialog(
    current: CurrentTenant,
    path: web::Path<AccountId>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let row = row_of(&current, *path, &state).await?;
    let services = store::services(&state.db).await?;
    let editable = current.tenant.is_admin();
    let page = EditPage {
        l: current.viewer.layout(),
        row,
        services,
        editable,
        losing: String::new(),
    };
    crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html)
}

/// Saves the services a member may use (tenant admins only).
pub async fn save(
    admin: TenantAdmin,
    path: web::Path<AccountId>,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let row = row_of(&current, *path, &state).await?;
    let db = &state.db;
    let codes: Vec<&str> = form
        .iter()
        .filter(|(name, _)| name == "service")
        .map(|(_, value)| value.as_str())
        .collect();
    let chosen = super::service::chosen(db, &codes).await?;
    // A tenant admin taking services from themselves confirms it first,
    // told what they lose.
    let losing: Vec<Service> = row.services.iter().filter(|s| !chosen.contains(s)).copied().collect();
    let confirmed = form.iter().any(|(name, value)| name == "confirm" && value == "yes");
    if row.member.account_id == current.account.id && !losing.is_empty() && !confirmed {
        let lang = current.viewer.lang;
        let names: Vec<&str> = losing.iter().map(|s| lang.t(s.label_key())).collect();
        let page = EditPage {
            l: current.viewer.layout(),
            row: TenantRow {
                services: chosen,
                member: row.member,
            },
            services: store::services(db).await?,
            editable: true,
            losing: names.join(lang.t("activity-list-separator")),
        };
        return crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html);
    }
    let found = super::service::set(
        db,
        current.account.id,
        current.tenant.project_id,
        row.member.account_id,
        &row.member.username,
        &chosen,
        None,
    )
    .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    let message = Msg::new("permissions-saved").arg("name", &row.member.display_name);
    if !current.viewer.htmx {
        current.viewer.flash(true, message);
        return Ok(see_other("/permissions"));
    }
    let mut permissions: HashMap<AccountId, Vec<Service>> =
        store::project_permissions(db, current.tenant.project_id).await?;
    let row = TenantRow {
        services: permissions.remove(&row.member.account_id).unwrap_or_default(),
        member: row.member,
    };
    let fragment = SavedFragment {
        message: message.in_lang(current.viewer.lang),
        l: current.viewer.layout(),
        row,
        services: store::services(db).await?,
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("HX-Trigger", "close-dialog"))
        .body(fragment.render()?))
}
