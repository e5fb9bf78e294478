//! Every SQL statement about quotas and allocations.

use std::collections::HashMap;

use sqlx::{Row, SqliteConnection};

use super::{Gauge, QuotaLimit, QuotaService, Resource};
use crate::{
    activity::{self, Change},
    db::{Db, begin_immediate, now},
};

/// Sets the operator's quotas of a project for one service.
pub async fn set_project_quotas(
    db: &Db,
    actor_id: Option<i64>,
    project_id: i64,
    service: QuotaService,
    values: &[(Resource, QuotaLimit)],
) -> sqlx::Result<()> {
    let mut tx = begin_immediate(db).await?;
    let before = limits_in(&mut tx, project_id, None, service).await?;
    for (resource, limit) in values {
        sqlx::query(
            "INSERT INTO project_quotas (project_id, service, resource, quota) VALUES ($1, $2, $3, $4)
             ON CONFLICT (project_id, service, resource) DO UPDATE SET quota = excluded.quota",
        )
        .bind(project_id)
        .bind(service.code())
        .bind(resource.code())
        .bind(limit.0)
        .execute(&mut *tx)
        .await?;
    }
    let after = limits_in(&mut tx, project_id, None, service).await?;
    let change = Change {
        actor_id,
        project_id: Some(project_id),
        subject_id: None,
        action: "quota.project.set",
        target: service.code(),
        before: &describe(service, &before),
        after: &describe(service, &after),
    };
    activity::store::record_change(&mut *tx, change).await?;
    tx.commit().await
}

/// Sets a member's quotas for one service, recording before → after.
pub async fn set_member_quotas(
    db: &Db,
    actor_id: i64,
    project_id: i64,
    account_id: i64,
    target: &str,
    service: QuotaService,
    values: &[(Resource, QuotaLimit)],
) -> sqlx::Result<()> {
    let mut tx = begin_immediate(db).await?;
    let before = limits_in(&mut tx, project_id, Some(account_id), service).await?;
    for (resource, limit) in values {
        sqlx::query(
            "INSERT INTO member_quotas (project_id, account_id, service, resource, quota) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (project_id, account_id, service, resource) DO UPDATE SET quota = excluded.quota",
        )
        .bind(project_id)
        .bind(account_id)
        .bind(service.code())
        .bind(resource.code())
        .bind(limit.0)
        .execute(&mut *tx)
        .await?;
    }
    let after = limits_in(&mut tx, project_id, Some(account_id), service).await?;
    let target = format!("{target} {}", service.code());
    let change = Change {
        actor_id: Some(actor_id),
        project_id: Some(project_id),
        subject_id: Some(account_id),
        action: "quota.member.set",
        target: &target,
        before: &describe(service, &before),
        after: &describe(service, &after),
    };
    activity::store::record_change(&mut *tx, change).await?;
    tx.commit().await
}

