//! Allocations and quotas in the native API: admit (idempotently), release,
//! list, and read usage against quota.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, http::StatusCode, web};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::{IntoParams, ToSchema};

use super::{ApiCaller, routes::rfc3339};
use crate::{
    AppState,
    error::AppError,
    quotas::{
        Gauge, MAX_AMOUNT, QuotaService, Resource, service as quota_service,
        service::{self as quotas, Admission, Allocation, AllocationWrite, Outcome},
    },
    web::i18n::Msg,
};

/// What a service asks to admit (the body is read field by field, for
/// errors that name their field; these types describe it).
#[derive(Deserialize, ToSchema)]
#[serde(tag = "service", rename_all = "snake_case")]
#[schema(example = json!({"service": "ccs", "resources": {"cpu": 4, "gpu": 1, "memory": 16}, "idempotency_key": "job-8f3a"}))]
#[allow(dead_code)]
pub enum AllocationRequest {
    /// Container Compute Service.
    Ccs {
        resources: CcsResources,
        /// Retrying with the same key returns the same allocation and admits nothing new.
        #[schema(pattern = r"^[^\x00-\x1f\x7f-\x9f]{1,128}$")]
        idempotency_key: String,
    },
    /// Virtual Compute Service.
    Vcs {
        resources: VcsResources,
        /// Retrying with the same key returns the same allocation and admits nothing new.
        #[schema(pattern = r"^[^\x00-\x1f\x7f-\x9f]{1,128}$")]
        idempotency_key: String,
    },
    /// High-performance computing (cores, GPUs and memory, as CCS).
    Hpc {
        resources: CcsResources,
        /// Retrying with the same key returns the same allocation and admits nothing new.
        #[schema(pattern = r"^[^\x00-\x1f\x7f-\x9f]{1,128}$")]
        idempotency_key: String,
    },
}

/// Whole amounts of a CCS allocation; at least one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1, example = json!({"cpu": 4, "gpu": 1, "memory": 16}))]
#[allow(dead_code)]
pub struct CcsResources {
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    cpu: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    gpu: i64,
    /// GiB.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    memory: i64,
}

/// Whole amounts of a VCS allocation; at least one.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(min_properties = 1)]
#[allow(dead_code)]
pub struct VcsResources {
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    cpu: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    gpu: i64,
    /// GiB.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    memory: i64,
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000_000)]
    floating_ip: i64,
}

#[derive(Serialize, ToSchema)]
pub struct AllocationBody {
    pub id: i64,
    #[schema(value_type = super::openapi::QuotaServiceCode)]
    pub service: String,
    pub resources: BTreeMap<String, i64>,
    pub idempotency_key: String,
    pub created_at: String,
    pub released_at: Option<String>,
}

impl From<Allocation> for AllocationBody {
    fn from(a: Allocation) -> Self {
        AllocationBody {
            id: a.id,
            service: a.service.code().to_string(),
            resources: a
                .resources
                .into_iter()
                .map(|(r, n)| (r.code().to_string(), n))
                .collect(),
            idempotency_key: a.idempotency_key,
            created_at: rfc3339(a.created_at),
            released_at: a.released_at.map(rfc3339),
        }
    }
}

/// One reason for a refusal, in the 409 body's `details`.
#[derive(Serialize, ToSchema)]
pub struct ShortfallBody {
    /// `member` or `project`.
    pub level: String,
    pub resource: String,
    pub requested: i64,
    pub used: i64,
    pub limit: i64,
}

fn invalid(field: impl Into<String>, key: &'static str) -> AppError {
    AppError::invalid_at(field.into(), Msg::new(key))
}

/// A checked admission request: the service, the amounts, the idempotency key.
type Request = (QuotaService, Vec<(Resource, i64)>, String);

