//! Every SQL statement about quotas and allocations.

use std::collections::HashMap;

use sqlx::Row;

pub use super::admission::{Allocation, AllocationWrite, Shortfall};
use super::{
    Gauge, QuotaLimit, QuotaService, Resource,
    admission::{self, Decision, Holder, NewAllocation, add_usage},
};
use crate::{
    auth::identity::{AccountId, ProjectId},
    db::{Backend, Connection, Db, Statement, Tx, begin_immediate, now},
    wallets::Credits,
};

/// Sets one of a project's quotas.
pub async fn upsert_project_quota(
    conn: &mut Connection,
    project_id: ProjectId,
    service: QuotaService,
    resource: Resource,
    limit: QuotaLimit,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO project_quotas (project_id, service, resource, quota) VALUES ($1, $2, $3, $4)
         ON CONFLICT (project_id, service, resource) DO UPDATE SET quota = excluded.quota",
    )
    .bind(project_id)
    .bind(service.code())
    .bind(resource.code())
    .bind(limit.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets one of a member's quotas.
pub async fn upsert_member_quota(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
    service: QuotaService,
    resource: Resource,
    limit: QuotaLimit,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO member_quotas (project_id, account_id, service, resource, quota) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (project_id, account_id, service, resource) DO UPDATE SET quota = excluded.quota",
    )
    .bind(project_id)
    .bind(account_id)
    .bind(service.code())
    .bind(resource.code())
    .bind(limit.0)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

fn to_limits(rows: Vec<(String, i64)>) -> HashMap<Resource, i64> {
    rows.into_iter()
        .filter_map(|(r, q)| Resource::parse(&r).map(|r| (r, q)))
        .collect()
}

/// The project's (`account_id: None`) or a member's set limits of a service.
pub async fn limits_in(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: Option<AccountId>,
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
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: Option<AccountId>,
    service: QuotaService,
) -> sqlx::Result<HashMap<Resource, i64>> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT r.resource, CAST(SUM(r.amount) AS BIGINT) FROM allocations a
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
/// One statement: the project's part of `gauges_of_page`.
pub async fn project_gauges(db: &Db, project_id: ProjectId, service: QuotaService) -> sqlx::Result<Vec<Gauge>> {
    Ok(gauges_of_page(db, project_id, service, &[]).await?.0)
}

/// A member's gauges: their usage against their own limit (`None` when they
/// have none, and so may use up to the project's quota).
pub async fn member_gauges(
    db: &Db,
    project_id: ProjectId,
    account_id: AccountId,
    service: QuotaService,
) -> sqlx::Result<Vec<Gauge>> {
    let mut conn = db.read().acquire().await?;
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

/// What the Quota page shows of a service: the project's gauges, those of
/// the members `accounts` (a page of them) keyed by account (members with
/// neither quota nor usage left out), and how many of the service's
/// allocations are live. One statement: each of its parts (project limits,
/// project usage, live allocations, members' limits, members' usage) names
/// itself in its second column. Past `LISTED` members, every member's are
/// read (one list of thousands of values would cost more than the rows it
/// saves).
pub async fn gauges_of_page(
    db: &Db,
    project_id: ProjectId,
    service: QuotaService,
    accounts: &[AccountId],
) -> sqlx::Result<(Vec<Gauge>, HashMap<AccountId, Vec<Gauge>>, i64)> {
    const LISTED: usize = 1000;
    // The parts, by their second column.
    const LIMIT: i64 = 0;
    const USAGE: i64 = 1;
    const LIVE: i64 = 2;
    // `… AND <column> IN (the page's accounts)`.
    let among = |statement: &mut Statement, column: &str| {
        if accounts.len() > LISTED {
            return;
        }
        statement
            .push(&format!(" AND {column} IN ("))
            .bind_list(accounts.iter().copied())
            .push(")");
    };
    // Each part's rows: (account or none for the project, part, resource, amount).
    let project_part = |part: i64| format!("SELECT CAST(NULL AS BIGINT), CAST({part} AS BIGINT), ");
    let mut read = Statement::for_backend(db.backend(), &project_part(LIMIT));
    read.push("resource, quota FROM project_quotas WHERE project_id = ")
        .bind(project_id)
        .push(" AND service = ")
        .bind(service.code());
    read.push(" UNION ALL ")
        .push(&project_part(USAGE))
        .push(
            "r.resource, CAST(SUM(r.amount) AS BIGINT)
             FROM allocations a JOIN allocation_resources r ON r.allocation_id = a.id
             WHERE a.released_at IS NULL AND a.project_id = ",
        )
        .bind(project_id)
        .push(" AND a.service = ")
        .bind(service.code())
        .push(" GROUP BY r.resource");
    read.push(" UNION ALL ")
        .push(&project_part(LIVE))
        .push("'', COUNT(*) FROM allocations WHERE released_at IS NULL AND project_id = ")
        .bind(project_id)
        .push(" AND service = ")
        .bind(service.code());
    if !accounts.is_empty() {
        read.push(&format!(
            " UNION ALL SELECT account_id, CAST({LIMIT} AS BIGINT), resource, quota FROM member_quotas WHERE project_id = "
        ))
        .bind(project_id)
        .push(" AND service = ")
        .bind(service.code());
        among(&mut read, "account_id");
        read.push(&format!(
            " UNION ALL SELECT a.account_id, CAST({USAGE} AS BIGINT), r.resource, CAST(SUM(r.amount) AS BIGINT)
             FROM allocations a JOIN allocation_resources r ON r.allocation_id = a.id
             WHERE a.released_at IS NULL AND a.project_id = "
        ))
        .bind(project_id)
        .push(" AND a.service = ")
        .bind(service.code());
        among(&mut read, "a.account_id");
        read.push(" GROUP BY a.account_id, r.resource");
    }
    let rows: Vec<(Option<AccountId>, i64, String, i64)> = read.query_as().fetch_all(db.read()).await?;
    let mut limits: HashMap<(Option<AccountId>, Resource), i64> = HashMap::new();
    let mut usage: HashMap<Option<AccountId>, HashMap<Resource, i64>> = HashMap::new();
    let mut live = 0;
    for (account, part, resource, amount) in rows {
        match (part, Resource::parse(&resource)) {
            (LIVE, _) => live = amount,
            (USAGE, Some(resource)) => {
                usage.entry(account).or_default().insert(resource, amount);
            }
            (LIMIT, Some(resource)) => {
                limits.insert((account, resource), amount);
            }
            _ => {}
        }
    }
    let empty = HashMap::new();
    // A quota never set is 0 for the project (nothing may be used until the
    // operator sets it) and none for a member (up to the project's).
    let project = gauges(service, usage.get(&None).unwrap_or(&empty), |r| {
        Some(limits.get(&(None, r)).copied().unwrap_or(0))
    });
    let mut members: Vec<AccountId> = limits
        .keys()
        .filter_map(|(a, _)| *a)
        .chain(usage.keys().filter_map(|a| *a))
        .collect();
    members.sort_unstable();
    members.dedup();
    let members = members
        .into_iter()
        .map(|account| {
            let used = usage.get(&Some(account)).unwrap_or(&empty);
            let mine = gauges(service, used, |r| limits.get(&(Some(account), r)).copied());
            (account, mine)
        })
        .collect();
    Ok((project, members, live))
}

#[derive(Debug)]
pub enum Admission {
    /// Newly admitted.
    Created(Allocation),
    /// The same idempotency key was admitted before: nothing new.
    Existing(Allocation),
    Refused(Vec<Shortfall>),
    /// The project's wallet (`parent`) or the member's sub-wallet (`sub`)
    /// is negative: nothing new may be admitted until it is paid.
    Unpaid {
        wallet: &'static str,
        balance: Credits,
    },
}

#[derive(Debug)]
pub enum Outcome {
    Admission(Admission),
    /// `None` when the allocation is not the member's.
    Released(Option<Allocation>),
}

/// Admits and releases a batch of allocations in one write transaction, as
/// if one after another in the order given: a handful of statements for the
/// whole batch however long it is, since each statement is a round trip to
/// SQLite's thread while every other writer waits. Check and write happen
/// under the database's write lock, so no two batches can together pass a
/// quota.
pub async fn apply(db: &Db, writes: &[AllocationWrite]) -> sqlx::Result<Vec<Outcome>> {
    apply_in(begin_immediate(db).await?, writes).await
}

/// `apply`, in a write transaction the caller has begun (the writer takes
/// the write lock before it gathers a batch).
pub async fn apply_in(mut tx: Tx, writes: &[AllocationWrite]) -> sqlx::Result<Vec<Outcome>> {
    let at = now();
    let inputs = read_inputs(&mut tx, writes).await?;
    let decided = admission::decide(writes, inputs, at);

    // Write what was decided: one statement on PostgreSQL, three at most
    // on SQLite.
    let new = write_allocations(&mut tx, &decided.admitted, &decided.released, at).await?;
    // Allocations are not part of anything remembered in memory.
    tx.commit_leaving_caches().await?;

    let outcomes = decided
        .decisions
        .into_iter()
        .map(|decision| match decision {
            Decision::Admitted(n) => Outcome::Admission(Admission::Created(new[n].clone())),
            Decision::AdmittedInBatch(n) => Outcome::Admission(Admission::Existing(new[n].clone())),
            Decision::Existing(allocation) => Outcome::Admission(Admission::Existing(allocation)),
            Decision::Refused(short) => Outcome::Admission(Admission::Refused(short)),
            Decision::Unpaid { wallet, balance } => Outcome::Admission(Admission::Unpaid { wallet, balance }),
            Decision::Released(allocation) => Outcome::Released(Some(allocation)),
            Decision::NotReleasable => Outcome::Released(None),
        })
        .collect();
    Ok(outcomes)
}

/// Admits one allocation (a batch of one; the API goes through `quotas::writer`).
pub async fn admit(
    db: &Db,
    project_id: ProjectId,
    account_id: AccountId,
    service: QuotaService,
    request: &[(Resource, i64)],
    idempotency_key: &str,
) -> sqlx::Result<Admission> {
    let write = AllocationWrite::Admit {
        project_id,
        account_id,
        service,
        request: request.to_vec(),
        idempotency_key: idempotency_key.to_string(),
    };
    match apply(db, &[write]).await?.pop() {
        Some(Outcome::Admission(admission)) => Ok(admission),
        _ => Err(sqlx::Error::Protocol("an admission without an outcome".into())),
    }
}

/// Releases an allocation of the project, of the member's own when
/// `account_id` is given (again: no change). `None` if it is not theirs.
pub async fn release(
    db: &Db,
    project_id: ProjectId,
    account_id: Option<AccountId>,
    id: i64,
) -> sqlx::Result<Option<Allocation>> {
    let write = AllocationWrite::Release {
        project_id,
        account_id,
        id,
    };
    match apply(db, &[write]).await?.pop() {
        Some(Outcome::Released(released)) => Ok(released),
        _ => Err(sqlx::Error::Protocol("a release without an outcome".into())),
    }
}

/// What a batch is decided from, read in one statement (a round trip is
/// what a batch costs on PostgreSQL, and it holds the write lock): the
/// allocations its releases name and those already admitted under its
/// admissions' idempotency keys; the quotas and live usage of every project,
/// service and member its admissions touch; the balances of their open
/// wallets. Each part's rows say which they are (`kind`) in the columns the
/// parts share.
async fn read_inputs(conn: &mut Connection, writes: &[AllocationWrite]) -> sqlx::Result<admission::Inputs> {
    let mut keys = Vec::new();
    let mut ids = Vec::new();
    for write in writes {
        match write {
            AllocationWrite::Admit {
                project_id,
                account_id,
                service,
                idempotency_key,
                ..
            } => keys.push((*project_id, *account_id, *service, idempotency_key.as_str())),
            AllocationWrite::Release { id, .. } => ids.push(*id),
        }
    }
    let mut inputs = admission::Inputs::default();
    if keys.is_empty() && ids.is_empty() {
        return Ok(inputs);
    }
    // Every list padded (`db::padded`): an allocation found twice is taken
    // once below; a repeated `OR`ed term or `IN` value finds nothing more.
    let mut select = Statement::new(conn, "");
    if !keys.is_empty() {
        let mut asks: Vec<_> = keys.iter().map(|(p, a, s, _)| (*p, *a, *s)).collect();
        asks.sort_by_key(|(p, a, s)| (*p, *a, s.code()));
        asks.dedup();
        let asks = crate::db::padded(&asks);
        push_admitted_under(&mut select, &crate::db::padded(&keys));
        select.push(" UNION ALL ");
        push_limits_and_usage(&mut select, &asks);
        select.push(" UNION ALL ");
        push_balances(&mut select, &asks);
    }
    if !ids.is_empty() {
        if !keys.is_empty() {
            select.push(" UNION ALL ");
        }
        select
            .push(ALLOCATION_COLUMNS)
            .push(" WHERE a.id IN (")
            .bind_list(crate::db::padded(&ids))
            .push(")");
    }
    select.push(" ORDER BY kind, id, resource");

    for row in select.query().fetch_all(&mut *conn).await? {
        let project_id: ProjectId = row.get("project_id");
        let account_id: Option<AccountId> = row.get("account_id");
        let service = row.get::<Option<&str>, _>("service").and_then(QuotaService::parse);
        let resource = row.get::<Option<&str>, _>("resource").and_then(Resource::parse);
        let amount: Option<i64> = row.get("amount");
        match (row.get::<&str, _>("kind"), service, account_id) {
            // Only quota services are ever admitted.
            ("allocation", Some(service), Some(account_id)) => {
                let allocation = inputs.known.entry(row.get("id")).or_insert_with(|| Allocation {
                    id: row.get("id"),
                    project_id,
                    account_id,
                    service,
                    idempotency_key: row.get("idempotency_key"),
                    resources: Vec::new(),
                    created_at: row.get("created_at"),
                    released_at: row.get("released_at"),
                });
                // Found twice when a release and an admission's key name
                // it: its resources once.
                if let (Some(resource), Some(amount)) = (resource, amount)
                    && !allocation.resources.iter().any(|(known, _)| *known == resource)
                {
                    allocation.resources.push((resource, amount));
                }
            }
            ("limit", Some(service), member) => {
                if let (Some(resource), Some(amount)) = (resource, amount) {
                    let holder = Holder {
                        project_id,
                        service,
                        member,
                        resource,
                    };
                    inputs.limits.insert(holder, amount);
                }
            }
            ("usage", Some(service), Some(account_id)) => {
                if let (Some(resource), Some(amount)) = (resource, amount) {
                    add_usage(&mut inputs.usage, (project_id, account_id, service), resource, amount);
                }
            }
            ("balance", None, holder) => {
                inputs
                    .balances
                    .insert((project_id, holder), Credits(amount.unwrap_or_default()));
            }
            _ => {}
        }
    }
    Ok(inputs)
}

/// The columns every part of `read_inputs` gives, as an allocation's rows
/// (one per resource) give them.
const ALLOCATION_COLUMNS: &str = "SELECT 'allocation' AS kind, a.id, a.project_id, a.account_id, a.service, \
     a.idempotency_key, a.created_at, a.released_at, r.resource, r.amount \
     FROM allocations a LEFT JOIN allocation_resources r ON r.allocation_id = a.id";

/// The allocations admitted under these idempotency keys: the keys as rows
/// joined to the unique index, a plan as quick to make for 200 keys as for
/// one (`OR`ed terms are planned one by one, and each row found is checked
/// against them all).
fn push_admitted_under(select: &mut Statement, keys: &[(ProjectId, AccountId, QuotaService, &str)]) {
    select.push(ALLOCATION_COLUMNS).push(" JOIN (");
    select.values(keys, |row, (project_id, account_id, _, key)| {
        row.bind(*project_id).bind(*account_id).bind(*key);
    });
    select.push(") AS k ON a.project_id = k.column1 AND a.account_id = k.column2 AND a.idempotency_key = k.column3");
}

/// The quotas and live usage of these projects, members and services.
fn push_limits_and_usage(select: &mut Statement, asks: &[(ProjectId, AccountId, QuotaService)]) {
    select.push(
        "SELECT 'limit', NULL, project_id, NULL, service, NULL, NULL, NULL, resource, quota \
         FROM project_quotas WHERE ",
    );
    any_of(select, asks, |select, (project_id, _, service)| {
        select.push("project_id = ").bind(*project_id);
        select.push(" AND service = ").bind(service.code());
    });
    select.push(
        " UNION ALL SELECT 'limit', NULL, project_id, account_id, service, NULL, NULL, NULL, resource, quota \
         FROM member_quotas WHERE ",
    );
    any_of(select, asks, |select, (project_id, account_id, service)| {
        select.push("project_id = ").bind(*project_id);
        select.push(" AND account_id = ").bind(*account_id);
        select.push(" AND service = ").bind(service.code());
    });
    select.push(
        " UNION ALL SELECT 'usage', NULL, a.project_id, a.account_id, a.service, NULL, NULL, NULL, r.resource, \
         CAST(SUM(r.amount) AS BIGINT) FROM allocations a JOIN allocation_resources r ON r.allocation_id = a.id \
         WHERE a.released_at IS NULL AND (",
    );
    any_of(select, asks, |select, (project_id, _, service)| {
        select.push("a.project_id = ").bind(*project_id);
        select.push(" AND a.service = ").bind(service.code());
    });
    select.push(") GROUP BY a.project_id, a.account_id, a.service, r.resource");
}

/// Pushes `(term) OR (term) …`, one term per item (at least one item):
/// SQLite finds each term through its index.
fn any_of<T>(query: &mut Statement, items: &[T], mut term: impl FnMut(&mut Statement, &T)) {
    for (index, item) in items.iter().enumerate() {
        query.push(if index == 0 { "(" } else { " OR (" });
        term(query, item);
        query.push(")");
    }
}

/// The balances of the open wallets of these projects and members (the
/// project's own wallet has no member).
fn push_balances(select: &mut Statement, asks: &[(ProjectId, AccountId, QuotaService)]) {
    select.push(
        "SELECT 'balance', NULL, project_id, account_id, NULL, NULL, NULL, NULL, NULL, balance \
         FROM wallets WHERE closed_at IS NULL AND (",
    );
    any_of(select, asks, |select, (project_id, account_id, _)| {
        select.push("project_id = ").bind(*project_id);
        select
            .push(" AND (account_id IS NULL OR account_id = ")
            .bind(*account_id)
            .push(")");
    });
    select.push(")");
}

/// Inserts newly admitted allocations and their resources and marks the
/// `released` ones released; the stored allocations, in the order given,
/// with the IDs the database gave them (`RETURNING`). On PostgreSQL one
/// statement (the releases and the resources in a `WITH` beside the new
/// allocations: each statement is a round trip under the write lock); on
/// SQLite, which has no such `WITH`, three at most.
async fn write_allocations(
    conn: &mut Connection,
    admitted: &[NewAllocation],
    released: &[i64],
    at: i64,
) -> sqlx::Result<Vec<Allocation>> {
    let in_one = Backend::of(conn) == Backend::Postgres;
    // On PostgreSQL the releases go into the insert's `WITH`, when there is
    // an insert; otherwise they are a statement of their own.
    let releases_with_insert = in_one && !admitted.is_empty();
    if !releases_with_insert {
        mark_released(conn, released, at).await?;
    }
    if admitted.is_empty() {
        return Ok(Vec::new());
    }
    let mut insert = Statement::new(conn, "");
    if in_one {
        if !released.is_empty() {
            insert.push("WITH released AS (");
            push_mark_released(&mut insert, released, at);
            insert.push("), ");
        } else {
            insert.push("WITH ");
        }
        insert.push("new AS (");
    }
    insert.push("INSERT INTO allocations (project_id, account_id, service, idempotency_key, created_at) ");
    insert.values(admitted, |row, a| {
        row.bind(a.project_id)
            .bind(a.account_id)
            .bind(a.service.code())
            .bind(a.idempotency_key.as_str())
            .bind(at);
    });
    insert.push(" RETURNING id, project_id, account_id, idempotency_key");
    let requested: Vec<_> = admitted
        .iter()
        .flat_map(|a| {
            a.request
                .iter()
                .map(move |(resource, amount)| (a, resource.code(), *amount))
        })
        .collect();
    if in_one {
        insert.push(")");
        if !requested.is_empty() {
            insert.push(
                ", resources AS (INSERT INTO allocation_resources (allocation_id, resource, amount) \
                 SELECT new.id, r.column4, r.column5 FROM new JOIN (",
            );
            insert.values(&requested, |row, (a, resource, amount)| {
                row.bind(a.project_id)
                    .bind(a.account_id)
                    .bind(a.idempotency_key.as_str())
                    .bind(*resource)
                    .bind(*amount);
            });
            insert.push(
                ") AS r ON new.project_id = r.column1 AND new.account_id = r.column2 \
                 AND new.idempotency_key = r.column3)",
            );
        }
        insert.push(" SELECT id, project_id, account_id, idempotency_key FROM new");
    }
    // A batch admits each (project, member, key) once: that finds each row.
    let mut ids: HashMap<(ProjectId, AccountId, String), i64> = HashMap::new();
    for row in insert.query().fetch_all(&mut *conn).await? {
        ids.insert(
            (row.get("project_id"), row.get("account_id"), row.get("idempotency_key")),
            row.get("id"),
        );
    }
    let id_of = |a: &NewAllocation| {
        ids.get(&(a.project_id, a.account_id, a.idempotency_key.clone()))
            .copied()
            .ok_or(sqlx::Error::RowNotFound)
    };
    if !in_one && !requested.is_empty() {
        let mut insert = Statement::new(
            conn,
            "INSERT INTO allocation_resources (allocation_id, resource, amount) ",
        );
        let rows = requested
            .iter()
            .map(|(a, resource, amount)| Ok((id_of(a)?, *resource, *amount)))
            .collect::<sqlx::Result<Vec<_>>>()?;
        insert.values(rows, |row, (id, resource, amount)| {
            row.bind(id).bind(resource).bind(amount);
        });
        insert.query().execute(&mut *conn).await?;
    }
    admitted
        .iter()
        .map(|a| {
            Ok(Allocation {
                id: id_of(a)?,
                project_id: a.project_id,
                account_id: a.account_id,
                service: a.service,
                idempotency_key: a.idempotency_key.clone(),
                resources: a.request.clone(),
                created_at: at,
                released_at: None,
            })
        })
        .collect()
}

/// Marks allocations released at `at` (one statement).
async fn mark_released(conn: &mut Connection, ids: &[i64], at: i64) -> sqlx::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let mut update = Statement::new(conn, "");
    push_mark_released(&mut update, ids, at);
    update.query().execute(&mut *conn).await?;
    Ok(())
}

fn push_mark_released(update: &mut Statement, ids: &[i64], at: i64) {
    update
        .push("UPDATE allocations SET released_at = ")
        .bind(at)
        .push(" WHERE id IN (")
        .bind_list(crate::db::padded(ids))
        .push(")");
}

/// The member's own allocation with this ID, if there is one.
async fn allocation(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
    id: i64,
) -> sqlx::Result<Option<Allocation>> {
    let Some(row) = sqlx::query(
        "SELECT id, project_id, account_id, service, idempotency_key, created_at, released_at FROM allocations
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
    let Some(service) = QuotaService::parse(row.get("service")) else {
        return Ok(None);
    };
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT resource, amount FROM allocation_resources WHERE allocation_id = $1 ORDER BY resource")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    let resources = rows
        .into_iter()
        .filter_map(|(resource, amount)| Some((Resource::parse(&resource)?, amount)))
        .collect();
    Ok(Some(Allocation {
        id: row.get("id"),
        project_id: row.get("project_id"),
        account_id: row.get("account_id"),
        service,
        idempotency_key: row.get("idempotency_key"),
        resources,
        created_at: row.get("created_at"),
        released_at: row.get("released_at"),
    }))
}

/// A live allocation as the Quota page lists it.
#[derive(Debug, Clone)]
pub struct LiveAllocation {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub idempotency_key: String,
    pub created_at: i64,
    pub resources: Vec<(String, i64)>,
}

/// A project's live allocations of a service, newest first (at most `limit`),
/// and how many there are in all: one statement, a row for each resource of
/// each allocation, each row with the count.
pub async fn live_allocations_of_project(
    db: &Db,
    project_id: ProjectId,
    service: QuotaService,
    limit: i64,
) -> sqlx::Result<(Vec<LiveAllocation>, i64)> {
    let rows = sqlx::query(
        "WITH live AS (
             SELECT a.id, a.account_id, a.idempotency_key, a.created_at FROM allocations a
             WHERE a.project_id = $1 AND a.service = $2 AND a.released_at IS NULL ORDER BY a.id DESC LIMIT $3)
         SELECT live.id, acc.username, acc.display_name, live.idempotency_key, live.created_at, r.resource, r.amount,
                (SELECT COUNT(*) FROM allocations WHERE project_id = $1 AND service = $2 AND released_at IS NULL) AS total
         FROM live JOIN accounts acc ON acc.id = live.account_id
         LEFT JOIN allocation_resources r ON r.allocation_id = live.id
         ORDER BY live.id DESC, r.resource",
    )
    .bind(project_id)
    .bind(service.code())
    .bind(limit)
    .fetch_all(db.read())
    .await?;
    let mut found: Vec<LiveAllocation> = Vec::new();
    let mut total = 0;
    for row in &rows {
        total = row.get("total");
        let id: i64 = row.get(0);
        if found.last().is_none_or(|last| last.id != id) {
            found.push(LiveAllocation {
                id,
                username: row.get(1),
                display_name: row.get(2),
                idempotency_key: row.get(3),
                created_at: row.get(4),
                resources: Vec::new(),
            });
        }
        let resource: Option<String> = row.get(5);
        if let (Some(resource), Some(last)) = (resource, found.last_mut()) {
            last.resources.push((resource, row.get(6)));
        }
    }
    Ok((found, total))
}

/// The member's live allocations, newest first.
/// The service of one of the project's allocations (live or not).
pub async fn allocation_service(db: &Db, project_id: ProjectId, id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT service FROM allocations WHERE project_id = $1 AND id = $2")
        .bind(project_id)
        .bind(id)
        .fetch_optional(db.read())
        .await
}

/// An account's live allocations in a project numbered below `before`
/// (all when none), newest first, at most `limit`.
pub async fn live_allocations(
    db: &Db,
    project_id: ProjectId,
    account_id: AccountId,
    before: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<Allocation>> {
    let mut conn = db.read().acquire().await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM allocations WHERE project_id = $1 AND account_id = $2 AND released_at IS NULL AND id < $3
         ORDER BY id DESC LIMIT $4",
    )
    .bind(project_id)
    .bind(account_id)
    .bind(before.unwrap_or(i64::MAX))
    .bind(limit)
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
pub async fn project_limit(
    db: &Db,
    project_id: ProjectId,
    service: QuotaService,
    resource: Resource,
) -> sqlx::Result<i64> {
    let limit: Option<i64> =
        sqlx::query_scalar("SELECT quota FROM project_quotas WHERE project_id = $1 AND service = $2 AND resource = $3")
            .bind(project_id)
            .bind(service.code())
            .bind(resource.code())
            .fetch_optional(db.read())
            .await?;
    Ok(limit.unwrap_or(0))
}

/// Who a row of member gauges is about.
#[derive(Debug, Clone)]
pub struct MemberName {
    pub account_id: AccountId,
    pub username: String,
    pub display_name: String,
}

/// Every member of a project, by display name, with their gauges of a
/// service; a member with neither quota nor usage gets unused, unlimited
/// gauges. Reads only the three columns the tables show: a project may
/// have hundreds of members, and every column read costs on each row.
pub async fn members_with_gauges(
    db: &Db,
    project_id: ProjectId,
    service: QuotaService,
) -> sqlx::Result<Vec<(MemberName, Vec<Gauge>)>> {
    Ok(member_page_with_gauges(db, project_id, service, "", i64::MAX, 0)
        .await?
        .0)
}

/// A page of the project's members whose name or username contains
/// `search` (all when empty), by name, with their gauges; and how many
/// members match.
pub async fn member_page_with_gauges(
    db: &Db,
    project_id: ProjectId,
    service: QuotaService,
    search: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<(MemberName, Vec<Gauge>)>, i64)> {
    let (rows, total) = crate::db::page_and_count(
        db,
        "SELECT a.id, a.username, a.display_name",
        crate::auth::identity::MEMBER_ORDER,
        limit,
        offset,
        |from| crate::auth::identity::push_members_matching(from, project_id, search),
    )
    .await?;
    let members = rows
        .iter()
        .map(|row| MemberName {
            account_id: row.get("id"),
            username: row.get("username"),
            display_name: row.get("display_name"),
        })
        .collect();
    Ok((with_gauges(db, project_id, service, members).await?.1, total))
}

/// The project's gauges of a service, the members `members` each with
/// theirs (unused and unlimited for a member with neither quota nor usage),
/// and how many of the service's allocations are live.
pub async fn with_gauges(
    db: &Db,
    project_id: ProjectId,
    service: QuotaService,
    members: Vec<MemberName>,
) -> sqlx::Result<(Vec<Gauge>, Vec<(MemberName, Vec<Gauge>)>, i64)> {
    let accounts: Vec<AccountId> = members.iter().map(|member| member.account_id).collect();
    let (project, mut by_account, live) = gauges_of_page(db, project_id, service, &accounts).await?;
    let unset = || gauges(service, &HashMap::new(), |_| None);
    let members = members
        .into_iter()
        .map(|member| {
            let mine = by_account.remove(&member.account_id).unwrap_or_else(unset);
            (member, mine)
        })
        .collect();
    Ok((project, members, live))
}

/// Deletes a member's quotas in a project.
pub async fn delete_member_quotas(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM member_quotas WHERE project_id = $1 AND account_id = $2")
        .bind(project_id)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Releases every live allocation of a member in a project.
pub async fn release_all_of(conn: &mut Connection, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE allocations SET released_at = $1 WHERE project_id = $2 AND account_id = $3 AND released_at IS NULL",
    )
    .bind(crate::db::now())
    .bind(project_id)
    .bind(account_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A quota with what is used of it now: a project's (`account` None) or a member's.
#[derive(Debug, Clone)]
pub struct Filled {
    pub project_id: ProjectId,
    pub project_code: String,
    /// The member and their display name, for a member's quota.
    pub account: Option<(AccountId, String)>,
    pub service: String,
    pub resource: String,
    pub quota: i64,
    pub used: i64,
}

/// Every limited quota (above 0) with its live usage, projects' and members'.
pub async fn filled_quotas(db: &Db) -> sqlx::Result<Vec<Filled>> {
    let mut conn = db.read().acquire().await?;
    let projects = sqlx::query(
        "SELECT q.project_id, p.code, q.service, q.resource, q.quota,
                CAST(COALESCE((SELECT SUM(r.amount) FROM allocations a
                               JOIN allocation_resources r ON r.allocation_id = a.id
                               WHERE a.project_id = q.project_id AND a.service = q.service
                                 AND a.released_at IS NULL AND r.resource = q.resource), 0) AS BIGINT) AS used
         FROM project_quotas q JOIN projects p ON p.id = q.project_id WHERE q.quota > 0",
    )
    .fetch_all(&mut *conn)
    .await?;
    let members = sqlx::query(
        "SELECT q.project_id, p.code, q.account_id, m.display_name, q.service, q.resource, q.quota,
                CAST(COALESCE((SELECT SUM(r.amount) FROM allocations a
                               JOIN allocation_resources r ON r.allocation_id = a.id
                               WHERE a.project_id = q.project_id AND a.account_id = q.account_id
                                 AND a.service = q.service AND a.released_at IS NULL
                                 AND r.resource = q.resource), 0) AS BIGINT) AS used
         FROM member_quotas q JOIN projects p ON p.id = q.project_id JOIN accounts m ON m.id = q.account_id
         WHERE q.quota > 0",
    )
    .fetch_all(&mut *conn)
    .await?;
    let filled = |row: &crate::db::DbRow, account: Option<(AccountId, String)>| Filled {
        project_id: row.get("project_id"),
        project_code: row.get("code"),
        account,
        service: row.get("service"),
        resource: row.get("resource"),
        quota: row.get("quota"),
        used: row.get("used"),
    };
    let mut all: Vec<Filled> = projects.iter().map(|row| filled(row, None)).collect();
    all.extend(
        members
            .iter()
            .map(|row| filled(row, Some((row.get("account_id"), row.get("display_name"))))),
    );
    Ok(all)
}

/// The threshold levels last told of, by scope.
pub async fn alert_levels(db: &Db) -> sqlx::Result<HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = sqlx::query_as("SELECT scope, level FROM quota_alerts")
        .fetch_all(db.read())
        .await?;
    Ok(rows.into_iter().collect())
}

/// Sets (or, at 0, forgets) a scope's level; false when another check
/// changed it since it was read as `from`.
pub async fn set_alert_level(
    conn: &mut Connection,
    scope: &str,
    project_id: ProjectId,
    from: i64,
    to: i64,
) -> sqlx::Result<bool> {
    let done = if from == 0 {
        sqlx::query(
            "INSERT INTO quota_alerts (scope, project_id, level) VALUES ($1, $2, $3) ON CONFLICT (scope) DO NOTHING",
        )
        .bind(scope)
        .bind(project_id)
        .bind(to)
        .execute(&mut *conn)
        .await?
    } else if to == 0 {
        sqlx::query("DELETE FROM quota_alerts WHERE scope = $1 AND level = $2")
            .bind(scope)
            .bind(from)
            .execute(&mut *conn)
            .await?
    } else {
        sqlx::query("UPDATE quota_alerts SET level = $1 WHERE scope = $2 AND level = $3")
            .bind(to)
            .bind(scope)
            .bind(from)
            .execute(&mut *conn)
            .await?
    };
    Ok(done.rows_affected() == 1)
}