/// `cpu=8 gpu=unlimited memory=-` for the activity log (`-`: not set).
fn describe(service: QuotaService, limits: &HashMap<Resource, i64>) -> String {
    service
        .resources()
        .iter()
        .map(|r| match limits.get(r) {
            Some(-1) => format!("{}=unlimited", r.code()),
            Some(n) => format!("{}={n}", r.code()),
            None => format!("{}=-", r.code()),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn to_limits(rows: Vec<(String, i64)>) -> HashMap<Resource, i64> {
    rows.into_iter()
        .filter_map(|(r, q)| Resource::parse(&r).map(|r| (r, q)))
        .collect()
}

/// The project's (`account_id: None`) or a member's set limits of a service.
async fn limits_in(
    conn: &mut SqliteConnection,
    project_id: i64,
    account_id: Option<i64>,
    service: QuotaService,
) -> sqlx::Result<HashMap<Resource, i64>> {
    let rows: Vec<(String, i64)> =
        match account_id {
            None => {
                sqlx::query_as("SELECT resource, quota FROM project_quotas WHERE project_id = $1 AND service = $2")
                    .bind(project_id)
                    .bind(service.code())
                    .fetch_all(&mut *conn)
                    .await?
            }
            Some(account_id) => sqlx::query_as(
                "SELECT resource, quota FROM member_quotas WHERE project_id = $1 AND account_id = $2 AND service = $3",
            )
            .bind(project_id)
            .bind(account_id)
            .bind(service.code())
            .fetch_all(&mut *conn)
            .await?,
        };
    Ok(to_limits(rows))
}

/// Live usage of a service: the project's (`account_id: None`) or a member's.
async fn usage_in(
    conn: &mut SqliteConnection,
    project_id: i64,
    account_id: Option<i64>,
    service: QuotaService,
) -> sqlx::Result<HashMap<Resource, i64>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT r.resource, SUM(r.amount) FROM allocations a
         JOIN allocation_resources r ON r.allocation_id = a.id
         WHERE a.project_id = $1 AND a.service = $2 AND a.released_at IS NULL
           AND ($3 IS NULL OR a.account_id = $3)
         GROUP BY r.resource",
    )
    .bind(project_id)
    .bind(service.code())
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(to_limits(rows))
}

/// The gauges of a project's service: usage against the project quota (a
/// quota never set is 0: nothing may be used until the operator sets it).
pub async fn project_gauges(db: &Db, project_id: i64, service: QuotaService) -> sqlx::Result<Vec<Gauge>> {
    let mut conn = db.acquire().await?;
    let limits = limits_in(&mut conn, project_id, None, service).await?;
    let usage = usage_in(&mut conn, project_id, None, service).await?;
    Ok(gauges(service, &usage, |r| Some(limits.get(&r).copied().unwrap_or(0))))
}

/// A member's gauges: their usage against their own limit (`None` when they
/// have none, and so may use up to the project's quota).
pub async fn member_gauges(
    db: &Db,
    project_id: i64,
    account_id: i64,
    service: QuotaService,
) -> sqlx::Result<Vec<Gauge>> {
    let mut conn = db.acquire().await?;
    let limits = limits_in(&mut conn, project_id, Some(account_id), service).await?;
    let usage = usage_in(&mut conn, project_id, Some(account_id), service).await?;
    Ok(gauges(service, &usage, |r| limits.get(&r).copied()))
}

fn gauges(
    service: QuotaService,
    usage: &HashMap<Resource, i64>,
    limit: impl Fn(Resource) -> Option<i64>,
) -> Vec<Gauge> {
    service
        .resources()
        .iter()
        .map(|&resource| Gauge {
            resource,
            usage: usage.get(&resource).copied().unwrap_or(0),
            limit: limit(resource).filter(|l| *l >= 0),
        })
        .collect()
}

/// Every member's gauges of a service, keyed by account, in two queries.
async fn all_member_gauges(db: &Db, project_id: i64, service: QuotaService) -> sqlx::Result<HashMap<i64, Vec<Gauge>>> {
    let limits: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT account_id, resource, quota FROM member_quotas WHERE project_id = $1 AND service = $2")
            .bind(project_id)
            .bind(service.code())
            .fetch_all(db)
            .await?;
    let usage: Vec<(i64, String, i64)> = sqlx::query_as(
        "SELECT a.account_id, r.resource, SUM(r.amount) FROM allocations a
         JOIN allocation_resources r ON r.allocation_id = a.id
         WHERE a.project_id = $1 AND a.service = $2 AND a.released_at IS NULL
         GROUP BY a.account_id, r.resource",
    )
    .bind(project_id)
    .bind(service.code())
    .fetch_all(db)
    .await?;
    let mut limit_map: HashMap<(i64, Resource), i64> = HashMap::new();
    for (account, resource, quota) in limits {
        if let Some(resource) = Resource::parse(&resource) {
            limit_map.insert((account, resource), quota);
        }
    }
    let mut usage_map: HashMap<i64, HashMap<Resource, i64>> = HashMap::new();
    for (account, resource, amount) in usage {
        if let Some(resource) = Resource::parse(&resource) {
            usage_map.entry(account).or_default().insert(resource, amount);
        }
    }
    let mut accounts: Vec<i64> = limit_map
        .keys()
        .map(|(a, _)| *a)
        .chain(usage_map.keys().copied())
        .collect();
    accounts.sort_unstable();
    accounts.dedup();
    let empty = HashMap::new();
    Ok(accounts
        .into_iter()
        .map(|account| {
            let usage = usage_map.get(&account).unwrap_or(&empty);
            (
                account,
                gauges(service, usage, |r| limit_map.get(&(account, r)).copied()),
            )
        })
        .collect())
}

/// A claim on quota.
#[derive(Debug, Clone)]
pub struct Allocation {
    pub id: i64,
    pub service: String,
    pub idempotency_key: String,
    pub resources: Vec<(String, i64)>,
    pub created_at: i64,
    pub released_at: Option<i64>,
}

/// Why an admission was refused, per resource and level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortfall {
    pub level: &'static str,
    pub resource: Resource,
    pub requested: i64,
    pub used: i64,
    pub limit: i64,
}

