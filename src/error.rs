//! One error type for the whole portal. A handler returns `AppError`; the
//! `web::errors` middleware renders it as a page, an htmx toast or JSON,
//! depending on who asked.

use std::borrow::Cow;

use actix_web::{HttpResponse, ResponseError, http::StatusCode};

use crate::web::i18n::Msg;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("not signed in")]
    Unauthenticated,
    #[error("missing or wrong CSRF token")]
    Csrf,
    #[error("bad request")]
    BadRequest(Msg),
    #[error("invalid field {field}")]
    Invalid { field: Cow<'static, str>, message: Msg },
    #[error("conflict")]
    Conflict(Msg),
    /// A request understood but refused, with machine-readable details
    /// (a quota shortfall, a service not permitted, a negative wallet).
    #[error("refused: {code}")]
    Refused {
        status: StatusCode,
        code: &'static str,
        message: Msg,
        details: Option<serde_json::Value>,
    },
    /// Signed in, in a platform role that must have a second factor, and
    /// without one: to its enrolment first.
    #[error("a second factor is required")]
    SecondFactorRequired,
    /// An API request whose `x-api-key` is missing or not usable.
    #[error("API key rejected: {0:?}")]
    KeyRejected(KeyProblem),
    /// The database cannot be reached (a failover, a network cut): 503
    /// with `Retry-After`, never a 500.
    #[error("database unreachable: {0}")]
    Unavailable(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Why an API key was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyProblem {
    Missing,
    Invalid,
    Expired,
    /// The account is locked, the key revoked, or the membership removed.
    Disabled,
}

impl KeyProblem {
    pub fn code(self) -> &'static str {
        match self {
            KeyProblem::Missing => "missing_key",
            KeyProblem::Invalid => "invalid_key",
            KeyProblem::Expired => "expired_key",
            KeyProblem::Disabled => "key_disabled",
        }
    }
}

impl From<sqlx::Error> for AppError {
    fn from(err: sqlx::Error) -> Self {
        if crate::db::is_unreachable(&err) {
            AppError::Unavailable(err.to_string())
        } else {
            AppError::Internal(err.into())
        }
    }
}

impl From<askama::Error> for AppError {
    fn from(err: askama::Error) -> Self {
        AppError::Internal(err.into())
    }
}

impl AppError {
    pub fn invalid(field: &'static str, key: &'static str) -> Self {
        AppError::Invalid {
            field: Cow::Borrowed(field),
            message: Msg::new(key),
        }
    }

    /// Invalid input in a field named at run time (e.g. `resources.gpu`).
    pub fn invalid_at(field: String, message: Msg) -> Self {
        AppError::Invalid {
            field: Cow::Owned(field),
            message,
        }
    }

    /// The same error with a database that cannot be reached, wherever it
    /// was met (a service may carry it inside an `anyhow::Error`), as
    /// `Unavailable`.
    fn seen(&self) -> Option<AppError> {
        let AppError::Internal(cause) = self else {
            return None;
        };
        let unreachable = cause
            .chain()
            .filter_map(|err| err.downcast_ref::<sqlx::Error>())
            .any(crate::db::is_unreachable);
        unreachable.then(|| AppError::Unavailable(format!("{cause:#}")))
    }

    /// The stable code the JSON API reports.
    pub fn code(&self) -> &'static str {
        if let Some(seen) = self.seen() {
            return seen.code();
        }
        match self {
            AppError::NotFound => "not_found",
            AppError::Forbidden => "forbidden",
            AppError::Unauthenticated => "unauthenticated",
            AppError::SecondFactorRequired => "second_factor_required",
            AppError::Csrf => "csrf",
            AppError::BadRequest(_) => "bad_request",
            AppError::Invalid { .. } => "invalid",
            AppError::Conflict(_) => "conflict",
            AppError::KeyRejected(problem) => problem.code(),
            AppError::Refused { code, .. } => code,
            AppError::Unavailable(_) => "unavailable",
            AppError::Internal(_) => "internal",
        }
    }

    /// What the person is told.
    pub fn message(&self) -> Msg {
        if let Some(seen) = self.seen() {
            return seen.message();
        }
        match self {
            AppError::NotFound => Msg::new("error-not-found"),
            AppError::Forbidden => Msg::new("error-forbidden"),
            AppError::Unauthenticated => Msg::new("error-unauthenticated"),
            AppError::SecondFactorRequired => Msg::new("two-factor-required"),
            AppError::Csrf => Msg::new("error-csrf"),
            AppError::BadRequest(msg) | AppError::Conflict(msg) => msg.clone(),
            AppError::Invalid { message, .. } | AppError::Refused { message, .. } => message.clone(),
            AppError::KeyRejected(problem) => Msg::new(match problem {
                KeyProblem::Missing => "api-missing-key",
                KeyProblem::Invalid => "api-invalid-key",
                KeyProblem::Expired => "api-expired-key",
                KeyProblem::Disabled => "api-key-disabled",
            }),
            AppError::Unavailable(_) => Msg::new("error-unavailable"),
            AppError::Internal(_) => Msg::new("error-internal"),
        }
    }
}

/// What the error middleware needs to render an error; attached to the bare
/// response that `error_response` builds.
#[derive(Debug, Clone)]
pub struct ErrorReport {
    pub code: &'static str,
    pub message: Msg,
    pub field: Option<Cow<'static, str>>,
    /// Set for internal errors: the ID that the log line carries too.
    pub error_id: Option<String>,
    pub details: Option<serde_json::Value>,
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        if let Some(seen) = self.seen() {
            return seen.status_code();
        }
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::Unauthenticated | AppError::KeyRejected(_) => StatusCode::UNAUTHORIZED,
            AppError::SecondFactorRequired => StatusCode::SEE_OTHER,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Refused { status, .. } => *status,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code()).finish();
        response.extensions_mut().insert(self.report());
        response
    }
}

impl AppError {
    /// What the error middleware renders; logs an internal error's cause.
    pub fn report(&self) -> ErrorReport {
        if let Some(seen) = self.seen() {
            return seen.report();
        }
        let error_id = match self {
            AppError::Unavailable(cause) => {
                tracing::warn!(error = %cause, "database unreachable: answered 503");
                None
            }
            AppError::Internal(cause) => {
                let id = crate::token::short_id();
                tracing::error!(error_id = %id, error = format!("{cause:#}"), "internal error");
                Some(id)
            }
            _ => None,
        };
        ErrorReport {
            code: self.code(),
            message: self.message(),
            field: match self {
                AppError::Invalid { field, .. } => Some(field.clone()),
                _ => None,
            },
            error_id,
            details: match self {
                AppError::Refused { details, .. } => details.clone(),
                _ => None,
            },
        }
    }
}
