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

/// Every rate ever set: (partition, since, id, rate), for `rate_in_force`.
type RateRow = (String, i64, i64, Rate);

async fn all_rates(conn: &mut crate::db::Connection) -> sqlx::Result<Vec<RateRow>> {
    let rows: Vec<(String, i64, i64, i64, i64)> =
        sqlx::query_as("SELECT partition, since, id, cpu_hour, gpu_hour FROM hpc_rates")
            .fetch_all(&mut *conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(partition, since, id, cpu_hour, gpu_hour)| (partition, since, id, Rate { cpu_hour, gpu_hour }))
        .collect())
}

/// The rate of a job that ended at `ended_at` on `partition`: the
/// partition's own latest set at or before then, else the default's;
/// none set: free.
fn rate_in_force(rates: &[RateRow], partition: &str, ended_at: i64) -> Rate {
    let latest = |of: &str| {
        rates
            .iter()
            .filter(|(p, since, _, _)| p == of && *since <= ended_at)
            .max_by_key(|(_, since, id, _)| (*since, *id))
            .map(|(_, _, _, rate)| *rate)
    };
    latest(partition).or_else(|| latest("")).unwrap_or_default()
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
    // The account given that name on the cluster, else the one of that
    // username given no other name (each by its index).
    let named: Option<i64> = sqlx::query_scalar("SELECT account_id FROM cluster_users WHERE name = $1")
        .bind(&job.user)
        .fetch_optional(&mut *conn)
        .await?;
    let account = match named {
        Some(account) => Some(account),
        None => {
            sqlx::query_scalar(
                "SELECT a.id FROM accounts a WHERE a.username = $1
                 AND NOT EXISTS (SELECT 1 FROM cluster_users c WHERE c.account_id = a.id)",
            )
            .bind(&job.user)
            .fetch_optional(&mut *conn)
            .await?
        }
    };
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
    Ok(record_all(db, &runner.cluster, &jobs).await?)
}

/// Imports the jobs of a file of `sacct -n -P -X --format=SACCT_FORMAT`
/// lines (a cluster's history, say) for the projects the portal has, as
/// an import from Slurm would; the watermark stays where it is.
pub async fn import_lines(db: &Db, cluster: &str, lines: &str) -> sqlx::Result<Imported> {
    let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM projects")
        .fetch_all(db.read())
        .await?;
    let codes: std::collections::HashSet<String> = codes.iter().map(|c| c.to_ascii_lowercase()).collect();
    let jobs: Vec<FinishedJob> = lines
        .lines()
        .filter_map(parse)
        .filter(|job| codes.contains(&job.account))
        .collect();
    record_all(db, cluster, &jobs).await
}

/// Owners found in one import, by Slurm account and user.
type Owners = std::collections::HashMap<(String, String), Result<Owner, &'static str>>;

/// Jobs recorded in one transaction: few enough that other writers (the
/// write lock is the whole database's) wait a moment only, and one of the
/// sizes multi-row statements come in (`db::fixed_chunks`).
const JOBS_PER_TRANSACTION: usize = 1024;

/// Records and bills `jobs`, a batch to a transaction. A batch whose jobs
/// are all recorded already is left without taking the write lock (an
/// import with nothing new writes nothing); the others are looked up again
/// under the lock, which every writer of jobs takes, and the rest
/// recorded with their debits. The unique key still decides: a job
/// recorded meanwhile fails the batch, which the next import reads again,
/// so no job is ever billed twice.
async fn record_all(db: &Db, cluster: &str, jobs: &[FinishedJob]) -> sqlx::Result<Imported> {
    let mut done = Imported::default();
    let mut owners: Owners = std::collections::HashMap::new();
    let mut paying = crate::wallets::service::PayingWallets::new();
    for batch in jobs.chunks(JOBS_PER_TRANSACTION) {
        if count_known(&mut *db.read().acquire().await?, cluster, batch).await? == batch.len() {
            done.known += batch.len();
            continue;
        }
        let mut tx = db.begin_immediate().await?;
        let known = known_jobs(&mut tx, cluster, batch).await?;
        let new: Vec<&FinishedJob> = batch
            .iter()
            .filter(|job| !known.contains(&(job.job_id.as_str(), job.submitted_at)))
            .collect();
        done.known += batch.len() - new.len();
        let rates = all_rates(&mut tx).await?;
        let mut placed = Vec::with_capacity(new.len());
        for job in new {
            let whose = (job.account.clone(), job.user.clone());
            let owner = match owners.get(&whose) {
                Some(found) => *found,
                None => {
                    let found = owner(&mut tx, job).await?;
                    owners.insert(whose, found);
                    found
                }
            };
            let priced = match owner {
                Ok(_) => Some(Priced::of(
                    cluster,
                    job,
                    rate_in_force(&rates, &job.partition, job.ended_at),
                )?),
                Err(_) => None,
            };
            placed.push((job, owner, priced));
        }
        let debits: Vec<_> = placed
            .iter()
            .filter_map(|(job, owner, priced)| Some(priced.as_ref()?.debit(job, (*owner).ok()?)))
            .collect();
        let mut entries = debit(&mut tx, &debits, &mut paying).await?.into_iter();
        let mut rows = Vec::with_capacity(placed.len());
        for (job, owner, priced) in &placed {
            let entry = match priced {
                Some(_) => entries.next(),
                None => None,
            };
            rows.push(JobRow {
                job,
                owner: *owner,
                priced: priced.as_ref(),
                entry,
            });
        }
        insert_jobs(&mut tx, cluster, &rows).await?;
        tx.commit().await?;
        done.billed += debits.len();
        done.unattributed += placed.len() - debits.len();
    }
    Ok(done)
}

