//! CSRF: every state-changing request from a browser must carry the
//! session's token, as the `x-csrf-token` header (htmx) or the `csrf_token`
//! form field. The key-authenticated JSON API carries no cookies and is exempt.

use actix_session::SessionExt;
use actix_web::{
    Error, HttpMessage,
    body::{EitherBody, MessageBody},
    dev::{Payload, ServiceRequest, ServiceResponse},
    http::Method,
    middleware::Next,
    web::Bytes,
};

use actix_session::Session;

use crate::{error::AppError, token::constant_time_eq};

/// Where the session keeps its CSRF token.
pub const SESSION_KEY: &str = "csrf";

/// The CSRF token bound to this session, if it has one.
pub fn session_token(session: &Session) -> Option<String> {
    session.get::<String>(SESSION_KEY).ok().flatten()
}

/// Paths served to API clients, authenticated by key rather than cookie.
pub fn is_api_path(path: &str) -> bool {
    path.starts_with("/api/") || path.starts_with("/iservice/")
}

pub async fn check(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, Error> {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !is_api_path(req.path()) {
        let expected = session_token(&req.get_session());
        let mut sent = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        if sent.is_none() && req.content_type() == "application/x-www-form-urlencoded" {
            // Read the form to find the field, then put the body back for
            // the handler.
            let body = req.extract::<Bytes>().await?;
            sent = form_urlencoded::parse(&body)
                .find(|(name, _)| name == "csrf_token")
                .map(|(_, value)| value.into_owned());
            req.set_payload(Payload::from(body));
        }
        let valid = matches!((&expected, &sent), (Some(e), Some(s)) if constant_time_eq(e, s));
        if !valid {
            return Ok(req.error_response(AppError::Csrf).map_into_right_body());
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}
