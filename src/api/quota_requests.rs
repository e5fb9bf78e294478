//! Quota requests in the native API: file, list, read, withdraw, and (with
//! a tenant admin's key) decide members' requests. The same service
//! functions and checks as the portal (`crate::quota_requests`).

use std::collections::BTreeMap;

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{ApiCaller, routes::rfc3339};
use crate::{
    AppState,
    error::AppError,
    quota_requests::{
        Fields, NewRequest, RequestKind, RequestStatus, parse_decision,
        service::{self, Actor, Decided, DecidingAs, ListFilter, QuotaRequest, RequestError},
    },
    quotas::Resource,
    web::i18n::Msg,
};

/// A new request (read field by field, for errors that name their field;
/// these types describe it): more quota for a service, or a renewal.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum NewRequestBody {
    Ccs(NewCcsRequest),
    Vcs(NewVcsRequest),
    Hpc(NewHpcRequest),
    Renewal(NewRenewal),
}

/// Who a quota request goes to: `member` (to the tenant admins), or with a
/// tenant admin's key `project` (to the operators).
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum QuotaRequestKind {
    Member,
    Project,
}

/// Only `ccs`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum CcsOnly {
    Ccs,
}

/// Only `vcs`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum VcsOnly {
    Vcs,
}

/// Only `hpc`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum HpcOnly {
    Hpc,
}

/// Only `renewal`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum RenewalOnly {
    Renewal,
}

/// More CCS quota.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"kind": "member", "service": "ccs", "resources": {"gpu": 8}, "reason": "Fine-tuning runs for the paper", "needed_until": "2027-03-31"}))]
#[allow(dead_code)]
pub struct NewCcsRequest {
    kind: QuotaRequestKind,
    service: CcsOnly,
    resources: CcsQuotaFigures,
    /// 10 to 1,000 characters, starting and ending with a visible one.
    #[schema(
        pattern = r"^[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{8,998}[^\s\x00-\x1f\x7f-\x9f]$"
    )]
    reason: String,
    /// Until when it is needed (not in the past).
    #[schema(format = Date, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    needed_until: Option<String>,
}

/// More VCS quota.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"kind": "project", "service": "vcs", "resources": {"floating_ip": 6}, "reason": "Two more web front ends for the course"}))]
#[allow(dead_code)]
pub struct NewVcsRequest {
    kind: QuotaRequestKind,
    service: VcsOnly,
    resources: VcsQuotaFigures,
    /// 10 to 1,000 characters, starting and ending with a visible one.
    #[schema(
        pattern = r"^[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{8,998}[^\s\x00-\x1f\x7f-\x9f]$"
    )]
    reason: String,
    /// Until when it is needed (not in the past).
    #[schema(format = Date, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    needed_until: Option<String>,
}

/// More HPC quota (cores, GPUs and memory, as CCS).
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"kind": "member", "service": "hpc", "resources": {"cpu": 256}, "reason": "A larger climate run this quarter"}))]
#[allow(dead_code)]
pub struct NewHpcRequest {
    kind: QuotaRequestKind,
    service: HpcOnly,
    resources: CcsQuotaFigures,
    /// 10 to 1,000 characters, starting and ending with a visible one.
    #[schema(
        pattern = r"^[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{8,998}[^\s\x00-\x1f\x7f-\x9f]$"
    )]
    reason: String,
    /// Until when it is needed (not in the past).
    #[schema(format = Date, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    needed_until: Option<String>,
}

/// A later end date for the project (a tenant admin's key; to the operators).
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"kind": "renewal", "ends_on": "2027-12-31", "reason": "The study runs another year"}))]
#[allow(dead_code)]
pub struct NewRenewal {
    kind: RenewalOnly,
    /// The new end date: after today and after the project's end.
    #[schema(format = Date, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    ends_on: String,
    /// 10 to 1,000 characters, starting and ending with a visible one.
    #[schema(
        pattern = r"^[^\s\x00-\x1f\x7f-\x9f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{8,998}[^\s\x00-\x1f\x7f-\x9f]$"
    )]
    reason: String,
    /// Until when it is needed (not in the past).
    #[schema(format = Date, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    needed_until: Option<String>,
}

