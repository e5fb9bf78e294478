//! Metered usage and wallet balances in the native API.

use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::ApiCaller;
use crate::{
    AppState,
    error::AppError,
    wallets::{Credits, MAX_RATE_PER_HOUR, MAX_USAGE_SECONDS, service as wallets},
    web::i18n::Msg,
};

/// What a service reports.
#[derive(Deserialize, ToSchema)]
#[schema(example = json!({"service": "ccs", "resource_id": "notebook-7", "seconds": 5400, "rate_per_hour": "82.0000", "idempotency_key": "usage-2026-11-30-notebook-7"}))]
#[allow(dead_code)] // documents the body; it is parsed field by field for precise errors
pub struct UsageRequest {
    service: super::openapi::ServiceCode,
    /// The service's own name for what ran, e.g. a container ID.
    #[schema(pattern = r"^[^\x00-\x1f\x7f-\x9f]{1,128}$")]
    resource_id: String,
    /// Whole seconds used, at most 31 days (2,678,400).
    #[schema(minimum = 0, maximum = 2_678_400)]
    seconds: i64,
    /// Credits per hour, as a decimal string with at most four decimals; at
    /// most 1,000,000. One report so debits at most 744,000,000 credits.
    #[schema(
        example = "82.0000",
        pattern = r"^((0|[1-9][0-9]{0,5})(\.[0-9]{1,4})?|1000000(\.0{1,4})?)$"
    )]
    rate_per_hour: String,
    /// Reporting again with the same key debits nothing new.
    #[schema(pattern = r"^[^\x00-\x1f\x7f-\x9f]{1,128}$")]
    idempotency_key: String,
}

#[derive(Serialize, ToSchema)]
pub struct UsageBody {
    pub id: i64,
    /// The debit, `rate × seconds / 3600` rounded half up to four decimals.
    pub amount: String,
    /// `sub` (the member's sub-wallet) or `parent` (the project's wallet).
    pub wallet: String,
    pub balance_after: String,
}

fn invalid(field: &str, key: &'static str) -> AppError {
    AppError::invalid_at(field.to_string(), Msg::new(key))
}

/// Records metered usage and debits it.
#[utoipa::path(
    post,
    path = "/api/v1/usage",
    tag = "wallet",
    security(("api_key" = [])),
    request_body = UsageRequest,
    responses(
        (status = 201, description = "Debited", body = UsageBody),
        (status = 200, description = "Reported before with this idempotency key; nothing new debited", body = UsageBody),
        (status = 403, description = "`service_not_permitted`", body = super::openapi::ErrorBody),
        (status = 409, description = "`balance_out_of_range`: the balance would leave the 64-bit range", body = super::openapi::ErrorBody),
        (status = 422, description = "Malformed body or out of bounds; `field` names the field", body = super::openapi::ErrorBody),
    )
)]
pub async fn report_usage(
    caller: ApiCaller,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let value: Value = serde_json::from_slice(&body).map_err(|_| invalid("body", "api-body-not-json"))?;
    let object = value.as_object().ok_or_else(|| invalid("body", "api-body-not-json"))?;
    let service = object
        .get("service")
        .and_then(Value::as_str)
        .and_then(crate::permissions::Service::parse)
        .ok_or_else(|| invalid("service", "api-usage-service"))?;
    let resource_id = super::request::short_text(object, "resource_id", 128)?;
    let seconds = object
        .get("seconds")
        .and_then(super::request::integer)
        .filter(|s| (0..=MAX_USAGE_SECONDS).contains(s))
        .ok_or_else(|| invalid("seconds", "api-seconds"))?;
    let rate = super::request::rate_per_hour(object, "rate_per_hour", MAX_RATE_PER_HOUR)?;
    let key = super::request::short_text(object, "idempotency_key", 128)?;
    caller.may_use(service)?;
    let report = wallets::UsageReport {
        project_id: caller.owner.project_id,
        account_id: caller.owner.account_id,
        service: service.code(),
        resource_id: &resource_id,
        seconds,
        rate_per_hour: rate,
        idempotency_key: &key,
    };
    let debit = crate::wallets::service::debit_usage(&state.db, report).await?;
    let body = UsageBody {
        id: debit.id,
        amount: debit.amount.to_string(),
        wallet: debit.wallet.to_string(),
        balance_after: debit.balance_after.to_string(),
    };
    Ok(if debit.new {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

#[derive(Serialize, ToSchema)]
pub struct WalletBody {
    pub project_code: String,
    /// The project's (parent) wallet balance, four decimals.
    pub project_balance: String,
    /// The caller's sub-wallet balance, if they have one.
    pub sub_wallet_balance: Option<String>,
    /// Whether new allocations are refused for a negative balance.
    pub blocked: bool,
}

/// The caller's balances.
#[utoipa::path(
    get,
    path = "/api/v1/wallet",
    tag = "wallet",
    security(("api_key" = [])),
    responses((status = 200, description = "Balances", body = WalletBody))
)]
pub async fn wallet(caller: ApiCaller, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (parent, sub) = balances(&caller, &state).await?;
    Ok(HttpResponse::Ok().json(WalletBody {
        project_code: caller.owner.project_code.clone(),
        project_balance: parent.to_string(),
        sub_wallet_balance: sub.map(|s| s.to_string()),
        blocked: parent.is_negative() || sub.is_some_and(Credits::is_negative),
    }))
}

/// The project's balance and the caller's sub-wallet balance.
pub async fn balances(caller: &ApiCaller, state: &AppState) -> Result<(Credits, Option<Credits>), AppError> {
    Ok(wallets::balances(&state.db, caller.owner.project_id, caller.owner.account_id).await?)
}
