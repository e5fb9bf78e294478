//! The pages and fragments of projects: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use super::Tenant;
use crate::auth::identity::ProjectId;
use crate::web::Layout;
use askama::Template;

#[derive(Template)]
#[template(path = "projects/switch.html", blocks = ["content"])]
pub(super) struct SwitchPage {
    pub(super) l: Layout,
    pub(super) tenants: Vec<Tenant>,
    pub(super) current: Option<ProjectId>,
}

impl SwitchPage {
    pub(super) fn is_current(&self, tenant: &Tenant) -> bool {
        self.current == Some(tenant.project_id)
    }
}
