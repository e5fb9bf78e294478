//! What the passes read and keep in the database: the state Member Center
//! decides, what the last pass left in Slurm, the passes' status, and the
//! cluster user names operators set.

use std::collections::{BTreeMap, HashMap};

use super::reconcile::{self, Desired, DesiredAccount, Limits};
use crate::{
    db::Db,
    ids::{AccountId, ProjectId},
};

/// The desired state, with what a pass needs to tell people about it.
#[derive(Debug, Default)]
pub struct Decided {
    pub desired: Desired,
    /// Each Slurm account's project.
    pub projects: HashMap<String, ProjectId>,
    /// Each cluster user's account.
    pub people: HashMap<String, AccountId>,
    /// Names Slurm cannot take: `MST1 / bad name`.
    pub invalid: Vec<String>,
}

type ProjectRow = (i64, String, String, String, String, Option<i64>);
type MemberRow = (i64, i64, String, String, Option<String>, Option<i64>);

/// What Member Center decides as of `today` (`YYYY-MM-DD`): every project
/// that is not closed and has an HPC quota is an account, blocked while
/// suspended, outside its period or with a negative wallet; every member of
/// it with the `hpc` permission a user on it, blocked while locked or with
/// a negative sub-wallet.
pub async fn decided(db: &Db, today: &str) -> sqlx::Result<Decided> {
    let pool = db.read();
    let projects: Vec<ProjectRow> = sqlx::query_as(
        "SELECT p.id, p.code, p.status, p.starts_on, p.ends_on, w.balance FROM projects p
         LEFT JOIN wallets w ON w.project_id = p.id AND w.account_id IS NULL
         WHERE p.status <> 'closed'
           AND EXISTS (SELECT 1 FROM project_quotas q WHERE q.project_id = p.id AND q.service = 'hpc' AND q.quota <> 0)",
    )
    .fetch_all(pool)
    .await?;
    let quotas: Vec<(i64, Option<i64>, String, i64)> = sqlx::query_as(
        "SELECT project_id, NULL, resource, quota FROM project_quotas WHERE service = 'hpc'
         UNION ALL
         SELECT project_id, account_id, resource, quota FROM member_quotas WHERE service = 'hpc'",
    )
    .fetch_all(pool)
    .await?;
    let members: Vec<MemberRow> = sqlx::query_as(
        "SELECT m.project_id, a.id, a.username, a.status, c.name, s.balance FROM memberships m
         JOIN tenant_permissions t ON t.membership_id = m.id AND t.service = 'hpc'
         JOIN accounts a ON a.id = m.account_id
         LEFT JOIN cluster_users c ON c.account_id = a.id
         LEFT JOIN wallets s ON s.project_id = m.project_id AND s.account_id = a.id AND s.closed_at IS NULL",
    )
    .fetch_all(pool)
    .await?;

    let mut quota_of: HashMap<(i64, Option<i64>), HashMap<String, i64>> = HashMap::new();
    for (project, account, resource, quota) in quotas {
        quota_of.entry((project, account)).or_default().insert(resource, quota);
    }
    // A project's resource never set is 0 (as for admissions); a member's
    // never set is the project's (no limit of its own).
    let limits = |key: (i64, Option<i64>), unset: Option<i64>, blocked: bool| {
        let set = quota_of.get(&key);
        let get = |resource: &str| set.and_then(|s| s.get(resource).copied()).or(unset);
        Limits::of_quota(get("cpu"), get("gpu"), get("memory"), blocked)
    };

    let mut decided = Decided::default();
    let mut names: HashMap<i64, String> = HashMap::new();
    for (id, code, status, starts_on, ends_on, balance) in projects {
        let Some(name) = reconcile::account_name(&code) else {
            decided.invalid.push(code);
            continue;
        };
        let outside_period = today < starts_on.as_str() || today > ends_on.as_str();
        let blocked = status != "active" || outside_period || balance.unwrap_or(0) < 0;
        decided.desired.accounts.insert(
            name.clone(),
            DesiredAccount {
                limits: limits((id, None), Some(0), blocked),
                users: BTreeMap::new(),
            },
        );
        decided.projects.insert(name.clone(), ProjectId(id));
        names.insert(id, name);
    }
    for (project, account, username, status, cluster_name, balance) in members {
        let Some(name) = names.get(&project) else { continue };
        let user = cluster_name.unwrap_or(username);
        if !reconcile::valid_user_name(&user) {
            decided.invalid.push(format!("{name} / {user}"));
            continue;
        }
        let blocked = status != "active" || balance.unwrap_or(0) < 0;
        let user_limits = limits((project, Some(account)), None, blocked);
        if let Some(on) = decided.desired.accounts.get_mut(name) {
            on.users.insert(user.clone(), user_limits);
        }
        decided.people.insert(user, AccountId(account));
    }
    decided.invalid.sort();
    Ok(decided)
}

