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

use crate::{
    auth::session::Viewer,
    error::{AppError, ErrorReport},
    web::{Layout, csrf::is_api_path, i18n::Lang, is_htmx, local_path},
};

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
    // The request must not be cloned before routing (actix needs it
    // unshared), so it is taken back from the response.
    let response = next.call(req).await?.map_into_boxed_body();
    let found = response.response().extensions().get::<ErrorReport>().cloned();
    let report = match found {
        Some(report) => report,
        // A body over the limit of an extractor that has no error handler
        // of its own (`web::Bytes`).
        None if response.status() == StatusCode::PAYLOAD_TOO_LARGE => super::limits::too_large().report(),
        None => return Ok(response),
    };
    let status = response.status();
    let (request, _) = response.into_parts();
    let rendered = render_report(&request, status, &report).await;
    Ok(ServiceResponse::new(request, rendered))
}

async fn render_report(req: &HttpRequest, status: StatusCode, report: &ErrorReport) -> HttpResponse {
    if crate::twcc::is_twcc_path(req.path()) {
        // TWCC's client prints `detail` as "Error-<detail>".
        let detail = report.message.in_lang(Lang::En);
        return HttpResponse::build(status).json(serde_json::json!({ "detail": detail }));
    }
    if is_api_path(req.path()) {
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
        return HttpResponse::build(status).json(serde_json::json!({ "error": error }));
    }

    let back_to = local_path(
        &req.uri()
            .path_and_query()
            .map_or("/".to_string(), |pq| pq.as_str().to_string()),
    );
    if status == StatusCode::UNAUTHORIZED {
        // Not signed in: to sign-in, then back here.
        let location = format!("/sign-in?next={}", urlencode(&back_to));
        return if is_htmx(req) {
            HttpResponse::Ok().insert_header(("HX-Redirect", location)).finish()
        } else {
            HttpResponse::SeeOther()
                .insert_header((header::LOCATION, location))
                .finish()
        };
    }

    let viewer = Viewer::load(req).await;
    let lang = viewer.as_ref().map_or(Lang::En, |v| v.lang);
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

    let page = match viewer {
        Ok(viewer) => ErrorPage {
            l: viewer.layout(),
            status: status.as_u16(),
            title: lang.t(title_key(status)).to_string(),
            message: text.clone(),
            error_id: report.error_id.clone(),
        }
        .render(),
        Err(_) => Err(askama::Error::Fmt),
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
