//! The Profile and Password tabs of Account & Project, the password reset
//! page, issuing reset links (support and operators), and the Notices page.

use super::views::{
    CancelEmailPage, ForgotPage, IssueResetPage, LatestNotices, NoticesPage, PasswordPage, ProfilePage, ResetPage,
};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{DisplayName, Email, check_new_password, parse_phone, parse_time_zone, service::Saved, store};
use crate::activity::ChangeKind;
use crate::{
    AppState,
    auth::{CurrentUser, Support, Viewer, password},
    error::AppError,
    notices::service as notices,
    token::digest,
    web::{
        FieldErrors, html,
        i18n::{Lang, Msg},
        redirect_after_post, see_other,
    },
};

// ----- profile -----

/// Time zones offered in the profile's list (any IANA name is accepted).
const COMMON_ZONES: &[&str] = &[
    "Asia/Taipei",
    "Asia/Tokyo",
    "Asia/Seoul",
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Singapore",
    "Asia/Kolkata",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Paris",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Australia/Sydney",
    "UTC",
];

pub async fn profile(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let a = &user.account;
    let values = [
        a.display_name.clone(),
        a.email.clone(),
        a.phone.clone(),
        a.language.code().to_string(),
        a.time_zone.clone(),
    ];
    let page = profile_page(&user, &state, values, FieldErrors::default()).await?;
    crate::web::page_body!(user.viewer.htmx, page).map(crate::web::ok_html)
}

/// The Profile tab with these values in its form (name, email, phone,
/// language, time zone) and these errors beside them.
async fn profile_page(
    user: &CurrentUser,
    state: &AppState,
    values: [String; 5],
    errors: FieldErrors,
) -> Result<ProfilePage, AppError> {
    let db = &state.db;
    let [display_name, email, phone, language, time_zone] = values;
    Ok(ProfilePage {
        tab: "profile",
        display_name,
        email,
        phone,
        language,
        time_zone,
        errors,
        zones: COMMON_ZONES,
        sessions: crate::auth::service::sessions_of(db, user.account.id).await?,
        this_session: user.viewer.session_id,
        pending_email: store::pending_email(db, user.account.id).await?,
        topics: notices::email_topics(db, user.account.id).await?,
        email_on: state.config.smtp_url.is_some(),
        sso: crate::auth::service::sso_status(db, state.config.sso.as_ref(), user.account.id, user.viewer.lang).await?,
        cluster_user: match &state.config.slurm {
            Some(_) => Some(
                crate::slurm::service::cluster_user_of(db, user.account.id)
                    .await?
                    .unwrap_or_else(|| user.account.username.clone()),
            ),
            None => None,
        },
        l: user.viewer.layout(),
    })
}

#[derive(Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    time_zone: String,
}

pub async fn save_profile(
    user: CurrentUser,
    form: web::Form<ProfileForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = user.viewer.lang;
    let mut errors = FieldErrors::default();
    let name = DisplayName::parse(&form.display_name)
        .map_err(|e| errors.add(e, lang))
        .ok();
    let email = Email::parse(&form.email).map_err(|e| errors.add(e, lang)).ok();
    let phone = parse_phone(&form.phone).map_err(|e| errors.add(e, lang)).ok();
    let zone = parse_time_zone(&form.time_zone).map_err(|e| errors.add(e, lang)).ok();
    let language = Lang::parse(&form.language);
    if language.is_none() {
        errors.add(AppError::invalid("language", "error-bad-language"), lang)?;
    }
    if let (Some(name), Some(email), Some(phone), Some(zone), Some(language)) = (&name, &email, &phone, &zone, language)
    {
        let profile = store::Profile {
            display_name: name,
            email,
            phone,
            language,
            time_zone: zone,
        };
        // With email on, a new address takes effect once its link is followed.
        let confirm = state.config.smtp_url.is_some();
        let session_id = user
            .viewer
            .session_id
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("a signed-in viewer without a session")))?;
        match super::service::update_profile(&state.db, &user.account, session_id, profile, confirm).await {
            Ok(Saved { awaiting: None }) => {
                user.viewer.flash(true, Msg::new("profile-saved"));
                return Ok(redirect_after_post(user.viewer.htmx, "/account/profile"));
            }
            Ok(Saved {
                awaiting: Some(address),
            }) => {
                user.viewer
                    .flash(true, Msg::new("profile-saved-confirm-email").arg("email", address));
                return Ok(redirect_after_post(user.viewer.htmx, "/account/profile"));
            }
            Err(err) => errors.add(err.into(), lang)?,
        }
    }
    let cap = |s: &str, n: usize| s.chars().take(n).collect::<String>();
    let values = [
        cap(&form.display_name, 100),
        cap(&form.email, 254),
        cap(&form.phone, 32),
        cap(&form.language, 8),
        cap(&form.time_zone, 64),
    ];
    let page = profile_page(&user, &state, values, errors).await?;
    Ok(crate::web::unprocessable(crate::web::page_body!(
        user.viewer.htmx,
        page
    )?))
}

