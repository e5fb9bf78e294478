//! The pages and fragments of permissions: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use super::Service;
use crate::{projects::Member, web::Layout};
use askama::Template;

/// A member and the services they may use.
pub struct TenantRow {
    pub member: Member,
    pub services: Vec<Service>,
}

impl TenantRow {
    pub fn may_use(&self, service: &Service) -> bool {
        self.services.contains(service)
    }
}

#[derive(Template)]
#[template(path = "permissions/page.html")]
pub(super) struct PermissionsPage {
    pub(super) l: Layout,
    pub(super) q: String,
    /// One page of the members matching `q`.
    pub(super) rows: Vec<TenantRow>,
    pub(super) page: i64,
    pub(super) pages: i64,
    pub(super) services: Vec<Service>,
}

impl PermissionsPage {
    /// Another page of the same search.
    pub(super) fn page_link(&self, page: &i64) -> String {
        crate::web::page_link("/permissions", &[("q", self.q.as_str())], *page)
    }

    pub(super) fn label(&self, service: &Service) -> &'static str {
        service.label_key()
    }
}

#[derive(Template)]
#[template(path = "permissions/edit.html", blocks = ["content"])]
pub(super) struct EditPage {
    pub(super) l: Layout,
    pub(super) row: TenantRow,
    pub(super) services: Vec<Service>,
    pub(super) editable: bool,
    /// The services a tenant admin is about to take from themselves, named
    /// (empty: nothing to confirm).
    pub(super) losing: String,
}

impl EditPage {
    pub(super) fn label(&self, service: &Service) -> &'static str {
        service.label_key()
    }
}

#[derive(Template)]
#[template(path = "permissions/saved.html")]
pub(super) struct SavedFragment {
    pub(super) l: Layout,
    pub(super) row: TenantRow,
    pub(super) services: Vec<Service>,
    pub(super) message: String,
}

impl SavedFragment {
    pub(super) fn label(&self, service: &Service) -> &'static str {
        service.label_key()
    }
}
