//! The Notices page: read, mark read, mark all read.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{service, views::NoticesPage};
use crate::{
    AppState,
    auth::CurrentUser,
    error::AppError,
    web::{html, i18n::Msg, redirect_after_post},
};

const PAGE_SIZE: i64 = 50;

#[derive(Deserialize)]
pub struct PageQuery {
    page: Option<i64>,
}

pub async fn page(
    user: CurrentUser,
    query: web::Query<PageQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let page = query.page.unwrap_or(1).clamp(1, i64::MAX / PAGE_SIZE);
    let (notices, total) = service::page(&state.db, user.account.id, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    html(&NoticesPage {
        l: user.viewer.layout(),
        notices,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
    })
}

/// Marks one notice read and opens what it is about (or comes back).
pub async fn read(
    user: CurrentUser,
    path: web::Path<i64>,
    form: web::Form<ReadForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    if !service::mark_read(&state.db, user.account.id, *path).await? {
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

pub async fn read_all(user: CurrentUser, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let marked = service::mark_all_read(&state.db, user.account.id).await?;
    user.viewer
        .flash(true, Msg::new("notices-all-read").arg("count", marked));
    Ok(redirect_after_post(user.viewer.htmx, "/notices"))
}
