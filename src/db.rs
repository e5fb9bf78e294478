//! The database: the SQLite pool (WAL, foreign keys, a busy timeout,
//! migrations on open), this process's write gate and the generation of
//! what is remembered in memory, held together in one `Db` value. Reads go
//! through `Db::read`; every write goes through a `Tx` from
//! `Db::begin_immediate`, whose commit forgets what was remembered.

use std::{
    ops::{Deref, DerefMut},
    path::Path,
    str::FromStr,
    sync::Arc,
    time::Duration,
};

use sqlx::{
    ConnectOptions, Execute, Executor, Sqlite, SqliteConnection, SqlitePool, Transaction,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteQueryResult, SqliteSynchronous},
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::cache::Generation;

/// One database, as this process uses it. Cloning is cheap and shares all.
#[derive(Clone, Debug)]
pub struct Db {
    pool: SqlitePool,
    /// Writers queue here, in the process, rather than in SQLite: SQLite's
    /// busy handler waits by sleeping (up to 100 ms a try), which under
    /// contention costs far more than the writes themselves.
    gate: Arc<Mutex<()>>,
    generation: Generation,
}

impl Db {
    fn new(pool: SqlitePool) -> Self {
        Db {
            pool,
            gate: Arc::default(),
            generation: Generation::default(),
        }
    }

    /// The pool, for reads. Writes go through `begin_immediate`.
    pub fn read(&self) -> &SqlitePool {
        &self.pool
    }

    /// The count of committed changes that in-memory caches of this
    /// database are kept against (`crate::cache::Remembered`).
    pub fn generation(&self) -> Generation {
        self.generation.clone()
    }

    /// A write transaction that takes the database's write lock at once, so
    /// that a read-check-write sequence inside it cannot interleave with
    /// another.
    pub async fn begin_immediate(&self) -> sqlx::Result<Tx> {
        let gate = self.gate.clone().lock_owned().await;
        let tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        Ok(Tx {
            tx,
            _gate: gate,
            generation: self.generation.clone(),
        })
    }

    /// One write statement, committed on its own (forgetting what is
    /// remembered, as every commit does).
    pub async fn execute<'q>(&self, query: impl Execute<'q, Sqlite> + 'q) -> sqlx::Result<SqliteQueryResult> {
        let mut tx = self.begin_immediate().await?;
        let done = (&mut *tx).execute(query).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// One write statement to rows no cache is made from (activity, a
    /// session's last-seen time), committed on its own.
    pub async fn execute_leaving_caches<'q>(
        &self,
        query: impl Execute<'q, Sqlite> + 'q,
    ) -> sqlx::Result<SqliteQueryResult> {
        let mut tx = self.begin_immediate().await?;
        let done = (&mut *tx).execute(query).await?;
        tx.commit_leaving_caches().await?;
        Ok(done)
    }

    /// The pool itself, for what is neither a read nor a transaction:
    /// migrations and the bulk load (`seed`), which has the database to itself.
    pub(crate) fn bulk(&self) -> &SqlitePool {
        &self.pool
    }
}

/// A write transaction holding the database's write lock (and this
/// process's write gate) until it is committed or dropped.
pub struct Tx {
    tx: Transaction<'static, Sqlite>,
    _gate: OwnedMutexGuard<()>,
    generation: Generation,
}

impl Tx {
    /// Commits, and forgets everything remembered in memory (`crate::cache`):
    /// whatever this changed may be part of it. The shared count of changes
    /// moves on in the same transaction, so that every other process
    /// watching it (`Db::watch_changes`) forgets too.
    pub async fn commit(mut self) -> sqlx::Result<()> {
        sqlx::query("UPDATE cache_generation SET value = value + 1 WHERE id = 1")
            .execute(&mut *self.tx)
            .await?;
        self.tx.commit().await?;
        self.generation.advance();
        Ok(())
    }

    /// Commits rows that nothing in `crate::cache` is made from (API calls,
    /// allocations), leaving what is remembered in place.
    pub async fn commit_leaving_caches(self) -> sqlx::Result<()> {
        self.tx.commit().await
    }
}

impl Deref for Tx {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        &self.tx
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        &mut self.tx
    }
}

/// Opens (creating if missing) and migrates the database at `path`.
pub async fn open(path: &Path) -> anyhow::Result<Db> {
    open_with(path, false).await
}

/// Opens the database as it is, to look at its schema (`member-center migrate`).
pub async fn open_without_migrating(path: &Path) -> anyhow::Result<Db> {
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(Duration::from_secs(10));
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await?;
    Ok(Db::new(pool))
}

/// For bulk loading only (`seed`): one connection, no journal, no fsync, a
/// big cache.
/// A crash during the load can lose it; nothing else uses this.
pub async fn open_for_bulk_load(path: &Path) -> anyhow::Result<Db> {
    open_with(path, true).await
}

