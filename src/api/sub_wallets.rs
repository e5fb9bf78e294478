//! The project's wallet through the API, for its tenant admins' keys:
//! sub-wallets (list, open, close), moving credit between the project's
//! wallet and a member's, and the ledger (paged, filtered). The same
//! service functions as the Wallet tab, so the same rules: never more
//! than the source holds, a closed sub-wallet's credit returns.

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
    AppState,
    error::AppError,
    projects,
    wallets::service::{self as wallets, Direction},
};

#[derive(Serialize, ToSchema)]
pub struct SubWalletBody {
    pub username: String,
    pub display_name: String,
    /// Credits, four decimals, e.g. `"12.5000"`.
    pub balance: String,
}

#[derive(Serialize, ToSchema)]
pub struct SubWalletListBody {
    /// The project's own (parent) wallet's balance.
    pub project_balance: String,
    pub sub_wallets: Vec<SubWalletBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<String>,
}

/// The project's open sub-wallets, by member.
#[utoipa::path(
    get,
    path = "/api/v1/wallet/sub-wallets",
    tag = "wallet",
    security(("api_key" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of sub-wallets, and the project's balance", body = SubWalletListBody),
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
    let db = &state.db;
    let project_id = caller.owner.project_id;
    let parent = wallets::parent(db, project_id).await?;
    let mut subs = wallets::sub_wallets(db, project_id).await?;
    subs.sort_by_key(|w| w.id);
    subs.retain(|w| after.is_none_or(|after| w.id > after));
    subs.truncate(usize::try_from(limit + 1).unwrap_or(0));
    let (subs, next_cursor) = paged(subs, limit, |w| w.id);
    Ok(HttpResponse::Ok().json(SubWalletListBody {
        project_balance: parent.balance.to_string(),
        sub_wallets: subs
            .into_iter()
            .map(|w| SubWalletBody {
                username: w.username,
                display_name: w.display_name,
                balance: w.balance.to_string(),
            })
            .collect(),
        next_cursor,
    }))
}

async fn sub_wallet_body(
    caller: &ApiCaller,
    member: projects::service::Member,
    state: &AppState,
) -> Result<SubWalletBody, AppError> {
    let wallet = wallets::sub_wallet(&state.db, caller.owner.project_id, member.account_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(SubWalletBody {
        username: member.username,
        display_name: member.display_name,
        balance: wallet.balance.to_string(),
    })
}

/// Whose sub-wallet to open.
#[derive(serde::Deserialize, ToSchema)]
#[schema(example = json!({"username": "bob"}))]
#[allow(dead_code)] // read field by field (`open`), described here
pub struct OpenBody {
    username: String,
}

/// Opens a member's sub-wallet (reopening a closed one), empty.
#[utoipa::path(
    post,
    path = "/api/v1/wallet/sub-wallets",
    tag = "wallet",
    security(("api_key" = [])),
    request_body = OpenBody,
    responses(
        (status = 201, description = "Opened", body = SubWalletBody),
        (status = 403, description = "`forbidden`: not a tenant admin's key; `scope_denied`: a read-only key", body = super::openapi::ErrorBody),
        (status = 404, description = "No such member of the project", body = super::openapi::ErrorBody),
        (status = 409, description = "`conflict`: the member has a sub-wallet", body = super::openapi::ErrorBody),
        (status = 413, description = "The body is too large", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: `field` names the field", body = super::openapi::ErrorBody),
    )
)]
pub async fn open(caller: ApiCaller, body: web::Bytes, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    caller.tenant_admin_only()?;
    let body = object(&body)?;
    let username = text(&body, "username")?.unwrap_or("");
    let member = caller.member_named(&state.db, username).await?;
    wallets::open_sub_wallet(
        &state.db,
        caller.owner.account_id,
        caller.owner.project_id,
        member.account_id,
        &member.username,
    )
    .await?;
    Ok(HttpResponse::Created().json(sub_wallet_body(&caller, member, &state).await?))
}

#[derive(Serialize, ToSchema)]
pub struct ClosedBody {
    /// What was left in it, returned to the project's wallet.
    pub returned: String,
}

/// Closes a member's sub-wallet; what is left returns to the project's wallet.
#[utoipa::path(
    delete,
    path = "/api/v1/wallet/sub-wallets/{username}",
    tag = "wallet",
    security(("api_key" = [])),
    params(("username" = String, Path, description = "The member's username")),
    responses(
        (status = 200, description = "Closed", body = ClosedBody),
        (status = 403, description = "`forbidden`: not a tenant admin's key; `scope_denied`: a read-only key", body = super::openapi::ErrorBody),
        (status = 404, description = "No such member, or no open sub-wallet", body = super::openapi::ErrorBody),
    )
)]
pub async fn close(
    caller: ApiCaller,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    caller.tenant_admin_only()?;
    let member = caller.member_named(&state.db, &path).await?;
    let returned = wallets::close_sub_wallet(
        &state.db,
        caller.owner.account_id,
        caller.owner.project_id,
        member.account_id,
        &member.username,
    )
    .await?;
    Ok(HttpResponse::Ok().json(ClosedBody {
        returned: returned.to_string(),
    }))
}

