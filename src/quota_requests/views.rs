//! The pages of quota requests: my usage and quota, the list and queue, a
//! new request, and one request with its history. No database here.

use askama::Template;

use super::{
    RequestKind, RequestStatus,
    store::{Event, QuotaRequest},
};
use crate::{
    quotas::{Gauge, QuotaService, Resource},
    web::{FieldErrors, Layout},
};

/// A figure with its unit (`8 GPUs`), or "unlimited" for -1.
pub fn amount(l: &Layout, resource: Resource, n: i64) -> String {
    if n < 0 {
        l.t("quota-unlimited").to_string()
    } else {
        l.t1(resource.unit_key(), "n", n)
    }
}

/// A request's one-line summary: `GPU 8 GPUs, CPU 32 cores` or the date.
pub fn summary(l: &Layout, request: &QuotaRequest) -> String {
    if let Some(date) = request.ends_on {
        return l.t1("request-ends-on-summary", "date", date);
    }
    request
        .items
        .iter()
        .map(|item| {
            format!(
                "{} {}",
                l.t(item.resource.label_key()),
                amount(l, item.resource, item.asked)
            )
        })
        .collect::<Vec<_>>()
        .join(l.t("activity-list-separator"))
}

/// What a request is for: `Member quota · Container Compute`, `Renewal`.
pub fn what(l: &Layout, request: &QuotaRequest) -> String {
    match request.service {
        Some(service) => format!("{} · {}", l.t(request.kind.label_key()), l.t(service.label_key())),
        None => l.t(request.kind.label_key()).to_string(),
    }
}

/// One service on My usage / quota: each resource's gauges (mine and the
/// project's), and my open request of it, if any.
pub struct MyService {
    pub service: QuotaService,
    pub rows: Vec<(Gauge, Gauge)>,
    pub open: Option<i64>,
}

#[derive(Template)]
#[template(path = "quota_requests/mine.html")]
pub(super) struct MinePage {
    pub(super) l: Layout,
    pub(super) services: Vec<MyService>,
    pub(super) requests: Vec<QuotaRequest>,
}

impl MinePage {
    pub(super) fn gauge(&self, gauge: &Gauge) -> String {
        match gauge.limit {
            Some(limit) => amount(&self.l, gauge.resource, limit),
            None => self.l.t("quota-none-own").to_string(),
        }
    }

    pub(super) fn usage(&self, gauge: &Gauge) -> String {
        amount(&self.l, gauge.resource, gauge.usage)
    }

    pub(super) fn summary(&self, request: &QuotaRequest) -> String {
        summary(&self.l, request)
    }
}

/// An open request waiting for the viewer, with what the requester uses and
/// may use now beside what they ask.
pub struct Waiting {
    pub request: QuotaRequest,
    /// Per resource asked: (asked, usage now, quota now).
    pub beside: Vec<(Resource, i64, i64, Option<i64>)>,
}

#[derive(Template)]
#[template(path = "quota_requests/list.html")]
pub(super) struct ListPage {
    pub(super) l: Layout,
    pub(super) waiting: Vec<Waiting>,
    pub(super) requests: Vec<QuotaRequest>,
    pub(super) status: String,
    pub(super) statuses: [RequestStatus; 5],
    pub(super) page: i64,
    pub(super) pages: i64,
    /// Where the list and its links live: `/quota-requests` or the operators'.
    pub(super) base: &'static str,
    pub(super) operator: bool,
}

impl ListPage {
    pub(super) fn page_link(&self, page: &i64) -> String {
        crate::web::page_link(self.base, &[("status", &self.status)], *page)
    }

    pub(super) fn summary(&self, request: &QuotaRequest) -> String {
        summary(&self.l, request)
    }

    pub(super) fn amount(&self, resource: &Resource, n: &i64) -> String {
        amount(&self.l, *resource, *n)
    }

    pub(super) fn quota(&self, resource: &Resource, limit: &Option<i64>) -> String {
        match limit {
            Some(n) => amount(&self.l, *resource, *n),
            None => self.l.t("quota-none-own").to_string(),
        }
    }

    pub(super) fn what(&self, request: &QuotaRequest) -> String {
        what(&self.l, request)
    }
}

/// A field of the new-request form.
pub struct NewField {
    pub resource: Resource,
    pub value: String,
    /// The quota now (member's, or project's for a project request).
    pub current: Option<i64>,
    pub usage: i64,
}

