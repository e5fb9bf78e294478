//! Sign-in and sign-out.

use super::views::{SignInCodePage, SignInPage, TwoFactorPage};
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::{Client, CurrentUser, password, session::Viewer, store};
use crate::{
    AppState,
    error::AppError,
    web::{html, i18n::Msg, local_path, redirect_after_post, see_other},
};

/// A sign-in whose password was right, waiting for its second factor (in
/// the encrypted session cookie, for a few minutes).
#[derive(Serialize, Deserialize)]
struct HalfSignedIn {
    account_id: i64,
    username: String,
    next: String,
    at: i64,
}

const HALF_SIGNED_IN: &str = "half_signed_in";
/// How long the second step may wait for its code.
const SECOND_STEP_SECONDS: i64 = 300;

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    signed_out: String,
}

pub async fn sign_in_page(
    viewer: Viewer,
    query: web::Query<NextQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let next = local_path(&query.next);
    if viewer.account.is_some() {
        return Ok(crate::web::see_other(&next));
    }
    let sso = state.config.sso.as_ref().map(|sso| sso.label(viewer.lang));
    html(&SignInPage {
        l: viewer.layout(),
        next,
        username: String::new(),
        error: None,
        signed_out_sso: sso.is_some() && query.signed_out == "sso",
        sso,
    })
}

#[derive(Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn sign_in(
    viewer: Viewer,
    req: HttpRequest,
    form: web::Form<SignInForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = local_path(&form.next);
    let username: String = form.username.trim().to_ascii_lowercase().chars().take(64).collect();
    let db = &state.db;
    let client = Client::of(&req, &state.config.trusted_proxies);

    let refuse = |viewer: &Viewer, status: StatusCode, msg: Msg| {
        let page = SignInPage {
            l: viewer.layout(),
            next: next.clone(),
            username: form.username.trim().chars().take(64).collect(),
            error: Some(msg.in_lang(viewer.lang)),
            sso: state.config.sso.as_ref().map(|sso| sso.label(viewer.lang)),
            signed_out_sso: false,
        };
        Ok::<_, AppError>(
            HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(page.render()?),
        )
    };

    // Counted before the password is checked: parallel guesses cannot
    // outrun the count.
    if let store::Attempt::Wait(seconds) = store::admit_attempt(db, &client.address, &username).await? {
        tracing::info!(address = %client.address, "sign-in throttled");
        return refuse(
            &viewer,
            StatusCode::TOO_MANY_REQUESTS,
            Msg::new("signin-throttled").arg("seconds", seconds),
        );
    }

    let found = if username.is_empty() {
        None
    } else {
        store::credentials(db, &username).await?
    };
    let (account, hash) = match found {
        Some((account, hash)) => (Some(account), Some(hash)),
        None => (None, None),
    };
    // The same work whether or not the username exists.
    let password_ok = password::verify(form.password.chars().take(1024).collect(), hash).await?;

    match account {
        // A locked account answers a right password exactly as a wrong one.
        Some(account) if password_ok && !account.locked => {
            store::attempt_succeeded(db, &client.address, &username).await?;
            // Where the operator says so, an account linked to the identity
            // provider signs in there only.
            if let Some(sso) = state.config.sso.as_ref().filter(|sso| !sso.passwords_for_linked)
                && store::sso_identity(db, account.id, &sso.issuer).await?.is_some()
            {
                return refuse(&viewer, StatusCode::FORBIDDEN, Msg::new("signin-use-sso"));
            }
            let next = finish_sign_in(&viewer, &state, &account, &client, next).await?;
            Ok(redirect_after_post(viewer.htmx, &next))
        }
        _ => refuse(&viewer, StatusCode::UNPROCESSABLE_ENTITY, Msg::new("signin-failed")),
    }
}