/// A move of credit between the project's wallet and a member's.
#[derive(serde::Deserialize, ToSchema)]
#[schema(example = json!({"username": "bob", "direction": "to_sub_wallet", "amount": "250"}))]
#[allow(dead_code)] // read field by field (`transfer`), described here
pub struct TransferBody {
    username: String,
    /// `to_sub_wallet` or `to_project`.
    #[schema(inline)]
    direction: DirectionName,
    /// Credits, more than zero, at most four decimals, e.g. `"25"` or `"12.5"`.
    #[schema(
        pattern = r"^([1-9][0-9]{0,11}(\.[0-9]{1,4})?|0\.(000[1-9]|00[1-9][0-9]?|0[1-9][0-9]{0,2}|[1-9][0-9]{0,3}))$"
    )]
    amount: String,
}

#[derive(serde::Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DirectionName {
    ToSubWallet,
    ToProject,
}

#[derive(Serialize, ToSchema)]
pub struct BalancesBody {
    pub project_balance: String,
    pub sub_wallet: SubWalletBody,
}

/// Moves credit between the project's wallet and a member's sub-wallet,
/// never more than the source holds (two ledger rows, one transaction).
#[utoipa::path(
    post,
    path = "/api/v1/wallet/transfers",
    tag = "wallet",
    security(("api_key" = [])),
    request_body = TransferBody,
    responses(
        (status = 200, description = "Moved; both balances now", body = BalancesBody),
        (status = 403, description = "`forbidden`: not a tenant admin's key; `scope_denied`: a read-only key", body = super::openapi::ErrorBody),
        (status = 404, description = "No such member, or no open sub-wallet", body = super::openapi::ErrorBody),
        (status = 409, description = "`insufficient_credit`: more than the source holds", body = super::openapi::ErrorBody),
        (status = 413, description = "The body is too large", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: `field` names the field", body = super::openapi::ErrorBody),
    )
)]
pub async fn transfer(
    caller: ApiCaller,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    caller.tenant_admin_only()?;
    let body = object(&body)?;
    let direction = match body.get("direction").and_then(Value::as_str) {
        Some("to_sub_wallet") => Direction::ToSub,
        Some("to_project") => Direction::ToParent,
        _ => return Err(invalid("direction", "api-direction-invalid")),
    };
    let amount = super::request::positive_credits(&body, "amount")?;
    let member = caller
        .member_named(&state.db, text(&body, "username")?.unwrap_or(""))
        .await?;
    wallets::transfer(
        &state.db,
        caller.owner.account_id,
        caller.owner.project_id,
        member.account_id,
        &member.username,
        direction,
        amount,
    )
    .await
    .map_err(|err| match err {
        // More than the source holds: its balance is in the way.
        wallets::WalletError::Insufficient { available } => AppError::Refused {
            status: actix_web::http::StatusCode::CONFLICT,
            code: "insufficient_credit",
            message: crate::web::i18n::Msg::new("wallet-insufficient").arg("available", available),
            details: Some(serde_json::json!({ "available": available.to_string() })),
        },
        other => other.into(),
    })?;
    let parent = wallets::parent(&state.db, caller.owner.project_id).await?;
    Ok(HttpResponse::Ok().json(BalancesBody {
        project_balance: parent.balance.to_string(),
        sub_wallet: sub_wallet_body(&caller, member, &state).await?,
    }))
}