/// What the last pass left, by association (`mst1` or `mst1/alice`).
pub async fn applied(db: &Db, cluster: &str) -> sqlx::Result<HashMap<String, String>> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT association, limits FROM slurm_applied WHERE cluster = $1")
            .bind(cluster)
            .fetch_all(db.read())
            .await?;
    Ok(rows.into_iter().collect())
}

/// Keeps what a pass left: `now` replaces `before` (only what differs is
/// written).
pub async fn save_applied(
    db: &Db,
    cluster: &str,
    before: &HashMap<String, String>,
    now: &HashMap<String, String>,
) -> sqlx::Result<()> {
    let mut tx = db.begin_append().await?;
    for (association, limits) in now {
        if before.get(association) != Some(limits) {
            sqlx::query(
                "INSERT INTO slurm_applied (cluster, association, limits) VALUES ($1, $2, $3)
                 ON CONFLICT (cluster, association) DO UPDATE SET limits = excluded.limits",
            )
            .bind(cluster)
            .bind(association)
            .bind(limits)
            .execute(&mut *tx)
            .await?;
        }
    }
    for association in before.keys().filter(|a| !now.contains_key(*a)) {
        sqlx::query("DELETE FROM slurm_applied WHERE cluster = $1 AND association = $2")
            .bind(cluster)
            .bind(association)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit_leaving_caches().await
}

/// How the passes go.
#[derive(Debug, Clone, Default, PartialEq, Eq, sqlx::FromRow)]
pub struct Status {
    pub last_attempt: i64,
    pub last_success: Option<i64>,
    pub failures: i64,
    pub error: String,
    pub changes: i64,
    pub drift: i64,
    pub skipped: String,
    pub seconds: i64,
}

pub async fn status(db: &Db, cluster: &str) -> sqlx::Result<Option<Status>> {
    sqlx::query_as(
        "SELECT last_attempt, last_success, failures, error, changes, drift, skipped, seconds
         FROM slurm_status WHERE cluster = $1",
    )
    .bind(cluster)
    .fetch_optional(db.read())
    .await
}

/// Keeps a pass's outcome: a success resets the failures, a failure counts
/// one more and keeps the last success.
pub async fn save_status(db: &Db, cluster: &str, status: &Status) -> sqlx::Result<()> {
    db.execute_leaving_caches(
        sqlx::query(
            "INSERT INTO slurm_status (cluster, last_attempt, last_success, failures, error, changes, drift, skipped, seconds)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (cluster) DO UPDATE SET last_attempt = excluded.last_attempt,
                 last_success = excluded.last_success, failures = excluded.failures, error = excluded.error,
                 changes = excluded.changes, drift = excluded.drift, skipped = excluded.skipped,
                 seconds = excluded.seconds",
        )
        .bind(cluster)
        .bind(status.last_attempt)
        .bind(status.last_success)
        .bind(status.failures)
        .bind(&status.error)
        .bind(status.changes)
        .bind(status.drift)
        .bind(&status.skipped)
        .bind(status.seconds),
    )
    .await?;
    Ok(())
}

/// The cluster user names operators set, by username.
pub async fn cluster_users(db: &Db) -> sqlx::Result<Vec<(String, String)>> {
    sqlx::query_as(
        "SELECT a.username, c.name FROM cluster_users c JOIN accounts a ON a.id = c.account_id ORDER BY a.username",
    )
    .fetch_all(db.read())
    .await
}

/// The account with this username.
pub async fn account_id(db: &Db, username: &str) -> sqlx::Result<Option<AccountId>> {
    sqlx::query_scalar("SELECT id FROM accounts WHERE username = $1")
        .bind(username)
        .fetch_optional(db.read())
        .await
}

/// An account's cluster user name: the one set, else their username.
pub async fn cluster_user_of(db: &Db, account_id: AccountId) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT name FROM cluster_users WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(db.read())
        .await
}

