//! The overview page and the project switcher.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Tenant, store};
use crate::{
    accounts::Account,
    auth::CurrentUser,
    error::AppError,
    web::{Layout, html, i18n::Msg, redirect_after_post},
};

#[derive(Template)]
#[template(path = "projects/home.html")]
struct HomePage {
    l: Layout,
    user: Account,
    current: Option<Tenant>,
    tenants: Vec<Tenant>,
}

pub async fn home(user: CurrentUser) -> Result<HttpResponse, AppError> {
    let tenants = store::tenants_of(user.viewer.db(), user.account.id).await?;
    html(&HomePage {
        l: user.viewer.layout(),
        current: user.viewer.tenant.clone(),
        user: user.account,
        tenants,
    })
}

#[derive(Template)]
#[template(path = "projects/switch.html", blocks = ["content"])]
struct SwitchPage {
    l: Layout,
    tenants: Vec<Tenant>,
    current: Option<i64>,
}

impl SwitchPage {
    fn is_current(&self, tenant: &Tenant) -> bool {
        self.current == Some(tenant.project_id)
    }
}

/// The switcher: a dialog for htmx, a page otherwise.
pub async fn switcher(user: CurrentUser) -> Result<HttpResponse, AppError> {
    let tenants = store::tenants_of(user.viewer.db(), user.account.id).await?;
    let page = SwitchPage {
        current: user.viewer.tenant.as_ref().map(|t| t.project_id),
        l: user.viewer.layout(),
        tenants,
    };
    if user.viewer.htmx { html(&page.as_content()) } else { html(&page) }
}

#[derive(Deserialize)]
pub struct SwitchForm {
    #[serde(default)]
    project: String,
}

/// Makes another of the person's projects the current one; a project they
/// are not a member of is refused, and nothing changes.
pub async fn switch(user: CurrentUser, form: web::Form<SwitchForm>) -> Result<HttpResponse, AppError> {
    let db = user.viewer.db();
    let project = store::by_code(db, form.project.trim()).await?.ok_or(AppError::NotFound)?;
    let tenant = store::tenant(db, user.account.id, project.id)
        .await?
        .ok_or(AppError::NotFound)?;
    user.viewer.set_project(tenant.project_id);
    user.viewer.flash(true, Msg::new("switched-project").arg("project", &tenant.name));
    Ok(redirect_after_post(&user.viewer, "/"))
}
