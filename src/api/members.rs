//! The project's members through the API, for its tenant admins' keys:
//! list (paged), add by username or email, change a role, remove; read and
//! set a member's services; set a member's quota. The same service
//! functions as the portal's Members, Permissions and Quota pages, so the
//! same rules: the last tenant admin stays, removal leaves nothing behind,
//! a member's quota is never above the project's.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

use super::{
    ApiCaller,
    request::{PageQuery, invalid, object, paged, text},
    routes::rfc3339,
};
use crate::{
    AppState, accounts,
    error::AppError,
    members,
    permissions::{self, Service},
    projects::{self, TenantRole},
    quotas::{QuotaLimit, QuotaService, Resource, service as quota_service},
    web::i18n::Msg,
};

/// A tenant role as the API names it.
#[derive(Serialize, serde::Deserialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum RoleName {
    TenantAdmin,
    TenantUser,
}

impl From<TenantRole> for RoleName {
    fn from(role: TenantRole) -> Self {
        match role {
            TenantRole::Admin => RoleName::TenantAdmin,
            TenantRole::User => RoleName::TenantUser,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberBody {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: RoleName,
    /// When the account joined the project (RFC 3339).
    pub since: String,
    /// The services the member may use.
    #[schema(value_type = Vec<crate::api::openapi::ServiceCode>)]
    pub services: Vec<String>,
}

impl MemberBody {
    fn of(member: projects::service::Member, services: &[Service]) -> Self {
        MemberBody {
            username: member.username,
            display_name: member.display_name,
            email: member.email,
            role: member.role.into(),
            since: rfc3339(member.since),
            services: services.iter().map(|s| s.code().to_string()).collect(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MemberListBody {
    pub members: Vec<MemberBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<String>,
}

/// The project's members, in the order they joined.
#[utoipa::path(
    get,
    path = "/api/v1/members",
    tag = "members",
    security(("api_key" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the project's members", body = MemberListBody),
        (status = 403, description = "`forbidden`: not a tenant admin's key", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: a bad `cursor` or `limit`", body = super::openapi::ErrorBody),
    )
)]
pub async fn list(
    caller: ApiCaller,
    query: web::Query<PageQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    caller.tenant_admin_only()?;
    let (after, limit) = query.parse()?;
    let project_id = caller.owner.project_id;
    let rows = projects::service::members_after(&state.db, project_id, after, limit + 1).await?;
    let (rows, next_cursor) = paged(rows, limit, |(row, _)| *row);
    let permissions = permissions::service::project_permissions(&state.db, project_id).await?;
    let members = rows
        .into_iter()
        .map(|(_, member)| {
            let services = permissions.get(&member.account_id).map_or(&[][..], Vec::as_slice);
            MemberBody::of(member, &caller.scoped(services))
        })
        .collect();
    Ok(HttpResponse::Ok().json(MemberListBody { members, next_cursor }))
}

/// The member as the API shows them now.
async fn body_of(caller: &ApiCaller, username: &str, state: &AppState) -> Result<MemberBody, AppError> {
    let member = caller.member_named(&state.db, username).await?;
    let services = permissions::service::project_permissions(&state.db, caller.owner.project_id)
        .await?
        .remove(&member.account_id)
        .unwrap_or_default();
    Ok(MemberBody::of(member, &caller.scoped(&services)))
}

fn role_in(body: &serde_json::Map<String, Value>) -> Result<TenantRole, AppError> {
    text(body, "role")?
        .and_then(TenantRole::parse)
        .ok_or_else(|| invalid("role", "member-role-invalid"))
}

/// Who to add, and as what.
#[derive(serde::Deserialize, ToSchema)]
#[schema(example = json!({"user": "bob@example.org", "role": "tenant_user"}))]
#[allow(dead_code)] // read field by field (`add`), described here
pub struct NewMemberBody {
    /// A username, or an email address.
    user: String,
    #[schema(inline)]
    role: RoleName,
}

/// Adds an account to the project, with the default services.
#[utoipa::path(
    post,
    path = "/api/v1/members",
    tag = "members",
    security(("api_key" = [])),
    request_body = NewMemberBody,
    responses(
        (status = 201, description = "Added", body = MemberBody),
        (status = 403, description = "`forbidden`: not a tenant admin's key; `scope_denied`: a read-only key", body = super::openapi::ErrorBody),
        (status = 404, description = "No account has this username or email", body = super::openapi::ErrorBody),
        (status = 409, description = "`conflict`: already a member", body = super::openapi::ErrorBody),
        (status = 413, description = "The body is too large", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: `field` names the field", body = super::openapi::ErrorBody),
    )
)]
pub async fn add(caller: ApiCaller, body: web::Bytes, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    caller.tenant_admin_only()?;
    let body = object(&body)?;
    let role = role_in(&body)?;
    let identifier = text(&body, "user")?.map(str::trim).unwrap_or("");
    let db = &state.db;
    let account = if identifier.contains('@') {
        accounts::service::by_email(db, identifier).await?
    } else {
        accounts::service::by_username(db, &identifier.to_ascii_lowercase()).await?
    }
    .ok_or(AppError::NotFound)?;
    members::service::add(
        db,
        Some(caller.owner.account_id),
        caller.owner.project_id,
        account.id,
        &account.username,
        role,
    )
    .await?;
    Ok(HttpResponse::Created().json(body_of(&caller, &account.username, &state).await?))
}

/// A member's new role.
#[derive(serde::Deserialize, ToSchema)]
#[schema(example = json!({"role": "tenant_admin"}))]
#[allow(dead_code)] // read field by field (`set_role`), described here
pub struct RoleBody {
    #[schema(inline)]
    role: RoleName,
}

/// Changes a member's role; the project's last tenant admin stays one.
#[utoipa::path(
    patch,
    path = "/api/v1/members/{username}",
    tag = "members",
    security(("api_key" = [])),
    params(("username" = String, Path, description = "The member's username")),
    request_body = RoleBody,
    responses(
        (status = 200, description = "Changed", body = MemberBody),
        (status = 403, description = "`forbidden`: not a tenant admin's key; `scope_denied`: a read-only key", body = super::openapi::ErrorBody),
        (status = 404, description = "No such member of the project", body = super::openapi::ErrorBody),
        (status = 409, description = "`conflict`: the project's last tenant admin", body = super::openapi::ErrorBody),
        (status = 413, description = "The body is too large", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: no such role", body = super::openapi::ErrorBody),
    )
)]
pub async fn set_role(
    caller: ApiCaller,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    caller.tenant_admin_only()?;
    let member = caller.member_named(&state.db, &path).await?;
    let role = role_in(&object(&body)?)?;
    members::service::set_role(
        &state.db,
        caller.owner.account_id,
        caller.owner.project_id,
        member.account_id,
        &member.username,
        role,
    )
    .await?;
    Ok(HttpResponse::Ok().json(body_of(&caller, &member.username, &state).await?))
}

/// How a removal treats the member's live allocations.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RemoveQuery {
    /// Release the member's live allocations too (default: no; a tenant
    /// admin may release them later).
    release_allocations: Option<bool>,
}

/// Removes a member: their keys, object-storage pair and member quotas go,
/// their sub-wallet's credit returns to the project wallet, their open
/// quota requests close. The project's last tenant admin stays.
#[utoipa::path(
    delete,
    path = "/api/v1/members/{username}",
    tag = "members",
    security(("api_key" = [])),
    params(("username" = String, Path, description = "The member's username"), RemoveQuery),
    responses(
        (status = 204, description = "Removed"),
        (status = 400, description = "`bad_request`: a malformed query", body = super::openapi::ErrorBody),
        (status = 403, description = "`forbidden`: not a tenant admin's key; `scope_denied`: a read-only key", body = super::openapi::ErrorBody),
        (status = 404, description = "No such member of the project", body = super::openapi::ErrorBody),
        (status = 409, description = "`conflict`: the project's last tenant admin", body = super::openapi::ErrorBody),
    )
)]
pub async fn remove(
    caller: ApiCaller,
    path: web::Path<String>,
    query: web::Query<RemoveQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    caller.tenant_admin_only()?;
    let member = caller.member_named(&state.db, &path).await?;
    members::service::remove(
        &state.db,
        caller.owner.account_id,
        caller.owner.project_id,
        member.account_id,
        &member.username,
        query.release_allocations.unwrap_or(false),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A member's services.
#[derive(Serialize, serde::Deserialize, ToSchema)]
#[schema(example = json!({"services": ["ccs", "cos"]}))]
pub struct ServicesBody {
    #[schema(value_type = Vec<crate::api::openapi::ServiceCode>)]
    pub services: Vec<String>,
}

/// The services a member may use.
#[utoipa::path(
    get,
    path = "/api/v1/members/{username}/permissions",
    tag = "members",
    security(("api_key" = [])),
    params(("username" = String, Path, description = "The member's username")),
    responses(
        (status = 200, description = "The member's services", body = ServicesBody),
        (status = 403, description = "`forbidden`: not a tenant admin's key", body = super::openapi::ErrorBody),
        (status = 404, description = "No such member of the project", body = super::openapi::ErrorBody),
    )
)]
pub async fn permissions(
    caller: ApiCaller,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    caller.tenant_admin_only()?;
    let member = body_of(&caller, &path, &state).await?;
    Ok(HttpResponse::Ok().json(ServicesBody {
        services: member.services,
    }))
}

/// Sets the services a member may use (recorded before → after).
#[utoipa::path(
    put,
    path = "/api/v1/members/{username}/permissions",
    tag = "members",
    security(("api_key" = [])),
    params(("username" = String, Path, description = "The member's username")),
    request_body = ServicesBody,
    responses(
        (status = 200, description = "Set", body = ServicesBody),
        (status = 400, description = "`bad_request`: an unknown service", body = super::openapi::ErrorBody),
        (status = 403, description = "`forbidden`: not a tenant admin's key; `scope_denied`: a read-only key", body = super::openapi::ErrorBody),
        (status = 404, description = "No such member of the project", body = super::openapi::ErrorBody),
        (status = 413, description = "The body is too large", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: `services` is not a list of codes", body = super::openapi::ErrorBody),
    )
)]
pub async fn set_permissions(
    caller: ApiCaller,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    caller.tenant_admin_only()?;
    let member = caller.member_named(&state.db, &path).await?;
    let body = object(&body)?;
    let Some(Value::Array(codes)) = body.get("services") else {
        return Err(invalid("services", "api-services-list"));
    };
    let codes: Vec<&str> = codes
        .iter()
        .map(|code| code.as_str().ok_or_else(|| invalid("services", "api-services-list")))
        .collect::<Result<_, _>>()?;
    let chosen = permissions::service::chosen(&state.db, &codes).await?;
    // A key scoped to some services grants and revokes only those: it may
    // not name another, and the member keeps the others as they are.
    for service in &chosen {
        caller.in_scope(*service)?;
    }
    permissions::service::set(
        &state.db,
        caller.owner.account_id,
        caller.owner.project_id,
        member.account_id,
        &member.username,
        &chosen,
        caller.owner.scope.services.as_deref(),
    )
    .await?;
    let member = body_of(&caller, &member.username, &state).await?;
    Ok(HttpResponse::Ok().json(ServicesBody {
        services: member.services,
    }))
}

/// A member's quota for one service: a whole number per resource, or -1
/// for unlimited (bounded by the project's quota at admission); resources
/// left out keep their quota.
#[derive(serde::Deserialize, ToSchema)]
#[schema(example = json!({"gpu": 4, "cpu": -1}))]
#[allow(dead_code)] // read field by field (`set_quota`), described here
#[serde(deny_unknown_fields)]
pub struct MemberQuotaBody {
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    cpu: Option<i64>,
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    gpu: Option<i64>,
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    memory: Option<i64>,
    /// `vcs` only.
    #[schema(minimum = -1, maximum = 1_000_000_000)]
    floating_ip: Option<i64>,
}

/// Sets a member's quota for a service, never above the project's (the
/// check and the write in one transaction, as the Edit Quota dialog).
#[utoipa::path(
    put,
    path = "/api/v1/members/{username}/quotas/{service}",
    tag = "members",
    security(("api_key" = [])),
    params(
        ("username" = String, Path, description = "The member's username"),
        ("service" = String, Path, pattern = "^(ccs|vcs|hpc)$", description = "A service with quotas: `ccs`, `vcs` or `hpc`"),
    ),
    request_body = MemberQuotaBody,
    responses(
        (status = 200, description = "Set; the member's quotas and usage of the service now", body = MemberQuotasBody),
        (status = 403, description = "`forbidden`: not a tenant admin's key; `scope_denied`: a read-only key", body = super::openapi::ErrorBody),
        (status = 404, description = "No such member of the project, or a service without quotas", body = super::openapi::ErrorBody),
        (status = 409, description = "`above_project_quota`: above the project's quota (`details` says which); `resource_not_of_service`: e.g. `floating_ip` for `ccs`", body = super::openapi::ErrorBody),
        (status = 413, description = "The body is too large", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: `field` names the resource (not a number, or out of range)", body = super::openapi::ErrorBody),
    )
)]
pub async fn set_quota(
    caller: ApiCaller,
    path: web::Path<(String, String)>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    caller.tenant_admin_only()?;
    let (username, service) = path.into_inner();
    let service = QuotaService::parse(&service).ok_or(AppError::NotFound)?;
    caller.in_scope(service.service())?;
    let member = caller.member_named(&state.db, &username).await?;
    let body = object(&body)?;
    let mut values = Vec::new();
    for (name, value) in &body {
        let resource = Resource::parse(name).ok_or_else(|| invalid(name, "api-resource-unknown"))?;
        if value.is_null() {
            continue; // left as it is
        }
        // A number (the form's empty field, "unlimited", is -1 here).
        let raw = super::request::integer(value).map_or_else(|| "not a number".to_string(), |n| n.to_string());
        let limit = QuotaLimit::parse(&raw, resource.code())?;
        // A resource of another service (`floating_ip` for ccs).
        if !service.resources().contains(&resource) {
            return Err(AppError::Refused {
                status: actix_web::http::StatusCode::CONFLICT,
                code: "resource_not_of_service",
                message: Msg::new("api-resource-unknown"),
                details: Some(serde_json::json!({ "resource": name, "service": service.code() })),
            });
        }
        values.push((resource, limit));
    }
    if !values.is_empty() {
        quota_service::set_member_quotas(
            &state.db,
            caller.owner.account_id,
            caller.owner.project_id,
            member.account_id,
            &member.username,
            service,
            &values,
        )
        .await
        .map_err(|err| match err {
            // Above the project's quota: the project's figure is in the way.
            quota_service::QuotaError::AboveProject { resource, limit } => AppError::Refused {
                status: actix_web::http::StatusCode::CONFLICT,
                code: "above_project_quota",
                message: Msg::new("quota-above-project")
                    .arg("limit", limit)
                    .arg("resource", resource.code()),
                details: Some(serde_json::json!({ "resource": resource.code(), "project_quota": limit })),
            },
            other => other.into(),
        })?;
    }
    let gauges = quota_service::member_gauges(&state.db, caller.owner.project_id, member.account_id, service).await?;
    Ok(HttpResponse::Ok().json(MemberQuotasBody {
        service: service.code().to_string(),
        username: member.username,
        resources: gauges
            .iter()
            .map(|g| {
                let gauge = GaugeBody {
                    usage: g.usage,
                    quota: g.quota(),
                };
                (g.resource.code().to_string(), gauge)
            })
            .collect(),
    }))
}

/// A resource's usage and quota.
#[derive(Serialize, ToSchema)]
pub struct GaugeBody {
    pub usage: i64,
    /// -1: unlimited.
    pub quota: i64,
}

#[derive(Serialize, ToSchema)]
pub struct MemberQuotasBody {
    #[schema(value_type = super::openapi::QuotaServiceCode)]
    pub service: String,
    pub username: String,
    /// Per resource (`cpu`, `gpu`, `memory`, …).
    pub resources: std::collections::BTreeMap<String, GaugeBody>,
}
