//! The caller's own keys through the API: list (paged), create (no wider
//! than the calling key), rename and extend, rotate, delete. Each acts on a
//! key of the same member in the same project, through the same service
//! functions as the API Key page.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::{Map, Value};
use utoipa::ToSchema;

use super::{
    ApiCaller,
    caller::{KeyManager, scope_denied},
    request::{PageQuery, invalid, object, text},
    routes::rfc3339,
};
use crate::{
    AppState,
    api_keys::{self, KeyName, KeyScope, KeyStatus, MAX_EXTEND_DAYS, service},
    db::now,
    error::AppError,
    web::i18n::Msg,
};

#[derive(Serialize, ToSchema)]
pub struct KeyMeta {
    pub id: String,
    pub name: String,
    /// The first 8 characters of the current secret.
    pub prefix: String,
    pub project: String,
    pub created_at: String,
    pub expires_at: String,
    #[schema(value_type = Option<String>)]
    pub last_used_at: Option<String>,
    /// The client address of the last use, when known.
    #[schema(value_type = Option<String>)]
    pub last_used_from: Option<String>,
    /// What the client of the last use called itself, when known.
    #[schema(value_type = Option<String>)]
    pub last_used_agent: Option<String>,
    #[schema(inline)]
    pub status: KeyStatusName,
    /// The services the key may act on; `null`: every service its owner may use.
    #[schema(value_type = Option<Vec<crate::api::openapi::ServiceCode>>)]
    pub services: Option<Vec<String>>,
    pub read_only: bool,
    /// Until when the secret before the last rotation still works (RFC 3339), if it does.
    #[schema(value_type = Option<String>)]
    pub previous_secret_valid_until: Option<String>,
}

/// A key's status.
#[derive(Serialize, ToSchema, Clone, Copy)]
#[serde(rename_all = "snake_case")]
pub enum KeyStatusName {
    Active,
    Expired,
    Revoked,
}