/// Reads the body field by field, so that every error names its field.
fn parse_request(body: &[u8]) -> Result<Request, AppError> {
    let value: Value = serde_json::from_slice(body).map_err(|_| invalid("body", "api-body-not-json"))?;
    let object = value.as_object().ok_or_else(|| invalid("body", "api-body-not-json"))?;
    let service = object
        .get("service")
        .and_then(Value::as_str)
        .and_then(QuotaService::parse)
        .ok_or_else(|| invalid("service", "api-service-unknown"))?;
    let resources = match object.get("resources") {
        Some(Value::Object(map)) if !map.is_empty() => map,
        _ => return Err(invalid("resources", "api-resources-missing")),
    };
    let mut request = Vec::new();
    for (name, amount) in resources {
        let field = format!("resources.{name}");
        let resource = Resource::parse(name)
            .filter(|r| service.resources().contains(r))
            .ok_or_else(|| invalid(field.clone(), "api-resource-unknown"))?;
        let amount = super::request::integer(amount)
            .filter(|a| (0..=MAX_AMOUNT).contains(a))
            .ok_or_else(|| AppError::invalid_at(field, Msg::new("api-amount-invalid").arg("max", MAX_AMOUNT)))?;
        request.push((resource, amount));
    }
    request.sort();
    let key = super::request::short_text(object, "idempotency_key", 128)
        .map_err(|_| invalid("idempotency_key", "api-idempotency-key"))?;
    Ok((service, request, key))
}

/// 403 `service_not_permitted`: the member may not use `service`.
pub fn not_permitted(service: &str) -> AppError {
    AppError::Refused {
        status: StatusCode::FORBIDDEN,
        code: "service_not_permitted",
        message: Msg::new("api-service-not-permitted"),
        details: Some(json!({ "service": service })),
    }
}

/// Admits an allocation against the member's and the project's quota.
#[utoipa::path(
    post,
    path = "/api/v1/allocations",
    tag = "allocations",
    security(("api_key" = [])),
    request_body = AllocationRequest,
    responses(
        (status = 201, description = "Admitted", body = AllocationBody),
        (status = 200, description = "Admitted earlier with the same idempotency key; nothing new admitted", body = AllocationBody),
        (status = 402, description = "`wallet_negative`: the project's or the member's balance is negative", body = super::openapi::ErrorBody),
        (status = 403, description = "`service_not_permitted`", body = super::openapi::ErrorBody),
        (status = 409, description = "`quota_exceeded`, with `details`: a list of shortfalls", body = super::openapi::ErrorBody),
        (status = 422, description = "Malformed body; `field` names the field", body = super::openapi::ErrorBody),
    )
)]
pub async fn admit(caller: ApiCaller, body: web::Bytes, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (service, request, key) = parse_request(&body)?;
    caller.may_use(service.service())?;
    let write = AllocationWrite::Admit {
        project_id: caller.owner.project_id,
        account_id: caller.owner.account_id,
        service,
        request,
        idempotency_key: key,
    };
    let Outcome::Admission(admission) = state.allocations.apply(write).await? else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "an admission answered as a release"
        )));
    };
    match admission {
        Admission::Created(allocation) => Ok(HttpResponse::Created().json(AllocationBody::from(allocation))),
        Admission::Existing(allocation) => Ok(HttpResponse::Ok().json(AllocationBody::from(allocation))),
        Admission::Unpaid { wallet, balance } => Err(AppError::Refused {
            status: StatusCode::PAYMENT_REQUIRED,
            code: "wallet_negative",
            message: Msg::new("api-wallet-negative"),
            details: Some(json!({ "balance": balance.to_string(), "wallet": wallet })),
        }),
        Admission::Refused(shortfalls) => {
            let details: Vec<ShortfallBody> = shortfalls
                .into_iter()
                .map(|s| ShortfallBody {
                    level: s.level.to_string(),
                    resource: s.resource.code().to_string(),
                    requested: s.requested,
                    used: s.used,
                    limit: s.limit,
                })
                .collect();
            Err(AppError::Refused {
                status: StatusCode::CONFLICT,
                code: "quota_exceeded",
                message: Msg::new("api-quota-exceeded"),
                details: Some(serde_json::to_value(details).unwrap_or_default()),
            })
        }
    }
}

/// Releases one of the caller's allocations (a tenant admin's key: any of
/// the project's); releasing again changes nothing.
#[utoipa::path(
    delete,
    path = "/api/v1/allocations/{id}",
    tag = "allocations",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "The allocation's ID")),
    responses(
        (status = 200, description = "Released (now or before)", body = AllocationBody),
        (status = 404, description = "No such allocation of the caller's (or, for a tenant admin, of the project's)", body = super::openapi::ErrorBody),
    )
)]
pub async fn release(
    caller: ApiCaller,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let id: i64 = path.parse().map_err(|_| AppError::NotFound)?;
    // A key narrowed to some services releases only their allocations.
    if caller.owner.scope.services.is_some() {
        let service = quota_service::allocation_service(&state.db, caller.owner.project_id, id)
            .await?
            .as_deref()
            .and_then(QuotaService::parse)
            .ok_or(AppError::NotFound)?;
        caller.in_scope(service.service())?;
    }
    let write = AllocationWrite::Release {
        project_id: caller.owner.project_id,
        account_id: (!caller.is_tenant_admin()).then_some(caller.owner.account_id),
        id,
    };
    let Outcome::Released(released) = state.allocations.apply(write).await? else {
        return Err(AppError::Internal(anyhow::anyhow!(
            "a release answered as an admission"
        )));
    };
    let released = released.ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok().json(AllocationBody::from(released)))
}

