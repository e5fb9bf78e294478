//! The SQLite pool: WAL, foreign keys, a busy timeout, migrations on open.

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    SqlitePool, Sqlite, Transaction,
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
};

pub type Db = SqlitePool;
pub type Tx = Transaction<'static, Sqlite>;

/// Opens (creating if missing) and migrates the database at `path`.
pub async fn open(path: &Path) -> anyhow::Result<Db> {
    open_with(path, false).await
}

/// For bulk loading only (`seed`): one connection, no fsync, a big cache.
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
        .busy_timeout(Duration::from_secs(10));
    let (options, connections) = if bulk {
        let options = options
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
    sqlx::migrate!("./migrations").run(&pool).await?;
    Ok(pool)
}

/// A write transaction that takes the database's write lock at once, so that
/// a read-check-write sequence inside it cannot interleave with another.
pub async fn begin_immediate(db: &Db) -> sqlx::Result<Tx> {
    db.begin_with("BEGIN IMMEDIATE").await
}

/// Whether an error is a unique-constraint violation (an "already exists").
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// Seconds since the Unix epoch, the only form of time stored.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}
