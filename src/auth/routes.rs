//! Sign-in and sign-out.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::{password, session::Viewer, store};
use crate::{
    accounts,
    db::now,
    error::AppError,
    web::{Layout, html, i18n::Msg, local_path, redirect_after_post},
};

/// Failed attempts that close a username for `LOCKOUT_SECONDS`.
const MAX_FAILURES: i64 = 5;
const LOCKOUT_SECONDS: i64 = 15 * 60;

#[derive(Template)]
#[template(path = "auth/sign_in.html")]
struct SignInPage {
    l: Layout,
    next: String,
    username: String,
    error: Option<String>,
}

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

pub async fn sign_in(viewer: Viewer, form: web::Form<SignInForm>) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let next = local_path(&form.next);
    let username = form.username.trim().to_ascii_lowercase();
    let db = viewer.db();

    let refuse = |viewer: &Viewer, msg: Msg| {
        let page = SignInPage {
            l: viewer.layout(),
            next: next.clone(),
            username: form.username.trim().chars().take(64).collect(),
            error: Some(msg.in_lang(viewer.lang)),
        };
        let body = page.render()?;
        Ok::<_, AppError>(crate::web::unprocessable(body))
    };

    let window_start = now() - LOCKOUT_SECONDS;
    store::prune_failures(db, window_start).await?;
    if store::failures_since(db, &username, window_start).await? >= MAX_FAILURES {
        return refuse(
            &viewer,
            Msg::new("signin-throttled").arg("minutes", LOCKOUT_SECONDS / 60),
        );
    }

    let found = if username.is_empty() || username.len() > 64 {
        None
    } else {
        accounts::store::credentials(db, &username).await?
    };
    let (account, hash) = match found {
        Some((account, hash)) => (Some(account), Some(hash)),
        None => (None, None),
    };
    // The same work whether or not the username exists.
    let password_ok = password::verify(form.password.chars().take(1024).collect(), hash).await?;

    match account {
        Some(account) if password_ok => {
            if account.locked {
                return refuse(&viewer, Msg::new("signin-locked"));
            }
            store::clear_failures(db, &username).await?;
            viewer.sign_in(&account)?;
            tracing::info!(account = %account.username, "signed in");
            Ok(redirect_after_post(&viewer, &next))
        }
        _ => {
            if !username.is_empty() && username.len() <= 64 {
                store::record_failure(db, &username).await?;
            }
            refuse(&viewer, Msg::new("signin-failed"))
        }
    }
}

pub async fn sign_out(viewer: Viewer) -> HttpResponse {
    viewer.sign_out();
    viewer.set_session_lang(viewer.lang);
    crate::web::see_other("/sign-in")
}
