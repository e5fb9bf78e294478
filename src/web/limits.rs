//! Size limits of requests, answered with the normal error page (or JSON
//! error) rather than a dropped connection: 414 for a request line too long,
//! 413 for a body too big.
//!
//! A request head over 64 KiB never reaches the app: the HTTP layer answers
//! it with a bare 400 (a URI it cannot hold) or 431 (a head over 128 KiB).

use actix_web::{
    Error,
    body::{BoxBody, MessageBody},
    dev::{ServiceRequest, ServiceResponse},
    http::StatusCode,
    middleware::Next,
};

use crate::{error::AppError, web::i18n::Msg};

/// The longest path and query string answered normally.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// The largest form body.
pub const MAX_FORM_BYTES: usize = 64 * 1024;
/// The largest body read whole (JSON).
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// 413: the body is too big.
pub fn too_large() -> AppError {
    AppError::Refused {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        code: "payload_too_large",
        message: Msg::new("error-too-large"),
        details: None,
    }
}

/// 414 for an over-long request line, before anything else looks at it.
pub async fn check_uri(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let length = req.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if length > MAX_URI_BYTES {
        let error = AppError::Refused {
            status: StatusCode::URI_TOO_LONG,
            code: "uri_too_long",
            message: Msg::new("error-uri-too-long"),
            details: None,
        };
        return Ok(req.error_response(error).map_into_boxed_body());
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