/// Follows the link sent to a new email address: the address changes now
/// (the old one is told), if the session that asked for it is still on. A
/// link that is used up, expired, cancelled or unknown gets a page that
/// says so.
pub async fn confirm_email(
    viewer: Viewer,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let at = crate::db::now();
    let alive_since = (
        at - state.config.session_idle_seconds,
        at - state.config.session_lifetime_seconds,
    );
    match super::service::confirm_email_change(&state.db, &digest(&path), alive_since).await {
        Ok(true) => {
            viewer.flash(true, Msg::new("email-confirmed"));
            let next = if viewer.account.is_some() {
                "/account/profile"
            } else {
                "/sign-in"
            };
            Ok(see_other(next))
        }
        Ok(false) => Err(AppError::BadRequest(Msg::new("email-confirm-invalid"))),
        Err(err) => Err(err.into()),
    }
}

/// The page a cancel link (emailed to the current address when a change
/// was asked for) opens: what would be cancelled, and the button.
pub async fn cancel_email_page(
    viewer: Viewer,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Some((username, address)) = super::service::email_change_to_cancel(&state.db, &digest(&path)).await? else {
        return Err(AppError::BadRequest(Msg::new("email-cancel-invalid")));
    };
    let intro = Msg::new("email-cancel-intro")
        .arg("username", username)
        .arg("email", address)
        .in_lang(viewer.lang);
    let page = CancelEmailPage {
        l: viewer.layout(),
        token: path.into_inner(),
        intro,
    };
    html(&page)
}

/// Cancels the email change the link names.
pub async fn cancel_email(
    viewer: Viewer,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if !super::service::cancel_email_change(&state.db, &digest(&path)).await? {
        return Err(AppError::BadRequest(Msg::new("email-cancel-invalid")));
    }
    viewer.flash(true, Msg::new("email-cancelled"));
    let next = if viewer.account.is_some() {
        "/account/profile"
    } else {
        "/sign-in"
    };
    Ok(see_other(next))
}

/// Which notices come by email (security ones always do).
pub async fn save_topics(
    user: CurrentUser,
    form: actix_web::web::Bytes,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    // A field per ticked box, `topic=keys&topic=quotas`: read by hand (the
    // form extractor keeps one of a repeated name).
    let chosen: Vec<String> = form_urlencoded::parse(&form)
        .filter(|(name, _)| name == "topic")
        .map(|(_, value)| value.into_owned())
        .collect();
    notices::set_email_topics(&state.db, user.account.id, &chosen).await?;
    user.viewer.flash(true, Msg::new("topics-saved"));
    Ok(redirect_after_post(user.viewer.htmx, "/account/profile"))
}

// ----- sessions -----

/// Signs out one of the account's own sessions (another's is not found).
pub async fn end_session(
    user: CurrentUser,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let ended = crate::auth::service::end_sessions(&state.db, user.account.id, Some(*path), None).await?;
    if ended == 0 {
        return Err(AppError::NotFound);
    }
    if user.viewer.session_id == Some(*path) {
        user.viewer.sign_out(&state.db).await?;
        return Ok(see_other("/sign-in"));
    }
    user.viewer.flash(true, Msg::new("session-ended"));
    Ok(redirect_after_post(user.viewer.htmx, "/account/profile"))
}

