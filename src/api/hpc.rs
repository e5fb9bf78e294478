//! HPC jobs through the API: the project's finished jobs billed from the
//! Slurm cluster's accounting, newest first, paged by cursor. A tenant
//! admin's key sees every member's (or one member's), a tenant user's key
//! its owner's: what the HPC jobs tab shows them. The route names the HPC
//! service: a key scoped without it is refused.

use actix_web::{HttpResponse, web};
use serde::Serialize;
use utoipa::{IntoParams, ToSchema};

use super::{
    ApiCaller,
    request::{paged, period},
    routes::rfc3339,
};
use crate::{AppState, error::AppError, permissions::Service, slurm::service as slurm, wallets::Credits};

/// Which jobs: a page, a member, a period of end times.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct JobsQuery {
    /// The `next_cursor` of the page before; none for the first page.
    #[param(pattern = r"^c[0-9]{1,18}$")]
    pub cursor: Option<String>,
    /// How many, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
    /// Tenant admins: only this member's jobs (a username). A tenant user's
    /// key sees its owner's only, whatever this says.
    pub member: Option<String>,
    /// The first day jobs ended on, `YYYY-MM-DD` (UTC).
    #[param(format = Date, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub from: Option<String>,
    /// The last day jobs ended on, `YYYY-MM-DD` (UTC).
    #[param(format = Date, pattern = r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct JobBody {
    /// The portal's ID of the record (the cursor counts these).
    pub id: i64,
    /// Slurm's job ID.
    pub job_id: String,
    pub cluster: String,
    pub name: String,
    pub partition: String,
    /// How it ended: `COMPLETED`, `FAILED`, `TIMEOUT`, `CANCELLED`, `NODE_FAIL`, `OUT_OF_MEMORY`.
    pub state: String,
    /// Whose job it was (a username); `null` when billed to the project by an operator.
    #[schema(value_type = Option<String>)]
    pub member: Option<String>,
    /// RFC 3339, UTC.
    pub submitted_at: String,
    /// RFC 3339, UTC.
    pub ended_at: String,
    pub elapsed_seconds: i64,
    pub cpus: i64,
    pub gpus: i64,
    /// The prices it was billed at, credits an hour per core and per GPU (`"10.0000"`).
    pub cpu_hour: String,
    pub gpu_hour: String,
    /// What it cost, in credits (`"12.3450"`).
    pub amount: String,
}

#[derive(Serialize, ToSchema)]
pub struct JobListBody {
    pub jobs: Vec<JobBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    #[schema(value_type = Option<String>)]
    pub next_cursor: Option<String>,
}

/// The project's billed HPC jobs, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/hpc/jobs",
    tag = "slurm-jobs",
    security(("api_key" = [])),
    params(JobsQuery),
    responses(
        (status = 200, description = "A page of jobs", body = JobListBody),
        (status = 400, description = "`bad_request`: a malformed query", body = super::openapi::ErrorBody),
        (status = 403, description = "`scope_denied`: the key is not for HPC", body = super::openapi::ErrorBody),
        (status = 404, description = "`not_found`: no such `member` in the project", body = super::openapi::ErrorBody),
        (status = 422, description = "`invalid`: `field` names the parameter at fault", body = super::openapi::ErrorBody),
    )
)]
pub async fn jobs(
    caller: ApiCaller,
    query: web::Query<JobsQuery>,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    caller.in_scope(Service::Hpc)?;
    let (before, limit) = super::request::page(query.cursor.as_deref(), query.limit)?;
    let (from, to) = period(query.from.as_deref(), query.to.as_deref())?;
    let member = match query.member.as_deref().filter(|m| !m.is_empty()) {
        _ if !caller.is_tenant_admin() => Some(caller.owner.account_id),
        None => None,
        Some(username) => Some(caller.member_named(&state.db, username).await?.account_id),
    };
    let filter = slurm::JobFilter {
        project_id: caller.owner.project_id,
        account_id: member,
        from,
        to,
        before,
    };
    let rows = slurm::job_page(&state.db, &filter, limit + 1).await?;
    let (rows, next_cursor) = paged(rows, limit, |row| row.id);
    let jobs = rows
        .into_iter()
        .map(|row| JobBody {
            id: row.id,
            job_id: row.job_id,
            cluster: row.cluster,
            name: row.name,
            partition: row.partition,
            state: row.state,
            member: row.username,
            submitted_at: rfc3339(row.submitted_at),
            ended_at: rfc3339(row.ended_at),
            elapsed_seconds: row.elapsed_seconds,
            cpus: row.cpus,
            gpus: row.gpus,
            cpu_hour: Credits(row.cpu_hour).to_string(),
            gpu_hour: Credits(row.gpu_hour).to_string(),
            amount: Credits(row.amount).to_string(),
        })
        .collect();
    Ok(HttpResponse::Ok().json(JobListBody { jobs, next_cursor }))
}
