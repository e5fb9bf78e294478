//! The API Key page and its dialogs. Every handler acts only on the signed-in
//! person's own keys in their current project.

use super::views::{DeletePage, DonePage, EditPage, KeyList, KeyView, ListPage, NewPage, NewSecret};
use std::borrow::Cow;

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{KeyFilter, KeyName, KeyOrder, KeyScope, MAX_EXTEND_DAYS, parse_days, service, store};
use crate::{
    AppState,
    auth::CurrentTenant,
    db::now,
    error::AppError,
    permissions::Service,
    web::{FieldErrors, html, i18n::Msg, see_other},
};

const PAGE_SIZE: i64 = 50;

/// Which page of the key list, filtered and ordered how (`/keys?…`).
#[derive(Deserialize, Default, Clone, Copy)]
pub struct ListQuery {
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    status: KeyFilter,
    #[serde(default)]
    sort: KeyOrder,
}

pub async fn list(
    current: CurrentTenant,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let list = key_list(&current, *query, &state).await?;
    // A secret just made, taken: it is shown this once.
    let new_secret = current.viewer.take_once::<NewSecret>(NEW_SECRET);
    let page = ListPage {
        l: current.viewer.layout(),
        list,
        max_keys: state.config.max_keys,
        new_secret,
    };
    let mut response = html(&page)?;
    if page.new_secret.is_some() {
        response.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(response)
}

/// Where a secret just made waits for the key list (the session's).
const NEW_SECRET: &str = "new_secret";

/// Shows a secret just made, once, on the key list. A browser is sent
/// there (Post/Redirect/Get: a reload makes nothing more), the secret kept
/// for it in the session; htmx gets the list's content in place of the
/// page's, the dialog closed, the address `/keys`.
async fn show_once(current: &CurrentTenant, secret: NewSecret, state: &AppState) -> Result<HttpResponse, AppError> {
    if !current.viewer.htmx {
        current.viewer.keep_once(NEW_SECRET, secret)?;
        return Ok(see_other("/keys"));
    }
    let page = ListPage {
        l: current.viewer.layout(),
        list: key_list(current, ListQuery::default(), state).await?,
        max_keys: state.config.max_keys,
        new_secret: Some(secret),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .insert_header(("HX-Retarget", "#main"))
        .insert_header(("HX-Reswap", "innerHTML show:top"))
        .insert_header(("HX-Push-Url", "/keys"))
        .insert_header(("HX-Trigger", "close-dialog"))
        .body(page.as_content().render()?))
}

// ----- create -----

pub async fn new_dialog(current: CurrentTenant, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let permitted = permitted(&current, &state).await?;
    let page = NewPage {
        l: current.viewer.layout(),
        name: String::new(),
        days: "30".to_string(),
        max_days: state.config.max_key_days,
        services: permitted.iter().map(|s| (*s, true)).collect(),
        read_only: false,
        errors: FieldErrors::default(),
    };
    crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html)
}

/// The services the person may use in the project: what a key may be narrowed to.
async fn permitted(current: &CurrentTenant, state: &AppState) -> Result<Vec<Service>, AppError> {
    Ok(crate::permissions::service::permitted_services(&state.db, current.tenant.membership_id).await?)
}

/// The one value of `name` in a form's fields (empty when absent).
fn field<'a>(form: &'a [(String, String)], name: &str) -> &'a str {
    form.iter().find(|(n, _)| n == name).map_or("", |(_, v)| v.as_str())
}

