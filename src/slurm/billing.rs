//! HPC jobs billed: Slurm's accounting (`sacct`) read since a watermark,
//! each finished job that ran priced at the operators' rates and debited
//! exactly once — the job's row (unique by cluster, job ID and submit time)
//! and its debit are one transaction, so two instances, a restart in the
//! middle of an import and overlapping windows never bill a job twice or
//! skip one. A job whose project or person the portal does not know waits
//! on the Clusters page, unattributed, for an operator.

use time::{OffsetDateTime, PrimitiveDateTime, format_description::well_known::Iso8601};

use super::{reconcile::parse_tres, runner::Runner};
use crate::{
    db::Db,
    error::AppError,
    ids::{AccountId, ProjectId},
    wallets::Credits,
};

/// How far before the watermark each import reads again: records that
/// reach slurmdbd late.
pub const OVERLAP_SECONDS: i64 = 3600;

/// How far back the first import of a cluster reads.
pub const FIRST_IMPORT_SECONDS: i64 = 7 * 86_400;

/// A finished job as `sacct` reports its allocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinishedJob {
    pub job_id: String,
    pub name: String,
    pub partition: String,
    pub account: String,
    pub user: String,
    /// `COMPLETED`, `FAILED`, `TIMEOUT`, `CANCELLED`, `NODE_FAIL`, `OUT_OF_MEMORY`.
    pub state: String,
    pub elapsed_seconds: i64,
    pub cpus: i64,
    pub gpus: i64,
    pub submitted_at: i64,
    pub ended_at: i64,
}

/// The fields asked of `sacct`, in the order `parse` reads them.
pub const SACCT_FORMAT: &str = "jobid,jobname%200,partition,account,user,state,elapsedraw,alloctres,submit,end";

/// End states of jobs that ran (a job cancelled before it started has no
/// allocation and costs nothing).
pub const END_STATES: &str = "CD,F,TO,CA,NF,OOM";

/// One line of `sacct -n -P` (times in UTC); `None` for a job that never
/// ran or a line that is not a job.
pub fn parse(line: &str) -> Option<FinishedJob> {
    let fields: Vec<&str> = line.split('|').collect();
    let [
        job_id,
        name,
        partition,
        account,
        user,
        state,
        elapsed,
        tres,
        submit,
        end,
    ] = fields[..]
    else {
        return None;
    };
    let elapsed_seconds: i64 = elapsed.parse().ok()?;
    let tres = parse_tres(tres);
    let cpus = tres.get("cpu").copied().unwrap_or(0);
    if elapsed_seconds <= 0 || cpus <= 0 {
        return None;
    }
    // `CANCELLED by 0` is cancelled.
    let state = state.split(' ').next().unwrap_or(state).to_string();
    Some(FinishedJob {
        job_id: job_id.to_string(),
        name: name.to_string(),
        partition: partition.to_string(),
        account: account.to_ascii_lowercase(),
        user: user.to_string(),
        state,
        elapsed_seconds,
        cpus,
        gpus: tres.get("gres/gpu").copied().unwrap_or(0),
        submitted_at: utc(submit)?,
        ended_at: utc(end)?,
    })
}

fn utc(text: &str) -> Option<i64> {
    PrimitiveDateTime::parse(text, &Iso8601::DEFAULT)
        .ok()
        .map(|t| t.assume_utc().unix_timestamp())
}

/// A job's charge: elapsed hours × (CPUs × CPU rate + GPUs × GPU rate),
/// rates in 1/10,000 credit an hour, rounded once, half up; `None` if it
/// does not fit (checked, never wrapping).
pub fn charge(job: &FinishedJob, rate: Rate) -> Option<Credits> {
    let per_hour = job
        .cpus
        .checked_mul(rate.cpu_hour)?
        .checked_add(job.gpus.checked_mul(rate.gpu_hour)?)?;
    Credits::metered(Credits(per_hour), job.elapsed_seconds)
}

/// Credits an hour (in 1/10,000 credit) per CPU core and per GPU.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rate {
    pub cpu_hour: i64,
    pub gpu_hour: i64,
}

