//! The portal's pages of quota requests: My usage / quota, the list (and
//! for tenant admins the queue), filing, one request with its history,
//! withdrawing and deciding; and the operators' queue of project requests.

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{
    Decision, Fields, NewRequest, RequestKind, RequestStatus, parse_decision,
    service::{self, Actor, Decided, DecidingAs, ListFilter, QuotaRequest, RequestError},
    views::{ItemRow, ListPage, MinePage, MyService, NewField, NewPage, ShowPage, Waiting},
};
use crate::{
    AppState,
    auth::identity::{AccountId, ProjectId},
    auth::{CurrentTenant, CurrentUser, Operator, TenantAdmin},
    db::Db,
    error::AppError,
    quotas::{
        QuotaService,
        service::{member_gauges, project_gauges},
    },
    web::{FieldErrors, Layout, i18n::Msg, redirect_after_post, unprocessable},
};

const PAGE_SIZE: i64 = 50;

/// My usage / quota: for each service, what I use against my quota and the
/// project's, and a way to ask for more.
pub async fn mine(current: CurrentTenant, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let project_id = current.tenant.project_id;
    let me = current.account.id;
    let (open, _) = service::list(
        db,
        &ListFilter {
            project_id: Some(project_id),
            requester_id: Some(me),
            kinds: vec![RequestKind::Member],
            status: Some(RequestStatus::Open),
            before: None,
        },
        10,
        0,
    )
    .await?;
    let mut services = Vec::new();
    for service in QuotaService::ALL {
        let mine = member_gauges(db, project_id, me, service).await?;
        let project = project_gauges(db, project_id, service).await?;
        services.push(MyService {
            service,
            rows: mine.into_iter().zip(project).collect(),
            open: open.iter().find(|r| r.service == Some(service)).map(|r| r.id),
        });
    }
    let filter = ListFilter {
        project_id: Some(project_id),
        requester_id: Some(me),
        ..ListFilter::default()
    };
    let (requests, _) = service::list(db, &filter, 10, 0).await?;
    crate::web::html(&MinePage {
        l: current.viewer.layout(),
        services,
        requests,
    })
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    page: Option<i64>,
}

fn status_of(raw: &str) -> Result<Option<RequestStatus>, AppError> {
    match raw {
        "" => Ok(None),
        code => RequestStatus::parse(code)
            .map(Some)
            .ok_or(AppError::BadRequest(Msg::new("request-status-unknown"))),
    }
}

/// What each waiting request asks beside what its requester (or project)
/// uses and may use now.
async fn waiting(db: &Db, requests: Vec<QuotaRequest>) -> Result<Vec<Waiting>, AppError> {
    let mut waiting = Vec::new();
    for request in requests {
        let beside = beside(db, &request)
            .await?
            .into_iter()
            .map(|row| (row.resource, row.asked, row.usage, row.current))
            .collect();
        waiting.push(Waiting { request, beside });
    }
    Ok(waiting)
}

/// A request's items beside the usage and quota now (the member's for a
/// member request, the project's for a project request).
async fn beside(db: &Db, request: &QuotaRequest) -> Result<Vec<ItemRow>, AppError> {
    let Some(service) = request.service else {
        return Ok(Vec::new());
    };
    let project = project_gauges(db, request.project_id, service).await?;
    let gauges = match request.kind {
        RequestKind::Member => member_gauges(db, request.project_id, request.requester_id, service).await?,
        _ => project.clone(),
    };
    Ok(request
        .items
        .iter()
        .map(|item| {
            let gauge = gauges.iter().find(|g| g.resource == item.resource);
            ItemRow {
                resource: item.resource,
                asked: item.asked,
                granted: item.granted,
                usage: gauge.map_or(0, |g| g.usage),
                current: gauge.and_then(|g| g.limit),
                project: match request.kind {
                    RequestKind::Member => project.iter().find(|g| g.resource == item.resource).cloned(),
                    _ => None,
                },
                value: item.granted.unwrap_or(item.asked).to_string(),
            }
        })
        .collect())
}

