//! Handlers of the native API.

use actix_web::{
    HttpResponse,
    web::{self, Json},
};
use serde::Serialize;
use utoipa::ToSchema;

use super::ApiCaller;
use crate::{
    AppState,
    api_keys::{self, KeyStatus},
    db::now,
    error::AppError,
};

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
    pub role: String,
    pub key: CallerKey,
    /// Codes of the services this tenant may use: `ccs`, `vcs`, `hpc`, `cos`, `registry`.
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
    let services = caller.services.iter().map(|s| s.code().to_string()).collect();
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

#[derive(Serialize, ToSchema)]
pub struct KeyMeta {
    pub id: String,
    pub name: String,
    /// The first 8 characters of the secret.
    pub prefix: String,
    pub project: String,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    /// `active` or `expired`.
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct KeyListBody {
    pub keys: Vec<KeyMeta>,
}

/// The caller's keys in the key's project: metadata only, never secrets.
#[utoipa::path(
    get,
    path = "/api/v1/keys",
    tag = "keys",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The caller's keys, newest first", body = KeyListBody),
        (status = 401, description = "Missing, invalid, expired or disabled key", body = super::openapi::ErrorBody),
    )
)]
pub async fn keys(caller: ApiCaller, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let now = now();
    let (keys, _, _) = api_keys::service::list(
        &state.db,
        caller.owner.account_id,
        caller.owner.project_id,
        api_keys::KeyFilter::All,
        api_keys::KeyOrder::Created,
        now,
        state.config.max_keys.max(1000),
        0,
    )
    .await?;
    let keys = keys
        .into_iter()
        .map(|key| KeyMeta {
            status: match KeyStatus::of(&key, now) {
                KeyStatus::Revoked => "revoked",
                KeyStatus::Expired => "expired",
                KeyStatus::Active | KeyStatus::ExpiresSoon { .. } => "active",
            }
            .to_string(),
            id: key.key_id,
            name: key.name,
            prefix: key.prefix,
            project: key.project_code,
            created_at: rfc3339(key.created_at),
            expires_at: rfc3339(key.expires_at),
            last_used_at: key.last_used_at.map(rfc3339),
        })
        .collect();
    Ok(HttpResponse::Ok().json(KeyListBody { keys }))
}