/// What the ledger row of a job says (`wallets::service::hpc_job_detail`).
pub fn ledger_detail(job: &FinishedJob, rate: Rate) -> String {
    crate::wallets::service::hpc_job_detail(
        &job.job_id,
        &job.partition,
        job.elapsed_seconds,
        (job.cpus, job.gpus),
        (Credits(rate.cpu_hour), Credits(rate.gpu_hour)),
        &job.name,
    )
}

impl Runner {
    /// Finished jobs that ran, ended between `from` and `to`, of every
    /// account (the caller keeps those it knows).
    pub async fn finished_jobs(&self, from: i64, to: i64) -> Result<Vec<FinishedJob>, super::runner::SlurmError> {
        let at = |t: i64| {
            OffsetDateTime::from_unix_timestamp(t)
                .map(|t| {
                    format!(
                        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                        t.year(),
                        t.month() as u8,
                        t.day(),
                        t.hour(),
                        t.minute(),
                        t.second()
                    )
                })
                .unwrap_or_default()
        };
        let (start, end) = (format!("--starttime={}", at(from)), format!("--endtime={}", at(to)));
        let cluster = format!("--clusters={}", self.cluster);
        let format = format!("--format={SACCT_FORMAT}");
        let states = format!("--state={END_STATES}");
        let out = self
            .run(
                "sacct",
                &["-n", "-P", "-X", "-a", &cluster, &start, &end, &states, &format],
                None,
            )
            .await?;
        Ok(out.lines().filter_map(parse).filter(|job| job.ended_at <= to).collect())
    }
}

/// Who a job belongs to: its project, its person (if the portal knows the
/// user name) and whether they are still a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Owner {
    pub project_id: ProjectId,
    pub account_id: Option<AccountId>,
    pub member: bool,
}

/// Sets the HPC rate (for `partition`, or every partition without its own
/// when empty) from `now` on; recorded.
pub async fn set_rate(
    db: &Db,
    actor: Option<AccountId>,
    partition: &str,
    cpu_hour: &str,
    gpu_hour: &str,
    now: i64,
) -> Result<crate::web::i18n::Msg, AppError> {
    let partition = partition.trim();
    if partition.len() > 64
        || !partition
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    {
        return Err(AppError::invalid("partition", "hpc-rate-partition-invalid"));
    }
    let amount = |field: &'static str, text: &str| {
        Credits::parse(text.trim(), field)
            .ok()
            .filter(|c| !c.is_negative() && c.0 <= 1_000_000 * 10_000)
            .ok_or_else(|| AppError::invalid(field, "hpc-rate-invalid"))
    };
    let (cpu, gpu) = (amount("cpu_hour", cpu_hour)?, amount("gpu_hour", gpu_hour)?);
    let mut tx = db.begin_immediate().await?;
    sqlx::query("INSERT INTO hpc_rates (partition, cpu_hour, gpu_hour, since, set_by) VALUES ($1, $2, $3, $4, $5)")
        .bind(partition)
        .bind(cpu.0)
        .bind(gpu.0)
        .bind(now)
        .bind(actor)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(crate::web::i18n::Msg::new("hpc-rate-set")
        .arg("cpu", cpu.to_string())
        .arg("gpu", gpu.to_string()))
}

/// The rates in force now: (partition, '' for the default; rate; since).
pub async fn rates(db: &Db) -> sqlx::Result<Vec<(String, Rate, i64)>> {
    let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT r.partition, r.cpu_hour, r.gpu_hour, r.since FROM hpc_rates r
         WHERE r.id = (SELECT r2.id FROM hpc_rates r2 WHERE r2.partition = r.partition ORDER BY r2.since DESC, r2.id DESC LIMIT 1)
         ORDER BY r.partition",
    )
    .fetch_all(db.read())
    .await?;
    Ok(rows
        .into_iter()
        .map(|(p, cpu_hour, gpu_hour, since)| (p, Rate { cpu_hour, gpu_hour }, since))
        .collect())
}

