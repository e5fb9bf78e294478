//! The Wallet, Usage and Orders tabs of Account & Project.

use super::views::{LedgerQuery, OrdersPage, RemovePage, UsageChart, UsagePage, WalletPage};
use crate::auth::identity::AccountId;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::{
    CreditSum, Credits,
    service::{self, Direction},
    store::{self, LedgerFilter, UsageSum},
};
use crate::{
    AppState,
    auth::{CurrentTenant, Support, TenantAdmin},
    error::AppError,
    projects::{self as members, Member},
    web::FieldErrors,
    web::{csv, date_range, i18n::Msg, redirect_after_post},
};

const PAGE_SIZE: i64 = 50;

/// The rows a viewer may see: admins the whole project's (optionally one
/// member's), tenant users only their own sub-wallet's — none without one.
async fn filter_for(
    current: &CurrentTenant,
    query: &LedgerQuery,
    state: &AppState,
) -> Result<Option<LedgerFilter>, AppError> {
    let (from, to) = date_range(&query.from, &query.to, current.viewer.time_zone())?;
    let mut filter = LedgerFilter {
        from,
        to,
        ..LedgerFilter::default()
    };
    if current.tenant.is_admin() {
        if !query.member.is_empty() {
            let id: AccountId = query
                .member
                .parse()
                .map_err(|_| AppError::invalid("member", "member-unknown"))?;
            filter.member = Some(id);
        }
    } else {
        match store::sub_wallet(&state.db, current.tenant.project_id, current.account.id).await? {
            Some(own) => filter.wallet = Some(own.id),
            None => return Ok(None),
        }
    }
    Ok(Some(filter))
}

async fn wallet_page(
    current: &CurrentTenant,
    query: LedgerQuery,
    errors: FieldErrors,
    transfer: (String, String),
    warn_typed: Option<String>,
    state: &AppState,
) -> Result<WalletPage, AppError> {
    let db = &state.db;
    let project_id = current.tenant.project_id;
    let parent = store::parent(db, project_id).await?;
    let mut subs = store::sub_wallets(db, project_id).await?;
    if !current.tenant.is_admin() {
        subs.retain(|w| w.account_id == Some(current.account.id));
    }
    let members = if current.tenant.is_admin() {
        members::service::members(db, project_id).await?
    } else {
        Vec::new()
    };
    let page = query.page.unwrap_or(1).max(1);
    let mut errors = errors;
    let (rows, total) = match filter_for(current, &query, state).await {
        Ok(Some(filter)) => store::ledger(db, project_id, &filter, PAGE_SIZE, (page - 1) * PAGE_SIZE).await?,
        Ok(None) => (Vec::new(), 0),
        Err(err @ AppError::Invalid { .. }) => {
            errors.add(err, current.viewer.lang)?;
            (Vec::new(), 0)
        }
        Err(err) => return Err(err),
    };
    let warn_below = match warn_typed {
        Some(typed) => typed,
        None => service::warn_below(db, project_id)
            .await?
            .map(|set| Credits(set).to_string())
            .unwrap_or_default(),
    };
    Ok(WalletPage {
        warn_below,
        l: current.viewer.layout(),
        tab: "wallet",
        parent,
        subs,
        members,
        rows,
        total,
        page,
        pages: ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1),
        per_page: PAGE_SIZE,
        query,
        errors,
        transfer_member: transfer.0,
        transfer_amount: transfer.1,
    })
}

pub async fn wallet(
    current: CurrentTenant,
    query: web::Query<LedgerQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let page = wallet_page(
        &current,
        query.into_inner(),
        FieldErrors::default(),
        Default::default(),
        None,
        &state,
    )
    .await?;
    crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html)
}