#[derive(Template)]
#[template(path = "quota_requests/new.html", blocks = ["content"])]
pub(super) struct NewPage {
    pub(super) l: Layout,
    pub(super) kind: RequestKind,
    pub(super) service: QuotaService,
    pub(super) services: [QuotaService; 3],
    pub(super) fields: Vec<NewField>,
    pub(super) reason: String,
    pub(super) needed_until: String,
    pub(super) ends_on: String,
    /// `Deep Learning Lab (MST110001)`.
    pub(super) project: String,
    pub(super) project_ends_on: String,
    pub(super) errors: FieldErrors,
    /// The open request that stops a second one.
    pub(super) already_open: Option<i64>,
    /// The request being changed, if not a new one.
    pub(super) editing: Option<i64>,
}

impl NewPage {
    pub(super) fn current(&self, field: &NewField) -> String {
        match field.current {
            Some(n) => amount(&self.l, field.resource, n),
            None => self.l.t("quota-none-own").to_string(),
        }
    }

    pub(super) fn usage(&self, field: &NewField) -> String {
        amount(&self.l, field.resource, field.usage)
    }

    pub(super) fn title(&self) -> String {
        match self.editing {
            Some(id) => self.l.t1("request-edit-title", "id", id),
            None => self.l.t(self.title_key()).to_string(),
        }
    }

    /// Where the form posts.
    pub(super) fn action(&self) -> String {
        match self.editing {
            Some(id) => format!("/quota-requests/{id}/edit"),
            None => "/quota-requests".to_string(),
        }
    }

    /// Where Cancel goes.
    pub(super) fn back(&self) -> String {
        match self.editing {
            Some(id) => format!("/quota-requests/{id}"),
            None => "/quota-requests".to_string(),
        }
    }

    fn title_key(&self) -> &'static str {
        match self.kind {
            RequestKind::Member => "request-new-member",
            RequestKind::Project => "request-new-project",
            RequestKind::Renewal => "request-new-renewal",
        }
    }
}

/// A resource of a request, beside what is used and allowed now.
pub struct ItemRow {
    pub resource: Resource,
    pub asked: i64,
    pub granted: Option<i64>,
    pub usage: i64,
    pub current: Option<i64>,
    /// A member's request: the project's gauge of the resource, which
    /// bounds what may be granted (`limit` `None`: unlimited).
    pub project: Option<Gauge>,
    /// The value in the decision form.
    pub value: String,
}

#[derive(Template)]
#[template(path = "quota_requests/show.html")]
pub(super) struct ShowPage {
    pub(super) l: Layout,
    pub(super) request: QuotaRequest,
    pub(super) events: Vec<Event>,
    pub(super) items: Vec<ItemRow>,
    pub(super) may_withdraw: bool,
    /// Where the decision form posts, when the viewer decides it.
    pub(super) decide_action: Option<String>,
    pub(super) ends_on_value: String,
    pub(super) comment: String,
    pub(super) errors: FieldErrors,
    pub(super) back: &'static str,
}

impl ShowPage {
    pub(super) fn amount(&self, resource: &Resource, n: &i64) -> String {
        amount(&self.l, *resource, *n)
    }

    pub(super) fn quota(&self, row: &ItemRow) -> String {
        match row.current {
            Some(n) => amount(&self.l, row.resource, n),
            None => self.l.t("quota-none-own").to_string(),
        }
    }

    /// A member's request: whether the project's figures are shown beside it.
    pub(super) fn for_member(&self) -> bool {
        self.items.iter().any(|row| row.project.is_some())
    }

    /// The project's quota of the row's resource, in words.
    pub(super) fn project_quota(&self, row: &ItemRow) -> String {
        match row.project.as_ref().and_then(|g| g.limit) {
            Some(n) => amount(&self.l, row.resource, n),
            None => self.l.t("quota-unlimited").to_string(),
        }
    }

    /// What the project has left of the resource now: its quota less what
    /// its members use.
    pub(super) fn project_left(&self, row: &ItemRow) -> String {
        match row
            .project
            .as_ref()
            .and_then(|g| g.limit.map(|limit| (limit - g.usage).max(0)))
        {
            Some(n) => amount(&self.l, row.resource, n),
            None => self.l.t("quota-unlimited").to_string(),
        }
    }

    pub(super) fn what(&self) -> String {
        what(&self.l, &self.request)
    }

    pub(super) fn event_key(&self, event: &Event) -> &'static str {
        match event.event.as_str() {
            "filed" => "request-event-filed",
            "edited" => "request-event-edited",
            "approved" => "request-event-approved",
            "changed" => "request-event-changed",
            "declined" => "request-event-declined",
            "withdrawn" => "request-event-withdrawn",
            _ => "request-event-closed",
        }
    }

    /// A closing's reason code in words; a person's comment as written.
    pub(super) fn comment_text(&self, event: &Event) -> String {
        match (event.event.as_str(), event.comment.as_str()) {
            ("closed", "member-removed") => self.l.t("request-closed-member-removed").to_string(),
            ("closed", _) => self.l.t("request-closed-project").to_string(),
            (_, comment) => comment.to_string(),
        }
    }
}