/// The rate of a job that ended at `ended_at` on `partition`: the
/// partition's own in force then, else the default's; none set: free.
async fn rate_at(conn: &mut crate::db::Connection, partition: &str, ended_at: i64) -> sqlx::Result<Rate> {
    let found: Option<(i64, i64)> = sqlx::query_as(
        "SELECT cpu_hour, gpu_hour FROM hpc_rates WHERE partition IN ($1, '') AND since <= $2
         ORDER BY CASE WHEN partition = '' THEN 1 ELSE 0 END, since DESC, id DESC LIMIT 1",
    )
    .bind(partition)
    .bind(ended_at)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.map_or(Rate::default(), |(cpu_hour, gpu_hour)| Rate { cpu_hour, gpu_hour }))
}

/// Whose a job is: the project whose code is its account, the account
/// whose cluster user name is its user; `Err` says why not.
async fn owner(conn: &mut crate::db::Connection, job: &FinishedJob) -> sqlx::Result<Result<Owner, &'static str>> {
    let project: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE code = $1")
        .bind(job.account.to_ascii_uppercase())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(project) = project else {
        return Ok(Err("unknown-account"));
    };
    let account: Option<i64> = sqlx::query_scalar(
        "SELECT a.id FROM accounts a LEFT JOIN cluster_users c ON c.account_id = a.id
         WHERE c.name = $1 OR (c.name IS NULL AND a.username = $1)",
    )
    .bind(&job.user)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(account) = account else {
        return Ok(Err("unknown-user"));
    };
    let member: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE project_id = $1 AND account_id = $2")
        .bind(project)
        .bind(account)
        .fetch_one(&mut *conn)
        .await?;
    Ok(Ok(Owner {
        project_id: ProjectId(project),
        account_id: Some(AccountId(account)),
        member: member > 0,
    }))
}

/// What an import did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub billed: usize,
    pub unattributed: usize,
    /// Jobs read that were there already (the overlap, another instance).
    pub known: usize,
}

/// Reads the cluster's finished jobs since the watermark (less the
/// overlap) up to `now`, and records and bills each new one in a
/// transaction of its own; then moves the watermark. How it went is kept
/// for the Clusters page (`import_status`).
pub async fn import(db: &Db, runner: &Runner, now: i64) -> Result<Imported, super::service::PassError> {
    let outcome = import_window(db, runner, now).await;
    let (failed, error) = match &outcome {
        Ok(_) => (false, String::new()),
        Err(err) => (true, err.to_string()),
    };
    let mut tx = db.begin_immediate().await?;
    sqlx::query(
        "INSERT INTO hpc_import (cluster, until, last_attempt, failures, error) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (cluster) DO UPDATE SET
             until = CASE WHEN $4 = 0 AND (hpc_import.until IS NULL OR hpc_import.until < excluded.until)
                          THEN excluded.until ELSE hpc_import.until END,
             last_attempt = excluded.last_attempt,
             failures = CASE WHEN $4 = 0 THEN 0 ELSE hpc_import.failures + 1 END,
             error = excluded.error",
    )
    .bind(&runner.cluster)
    .bind((!failed).then_some(now))
    .bind(now)
    .bind(i64::from(failed))
    .bind(&error)
    .execute(&mut *tx)
    .await?;
    tx.commit_leaving_caches().await?;
    outcome
}

/// How the imports go: the last one, failures in a row and the last error.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ImportStatus {
    pub until: Option<i64>,
    pub last_attempt: i64,
    pub failures: i64,
    pub error: String,
}

pub async fn import_status(db: &Db, cluster: &str) -> sqlx::Result<Option<ImportStatus>> {
    sqlx::query_as("SELECT until, last_attempt, failures, error FROM hpc_import WHERE cluster = $1")
        .bind(cluster)
        .fetch_optional(db.read())
        .await
}