/// A billed job as its project sees it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct BilledJob {
    pub job_id: String,
    pub name: String,
    pub partition: String,
    pub state: String,
    pub ended_at: i64,
    pub elapsed_seconds: i64,
    pub cpus: i64,
    pub gpus: i64,
    /// 1/10,000 credit.
    pub amount: i64,
    pub username: Option<String>,
    pub display_name: Option<String>,
}

/// A project's billed jobs that ended in `[from, to)`, newest first (one
/// person's, for a tenant user), at most `limit`.
pub async fn billed_jobs(
    db: &Db,
    project_id: ProjectId,
    account_id: Option<AccountId>,
    (from, to): (i64, i64),
    limit: i64,
) -> sqlx::Result<Vec<BilledJob>> {
    sqlx::query_as(
        "SELECT j.job_id, j.name, j.partition, j.state, j.ended_at, j.elapsed_seconds, j.cpus, j.gpus,
                COALESCE(j.amount, 0) AS amount, a.username, a.display_name
         FROM hpc_jobs j LEFT JOIN accounts a ON a.id = j.account_id
         WHERE j.project_id = $1 AND j.status = 'billed' AND j.ended_at >= $2 AND j.ended_at < $3
           AND ($4 IS NULL OR j.account_id = $4)
         ORDER BY j.ended_at DESC, j.id DESC LIMIT $5",
    )
    .bind(project_id)
    .bind(from)
    .bind(to)
    .bind(account_id)
    .bind(limit)
    .fetch_all(db.read())
    .await
}

/// Which billed jobs a page of the API lists.
#[derive(Debug, Clone)]
pub struct JobFilter {
    pub project_id: ProjectId,
    /// One person's only.
    pub account_id: Option<AccountId>,
    /// Ended in `[from, to)`.
    pub from: Option<i64>,
    pub to: Option<i64>,
    /// Records with IDs below this one (the cursor).
    pub before: Option<i64>,
}

/// A billed job as the API gives it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct JobRecord {
    pub id: i64,
    pub cluster: String,
    pub job_id: String,
    pub name: String,
    pub partition: String,
    pub state: String,
    pub submitted_at: i64,
    pub ended_at: i64,
    pub elapsed_seconds: i64,
    pub cpus: i64,
    pub gpus: i64,
    pub cpu_hour: i64,
    pub gpu_hour: i64,
    pub amount: i64,
    pub username: Option<String>,
}

/// Billed jobs matching the filter, newest record first, at most `limit`.
pub async fn job_page(db: &Db, filter: &JobFilter, limit: i64) -> sqlx::Result<Vec<JobRecord>> {
    sqlx::query_as(
        "SELECT j.id, j.cluster, j.job_id, j.name, j.partition, j.state, j.submitted_at, j.ended_at,
                j.elapsed_seconds, j.cpus, j.gpus, COALESCE(j.cpu_hour, 0) AS cpu_hour,
                COALESCE(j.gpu_hour, 0) AS gpu_hour, COALESCE(j.amount, 0) AS amount, a.username
         FROM hpc_jobs j LEFT JOIN accounts a ON a.id = j.account_id
         WHERE j.project_id = $1 AND j.status = 'billed' AND ($2 IS NULL OR j.account_id = $2)
           AND ($3 IS NULL OR j.ended_at >= $3) AND ($4 IS NULL OR j.ended_at < $4) AND ($5 IS NULL OR j.id < $5)
         ORDER BY j.id DESC LIMIT $6",
    )
    .bind(filter.project_id)
    .bind(filter.account_id)
    .bind(filter.from)
    .bind(filter.to)
    .bind(filter.before)
    .bind(limit)
    .fetch_all(db.read())
    .await
}