/// Creates a key with its scope; the key list shows its secret, once.
/// Invalid input re-shows the form with the message next to the field.
pub async fn create(
    current: CurrentTenant,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let config = &state.config;
    let permitted = permitted(&current, &state).await?;
    let chosen: Vec<&str> = form
        .iter()
        .filter(|(n, _)| n == "services")
        .map(|(_, v)| v.as_str())
        .collect();
    let read_only = field(&form, "read_only") == "on";
    let checked = KeyName::parse(field(&form, "name")).and_then(|name| {
        let days = parse_days(field(&form, "days"), "days", config.max_key_days)?;
        // The dialog's scope fieldset says `scope=chosen`; a form posted
        // without it (a script of before scopes) makes a key as they were.
        let scope = if field(&form, "scope") == "chosen" {
            KeyScope::parse(&chosen, read_only, &permitted)?
        } else {
            KeyScope::default()
        };
        Ok((name, days, scope))
    });
    let created = match checked {
        Ok((name, days, scope)) => super::create(
            &state.db,
            current.account.id,
            current.tenant.project_id,
            &name,
            days,
            &scope,
            config.max_keys,
        )
        .await
        .map(|created| (created, name)),
        Err(err) => Err(err),
    };
    let (created, name) = match created {
        Ok(created) => created,
        Err(err @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let field_name = match &err {
                AppError::Invalid { field, .. } => field.clone(),
                _ => Cow::Borrowed("form"),
            };
            let mut errors = FieldErrors::default();
            errors.set(field_name, err.message().in_lang(current.viewer.lang));
            let page = NewPage {
                l: current.viewer.layout(),
                name: field(&form, "name").chars().take(64).collect(),
                days: field(&form, "days").chars().take(12).collect(),
                max_days: config.max_key_days,
                services: permitted.iter().map(|s| (*s, chosen.contains(&s.code()))).collect(),
                read_only,
                errors,
            };
            let body = crate::web::page_body!(current.viewer.htmx, page)?;
            return Ok(crate::web::unprocessable(body));
        }
        Err(err) => return Err(err),
    };
    show_once(
        &current,
        NewSecret {
            key_id: created.key_id,
            name: name.as_str().to_string(),
            secret: created.secret,
            expires_at: Some(created.expires_at),
            rotated: None,
        },
        &state,
    )
    .await
}

// ----- edit -----

async fn own_key(current: &CurrentTenant, key_id: &str, state: &AppState) -> Result<store::Key, AppError> {
    store::own(&state.db, current.account.id, current.tenant.project_id, key_id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn edit_dialog(
    current: CurrentTenant,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let key = own_key(&current, &path, &state).await?;
    let page = EditPage {
        l: current.viewer.layout(),
        name: key.name.clone(),
        key: KeyView::new(key, now()),
        extend_days: String::new(),
        overlap_hours: "24".to_string(),
        errors: FieldErrors::default(),
    };
    crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html)
}

#[derive(Deserialize)]
pub struct EditForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    extend_days: String,
}

/// Renames and/or extends a key (an empty extension is fine only with a new
/// name). Extension counts from the current expiry,
/// or from now for an expired key, and may not reach past the configured
/// maximum lifetime.
pub async fn edit(
    current: CurrentTenant,
    path: web::Path<String>,
    form: web::Form<EditForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let key = own_key(&current, &path, &state).await?;
    let now = now();
    let checked = KeyName::parse(&form.name).and_then(|name| {
        let expires_at = if form.extend_days.trim().is_empty() && name.as_str() != key.name {
            key.expires_at // a rename only
        } else {
            let days = parse_days(&form.extend_days, "extend_days", MAX_EXTEND_DAYS)?;
            super::extended(
                key.expires_at,
                days,
                now,
                state.config.max_key_days,
                current.viewer.time_zone(),
            )?
        };
        Ok((name, expires_at))
    });
    match checked {
        Ok((name, expires_at)) => {
            super::service::update(
                &state.db,
                current.account.id,
                current.tenant.project_id,
                &key,
                &name,
                expires_at,
            )
            .await?;
            let message = Msg::new("key-updated").arg("key", &key.key_id);
            done(&current, message, &state).await
        }
        Err(err @ AppError::Invalid { .. }) => {
            let mut errors = FieldErrors::default();
            errors.add(err, current.viewer.lang)?;
            let page = EditPage {
                l: current.viewer.layout(),
                name: form.name.chars().take(64).collect(),
                extend_days: form.extend_days.chars().take(12).collect(),
                overlap_hours: "24".to_string(),
                key: KeyView::new(key, now),
                errors,
            };
            let body = crate::web::page_body!(current.viewer.htmx, page)?;
            Ok(crate::web::unprocessable(body))
        }
        Err(err) => Err(err),
    }
}

#[derive(Deserialize)]
pub struct RotateForm {
    #[serde(default)]
    overlap_hours: String,
}

