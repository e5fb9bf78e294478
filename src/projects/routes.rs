//! The overview page and the project switcher.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{Tenant, store};
use crate::{
    AppState,
    accounts::Account,
    auth::CurrentUser,
    error::AppError,
    quotas::{Gauge, QuotaService, routes::gauge_text, service as quota_service},
    web::{Layout, i18n::Msg, redirect_after_post, see_other},
};

/// The landing page is the Account & Project overview.
pub async fn home() -> HttpResponse {
    see_other("/account")
}

/// One service's row on the overview: my usage against my effective quota
/// (my own, or else the project's).
pub struct ServiceUsage {
    pub service: QuotaService,
    pub gauges: Vec<Gauge>,
}

#[derive(Template)]
#[template(path = "account/overview.html", blocks = ["content"])]
struct OverviewPage {
    l: Layout,
    tab: &'static str,
    user: Account,
    current: Option<Tenant>,
    tenants: Vec<Tenant>,
    usage: Vec<ServiceUsage>,
}

impl OverviewPage {
    fn gauge(&self, gauge: &Gauge) -> String {
        gauge_text(&self.l, gauge)
    }
}

pub async fn overview(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let tenants = store::tenants_of(db, user.account.id).await?;
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
    let tenant = store::tenant(db, user.account.id, project.id)
        .await?
        .ok_or(AppError::NotFound)?;
    user.viewer.set_project(tenant.project_id);
    user.viewer
        .flash(true, Msg::new("switched-project").arg("project", &tenant.name));
    Ok(redirect_after_post(user.viewer.htmx, "/account"))
}