/// A job's row as written: with its debit, or unattributed (why).
struct JobRow<'a> {
    job: &'a FinishedJob,
    owner: Result<Owner, &'static str>,
    priced: Option<&'a Priced>,
    entry: Option<i64>,
}

/// Writes jobs' rows many to a statement; a job recorded already (by
/// cluster, job ID and submit time) fails the whole transaction.
async fn insert_jobs(conn: &mut crate::db::Connection, cluster: &str, rows: &[JobRow<'_>]) -> sqlx::Result<()> {
    for chunk in crate::db::fixed_chunks(rows) {
        let mut insert = crate::db::Statement::new(
            conn,
            "INSERT INTO hpc_jobs (cluster, job_id, submitted_at, slurm_account, slurm_user, name, partition, state, \
             ended_at, elapsed_seconds, cpus, gpus, project_id, account_id, status, reason, cpu_hour, gpu_hour, amount, \
             ledger_entry_id) ",
        );
        insert.values(chunk, |values, row| {
            let job = row.job;
            let (status, reason, project_id, account_id) = match row.owner {
                Ok(owner) => ("billed", "", Some(owner.project_id), owner.account_id),
                Err(reason) => ("unattributed", reason, None, None),
            };
            values
                .bind(cluster)
                .bind(job.job_id.as_str())
                .bind(job.submitted_at)
                .bind(job.account.as_str())
                .bind(job.user.as_str())
                .bind(job.name.as_str())
                .bind(job.partition.as_str())
                .bind(job.state.as_str())
                .bind(job.ended_at)
                .bind(job.elapsed_seconds)
                .bind(job.cpus)
                .bind(job.gpus)
                .bind(project_id)
                .bind(account_id)
                .bind(status)
                .bind(reason)
                .bind(row.priced.map(|p| p.rate.cpu_hour))
                .bind(row.priced.map(|p| p.rate.gpu_hour))
                .bind(row.priced.map(|p| p.amount.0))
                .bind(row.entry);
        });
        insert.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// How many of `batch` are recorded already: one row back whatever the
/// batch's size, so that an import of jobs all recorded before (the overlap
/// window, a history read again) costs the index lookups and little more.
async fn count_known(conn: &mut crate::db::Connection, cluster: &str, batch: &[FinishedJob]) -> sqlx::Result<usize> {
    let mut statement = crate::db::Statement::new(conn, "SELECT COUNT(*) FROM hpc_jobs WHERE cluster = ");
    statement
        .bind(cluster.to_string())
        .push(" AND (job_id, submitted_at) IN (");
    statement.values(batch, |values, job| {
        values.bind(job.job_id.as_str()).bind(job.submitted_at);
    });
    statement.push(")");
    let (count,): (i64,) = statement.query_as().fetch_one(&mut *conn).await?;
    Ok(usize::try_from(count).unwrap_or(0))
}

/// Which of `batch` are recorded already, by job ID and submit time.
async fn known_jobs<'a>(
    conn: &mut crate::db::Connection,
    cluster: &str,
    batch: &'a [FinishedJob],
) -> sqlx::Result<std::collections::HashSet<(&'a str, i64)>> {
    let mut statement = crate::db::Statement::new(conn, "SELECT job_id, submitted_at FROM hpc_jobs WHERE cluster = ");
    statement.bind(cluster.to_string()).push(" AND job_id IN (");
    statement.bind_list(crate::db::padded(
        &batch.iter().map(|job| job.job_id.clone()).collect::<Vec<_>>(),
    ));
    statement.push(")");
    let rows: Vec<(String, i64)> = statement.query_as().fetch_all(&mut *conn).await?;
    let rows: std::collections::HashSet<(String, i64)> = rows.into_iter().collect();
    Ok(batch
        .iter()
        .filter(|job| rows.contains(&(job.job_id.clone(), job.submitted_at)))
        .map(|job| (job.job_id.as_str(), job.submitted_at))
        .collect())
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

/// What a job costs and how its debit reads, worked out before anything
/// is written.
struct Priced {
    rate: Rate,
    amount: Credits,
    /// Credits an hour at that rate (the metered usage's rate).
    per_hour: Credits,
    detail: String,
    /// Unique to the job: its ledger row's and usage row's idempotency key.
    key: String,
    resource: String,
}

impl Priced {
    fn of(cluster: &str, job: &FinishedJob, rate: Rate) -> sqlx::Result<Priced> {
        let does_not_fit = || sqlx::Error::Protocol(format!("the charge of job {} does not fit", job.job_id));
        let amount = charge(job, rate).ok_or_else(does_not_fit)?;
        let per_hour = job
            .cpus
            .checked_mul(rate.cpu_hour)
            .zip(job.gpus.checked_mul(rate.gpu_hour))
            .and_then(|(c, g)| c.checked_add(g))
            .ok_or_else(does_not_fit)?;
        Ok(Priced {
            rate,
            amount,
            per_hour: Credits(per_hour),
            detail: ledger_detail(job, rate),
            key: format!("hpc:{cluster}:{}:{}", job.job_id, job.submitted_at),
            resource: format!("job {}", job.job_id),
        })
    }

    /// The debit: the member's sub-wallet pays if they are still a member
    /// with one, else the project's; the person's use is kept as metered
    /// usage (a job nobody is known for has none).
    fn debit<'a>(&'a self, job: &FinishedJob, owner: Owner) -> crate::wallets::service::JobDebit<'a> {
        crate::wallets::service::JobDebit {
            project_id: owner.project_id,
            member: owner.account_id.filter(|_| owner.member),
            amount: self.amount,
            detail: self.detail.clone(),
            key: &self.key,
            usage: owner.account_id.map(|account_id| crate::wallets::service::JobUsage {
                account_id,
                resource_id: &self.resource,
                seconds: job.elapsed_seconds,
                rate_per_hour: self.per_hour,
                idempotency_key: &self.key,
                at: job.ended_at,
            }),
        }
    }
}

/// Debits the jobs of one batch (see `Priced::debit`); the ledger rows' IDs.
async fn debit(
    conn: &mut crate::db::Connection,
    debits: &[crate::wallets::service::JobDebit<'_>],
    paying: &mut crate::wallets::service::PayingWallets,
) -> sqlx::Result<Vec<i64>> {
    crate::wallets::service::debit_jobs(conn, debits, paying)
        .await
        .map_err(|err| match err {
            crate::wallets::service::WalletError::Db(err) => err,
            other => sqlx::Error::Protocol(format!("HPC job debits: {other}")),
        })
}

/// Bills a job recorded earlier (an operator assigned it): its debit, and
/// its row updated with the rate, the amount and the debit.
async fn bill(
    conn: &mut crate::db::Connection,
    cluster: &str,
    row: i64,
    job: &FinishedJob,
    owner: Owner,
    rate: Rate,
) -> sqlx::Result<()> {
    let priced = Priced::of(cluster, job, rate)?;
    let mut paying = crate::wallets::service::PayingWallets::new();
    let entries = debit(conn, &[priced.debit(job, owner)], &mut paying).await?;
    sqlx::query("UPDATE hpc_jobs SET cpu_hour = $1, gpu_hour = $2, amount = $3, ledger_entry_id = $4 WHERE id = $5")
        .bind(rate.cpu_hour)
        .bind(rate.gpu_hour)
        .bind(priced.amount.0)
        .bind(entries.first().copied())
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
            let rate = rate_in_force(&all_rates(&mut tx).await?, &job.partition, job.ended_at);
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
