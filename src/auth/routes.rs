//! Sign-in and sign-out.

use super::views::SignInPage;
use actix_web::{HttpRequest, HttpResponse, http::StatusCode, web};
use askama::Template;
use serde::Deserialize;

use super::{Client, password, session::Viewer, store};
use crate::{
    AppState,
    error::AppError,
    web::{html, i18n::Msg, local_path, redirect_after_post},
};

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn sign_in_page(viewer: Viewer, query: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    let next = local_path(&query.next);
    if viewer.account.is_some() {
        return Ok(crate::web::see_other(&next));
    }
    html(&SignInPage {
        l: viewer.layout(),
        next,
        username: String::new(),
        error: None,
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
            viewer.sign_in(&state, &account, &client).await?;
            tracing::info!(account = %account.username, address = %client.address, "signed in");
            // Support staff and operators start at their console unless
            // they were on their way somewhere.
            let next = match account.platform_role.console() {
                Some(console) if next == "/" => console.to_string(),
                _ => next,
            };
            Ok(redirect_after_post(viewer.htmx, &next))
        }
        _ => refuse(&viewer, StatusCode::UNPROCESSABLE_ENTITY, Msg::new("signin-failed")),
    }
}

pub async fn sign_out(viewer: Viewer, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    viewer.sign_out(&state.db).await?;
    viewer.set_session_lang(viewer.lang);
    Ok(crate::web::see_other("/sign-in"))
}
