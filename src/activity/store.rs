//! Every SQL statement about the activity log.

use sqlx::{Executor, Row};

use super::{
    ApiCall, LastUse, calls,
    usage::{DAY, HOUR, Rollup, span_start},
};
use crate::db::{Connection, Db, DbRow, Statement, now};

use crate::auth::identity::{AccountId, ProjectId};

/// One change made through the portal or CLI: who did what to which target.
pub struct Change<'a> {
    pub actor_id: Option<AccountId>,
    pub project_id: Option<ProjectId>,
    /// The account the change concerns, if any (shown in their activity).
    pub subject_id: Option<AccountId>,
    pub action: super::ChangeKind,
    pub target: &'a str,
    pub before: &'a str,
    pub after: &'a str,
}

fn insert_change(change: Change<'_>) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments> {
    sqlx::query(
        "INSERT INTO change_activity (at, actor_id, project_id, subject_id, action, target, before, after)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(now())
    .bind(change.actor_id)
    .bind(change.project_id)
    .bind(change.subject_id)
    .bind(change.action.code())
    .bind(change.target)
    .bind(change.before)
    .bind(change.after)
}

/// Records a change inside the caller's transaction, so that it is written
/// exactly when what it records is.
pub async fn record_change<'e>(
    executor: impl Executor<'e, Database = sqlx::Any>,
    change: Change<'_>,
) -> sqlx::Result<()> {
    insert_change(change).execute(executor).await?;
    Ok(())
}

/// Records a change on its own (a view, or a change already committed).
pub async fn record(db: &Db, change: Change<'_>) -> sqlx::Result<()> {
    db.execute(insert_change(change)).await?;
    Ok(())
}

/// Writes a batch of API calls, their keys' and projects' hourly and daily
/// sums (added to what is there) and the keys' last-used times in one
/// transaction.
pub async fn write_calls(db: &Db, calls: &[ApiCall], sums: &[Rollup], last_used: &[LastUse]) -> sqlx::Result<()> {
    // Appends and additions only: on PostgreSQL it waits for no write lock.
    let mut tx = db.begin_append().await?;
    // Many rows a statement: each statement is a round trip to SQLite's thread.
    for chunk in crate::db::fixed_chunks(calls) {
        let mut insert = Statement::new(
            &tx,
            "INSERT INTO api_calls (at, project_id, account_id, key_id, method, route, status, latency_us, client) ",
        );
        insert.values(chunk, |row, call| {
            row.bind(call.at)
                .bind(call.project_id)
                .bind(call.account_id)
                .bind(call.key_id.as_str())
                .bind(i64::from(call.method))
                .bind(i64::from(call.route))
                .bind(i64::from(call.status))
                .bind(call.latency_us)
                .bind(call.client.to_string());
        });
        insert.query().execute(&mut *tx).await?;
    }
    add_sums(&mut tx, SumsOf::Keys, sums).await?;
    add_sums(&mut tx, SumsOf::Projects, &super::usage::by_project(sums)).await?;
    for used in last_used {
        sqlx::query("UPDATE api_keys SET last_used_at = $1, last_used_from = $2, last_used_agent = $3 WHERE id = $4")
            .bind(used.at)
            .bind(used.client.as_str())
            .bind(used.agent.as_str())
            .bind(used.key_row)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit_leaving_caches().await
}

/// Whose sums a table holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SumsOf {
    /// `api_usage`: a key's (with its project and owner).
    Keys,
    /// `api_project_usage`: a project's, all its keys together.
    Projects,
}

impl SumsOf {
    fn table(self) -> &'static str {
        match self {
            SumsOf::Keys => "api_usage",
            SumsOf::Projects => "api_project_usage",
        }
    }

    /// The columns that say whose sum a row is and when.
    fn identity(self) -> &'static str {
        match self {
            SumsOf::Keys => "key_id, span, start, project_id, account_id",
            SumsOf::Projects => "project_id, span, start",
        }
    }

    fn primary_key(self) -> &'static str {
        match self {
            SumsOf::Keys => "key_id, span, start",
            SumsOf::Projects => "project_id, span, start",
        }
    }
}

