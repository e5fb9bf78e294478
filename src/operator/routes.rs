//! The operator console's page and forms.

use super::views::{ConsolePage, Directory, DirectoryQuery};
use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;

use super::service;
use crate::{
    AppState,
    auth::Operator,
    error::AppError,
    projects::service as projects,
    quotas::QuotaService,
    wallets::service::{self as wallet_service},
    web::FieldErrors,
    web::{i18n::Msg, see_other},
};

type Form = web::Form<HashMap<String, String>>;

/// Rows of the console's list a page.
const PAGE_SIZE: i64 = 50;

async fn page(
    operator: &Operator,
    active: &'static str,
    values: HashMap<String, String>,
    errors: FieldErrors,
    link: Option<(String, String)>,
    query: DirectoryQuery,
    state: &AppState,
) -> Result<ConsolePage, AppError> {
    let viewer = &operator.0.viewer;
    let search: String = query.q.trim().chars().take(100).collect();
    let page = query.page.unwrap_or(1).clamp(1, 100_000);
    let offset = (page - 1) * PAGE_SIZE;
    let db = &state.db;
    let mut project_id = None;
    let (directory, total) = if let Some(code) = &query.project {
        // One project: its members (searched and paged), quotas and orders.
        let summary = projects::summary(db, code).await?.ok_or(AppError::NotFound)?;
        let project = projects::by_code(db, code).await?.ok_or(AppError::NotFound)?;
        project_id = Some(project.id);
        let (members, total) = projects::member_page(db, project.id, &search, PAGE_SIZE, offset).await?;
        let mut quotas = Vec::new();
        for service in QuotaService::ALL {
            quotas.push((
                service,
                crate::quotas::service::project_gauges(db, project.id, service).await?,
            ));
        }
        (
            Directory::Project {
                summary,
                members,
                quotas,
            },
            total,
        )
    } else if query.accounts() {
        let (accounts, total) = crate::accounts::service::directory(db, &search, PAGE_SIZE, offset).await?;
        (Directory::Accounts(accounts), total)
    } else {
        let (projects, total) = projects::directory(db, &search, PAGE_SIZE, offset).await?;
        (Directory::Projects(projects), total)
    };
    Ok(ConsolePage {
        query,
        directory,
        total,
        page,
        pages: (total + PAGE_SIZE - 1) / PAGE_SIZE,
        l: viewer.layout(),
        active,
        values,
        errors,
        link,
        orders: wallet_service::orders(db, project_id).await?,
        services: QuotaService::ALL,
        delivery: crate::notices::service::delivery(db).await?,
        email_on: state.config.smtp_url.is_some(),
    })
}

pub async fn console(
    operator: Operator,
    query: web::Query<DirectoryQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    // An account just made: its first-password link, shown this once.
    let link = operator.0.viewer.take_once::<(String, String)>(NEW_ACCOUNT_LINK);
    let Some(link) = link else {
        return show(&operator, query.into_inner(), &state).await;
    };
    let page = page(
        &operator,
        "",
        HashMap::new(),
        FieldErrors::default(),
        Some(link),
        query.into_inner(),
        &state,
    )
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(page.render()?))
}

/// Where an account's first-password link waits for the console (the
/// session's): the account's username and the link.
const NEW_ACCOUNT_LINK: &str = "new_account_link";

/// The console (or a project's page) with nothing sent.
async fn show(operator: &Operator, query: DirectoryQuery, state: &AppState) -> Result<HttpResponse, AppError> {
    let page = page(operator, "", HashMap::new(), FieldErrors::default(), None, query, state).await?;
    crate::web::html(&page)
}

/// A project's page in the console: its members, quotas and orders, and
/// the console's actions on it.
pub async fn project(
    operator: Operator,
    path: web::Path<String>,
    query: web::Query<DirectoryQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let query = DirectoryQuery {
        project: Some(path.into_inner()),
        ..query.into_inner()
    };
    show(&operator, query, &state).await
}

/// Where an action's form came from: a project's page (its forms say so
/// with `return_to=project`), a page of the account list (a row's role
/// form: `return_to=accounts`, with the list's search and page) or the
/// console.
fn came_from(values: &HashMap<String, String>) -> DirectoryQuery {
    let project = field(values, "project").trim().to_ascii_uppercase();
    match field(values, "return_to") {
        "project" if !project.is_empty() => DirectoryQuery {
            project: Some(project),
            ..DirectoryQuery::default()
        },
        "accounts" => DirectoryQuery {
            list: "accounts".into(),
            q: field(values, "q").chars().take(100).collect(),
            page: field(values, "page").parse().ok(),
            project: None,
        },
        _ => DirectoryQuery::default(),
    }
}

fn back_to(query: &DirectoryQuery) -> String {
    match &query.project {
        Some(code) => super::views::project_path(code),
        None if query.accounts() => crate::web::page_link(
            "/operator",
            &[("list", "accounts"), ("q", query.q.trim())],
            query.page.unwrap_or(1).max(1),
        ),
        None => "/operator".to_string(),
    }
}

