//! A pass: read what Member Center decides and what Slurm holds, plan
//! (`reconcile::plan`), run the plan, record drift and keep the outcome.
//! One instance at a time runs one (a lease in `job_runs`); a pass that
//! fails halfway is finished by the next, since it plans from what Slurm
//! then holds.

use std::collections::HashMap;

use super::{
    reconcile::{self, Action, ActiveJobs, Association, Limits, Observed},
    runner::{Runner, SlurmError},
    store,
};
use crate::{
    activity::{self, Change, ChangeKind},
    db::Db,
};

/// Reads the other capabilities may make of the Slurm passes.
pub use super::store::{
    BilledJob, JobFilter, JobRecord, Status, billed_jobs, cluster_user_of, cluster_users, job_page, status,
};

/// How long a pass may hold the lease before another instance may take it
/// (a pass that died with its instance).
const LEASE_SECONDS: i64 = 300;

/// What a pass found, planned and (for `sync`) did.
#[derive(Debug, Default)]
pub struct Pass {
    pub actions: Vec<Action>,
    /// Projects and users left alone, by name, and why in `invalid`.
    pub skipped: Vec<String>,
    pub drift: Vec<Drift>,
    /// Associations that go once their running jobs end.
    pub waiting: Vec<Association>,
    /// What Member Center decided, that the pass planned from.
    pub desired: reconcile::Desired,
}

/// A change made by hand under the parent, put back by a pass: the
/// association, what it was (empty: not there) and what it is now (empty:
/// removed), in `Limits::canonical` form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    pub at: Association,
    pub was: Option<String>,
    pub is: Option<String>,
}

#[derive(Debug)]
pub enum PassError {
    Db(sqlx::Error),
    Slurm(SlurmError),
    /// Another instance is running a pass.
    Busy,
}

impl From<sqlx::Error> for PassError {
    fn from(err: sqlx::Error) -> Self {
        PassError::Db(err)
    }
}

impl From<SlurmError> for PassError {
    fn from(err: SlurmError) -> Self {
        PassError::Slurm(err)
    }
}

impl std::fmt::Display for PassError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PassError::Db(err) => write!(f, "the database: {err}"),
            PassError::Slurm(err) => err.fmt(f),
            PassError::Busy => f.write_str("another instance is running a pass"),
        }
    }
}

/// The date of `now` (UTC), as the projects' periods are kept.
fn today(now: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(now)
        .map(|t| t.date().to_string())
        .unwrap_or_default()
}

/// The planning half of a pass, changing nothing.
struct Planned {
    pass: Pass,
    decided: store::Decided,
    observed: Observed,
    applied: HashMap<String, String>,
}

async fn plan_at(db: &Db, runner: &Runner, now: i64) -> Result<Planned, PassError> {
    let decided = store::decided(db, &today(now)).await?;
    let observed = runner.observe().await?;
    let mut actions = reconcile::plan(&decided.desired, &observed, &ActiveJobs::default());
    // Only what goes needs to know about jobs (and slurmctld): what would
    // be removed, or was blocked to be removed later.
    let removes = |a: &Action| matches!(a, Action::RemoveUser { .. } | Action::RemoveAccount { .. });
    let mut waiting = Vec::new();
    if actions.iter().any(removes) {
        let jobs = runner.active_jobs(&observed).await?;
        actions = reconcile::plan(&decided.desired, &observed, &jobs);
        waiting = reconcile::waiting(&decided.desired, &observed, &jobs);
    }
    let applied = store::applied(db, &runner.cluster).await?;
    let mut skipped = reconcile::skipped(&decided.desired, &observed);
    skipped.extend(decided.invalid.iter().cloned());
    let pass = Pass {
        drift: drift(&applied, &actions),
        actions,
        skipped,
        waiting,
        desired: decided.desired.clone(),
    };
    Ok(Planned {
        pass,
        decided,
        observed,
        applied,
    })
}

/// What a pass would change now, changing nothing (`slurm plan`).
pub async fn plan(db: &Db, runner: &Runner, now: i64) -> Result<Pass, PassError> {
    Ok(plan_at(db, runner, now).await?.pass)
}