fn pages(total: i64) -> i64 {
    ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1)
}

/// The project's requests: a member sees their own; a tenant admin sees
/// all of the project's, and first those waiting for their decision.
pub async fn list(
    current: CurrentTenant,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let status = status_of(&query.status)?;
    let page = query.page.unwrap_or(1).clamp(1, i64::MAX / PAGE_SIZE);
    let project_id = current.tenant.project_id;
    let admin = current.tenant.is_admin();
    let queue = if admin {
        let filter = ListFilter {
            project_id: Some(project_id),
            kinds: vec![RequestKind::Member],
            status: Some(RequestStatus::Open),
            ..ListFilter::default()
        };
        waiting(db, service::list(db, &filter, 100, 0).await?.0).await?
    } else {
        Vec::new()
    };
    let filter = ListFilter {
        project_id: Some(project_id),
        requester_id: (!admin).then_some(current.account.id),
        kinds: Vec::new(),
        status,
        before: None,
    };
    let (requests, total) = service::list(db, &filter, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    crate::web::html(&ListPage {
        l: current.viewer.layout(),
        waiting: queue,
        requests,
        status: query.status.clone(),
        statuses: RequestStatus::ALL,
        page,
        pages: pages(total),
        base: "/quota-requests",
        operator: false,
    })
}

#[derive(Deserialize)]
pub struct NewQuery {
    kind: Option<String>,
    service: Option<String>,
}

fn kind_of(raw: Option<&str>) -> Result<RequestKind, AppError> {
    match raw {
        None | Some("") => Ok(RequestKind::Member),
        Some(code) => RequestKind::parse(code).ok_or(AppError::BadRequest(Msg::new("request-kind-unknown"))),
    }
}

/// Whose request a form is, in which project.
struct Asker {
    project_id: ProjectId,
    account_id: AccountId,
    /// `Deep Learning Lab (MST110001)`.
    project: String,
    project_ends_on: String,
}

impl Asker {
    /// The current tenant, who may ask the operators only as tenant admin.
    fn current(current: &CurrentTenant, kind: RequestKind) -> Result<Self, AppError> {
        if kind.for_operators() && !current.tenant.is_admin() {
            return Err(AppError::Forbidden);
        }
        Ok(Asker {
            project_id: current.tenant.project_id,
            account_id: current.account.id,
            project: format!("{} ({})", current.tenant.name, current.tenant.code),
            project_ends_on: current.tenant.ends_on.clone(),
        })
    }

    /// The requester of `request`.
    fn of(request: &QuotaRequest) -> Self {
        Asker {
            project_id: request.project_id,
            account_id: request.requester_id,
            project: format!("{} ({})", request.project_name, request.project_code),
            project_ends_on: request.project_ends_on.clone(),
        }
    }
}

/// The request form (new, or `editing` one), its fields filled with what
/// was typed and its hints with the quotas now.
async fn new_page(
    l: Layout,
    db: &Db,
    (kind, service): (RequestKind, QuotaService),
    asker: Asker,
    fields: Option<&Fields>,
    editing: Option<i64>,
) -> Result<NewPage, AppError> {
    let gauges = match kind {
        RequestKind::Member => member_gauges(db, asker.project_id, asker.account_id, service).await?,
        _ => project_gauges(db, asker.project_id, service).await?,
    };
    let typed = |name: &str| {
        fields
            .and_then(|f| f.get(name))
            .map(|v| v.chars().take(1000).collect::<String>())
    };
    Ok(NewPage {
        l,
        kind,
        service,
        services: QuotaService::ALL,
        fields: gauges
            .iter()
            .map(|g| NewField {
                resource: g.resource,
                value: typed(g.resource.code()).unwrap_or_default(),
                current: g.limit,
                usage: g.usage,
            })
            .collect(),
        reason: typed("reason").unwrap_or_default(),
        needed_until: typed("needed_until").unwrap_or_default(),
        ends_on: typed("ends_on").unwrap_or_default(),
        project: asker.project,
        project_ends_on: asker.project_ends_on,
        errors: FieldErrors::default(),
        already_open: None,
        editing,
    })
}

/// Shows the form again with the error: next to its field, or above the
/// form (a request already open: with a link to it).
fn refused(mut page: NewPage, err: AppError, htmx: bool) -> Result<HttpResponse, AppError> {
    let lang = page.l.lang;
    match err {
        AppError::Refused {
            code: "request_already_open",
            details,
            ..
        } => {
            page.already_open = details.and_then(|d| d.get("id").and_then(|id| id.as_i64()));
        }
        AppError::Refused { message, .. } => page.errors.set("form".into(), message.in_lang(lang)),
        other => page.errors.add(other, lang)?,
    }
    let body = crate::web::page_body!(htmx, page)?;
    Ok(unprocessable(body))
}

pub async fn new_form(
    current: CurrentTenant,
    query: web::Query<NewQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let kind = kind_of(query.kind.as_deref())?;
    let service = match query.service.as_deref() {
        None | Some("") => QuotaService::Ccs,
        Some(code) => QuotaService::parse(code).ok_or(AppError::BadRequest(Msg::new("quota-unknown-service")))?,
    };
    let asker = Asker::current(&current, kind)?;
    let page = new_page(current.viewer.layout(), &state.db, (kind, service), asker, None, None).await?;
    crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html)
}

