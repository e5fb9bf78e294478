//! The pages and fragments of members: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use super::Member;
use crate::auth::identity::AccountId;
use crate::{
    auth::identity::Account,
    projects::Tenant,
    quotas::{Gauge, QuotaService, views::gauge_text},
    web::{FieldErrors, Layout},
};
use askama::Template;

#[derive(Template)]
#[template(path = "account/members.html", blocks = ["content"])]
pub(super) struct MembersPage {
    pub(super) l: Layout,
    pub(super) tab: &'static str,
    /// One page of the members whose name contains `search`.
    pub(super) members: Vec<Member>,
    pub(super) search: String,
    pub(super) page: i64,
    pub(super) pages: i64,
    /// How many members match the search.
    pub(super) matching: i64,
    pub(super) me: AccountId,
    pub(super) identifier: String,
    pub(super) role: String,
    pub(super) errors: FieldErrors,
}

impl MembersPage {
    /// Another page of the same search.
    pub(super) fn page_link(&self, page: &i64) -> String {
        crate::web::page_link("/account/members", &[("q", self.search.as_str())], *page)
    }
}

#[derive(Template)]
#[template(path = "account/remove.html", blocks = ["content"])]
pub(super) struct RemovePage {
    pub(super) l: Layout,
    pub(super) member: Member,
    /// The member's live allocations, which removal offers to release.
    pub(super) live_allocations: usize,
}

/// One service's row on the overview: my usage against my effective quota
/// (my own, or else the project's).
pub struct ServiceUsage {
    pub service: QuotaService,
    pub gauges: Vec<Gauge>,
}

#[derive(Template)]
#[template(path = "account/overview.html", blocks = ["content"])]
pub(super) struct OverviewPage {
    pub(super) l: Layout,
    pub(super) tab: &'static str,
    pub(super) user: Account,
    pub(super) current: Option<Tenant>,
    pub(super) tenants: Vec<Tenant>,
    pub(super) usage: Vec<ServiceUsage>,
}

impl OverviewPage {
    pub(super) fn gauge(&self, gauge: &Gauge) -> String {
        gauge_text(&self.l, gauge)
    }

    pub(super) fn is_current(&self, tenant: &Tenant) -> bool {
        self.current.as_ref().is_some_and(|c| c.project_id == tenant.project_id)
    }
}