/// The filtered ledger as CSV, streamed.
pub async fn ledger_csv(
    current: CurrentTenant,
    query: web::Query<LedgerQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let filter = filter_for(&current, &query, &state).await?;
    let db = state.db.clone();
    let project_id = current.tenant.project_id;
    let zone = current.viewer.time_zone();
    let header = [
        "number",
        "time",
        "service",
        "actor",
        "type",
        "wallet",
        "balance_before",
        "amount",
        "balance_after",
        "detail",
    ];
    Ok(csv::response("ledger.csv", &header, move |cursor| {
        let db = db.clone();
        let filter = filter.clone();
        Box::pin(async move {
            let Some(filter) = filter else {
                return Ok((Vec::new(), None));
            };
            let rows =
                store::ledger_before(&db, project_id, &filter, cursor.unwrap_or(i64::MAX), csv::PAGE_ROWS).await?;
            let next = csv::next_cursor(&rows, |r| r.id);
            let rows = rows
                .into_iter()
                .map(|r| {
                    vec![
                        r.id.to_string(),
                        crate::format::iso_local(r.at, zone),
                        r.service.unwrap_or_default(),
                        r.actor.unwrap_or_default(),
                        r.kind,
                        r.wallet_owner.unwrap_or_else(|| "parent".into()),
                        r.balance_before.to_string(),
                        r.amount.to_string(),
                        r.balance_after.to_string(),
                        r.detail,
                    ]
                })
                .collect();
            Ok((rows, next))
        })
    }))
}

#[derive(Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    member: String,
}

