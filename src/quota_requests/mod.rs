//! Quota requests: a member asks their tenant admins for more member
//! quota; a tenant admin asks the operators for more project quota or a
//! later end date (a renewal). The deciders approve as asked, approve with
//! other figures or decline; approval applies the quota (or the end date)
//! in the same transaction as the decision, under the Edit Quota rules.
//! The portal (`routes.rs`), the JSON API (`crate::api::quota_requests`)
//! and the command line all call `service.rs`: no rule exists twice.

pub mod routes;
pub mod service;
pub mod store;
pub mod views;

use std::collections::HashMap;

use crate::{
    error::AppError,
    quotas::{QuotaLimit, QuotaService, Resource},
    web::{i18n::Msg, router::Routes},
};

pub fn configure(r: &mut Routes) {
    r.get("/quota/mine", routes::mine)
        .get("/quota-requests", routes::list)
        .get("/quota-requests/new", routes::new_form)
        .post("/quota-requests", routes::file)
        .get("/quota-requests/{id}", routes::show)
        .get("/quota-requests/{id}/edit", routes::edit_form)
        .post("/quota-requests/{id}/edit", routes::edit)
        .post("/quota-requests/{id}/withdraw", routes::withdraw)
        .post("/quota-requests/{id}/decision", routes::decide)
        .get("/operator/quota-requests", routes::operator_list)
        .get("/operator/quota-requests/{id}", routes::operator_show)
        .post("/operator/quota-requests/{id}/decision", routes::operator_decide);
}

/// What is asked for, and so who decides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestKind {
    /// More member quota, from the project's tenant admins.
    Member,
    /// More project quota, from the operators.
    Project,
    /// A later end date of the project, from the operators.
    Renewal,
}

impl RequestKind {
    pub const ALL: [RequestKind; 3] = [RequestKind::Member, RequestKind::Project, RequestKind::Renewal];

    pub fn code(self) -> &'static str {
        match self {
            RequestKind::Member => "member",
            RequestKind::Project => "project",
            RequestKind::Renewal => "renewal",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        RequestKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            RequestKind::Member => "request-kind-member",
            RequestKind::Project => "request-kind-project",
            RequestKind::Renewal => "request-kind-renewal",
        }
    }

    /// Whether the operators decide (else the project's tenant admins).
    pub fn for_operators(self) -> bool {
        self != RequestKind::Member
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestStatus {
    Open,
    Approved,
    Declined,
    Withdrawn,
    /// Closed by itself: no longer possible.
    Closed,
}

impl RequestStatus {
    pub const ALL: [RequestStatus; 5] = [
        RequestStatus::Open,
        RequestStatus::Approved,
        RequestStatus::Declined,
        RequestStatus::Withdrawn,
        RequestStatus::Closed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            RequestStatus::Open => "open",
            RequestStatus::Approved => "approved",
            RequestStatus::Declined => "declined",
            RequestStatus::Withdrawn => "withdrawn",
            RequestStatus::Closed => "closed",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        RequestStatus::ALL.into_iter().find(|s| s.code() == code)
    }

    pub fn label_key(self) -> &'static str {
        match self {
            RequestStatus::Open => "request-status-open",
            RequestStatus::Approved => "request-status-approved",
            RequestStatus::Declined => "request-status-declined",
            RequestStatus::Withdrawn => "request-status-withdrawn",
            RequestStatus::Closed => "request-status-closed",
        }
    }

    /// The badge's class.
    pub fn badge(self) -> &'static str {
        match self {
            RequestStatus::Open => "badge-warn",
            RequestStatus::Approved => "badge-ok",
            RequestStatus::Declined | RequestStatus::Withdrawn | RequestStatus::Closed => "badge-bad",
        }
    }
}

/// The shortest and longest reason accepted, in characters.
pub const REASON_CHARS: (usize, usize) = (10, 1000);
/// The longest decision comment.
pub const COMMENT_CHARS: usize = 1000;

/// A request as filed, checked: the same for a form and a JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRequest {
    pub kind: RequestKind,
    /// None for a renewal.
    pub service: Option<QuotaService>,
    /// New totals wanted (for a renewal: none).
    pub resources: Vec<(Resource, QuotaLimit)>,
    /// A renewal's end date wanted.
    pub ends_on: Option<time::Date>,
    pub reason: String,
    pub needed_until: Option<time::Date>,
}

/// Fields of a request as typed (a form) or sent (JSON, numbers as text):
/// `service`, one per resource code, `ends_on`, `reason`, `needed_until`.
pub type Fields = HashMap<String, String>;

/// Fields from name–value pairs (the demo data, tests).
pub fn fields(pairs: &[(&str, &str)]) -> Fields {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect()
}

fn date_field(fields: &Fields, name: &'static str) -> Result<Option<time::Date>, AppError> {
    let raw = fields.get(name).map(|v| v.trim()).unwrap_or("");
    if raw.is_empty() {
        return Ok(None);
    }
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw, format)
        .map(Some)
        .map_err(|_| AppError::invalid(name, "date-invalid"))
}

