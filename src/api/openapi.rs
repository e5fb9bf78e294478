//! The OpenAPI 3 document of `/api/v1`, generated from the handlers'
//! annotations.

use actix_web::HttpResponse;
use serde::Serialize;
use utoipa::{
    Modify, OpenApi, ToSchema,
    openapi::security::{ApiKey, ApiKeyValue, SecurityScheme},
};

use super::{activity, allocations, hpc, keys, members, quota_requests, routes, sub_wallets, wallet};

/// A service with quotas and allocations.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuotaServiceCode {
    Ccs,
    Vcs,
    Hpc,
}

/// A tenant role.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TenantRoleCode {
    TenantAdmin,
    TenantUser,
}

/// What a quota request asks for.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKindCode {
    Member,
    Project,
    Renewal,
}

/// Where a quota request stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestStatusCode {
    Open,
    Approved,
    Declined,
    Withdrawn,
    Closed,
}

/// What moved a wallet's balance.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerKindCode {
    Credit,
    Debit,
    Transfer,
}

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

/// The answers every operation can give, added where its annotation does
/// not say them: 401 (a keyed call without a usable key), 403 for a change
/// (a read-only key, or one not scoped to the service), 404 (an object a
/// path names), 400 (a query that does not parse) and 413 (a body over the
/// limit).
struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder, path::ParameterIn};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let changes = [&mut item.put, &mut item.post, &mut item.delete, &mut item.patch];
            let operations = std::iter::once((&mut item.get, false)).chain(changes.into_iter().map(|o| (o, true)));
            for (operation, changes) in operations {
                let Some(operation) = operation else { continue };
                let parameters = operation.parameters.iter().flatten();
                let in_query = parameters.clone().any(|p| matches!(p.parameter_in, ParameterIn::Query));
                let in_path = parameters.clone().any(|p| matches!(p.parameter_in, ParameterIn::Path));
                let answers = &mut operation.responses.responses;
                if operation.security.is_some() {
                    answers.entry("401".to_string()).or_insert_with(|| {
                        error("`missing_key`, `invalid_key`, `expired_key` or `key_disabled`").into()
                    });
                    if changes {
                        answers.entry("403".to_string()).or_insert_with(|| {
                            error("`scope_denied`: the key is read-only, or not scoped to the service").into()
                        });
                    }
                }
                if in_path {
                    answers
                        .entry("404".to_string())
                        .or_insert_with(|| error("`not_found`: none of the caller's by that name").into());
                }
                if in_query {
                    answers
                        .entry("400".to_string())
                        .or_insert_with(|| error("`bad_request`: a query parameter of the wrong type").into());
                }
                if operation.request_body.is_some() {
                    answers
                        .entry("413".to_string())
                        .or_insert_with(|| error("`payload_too_large`: the body is over the limit").into());
                }
            }
        }
    }
}

/// utoipa 5.5 writes a struct's `min_properties` as `maxProperties`: the
/// allocation's resources say "at least one" here instead.
struct AtLeastOneResource;

impl Modify for AtLeastOneResource {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{RefOr, schema::Schema};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        for name in ["CcsResources", "VcsResources", "CcsQuotaFigures", "VcsQuotaFigures"] {
            if let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) {
                object.max_properties = None;
                object.min_properties = Some(1);
            }
        }
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
        hpc::jobs,
        quota_requests::file,
        quota_requests::list,
        quota_requests::get,
        quota_requests::withdraw,
        quota_requests::decide
    ),
    components(schemas(
        ErrorBody,
        ErrorDetail,
        ServiceCode,
        QuotaServiceCode,
        TenantRoleCode,
        RequestKindCode,
        RequestStatusCode,
        LedgerKindCode,
        allocations::ShortfallBody
    )),
    modifiers(&KeyHeader, &CommonAnswers, &AtLeastOneResource)
)]
pub struct ApiDoc;

pub async fn document() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}