async fn open_with(path: &Path, bulk: bool) -> anyhow::Result<Db> {
    let options = SqliteConnectOptions::from_str("sqlite:")?
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        // Rows cross from SQLite's thread to the request's through a bounded
        // channel; at sqlx's default of 50 a page of 500 members made the two
        // threads wake each other ten times over.
        .row_buffer_size(1024);
    let (options, connections) = if bulk {
        // Index builds take seconds by design: no "slow statement" warnings.
        // No write-ahead log either: every page would be written twice, to
        // the log and then to the file (the server turns it back on).
        let options = options
            .disable_statement_logging()
            .journal_mode(SqliteJournalMode::Off)
            .synchronous(SqliteSynchronous::Off)
            .pragma("cache_size", "-262144")
            .pragma("temp_store", "memory");
        (options, 1)
    } else {
        (options, 8)
    };
    let pool = SqlitePoolOptions::new()
        .max_connections(connections)
        .connect_with(options)
        .await?;
    refuse_newer_schema(&pool).await?;
    MIGRATOR.run(&pool).await?;
    Ok(Db::new(pool))
}

/// The schema this build knows: every file in `migrations/`.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// The newest schema version this build knows.
pub fn known_schema_version() -> i64 {
    MIGRATOR.iter().map(|m| m.version).max().unwrap_or(0)
}

/// The newest schema version applied to the database (0: none yet).
pub async fn applied_schema_version(pool: &SqlitePool) -> sqlx::Result<i64> {
    let table: Option<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'")
            .fetch_optional(pool)
            .await?;
    if table.is_none() {
        return Ok(0);
    }
    let version: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await?;
    Ok(version.unwrap_or(0))
}

/// An older build must not run against a schema a newer one made (a rolling
/// upgrade runs `member-center migrate` first, then the new build).
async fn refuse_newer_schema(pool: &SqlitePool) -> anyhow::Result<()> {
    let (applied, known) = (applied_schema_version(pool).await?, known_schema_version());
    if applied > known {
        anyhow::bail!(
            "the database's schema (version {applied}) is newer than this member-center knows (version {known}): \
             run a member-center at least as new as the one that migrated it"
        );
    }
    Ok(())
}

impl Db {
    /// Whether this process is the one to run the periodic job `name` now:
    /// true for exactly one caller per `period` (seconds), across every
    /// instance on the database, since claiming is one conditional update.
    pub async fn claim_run(&self, name: &str, period: i64, at: i64) -> sqlx::Result<bool> {
        let mut tx = self.begin_immediate().await?;
        sqlx::query("INSERT INTO job_runs (name, last_run) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .bind(i64::MIN)
            .execute(&mut *tx)
            .await?;
        let claimed = sqlx::query("UPDATE job_runs SET last_run = $2 WHERE name = $1 AND last_run <= $3")
            .bind(name)
            .bind(at)
            .bind(at.saturating_sub(period))
            .execute(&mut *tx)
            .await?
            .rows_affected()
            == 1;
        tx.commit_leaving_caches().await?;
        Ok(claimed)
    }

    /// Watches the shared count of changes every `every`, and forgets what
    /// is remembered whenever another process (an instance, the command
    /// line) has committed a change. Runs until the runtime stops.
    pub fn watch_changes(&self, every: Duration) {
        let db = self.clone();
        tokio::spawn(async move {
            let mut seen: Option<i64> = None;
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let value: sqlx::Result<i64> = sqlx::query_scalar("SELECT value FROM cache_generation WHERE id = 1")
                    .fetch_one(&db.pool)
                    .await;
                match value {
                    Ok(value) if seen != Some(value) => {
                        if seen.is_some() {
                            db.generation.advance();
                        }
                        seen = Some(value);
                    }
                    Ok(_) => {}
                    // Cannot tell what changed: forget everything.
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot read the change count");
                        db.generation.advance();
                    }
                }
            }
        });
    }

    /// Whether the database answers and its schema is the one this build knows.
    pub async fn ready(&self) -> Result<(), String> {
        let applied = applied_schema_version(&self.pool)
            .await
            .map_err(|err| format!("database unreachable: {err}"))?;
        let known = known_schema_version();
        if applied == known {
            Ok(())
        } else {
            Err(format!("schema version {applied}, this build knows {known}"))
        }
    }

    /// Makes a consistent copy of the database in `path` while it is in use
    /// (SQLite's `VACUUM INTO`); refuses to overwrite a file.
    pub async fn backup(&self, path: &Path) -> anyhow::Result<()> {
        if path.exists() {
            anyhow::bail!("{} exists already: choose a new file", path.display());
        }
        let target = path
            .to_str()
            .ok_or_else(|| anyhow::anyhow!("the backup path is not UTF-8"))?;
        sqlx::query("VACUUM INTO $1").bind(target).execute(&self.pool).await?;
        Ok(())
    }
}

/// A write transaction on `db` (see `Db::begin_immediate`).
pub async fn begin_immediate(db: &Db) -> sqlx::Result<Tx> {
    db.begin_immediate().await
}