/// Today in UTC (dates are days; a day's difference of zones does not matter here).
pub fn today() -> time::Date {
    time::OffsetDateTime::now_utc().date()
}

impl NewRequest {
    /// Checks every field; the first error names its field. Resources left
    /// empty are not asked for; at least one must be.
    pub fn parse(kind: RequestKind, fields: &Fields) -> Result<Self, AppError> {
        let (service, resources, ends_on) = match kind {
            RequestKind::Member | RequestKind::Project => {
                let code = fields.get("service").map(|s| s.trim()).unwrap_or("");
                let service =
                    QuotaService::parse(code).ok_or_else(|| AppError::invalid("service", "api-service-unknown"))?;
                let mut resources = Vec::new();
                for &resource in service.resources() {
                    let raw = fields.get(resource.code()).map(|v| v.trim()).unwrap_or("");
                    if raw.is_empty() {
                        continue;
                    }
                    resources.push((resource, QuotaLimit::parse(raw, resource.code())?));
                }
                if let Some(unknown) = fields
                    .keys()
                    .find(|k| Resource::parse(k).is_some_and(|r| !service.resources().contains(&r)))
                {
                    return Err(AppError::invalid_at(unknown.clone(), Msg::new("api-resource-unknown")));
                }
                if resources.is_empty() {
                    return Err(AppError::invalid("resources", "request-resources-missing"));
                }
                (Some(service), resources, None)
            }
            RequestKind::Renewal => {
                let ends_on =
                    date_field(fields, "ends_on")?.ok_or_else(|| AppError::invalid("ends_on", "date-invalid"))?;
                if ends_on <= today() {
                    return Err(AppError::invalid("ends_on", "request-date-past"));
                }
                (None, Vec::new(), Some(ends_on))
            }
        };
        let reason = fields.get("reason").map(|r| r.trim()).unwrap_or("");
        let chars = reason.chars().count();
        if chars < REASON_CHARS.0
            || chars > REASON_CHARS.1
            || reason
                .chars()
                .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
        {
            return Err(AppError::Invalid {
                field: "reason".into(),
                message: Msg::new("request-reason-length")
                    .arg("min", REASON_CHARS.0)
                    .arg("max", REASON_CHARS.1),
            });
        }
        let needed_until = date_field(fields, "needed_until")?;
        if needed_until.is_some_and(|d| d < today()) {
            return Err(AppError::invalid("needed_until", "request-date-past"));
        }
        Ok(NewRequest {
            kind,
            service,
            resources,
            ends_on,
            reason: reason.to_string(),
            needed_until,
        })
    }
}

/// A decision as made: the figures (or end date) granted when approved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Approve with these figures (the asked ones, or changed).
    Approve {
        resources: Vec<(Resource, QuotaLimit)>,
        ends_on: Option<time::Date>,
    },
    Decline,
}

/// A decision's fields: `decision` (`approve` or `decline`), `comment`, and
/// for an approval the figures granted (each resource asked, or `ends_on`);
/// a figure left out is granted as asked.
pub fn parse_decision(request: &store::QuotaRequest, fields: &Fields) -> Result<(Decision, String), AppError> {
    let comment = fields.get("comment").map(|c| c.trim()).unwrap_or("").to_string();
    if comment.chars().count() > COMMENT_CHARS
        || comment
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(AppError::Invalid {
            field: "comment".into(),
            message: Msg::new("request-comment-long").arg("max", COMMENT_CHARS),
        });
    }
    let decision = match fields.get("decision").map(|d| d.trim()) {
        Some("approve") => {
            let mut resources = Vec::new();
            for item in &request.items {
                let granted = match fields.get(item.resource.code()).map(|v| v.trim()) {
                    None | Some("") => QuotaLimit(item.asked),
                    Some(raw) => QuotaLimit::parse(raw, item.resource.code())?,
                };
                resources.push((item.resource, granted));
            }
            let ends_on = match request.kind {
                RequestKind::Renewal => {
                    let granted = date_field(fields, "ends_on")?.or(request.ends_on);
                    if granted.is_none_or(|d| d <= today()) {
                        return Err(AppError::invalid("ends_on", "request-date-past"));
                    }
                    granted
                }
                _ => None,
            };
            Decision::Approve { resources, ends_on }
        }
        Some("decline") => Decision::Decline,
        _ => return Err(AppError::invalid("decision", "request-decision-unknown")),
    };
    let changed = match &decision {
        Decision::Approve { resources, ends_on } => {
            resources
                .iter()
                .zip(&request.items)
                .any(|((_, granted), item)| granted.0 != item.asked)
                || *ends_on != request.ends_on
        }
        Decision::Decline => true,
    };
    if changed && comment.is_empty() {
        return Err(AppError::invalid("comment", "request-comment-required"));
    }
    Ok((decision, comment))
}