pub enum Admission {
    /// Newly admitted.
    Created(Allocation),
    /// The same idempotency key was admitted before: nothing new.
    Existing(Allocation),
    Refused(Vec<Shortfall>),
}

/// Admits an allocation if both the member's and the project's quota hold
/// for every resource. Check and write happen under the database's write
/// lock (`BEGIN IMMEDIATE`), so concurrent admissions cannot together pass
/// a quota.
pub async fn admit(
    db: &Db,
    project_id: i64,
    account_id: i64,
    service: QuotaService,
    request: &[(Resource, i64)],
    idempotency_key: &str,
) -> sqlx::Result<Admission> {
    let mut tx = begin_immediate(db).await?;
    if let Some(existing) = allocation_by_key(&mut tx, project_id, account_id, idempotency_key).await? {
        return Ok(Admission::Existing(existing));
    }
    // Both levels' limits and usage, in two statements (every statement
    // inside the write lock costs a thread hop).
    let limits: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT 'project', resource, quota FROM project_quotas WHERE project_id = $1 AND service = $2
         UNION ALL
         SELECT 'member', resource, quota FROM member_quotas WHERE project_id = $1 AND account_id = $3 AND service = $2",
    )
    .bind(project_id)
    .bind(service.code())
    .bind(account_id)
    .fetch_all(&mut *tx)
    .await?;
    let usage: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT r.resource, SUM(r.amount), SUM(CASE WHEN a.account_id = $3 THEN r.amount ELSE 0 END)
         FROM allocations a JOIN allocation_resources r ON r.allocation_id = a.id
         WHERE a.project_id = $1 AND a.service = $2 AND a.released_at IS NULL
         GROUP BY r.resource",
    )
    .bind(project_id)
    .bind(service.code())
    .bind(account_id)
    .fetch_all(&mut *tx)
    .await?;
    let pick = |level: &str| -> HashMap<Resource, i64> {
        limits
            .iter()
            .filter(|(l, _, _)| l == level)
            .filter_map(|(_, r, q)| Resource::parse(r).map(|r| (r, *q)))
            .collect()
    };
    let (project_limits, member_limits) = (pick("project"), pick("member"));
    let project_usage: HashMap<Resource, i64> = usage
        .iter()
        .filter_map(|(r, p, _)| Resource::parse(r).map(|r| (r, *p)))
        .collect();
    let member_usage: HashMap<Resource, i64> = usage
        .iter()
        .filter_map(|(r, _, m)| Resource::parse(r).map(|r| (r, *m)))
        .collect();

    let mut shortfalls = Vec::new();
    for &(resource, requested) in request {
        if requested == 0 {
            continue;
        }
        if let Some(&limit) = member_limits.get(&resource).filter(|l| **l >= 0) {
            let used = member_usage.get(&resource).copied().unwrap_or(0);
            if used + requested > limit {
                shortfalls.push(Shortfall {
                    level: "member",
                    resource,
                    requested,
                    used,
                    limit,
                });
            }
        }
        let limit = project_limits.get(&resource).copied().unwrap_or(0);
        let used = project_usage.get(&resource).copied().unwrap_or(0);
        if limit >= 0 && used + requested > limit {
            shortfalls.push(Shortfall {
                level: "project",
                resource,
                requested,
                used,
                limit,
            });
        }
    }
    if !shortfalls.is_empty() {
        return Ok(Admission::Refused(shortfalls));
    }

    let created_at = now();
    let id = sqlx::query(
        "INSERT INTO allocations (project_id, account_id, service, idempotency_key, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(project_id)
    .bind(account_id)
    .bind(service.code())
    .bind(idempotency_key)
    .bind(created_at)
    .execute(&mut *tx)
    .await?
    .last_insert_rowid();
    for &(resource, amount) in request {
        sqlx::query("INSERT INTO allocation_resources (allocation_id, resource, amount) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(resource.code())
            .bind(amount)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(Admission::Created(Allocation {
        id,
        service: service.code().to_string(),
        idempotency_key: idempotency_key.to_string(),
        resources: request.iter().map(|(r, a)| (r.code().to_string(), *a)).collect(),
        created_at,
        released_at: None,
    }))
}

async fn allocation_by_key(
    conn: &mut SqliteConnection,
    project_id: i64,
    account_id: i64,
    idempotency_key: &str,
) -> sqlx::Result<Option<Allocation>> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT id FROM allocations WHERE project_id = $1 AND account_id = $2 AND idempotency_key = $3",
    )
    .bind(project_id)
    .bind(account_id)
    .bind(idempotency_key)
    .fetch_optional(&mut *conn)
    .await?;
    match id {
        Some(id) => allocation(conn, project_id, account_id, id).await,
        None => Ok(None),
    }
}

