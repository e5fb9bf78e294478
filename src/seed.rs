//! `member-center seed`: fills an empty database with realistic data fast,
//! for benchmarks. Rows go in with multi-row inserts, many thousand per
//! transaction, without a journal (so it needs the database to itself: no
//! server running on it); every account shares one password hash.
//!
//! What it makes: `bench000001`… accounts (password `bench-password`);
//! projects `PRJ000001`…; project 1 has `members_per_project` members with
//! `bench000001` as its tenant admin, and every other account belongs to one
//! project; keys spread over the members, with 50 for `bench000002` in
//! project 1; CCS quotas on every project; a released allocation each.

use std::time::Instant;

use crate::{
    db::{Backend, Db, Statement, Tuple, now},
    token,
};

pub const PASSWORD: &str = "bench-password";

/// The plain (non-unique) indexes of `api_keys`, as `migrations/0001_schema.sql` makes them.
const KEY_INDEXES: [&str; 3] = [
    "CREATE INDEX api_keys_by_owner ON api_keys (account_id, project_id, created_at)",
    "CREATE INDEX api_keys_by_prefix ON api_keys (secret_prefix)",
    "CREATE INDEX api_keys_by_expiry ON api_keys (account_id, expires_at)",
];
/// Rows per INSERT statement (each row binds at most 13 values: 26,000 a
/// statement, under SQLite's 32,766).
const ROWS_PER_STATEMENT: usize = 2_000;
/// Rows per transaction.
const ROWS_PER_TRANSACTION: usize = 50_000;

pub struct SeedPlan {
    pub accounts: usize,
    pub projects: usize,
    pub keys: usize,
    pub members_per_project: usize,
    /// Keys (the first ones, `whoami_key` among them) given API use: hourly
    /// sums for the last 31 days, daily ones for the last `usage_days`.
    pub usage_keys: usize,
    pub usage_days: i64,
    /// API calls in detail over the last seven days, spread over the
    /// `usage_keys` (or the first key).
    pub raw_calls: usize,
}

/// What the benchmark needs to know afterwards.
pub struct Seeded {
    pub rows: u64,
    pub seconds: f64,
    /// A valid key of `bench000001` in project 1.
    pub whoami_key: String,
}

pub fn username(n: usize) -> String {
    format!("bench{n:06}")
}

pub fn project_code(n: usize) -> String {
    format!("PRJ{n:06}")
}