impl KeyMeta {
    pub fn of(key: service::Key, now: i64) -> Self {
        KeyMeta {
            status: match KeyStatus::of(&key, now) {
                KeyStatus::Revoked => KeyStatusName::Revoked,
                KeyStatus::Expired => KeyStatusName::Expired,
                KeyStatus::Active | KeyStatus::ExpiresSoon { .. } => KeyStatusName::Active,
            },
            services: key
                .scope
                .services
                .as_ref()
                .map(|services| services.iter().map(|s| s.code().to_string()).collect()),
            read_only: key.scope.read_only,
            previous_secret_valid_until: key.previous_valid_until.map(rfc3339),
            last_used_from: Some(key.last_used_from).filter(|f| !f.is_empty()),
            last_used_agent: Some(key.last_used_agent).filter(|a| !a.is_empty()),
            id: key.key_id,
            name: key.name,
            prefix: key.prefix,
            project: key.project_code,
            created_at: rfc3339(key.created_at),
            expires_at: rfc3339(key.expires_at),
            last_used_at: key.last_used_at.map(rfc3339),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct KeyListBody {
    pub keys: Vec<KeyMeta>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<String>,
}

/// The caller's keys in the key's project, newest first: metadata only,
/// never secrets.
#[utoipa::path(
    get,
    path = "/api/v1/keys",
    tag = "keys",
    security(("api_key" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of the caller's keys, newest first", body = KeyListBody),
        (status = 422, description = "`invalid`: a bad `cursor` or `limit`", body = super::openapi::ErrorBody),
    )
)]
pub async fn list(
    caller: ApiCaller,
    query: web::Query<PageQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (before, limit) = query.parse()?;
    let owner = &caller.owner;
    let keys = service::page_before(&state.db, owner.account_id, owner.project_id, before, limit + 1).await?;
    let (keys, next_cursor) = super::request::paged(keys, limit, |key| key.id);
    let now = now();
    let keys = keys.into_iter().map(|key| KeyMeta::of(key, now)).collect();
    Ok(HttpResponse::Ok().json(KeyListBody { keys, next_cursor }))
}

/// A new key, as `POST /api/v1/keys` takes it.
#[derive(serde::Deserialize, ToSchema)]
#[schema(example = json!({"name": "ci deploy", "days": 90, "services": ["ccs"], "read_only": false}))]
#[allow(dead_code)] // read field by field (`create`), described here
pub struct NewKeyBody {
    /// At most 64 characters, none a control character.
    #[schema(pattern = r"^[^\x00-\x1f\x7f-\x9f]{0,64}$")]
    name: Option<String>,
    /// Days it is valid, from 1 to the portal's maximum (365 by default).
    #[schema(minimum = 1, maximum = 365)]
    days: i64,
    /// The services it may act on (a subset of the calling key's); all of the calling key's when absent.
    #[schema(min_items = 1)]
    services: Option<Vec<crate::api::openapi::ServiceCode>>,
    /// Read-only (a read-only key cannot create keys at all).
    read_only: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedKeyBody {
    /// The secret: shown once, never again.
    pub secret: String,
    pub key: KeyMeta,
}

/// A key's name as the body gives it: at most 64 characters before any
/// trimming (as the schema counts them).
fn name_as_given(body: &Map<String, Value>) -> Result<Option<&str>, AppError> {
    let name = text(body, "name")?;
    if name.is_some_and(|n| n.chars().count() > 64) {
        return Err(AppError::invalid("name", "key-name-invalid"));
    }
    Ok(name)
}

/// An optional whole number field, as text for the shared parser.
fn days(body: &Map<String, Value>, field: &str, max: i64) -> Result<Option<i64>, AppError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => {
            let raw = super::request::integer(value)
                .map(|n| n.to_string())
                .unwrap_or_default();
            api_keys::parse_days(&raw, "days", max)
                .map(Some)
                .map_err(|_| AppError::invalid_at(field.to_string(), Msg::new("days-invalid").arg("max", max)))
        }
    }
}

/// Creates a key for the caller, no wider than the calling key.
#[utoipa::path(
    post,
    path = "/api/v1/keys",
    tag = "keys",
    security(("api_key" = [])),
    request_body = NewKeyBody,
    responses(
        (status = 201, description = "Created; its secret is in the body, once", body = CreatedKeyBody),
        (status = 403, description = "`scope_denied`: the calling key is read-only, or the new key would be wider than it; `previous_secret`: called with the secret before a rotation, which manages no key", body = super::openapi::ErrorBody),
        (status = 409, description = "`conflict`: the member holds the most keys allowed", body = super::openapi::ErrorBody),
        (status = 413, description = "The body is too large", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: `field` names the field", body = super::openapi::ErrorBody),
    )
)]
pub async fn create(
    KeyManager(caller): KeyManager,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let body = object(&body)?;
    let name = KeyName::parse(name_as_given(&body)?.unwrap_or(""))?;
    let days = days(&body, "days", state.config.max_key_days)?.ok_or_else(|| {
        AppError::invalid_at(
            "days".to_string(),
            Msg::new("days-invalid").arg("max", state.config.max_key_days),
        )
    })?;
    let read_only = match body.get("read_only") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(read_only)) => *read_only,
        Some(_) => return Err(invalid("read_only", "api-field-not-boolean")),
    };
    let usable = caller.usable_services();
    let scope = match body.get("services") {
        None | Some(Value::Null) => KeyScope {
            services: caller.owner.scope.services.clone(),
            read_only,
        },
        Some(Value::Array(codes)) => {
            let mut services = Vec::new();
            for code in codes {
                match code.as_str().and_then(crate::permissions::Service::parse) {
                    Some(service) => services.push(service),
                    None => return Err(invalid("services", "key-services-invalid")),
                }
            }
            // A service the calling key (or its owner) may not use: wider.
            if let Some(service) = services.iter().find(|s| !usable.contains(s)) {
                return Err(scope_denied(
                    Msg::new("api-scope-service").arg("service", service.code()),
                    serde_json::json!({ "service": service.code() }),
                ));
            }
            let codes: Vec<&str> = services.iter().map(|s| s.code()).collect();
            KeyScope::parse(&codes, read_only, &usable)?
        }
        Some(_) => return Err(invalid("services", "key-services-invalid")),
    };
    if !scope.within(&caller.owner.scope) {
        return Err(scope_denied(Msg::new("api-scope-wider"), serde_json::json!({})));
    }
    let owner = &caller.owner;
    let created = api_keys::create(
        &state.db,
        owner.account_id,
        owner.project_id,
        &name,
        days,
        &scope,
        state.config.max_keys,
    )
    .await?;
    let key = service::own(&state.db, owner.account_id, owner.project_id, &created.key_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Created()
        .insert_header(("Cache-Control", "no-store"))
        .json(CreatedKeyBody {
            secret: created.secret,
            key: KeyMeta::of(key, now()),
        }))
}