/// One pass now, unless another instance runs one; its outcome is kept
/// (`status`) whatever it is.
pub async fn sync(db: &Db, runner: &Runner, now: i64) -> Result<Pass, PassError> {
    let lease = format!("slurm:{}", runner.cluster);
    if !db.claim_run(&lease, LEASE_SECONDS, now).await? {
        return Err(PassError::Busy);
    }
    let started = std::time::Instant::now();
    let outcome = run_pass(db, runner, now).await;
    let before = store::status(db, &runner.cluster)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let status = match &outcome {
        Ok(pass) => Status {
            last_attempt: now,
            last_success: Some(now),
            failures: 0,
            error: String::new(),
            changes: pass.actions.len() as i64,
            drift: pass.drift.len() as i64,
            skipped: pass.skipped.join(", "),
            seconds: started.elapsed().as_secs() as i64,
        },
        Err(err) => Status {
            last_attempt: now,
            failures: before.failures + 1,
            error: err.to_string(),
            ..before
        },
    };
    let saved = store::save_status(db, &runner.cluster, &status).await;
    db.release_run(&lease).await?;
    saved?;
    outcome
}

async fn run_pass(db: &Db, runner: &Runner, now: i64) -> Result<Pass, PassError> {
    let Planned {
        pass,
        decided,
        observed,
        applied,
    } = plan_at(db, runner, now).await?;
    // What the pass leaves: the plan carried out. After a failure, only the
    // part of it Slurm then holds; the rest stays as the last pass left it,
    // so that what is still to do is neither lost as drift nor taken for it.
    let intended = snapshot(&reconcile::applied(&observed, &pass.actions));
    if let Err(err) = runner.apply(&pass.actions).await {
        let now = snapshot(&runner.observe().await?);
        let mut kept = applied.clone();
        for (association, limits) in &intended {
            if now.get(association) == Some(limits) {
                kept.insert(association.clone(), limits.clone());
            }
        }
        kept.retain(|association, _| now.contains_key(association) || intended.contains_key(association));
        store::save_applied(db, &runner.cluster, &applied, &kept).await?;
        return Err(err.into());
    }
    store::save_applied(db, &runner.cluster, &applied, &intended).await?;
    for drift in &pass.drift {
        let target = drift.at.to_string();
        activity::service::record(
            db,
            Change {
                actor_id: None,
                project_id: decided.projects.get(&drift.at.account).copied(),
                subject_id: drift.at.user.as_ref().and_then(|u| decided.people.get(u)).copied(),
                action: ChangeKind::SlurmDrift,
                target: &target,
                before: drift.was.as_deref().unwrap_or(ABSENT),
                after: drift.is.as_deref().unwrap_or(ABSENT),
            },
        )
        .await?;
    }
    if !pass.actions.is_empty() {
        tracing::info!(
            cluster = %runner.cluster,
            changes = pass.actions.len(),
            drift = pass.drift.len(),
            "Slurm brought in step"
        );
    }
    Ok(pass)
}

/// How drift records an association that is not there.
pub const ABSENT: &str = "-";

/// Each association under the parent with its limits, as `slurm_applied`
/// keeps them.
fn snapshot(observed: &Observed) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (name, account) in &observed.accounts {
        out.insert(name.clone(), account.limits.canonical());
        for (user, limits) in &account.users {
            out.insert(format!("{name}/{user}"), limits.canonical());
        }
    }
    out
}

fn key(at: &Association) -> String {
    match &at.user {
        Some(user) => format!("{}/{user}", at.account),
        None => at.account.clone(),
    }
}