/// Inserts `rows` in statements of `ROWS_PER_STATEMENT` and transactions of
/// `ROWS_PER_TRANSACTION`. Each statement's rows are made (keys hashed, text
/// formatted) on this thread while SQLite's thread writes the previous one.
async fn insert_all<T>(
    db: &Db,
    head: &str,
    rows: impl Iterator<Item = T>,
    push: impl Fn(&mut Tuple<'_>, T) + Copy,
) -> anyhow::Result<u64> {
    let mut rows = rows.peekable();
    let mut next_statement = || {
        let chunk: Vec<T> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        (!chunk.is_empty()).then(|| {
            let count = chunk.len();
            let mut builder = Statement::for_backend(db.backend(), head);
            builder.values(chunk, push);
            (builder, count)
        })
    };
    let mut count = 0u64;
    let mut next = next_statement();
    while next.is_some() {
        let mut tx = db.bulk().begin().await?;
        let mut in_tx = 0;
        while in_tx < ROWS_PER_TRANSACTION
            && let Some((builder, rows)) = next.take()
        {
            in_tx += rows;
            count += rows as u64;
            // The write is sent to SQLite's thread before the next
            // statement is made here.
            let (written, following) = tokio::join!(builder.query().execute(&mut *tx), async { next_statement() });
            written?;
            next = following;
        }
        tx.commit().await?;
    }
    Ok(count)
}

pub async fn seed(db: &Db, plan: &SeedPlan) -> anyhow::Result<Seeded> {
    anyhow::ensure!(
        crate::accounts::service::count(db).await? == 0,
        "seed needs an empty database"
    );
    anyhow::ensure!(
        plan.accounts >= 2 && plan.projects >= 1,
        "seed needs at least 2 accounts and 1 project"
    );
    let started = Instant::now();
    let hash = crate::auth::password::hash_blocking(PASSWORD)?;
    let created = now();
    let mut rows = 0;

    rows += insert_all(
        db,
        "INSERT INTO accounts (id, username, display_name, email, password_hash, created_at) ",
        1..=plan.accounts,
        |b, n| {
            b.bind(n as i64)
                .bind(username(n))
                .bind(format!("Bench User {n}"))
                .bind(format!("{}@bench.example.org", username(n)))
                .bind(hash.clone())
                .bind(created);
        },
    )
    .await?;
    let today = time::OffsetDateTime::now_utc().date();
    let (starts, ends) = (
        today.to_string(),
        today.saturating_add(time::Duration::days(365)).to_string(),
    );
    rows += insert_all(
        db,
        "INSERT INTO projects (id, code, name, starts_on, ends_on, created_at) ",
        1..=plan.projects,
        |b, n| {
            b.bind(n as i64)
                .bind(project_code(n))
                .bind(format!("Bench Project {n}"))
                .bind(starts.clone())
                .bind(ends.clone())
                .bind(created);
        },
    )
    .await?;
    // Every project's wallet, well funded.
    rows += insert_all(
        db,
        "INSERT INTO wallets (project_id, balance, created_at) ",
        1..=plan.projects,
        |b, n| {
            b.bind(n as i64)
                .bind(1_000_000i64 * crate::wallets::SCALE)
                .bind(created);
        },
    )
    .await?;

    // Memberships: accounts 1..=M in project 1 (account 1 its admin); the
    // rest spread over the other projects (or project 1 if it is the only one).
    let first = plan.members_per_project.clamp(2, plan.accounts);
    let project_of = |n: usize| -> usize {
        if n <= first || plan.projects == 1 {
            1
        } else {
            2 + (n - first - 1) % (plan.projects - 1)
        }
    };
    rows += insert_all(
        db,
        "INSERT INTO memberships (id, project_id, account_id, role, created_at) ",
        1..=plan.accounts,
        |b, n| {
            let role = if n == 1 || (n > first && (n - first - 1) < plan.projects.saturating_sub(1)) {
                "tenant_admin"
            } else {
                "tenant_user"
            };
            b.bind(n as i64)
                .bind(project_of(n) as i64)
                .bind(n as i64)
                .bind(role)
                .bind(created);
        },
    )
    .await?;
    const SERVICES: [&str; 5] = ["ccs", "vcs", "hpc", "cos", "registry"];
    rows += insert_all(
        db,
        "INSERT INTO tenant_permissions (membership_id, service) ",
        (1..=plan.accounts).flat_map(|n| SERVICES.iter().map(move |s| (n, *s))),
        |b, (n, s)| {
            b.bind(n as i64).bind(s);
        },
    )
    .await?;
    rows += insert_all(
        db,
        "INSERT INTO project_quotas (project_id, service, resource, quota) ",
        (1..=plan.projects).flat_map(|p| {
            [("cpu", 4096i64), ("gpu", 512), ("memory", 65536)]
                .into_iter()
                .map(move |(r, q)| (p, r, q))
        }),
        |b, (p, r, q)| {
            b.bind(p as i64).bind("ccs").bind(r).bind(q);
        },
    )
    .await?;

    // Allocations made and released before: a cloud's history, so that
    // the query planner meets the allocation tables at a realistic size
    // (planned as empty, every admission's reads become scans that grow
    // with each allocation until the next automatic ANALYZE).
    rows += insert_all(
        db,
        "INSERT INTO allocations (id, project_id, account_id, service, idempotency_key, created_at, released_at) ",
        1..=plan.accounts,
        |b, n| {
            b.bind(n as i64)
                .bind(project_of(n) as i64)
                .bind(n as i64)
                .bind("ccs")
                .bind(format!("seed-{n}"))
                .bind(created - 86_400)
                .bind(created - 3_600);
        },
    )
    .await?;
    rows += insert_all(
        db,
        "INSERT INTO allocation_resources (allocation_id, resource, amount) ",
        (1..=plan.accounts).flat_map(|n| [(n, "cpu", 4i64), (n, "gpu", 1)]),
        |b, (n, resource, amount)| {
            b.bind(n as i64).bind(resource).bind(amount);
        },
    )
    .await?;

    // Keys: the first for bench000001 (printed), 50 for bench000002, then
    // round-robin over every account in its own project.
    let whoami_key = token::uuid_secret();
    let owner_of = |k: usize| -> usize {
        match k {
            0 => 1,
            1..=50 => 2,
            _ => 1 + (k - 51) % plan.accounts,
        }
    };
    let secret_of = |k: usize| {
        if k == 0 {
            whoami_key.clone()
        } else {
            token::uuid_secret()
        }
    };
    // The key table's plain indexes are built once at the end (a sort)
    // rather than row by row; their definitions are the migration's.
    for index in KEY_INDEXES {
        let name = index.split_whitespace().nth(2).unwrap_or_default();
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP INDEX IF EXISTS {name}")))
            .execute(db.bulk())
            .await?;
    }
    rows += insert_all(
        db,
        "INSERT INTO api_keys (key_id, account_id, project_id, name, secret_digest, secret_prefix, created_at, expires_at) ",
        (0..plan.keys).map(|k| (k, owner_of(k), secret_of(k))),
        |b, (k, owner, secret): (usize, usize, String)| {
            b.bind(format!("ak-{k:012x}"))
                .bind(owner as i64)
                .bind(project_of(owner) as i64)
                .bind(format!("key {k}"))
                .bind(token::digest(&secret))
                .bind(secret[..8].to_string())
                .bind(created - (plan.keys - k) as i64)
                .bind(created + 180 * 86_400);
        },
    )
    .await?;
    for index in KEY_INDEXES {
        sqlx::query(sqlx::AssertSqlSafe(index.to_string()))
            .execute(db.bulk())
            .await?;
    }

    // API use: every usage key active every hour (36 calls an hour, one
    // refused), as a cloud averaging 100 calls a second over 10,000 keys.
    let key_owner = |k: usize| {
        let owner = owner_of(k);
        (format!("ak-{k:012x}"), owner as i64, project_of(owner) as i64)
    };
    let this_hour = crate::activity::usage::span_start(created, 3600);
    let hourly_from = this_hour - crate::activity::usage::HOURLY_DAYS * 86_400;
    let this_day = crate::activity::usage::span_start(created, 86_400);
    let sums = (0..plan.usage_keys).flat_map(|k| {
        let hours = (0..crate::activity::usage::HOURLY_DAYS * 24).map(move |h| (3600, hourly_from + h * 3600));
        let days = (0..plan.usage_days).map(move |d| (86_400, this_day - d * 86_400));
        hours.chain(days).map(move |(span, start)| (k, span, start))
    });
    rows += insert_all(
        db,
        "INSERT INTO api_usage (key_id, span, start, project_id, account_id, calls, ok, client_errors, \
         server_errors, latency_sum_us, latency_max_us, first_at, last_at) ",
        sums,
        |b, (k, span, start): (usize, i64, i64)| {
            let (key_id, account, project) = key_owner(k);
            let calls = 36 * span / 3600;
            b.bind(key_id)
                .bind(span)
                .bind(start)
                .bind(project)
                .bind(account)
                .bind(calls)
                .bind(calls - calls / 36)
                .bind(calls / 36)
                .bind(0i64)
                .bind(calls * 1200)
                .bind(5000i64)
                .bind(start + 60)
                .bind(start + span - 100);
        },
    )
    .await?;
    // The projects' sums, as the recorder writes them with the keys'.
    rows += sqlx::query(
        "INSERT INTO api_project_usage (project_id, span, start, calls, ok, client_errors, server_errors, \
         latency_sum_us, latency_max_us, first_at, last_at) \
         SELECT project_id, span, start, SUM(calls), SUM(ok), SUM(client_errors), SUM(server_errors), \
         SUM(latency_sum_us), MAX(latency_max_us), MIN(first_at), MAX(last_at) \
         FROM api_usage GROUP BY project_id, span, start",
    )
    .execute(db.bulk())
    .await?
    .rows_affected();
    let window = 7 * 86_400;
    rows += insert_all(
        db,
        "INSERT INTO api_calls (at, project_id, account_id, key_id, method, route, status, latency_us, client) ",
        0..plan.raw_calls,
        |b, n: usize| {
            let (key_id, account, project) = key_owner(n % plan.usage_keys.max(1));
            let at = created - window + (n as i64 * window) / plan.raw_calls.max(1) as i64;
            b.bind(at)
                .bind(project)
                .bind(account)
                .bind(key_id)
                .bind(1i64)
                .bind(2i64)
                .bind(if n % 36 == 35 { 429i64 } else { 200 })
                .bind(800 + (n % 1000) as i64)
                .bind(format!("10.{}.{}.{}", n % 7, (n / 7) % 250, n % 250));
        },
    )
    .await?;
    // Table sizes for the query planner, but no per-value samples: with
    // samples (SQLite's STAT4, built into the bundled library) every new
    // value bound to a statement makes SQLite plan it again, which costs
    // more than most of our statements themselves (seen in callgrind).
    // Sizes from a sample of each index are as good to the planner.
    match db.backend() {
        Backend::Sqlite => {
            sqlx::query("PRAGMA analysis_limit = 1000").execute(db.bulk()).await?;
            sqlx::query("ANALYZE").execute(db.bulk()).await?;
            sqlx::query("DELETE FROM sqlite_stat4").execute(db.bulk()).await?;
        }
        Backend::Postgres => {
            db.advance_id_sequences().await?;
            // Vacuumed too, as autovacuum would soon after a load this
            // size (and would, in the middle of a benchmark's runs).
            sqlx::query("VACUUM (ANALYZE)").execute(db.bulk()).await?;
        }
    }
    Ok(Seeded {
        rows,
        seconds: started.elapsed().as_secs_f64(),
        whoami_key,
    })
}