/// Gives a key a new secret under the same key ID, shown once; the one
/// before works for the overlap chosen (0–72 hours).
pub async fn rotate(
    current: CurrentTenant,
    path: web::Path<String>,
    form: web::Form<RotateForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let key = own_key(&current, &path, &state).await?;
    let hours = match super::parse_overlap_hours(&form.overlap_hours) {
        Ok(hours) => hours,
        Err(err) => {
            let mut errors = FieldErrors::default();
            errors.add(err, current.viewer.lang)?;
            let page = EditPage {
                l: current.viewer.layout(),
                name: key.name.clone(),
                extend_days: String::new(),
                overlap_hours: form.overlap_hours.chars().take(12).collect(),
                key: KeyView::new(key, now()),
                errors,
            };
            let body = crate::web::page_body!(current.viewer.htmx, page)?;
            return Ok(crate::web::unprocessable(body));
        }
    };
    if key.revoked_at.is_some() {
        return Err(AppError::Conflict(Msg::new("key-rotate-revoked")));
    }
    let rotated = super::service::rotate(&state.db, current.account.id, current.tenant.project_id, &key, hours).await?;
    show_once(
        &current,
        NewSecret {
            key_id: key.key_id.clone(),
            name: key.name.clone(),
            secret: rotated.secret,
            expires_at: None,
            rotated: Some(rotated.previous_valid_until),
        },
        &state,
    )
    .await
}

// ----- delete -----

/// The `key` values of a form or query (a checkbox list).
fn selected(pairs: &[(String, String)]) -> Vec<String> {
    let mut keys: Vec<String> = pairs
        .iter()
        .filter(|(name, _)| name == "key")
        .map(|(_, v)| v.clone())
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

pub async fn delete_dialog(
    current: CurrentTenant,
    query: web::Query<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let key_ids = selected(&query);
    if key_ids.is_empty() {
        return nothing_selected(&current);
    }
    let keys = store::own_all(&state.db, current.account.id, current.tenant.project_id, &key_ids)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = DeletePage {
        l: current.viewer.layout(),
        keys,
    };
    crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html)
}

/// Deletes exactly the selected keys, or none if any is not the person's own.
pub async fn delete(
    current: CurrentTenant,
    form: web::Form<Vec<(String, String)>>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let key_ids = selected(&form);
    if key_ids.is_empty() {
        return nothing_selected(&current);
    }
    let deleted =
        super::service::delete_own(&state.db, current.account.id, current.tenant.project_id, &key_ids).await?;
    if !deleted {
        return Err(AppError::NotFound);
    }
    done(&current, Msg::new("keys-deleted").arg("count", key_ids.len()), &state).await
}

/// Delete with no key ticked: htmx shows the message as a toast; a browser
/// without JavaScript goes back to the list, which shows it.
fn nothing_selected(current: &CurrentTenant) -> Result<HttpResponse, AppError> {
    let message = Msg::new("keys-none-selected");
    if current.viewer.htmx {
        return Err(AppError::BadRequest(message));
    }
    current.viewer.flash(false, message);
    Ok(see_other("/keys"))
}

/// After a change: htmx gets the fresh list and a toast and closes the
/// dialog; a browser without JavaScript is sent back to the list.
async fn done(current: &CurrentTenant, message: Msg, state: &AppState) -> Result<HttpResponse, AppError> {
    if !current.viewer.htmx {
        current.viewer.flash(true, message);
        return Ok(see_other("/keys"));
    }
    let page = DonePage {
        l: current.viewer.layout(),
        list: key_list(current, ListQuery::default(), state).await?,
        message: message.in_lang(current.viewer.lang),
    };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("HX-Trigger", "close-dialog"))
        .body(page.render()?))
}

/// A page of the viewer's keys in their current project.
async fn key_list(current: &CurrentTenant, query: ListQuery, state: &AppState) -> Result<KeyList, AppError> {
    let page = query.page.unwrap_or(1).clamp(1, i64::MAX / PAGE_SIZE);
    let asked = service::ListAsked {
        account_id: current.account.id,
        project_id: current.tenant.project_id,
        filter: query.status,
        order: query.sort,
        page,
        size: PAGE_SIZE,
    };
    let mut read = service::list(state, asked.clone()).await?;
    let pages = ((read.matching + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    // A page past the last (a bookmark, keys deleted since): the last one.
    let page = page.min(pages);
    if page != asked.page {
        read = service::list(state, service::ListAsked { page, ..asked }).await?;
    }
    let now = now();
    let keys = read.keys.iter().map(|k| KeyView::new(k.clone(), now)).collect();
    Ok(KeyList {
        keys,
        page,
        pages,
        counts: read.counts,
        filter: query.status,
        order: query.sort,
    })
}