/// After an action: success → flash and back to the console (or the
/// project's page); a refusal → the same page again with the message next
/// to the field.
async fn finish(
    operator: Operator,
    form: &'static str,
    values: HashMap<String, String>,
    result: Result<Msg, AppError>,
    state: &AppState,
) -> Result<HttpResponse, AppError> {
    let viewer = &operator.0.viewer;
    let from = came_from(&values);
    match result {
        Ok(message) => {
            viewer.flash(true, message);
            Ok(see_other(&back_to(&from)))
        }
        Err(err @ (AppError::Invalid { .. } | AppError::Conflict(_))) => {
            let mut errors = FieldErrors::default();
            let err = match err {
                AppError::Conflict(message) => AppError::Invalid {
                    field: "form".into(),
                    message,
                },
                other => other,
            };
            errors.add(err, viewer.lang)?;
            let values: HashMap<String, String> = values
                .into_iter()
                .map(|(k, v)| (k, v.chars().take(200).collect()))
                .collect();
            // A project's page for a code that is no project's: the console.
            let from = match &from.project {
                Some(code) if projects::by_code(&state.db, code).await?.is_none() => DirectoryQuery::default(),
                _ => from,
            };
            let page = page(&operator, form, values, errors, None, from, state).await?;
            Ok(crate::web::unprocessable(page.render()?))
        }
        Err(AppError::NotFound) => {
            viewer.flash(false, Msg::new("error-not-found"));
            Ok(see_other(&back_to(&from)))
        }
        Err(err) => Err(err),
    }
}

/// The signed-in operator as the actor of an action.
fn person(operator: &Operator) -> service::Actor {
    service::Actor::Person {
        id: operator.0.account.id,
        role: operator.0.account.platform_role,
    }
}

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or("")
}

/// Creates an account; the console shows its first-password link, once.
pub async fn create_account(
    operator: Operator,
    form: Form,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let actor = person(&operator);
    let db = &state.db.clone();
    let name = Some(field(&form, "name"));
    let config = &state.config;
    if config.public_url.is_none() {
        let refused = Err(AppError::invalid("username", "links-need-public-url"));
        return finish(operator, "account", form, refused, &state).await;
    }
    let result = service::create_account_with_link(
        db,
        actor,
        field(&form, "username"),
        field(&form, "email"),
        name,
        Some(field(&form, "role")),
    )
    .await;
    match result {
        Ok((_, path)) => {
            // Post/Redirect/Get: the console shows the link once; a reload
            // makes nothing more.
            let link = state.config.public_link(&path).unwrap_or(path);
            let username = field(&form, "username").trim().to_ascii_lowercase();
            operator.0.viewer.keep_once(NEW_ACCOUNT_LINK, (username, link))?;
            Ok(see_other("/operator"))
        }
        Err(err) => finish(operator, "account", form, Err(err), &state).await,
    }
}

pub async fn set_role(operator: Operator, form: Form, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let db = &state.db.clone();
    let result = service::set_platform_role(db, person(&operator), field(&form, "username"), field(&form, "role"))
        .await
        .map(|()| Msg::new("operator-role-set").arg("username", field(&form, "username").trim()));
    finish(operator, "role", form, result, &state).await
}

pub async fn create_project(
    operator: Operator,
    form: Form,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let db = &state.db.clone();
    let result = service::create_project(
        db,
        Some(operator.0.account.id),
        field(&form, "code"),
        field(&form, "name"),
        Some(field(&form, "starts")),
        Some(field(&form, "ends")),
    )
    .await
    .map(|_| Msg::new("operator-project-created").arg("code", field(&form, "code").trim().to_ascii_uppercase()));
    finish(operator, "project", form, result, &state).await
}

pub async fn add_member(operator: Operator, form: Form, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let db = &state.db.clone();
    let result = service::add_member(
        db,
        Some(operator.0.account.id),
        field(&form, "project"),
        field(&form, "username"),
        field(&form, "role"),
    )
    .await
    .map(|()| {
        Msg::new("operator-member-added")
            .arg("username", field(&form, "username").trim())
            .arg("project", field(&form, "project").trim().to_ascii_uppercase())
    });
    finish(operator, "member", form, result, &state).await
}

pub async fn set_quota(operator: Operator, form: Form, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let db = &state.db.clone();
    let given = |name: &str| form.get(name).map(String::as_str).filter(|v| !v.trim().is_empty());
    let values = [
        ("cpu", given("cpu")),
        ("gpu", given("gpu")),
        ("memory", given("memory")),
        ("floating_ip", given("floating_ip")),
    ];
    let result = service::set_project_quota(
        db,
        Some(operator.0.account.id),
        field(&form, "project"),
        field(&form, "service"),
        &values,
    )
    .await
    .map(|()| Msg::new("operator-quota-set").arg("project", field(&form, "project").trim().to_ascii_uppercase()));
    finish(operator, "quota", form, result, &state).await
}

pub async fn add_order(operator: Operator, form: Form, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let db = &state.db.clone();
    let result = service::add_order(
        db,
        Some(operator.0.account.id),
        field(&form, "project"),
        field(&form, "number"),
        field(&form, "amount"),
        field(&form, "note"),
    )
    .await
    .map(|()| Msg::new("operator-order-added").arg("number", field(&form, "number").trim()));
    finish(operator, "order", form, result, &state).await
}

pub async fn advance_order(
    operator: Operator,
    path: web::Path<String>,
    form: Form,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let db = &state.db.clone();
    let number = path.into_inner();
    let result = service::advance_order(db, Some(operator.0.account.id), &number, field(&form, "to"))
        .await
        .map(|()| Msg::new("operator-order-advanced").arg("number", &number));
    match result {
        Err(AppError::Conflict(message)) => {
            operator.0.viewer.flash(false, message);
            Ok(see_other(&back_to(&came_from(&form))))
        }
        other => finish(operator, "orders", form, other, &state).await,
    }
}