/// The member's own allocation with this ID, if there is one.
async fn allocation(
    conn: &mut SqliteConnection,
    project_id: i64,
    account_id: i64,
    id: i64,
) -> sqlx::Result<Option<Allocation>> {
    let Some(row) = sqlx::query(
        "SELECT id, service, idempotency_key, created_at, released_at FROM allocations
         WHERE id = $1 AND project_id = $2 AND account_id = $3",
    )
    .bind(id)
    .bind(project_id)
    .bind(account_id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let resources: Vec<(String, i64)> =
        sqlx::query_as("SELECT resource, amount FROM allocation_resources WHERE allocation_id = $1 ORDER BY resource")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(Some(Allocation {
        id: row.get("id"),
        service: row.get("service"),
        idempotency_key: row.get("idempotency_key"),
        resources,
        created_at: row.get("created_at"),
        released_at: row.get("released_at"),
    }))
}

/// Releases the member's allocation (again: no change). `None` if it is not theirs.
pub async fn release(db: &Db, project_id: i64, account_id: i64, id: i64) -> sqlx::Result<Option<Allocation>> {
    let mut tx = begin_immediate(db).await?;
    sqlx::query(
        "UPDATE allocations SET released_at = $1
         WHERE id = $2 AND project_id = $3 AND account_id = $4 AND released_at IS NULL",
    )
    .bind(now())
    .bind(id)
    .bind(project_id)
    .bind(account_id)
    .execute(&mut *tx)
    .await?;
    let released = allocation(&mut tx, project_id, account_id, id).await?;
    tx.commit().await?;
    Ok(released)
}

/// The member's live allocations, newest first.
pub async fn live_allocations(db: &Db, project_id: i64, account_id: i64) -> sqlx::Result<Vec<Allocation>> {
    let mut conn = db.acquire().await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM allocations WHERE project_id = $1 AND account_id = $2 AND released_at IS NULL
         ORDER BY id DESC LIMIT 1000",
    )
    .bind(project_id)
    .bind(account_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut found = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(allocation) = allocation(&mut conn, project_id, account_id, id).await? {
            found.push(allocation);
        }
    }
    Ok(found)
}

/// The project's quota of one resource (0 when never set, -1 unlimited).
pub async fn project_limit(db: &Db, project_id: i64, service: QuotaService, resource: Resource) -> sqlx::Result<i64> {
    let limit: Option<i64> =
        sqlx::query_scalar("SELECT quota FROM project_quotas WHERE project_id = $1 AND service = $2 AND resource = $3")
            .bind(project_id)
            .bind(service.code())
            .bind(resource.code())
            .fetch_optional(db)
            .await?;
    Ok(limit.unwrap_or(0))
}

/// Every member of a project with their gauges of a service; a member with
/// neither quota nor usage gets unused, unlimited gauges.
pub async fn members_with_gauges(
    db: &Db,
    project_id: i64,
    service: QuotaService,
) -> sqlx::Result<Vec<(crate::projects::store::Member, Vec<Gauge>)>> {
    let mut by_account = all_member_gauges(db, project_id, service).await?;
    let unset = || gauges(service, &HashMap::new(), |_| None);
    Ok(crate::projects::store::members(db, project_id)
        .await?
        .into_iter()
        .map(|member| {
            let mine = by_account.remove(&member.account_id).unwrap_or_else(unset);
            (member, mine)
        })
        .collect())
}