/// The actions that put back a change made by hand: Slurm differs from
/// what the last pass left (a limit edited), holds what no pass made (an
/// association added) or lacks what a pass made (one deleted).
fn drift(applied: &HashMap<String, String>, actions: &[Action]) -> Vec<Drift> {
    let mut found = Vec::new();
    for action in actions {
        let (at, was, is, by_hand) = match action {
            Action::SetLimits { at, from, to } => {
                let left = applied.get(&key(at));
                let edited = left.is_some_and(|left| Limits::parse(left) != *from);
                (at.clone(), Some(from.canonical()), Some(to.canonical()), edited)
            }
            Action::AddAccount { account } => {
                let at = Association {
                    account: account.clone(),
                    user: None,
                };
                let deleted = applied.contains_key(&key(&at));
                (at, None, Some(String::new()), deleted)
            }
            Action::AddUser { account, user } => {
                let at = Association {
                    account: account.clone(),
                    user: Some(user.clone()),
                };
                let deleted = applied.contains_key(&key(&at));
                (at, None, Some(String::new()), deleted)
            }
            Action::RemoveAccount { account } => {
                let at = Association {
                    account: account.clone(),
                    user: None,
                };
                let added = !applied.contains_key(&key(&at));
                (at, applied.get(account).cloned().or(Some(String::new())), None, added)
            }
            Action::RemoveUser { account, user } => {
                let at = Association {
                    account: account.clone(),
                    user: Some(user.clone()),
                };
                let added = !applied.contains_key(&key(&at));
                (at, Some(String::new()), None, added)
            }
            Action::AddParent | Action::SetDefault { .. } | Action::CancelPending { .. } => continue,
        };
        if by_hand || found.iter().any(|d: &Drift| d.at == at) {
            found.push(Drift { at, was, is });
        }
    }
    // An association put back and then given its limits is one drift.
    let mut merged: Vec<Drift> = Vec::with_capacity(found.len());
    for drift in found {
        match merged.iter_mut().find(|d| d.at == drift.at) {
            Some(first) => first.is = drift.is,
            None => merged.push(drift),
        }
    }
    merged
}

/// The backoff after `failures` failed passes in a row: 4 s, 8 s, … up to
/// the full pass period.
pub fn backoff(failures: i64, period: i64) -> i64 {
    2i64.saturating_pow(failures.clamp(0, 20) as u32 + 1).min(period.max(2))
}

/// How soon a pass runs again while associations wait for their running
/// jobs to end.
const WAITING_SECONDS: i64 = 10;

/// Keeps Slurm in step while the runtime lives: every 2 s each instance
/// looks whether something changed (the database's generation) or a full
/// pass is due (`period` seconds since the last success, or 10 s while
/// associations wait for their jobs to end), and after a failure waits out
/// the backoff; the one that claims the lease runs it.
pub fn keep_syncing(db: Db, runner: Runner, period: i64) {
    tokio::spawn(async move {
        let generation = db.generation();
        let mut seen = None;
        let mut waiting = false;
        // What this instance's last pass planned from: a change elsewhere
        // in the portal (a key used, a page seen) that leaves it as it was
        // needs no pass.
        let mut synced: Option<reconcile::Desired> = None;
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(2));
        loop {
            tick.tick().await;
            let now = crate::db::now();
            let current = generation.current();
            let status = match store::status(&db, &runner.cluster).await {
                Ok(status) => status.unwrap_or_default(),
                Err(err) => {
                    tracing::error!(error = %err, "could not read the Slurm pass status");
                    continue;
                }
            };
            let every = if waiting { WAITING_SECONDS.min(period) } else { period };
            let full_due = status.last_success.is_none_or(|at| now - at >= every);
            let waited = status.failures == 0 || now - status.last_attempt >= backoff(status.failures, period);
            if !(seen != Some(current) || full_due) || !waited {
                continue;
            }
            if !full_due && status.failures == 0 && synced.is_some() {
                match store::decided(&db, &today(now)).await {
                    Ok(decided) if Some(&decided.desired) == synced.as_ref() => {
                        seen = Some(current);
                        continue;
                    }
                    Ok(_) => {}
                    Err(err) => {
                        tracing::error!(error = %err, "could not read what the portal decides for Slurm");
                        continue;
                    }
                }
            }
            match sync(&db, &runner, now).await {
                Ok(pass) => {
                    seen = Some(current);
                    waiting = !pass.waiting.is_empty();
                    synced = Some(pass.desired);
                }
                Err(PassError::Busy) => {}
                Err(err) => {
                    seen = Some(current);
                    tracing::error!(cluster = %runner.cluster, error = %err, "the Slurm pass failed; it will be retried");
                }
            }
        }
    });
}