/// Files a request; any error shows the form again with its message, and
/// files nothing.
pub async fn file(
    current: CurrentTenant,
    form: web::Form<Fields>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let fields = form.into_inner();
    let kind = kind_of(fields.get("kind").map(String::as_str))?;
    let service = fields
        .get("service")
        .and_then(|s| QuotaService::parse(s))
        .unwrap_or(QuotaService::Ccs);
    let asker = Asker::current(&current, kind)?;
    let htmx = current.viewer.htmx;
    let result = match NewRequest::parse(kind, &fields) {
        Ok(new) => {
            let actor = Actor {
                id: current.account.id,
                name: &current.account.display_name,
            };
            service::file(&state.db, actor, current.tenant.project_id, &new).await
        }
        Err(err) => Err(RequestError::Invalid(err)),
    };
    match result {
        Ok(id) => {
            current.viewer.flash(true, Msg::new("request-filed").arg("id", id));
            Ok(redirect_after_post(htmx, &format!("/quota-requests/{id}")))
        }
        Err(err) if err.is_for_the_form() => {
            let page = new_page(
                current.viewer.layout(),
                &state.db,
                (kind, service),
                asker,
                Some(&fields),
                None,
            )
            .await?;
            refused(page, err.into(), htmx)
        }
        Err(err) => Err(err.into()),
    }
}

/// The requester's own open request in the form, to change what it asks.
pub async fn edit_form(
    user: CurrentUser,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (request, _) = editable(&user, *path, &state.db).await?;
    let mut fields = Fields::new();
    for item in &request.items {
        fields.insert(item.resource.code().to_string(), item.asked.to_string());
    }
    fields.insert("reason".into(), request.reason.clone());
    fields.insert(
        "needed_until".into(),
        request.needed_until.map(|d| d.to_string()).unwrap_or_default(),
    );
    fields.insert(
        "ends_on".into(),
        request.ends_on.map(|d| d.to_string()).unwrap_or_default(),
    );
    let page = edit_page(&user, &state.db, &request, &fields).await?;
    crate::web::page_body!(user.viewer.htmx, page).map(crate::web::ok_html)
}

async fn edit_page(user: &CurrentUser, db: &Db, request: &QuotaRequest, fields: &Fields) -> Result<NewPage, AppError> {
    let service = request.service.unwrap_or(QuotaService::Ccs);
    let kind_and_service = (request.kind, service);
    new_page(
        user.viewer.layout(),
        db,
        kind_and_service,
        Asker::of(request),
        Some(fields),
        Some(request.id),
    )
    .await
}

