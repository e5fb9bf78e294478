//! Handlers of the native API.

use actix_web::web::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiCaller;
use crate::error::AppError;

pub use crate::format::rfc3339;

#[derive(Serialize, ToSchema)]
pub struct AccountInfo {
    pub username: String,
    pub display_name: String,
    pub email: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProjectInfo {
    /// The project code, e.g. `MST110001`.
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct CallerKey {
    /// The key's public ID.
    pub id: String,
    pub name: String,
    /// RFC 3339, UTC.
    pub expires_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct WhoAmI {
    pub account: AccountInfo,
    pub project: ProjectInfo,
    /// `tenant_admin` or `tenant_user`.
    #[schema(value_type = super::openapi::TenantRoleCode)]
    pub role: String,
    pub key: CallerKey,
    /// Codes of the services this key may act on: those its owner may use
    /// (`ccs`, `vcs`, `hpc`, `cos`, `registry`) within the key's scope.
    #[schema(value_type = Vec<super::openapi::ServiceCode>)]
    pub services: Vec<String>,
}

/// Who the key belongs to, in which project, and what it may use.
#[utoipa::path(
    get,
    path = "/api/v1/whoami",
    tag = "account",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The caller", body = WhoAmI),
        (status = 401, description = "Missing, invalid, expired or disabled key", body = super::openapi::ErrorBody),
    )
)]
pub async fn whoami(caller: ApiCaller) -> Result<Json<WhoAmI>, AppError> {
    let services = caller.usable_services().iter().map(|s| s.code().to_string()).collect();
    let owner = caller.owner;
    Ok(Json(WhoAmI {
        account: AccountInfo {
            username: owner.username,
            display_name: owner.display_name,
            email: owner.email,
        },
        project: ProjectInfo {
            code: owner.project_code,
            name: owner.project_name,
        },
        role: owner.role.map(|r| r.as_str().to_string()).unwrap_or_default(),
        key: CallerKey {
            id: owner.key_id,
            name: owner.key_name,
            expires_at: rfc3339(owner.expires_at),
        },
        services,
    }))
}