async fn import_window(db: &Db, runner: &Runner, now: i64) -> Result<Imported, super::service::PassError> {
    let until: Option<i64> = sqlx::query_scalar("SELECT until FROM hpc_import WHERE cluster = $1")
        .bind(&runner.cluster)
        .fetch_optional(db.read())
        .await?
        .flatten();
    let from = until.map_or(now - FIRST_IMPORT_SECONDS, |u| u - OVERLAP_SECONDS);
    // Jobs of the accounts under the parent, and of any project's (an
    // account removed since); the rest of the cluster is not ours.
    let under = runner.observe().await?.accounts;
    let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM projects")
        .fetch_all(db.read())
        .await?;
    let codes: std::collections::HashSet<String> = codes.iter().map(|c| c.to_ascii_lowercase()).collect();
    let ours = |account: &str| under.contains_key(account) || codes.contains(account);
    let jobs: Vec<FinishedJob> = runner
        .finished_jobs(from, now)
        .await?
        .into_iter()
        .filter(|job| ours(&job.account))
        .collect();
    let mut done = Imported::default();
    for job in &jobs {
        match record(db, &runner.cluster, job).await? {
            Recorded::Known => done.known += 1,
            Recorded::Billed => done.billed += 1,
            Recorded::Unattributed => done.unattributed += 1,
        }
    }
    Ok(done)
}

/// Imports the cluster's finished jobs every `period` seconds while the
/// runtime lives, on one instance per period (`Db::claim_run`); a failed
/// import is logged and the next one reads the same window again.
pub fn keep_importing(db: Db, runner: Runner, period: i64) {
    tokio::spawn(async move {
        let every = std::time::Duration::from_secs(period.max(1).unsigned_abs());
        let mut tick = tokio::time::interval(every);
        let lease = format!("hpc-import:{}", runner.cluster);
        loop {
            tick.tick().await;
            let now = crate::db::now();
            match db.claim_run(&lease, period, now).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(err) => {
                    tracing::error!(error = %err, "could not claim the HPC job import");
                    continue;
                }
            }
            match import(&db, &runner, now).await {
                Ok(done) if done.billed + done.unattributed > 0 => tracing::info!(
                    cluster = %runner.cluster,
                    billed = done.billed,
                    unattributed = done.unattributed,
                    "imported finished HPC jobs"
                ),
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(cluster = %runner.cluster, error = %err, "the HPC job import failed; it will be retried")
                }
            }
        }
    });
}

enum Recorded {
    Known,
    Billed,
    Unattributed,
}

/// One job: its row, and for a job the portal can place, its debit, in
/// one transaction; a job already recorded changes nothing.
async fn record(db: &Db, cluster: &str, job: &FinishedJob) -> sqlx::Result<Recorded> {
    let mut tx = db.begin_immediate().await?;
    let owner = owner(&mut tx, job).await?;
    let rate = rate_at(&mut tx, &job.partition, job.ended_at).await?;
    let (status, reason, project_id, account_id) = match owner {
        Ok(owner) => ("billed", "", Some(owner.project_id), owner.account_id),
        Err(reason) => ("unattributed", reason, None, None),
    };
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO hpc_jobs (cluster, job_id, submitted_at, slurm_account, slurm_user, name, partition, state,
             ended_at, elapsed_seconds, cpus, gpus, project_id, account_id, status, reason)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
         ON CONFLICT (cluster, job_id, submitted_at) DO NOTHING RETURNING id",
    )
    .bind(cluster)
    .bind(&job.job_id)
    .bind(job.submitted_at)
    .bind(&job.account)
    .bind(&job.user)
    .bind(&job.name)
    .bind(&job.partition)
    .bind(&job.state)
    .bind(job.ended_at)
    .bind(job.elapsed_seconds)
    .bind(job.cpus)
    .bind(job.gpus)
    .bind(project_id)
    .bind(account_id)
    .bind(status)
    .bind(reason)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = inserted else {
        tx.commit_leaving_caches().await?;
        return Ok(Recorded::Known);
    };
    let Ok(owner) = owner else {
        tx.commit().await?;
        return Ok(Recorded::Unattributed);
    };
    bill(&mut tx, cluster, row, job, owner, rate).await?;
    tx.commit().await?;
    Ok(Recorded::Billed)
}

