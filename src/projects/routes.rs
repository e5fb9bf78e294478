//! The landing redirect and the project switcher.

use super::views::SwitchPage;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::store;
use crate::{
    AppState,
    auth::{CurrentUser, Viewer},
    error::AppError,
    web::{i18n::Msg, redirect_after_post, see_other},
};

/// The landing page: the Account & Project overview, or for support staff
/// and operators outside any project, their console.
pub async fn home(viewer: Viewer) -> HttpResponse {
    let console = match (&viewer.account, &viewer.tenant) {
        (Some(account), None) => account.platform_role.console(),
        _ => None,
    };
    see_other(console.unwrap_or("/account"))
}

/// The switcher: a dialog for htmx, a page otherwise.
pub async fn switcher(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let tenants = store::tenants_of(&state.db, user.account.id).await?;
    let page = SwitchPage {
        current: user.viewer.tenant.as_ref().map(|t| t.project_id),
        l: user.viewer.layout(),
        tenants,
    };
    crate::web::page_body!(user.viewer.htmx, page).map(crate::web::ok_html)
}

#[derive(Deserialize)]
pub struct SwitchForm {
    #[serde(default)]
    project: String,
}

/// Makes another of the person's projects the current one; a project they
/// are not a member of is refused, and nothing changes.
pub async fn switch(
    user: CurrentUser,
    form: web::Form<SwitchForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let project = store::by_code(db, form.project.trim())
        .await?
        .ok_or(AppError::NotFound)?;
    let tenant = crate::auth::service::tenant(db, user.account.id, project.id)
        .await?
        .ok_or(AppError::NotFound)?;
    user.viewer.set_project(tenant.project_id);
    user.viewer
        .flash(true, Msg::new("switched-project").arg("project", &tenant.name));
    Ok(redirect_after_post(user.viewer.htmx, "/account"))
}