#[derive(Serialize, ToSchema)]
pub struct AllocationList {
    pub allocations: Vec<AllocationBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<String>,
}

/// The caller's live allocations, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/allocations",
    tag = "allocations",
    security(("api_key" = [])),
    params(super::request::PageQuery),
    responses(
        (status = 200, description = "A page of live allocations", body = AllocationList),
        (status = 422, description = "`invalid`: a bad `cursor` or `limit`", body = super::openapi::ErrorBody),
    )
)]
pub async fn list(
    caller: ApiCaller,
    query: web::Query<super::request::PageQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (before, limit) = query.parse()?;
    let owner = &caller.owner;
    let live = quotas::live_allocations(&state.db, owner.project_id, owner.account_id, before, limit + 1).await?;
    let (live, next_cursor) = super::request::paged(live, limit, |a| a.id);
    Ok(HttpResponse::Ok().json(AllocationList {
        // A key scoped to some services lists only their allocations.
        allocations: live
            .into_iter()
            .filter(|a| caller.owner.scope.allows(a.service.service()))
            .map(AllocationBody::from)
            .collect(),
        next_cursor,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuotaQuery {
    /// `ccs`, `vcs` or `hpc`.
    #[param(pattern = "^(ccs|vcs|hpc)$")]
    service: String,
    /// Tenant admins only: every member's usage and quota too.
    #[serde(default)]
    #[param(pattern = "^(true|false|1|0)$")]
    all: Option<String>,
}

/// `{"cpu": {"usage": 3, "quota": 8}, …}`; quota -1 means unlimited.
fn gauges_json(gauges: &[Gauge]) -> Value {
    let map: Map<String, Value> = gauges
        .iter()
        .map(|g| {
            (
                g.resource.code().to_string(),
                json!({ "usage": g.usage, "quota": g.quota() }),
            )
        })
        .collect();
    Value::Object(map)
}

/// The caller's and the project's usage and quota of a service.
#[utoipa::path(
    get,
    path = "/api/v1/quotas",
    tag = "quotas",
    security(("api_key" = [])),
    params(QuotaQuery),
    responses(
        (status = 200, description = "`member`, `project` (and with `all=true`, `members`): per resource `{usage, quota}`, quota -1 = unlimited", body = Object),
        (status = 403, description = "`all=true` asked by a tenant user", body = super::openapi::ErrorBody),
        (status = 422, description = "Unknown service", body = super::openapi::ErrorBody),
    )
)]
pub async fn quotas(
    caller: ApiCaller,
    query: web::Query<QuotaQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let service = QuotaService::parse(&query.service).ok_or_else(|| invalid("service", "api-service-unknown"))?;
    caller.in_scope(service.service())?;
    let all = match query.all.as_deref() {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(_) => return Err(invalid("all", "api-all-invalid")),
    };
    if all && !caller.is_tenant_admin() {
        return Err(AppError::Forbidden);
    }
    let db = &state.db;
    let project_id = caller.owner.project_id;
    let member = quotas::member_gauges(db, project_id, caller.owner.account_id, service).await?;
    let project = quotas::project_gauges(db, project_id, service).await?;
    let mut body = json!({
        "service": service.code(),
        "project_code": caller.owner.project_code,
        "member": gauges_json(&member),
        "project": gauges_json(&project),
    });
    if all {
        let members: Vec<Value> = quotas::members_with_gauges(db, project_id, service)
            .await?
            .into_iter()
            .map(|(m, mine)| {
                let mut entry = gauges_json(&mine);
                entry["username"] = m.username.into();
                entry["display_name"] = m.display_name.into();
                entry
            })
            .collect();
        body["members"] = Value::Array(members);
    }
    Ok(HttpResponse::Ok().json(body))
}