async fn member_of(current: &CurrentTenant, raw: &str, state: &AppState) -> Result<Member, AppError> {
    let id: AccountId = raw.trim().parse().map_err(|_| AppError::NotFound)?;
    members::service::member(&state.db, current.tenant.project_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn create_sub_wallet(
    admin: TenantAdmin,
    form: web::Form<MemberForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let member = member_of(&current, &form.member, &state).await?;
    match service::open_sub_wallet(
        &state.db,
        current.account.id,
        current.tenant.project_id,
        member.account_id,
        &member.username,
    )
    .await
    .map_err(AppError::from)
    {
        Ok(()) => current
            .viewer
            .flash(true, Msg::new("wallet-sub-opened").arg("name", &member.display_name)),
        Err(AppError::Conflict(msg)) => current.viewer.flash(false, msg),
        Err(err) => return Err(err),
    }
    Ok(redirect_after_post(current.viewer.htmx, "/account/wallet"))
}

#[derive(Deserialize)]
pub struct TransferForm {
    #[serde(default)]
    member: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    amount: String,
}

/// Moves credit parent → sub-wallet or back; never more than is there.
pub async fn transfer(
    admin: TenantAdmin,
    form: web::Form<TransferForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let member = member_of(&current, &form.member, &state).await?;
    let direction = match form.direction.as_str() {
        "to_sub" => Direction::ToSub,
        "to_parent" => Direction::ToParent,
        _ => return Err(AppError::BadRequest(Msg::new("wallet-direction-invalid"))),
    };
    let moved = Credits::parse(&form.amount, "amount").and_then(|amount| {
        if amount.0 == 0 {
            Err(AppError::invalid("amount", "credits-invalid"))
        } else {
            Ok(amount)
        }
    });
    let result = match moved {
        Ok(amount) => service::transfer(
            &state.db,
            current.account.id,
            current.tenant.project_id,
            member.account_id,
            &member.username,
            direction,
            amount,
        )
        .await
        .map(|()| amount)
        .map_err(AppError::from),
        Err(err) => Err(err),
    };
    match result {
        Ok(amount) => {
            current.viewer.flash(
                true,
                Msg::new("wallet-moved")
                    .arg("amount", amount)
                    .arg("name", &member.display_name),
            );
            Ok(redirect_after_post(current.viewer.htmx, "/account/wallet"))
        }
        Err(err @ AppError::Invalid { .. }) => {
            let mut errors = FieldErrors::default();
            errors.add(err, current.viewer.lang)?;
            let transfer = (
                form.member.chars().take(20).collect(),
                form.amount.chars().take(24).collect(),
            );
            let page = wallet_page(&current, LedgerQuery::default(), errors, transfer, None, &state).await?;
            let body = crate::web::page_body!(current.viewer.htmx, page)?;
            Ok(crate::web::unprocessable(body))
        }
        Err(err) => Err(err),
    }
}

#[derive(Deserialize)]
pub struct WarnForm {
    #[serde(default)]
    warn_below: String,
}

/// Sets the balance below which the tenant admins are warned (empty: 10 %
/// of the last credited order).
pub async fn set_warn_below(
    admin: TenantAdmin,
    form: web::Form<WarnForm>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let typed = form.warn_below.trim();
    let threshold = match typed {
        "" => Ok(None),
        raw => Credits::parse(raw, "warn_below").and_then(|c| {
            if c.0 < 0 {
                Err(AppError::invalid("warn_below", "credits-invalid"))
            } else {
                Ok(Some(c))
            }
        }),
    };
    match threshold {
        Ok(threshold) => {
            service::set_warn_below(&state.db, current.account.id, current.tenant.project_id, threshold).await?;
            current.viewer.flash(true, Msg::new("wallet-warn-saved"));
            Ok(redirect_after_post(current.viewer.htmx, "/account/wallet"))
        }
        Err(err) => {
            let mut errors = FieldErrors::default();
            errors.add(err, current.viewer.lang)?;
            let typed = Some(typed.chars().take(24).collect());
            let empty = (String::new(), String::new());
            let page = wallet_page(&current, LedgerQuery::default(), errors, empty, typed, &state).await?;
            let body = crate::web::page_body!(current.viewer.htmx, page)?;
            Ok(crate::web::unprocessable(body))
        }
    }
}

pub async fn remove_dialog(
    admin: TenantAdmin,
    path: web::Path<AccountId>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let wallet = store::sub_wallet(&state.db, current.tenant.project_id, *path)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = RemovePage {
        l: current.viewer.layout(),
        wallet,
    };
    crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html)
}

pub async fn remove_sub_wallet(
    admin: TenantAdmin,
    path: web::Path<AccountId>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    let member = member_of(&current, &path.to_string(), &state).await?;
    let returned = service::close_sub_wallet(
        &state.db,
        current.account.id,
        current.tenant.project_id,
        member.account_id,
        &member.username,
    )
    .await?;
    current.viewer.flash(
        true,
        Msg::new("wallet-sub-closed")
            .arg("name", &member.display_name)
            .arg("amount", returned),
    );
    Ok(redirect_after_post(current.viewer.htmx, "/account/wallet"))
}

// ----- usage -----

#[derive(Deserialize, Default)]
pub struct RangeQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

async fn usage_sums(current: &CurrentTenant, query: &RangeQuery, state: &AppState) -> Result<Vec<UsageSum>, AppError> {
    let (from, to) = date_range(&query.from, &query.to, current.viewer.time_zone())?;
    let only = (!current.tenant.is_admin()).then_some(current.account.id);
    Ok(store::usage_sums(&state.db, current.tenant.project_id, from, to, only).await?)
}

/// The usage a day and service (days counted in the viewer's zone) of a
/// range the sums have already read (and so checked).
async fn daily_usage(
    current: &CurrentTenant,
    query: &RangeQuery,
    state: &AppState,
) -> Result<Vec<store::DailyUsage>, AppError> {
    use time_tz::OffsetDateTimeExt;
    let zone = current.viewer.time_zone();
    let (from, to) = date_range(&query.from, &query.to, zone)?;
    let only = (!current.tenant.is_admin()).then_some(current.account.id);
    // The zone's offset now (Taiwan keeps one all year; elsewhere a day
    // across a clock change is an hour off).
    let offset = i64::from(
        time::OffsetDateTime::now_utc()
            .to_timezone(zone)
            .offset()
            .whole_seconds(),
    );
    Ok(store::daily_usage(&state.db, current.tenant.project_id, from, to, only, offset).await?)
}

pub async fn usage(
    current: CurrentTenant,
    query: web::Query<RangeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    let (sums, daily) = match usage_sums(&current, &query, &state).await {
        Ok(sums) => (sums, daily_usage(&current, &query, &state).await?),
        Err(err @ AppError::Invalid { .. }) => {
            errors.add(err, current.viewer.lang)?;
            (Vec::new(), Vec::new())
        }
        Err(err) => return Err(err),
    };
    let l = current.viewer.layout();
    let chart = UsageChart::new(&daily, &l);
    let page = UsagePage {
        l,
        chart,
        tab: "usage",
        total_seconds: sums.iter().map(|s| s.seconds).sum(),
        total_amount: sums.iter().map(|s| s.amount).sum(),
        sums,
        from: query.from.chars().take(10).collect(),
        to: query.to.chars().take(10).collect(),
        errors,
    };
    crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html)
}