/// The requester's own request, while it is open.
async fn editable(user: &CurrentUser, id: i64, db: &Db) -> Result<(QuotaRequest, Vec<service::Event>), AppError> {
    let found = service::visible(db, id, user.account.id).await?;
    if found.0.requester_id != user.account.id {
        return Err(AppError::NotFound);
    }
    if found.0.status != RequestStatus::Open {
        return Err(RequestError::NotOpen(found.0.status).into());
    }
    Ok(found)
}

pub async fn edit(
    user: CurrentUser,
    path: web::Path<i64>,
    form: web::Form<Fields>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let (request, _) = editable(&user, *path, db).await?;
    let mut fields = form.into_inner();
    // What a request is for stays: only its figures, reason and dates change.
    fields.insert("kind".into(), request.kind.code().into());
    fields.insert("service".into(), request.service.map_or("", |s| s.code()).into());
    let actor = Actor {
        id: user.account.id,
        name: &user.account.display_name,
    };
    let result = match NewRequest::parse(request.kind, &fields) {
        Ok(new) => service::edit(db, actor, request.id, &new).await,
        Err(err) => Err(RequestError::Invalid(err)),
    };
    match result {
        Ok(()) => {
            user.viewer
                .flash(true, Msg::new("request-edited").arg("id", request.id));
            Ok(redirect_after_post(
                user.viewer.htmx,
                &format!("/quota-requests/{}", request.id),
            ))
        }
        Err(err) if err.is_for_the_form() => {
            let page = edit_page(&user, db, &request, &fields).await?;
            refused(page, err.into(), user.viewer.htmx)
        }
        Err(err) => Err(err.into()),
    }
}

/// A request's page: for the portal (`operator: false`) or the operators.
async fn show_page(
    l: Layout,
    db: &Db,
    (request, events): (QuotaRequest, Vec<service::Event>),
    viewer: AccountId,
    operator: bool,
) -> Result<ShowPage, AppError> {
    let open = request.status == RequestStatus::Open;
    let decides = open
        && match operator {
            true => request.kind.for_operators(),
            false => !request.kind.for_operators() && service::is_admin_of(db, request.project_id, viewer).await?,
        };
    let id = request.id;
    let items = beside(db, &request).await?;
    Ok(ShowPage {
        l,
        may_withdraw: open && !operator && request.requester_id == viewer,
        decide_action: decides.then(|| match operator {
            true => format!("/operator/quota-requests/{id}/decision"),
            false => format!("/quota-requests/{id}/decision"),
        }),
        ends_on_value: request.ends_on.map(|d| d.to_string()).unwrap_or_default(),
        comment: String::new(),
        errors: FieldErrors::default(),
        back: if operator {
            "/operator/quota-requests"
        } else {
            "/quota-requests"
        },
        items,
        events,
        request,
    })
}

pub async fn show(
    user: CurrentUser,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let found = service::visible(db, *path, user.account.id).await?;
    let page = show_page(user.viewer.layout(), db, found, user.account.id, false).await?;
    crate::web::html(&page)
}

pub async fn withdraw(
    user: CurrentUser,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let actor = Actor {
        id: user.account.id,
        name: &user.account.display_name,
    };
    service::withdraw(&state.db, actor, *path).await?;
    user.viewer.flash(true, Msg::new("request-withdrawn").arg("id", *path));
    Ok(redirect_after_post(
        user.viewer.htmx,
        &format!("/quota-requests/{}", *path),
    ))
}