/// The caller's key with this ID, or 404.
async fn own(caller: &ApiCaller, key_id: &str, state: &AppState) -> Result<service::Key, AppError> {
    service::own(&state.db, caller.owner.account_id, caller.owner.project_id, key_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A change of name or expiry, as `PATCH /api/v1/keys/{id}` takes it.
#[derive(serde::Deserialize, ToSchema)]
#[schema(example = json!({"name": "ci deploy (2027)", "extend_days": 30}))]
#[allow(dead_code)] // read field by field (`update`), described here
pub struct KeyChangeBody {
    /// A new name (at most 64 characters, none a control character).
    #[schema(pattern = r"^[^\x00-\x1f\x7f-\x9f]{0,64}$")]
    name: Option<String>,
    /// Days added to its expiry (or to now, for an expired key), 1 to 365.
    #[schema(minimum = 1, maximum = 365)]
    extend_days: Option<i64>,
}

/// Renames and/or extends one of the caller's keys.
#[utoipa::path(
    patch,
    path = "/api/v1/keys/{id}",
    tag = "keys",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The key's ID, e.g. `ak-3f9c2a71d04e`")),
    request_body = KeyChangeBody,
    responses(
        (status = 200, description = "Changed", body = KeyMeta),
        (status = 403, description = "`scope_denied`: the calling key is read-only; `previous_secret`: called with the secret before a rotation, which manages no key", body = super::openapi::ErrorBody),
        (status = 404, description = "No such key of the caller", body = super::openapi::ErrorBody),
        (status = 409, description = "`lifetime_exceeded`: the key would be valid longer than the longest lifetime from now", body = super::openapi::ErrorBody),
        (status = 413, description = "The body is too large", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: `field` names the field", body = super::openapi::ErrorBody),
    )
)]
pub async fn update(
    KeyManager(caller): KeyManager,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let key = own(&caller, &path, &state).await?;
    let body = object(&body)?;
    let name = match name_as_given(&body)? {
        Some(name) => KeyName::parse(name)?,
        None => KeyName::parse(&key.name)?,
    };
    let now = now();
    let expires_at = match days(&body, "extend_days", MAX_EXTEND_DAYS)? {
        // Past the longest lifetime: the key's expiry is in the way (409).
        Some(days) => api_keys::extended(
            key.expires_at,
            days,
            now,
            state.config.max_key_days,
            time_tz::timezones::db::UTC,
        )
        .map_err(|err| AppError::Refused {
            status: actix_web::http::StatusCode::CONFLICT,
            code: "lifetime_exceeded",
            message: err.message(),
            details: None,
        })?,
        None => key.expires_at,
    };
    let owner = &caller.owner;
    service::update(&state.db, owner.account_id, owner.project_id, &key, &name, expires_at).await?;
    let key = own(&caller, &key.key_id, &state).await?;
    Ok(HttpResponse::Ok().json(KeyMeta::of(key, now)))
}

/// How long the old secret of a rotated key stays valid.
#[derive(serde::Deserialize, ToSchema)]
#[schema(example = json!({"overlap_hours": 24}))]
#[allow(dead_code)] // read field by field (`rotate`), described here
pub struct RotateBody {
    /// 0 to 72 (default 24).
    #[schema(minimum = 0, maximum = 72)]
    overlap_hours: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RotatedKeyBody {
    /// The new secret: shown once, never again.
    pub secret: String,
    pub key: KeyMeta,
}

/// Gives one of the caller's keys a new secret under the same ID; the old
/// one works for the overlap.
#[utoipa::path(
    post,
    path = "/api/v1/keys/{id}/rotate",
    tag = "keys",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The key's ID")),
    request_body(content = Option<RotateBody>, description = "Optional: the overlap (24 hours without it)"),
    responses(
        (status = 200, description = "Rotated; the new secret is in the body, once", body = RotatedKeyBody),
        (status = 403, description = "`scope_denied`: the calling key is read-only; `previous_secret`: called with the secret before a rotation, which manages no key", body = super::openapi::ErrorBody),
        (status = 404, description = "No such key of the caller", body = super::openapi::ErrorBody),
        (status = 409, description = "`conflict`: the key is revoked", body = super::openapi::ErrorBody),
        (status = 413, description = "The body is too large", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: `field` names the field", body = super::openapi::ErrorBody),
    )
)]
pub async fn rotate(
    KeyManager(caller): KeyManager,
    path: web::Path<String>,
    body: web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let key = own(&caller, &path, &state).await?;
    // No body, or `null`: the default overlap.
    let hours = match serde_json::from_slice::<Value>(&body) {
        _ if body.iter().all(u8::is_ascii_whitespace) => 24,
        Ok(Value::Null) => 24,
        _ => match object(&body)?.get("overlap_hours") {
            None | Some(Value::Null) => 24,
            Some(value) => api_keys::parse_overlap_hours(
                &super::request::integer(value)
                    .map(|n| n.to_string())
                    .unwrap_or_default(),
            )?,
        },
    };
    if key.revoked_at.is_some() {
        return Err(AppError::Conflict(Msg::new("key-rotate-revoked")));
    }
    let owner = &caller.owner;
    let rotated = service::rotate(&state.db, owner.account_id, owner.project_id, &key, hours).await?;
    let key = own(&caller, &key.key_id, &state).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(RotatedKeyBody {
            secret: rotated.secret,
            key: KeyMeta::of(key, now()),
        }))
}

/// Deletes one of the caller's keys (the calling key itself too).
#[utoipa::path(
    delete,
    path = "/api/v1/keys/{id}",
    tag = "keys",
    security(("api_key" = [])),
    params(("id" = String, Path, description = "The key's ID")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "`scope_denied`: the calling key is read-only; `previous_secret`: called with the secret before a rotation, which manages no key", body = super::openapi::ErrorBody),
        (status = 404, description = "No such key of the caller", body = super::openapi::ErrorBody),
    )
)]
pub async fn delete(
    KeyManager(caller): KeyManager,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let owner = &caller.owner;
    let key_ids = [path.into_inner()];
    if !service::delete_own(&state.db, owner.account_id, owner.project_id, &key_ids).await? {
        return Err(AppError::NotFound);
    }
    Ok(HttpResponse::NoContent().finish())
}