pub async fn usage_csv(
    current: CurrentTenant,
    query: web::Query<RangeQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let sums = usage_sums(&current, &query, &state).await?;
    let mut rows: Vec<Vec<String>> = sums
        .iter()
        .map(|s| {
            vec![
                s.service.clone(),
                s.username.clone(),
                s.display_name.clone(),
                s.records.to_string(),
                s.seconds.to_string(),
                s.amount.to_string(),
            ]
        })
        .collect();
    let total: CreditSum = sums.iter().map(|s| s.amount).sum();
    rows.push(vec![
        "total".into(),
        String::new(),
        String::new(),
        sums.iter().map(|s| s.records).sum::<i64>().to_string(),
        sums.iter().map(|s| s.seconds).sum::<i64>().to_string(),
        total.to_string(),
    ]);
    let mut rows = Some(rows);
    Ok(csv::response(
        "usage.csv",
        &["service", "username", "name", "reports", "seconds", "amount"],
        move |_| {
            let page = rows.take().unwrap_or_default();
            Box::pin(async move { Ok((page, None)) })
        },
    ))
}

// ----- orders -----

pub async fn orders(current: CurrentTenant, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let orders = store::orders(&state.db, Some(current.tenant.project_id)).await?;
    let page = OrdersPage {
        l: current.viewer.layout(),
        tab: "orders",
        orders,
    };
    crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html)
}

// ----- statements -----

/// A month's statement: what the wallets held at its start and end, and
/// every ledger row between, summed (credits; debits by service and by
/// person; transfers and reversals); it adds up to the ledger exactly.
struct Statement {
    first: time::Date,
    opening: CreditSum,
    lines: Vec<store::StatementLine>,
    closing: CreditSum,
}

/// Whose statement is shown, and where: a tenant admin's own project at
/// `/account/statement` (in the account's tabs), or any project to support
/// staff at `/support/projects/{code}/statement`.
struct StatementOf {
    project: crate::ids::ProjectId,
    code: String,
    name: String,
    /// The page's address (its CSV is the same with `.csv`).
    path: String,
    in_account_tabs: bool,
}

impl StatementOf {
    fn own(current: &CurrentTenant) -> StatementOf {
        StatementOf {
            project: current.tenant.project_id,
            code: current.tenant.code.clone(),
            name: current.tenant.name.clone(),
            path: "/account/statement".to_string(),
            in_account_tabs: true,
        }
    }

    /// The project `code` for support staff; 404 when there is none.
    async fn for_support(state: &AppState, code: &str) -> Result<StatementOf, AppError> {
        let project = crate::projects::service::by_code(&state.db, code)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(StatementOf {
            project: project.id,
            path: format!("/support/projects/{}/statement", project.code),
            code: project.code,
            name: project.name,
            in_account_tabs: false,
        })
    }
}

async fn statement_of(
    of: &StatementOf,
    viewer: &crate::auth::Viewer,
    month: &str,
    state: &AppState,
) -> Result<Statement, AppError> {
    let (first, from, to) = crate::web::month_range(month, viewer.time_zone())?;
    Ok(Statement {
        first,
        opening: store::balances_at(&state.db, of.project, from).await?,
        lines: store::statement_lines(&state.db, of.project, from, to).await?,
        closing: store::balances_at(&state.db, of.project, to).await?,
    })
}

fn sum_by<K: Ord + Clone>(
    lines: &[&store::StatementLine],
    key: impl Fn(&store::StatementLine) -> K,
) -> Vec<(K, CreditSum)> {
    let mut sums: std::collections::BTreeMap<K, CreditSum> = std::collections::BTreeMap::new();
    for line in lines {
        let entry = sums.entry(key(line)).or_default();
        entry.0 -= line.amount.0;
    }
    sums.into_iter().collect()
}