/// Debits a recorded job: from the member's open sub-wallet, else the
/// project's wallet (also for a person no longer a member: still their
/// job). A balance may go below zero: the work was done.
async fn bill(
    conn: &mut crate::db::Connection,
    cluster: &str,
    row: i64,
    job: &FinishedJob,
    owner: Owner,
    rate: Rate,
) -> sqlx::Result<()> {
    let amount = charge(job, rate)
        .ok_or_else(|| sqlx::Error::Protocol(format!("the charge of job {} does not fit", job.job_id)))?;
    let member = owner.account_id.filter(|_| owner.member);
    // The person's use, as metered usage (a job nobody is known for has none).
    let resource = format!("job {}", job.job_id);
    let key = format!("hpc:{cluster}:{}:{}", job.job_id, job.submitted_at);
    let per_hour = job
        .cpus
        .checked_mul(rate.cpu_hour)
        .zip(job.gpus.checked_mul(rate.gpu_hour));
    let per_hour = per_hour.and_then(|(c, g)| c.checked_add(g)).unwrap_or(0);
    let usage = owner.account_id.map(|account_id| crate::wallets::service::JobUsage {
        account_id,
        resource_id: &resource,
        seconds: job.elapsed_seconds,
        rate_per_hour: Credits(per_hour),
        idempotency_key: &key,
        at: job.ended_at,
    });
    let detail = ledger_detail(job, rate);
    let entry = crate::wallets::service::debit_job(conn, owner.project_id, member, amount, &detail, usage)
        .await
        .map_err(|err| sqlx::Error::Protocol(format!("job {}: {err:?}", job.job_id)))?;
    sqlx::query("UPDATE hpc_jobs SET cpu_hour = $1, gpu_hour = $2, amount = $3, ledger_entry_id = $4 WHERE id = $5")
        .bind(rate.cpu_hour)
        .bind(rate.gpu_hour)
        .bind(amount.0)
        .bind(entry)
        .bind(row)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// A job waiting on the Clusters page.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unattributed {
    pub id: i64,
    pub job_id: String,
    pub slurm_account: String,
    pub slurm_user: String,
    pub name: String,
    pub partition: String,
    pub ended_at: i64,
    pub elapsed_seconds: i64,
    pub cpus: i64,
    pub gpus: i64,
    pub reason: String,
}

pub async fn unattributed(db: &Db) -> sqlx::Result<Vec<Unattributed>> {
    sqlx::query_as(
        "SELECT id, job_id, slurm_account, slurm_user, name, partition, ended_at, elapsed_seconds, cpus, gpus, reason
         FROM hpc_jobs WHERE status = 'unattributed' ORDER BY ended_at DESC, id DESC LIMIT 200",
    )
    .fetch_all(db.read())
    .await
}