/// Runs a background writer (`future`) on a thread and runtime of its own,
/// so that nothing else running, or blocked, can stall a write it has begun.
pub fn spawn_writer(name: &str, future: impl Future<Output = ()> + Send + 'static) {
    let started = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|runtime| {
            std::thread::Builder::new()
                .name(name.into())
                .spawn(move || runtime.block_on(future))
        });
    if let Err(err) = started {
        tracing::error!(error = %err, writer = name, "could not start a background writer");
    }
}

/// Splits `rows` into chunks of a few fixed sizes, largest first, for
/// multi-row statements: their texts are then a handful that SQLite plans
/// once and sqlx keeps prepared, not a new one for every batch size (which
/// costs more to plan than the rows cost to write).
pub fn fixed_chunks<T>(mut rows: &[T]) -> impl Iterator<Item = &[T]> {
    const SIZES: [usize; 5] = [256, 64, 16, 4, 1];
    std::iter::from_fn(move || {
        let size = SIZES.into_iter().find(|size| *size <= rows.len())?;
        let (chunk, rest) = rows.split_at(size);
        rows = rest;
        Some(chunk)
    })
}

/// A write that must be unique: done, or refused because the value is taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unique<T> {
    Done(T),
    Taken,
}

/// The one place a unique-constraint violation becomes an "already exists".
pub fn unique<T>(result: sqlx::Result<T>) -> sqlx::Result<Unique<T>> {
    match result {
        Ok(value) => Ok(Unique::Done(value)),
        Err(err) if is_unique_violation(&err) => Ok(Unique::Taken),
        Err(err) => Err(err),
    }
}

/// Whether an error is a unique-constraint violation (an "already exists").
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// A `LIKE … ESCAPE '\'` pattern matching text that contains `text`
/// (lower-cased: compare with `lower(column)`), its wildcards taken literally.
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// Seconds since the Unix epoch, the only form of time stored.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    #[test]
    fn contains_patterns_take_wildcards_literally() {
        assert_eq!(super::contains_pattern(" Al_%\\ "), "%al\\_\\%\\\\%");
    }

    #[tokio::test]
    async fn a_periodic_job_runs_once_per_period_across_instances() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.db");
        // Two instances on one database.
        let (a, b) = (super::open(&path).await.unwrap(), super::open(&path).await.unwrap());
        let day = 86_400;
        let claims = futures_util::future::join_all((0..8).map(|n| {
            let db = if n % 2 == 0 { a.clone() } else { b.clone() };
            async move { db.claim_run("prune", day, 1_000_000).await.unwrap() }
        }))
        .await;
        assert_eq!(claims.iter().filter(|c| **c).count(), 1, "{claims:?}");
        assert!(!b.claim_run("prune", day, 1_000_000 + day - 1).await.unwrap());
        assert!(b.claim_run("prune", day, 1_000_000 + day).await.unwrap());
        assert!(!a.claim_run("prune", day, 1_000_000 + day).await.unwrap());
        assert!(a.claim_run("other job", day, 1_000_000).await.unwrap());
    }

    #[tokio::test]
    async fn two_databases_in_one_process_share_no_gate_and_no_generation() {
        let dir = tempfile::tempdir().unwrap();
        let a = super::open(&dir.path().join("a.db")).await.unwrap();
        let b = super::open(&dir.path().join("b.db")).await.unwrap();
        let (a_seen, b_seen) = (a.generation(), b.generation());
        let held = a.begin_immediate().await.unwrap();
        // A's write gate is held: B writes all the same.
        let other = tokio::time::timeout(std::time::Duration::from_secs(2), b.begin_immediate())
            .await
            .expect("B is not held up by A's gate")
            .unwrap();
        other.commit().await.unwrap();
        assert_eq!((a_seen.current(), b_seen.current()), (0, 1));
        held.commit().await.unwrap();
        assert_eq!((a_seen.current(), b_seen.current()), (1, 1));
        // A clone shares its database's gate and generation.
        let a2 = a.clone();
        let held = a.begin_immediate().await.unwrap();
        assert!(
            tokio::time::timeout(std::time::Duration::from_millis(200), a2.begin_immediate())
                .await
                .is_err()
        );
        drop(held);
        assert_eq!(a2.generation().current(), 1, "a dropped transaction changes nothing");
    }

    #[test]
    fn fixed_chunks_cover_every_row_once_in_few_sizes() {
        let rows: Vec<usize> = (0..599).collect();
        let chunks: Vec<&[usize]> = super::fixed_chunks(&rows).collect();
        let sizes: Vec<usize> = chunks.iter().map(|c| c.len()).collect();
        assert_eq!(sizes, [256, 256, 64, 16, 4, 1, 1, 1]);
        assert_eq!(chunks.concat(), rows);
        assert_eq!(super::fixed_chunks::<u8>(&[]).count(), 0);
    }
}