/// Which ledger rows.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerQuery {
    /// The `next_cursor` of the page before; none for the first page.
    #[param(pattern = r"^c[0-9]{1,18}$")]
    pub cursor: Option<String>,
    /// How many, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Rows of this member's sub-wallet, or that they caused (a username).
    pub member: Option<String>,
    /// The first day, `YYYY-MM-DD` (UTC).
    #[param(format = Date, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub from: Option<String>,
    /// The last day, `YYYY-MM-DD` (UTC).
    #[param(format = Date, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerEntryBody {
    pub id: i64,
    /// RFC 3339, UTC.
    pub at: String,
    #[schema(value_type = super::openapi::LedgerKindCode)]
    pub kind: String,
    #[schema(value_type = Option<super::openapi::ServiceCode>)]
    pub service: Option<String>,
    /// Who caused it (a username), when someone did.
    #[schema(value_type = Option<String>)]
    pub actor: Option<String>,
    /// Whose sub-wallet (a username); `null` for the project's wallet.
    #[schema(value_type = Option<String>)]
    pub sub_wallet: Option<String>,
    pub balance_before: String,
    /// Signed: negative for a debit.
    pub amount: String,
    pub balance_after: String,
    pub detail: String,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerBody {
    pub entries: Vec<LedgerEntryBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<String>,
}

/// The project's ledger, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/wallet/ledger",
    tag = "wallet",
    security(("api_key" = [])),
    params(LedgerQuery),
    responses(
        (status = 200, description = "A page of ledger rows", body = LedgerBody),
        (status = 400, description = "`bad_request`: a malformed query", body = super::openapi::ErrorBody),
        (status = 403, description = "`forbidden`: not a tenant admin's key", body = super::openapi::ErrorBody),
        (status = 404, description = "`not_found`: no such `member`", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: `field` names the parameter at fault", body = super::openapi::ErrorBody),
    )
)]
pub async fn ledger(
    caller: ApiCaller,
    query: web::Query<LedgerQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    caller.tenant_admin_only()?;
    let (before, limit) = super::request::page(query.cursor.as_deref(), query.limit)?;
    let (from, to) = super::request::period(query.from.as_deref(), query.to.as_deref())?;
    let member = match query.member.as_deref().filter(|m| !m.is_empty()) {
        None => None,
        Some(username) => Some(caller.member_named(&state.db, username).await?.account_id),
    };
    let filter = wallets::LedgerFilter {
        from,
        to,
        member,
        wallet: None,
    };
    let rows = wallets::ledger_before(
        &state.db,
        caller.owner.project_id,
        &filter,
        before.unwrap_or(i64::MAX),
        limit + 1,
    )
    .await?;
    let (rows, next_cursor) = paged(rows, limit, |row| row.id);
    // A key scoped to some services lists no other service's use.
    let in_scope = |row: &wallets::LedgerRow| {
        row.service
            .as_deref()
            .and_then(crate::permissions::Service::parse)
            .is_none_or(|s| caller.owner.scope.allows(s))
    };
    let entries = rows
        .into_iter()
        .filter(in_scope)
        .map(|row| LedgerEntryBody {
            id: row.id,
            at: rfc3339(row.at),
            kind: row.kind,
            service: row.service,
            actor: row.actor,
            sub_wallet: row.wallet_owner,
            balance_before: row.balance_before.to_string(),
            amount: row.amount.to_string(),
            balance_after: row.balance_after.to_string(),
            detail: row.detail,
        })
        .collect();
    Ok(HttpResponse::Ok().json(LedgerBody { entries, next_cursor }))
}