/// An operator's decision on an unattributed job: bill it to project
/// `code` (its wallet: the person is not known there), or dismiss it.
/// Recorded; a job decided already is refused.
pub async fn decide(
    db: &Db,
    actor: AccountId,
    id: i64,
    assign_to: Option<&str>,
) -> Result<crate::web::i18n::Msg, AppError> {
    use crate::activity::{Change, ChangeKind, service::record_in};
    let mut tx = db.begin_immediate().await?;
    let row: Option<(String, String, String, String, String, i64, i64, i64, i64, i64, String)> = sqlx::query_as(
        "SELECT job_id, name, partition, slurm_account, slurm_user, submitted_at, ended_at, elapsed_seconds, cpus, gpus, cluster
         FROM hpc_jobs WHERE id = $1 AND status = 'unattributed'",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((job_id, name, partition, account, user, submitted_at, ended_at, elapsed_seconds, cpus, gpus, cluster)) =
        row
    else {
        return Err(AppError::NotFound);
    };
    let job = FinishedJob {
        job_id: job_id.clone(),
        name,
        partition,
        account,
        user,
        state: String::new(),
        elapsed_seconds,
        cpus,
        gpus,
        submitted_at,
        ended_at,
    };
    let target = format!("{job_id}");
    let message = match assign_to {
        Some(code) => {
            let code = code.trim().to_ascii_uppercase();
            let project: Option<i64> = sqlx::query_scalar("SELECT id FROM projects WHERE code = $1")
                .bind(&code)
                .fetch_optional(&mut *tx)
                .await?;
            let Some(project) = project else {
                return Err(AppError::invalid("project", "project-unknown"));
            };
            let rate = rate_at(&mut tx, &job.partition, job.ended_at).await?;
            sqlx::query("UPDATE hpc_jobs SET status = 'billed', project_id = $1 WHERE id = $2")
                .bind(project)
                .bind(id)
                .execute(&mut *tx)
                .await?;
            let owner = Owner {
                project_id: ProjectId(project),
                account_id: None,
                member: false,
            };
            bill(&mut tx, &cluster, id, &job, owner, rate).await?;
            record_in(
                &mut tx,
                Change {
                    actor_id: Some(actor),
                    project_id: Some(ProjectId(project)),
                    subject_id: None,
                    action: ChangeKind::HpcJobAssign,
                    target: &target,
                    before: "",
                    after: &code,
                },
            )
            .await?;
            crate::web::i18n::Msg::new("hpc-job-assigned")
                .arg("job", &job_id)
                .arg("code", code)
        }
        None => {
            sqlx::query("UPDATE hpc_jobs SET status = 'dismissed' WHERE id = $1")
                .bind(id)
                .execute(&mut *tx)
                .await?;
            record_in(
                &mut tx,
                Change {
                    actor_id: Some(actor),
                    project_id: None,
                    subject_id: None,
                    action: ChangeKind::HpcJobDismiss,
                    target: &target,
                    before: "",
                    after: "",
                },
            )
            .await?;
            crate::web::i18n::Msg::new("hpc-job-dismissed").arg("job", &job_id)
        }
    };
    tx.commit().await?;
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sacct_lines_become_jobs_that_ran() {
        let job = parse("41|train model|gpu|mst1|alice|COMPLETED|7200|billing=1,cpu=4,gres/gpu=1,mem=500M,node=1|2026-12-07T17:02:41|2026-12-07T19:03:00").unwrap();
        assert_eq!((job.cpus, job.gpus, job.elapsed_seconds), (4, 1, 7200));
        assert_eq!(job.submitted_at, 1_796_662_961);
        assert_eq!(job.state, "COMPLETED");
        let cancelled =
            parse("42|x|debug|MST1|bob|CANCELLED by 0|3|cpu=1|2026-12-07T17:02:41|2026-12-07T17:02:44").unwrap();
        assert_eq!(
            (cancelled.state.as_str(), cancelled.account.as_str()),
            ("CANCELLED", "mst1")
        );
        // Cancelled before it started: no allocation, no time.
        assert_eq!(
            parse("43|x|debug|mst1|bob|CANCELLED by 0|0||2026-12-07T17:02:41|2026-12-07T17:02:44"),
            None
        );
        assert_eq!(parse("not a job"), None);
    }

    #[test]
    fn a_charge_is_exact_and_rounded_once_half_up() {
        let job = parse("1|a|debug|mst1|alice|COMPLETED|5400|cpu=4,gres/gpu=1|2026-12-07T00:00:00|2026-12-07T01:30:00")
            .unwrap();
        // 1.5 h × (4 × 10 + 1 × 100) = 210 credits.
        let rate = Rate {
            cpu_hour: 10 * 10_000,
            gpu_hour: 100 * 10_000,
        };
        assert_eq!(charge(&job, rate), Some(Credits(210 * 10_000)));
        // 1 s × 1 core × 0.0001/h: 0.0000000277… → 0; 18 s × 0.0001 × 1000 = 0.0005 → half up.
        let second = FinishedJob {
            elapsed_seconds: 18,
            cpus: 1000,
            gpus: 0,
            ..job.clone()
        };
        assert_eq!(
            charge(
                &second,
                Rate {
                    cpu_hour: 1,
                    gpu_hour: 0
                }
            ),
            Some(Credits(5))
        );
        let huge = FinishedJob { cpus: i64::MAX, ..job };
        assert_eq!(charge(&huge, rate), None);
    }

    #[test]
    fn a_ledger_row_names_the_job() {
        let job = parse(
            "41|train model|gpu|mst1|alice|COMPLETED|7200|cpu=4,gres/gpu=1|2026-12-07T17:02:41|2026-12-07T19:03:00",
        )
        .unwrap();
        let rate = Rate {
            cpu_hour: 100_000,
            gpu_hour: 1_000_000,
        };
        assert_eq!(
            ledger_detail(&job, rate),
            "hpc-job 41 gpu 7200 4 1 10.0000 100.0000 train model"
        );
    }
}
