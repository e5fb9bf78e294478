//! The operators' Clusters page: how the Slurm passes go (the last error
//! among them), a pass on demand, and cluster user names.

use std::collections::HashMap;

use actix_web::{HttpResponse, web};
use askama::Template;

use super::{
    Runner,
    service::{self, PassError},
    store,
    views::ClustersPage,
};
use crate::{
    AppState,
    auth::Operator,
    error::AppError,
    web::{FieldErrors, i18n::Msg, see_other},
};

type Form = web::Form<HashMap<String, String>>;

async fn page(
    operator: &Operator,
    values: HashMap<String, String>,
    errors: FieldErrors,
    state: &AppState,
) -> Result<ClustersPage, AppError> {
    let db = &state.db;
    let slurm = state.config.slurm.clone();
    let status = match &slurm {
        Some(slurm) => store::status(db, &slurm.cluster).await?,
        None => None,
    };
    let next = slurm.as_ref().map(|slurm| match &status {
        Some(s) if s.failures > 0 => s.last_attempt + service::backoff(s.failures, slurm.sync_seconds),
        Some(s) => s.last_success.unwrap_or(s.last_attempt) + slurm.sync_seconds,
        None => crate::db::now(),
    });
    Ok(ClustersPage {
        l: operator.0.viewer.layout(),
        slurm,
        status,
        next,
        cluster_users: store::cluster_users(db).await?,
        values,
        errors,
        rates: super::billing::rates(db).await?,
        unattributed: super::billing::unattributed(db).await?,
        import: match &state.config.slurm {
            Some(slurm) => super::billing::import_status(db, &slurm.cluster).await?,
            None => None,
        },
    })
}

pub async fn show(operator: Operator, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    crate::web::html(&page(&operator, HashMap::new(), FieldErrors::default(), &state).await?)
}

/// Runs a pass now; its outcome is the flash (and the page's status).
pub async fn sync_now(operator: Operator, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let viewer = &operator.0.viewer;
    let Some(runner) = Runner::of(&state.config) else {
        viewer.flash(false, Msg::new("slurm-off"));
        return Ok(see_other("/operator/clusters"));
    };
    match service::sync(&state.db, &runner, crate::db::now()).await {
        Ok(pass) => viewer.flash(true, Msg::new("slurm-synced").arg("changes", pass.actions.len())),
        Err(PassError::Busy) => viewer.flash(false, Msg::new("slurm-busy")),
        Err(PassError::Db(err)) => return Err(err.into()),
        Err(PassError::Slurm(err)) => viewer.flash(false, Msg::new("slurm-failed").arg("error", err)),
    }
    Ok(see_other("/operator/clusters"))
}

/// Sets an HPC price from now on.
pub async fn set_rate(operator: Operator, form: Form, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let result = super::billing::set_rate(
        &state.db,
        Some(operator.0.account.id),
        field("partition"),
        field("cpu_hour"),
        field("gpu_hour"),
        crate::db::now(),
    )
    .await;
    answer(operator, form, result, &state).await
}

/// Bills an unattributed job to a project (`assign`, with its code) or
/// dismisses it.
pub async fn decide_job(
    operator: Operator,
    path: web::Path<i64>,
    form: Form,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let project = form.get("project").map(String::as_str).unwrap_or("");
    let assign = form.get("decision").map(String::as_str) == Some("assign");
    let result = super::billing::decide(&state.db, operator.0.account.id, *path, assign.then_some(project)).await;
    let result = result.map_err(|err| match err {
        AppError::Invalid { message, .. } => AppError::Invalid {
            field: format!("job-{}", *path).into(),
            message,
        },
        other => other,
    });
    answer(operator, form, result, &state).await
}

/// After a form: its message and back to the page, or the page again with
/// the refusal beside the field.
async fn answer(
    operator: Operator,
    form: HashMap<String, String>,
    result: Result<Msg, AppError>,
    state: &AppState,
) -> Result<HttpResponse, AppError> {
    let viewer = &operator.0.viewer;
    match result {
        Ok(message) => {
            viewer.flash(true, message);
            Ok(see_other("/operator/clusters"))
        }
        Err(err @ AppError::Invalid { .. }) => {
            let mut errors = FieldErrors::default();
            errors.add(err, viewer.lang)?;
            let values = form
                .into_iter()
                .map(|(k, v)| (k, v.chars().take(100).collect()))
                .collect();
            let page = page(&operator, values, errors, state).await?;
            Ok(crate::web::unprocessable(page.render()?))
        }
        Err(AppError::NotFound) => {
            viewer.flash(false, Msg::new("error-not-found"));
            Ok(see_other("/operator/clusters"))
        }
        Err(err) => Err(err),
    }
}