pub async fn statement(
    admin: TenantAdmin,
    query: web::Query<crate::web::MonthQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    statement_page(&StatementOf::own(&current), &current.viewer, &query.month, &state).await
}

/// Any project's statement, for support staff.
pub async fn support_statement(
    support: Support,
    code: web::Path<String>,
    query: web::Query<crate::web::MonthQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let of = StatementOf::for_support(&state, &code).await?;
    statement_page(&of, &support.0.viewer, &query.month, &state).await
}

async fn statement_page(
    of: &StatementOf,
    viewer: &crate::auth::Viewer,
    month: &str,
    state: &AppState,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    let statement = match statement_of(of, viewer, month, state).await {
        Ok(statement) => statement,
        Err(err @ AppError::Invalid { .. }) => {
            errors.add(err, viewer.lang)?;
            statement_of(of, viewer, "", state).await?
        }
        Err(err) => return Err(err),
    };
    let debits: Vec<&store::StatementLine> = statement.lines.iter().filter(|l| l.kind == "debit").collect();
    let credits: CreditSum = statement
        .lines
        .iter()
        .filter(|l| l.kind == "credit")
        .map(|l| l.amount)
        .sum();
    let other: CreditSum = statement
        .lines
        .iter()
        .filter(|l| l.kind != "debit" && l.kind != "credit")
        .map(|l| l.amount)
        .sum();
    let first = statement.first;
    let page = super::views::StatementPage {
        l: viewer.layout(),
        tab: "statement",
        path: of.path.clone(),
        code: of.code.clone(),
        name: of.name.clone(),
        in_account_tabs: of.in_account_tabs,
        month: crate::web::month_text(first),
        previous: first.previous_day().map(crate::web::month_text).unwrap_or_default(),
        next: first
            .replace_day(first.month().length(first.year()))
            .ok()
            .and_then(|d| d.next_day())
            .map(crate::web::month_text)
            .unwrap_or_default(),
        opening: statement.opening,
        credits,
        by_service: sum_by(&debits, |l| l.service.clone()),
        by_member: sum_by(&debits, |l| l.person.clone()),
        debits: CreditSum(-debits.iter().map(|l| l.amount.0).sum::<i128>()),
        other,
        closing: statement.closing,
        errors,
    };
    crate::web::page_body!(viewer.htmx, page).map(crate::web::ok_html)
}

pub async fn statement_csv(
    admin: TenantAdmin,
    query: web::Query<crate::web::MonthQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let TenantAdmin(current) = admin;
    statement_csv_of(&StatementOf::own(&current), &current.viewer, &query.month, &state).await
}

/// Any project's statement as CSV, for support staff.
pub async fn support_statement_csv(
    support: Support,
    code: web::Path<String>,
    query: web::Query<crate::web::MonthQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let of = StatementOf::for_support(&state, &code).await?;
    statement_csv_of(&of, &support.0.viewer, &query.month, &state).await
}

async fn statement_csv_of(
    of: &StatementOf,
    viewer: &crate::auth::Viewer,
    month: &str,
    state: &AppState,
) -> Result<HttpResponse, AppError> {
    let statement = statement_of(of, viewer, month, state).await?;
    let mut rows = vec![vec![
        "opening".to_string(),
        String::new(),
        String::new(),
        statement.opening.to_string(),
    ]];
    for line in &statement.lines {
        rows.push(vec![
            line.kind.clone(),
            line.service.clone().unwrap_or_default(),
            line.person.clone().unwrap_or_default(),
            line.amount.to_string(),
        ]);
    }
    rows.push(vec![
        "closing".to_string(),
        String::new(),
        String::new(),
        statement.closing.to_string(),
    ]);
    let mut rows = Some(rows);
    Ok(csv::response(
        &format!("statement-{}-{}.csv", of.code, crate::web::month_text(statement.first)),
        &["line", "service", "username", "amount"],
        move |_| {
            let page = rows.take().unwrap_or_default();
            Box::pin(async move { Ok((page, None)) })
        },
    ))
}
