//! The object-storage page: your own pair, and (tenant admins) every
//! member's pair, each with a Rotate button.

use super::views::{Page, Shown};
use crate::auth::identity::AccountId;
use actix_web::{HttpResponse, web};

use super::store::{self, Pair};
use crate::{
    AppState,
    auth::{CurrentTenant, TenantAdmin},
    error::AppError,
    web::{html, i18n::Msg, redirect_after_post},
};

async fn permitted(current: &CurrentTenant, state: &AppState) -> Result<bool, AppError> {
    let services = crate::permissions::service::permitted_services(&state.db, current.tenant.membership_id).await?;
    Ok(services.contains(&crate::permissions::Service::Cos))
}

fn shown(state: &AppState, pair: Pair) -> Shown {
    let secret_key = state.secrets.object_storage_secret(&pair.access_key, &pair.salt);
    Shown { pair, secret_key }
}

pub async fn page(current: CurrentTenant, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let permitted = permitted(&current, &state).await?;
    let own = match store::pair_of(db, current.tenant.project_id, current.account.id).await? {
        Some(pair) if permitted => Some(shown(&state, pair)),
        _ => None,
    };
    let members = if current.tenant.is_admin() {
        store::pairs_of_project(db, current.tenant.project_id).await?
    } else {
        Vec::new()
    };
    html(&Page {
        l: current.viewer.layout(),
        permitted,
        own,
        members,
    })
}

/// Makes (or replaces) the viewer's own pair.
pub async fn rotate_own(current: CurrentTenant, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    if !permitted(&current, &state).await? {
        return Err(AppError::Forbidden);
    }
    let account = &current.account;
    super::service::rotate(
        &state.db,
        account.id,
        current.tenant.project_id,
        account.id,
        &account.username,
    )
    .await?;
    current.viewer.flash(true, Msg::new("object-storage-rotated-own"));
    Ok(redirect_after_post(current.viewer.htmx, "/object-storage"))
}

/// A tenant admin replaces a member's existing pair.
pub async fn rotate_member(
    admin: TenantAdmin,
    path: web::Path<AccountId>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let db = &state.db;
    let pair = store::pair_of(db, current.tenant.project_id, *path)
        .await?
        .ok_or(AppError::NotFound)?;
    super::service::rotate(
        db,
        current.account.id,
        current.tenant.project_id,
        pair.account_id,
        &pair.username,
    )
    .await?;
    current
        .viewer
        .flash(true, Msg::new("object-storage-rotated").arg("name", &pair.display_name));
    Ok(redirect_after_post(current.viewer.htmx, "/object-storage"))
}
