//! Renders every `AppError` the way the asker needs it: JSON for API
//! clients, a toast fragment for htmx, a full page in the layout otherwise.

use actix_web::{
    Error, HttpRequest, HttpResponse,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::{StatusCode, header},
    middleware::Next,
};
use askama::Template;

use futures_util::future::LocalBoxFuture;

use crate::{
    error::{AppError, ErrorReport},
    web::{Layout, csrf::is_api_path, i18n::Lang, is_htmx, local_path},
};

/// How the app frames an error page for whoever asked (given as app data:
/// this layer knows no account or project).
#[derive(Clone, Copy)]
pub struct ErrorFrame(pub for<'a> fn(&'a HttpRequest) -> LocalBoxFuture<'a, Option<Layout>>);

/// The JSON error body every API answers with:
/// `{"error": {"code", "message", "field"?, "error_id"?, "details"?}}`.
pub fn json_error(req: &HttpRequest, status: StatusCode, report: &ErrorReport) -> HttpResponse {
    let lang = Lang::negotiate(
        req.headers()
            .get("accept-language")
            .and_then(|v| v.to_str().ok())
            .unwrap_or(""),
    );
    let mut error = serde_json::json!({
        "code": report.code,
        "message": report.message.in_lang(lang),
    });
    if let Some(field) = &report.field {
        error["field"] = field.as_ref().into();
    }
    if let Some(id) = &report.error_id {
        error["error_id"] = id.as_str().into();
    }
    if let Some(details) = &report.details {
        error["details"] = details.clone();
    }
    HttpResponse::build(status).json(serde_json::json!({ "error": error }))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    status: u16,
    title: String,
    message: String,
    error_id: Option<String>,
}

#[derive(Template)]
#[template(path = "partials/toast.html")]
struct Toast {
    success: bool,
    text: String,
}

pub async fn render(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    match take_report(response) {
        Ok((request, status, report)) => {
            let rendered = with_retry_after(render_report(&request, status, &report).await);
            Ok(ServiceResponse::new(request, rendered))
        }
        Err(response) => Ok(response),
    }
}

/// Renders the errors of a scope its own way (an API's error shape), before
/// they reach `render`.
pub async fn render_in_scope(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
    renderer: fn(&HttpRequest, StatusCode, &ErrorReport) -> HttpResponse,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let response = next.call(req).await?.map_into_boxed_body();
    match take_report(response) {
        Ok((request, status, report)) => {
            let rendered = with_retry_after(renderer(&request, status, &report));
            Ok(ServiceResponse::new(request, rendered))
        }
        Err(response) => Ok(response),
    }
}

/// Seconds a client is told to wait before trying again while the
/// database cannot be reached (a failover takes about ten).
const RETRY_AFTER_SECONDS: &str = "5";

/// A 503 says when to come back.
fn with_retry_after(mut response: HttpResponse) -> HttpResponse {
    if response.status() == StatusCode::SERVICE_UNAVAILABLE {
        response.headers_mut().insert(
            header::RETRY_AFTER,
            header::HeaderValue::from_static(RETRY_AFTER_SECONDS),
        );
    }
    response
}

/// The request, status and report of an error response; any other response
/// back as it is.
#[allow(clippy::result_large_err)]
fn take_report(
    response: ServiceResponse<BoxBody>,
) -> Result<(HttpRequest, StatusCode, ErrorReport), ServiceResponse<BoxBody>> {
    let found = response.response().extensions().get::<ErrorReport>().cloned();
    let report = match found {
        Some(report) => report,
        // A body over the limit of an extractor that has no error handler
        // of its own (`web::Bytes`).
        None if response.status() == StatusCode::PAYLOAD_TOO_LARGE => super::limits::too_large().report(),
        None => return Err(response),
    };
    let status = response.status();
    // The request must not be cloned before routing (actix needs it
    // unshared), so it is taken back from the response.
    let (request, _) = response.into_parts();
    Ok((request, status, report))
}

async fn render_report(req: &HttpRequest, status: StatusCode, report: &ErrorReport) -> HttpResponse {
    if is_api_path(req.path()) {
        // An API's own renderer answers inside its scope; this is for the
        // rest (a path no API route matches).
        return json_error(req, status, report);
    }

    let back_to = local_path(
        &req.uri()
            .path_and_query()
            .map_or("/".to_string(), |pq| pq.as_str().to_string()),
    );
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::SEE_OTHER {
        // Not signed in: to sign-in, then back here. (A 303 error: to the
        // second factor's enrolment first.)
        let location = if status == StatusCode::SEE_OTHER {
            // Back here after the enrolment, if here is a page to go to.
            if req.method() == actix_web::http::Method::GET && !is_htmx(req) {
                format!("/account/two-factor?next={}", urlencode(&back_to))
            } else {
                "/account/two-factor".to_string()
            }
        } else {
            format!("/sign-in?next={}", urlencode(&back_to))
        };
        return if is_htmx(req) {
            HttpResponse::Ok().insert_header(("HX-Redirect", location)).finish()
        } else {
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish()
        };
    }

    let layout = match req.app_data::<ErrorFrame>() {
        // Without the database, the page is framed for nobody in particular
        // (asking it who is signed in would wait for it again).
        _ if status == StatusCode::SERVICE_UNAVAILABLE => Some(Layout::signed_out(req)),
        Some(frame) => (frame.0)(req).await,
        None => None,
    };
    let lang = layout.as_ref().map_or(Lang::En, |l| l.lang);
    let mut text = report.message.in_lang(lang);
    if let Some(id) = &report.error_id {
        text = lang.t_args("error-internal-id", &[("id", id.clone())]);
    }

    if is_htmx(req) {
        let toast = Toast { success: false, text };
        return match toast.render() {
            Ok(body) => HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .insert_header(("HX-Retarget", "#toasts"))
                .insert_header(("HX-Reswap", "beforeend"))
                .body(body),
            Err(_) => HttpResponse::build(status).finish(),
        };
    }

    let page = match layout {
        Some(l) => ErrorPage {
            l,
            status: status.as_u16(),
            title: lang.t(title_key(status)).to_string(),
            message: text.clone(),
            error_id: report.error_id.clone(),
        }
        .render(),
        None => Err(askama::Error::Fmt),
    };
    match page {
        Ok(body) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .body(body),
        Err(_) => HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(format!("{} {text}", status.as_u16())),
    }
}

fn title_key(status: StatusCode) -> &'static str {
    match status.as_u16() {
        403 => "error-title-403",
        404 => "error-title-404",
        409 => "error-title-409",
        413 => "error-title-413",
        414 => "error-title-414",
        429 => "error-title-429",
        503 => "error-title-503",
        500..=599 => "error-title-500",
        _ => "error-title-400",
    }
}

fn urlencode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The app's fallback for paths nothing else answers.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