/// Signs out every session of the account but this one.
pub async fn end_other_sessions(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let ended = crate::auth::service::end_sessions(&state.db, user.account.id, None, user.viewer.session_id).await?;
    // Whoever held those sessions may have asked for a new email address.
    super::service::cancel_email_changes(&state.db, user.account.id).await?;
    user.viewer.flash(true, Msg::new("sessions-ended").arg("count", ended));
    Ok(redirect_after_post(user.viewer.htmx, "/account/profile"))
}

// ----- password -----

pub async fn password_page(user: CurrentUser) -> Result<HttpResponse, AppError> {
    let page = PasswordPage {
        l: user.viewer.layout(),
        tab: "password",
        errors: FieldErrors::default(),
    };
    crate::web::page_body!(user.viewer.htmx, page).map(crate::web::ok_html)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// Changes the password: the current one must be right, the new one long
/// enough, not the username, not the current one, and typed twice alike.
/// Every other session of the account is signed out.
pub async fn change_password(
    user: CurrentUser,
    req: actix_web::HttpRequest,
    form: web::Form<PasswordForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let lang = user.viewer.lang;
    let db = &state.db;
    let mut errors = FieldErrors::default();
    // The current password is guessed no faster here than at sign-in.
    let address = crate::auth::Client::of(&req, &state.config.trusted_proxies).address;
    let scopes = [user.account.username.as_str()];
    if let Some(seconds) = crate::auth::service::admit_attempts(db, &address, &scopes).await? {
        return Err(AppError::Refused {
            status: actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            code: "throttled",
            message: Msg::new("signin-throttled").arg("seconds", seconds),
            details: None,
        });
    }
    let hash = store::password_hash(db, user.account.id).await?;
    let current: String = form.current.chars().take(1024).collect();
    if password::verify(current.clone(), hash).await? {
        crate::auth::service::attempts_succeeded(db, &address, &scopes).await?;
    } else {
        errors.add(AppError::invalid("current", "password-current-wrong"), lang)?;
    }
    if let Err(err) = check_new_password(&form.new, &user.account.username) {
        let field_err = match err {
            AppError::Invalid { message, .. } => AppError::Invalid {
                field: "new".into(),
                message,
            },
            other => other,
        };
        errors.add(field_err, lang)?;
    } else if form.new == current {
        errors.add(AppError::invalid("new", "password-same"), lang)?;
    }
    if form.confirm != form.new {
        errors.add(AppError::invalid("confirm", "password-mismatch"), lang)?;
    }
    if !errors.is_empty() {
        let page = PasswordPage {
            l: user.viewer.layout(),
            tab: "password",
            errors,
        };
        return Ok(crate::web::unprocessable(crate::web::page_body!(
            user.viewer.htmx,
            page
        )?));
    }
    let hash = password::hash(form.new).await?;
    let epoch = super::service::set_password(
        db,
        user.account.id,
        Some(user.account.id),
        &hash,
        ChangeKind::AccountPassword,
    )
    .await?;
    // Every other session of the account ends; this one goes on.
    crate::auth::service::end_sessions(db, user.account.id, None, user.viewer.session_id).await?;
    user.viewer.set_epoch(epoch);
    user.viewer.flash(true, Msg::new("password-changed"));
    Ok(redirect_after_post(user.viewer.htmx, "/account/password"))
}

// ----- reset links -----

async fn reset_target(token: &str, state: &AppState) -> Result<super::Account, AppError> {
    let account_id = store::reset_account(&state.db, &digest(token))
        .await?
        .ok_or(AppError::NotFound)?;
    crate::auth::service::by_id(&state.db, account_id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn reset_page(
    viewer: Viewer,
    path: web::Path<String>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let account = reset_target(&path, &state)
        .await
        .map_err(|_| AppError::BadRequest(Msg::new("reset-invalid")))?;
    html(&ResetPage {
        l: viewer.layout(),
        token: path.into_inner(),
        username: account.username,
        errors: FieldErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct ResetForm {
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// Sets a new password through a reset link, once; signs out every session.
pub async fn reset(
    viewer: Viewer,
    path: web::Path<String>,
    form: web::Form<ResetForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let account = reset_target(&token, &state)
        .await
        .map_err(|_| AppError::BadRequest(Msg::new("reset-invalid")))?;
    let mut errors = FieldErrors::default();
    if let Err(err) = check_new_password(&form.new, &account.username) {
        let field_err = match err {
            AppError::Invalid { message, .. } => AppError::Invalid {
                field: "new".into(),
                message,
            },
            other => other,
        };
        errors.add(field_err, viewer.lang)?;
    }
    if form.confirm != form.new {
        errors.add(AppError::invalid("confirm", "password-mismatch"), viewer.lang)?;
    }
    if !errors.is_empty() {
        let page = ResetPage {
            l: viewer.layout(),
            token,
            username: account.username,
            errors,
        };
        return Ok(crate::web::unprocessable(page.render()?));
    }
    if !store::use_reset(&state.db, &digest(&token)).await? {
        return Err(AppError::BadRequest(Msg::new("reset-invalid")));
    }
    let hash = password::hash(form.into_inner().new).await?;
    super::service::set_password(
        &state.db,
        account.id,
        Some(account.id),
        &hash,
        ChangeKind::AccountPasswordReset,
    )
    .await?;
    crate::auth::service::end_sessions(&state.db, account.id, None, None).await?;
    viewer.sign_out(&state.db).await?;
    viewer.flash(true, Msg::new("reset-done"));
    Ok(see_other("/sign-in"))
}

/// Where a reset link just issued waits for the page that shows it once
/// (the session's): the account's username and the link.
const ISSUED_LINK: &str = "issued_reset_link";

pub async fn issue_reset_page(support: Support) -> Result<HttpResponse, AppError> {
    let Support(user) = support;
    let issued = user.viewer.take_once::<(String, String)>(ISSUED_LINK);
    let shown = issued.is_some();
    let (username, link) = issued.map_or((String::new(), None), |(username, link)| (username, Some(link)));
    let page = IssueResetPage {
        l: user.viewer.layout(),
        username,
        reason: String::new(),
        link,
        errors: FieldErrors::default(),
    };
    let mut response = html(&page)?;
    if shown {
        response.headers_mut().insert(
            actix_web::http::header::CACHE_CONTROL,
            actix_web::http::header::HeaderValue::from_static("no-store"),
        );
    }
    Ok(response)
}

#[derive(Deserialize)]
pub struct IssueResetForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    reason: String,
}

/// The written reason every support action needs: 10 to 500 characters.
pub fn parse_reason(raw: &str) -> Result<String, AppError> {
    let reason = raw.trim();
    let count = reason.chars().count();
    if (10..=500).contains(&count) && !reason.chars().any(|c| c.is_control() && c != '\n') {
        Ok(reason.to_string())
    } else {
        Err(AppError::invalid("reason", "reason-invalid"))
    }
}

/// Issues a reset link for an account; the page shows it, once, to hand over.
pub async fn issue_reset(
    support: Support,
    form: web::Form<IssueResetForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Support(user) = support;
    let lang = user.viewer.lang;
    let mut errors = FieldErrors::default();
    let reason = parse_reason(&form.reason).map_err(|e| errors.add(e, lang)).ok();
    let account = store::by_username(&state.db, &form.username.trim().to_ascii_lowercase()).await?;
    match &account {
        None => errors.add(AppError::invalid("username", "account-unknown"), lang)?,
        Some(account) => user.account.platform_role.may_act_on(account.platform_role)?,
    }
    let config = &state.config;
    if config.public_url.is_none() {
        errors.add(AppError::invalid("username", "links-need-public-url"), lang)?;
    }
    if errors.is_empty()
        && let (Some(account), Some(reason), Some(_)) = (&account, &reason, &config.public_url)
    {
        // Post/Redirect/Get: the page shows the link once; a reload issues
        // no other.
        let path = super::issue_reset_link(&state.db, account.id, Some(user.account.id), reason).await?;
        let link = config.public_link(&path).unwrap_or(path);
        user.viewer.keep_once(ISSUED_LINK, (account.username.clone(), link))?;
        return Ok(see_other("/support/reset"));
    }
    let page = IssueResetPage {
        l: user.viewer.layout(),
        username: form.username.chars().take(64).collect(),
        reason: form.reason.chars().take(500).collect(),
        link: None,
        errors,
    };
    Ok(crate::web::unprocessable(page.render()?))
}

// ----- language -----

#[derive(Deserialize)]
pub struct LanguageForm {
    lang: String,
    #[serde(default)]
    next: String,
}

/// Switches the language; a signed-in person's choice is saved on the account.
pub async fn set_language(
    viewer: Viewer,
    form: web::Form<LanguageForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::parse(&form.lang).ok_or(AppError::BadRequest(Msg::new("error-bad-language")))?;
    match &viewer.account {
        Some(account) => store::set_language(&state.db, account.id, lang).await?,
        None => viewer.set_session_lang(lang),
    }
    Ok(see_other(&crate::web::local_path(&form.next)))
}

// ----- forgot password -----

pub async fn forgot_page(viewer: Viewer, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    html(&ForgotPage {
        l: viewer.layout(),
        identifier: String::new(),
        sent: false,
        email: state.config.smtp_url.is_some(),
        error: None,
    })
}

#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    identifier: String,
}

/// The same answer whether or not the name is an account's (no
/// enumeration); too many requests from one address are refused (429).
pub async fn forgot(
    viewer: Viewer,
    req: actix_web::HttpRequest,
    form: web::Form<ForgotForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let identifier: String = form.identifier.trim().chars().take(254).collect();
    let email = state.config.smtp_url.is_some();
    let mut page = ForgotPage {
        l: viewer.layout(),
        identifier: identifier.clone(),
        sent: false,
        email,
        error: None,
    };
    if identifier.is_empty() {
        page.error = Some(Msg::new("forgot-empty").in_lang(viewer.lang));
        return Ok(crate::web::unprocessable(page.render()?));
    }
    let address = crate::auth::Client::address_of(&req, &state.config.trusted_proxies).to_string();
    if !super::service::forgot_password(&state.db, &identifier, &address).await? {
        page.error = Some(Msg::new("forgot-too-many").in_lang(viewer.lang));
        return Ok(HttpResponse::TooManyRequests()
            .content_type("text/html; charset=utf-8")
            .body(page.render()?));
    }
    page.sent = true;
    page.identifier.clear();
    html(&page)
}

// ----- notices -----

/// Notices shown on one page.
const NOTICES_PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct NoticesQuery {
    page: Option<i64>,
}

pub async fn notices(
    user: CurrentUser,
    query: web::Query<NoticesQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let page = query.page.unwrap_or(1).clamp(1, i64::MAX / NOTICES_PAGE);
    let (rows, total) = notices::page(&state.db, user.account.id, NOTICES_PAGE, (page - 1) * NOTICES_PAGE).await?;
    html(&NoticesPage {
        l: user.viewer.layout(),
        notices: rows,
        page,
        pages: ((total + NOTICES_PAGE - 1) / NOTICES_PAGE).max(1),
    })
}

/// How many notices the bell's short list shows.
const BELL_NOTICES: i64 = 5;

/// The bell's short list (htmx): the latest notices, then "All notices".
/// Without JavaScript the bell is a link to the Notices page.
pub async fn latest_notices(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let (notices, _) = notices::page(&state.db, user.account.id, BELL_NOTICES, 0).await?;
    let page = LatestNotices {
        l: user.viewer.layout(),
        notices,
    };
    Ok(crate::web::ok_html(page.render()?))
}

/// Marks one notice read and opens what it is about (or comes back).
pub async fn read_notice(
    user: CurrentUser,
    path: web::Path<i64>,
    form: web::Form<ReadForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if !notices::mark_read(&state.db, user.account.id, *path).await? {
        return Err(AppError::NotFound);
    }
    let next = form
        .next
        .as_deref()
        .map_or("/notices".to_string(), crate::web::local_path);
    Ok(redirect_after_post(user.viewer.htmx, &next))
}

#[derive(Deserialize)]
pub struct ReadForm {
    next: Option<String>,
}

pub async fn read_all_notices(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let marked = notices::mark_all_read(&state.db, user.account.id).await?;
    user.viewer
        .flash(true, Msg::new("notices-all-read").arg("count", marked));
    Ok(redirect_after_post(user.viewer.htmx, "/notices"))
}
