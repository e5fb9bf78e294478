//! The native JSON API (`/api/v1`), authenticated by the `x-api-key` header.
//! Every call made with a recognised key is recorded in the activity log,
//! off the request path.

pub mod activity;
pub mod allocations;
pub mod caller;
pub mod docs;
pub mod hpc;
pub mod keys;
pub mod members;
pub mod openapi;
pub mod quota_requests;
pub mod request;
pub mod routes;
pub mod sub_wallets;
pub mod wallet;

use std::time::Instant;

use actix_web::{
    Error, HttpMessage,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    middleware::{Next, from_fn},
    web,
};

pub use caller::ApiCaller;
use caller::CallerMark;

use crate::{
    AppState,
    activity::{ApiCall, calls},
    db::now,
    web::router::Routes,
};

/// The API's errors as JSON: `{"error": {"code", "message", …}}`.
async fn render_errors(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    crate::web::errors::render_in_scope(req, next, crate::web::errors::json_error).await
}

pub fn configure(r: &mut Routes) {
    r.scope(
        "/api/v1",
        |scope| {
            scope
                .default_service(web::to(not_routed))
                .wrap(from_fn(render_errors))
                .wrap(from_fn(record))
        },
        |r| {
            r.get("/openapi.json", openapi::document)
                .get("/docs", docs::page)
                .get("/whoami", routes::whoami)
                .get("/keys", keys::list)
                .post("/keys", keys::create)
                .patch("/keys/{id}", keys::update)
                .delete("/keys/{id}", keys::delete)
                .post("/keys/{id}/rotate", keys::rotate)
                .get("/members", members::list)
                .post("/members", members::add)
                .patch("/members/{username}", members::set_role)
                .delete("/members/{username}", members::remove)
                .get("/members/{username}/permissions", members::permissions)
                .put("/members/{username}/permissions", members::set_permissions)
                .put("/members/{username}/quotas/{service}", members::set_quota)
                .get("/wallet/sub-wallets", sub_wallets::list)
                .post("/wallet/sub-wallets", sub_wallets::open)
                .delete("/wallet/sub-wallets/{username}", sub_wallets::close)
                .post("/wallet/transfers", sub_wallets::transfer)
                .get("/wallet/ledger", sub_wallets::ledger)
                .get("/activity/changes", activity::changes)
                .get("/activity/calls", activity::calls)
                .post("/allocations", allocations::admit)
                .get("/allocations", allocations::list)
                .delete("/allocations/{id}", allocations::release)
                .get("/quotas", allocations::quotas)
                .post("/usage", wallet::report_usage)
                .get("/hpc/jobs", hpc::jobs)
                .get("/wallet", wallet::wallet)
                .post("/quota-requests", quota_requests::file)
                .get("/quota-requests", quota_requests::list)
                .get("/quota-requests/{id}", quota_requests::get)
                .post("/quota-requests/{id}/withdraw", quota_requests::withdraw)
                .post("/quota-requests/{id}/decision", quota_requests::decide);
        },
    );
}

/// A path of the API asked with a method it does not take: 405, naming
/// the methods it does take (`Allow`); any other path: 404.
async fn not_routed(req: actix_web::HttpRequest) -> actix_web::HttpResponse {
    let path = req.path();
    let allowed: Vec<&str> = crate::access::TABLE
        .iter()
        .filter(|(_, pattern, _)| {
            pattern.starts_with("/api/") && actix_web::dev::ResourceDef::new(*pattern).is_match(path)
        })
        .map(|(method, _, _)| *method)
        .collect();
    let error = if allowed.is_empty() {
        crate::error::AppError::NotFound
    } else {
        crate::error::AppError::Refused {
            status: actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
            code: "method_not_allowed",
            message: crate::web::i18n::Msg::new("error-method-not-allowed"),
            details: None,
        }
    };
    let status = actix_web::ResponseError::status_code(&error);
    let mut response = crate::web::errors::json_error(&req, status, &error.report());
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&allowed.join(", "))
        && !allowed.is_empty()
    {
        response.headers_mut().insert(actix_web::http::header::ALLOW, value);
    }
    response
}

/// Hands every call made with a recognised key to the activity recorder.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let started = Instant::now();
    let response = next.call(req).await?;
    let request = response.request();
    let mark = request.extensions().get::<CallerMark>().cloned();
    if let (Some(mark), Some(state)) = (mark, request.app_data::<web::Data<AppState>>()) {
        state.recorder.record(ApiCall {
            at: now(),
            key_row: mark.key_row,
            key_id: mark.key_id,
            account_id: mark.account_id,
            project_id: mark.project_id,
            method: calls::method_code(request.method().as_str()),
            route: calls::route_code(request.match_pattern().as_deref()),
            client: crate::auth::Client::address_of(request, &state.config.trusted_proxies),
            agent: request
                .headers()
                .get("user-agent")
                .and_then(|v| v.to_str().ok())
                .map(|agent| agent.chars().filter(|c| !c.is_control()).take(100).collect())
                .unwrap_or_default(),
            status: response.status().as_u16(),
            latency_us: i64::try_from(started.elapsed().as_micros()).unwrap_or(i64::MAX),
        });
    }
    Ok(response)
}
