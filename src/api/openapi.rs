//! The OpenAPI 3 document of `/api/v1`, generated from the handlers'
//! annotations.

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
};

use super::{activity, allocations, keys, members, quota_requests, routes, sub_wallets, wallet};

/// A service's code.
#[derive(Serialize, serde::Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceCode {
    Ccs,
    Vcs,
    Hpc,
    Cos,
    Registry,
}

/// Every error: a stable code and a human message.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable: `missing_key`, `invalid_key`, `expired_key`, `key_disabled`, `not_found`, …
    pub code: String,
    pub message: String,
    /// For invalid input: the field at fault.
    pub field: Option<String>,
    /// For refusals: what was refused and why.
    pub details: Option<serde_json::Value>,
}

struct KeyHeader;

impl Modify for KeyHeader {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("x-api-key"))),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Member Center API", version = "1", description = "Accounts, keys and quotas of a compute cloud. Authenticate with the `x-api-key` header."),
    paths(
        routes::whoami,
        keys::list,
        keys::create,
        keys::update,
        keys::rotate,
        keys::delete,
        members::list,
        members::add,
        members::set_role,
        members::remove,
        members::permissions,
        members::set_permissions,
        members::set_quota,
        sub_wallets::list,
        sub_wallets::open,
        sub_wallets::close,
        sub_wallets::transfer,
        sub_wallets::ledger,
        activity::changes,
        activity::calls,
        allocations::admit,
        allocations::release,
        allocations::list,
        allocations::quotas,
        wallet::report_usage,
        wallet::wallet,
        quota_requests::file,
        quota_requests::list,
        quota_requests::get,
        quota_requests::withdraw,
        quota_requests::decide
    ),
    components(schemas(ErrorBody, ErrorDetail, ServiceCode, allocations::ShortfallBody)),
    modifiers(&KeyHeader)
)]
pub struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