/// Sets (or, given an empty name, takes back) the user name `username`'s
/// account has on the cluster; recorded. Refused: an account that does not
/// exist, a name Slurm cannot take, one another account has.
pub async fn set_cluster_user(
    db: &Db,
    actor: Option<crate::ids::AccountId>,
    username: &str,
    name: &str,
) -> Result<crate::web::i18n::Msg, crate::error::AppError> {
    use crate::{error::AppError, web::i18n::Msg};
    let username = username.trim().to_ascii_lowercase();
    let name = name.trim().to_string();
    let Some(account_id) = store::account_id(db, &username).await? else {
        return Err(AppError::invalid("username", "account-unknown"));
    };
    if !name.is_empty() && !reconcile::valid_user_name(&name) {
        return Err(AppError::invalid("cluster_name", "slurm-user-invalid"));
    }
    let mut tx = db.begin_immediate().await?;
    let before: Option<String> = sqlx::query_scalar("SELECT name FROM cluster_users WHERE account_id = $1")
        .bind(account_id)
        .fetch_optional(&mut *tx)
        .await?;
    if !name.is_empty() {
        // Taken: another account's set name, or another account's username
        // that is its cluster name.
        let taken: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM accounts a LEFT JOIN cluster_users c ON c.account_id = a.id
             WHERE a.id <> $1 AND (c.name = $2 OR (c.name IS NULL AND a.username = $2))",
        )
        .bind(account_id)
        .bind(&name)
        .fetch_one(&mut *tx)
        .await?;
        if taken > 0 {
            return Err(AppError::invalid_at(
                "cluster_name".into(),
                Msg::new("slurm-user-taken").arg("name", &name),
            ));
        }
    }
    if name.is_empty() || name == username {
        sqlx::query("DELETE FROM cluster_users WHERE account_id = $1")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query(
            "INSERT INTO cluster_users (account_id, name) VALUES ($1, $2)
             ON CONFLICT (account_id) DO UPDATE SET name = excluded.name",
        )
        .bind(account_id)
        .bind(&name)
        .execute(&mut *tx)
        .await?;
    }
    let after = if name.is_empty() { username.clone() } else { name };
    let before = before.unwrap_or_else(|| username.clone());
    if before != after {
        activity::service::record_in(
            &mut tx,
            Change {
                actor_id: actor,
                project_id: None,
                subject_id: Some(account_id),
                action: ChangeKind::AccountClusterUser,
                target: &username,
                before: &before,
                after: &after,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Msg::new("slurm-user-set").arg("username", username).arg("name", after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(account: &str, user: Option<&str>) -> Association {
        Association {
            account: account.into(),
            user: user.map(Into::into),
        }
    }

    #[test]
    fn drift_is_what_differs_from_what_the_last_pass_left() {
        let eight = Limits::of_quota(Some(8), None, None, false);
        let four = Limits::of_quota(Some(4), None, None, false);
        let applied: HashMap<String, String> = [
            ("mst1".to_string(), eight.canonical()),
            ("mst1/alice".to_string(), String::new()),
        ]
        .into();
        let actions = vec![
            // The portal lowered the quota: not drift.
            Action::SetLimits {
                at: at("mst1", None),
                from: eight.clone(),
                to: four.clone(),
            },
            // Alice's association deleted by hand, and Mallory's added.
            Action::AddUser {
                account: "mst1".into(),
                user: "alice".into(),
            },
            Action::RemoveUser {
                account: "mst1".into(),
                user: "mallory".into(),
            },
        ];
        assert_eq!(
            drift(&applied, &actions),
            vec![
                Drift {
                    at: at("mst1", Some("alice")),
                    was: None,
                    is: Some(String::new())
                },
                Drift {
                    at: at("mst1", Some("mallory")),
                    was: Some(String::new()),
                    is: None
                },
            ]
        );
        // A limit edited by hand.
        let edited = vec![Action::SetLimits {
            at: at("mst1", None),
            from: Limits::of_quota(Some(64), None, None, false),
            to: eight.clone(),
        }];
        assert_eq!(drift(&applied, &edited).len(), 1);
    }

    #[test]
    fn the_backoff_doubles_up_to_the_period() {
        assert_eq!([1, 2, 3, 5, 40].map(|f| backoff(f, 60)), [4, 8, 16, 60, 60]);
    }
}