/// Sets or takes back an account's cluster user name.
pub async fn set_cluster_user(
    operator: Operator,
    form: Form,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let form = form.into_inner();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    let result = service::set_cluster_user(
        &state.db,
        Some(operator.0.account.id),
        field("username"),
        field("cluster_name"),
    )
    .await;
    answer(operator, form, result, &state).await
}

/// The most jobs a page or an export lists.
const JOBS_SHOWN: i64 = 5_000;

async fn month_jobs(
    current: &crate::auth::CurrentTenant,
    query: &crate::web::MonthQuery,
    state: &AppState,
) -> Result<(time::Date, Vec<super::store::BilledJob>), AppError> {
    let (first, from, to) = crate::web::month_range(&query.month, current.viewer.time_zone())?;
    let only = (!current.tenant.is_admin()).then_some(current.account.id);
    let jobs = super::service::billed_jobs(&state.db, current.tenant.project_id, only, (from, to), JOBS_SHOWN).await?;
    Ok((first, jobs))
}

/// A month's HPC jobs and what they cost: the project's (a tenant user's own).
pub async fn jobs(
    current: crate::auth::CurrentTenant,
    query: web::Query<crate::web::MonthQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::default();
    let (first, jobs) = match month_jobs(&current, &query, &state).await {
        Ok(found) => found,
        Err(err @ AppError::Invalid { .. }) => {
            errors.add(err, current.viewer.lang)?;
            let zone = current.viewer.time_zone();
            (crate::web::month_range("", zone)?.0, Vec::new())
        }
        Err(err) => return Err(err),
    };
    let previous = first
        .previous_day()
        .map(|d| crate::web::month_text(d))
        .unwrap_or_default();
    let next = first
        .replace_day(first.month().length(first.year()))
        .ok()
        .and_then(|d| d.next_day())
        .map(crate::web::month_text)
        .unwrap_or_default();
    let page = super::views::JobsPage {
        l: current.viewer.layout(),
        tab: "hpc",
        month: crate::web::month_text(first),
        previous,
        next,
        total: jobs
            .iter()
            .map(|j| crate::wallets::CreditSum(i128::from(j.amount)))
            .sum(),
        jobs,
        rates: super::billing::rates(&state.db).await?,
        errors,
    };
    crate::web::page_body!(current.viewer.htmx, page).map(crate::web::ok_html)
}

/// The same month as CSV.
pub async fn jobs_csv(
    current: crate::auth::CurrentTenant,
    query: web::Query<crate::web::MonthQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    let (first, jobs) = month_jobs(&current, &query, &state).await?;
    let mut rows: Vec<Vec<String>> = jobs
        .iter()
        .map(|j| {
            vec![
                j.job_id.clone(),
                j.name.clone(),
                j.partition.clone(),
                j.state.clone(),
                j.username.clone().unwrap_or_default(),
                crate::format::rfc3339(j.ended_at),
                j.elapsed_seconds.to_string(),
                j.cpus.to_string(),
                j.gpus.to_string(),
                crate::wallets::Credits(j.amount).to_string(),
            ]
        })
        .collect();
    let total: crate::wallets::CreditSum = jobs
        .iter()
        .map(|j| crate::wallets::CreditSum(i128::from(j.amount)))
        .sum();
    rows.push(vec![
        "total".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        jobs.iter().map(|j| j.elapsed_seconds).sum::<i64>().to_string(),
        String::new(),
        String::new(),
        total.to_string(),
    ]);
    let mut rows = Some(rows);
    Ok(crate::web::csv::response(
        &format!("hpc-jobs-{}.csv", crate::web::month_text(first)),
        &[
            "job",
            "name",
            "partition",
            "state",
            "username",
            "ended",
            "seconds",
            "cpus",
            "gpus",
            "amount",
        ],
        move |_| {
            let page = rows.take().unwrap_or_default();
            Box::pin(async move { Ok((page, None)) })
        },
    ))
}
