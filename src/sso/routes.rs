//! Handlers of single sign-on: the button on the sign-in page, the
//! provider's answer, the failure pages, the provider's sign-out, and
//! linking or unlinking on the Profile page.

use actix_web::{HttpRequest, HttpResponse, http::header, web};
use serde::Deserialize;

use super::{Failure, flow::Flow, service, views};
use crate::{
    AppState,
    auth::{Client, CurrentUser, Viewer, routes::finish_sign_in},
    error::AppError,
    token::constant_time_eq,
    web::{html, i18n::Msg, local_path, see_other},
};

fn failed_path(failure: Failure) -> String {
    format!("/sign-in/sso/failed/{}", failure.code())
}

#[derive(Deserialize)]
pub struct StartForm {
    #[serde(default)]
    next: String,
}

/// The sign-in page's button: off to the provider.
pub async fn start_sign_in(
    viewer: Viewer,
    form: web::Form<StartForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let next = local_path(&form.next);
    if viewer.account.is_some() {
        return Ok(see_other(&next));
    }
    start(&viewer, &state, next, None).await
}

/// The Profile page's button: off to the provider, to link what it says.
pub async fn start_link(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let account = &user.account;
    start(
        &user.viewer,
        &state,
        "/account/profile".to_string(),
        Some((account.id.0, account.session_epoch)),
    )
    .await
}

/// Sends the browser to the provider, remembering the flow in its cookie.
async fn start(
    viewer: &Viewer,
    state: &AppState,
    next: String,
    link: Option<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    // Without single sign-on there is nothing here.
    let Some(provider) = &state.sso else {
        return Err(AppError::NotFound);
    };
    let sent = match provider.authorize(viewer.lang.code()).await {
        Ok(sent) => sent,
        Err(failure) => return Ok(see_other(&failed_path(failure))),
    };
    let flow = Flow {
        state: sent.state,
        nonce: sent.nonce,
        verifier: sent.verifier,
        next,
        link,
        at: crate::db::now(),
    };
    let cookie = flow
        .cookie(&state.secrets.sso_flow_key(), !state.config.insecure_cookies)
        .map_err(AppError::Internal)?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, sent.url))
        .cookie(cookie)
        .finish())
}

#[derive(Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: String,
    /// The issuer of the answer (RFC 9207), when the provider says it.
    #[serde(default)]
    iss: String,
}

/// The provider's answer. It arrives from another site, so the browser
/// sends no session cookie with it (`SameSite=Strict`): whatever happens,
/// the answer is a page that moves on by a navigation from this site
/// (where the session cookie is sent again), to where the person goes next
/// or to the page that says what went wrong.
pub async fn callback(
    viewer: Viewer,
    req: HttpRequest,
    query: web::Query<CallbackQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let target = match complete(&viewer, &req, &query, &state).await? {
        Ok(next) => next,
        Err(failure) => failed_path(failure),
    };
    let page = views::ContinuePage {
        lang: viewer.lang,
        target,
    };
    let mut response = html(&page)?;
    response
        .add_cookie(&Flow::removal(!state.config.insecure_cookies))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(response)
}

async fn complete(
    viewer: &Viewer,
    req: &HttpRequest,
    query: &CallbackQuery,
    state: &AppState,
) -> Result<Result<String, Failure>, AppError> {
    let (Some(provider), Some(settings)) = (&state.sso, &state.config.sso) else {
        return Ok(Err(Failure::Off));
    };
    let Some(flow) = Flow::read(req, &state.secrets.sso_flow_key()) else {
        tracing::warn!(
            "an answer from the identity provider without this browser's flow (expired, or another browser)"
        );
        return Ok(Err(Failure::Expired));
    };
    if !constant_time_eq(&flow.state, &query.state) || (!query.iss.is_empty() && query.iss != provider.issuer()) {
        tracing::warn!("an answer from the identity provider with another state or issuer, refused");
        return Ok(Err(Failure::WrongState));
    }
    if !query.error.is_empty() || query.code.is_empty() {
        let error: String = query.error.chars().filter(|c| !c.is_control()).take(100).collect();
        tracing::warn!(%error, "the identity provider did not sign the person in");
        return Ok(Err(Failure::ProviderRefused));
    }
    let claims = match provider
        .finish(&query.code, &flow.verifier, &flow.nonce, &settings.username_claim)
        .await
    {
        Ok(claims) => claims,
        Err(failure) => return Ok(Err(failure)),
    };
    match flow.link {
        Some((account_id, epoch)) => {
            let account_id = crate::ids::AccountId(account_id);
            Ok(service::link(&state.db, settings, account_id, epoch, &claims)
                .await?
                .map(|()| "/account/profile#sso".to_string()))
        }
        None => match service::account_for(&state.db, settings, &claims).await? {
            Ok(account) => {
                let client = Client::of(req, &state.config.trusted_proxies);
                Ok(Ok(finish_sign_in(viewer, state, &account, &client, flow.next).await?))
            }
            Err(failure) => Ok(Err(failure)),
        },
    }
}

/// What went wrong, and what to do.
pub async fn failed(viewer: Viewer, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    let failure = Failure::parse(&path).ok_or(AppError::NotFound)?;
    failure_page(&viewer, failure)
}

fn failure_page(viewer: &Viewer, failure: Failure) -> Result<HttpResponse, AppError> {
    let page = views::FailedPage {
        message: viewer.lang.t(failure.message_key()).to_string(),
        signed_in: viewer.account.is_some(),
        l: viewer.layout(),
    };
    let body = askama::Template::render(&page)?;
    Ok(HttpResponse::build(failure.status())
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// The provider's own sign-out, offered after signing out here.
pub async fn provider_sign_out(viewer: Viewer, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let Some(provider) = &state.sso else {
        return failure_page(&viewer, Failure::Off);
    };
    match provider.end_session_url().await {
        Ok(Some(url)) => Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, url)).finish()),
        Ok(None) => failure_page(&viewer, Failure::NoSignOut),
        Err(failure) => failure_page(&viewer, failure),
    }
}

/// Unlinks the account's identity, while it still has a password to sign in with.
pub async fn unlink(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let Some(settings) = &state.config.sso else {
        return Err(AppError::NotFound);
    };
    let db = &state.db;
    if !service::may_unlink(db, user.account.id).await? {
        user.viewer.flash(false, Msg::new("sso-unlink-no-password"));
    } else if service::unlink(db, settings, user.account.id, &user.account).await? {
        user.viewer.flash(true, Msg::new("sso-unlinked"));
    }
    Ok(see_other("/account/profile#sso"))
}