/// New CCS totals wanted (not deltas), -1 for unlimited; at least one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"gpu": 8}))]
#[allow(dead_code)]
pub struct CcsQuotaFigures {
    #[serde(default)]
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    cpu: i64,
    #[serde(default)]
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    gpu: i64,
    #[serde(default)]
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    memory: i64,
}

/// New VCS totals wanted (not deltas), -1 for unlimited; at least one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct VcsQuotaFigures {
    #[serde(default)]
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    cpu: i64,
    #[serde(default)]
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    gpu: i64,
    #[serde(default)]
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    memory: i64,
    #[serde(default)]
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    floating_ip: i64,
}

/// A decision.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"decision": "approve", "resources": {"gpu": 6}, "comment": "Six until the new nodes arrive"}))]
#[allow(dead_code)] // documents the body; it is read field by field for precise errors
pub struct DecisionBody {
    #[schema(inline)]
    decision: DecisionName,
    /// Figures granted, when not as asked (a comment is then required);
    /// figures of resources the request did not ask for are ignored.
    resources: Option<GrantedFigures>,
    /// A renewal's granted end date, when not as asked.
    #[schema(format = Date, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    ends_on: Option<String>,
    /// At most 1,000 characters (no control characters but line breaks and
    /// tabs); required to change the figures or to decline; shown to the
    /// requester.
    #[schema(pattern = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]{0,1000}$")]
    comment: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum DecisionName {
    Approve,
    Decline,
}

/// Figures granted, -1 for unlimited.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct GrantedFigures {
    #[serde(default)]
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    cpu: i64,
    #[serde(default)]
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    gpu: i64,
    #[serde(default)]
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    memory: i64,
    #[serde(default)]
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    floating_ip: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ItemBody {
    pub asked: i64,
    pub granted: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct EventBody {
    pub at: String,
    /// `filed`, `approved`, `changed`, `declined`, `withdrawn`, `closed`.
    pub event: String,
    pub actor: Option<String>,
    pub comment: String,
}

#[derive(Serialize, ToSchema)]
pub struct QuotaRequestBody {
    pub id: i64,
    pub project: String,
    /// The requester's username.
    pub requester: String,
    /// `member`, `project` or `renewal`.
    #[schema(value_type = super::openapi::RequestKindCode)]
    pub kind: String,
    #[schema(value_type = Option<super::openapi::QuotaServiceCode>)]
    pub service: Option<String>,
    pub resources: BTreeMap<String, ItemBody>,
    pub ends_on: Option<String>,
    pub granted_ends_on: Option<String>,
    pub reason: String,
    pub needed_until: Option<String>,
    /// `open`, `approved`, `declined`, `withdrawn` or `closed`.
    #[schema(value_type = super::openapi::RequestStatusCode)]
    pub status: String,
    pub created_at: String,
    pub decided_at: Option<String>,
    pub decided_by: Option<String>,
    pub comment: String,
    /// The request's history (only when one request is read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub history: Option<Vec<EventBody>>,
}

impl From<QuotaRequest> for QuotaRequestBody {
    fn from(r: QuotaRequest) -> Self {
        QuotaRequestBody {
            id: r.id,
            project: r.project_code,
            requester: r.requester_username,
            kind: r.kind.code().to_string(),
            service: r.service.map(|s| s.code().to_string()),
            resources: r
                .items
                .into_iter()
                .map(|i| {
                    let body = ItemBody {
                        asked: i.asked,
                        granted: i.granted,
                    };
                    (i.resource.code().to_string(), body)
                })
                .collect(),
            ends_on: r.ends_on.map(|d| d.to_string()),
            granted_ends_on: r.granted_ends_on.map(|d| d.to_string()),
            reason: r.reason,
            needed_until: r.needed_until.map(|d| d.to_string()),
            status: r.status.code().to_string(),
            created_at: rfc3339(r.created_at),
            decided_at: r.decided_at.map(rfc3339),
            decided_by: r.decider_name,
            comment: r.comment,
            history: None,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct QuotaRequestList {
    pub requests: Vec<QuotaRequestBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<String>,
}

/// The text fields a request or decision body may carry.
const TEXT_FIELDS: [&str; 7] = [
    "kind",
    "service",
    "ends_on",
    "reason",
    "needed_until",
    "decision",
    "comment",
];

/// A JSON body as the form's fields: each resource's figure by its code.
/// Fields the body does not describe are ignored.
fn fields_of(body: &[u8]) -> Result<Fields, AppError> {
    let object = super::request::object(body)?;
    let mut fields = Fields::new();
    for (name, value) in &object {
        match (name.as_str(), value) {
            (_, Value::Null) => {}
            ("resources", Value::Object(resources)) => {
                for (resource, amount) in resources {
                    if Resource::parse(resource).is_none() {
                        return Err(AppError::invalid_at(
                            format!("resources.{resource}"),
                            Msg::new("api-resource-unknown"),
                        ));
                    }
                    let Some(amount) = super::request::integer(amount) else {
                        return Err(AppError::invalid_at(
                            format!("resources.{resource}"),
                            Msg::new("quota-invalid").arg("max", crate::format::grouped(crate::quotas::MAX_AMOUNT)),
                        ));
                    };
                    fields.insert(resource.clone(), amount.to_string());
                }
            }
            ("resources", _) => return Err(AppError::invalid_at(name.clone(), Msg::new("api-field-invalid"))),
            (field, Value::String(text)) if TEXT_FIELDS.contains(&field) => {
                fields.insert(name.clone(), text.clone());
            }
            (field, _) if TEXT_FIELDS.contains(&field) => {
                return Err(AppError::invalid_at(name.clone(), Msg::new("api-field-invalid")));
            }
            _ => {}
        }
    }
    // Dates as dates (the form's empty field is "none"; here that is null).
    for field in ["ends_on", "needed_until"] {
        if fields.get(field).is_some_and(|d| d.trim().is_empty()) {
            return Err(AppError::invalid(field, "date-invalid"));
        }
    }
    // Texts as given: the schema says where they start and end.
    if let Some(reason) = fields.get("reason")
        && reason.trim() != reason
    {
        return Err(AppError::Invalid {
            field: "reason".into(),
            message: Msg::new("request-reason-length")
                .arg("min", crate::quota_requests::REASON_CHARS.0)
                .arg("max", crate::quota_requests::REASON_CHARS.1),
        });
    }
    if let Some(comment) = fields.get("comment")
        && comment.chars().count() > crate::quota_requests::COMMENT_CHARS
    {
        return Err(AppError::Invalid {
            field: "comment".into(),
            message: Msg::new("request-comment-long").arg("max", crate::quota_requests::COMMENT_CHARS),
        });
    }
    Ok(fields)
}

/// What the rules refuse of a well-formed body is a conflict with the
/// state of things (409, `details.field` naming the field): a date not
/// after today or the project's end, a change or a refusal without a
/// comment, a figure above the project's quota.
fn conflict(err: AppError) -> AppError {
    let code = |key: &str| match key {
        "request-date-past" => Some("date_not_ahead"),
        "request-ends-on-later" => Some("date_not_after_project_end"),
        "request-comment-required" => Some("comment_required"),
        "quota-above-project" => Some("above_project_quota"),
        _ => None,
    };
    match err {
        AppError::Invalid { field, message } if code(message.key).is_some() => AppError::Refused {
            status: actix_web::http::StatusCode::CONFLICT,
            code: code(message.key).unwrap_or("conflict"),
            message,
            details: Some(serde_json::json!({ "field": field })),
        },
        other => other,
    }
}

/// An error at a resource's figure names it as the body does.
fn in_body(err: AppError) -> AppError {
    match err {
        AppError::Invalid { field, message } if Resource::parse(&field).is_some() => {
            AppError::invalid_at(format!("resources.{field}"), message)
        }
        other => other,
    }
}

fn actor(caller: &ApiCaller) -> Actor<'_> {
    Actor {
        id: caller.owner.account_id,
        name: &caller.owner.display_name,
    }
}

/// A request the caller may see: of the key's project, and theirs or (for
/// a tenant admin) any of it.
async fn visible(caller: &ApiCaller, state: &AppState, id: i64) -> Result<QuotaRequestBody, AppError> {
    let (request, events) = service::visible(&state.db, id, caller.owner.account_id).await?;
    if request.project_id != caller.owner.project_id {
        return Err(AppError::NotFound);
    }
    if let Some(service) = request.service {
        caller.in_scope(service.service())?;
    }
    let mut body = QuotaRequestBody::from(request);
    body.history = Some(
        events
            .into_iter()
            .map(|e| EventBody {
                at: rfc3339(e.at),
                event: e.event,
                actor: e.actor,
                comment: e.comment,
            })
            .collect(),
    );
    Ok(body)
}

/// Files a request in the key's project.
#[utoipa::path(
    post,
    path = "/api/v1/quota-requests",
    tag = "quota-requests",
    security(("api_key" = [])),
    request_body = NewRequestBody,
    responses(
        (status = 201, description = "Filed; the deciders are told", body = QuotaRequestBody),
        (status = 403, description = "A project request or renewal with a tenant user's key", body = super::openapi::ErrorBody),
        (status = 409, description = "`request_already_open` (its `id` in `details`) or `project_not_active`", body = super::openapi::ErrorBody),
        (status = 422, description = "Malformed body; `field` names the field", body = super::openapi::ErrorBody),
    )
)]
pub async fn file(caller: ApiCaller, body: web::Bytes, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let fields = fields_of(&body)?;
    let kind = fields
        .get("kind")
        .and_then(|k| RequestKind::parse(k))
        .ok_or_else(|| AppError::invalid("kind", "request-kind-unknown"))?;
    let new = NewRequest::parse(kind, &fields).map_err(in_body).map_err(conflict)?;
    if let Some(service) = new.service {
        caller.in_scope(service.service())?;
    }
    let id = service::file(&state.db, actor(&caller), caller.owner.project_id, &new)
        .await
        .map_err(|err| conflict(err.into()))?;
    let body = visible(&caller, &state, id).await?;
    Ok(HttpResponse::Created().json(body))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only requests in this status.
    #[param(pattern = "^(open|approved|declined|withdrawn|closed)$")]
    status: Option<String>,
    /// The `next_cursor` of the page before; none for the first page.
    #[param(pattern = r"^c[0-9]{1,18}$")]
    cursor: Option<String>,
    /// How many, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<i64>,
}

/// The key's project's requests: a tenant admin's key sees all of them, a
/// tenant user's their own. Newest first, paged by cursor.
#[utoipa::path(
    get,
    path = "/api/v1/quota-requests",
    tag = "quota-requests",
    security(("api_key" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "The requests", body = QuotaRequestList),
        (status = 422, description = "An unknown status, or a bad `cursor` or `limit`", body = super::openapi::ErrorBody),
    )
)]
pub async fn list(
    caller: ApiCaller,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (before, limit) = super::request::page(query.cursor.as_deref(), query.limit)?;
    let status = match query.status.as_deref() {
        None => None,
        Some(code) => {
            Some(RequestStatus::parse(code).ok_or_else(|| AppError::invalid("status", "request-status-unknown"))?)
        }
    };
    let filter = ListFilter {
        project_id: Some(caller.owner.project_id),
        requester_id: (!caller.is_tenant_admin()).then_some(caller.owner.account_id),
        kinds: Vec::new(),
        status,
        // Newest first, from the cursor on.
        before: Some(before.unwrap_or(i64::MAX)),
    };
    let (requests, _) = service::list(&state.db, &filter, limit + 1, 0).await?;
    let (requests, next_cursor) = super::request::paged(requests, limit, |r| r.id);
    // A key scoped to some services lists only their requests (and renewals).
    let in_scope = |r: &QuotaRequest| r.service.is_none_or(|s| caller.owner.scope.allows(s.service()));
    Ok(HttpResponse::Ok().json(QuotaRequestList {
        requests: requests
            .into_iter()
            .filter(in_scope)
            .map(QuotaRequestBody::from)
            .collect(),
        next_cursor,
    }))
}

