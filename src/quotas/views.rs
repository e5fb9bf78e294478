//! The pages and fragments of quotas: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use super::{Gauge, QuotaService, Resource, store};
use crate::{projects::Member, web::Layout};
use askama::Template;
use std::collections::HashMap;

/// A cell of the members table: the gauge, how it reads, and its bar (the
/// usage shown and the limit it is drawn against; `None`: nothing limits it).
pub type Cell = (Gauge, String, Option<(i64, i64)>);

/// A row of the members table: the member and a cell a resource.
pub struct MemberRow {
    pub member: store::MemberName,
    pub cells: Vec<Cell>,
}

impl MemberRow {
    /// `figures` remembers how each distinct gauge reads: a project's
    /// hundreds of members share a few figures, and formatting one (a
    /// translated unit with a plural) costs more than the rest of the row.
    ///
    /// A member's bar is drawn against their own quota, or else against the
    /// project's (the most a member without one may use).
    pub(super) fn new(
        l: &Layout,
        member: store::MemberName,
        gauges: Vec<Gauge>,
        project: &[Gauge],
        figures: &mut HashMap<Gauge, String>,
    ) -> Self {
        let cells = gauges
            .into_iter()
            .map(|gauge| {
                let projects = project
                    .iter()
                    .find(|p| p.resource == gauge.resource)
                    .and_then(|p| p.limit);
                let text = figures
                    .entry(gauge)
                    .or_insert_with(|| match (gauge.limit, projects) {
                        // No quota of their own: the project's bounds them.
                        (None, Some(_)) => l.t1(
                            "quota-usage-project-bound",
                            "usage",
                            l.t1(gauge.resource.unit_key(), "n", gauge.usage),
                        ),
                        _ => gauge_text(l, &gauge),
                    })
                    .clone();
                let against = gauge.limit.or(projects);
                let bar = against
                    .filter(|limit| *limit > 0)
                    .map(|limit| (gauge.usage.min(limit), limit));
                (gauge, text, bar)
            })
            .collect();
        MemberRow { member, cells }
    }
}

#[derive(Template)]
#[template(path = "quotas/page.html")]
pub(super) struct QuotaPage {
    pub(super) l: Layout,
    pub(super) service: QuotaService,
    pub(super) services: [QuotaService; 3],
    pub(super) project: Vec<Gauge>,
    /// One page of the members whose name contains `search`.
    pub(super) rows: Vec<MemberRow>,
    pub(super) search: String,
    pub(super) page: i64,
    pub(super) pages: i64,
    /// How many members match the search.
    pub(super) matching: i64,
    /// The newest live allocations of the service, and how many there are.
    pub(super) allocations: Vec<store::LiveAllocation>,
    pub(super) live_total: i64,
}

impl QuotaPage {
    /// Another page of the same service and search.
    pub(super) fn page_link(&self, page: &i64) -> String {
        crate::web::page_link(
            "/quota",
            &[("service", self.service.code()), ("q", self.search.as_str())],
            *page,
        )
    }

    pub(super) fn resources_text(&self, allocation: &store::LiveAllocation) -> String {
        allocation
            .resources
            .iter()
            .map(|(resource, amount)| match Resource::parse(resource) {
                Some(known) => format!("{} {amount}", self.l.t(known.label_key())),
                None => format!("{resource} {amount}"),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub(super) fn gauge(&self, gauge: &Gauge) -> String {
        gauge_text(&self.l, gauge)
    }
}

/// One field of the Edit Quota form.
pub struct QuotaField {
    pub resource: Resource,
    pub value: String,
    pub usage: i64,
    /// The project's limit, `None` if unlimited.
    pub project_limit: Option<i64>,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "quotas/edit.html", blocks = ["content"])]
pub(super) struct EditPage {
    pub(super) l: Layout,
    pub(super) service: QuotaService,
    pub(super) member: Member,
    pub(super) fields: Vec<QuotaField>,
}

impl EditPage {
    pub(super) fn project_limit_text(&self, field: &QuotaField) -> String {
        match field.project_limit {
            Some(limit) => self.l.t1(field.resource.unit_key(), "n", limit),
            None => self.l.t("quota-unlimited").to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "quotas/saved.html")]
pub(super) struct SavedFragment {
    pub(super) l: Layout,
    pub(super) service: QuotaService,
    pub(super) row: MemberRow,
    pub(super) message: String,
    pub(super) warning: Option<String>,
}

/// How a gauge reads: `3 / 8 cores`, `3 / unlimited`.
pub fn gauge_text(l: &Layout, gauge: &Gauge) -> String {
    match gauge.limit {
        Some(limit) => format!("{} / {}", gauge.usage, l.t1(gauge.resource.unit_key(), "n", limit)),
        None => l.t1(
            "quota-usage-no-limit",
            "usage",
            l.t1(gauge.resource.unit_key(), "n", gauge.usage),
        ),
    }
}