/// Signs in a person who proved who they are (a password, or the identity
/// provider): their second factor first when they have one. Where to go next.
pub async fn finish_sign_in(
    viewer: &Viewer,
    state: &AppState,
    account: &crate::auth::identity::Account,
    client: &Client,
    next: String,
) -> Result<String, AppError> {
    if let Some((_, true, _)) = super::service::two_factor(&state.db, account.id).await? {
        let half = HalfSignedIn {
            account_id: account.id.0,
            username: account.username.clone(),
            next,
            at: crate::db::now(),
        };
        viewer
            .session
            .insert(HALF_SIGNED_IN, half)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))?;
        return Ok("/sign-in/code".to_string());
    }
    viewer.sign_in(state, account, client).await?;
    tracing::info!(account = %account.username, address = %client.address, "signed in");
    Ok(landing(account, next))
}

/// Where a sign-in lands: support staff and operators at their console
/// unless they were on their way somewhere.
fn landing(account: &crate::auth::identity::Account, next: String) -> String {
    match account.platform_role.console() {
        Some(console) if next == "/" => console.to_string(),
        _ => next,
    }
}

/// Ends the session; an account linked to the identity provider is offered
/// the provider's sign-out too (on the sign-in page).
pub async fn sign_out(viewer: Viewer, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let linked = match (&state.config.sso, &viewer.account) {
        (Some(sso), Some(account)) => store::sso_identity(&state.db, account.id, &sso.issuer).await?.is_some(),
        _ => false,
    };
    viewer.sign_out(&state.db).await?;
    viewer.set_session_lang(viewer.lang);
    Ok(crate::web::see_other(if linked {
        "/sign-in?signed_out=sso"
    } else {
        "/sign-in"
    }))
}

fn half_signed_in(viewer: &Viewer) -> Option<HalfSignedIn> {
    let half: HalfSignedIn = viewer.session.get(HALF_SIGNED_IN).ok().flatten()?;
    (crate::db::now() - half.at < SECOND_STEP_SECONDS).then_some(half)
}