/// One request with its history.
#[utoipa::path(
    get,
    path = "/api/v1/quota-requests/{id}",
    tag = "quota-requests",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "The request's number")),
    responses(
        (status = 200, description = "The request", body = QuotaRequestBody),
        (status = 404, description = "No such request that the key may see", body = super::openapi::ErrorBody),
    )
)]
pub async fn get(
    caller: ApiCaller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(visible(&caller, &state, *path).await?))
}

/// The requester withdraws their open request.
#[utoipa::path(
    post,
    path = "/api/v1/quota-requests/{id}/withdraw",
    tag = "quota-requests",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "The request's number")),
    responses(
        (status = 200, description = "Withdrawn", body = QuotaRequestBody),
        (status = 404, description = "No such request of the caller's", body = super::openapi::ErrorBody),
        (status = 409, description = "`request_not_open`: decided, withdrawn or closed already", body = super::openapi::ErrorBody),
    )
)]
pub async fn withdraw(
    caller: ApiCaller,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id = *path;
    // Only within the key's project.
    visible(&caller, &state, id).await?;
    service::withdraw(&state.db, actor(&caller), id).await?;
    Ok(HttpResponse::Ok().json(visible(&caller, &state, id).await?))
}

/// A tenant admin decides a member's request of the key's project.
#[utoipa::path(
    post,
    path = "/api/v1/quota-requests/{id}/decision",
    tag = "quota-requests",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "The request's number")),
    request_body = DecisionBody,
    responses(
        (status = 200, description = "Decided (or closed, when no longer possible: see `status`)", body = QuotaRequestBody),
        (status = 403, description = "Not a tenant admin's key, or a request for the operators", body = super::openapi::ErrorBody),
        (status = 404, description = "No such request of the key's project", body = super::openapi::ErrorBody),
        (status = 409, description = "`request_not_open`: decided, withdrawn or closed already", body = super::openapi::ErrorBody),
        (status = 422, description = "Malformed body, a figure above the project's quota, or a missing comment; `field` names the field", body = super::openapi::ErrorBody),
    )
)]
pub async fn decide(
    caller: ApiCaller,
    path: web::Path<i64>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if !caller.is_tenant_admin() {
        return Err(AppError::Forbidden);
    }
    let id = *path;
    visible(&caller, &state, id).await?;
    let fields = fields_of(&body)?;
    let (request, _) = service::visible(&state.db, id, caller.owner.account_id).await?;
    let (decision, comment) = parse_decision(&request, &fields).map_err(in_body).map_err(conflict)?;
    match service::decide(
        &state.db,
        actor(&caller),
        DecidingAs::TenantAdmin,
        id,
        &decision,
        &comment,
    )
    .await
    {
        Ok(Decided::Approved | Decided::Declined | Decided::Closed) => {}
        Err(RequestError::Quota(err)) => return Err(conflict(in_body(err.into()))),
        Err(err) => return Err(err.into()),
    }
    Ok(HttpResponse::Ok().json(visible(&caller, &state, id).await?))
}