/// Adds sums to those of the same key (or project) and span, making the
/// missing ones.
async fn add_sums(conn: &mut Connection, of: SumsOf, sums: &[Rollup]) -> sqlx::Result<()> {
    let (table, identity, primary_key) = (of.table(), of.identity(), of.primary_key());
    for chunk in crate::db::fixed_chunks(sums) {
        let mut upsert = Statement::new(
            conn,
            &format!(
                "INSERT INTO {table} ({identity}, calls, ok, client_errors, server_errors, latency_sum_us, \
                 latency_max_us, first_at, last_at) "
            ),
        );
        upsert.values(chunk, |row, sum| {
            match of {
                SumsOf::Keys => row
                    .bind(sum.key_id.as_str())
                    .bind(sum.span)
                    .bind(sum.start)
                    .bind(sum.project_id)
                    .bind(sum.account_id),
                SumsOf::Projects => row.bind(sum.project_id).bind(sum.span).bind(sum.start),
            }
            .bind(sum.calls)
            .bind(sum.ok)
            .bind(sum.client_errors)
            .bind(sum.server_errors)
            .bind(sum.latency_sum_us)
            .bind(sum.latency_max_us)
            .bind(sum.first_at)
            .bind(sum.last_at);
        });
        upsert.push(&format!(
            " ON CONFLICT ({primary_key}) DO UPDATE SET \
             calls = {table}.calls + excluded.calls, ok = {table}.ok + excluded.ok, \
             client_errors = {table}.client_errors + excluded.client_errors, \
             server_errors = {table}.server_errors + excluded.server_errors, \
             latency_sum_us = {table}.latency_sum_us + excluded.latency_sum_us, \
             latency_max_us = CASE WHEN excluded.latency_max_us > {table}.latency_max_us \
                 THEN excluded.latency_max_us ELSE {table}.latency_max_us END, \
             first_at = CASE WHEN excluded.first_at < {table}.first_at THEN excluded.first_at ELSE {table}.first_at END, \
             last_at = CASE WHEN excluded.last_at > {table}.last_at THEN excluded.last_at ELSE {table}.last_at END"
        ));
        upsert.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Which activity rows to show.
#[derive(Debug, Clone, Default)]
pub struct ActivityFilter {
    /// The project whose rows to show (tenant admins).
    pub project_id: Option<ProjectId>,
    /// Only rows by or about this account (a tenant user's own view).
    pub own: Option<AccountId>,
    /// Rows by or about this member (an admin's member filter).
    pub member: Option<AccountId>,
    /// Changes whose action starts with `<kind>.`.
    pub kind: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct ApiCallRow {
    pub id: i64,
    pub at: i64,
    pub username: String,
    pub key_id: String,
    pub method: &'static str,
    /// The route's pattern (`/api/v1/allocations/{id}`).
    pub route: &'static str,
    pub status: i64,
    pub latency_us: i64,
    /// The client's address.
    pub client: String,
}

#[derive(Debug, Clone)]
pub struct ChangeRow {
    pub id: i64,
    pub at: i64,
    pub actor: Option<String>,
    /// The project it happened in (`None`: the account itself).
    pub project_code: Option<String>,
    pub action: String,
    pub target: String,
    pub before: String,
    pub after: String,
}

macro_rules! select_calls {
    ($rest:literal) => {
        concat!(
            "SELECT c.id, c.at, a.username, c.key_id, c.method, c.route, c.status, c.latency_us, c.client ",
            "FROM api_calls c JOIN accounts a ON a.id = c.account_id ",
            "WHERE ($1 IS NULL OR c.project_id = $1) AND ($2 IS NULL OR c.account_id = $2) ",
            "AND ($3 IS NULL OR c.account_id = $3) AND ($4 IS NULL OR c.at >= $4) AND ($5 IS NULL OR c.at < $5) ",
            "AND c.id < $6 ",
            $rest
        )
    };
}

macro_rules! select_changes {
    ($rest:literal) => {
        concat!(
            "SELECT c.id, c.at, a.username AS actor, p.code AS project_code, c.action, c.target, c.before, c.after ",
            "FROM change_activity c LEFT JOIN accounts a ON a.id = c.actor_id LEFT JOIN projects p ON p.id = c.project_id ",
            // A project's log: its own rows (a tenant user's: those by or
            // about them), and the viewer's rows that belong to no project.
            // Without a project (support): every row by or about the viewer.
            "WHERE (($1 IS NULL AND (c.subject_id = $2 OR c.actor_id = $2)) ",
            "OR ($1 IS NOT NULL AND c.project_id = $1 AND ($10 IS NULL OR c.actor_id = $10 OR c.subject_id = $10)) ",
            "OR ($1 IS NOT NULL AND c.project_id IS NULL AND (c.subject_id = $2 OR c.actor_id = $2))) ",
            "AND ($3 IS NULL OR c.actor_id = $3 OR c.subject_id = $3) AND ($4 IS NULL OR c.at >= $4) AND ($5 IS NULL OR c.at < $5) ",
            "AND c.id < $6 AND ($7 IS NULL OR c.action LIKE $7) ",
            $rest
        )
    };
}

/// API calls matching the filter with IDs below `before`, newest first.
pub async fn api_calls(
    db: &Db,
    filter: &ActivityFilter,
    before: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<ApiCallRow>> {
    let rows = sqlx::query(select_calls!("ORDER BY c.id DESC LIMIT $7 OFFSET $8"))
        .bind(filter.project_id)
        .bind(filter.own)
        .bind(filter.member)
        .bind(filter.from)
        .bind(filter.to)
        .bind(before)
        .bind(limit)
        .bind(offset)
        .fetch_all(db.read())
        .await?;
    Ok(rows
        .iter()
        .map(|r| ApiCallRow {
            id: r.get("id"),
            at: r.get("at"),
            username: r.get("username"),
            key_id: r.get("key_id"),
            method: calls::name_of(&calls::METHODS, r.get("method")),
            route: calls::name_of(&calls::ROUTES, r.get("route")),
            status: r.get("status"),
            latency_us: r.get("latency_us"),
            client: r.get("client"),
        })
        .collect())
}

/// Changes matching the filter with IDs below `before`, newest first:
/// those of the filter's project only, and the viewer's own account-level
/// changes (or, without a project, every change by or about the viewer).
pub async fn changes(
    db: &Db,
    viewer: AccountId,
    filter: &ActivityFilter,
    before: i64,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<ChangeRow>> {
    let kind = filter.kind.as_ref().map(|k| format!("{k}.%"));
    let rows = sqlx::query(select_changes!("ORDER BY c.id DESC LIMIT $8 OFFSET $9"))
        .bind(filter.project_id)
        .bind(viewer)
        .bind(filter.member)
        .bind(filter.from)
        .bind(filter.to)
        .bind(before)
        .bind(kind)
        .bind(limit)
        .bind(offset)
        .bind(filter.own)
        .fetch_all(db.read())
        .await?;
    Ok(rows
        .iter()
        .map(|r| ChangeRow {
            id: r.get("id"),
            at: r.get("at"),
            actor: r.get("actor"),
            project_code: r.get("project_code"),
            action: r.get("action"),
            target: r.get("target"),
            before: r.get("before"),
            after: r.get("after"),
        })
        .collect())
}

/// Rows a maintenance statement deletes at most: a batch holds
/// the write lock for a few milliseconds, never long enough to hold up an
/// admission noticeably.
pub const MAINTENANCE_BATCH: i64 = 2000;

/// Deletes up to a batch of the oldest call rows from before `before`.
/// Rows are appended in time order, so the oldest by ID are the oldest by
/// time; only the first batch by ID is looked at (never a scan of the
/// table), and fewer than a batch deleted means the rest is newer (a row a
/// few seconds out of order waits for the next run).
pub async fn prune_calls(db: &Db, before: i64) -> sqlx::Result<u64> {
    prune_oldest(db, "api_calls", before).await
}

/// The same for changes (kept for the whole retention).
pub async fn prune_changes(db: &Db, before: i64) -> sqlx::Result<u64> {
    prune_oldest(db, "change_activity", before).await
}

async fn prune_oldest(db: &Db, table: &'static str, before: i64) -> sqlx::Result<u64> {
    let sql = format!("DELETE FROM {table} WHERE id IN (SELECT id FROM {table} ORDER BY id LIMIT $2) AND at < $1");
    let done = db
        .execute_leaving_caches(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(before)
                .bind(MAINTENANCE_BATCH),
        )
        .await?;
    Ok(done.rows_affected())
}

/// Deletes up to a batch of the keys' (or projects') sums of `span` that
/// started before `before`.
pub async fn prune_sums(db: &Db, of: SumsOf, span: i64, before: i64) -> sqlx::Result<u64> {
    let (table, primary_key) = (of.table(), of.primary_key());
    let sql = format!(
        "DELETE FROM {table} WHERE span = $1 AND ({primary_key}) IN \
         (SELECT {primary_key} FROM {table} WHERE span = $1 AND start < $2 ORDER BY start LIMIT $3)"
    );
    let done = db
        .execute_leaving_caches(
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(span)
                .bind(before)
                .bind(MAINTENANCE_BATCH),
        )
        .await?;
    Ok(done.rows_affected())
}

fn rollup_of(r: &DbRow) -> Rollup {
    Rollup {
        key_id: r.get("key_id"),
        span: r.get("span"),
        start: r.get("start"),
        project_id: r.get("project_id"),
        account_id: r.get("account_id"),
        calls: r.get("calls"),
        ok: r.get("ok"),
        client_errors: r.get("client_errors"),
        server_errors: r.get("server_errors"),
        latency_sum_us: r.get("latency_sum_us"),
        latency_max_us: r.get("latency_max_us"),
        first_at: r.get("first_at"),
        last_at: r.get("last_at"),
    }
}

/// What the usage view shows: a project's sums, or a member's, or a key's.
#[derive(Debug, Clone)]
pub struct UsageFilter {
    pub project_id: ProjectId,
    pub account: Option<AccountId>,
    pub key_id: Option<String>,
    /// Which sums to read: `usage::HOUR` (while they are kept, so that the
    /// range may be the viewer's days) or `usage::DAY` (UTC days).
    pub span: i64,
    pub from: i64,
    pub to: i64,
}

impl UsageFilter {
    /// The sums that cover the range in the fewest rows: by hours, whole
    /// UTC days by their daily sums and only the hours at either end by
    /// theirs (a day's sum is its hours' sum: both are written together).
    fn pieces(&self) -> Vec<(i64, i64, i64)> {
        if self.span == DAY {
            return vec![(DAY, self.from, self.to)];
        }
        let (first_day, end_day) = (span_start(self.from + DAY - 1, DAY), span_start(self.to, DAY));
        if first_day >= end_day {
            return vec![(HOUR, self.from, self.to)];
        }
        [
            (HOUR, self.from, first_day),
            (DAY, first_day, end_day),
            (HOUR, end_day, self.to),
        ]
        .into_iter()
        .filter(|(_, from, to)| from < to)
        .collect()
    }

    /// The keys' sums the filter picks over `[from, to)` in sums of `span`,
    /// as a derived table `u`: each index range a statement of its own, so
    /// that each is read from the index (an `OR` of them is not).
    fn push_keys_sums(&self, statement: &mut Statement, pieces: &[(i64, i64, i64)]) {
        statement.push(" FROM (");
        for (n, (span, from, to)) in pieces.iter().enumerate() {
            if n > 0 {
                statement.push(" UNION ALL ");
            }
            statement.push(
                "SELECT key_id, account_id, span, start, calls, ok, client_errors, server_errors, latency_sum_us, \
                 latency_max_us, first_at, last_at FROM api_usage WHERE ",
            );
            // A key's by the primary key, a member's by their own index,
            // never among the whole project's: `+ 0` keeps SQLite's planner
            // off the project's index, which its averages can make look
            // cheaper.
            match (&self.key_id, self.account) {
                (Some(key_id), _) => statement
                    .push("key_id = ")
                    .bind(key_id.clone())
                    .push(" AND project_id + 0 = ")
                    .bind(self.project_id),
                (None, Some(account)) => statement
                    .push("account_id = ")
                    .bind(account)
                    .push(" AND project_id + 0 = ")
                    .bind(self.project_id),
                (None, None) => statement.push("project_id = ").bind(self.project_id),
            };
            if let (Some(_), Some(account)) = (&self.key_id, self.account) {
                statement.push(" AND account_id + 0 = ").bind(account);
            }
            statement.push(" AND span = ").bind(*span);
            statement.push(" AND start >= ").bind(*from);
            statement.push(" AND start < ").bind(*to);
        }
        statement.push(") u");
    }
}

/// Sums over the filter's range, with the key's owner.
#[derive(Debug, Clone)]
pub struct KeyUsage {
    pub username: String,
    /// The key's name; `None` once it is deleted.
    pub key_name: Option<String>,
    pub sums: Rollup,
}

const SUMMED: &str = "CAST(SUM(u.calls) AS BIGINT) AS calls, CAST(SUM(u.ok) AS BIGINT) AS ok, \
     CAST(SUM(u.client_errors) AS BIGINT) AS client_errors, CAST(SUM(u.server_errors) AS BIGINT) AS server_errors, \
     CAST(SUM(u.latency_sum_us) AS BIGINT) AS latency_sum_us, MAX(u.latency_max_us) AS latency_max_us, \
     MIN(u.first_at) AS first_at, MAX(u.last_at) AS last_at";

/// The filter's sums a span each (an hour or a UTC day, as the filter
/// reads), oldest first: a project's from its own sums, a member's or a
/// key's added up from the keys'.
pub async fn periods(db: &Db, filter: &UsageFilter) -> sqlx::Result<Vec<Rollup>> {
    let columns = "'' AS key_id, CAST(0 AS BIGINT) AS account_id, CAST(0 AS BIGINT) AS project_id, u.span, u.start";
    let mut statement = Statement::for_backend(db.backend(), &format!("SELECT {columns}, {SUMMED}"));
    if filter.key_id.is_none() && filter.account.is_none() {
        statement
            .push(" FROM api_project_usage u WHERE u.project_id = ")
            .bind(filter.project_id)
            .push(" AND u.span = ")
            .bind(filter.span)
            .push(" AND u.start >= ")
            .bind(filter.from)
            .push(" AND u.start < ")
            .bind(filter.to);
    } else {
        filter.push_keys_sums(&mut statement, &[(filter.span, filter.from, filter.to)]);
    }
    statement.push(" GROUP BY u.span, u.start ORDER BY u.start");
    let rows = statement.query().fetch_all(db.read()).await?;
    Ok(rows.iter().map(rollup_of).collect())
}

/// How the usage view adds a range's sums up by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyGroup {
    /// One row a key over the whole range, the most used first.
    Range,
    /// One row a key and span, by time then key (the export, by UTC day).
    Span,
}

/// The filter's sums added up by key (`group`) in the database (so that
/// few rows come back), the owners and names joined to the sums rather than
/// to every row; at most `limit` rows.
pub async fn by_key(db: &Db, filter: &UsageFilter, group: KeyGroup, limit: i64) -> sqlx::Result<Vec<KeyUsage>> {
    let (columns, group_by, order, pieces) = match group {
        KeyGroup::Range => (
            "MIN(u.start) AS start",
            "u.key_id",
            "s.calls DESC, s.key_id",
            filter.pieces(),
        ),
        KeyGroup::Span => (
            "u.start",
            "u.key_id, u.start",
            "s.start, s.key_id",
            vec![(filter.span, filter.from, filter.to)],
        ),
    };
    let mut statement = Statement::for_backend(
        db.backend(),
        &format!(
            "SELECT s.*, COALESCE(a.username, '') AS username, k.name AS key_name FROM (\
             SELECT u.key_id, MIN(u.account_id) AS account_id, CAST(0 AS BIGINT) AS project_id, \
             MIN(u.span) AS span, {columns}, {SUMMED}"
        ),
    );
    filter.push_keys_sums(&mut statement, &pieces);
    statement.push(&format!(
        " GROUP BY {group_by}) s LEFT JOIN accounts a ON a.id = s.account_id \
         LEFT JOIN api_keys k ON k.key_id = s.key_id ORDER BY {order} LIMIT "
    ));
    statement.bind(limit);
    let rows = statement.query().fetch_all(db.read()).await?;
    Ok(rows
        .iter()
        .map(|r| KeyUsage {
            username: r.get("username"),
            key_name: r.get("key_name"),
            sums: rollup_of(r),
        })
        .collect())
}