pub async fn code_page(viewer: Viewer) -> Result<HttpResponse, AppError> {
    if half_signed_in(&viewer).is_none() {
        return Ok(see_other("/sign-in"));
    }
    html(&SignInCodePage {
        l: viewer.layout(),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// The second step: a code, throttled as passwords are; a code already
/// used (in its 30 seconds) is refused, a recovery code works once.
pub async fn sign_in_code(
    viewer: Viewer,
    req: HttpRequest,
    form: web::Form<CodeForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some(half) = half_signed_in(&viewer) else {
        return Ok(see_other("/sign-in"));
    };
    let db = &state.db;
    let client = Client::of(&req, &state.config.trusted_proxies);
    let scope = format!("2fa:{}", half.username);
    let refuse = |viewer: &Viewer, status: StatusCode, msg: Msg| {
        let page = SignInCodePage {
            l: viewer.layout(),
            error: Some(msg.in_lang(viewer.lang)),
        };
        Ok::<_, AppError>(
            HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(page.render()?),
        )
    };
    if let store::Attempt::Wait(seconds) = store::admit_attempt(db, &client.address, &scope).await? {
        return refuse(
            &viewer,
            StatusCode::TOO_MANY_REQUESTS,
            Msg::new("signin-throttled").arg("seconds", seconds),
        );
    }
    let account_id = crate::ids::AccountId(half.account_id);
    let code: String = form.code.chars().take(64).collect();
    if !super::service::second_factor_ok(db, account_id, &code).await? {
        return refuse(&viewer, StatusCode::UNPROCESSABLE_ENTITY, Msg::new("two-factor-wrong"));
    }
    store::attempt_succeeded(db, &client.address, &scope).await?;
    let Some(account) = super::service::by_id(db, account_id).await?.filter(|a| !a.locked) else {
        return Ok(see_other("/sign-in"));
    };
    viewer.sign_in(&state, &account, &client).await?;
    tracing::info!(account = %account.username, address = %client.address, "signed in with a second factor");
    Ok(redirect_after_post(viewer.htmx, &landing(&account, half.next)))
}

/// Two-factor sign-in: on, or an enrolment to confirm (its secret kept
/// while the page is reloaded, so an app that scanned it stays right).
pub async fn two_factor_page(
    user: CurrentUser,
    query: web::Query<NextQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let page = two_factor_view(&user, &state, Vec::new(), None, &query.next).await?;
    html(&page)
}

async fn two_factor_view(
    user: &CurrentUser,
    state: &AppState,
    codes: Vec<String>,
    error: Option<String>,
    next: &str,
) -> Result<TwoFactorPage, AppError> {
    let db = &state.db;
    let account = &user.account;
    let (secret, enabled) = match super::service::two_factor(db, account.id).await? {
        Some((secret, enabled, _)) => (secret, enabled),
        None => {
            let secret = super::totp::new_secret();
            super::service::start_enrolment(db, account.id, &secret).await?;
            (secret, false)
        }
    };
    let qr = if enabled {
        String::new()
    } else {
        super::totp::otpauth_url(&secret, &account.username)
            .and_then(|url| super::totp::qr_svg(&url))
            .unwrap_or_default()
    };
    Ok(TwoFactorPage {
        l: user.viewer.layout(),
        enabled,
        secret: if enabled { String::new() } else { secret },
        qr,
        codes,
        recovery_left: super::service::recovery_codes_left(db, account.id).await?,
        error,
        required: !enabled && state.config.require_two_factor_for.contains(&account.platform_role),
        // Where to go on once it is on: where the person was going, if
        // anywhere (never this page again).
        next: match local_path(next) {
            path if path.starts_with("/account/two-factor") => "/".to_string(),
            path => path,
        },
    })
}

#[derive(Deserialize)]
pub struct EnrolForm {
    #[serde(default)]
    code: String,
    /// Where the person was going when the enrolment was asked of them.
    #[serde(default)]
    next: String,
}

/// Confirms an enrolment with a code: on, and the recovery codes shown
/// once, with the way on to where the person was going.
pub async fn enable_two_factor(
    user: CurrentUser,
    form: web::Form<EnrolForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let code: String = form.code.chars().take(64).collect();
    let next: String = form.next.chars().take(2048).collect();
    match super::service::enable_two_factor(&state.db, user.account.id, &code).await? {
        Some(codes) => {
            let page = two_factor_view(&user, &state, codes, None, &next).await?;
            let mut response = html(&page)?;
            response.headers_mut().insert(
                actix_web::http::header::CACHE_CONTROL,
                actix_web::http::header::HeaderValue::from_static("no-store"),
            );
            Ok(response)
        }
        None => {
            let error = Msg::new("two-factor-wrong").in_lang(user.viewer.lang);
            let page = two_factor_view(&user, &state, Vec::new(), Some(error), &next).await?;
            Ok(crate::web::unprocessable(page.render()?))
        }
    }
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

/// Turns the second factor off: the password and a code (or a recovery
/// code), their attempts counted as signing in counts them.
pub async fn disable_two_factor(
    user: CurrentUser,
    req: HttpRequest,
    form: web::Form<DisableForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let client = Client::of(&req, &state.config.trusted_proxies);
    let username = user.account.username.as_str();
    let code_scope = format!("2fa:{username}");
    let scopes = [username, code_scope.as_str()];
    let refuse = async |status: StatusCode, msg: Msg| {
        let page = two_factor_view(&user, &state, Vec::new(), Some(msg.in_lang(user.viewer.lang)), "").await?;
        Ok::<_, AppError>(
            HttpResponse::build(status)
                .content_type("text/html; charset=utf-8")
                .body(page.render()?),
        )
    };
    if let Some(seconds) = super::service::admit_attempts(db, &client.address, &scopes).await? {
        return refuse(
            StatusCode::TOO_MANY_REQUESTS,
            Msg::new("signin-throttled").arg("seconds", seconds),
        )
        .await;
    }
    let hash = store::credentials(db, username).await?.map(|(_, hash)| hash);
    let password_ok = password::verify(form.password.chars().take(1024).collect(), hash).await?;
    let code: String = form.code.chars().take(64).collect();
    if !password_ok || !super::service::second_factor_ok(db, user.account.id, &code).await? {
        return refuse(StatusCode::UNPROCESSABLE_ENTITY, Msg::new("two-factor-disable-wrong")).await;
    }
    super::service::attempts_succeeded(db, &client.address, &scopes).await?;
    super::service::disable_two_factor(db, user.account.id).await?;
    user.viewer.flash(true, Msg::new("two-factor-off"));
    Ok(redirect_after_post(user.viewer.htmx, "/account/two-factor"))
}