/// Decides a request (a tenant admin: member requests; an operator:
/// project requests and renewals). A form error shows the request again
/// with the message next to its field.
async fn decide_as(
    user: &CurrentUser,
    deciding_as: DecidingAs,
    id: i64,
    fields: Fields,
    state: &AppState,
) -> Result<HttpResponse, AppError> {
    let db = &state.db;
    let operator = deciding_as == DecidingAs::Operator;
    let found = match deciding_as {
        DecidingAs::Operator => service::any(db, id).await?,
        DecidingAs::TenantAdmin => service::visible(db, id, user.account.id).await?,
    };
    let lang = user.viewer.lang;
    let actor = Actor {
        id: user.account.id,
        name: &user.account.display_name,
    };
    let outcome = match parse_decision(&found.0, &fields) {
        Ok((decision, comment)) => service::decide(db, actor, deciding_as, id, &decision, &comment)
            .await
            .map_err(AppError::from)
            .map(|decided| (decided, decision)),
        Err(err) => Err(err),
    };
    let back = if operator {
        format!("/operator/quota-requests/{id}")
    } else {
        format!("/quota-requests/{id}")
    };
    match outcome {
        Ok((decided, decision)) => {
            let message = match (decided, decision) {
                (Decided::Closed, _) => Msg::new("request-closed-instead"),
                (_, Decision::Approve { .. }) => Msg::new("request-approved").arg("id", id),
                (_, Decision::Decline) => Msg::new("request-declined").arg("id", id),
            };
            user.viewer.flash(decided != Decided::Closed, message);
            Ok(redirect_after_post(user.viewer.htmx, &back))
        }
        Err(err @ AppError::Invalid { .. }) => {
            let mut page = show_page(user.viewer.layout(), db, found, user.account.id, operator).await?;
            for row in &mut page.items {
                if let Some(value) = fields.get(row.resource.code()) {
                    row.value = value.chars().take(24).collect();
                }
            }
            if let Some(value) = fields.get("ends_on") {
                page.ends_on_value = value.chars().take(24).collect();
            }
            page.comment = fields
                .get("comment")
                .map(|c| c.chars().take(1000).collect())
                .unwrap_or_default();
            page.errors.add(err, lang)?;
            Ok(unprocessable(crate::web::render(&page)?))
        }
        Err(err) => Err(err),
    }
}

pub async fn decide(
    admin: TenantAdmin,
    path: web::Path<i64>,
    form: web::Form<Fields>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let user = CurrentUser {
        viewer: current.viewer,
        account: current.account,
    };
    decide_as(&user, DecidingAs::TenantAdmin, *path, form.into_inner(), &state).await
}

/// The operators' queue: project quota requests and renewals, open first.
pub async fn operator_list(
    operator: Operator,
    query: web::Query<ListQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Operator(user) = operator;
    let db = &state.db;
    let status = status_of(&query.status)?;
    let page = query.page.unwrap_or(1).clamp(1, i64::MAX / PAGE_SIZE);
    let open = ListFilter {
        kinds: vec![RequestKind::Project, RequestKind::Renewal],
        status: Some(RequestStatus::Open),
        ..ListFilter::default()
    };
    let queue = waiting(db, service::list(db, &open, 100, 0).await?.0).await?;
    let filter = ListFilter {
        kinds: vec![RequestKind::Project, RequestKind::Renewal],
        status,
        ..ListFilter::default()
    };
    let (requests, total) = service::list(db, &filter, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?;
    crate::web::html(&ListPage {
        l: user.viewer.layout(),
        waiting: queue,
        requests,
        status: query.status.clone(),
        statuses: RequestStatus::ALL,
        page,
        pages: pages(total),
        base: "/operator/quota-requests",
        operator: true,
    })
}

pub async fn operator_show(
    operator: Operator,
    path: web::Path<i64>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Operator(user) = operator;
    let db = &state.db;
    let found = service::any(db, *path).await?;
    let page = show_page(user.viewer.layout(), db, found, user.account.id, true).await?;
    crate::web::html(&page)
}

pub async fn operator_decide(
    operator: Operator,
    path: web::Path<i64>,
    form: web::Form<Fields>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let Operator(user) = operator;
    decide_as(&user, DecidingAs::Operator, *path, form.into_inner(), &state).await
}
