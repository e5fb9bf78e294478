//! The database: SQLite (a file, the embedded default) or PostgreSQL (for
//! several instances on one database), chosen at start by `--db`, behind
//! sqlx's `Any` driver so that every store is written once. SQL is kept to
//! what both read: `$1` placeholders, `RETURNING`, `ON CONFLICT`, sums cast
//! to `BIGINT`, where nulls sort spelled out (`x IS NULL, x DESC`), 64-bit
//! integers; `Statement` builds the few statements made piece by piece.
//!
//! One `Db` value holds the pool, this process's write gate and the
//! generation of what is remembered in memory. Reads go through `Db::read`;
//! every write goes through a `Tx` from `Db::begin_immediate`, whose commit
//! forgets what was remembered, here and (through the shared change count
//! or `NOTIFY`) in every other process on the database.

use std::{
    fmt,
    ops::{Deref, DerefMut},
    path::{Path, PathBuf},
    str::FromStr,
    sync::Arc,
    time::Duration,
};

use sqlx::{
    Any, AnyConnection, AnyPool, Arguments, Encode, Execute, Executor, Transaction, Type,
    any::{AnyArguments, AnyPoolOptions, AnyQueryResult},
};
use tokio::sync::{Mutex, OwnedMutexGuard};

use crate::cache::Generation;

pub mod copy;

/// The connection every store function takes (inside a `Tx`, or from the pool).
pub type Connection = AnyConnection;
/// A row as the stores read it.
pub type DbRow = sqlx::any::AnyRow;

/// Where the database is: a SQLite file, or a PostgreSQL server (`--db postgres://…`).
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    Postgres(String),
}

impl Location {
    pub fn backend(&self) -> Backend {
        match self {
            Location::File(_) => Backend::Sqlite,
            Location::Postgres(_) => Backend::Postgres,
        }
    }

    /// The file, for a SQLite database.
    pub fn file(&self) -> Option<&Path> {
        match self {
            Location::File(path) => Some(path),
            Location::Postgres(_) => None,
        }
    }
}

impl FromStr for Location {
    type Err = std::convert::Infallible;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(
            if text.starts_with("postgres://") || text.starts_with("postgresql://") {
                Location::Postgres(text.to_owned())
            } else {
                Location::File(PathBuf::from(text))
            },
        )
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Self {
        Location::File(path)
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Self {
        Location::File(path.to_owned())
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Self {
        Location::File(path.clone())
    }
}

/// Shown without a password: locations end up in messages and logs.
impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => {
                // postgres://user:password@host/db → postgres://user:***@host/db
                let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
                match rest.split_once('@') {
                    Some((userinfo, host)) if userinfo.contains(':') => {
                        let user = userinfo.split(':').next().unwrap_or_default();
                        write!(f, "{scheme}://{user}:***@{host}")
                    }
                    _ => write!(f, "{url}"),
                }
            }
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Location({self})")
    }
}

/// Which database server a `Db` talks to, for the few statements that differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend a connection talks to.
    pub fn of(conn: &AnyConnection) -> Backend {
        if conn.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }
}

/// The channel on which PostgreSQL instances hear of each other's changes.
const CHANGES_CHANNEL: &str = "member_center_changes";

/// How every PostgreSQL write transaction begins: with the one advisory
/// lock (its key is "mcwrite" in ASCII), in the same round trip.
const POSTGRES_BEGIN: &str = "BEGIN; SELECT pg_advisory_xact_lock(30790137133233253)";

/// One database, as this process uses it. Cloning is cheap and shares all.
#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    location: Location,
    /// Writers queue here, in the process, rather than in the database:
    /// SQLite's busy handler waits by sleeping (up to 100 ms a try), and a
    /// PostgreSQL writer waiting for the write lock holds a connection.
    gate: Arc<Mutex<()>>,
    generation: Generation,
    /// Names this process in its change notices, so it skips its own.
    instance: Arc<str>,
}

impl Db {
    fn new(pool: AnyPool, location: &Location) -> Self {
        Db {
            pool,
            backend: location.backend(),
            location: location.clone(),
            gate: Arc::default(),
            generation: Generation::default(),
            instance: uuid::Uuid::new_v4().simple().to_string().into(),
        }
    }

    /// The pool, for reads. Writes go through `begin_immediate`.
    pub fn read(&self) -> &AnyPool {
        &self.pool
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The count of committed changes that in-memory caches of this
    /// database are kept against (`crate::cache::Remembered`).
    pub fn generation(&self) -> Generation {
        self.generation.clone()
    }

    /// A write transaction that holds the database's one write lock from
    /// its start, so that a read-check-write sequence inside it (an
    /// admission against a quota, a debit, the key limit, the last admin,
    /// an idempotency key) cannot interleave with another's, in this
    /// process or in any other on the database.
    ///
    /// SQLite has one writer by design (`BEGIN IMMEDIATE`). On PostgreSQL
    /// every write transaction takes one transaction-scoped advisory lock
    /// first: the same rule, so every check the stores make holds across
    /// instances without each naming the rows it must lock, and nothing
    /// needs retrying (as serializable transactions would). Reads never
    /// wait for it; writes are short, and the busy ones (admissions, API
    /// call records) are grouped many to a transaction.
    pub async fn begin_immediate(&self) -> sqlx::Result<Tx> {
        let gate = self.gate.clone().lock_owned().await;
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin_with(POSTGRES_BEGIN).await?,
        };
        Ok(Tx {
            tx,
            _gate: Some(gate),
            generation: self.generation.clone(),
            backend: self.backend,
            instance: self.instance.clone(),
        })
    }

    /// A write transaction for rows that are only added or overwritten,
    /// where nothing read decides anything (API call records, last-used and
    /// last-seen times, pruning old activity). On PostgreSQL it waits for
    /// no lock, so that these busy writes never hold up an admission or a
    /// debit; on SQLite, which has one writer, it is `begin_immediate`.
    pub async fn begin_append(&self) -> sqlx::Result<Tx> {
        if self.backend == Backend::Sqlite {
            return self.begin_immediate().await;
        }
        Ok(Tx {
            tx: self.pool.begin().await?,
            _gate: None,
            generation: self.generation.clone(),
            backend: self.backend,
            instance: self.instance.clone(),
        })
    }

    /// One write statement, committed on its own (forgetting what is
    /// remembered, as every commit does).
    pub async fn execute<'q>(&self, query: impl Execute<'q, Any> + 'q) -> sqlx::Result<AnyQueryResult> {
        let mut tx = self.begin_immediate().await?;
        let done = (&mut *tx).execute(query).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// One write statement to rows no cache is made from, deciding nothing
    /// from what it reads (pruning activity, a session's last-seen time),
    /// committed on its own (see `begin_append`).
    pub async fn execute_leaving_caches<'q>(&self, query: impl Execute<'q, Any> + 'q) -> sqlx::Result<AnyQueryResult> {
        let mut tx = self.begin_append().await?;
        let done = (&mut *tx).execute(query).await?;
        tx.commit_leaving_caches().await?;
        Ok(done)
    }

    /// The same database, sharing the write gate and the generation, with a
    /// PostgreSQL pool of its own made on the runtime this is called on.
    fn with_own_connections(&self) -> sqlx::Result<Db> {
        let Location::Postgres(url) = &self.location else {
            // SQLite's connections run on threads of their own.
            return Ok(self.clone());
        };
        Ok(Db {
            pool: AnyPoolOptions::new()
                .max_connections(4)
                // Writers' statements are keyed lookups and multi-row
                // writes whose text changes with the batch's size: each
                // such text planned once, not for each of its first five
                // runs (PostgreSQL's default), which costs more than the
                // write itself while the write lock is held.
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        sqlx::query("SET plan_cache_mode = force_generic_plan")
                            .execute(conn)
                            .await
                            .map(|_| ())
                    })
                })
                .connect_lazy(&with_statement_cache(url))?,
            ..self.clone()
        })
    }

    /// The pool itself, for what is neither a read nor a transaction:
    /// migrations and the bulk load (`seed`), which has the database to itself.
    pub(crate) fn bulk(&self) -> &AnyPool {
        &self.pool
    }
}

/// A write transaction holding the database's write lock (and this
/// process's write gate) until it is committed or dropped; on PostgreSQL an
/// appending one (`Db::begin_append`) holds neither.
pub struct Tx {
    tx: Transaction<'static, Any>,
    /// None for an appending transaction on PostgreSQL (`Db::begin_append`).
    _gate: Option<OwnedMutexGuard<()>>,
    generation: Generation,
    backend: Backend,
    instance: Arc<str>,
}

impl Tx {
    /// Commits, and forgets everything remembered in memory (`crate::cache`):
    /// whatever this changed may be part of it. The shared count of changes
    /// moves on in the same transaction, and PostgreSQL is asked to tell
    /// every listening instance when it commits, so that every other
    /// process (`Db::watch_changes`) forgets too.
    pub async fn commit(mut self) -> sqlx::Result<()> {
        sqlx::query("UPDATE cache_generation SET value = value + 1 WHERE id = 1")
            .execute(&mut *self.tx)
            .await?;
        if self.backend == Backend::Postgres {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANGES_CHANNEL)
                .bind(&*self.instance)
                .execute(&mut *self.tx)
                .await?;
        }
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
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

/// How a database is opened.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// Serving, or a command: migrated first.
    Use,
    /// Looking at the schema as it is (`member-center migrate`).
    Inspect,
    /// The bulk load (`seed`), which has the database to itself.
    BulkLoad,
}

/// Opens (creating if missing) and migrates the database.
pub async fn open(location: &Location) -> anyhow::Result<Db> {
    open_for(location, Purpose::Use).await
}

/// Opens the database as it is, to look at its schema (`member-center migrate`).
pub async fn open_without_migrating(location: &Location) -> anyhow::Result<Db> {
    open_for(location, Purpose::Inspect).await
}

/// The schema version of the database at `location`, changing nothing:
/// `None` for a SQLite file not made yet (its directory must exist).
pub async fn schema_version_at(location: &Location) -> anyhow::Result<Option<i64>> {
    if let Location::File(path) = location
        && !path.exists()
    {
        let dir = path.parent().filter(|dir| !dir.as_os_str().is_empty());
        return match dir {
            Some(dir) if !dir.is_dir() => anyhow::bail!("the database's directory {} does not exist", dir.display()),
            _ => Ok(None),
        };
    }
    let db = tokio::time::timeout(Duration::from_secs(10), open_without_migrating(location))
        .await
        .map_err(|_| anyhow::anyhow!("the database at {location} did not answer within 10 s"))??;
    let version = db.applied_schema_version().await?;
    let known = known_schema_version();
    if version > known {
        anyhow::bail!("the database's schema is version {version}, newer than this build's {known}");
    }
    Ok(Some(version))
}

/// For bulk loading only (`seed`): on SQLite one connection, no journal,
/// no fsync, a big cache. A crash during the load can lose it; nothing else
/// uses this.
pub async fn open_for_bulk_load(location: &Location) -> anyhow::Result<Db> {
    open_for(location, Purpose::BulkLoad).await
}

async fn open_for(location: &Location, purpose: Purpose) -> anyhow::Result<Db> {
    // Once per process; a second call (another database opened) is refused
    // and changes nothing.
    let _ = sqlx::any::install_drivers(&[sqlx::sqlite::any::DRIVER, sqlx::postgres::any::DRIVER]);
    let pool = match location {
        Location::File(path) => open_sqlite(path, purpose).await?,
        Location::Postgres(url) => AnyPoolOptions::new()
            .max_connections(if purpose == Purpose::Use { 16 } else { 2 })
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect(&with_statement_cache(url))
            .await
            .map_err(|err| anyhow::anyhow!("cannot reach the database at {location}: {err}"))?,
    };
    let db = Db::new(pool, location);
    if purpose != Purpose::Inspect {
        db.migrate().await?;
    }
    Ok(db)
}

/// The longest a request waits for a PostgreSQL connection: past it (the
/// server down, a failover under way) the request is answered 503 with
/// `Retry-After` instead of hanging.
pub const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Whether `err` says the database cannot be reached now (rather than that
/// the statement was wrong): the connection failed or broke, none came in
/// time, or the server is shutting down, starting, or no longer the
/// primary (a failover). A request meeting it is answered 503.
pub fn is_unreachable(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| {
            // Class 08: connection exception; 57P01-03: shutting down,
            // crashed, starting; 25006: a read-only (standby) server.
            code.starts_with("08") || matches!(&*code, "57P01" | "57P02" | "57P03" | "25006")
        }),
        _ => false,
    }
}

/// The URL with room for more prepared statements per connection than
/// sqlx's 100: statements made piece by piece (a batch of admissions) come
/// in many lengths, and one prepared again costs a round trip.
fn with_statement_cache(url: &str) -> String {
    if url.contains("statement-cache-capacity=") {
        return url.to_owned();
    }
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}statement-cache-capacity=1000")
}

async fn open_sqlite(path: &Path, purpose: Purpose) -> anyhow::Result<AnyPool> {
    let file = path
        .to_str()
        .ok_or_else(|| anyhow::anyhow!("the database path {} is not UTF-8", path.display()))?;
    // The file name as a URL path: percent-encode what a URL would read otherwise.
    let mut url = String::from("sqlite://");
    for byte in file.bytes() {
        match byte {
            b'%' | b'?' | b'#' | b' ' => url.push_str(&format!("%{byte:02X}")),
            _ => url.push(char::from(byte)),
        }
    }
    url.push_str("?mode=rwc");
    let bulk = purpose == Purpose::BulkLoad;
    // Foreign keys are on by default (sqlx); the rest is set on each connection.
    let pragmas = if bulk {
        // No write-ahead log: every page would be written twice, to the log
        // and then to the file (the server turns it back on).
        "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -262144; \
         PRAGMA temp_store = memory; PRAGMA busy_timeout = 10000;"
    } else {
        // Statement journals and sorting in memory: a multi-row insert
        // inside a transaction (a batch of billed jobs, of API calls) keeps
        // its undo pages in a temporary file otherwise, written and read
        // through the kernel (a sixth of an HPC import's time).
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA temp_store = memory; PRAGMA busy_timeout = 10000;"
    };
    let pool = AnyPoolOptions::new()
        .max_connections(if purpose == Purpose::Use { 8 } else { 1 })
        .after_connect(move |conn, _| {
            Box::pin(async move {
                conn.execute(pragmas).await?;
                Ok(())
            })
        })
        .connect(&url)
        .await?;
    Ok(pool)
}

/// The schemas this build knows: every file in `migrations/sqlite/` and, in
/// lockstep (the same versions, the same tables; a test compares them),
/// `migrations/postgres/`.
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The newest schema version this build knows.
pub fn known_schema_version() -> i64 {
    SQLITE_MIGRATIONS.iter().map(|m| m.version).max().unwrap_or(0)
}

impl Db {
    fn migrator(&self) -> &'static sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Applies the migrations this build knows, after refusing a schema newer
    /// than it knows (a rolling upgrade runs `member-center migrate` first,
    /// then the new build); applying them again does nothing.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        let (applied, known) = (self.applied_schema_version().await?, known_schema_version());
        if applied > known {
            anyhow::bail!(
                "the database's schema (version {applied}) is newer than this member-center knows (version {known}): \
                 run a member-center at least as new as the one that migrated it"
            );
        }
        self.migrator().run(&self.pool).await?;
        Ok(())
    }

    /// The newest schema version applied to the database (0: none yet).
    pub async fn applied_schema_version(&self) -> sqlx::Result<i64> {
        let exists = match self.backend {
            Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
            Backend::Postgres => {
                "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = '_sqlx_migrations'"
            }
        };
        let tables: i64 = sqlx::query_scalar(exists).fetch_one(&self.pool).await?;
        if tables == 0 {
            return Ok(0);
        }
        let version: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
            .fetch_one(&self.pool)
            .await?;
        Ok(version.unwrap_or(0))
    }
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

    /// Gives up a claim made with `claim_run` before its period is over (a
    /// job claimed as a lease, done early), so that the next claim wins.
    pub async fn release_run(&self, name: &str) -> sqlx::Result<()> {
        let mut tx = self.begin_immediate().await?;
        sqlx::query("UPDATE job_runs SET last_run = $2 WHERE name = $1")
            .bind(name)
            .bind(i64::MIN)
            .execute(&mut *tx)
            .await?;
        tx.commit_leaving_caches().await
    }

    /// Forgets what is remembered whenever another process (an instance,
    /// the command line) has committed a change: on SQLite by reading the
    /// shared count of changes every `every`; on PostgreSQL by listening for
    /// the notices every commit sends, forgetting everything as well
    /// whenever the listener had to reconnect (a notice may have been
    /// missed). Runs until the runtime stops.
    pub fn watch_changes(&self, every: Duration) {
        let db = self.clone();
        match self.location.clone() {
            Location::File(_) => tokio::spawn(async move { db.poll_changes(every).await }),
            Location::Postgres(url) => tokio::spawn(async move { db.listen_for_changes(&url, every).await }),
        };
    }

    async fn poll_changes(&self, every: Duration) {
        let mut seen: Option<i64> = None;
        let mut tick = tokio::time::interval(every);
        loop {
            tick.tick().await;
            let value: sqlx::Result<i64> = sqlx::query_scalar("SELECT value FROM cache_generation WHERE id = 1")
                .fetch_one(&self.pool)
                .await;
            match value {
                Ok(value) if seen != Some(value) => {
                    if seen.is_some() {
                        self.generation.advance();
                    }
                    seen = Some(value);
                }
                Ok(_) => {}
                // Cannot tell what changed: forget everything.
                Err(err) => {
                    tracing::warn!(error = %err, "cannot read the change count");
                    self.generation.advance();
                }
            }
        }
    }

    async fn listen_for_changes(&self, url: &str, retry: Duration) {
        // Said once an outage, not at every try.
        let mut said = false;
        loop {
            let listener = async {
                let mut listener = sqlx::postgres::PgListener::connect(url).await?;
                listener.listen(CHANGES_CHANNEL).await?;
                Ok::<_, sqlx::Error>(listener)
            };
            let mut listener = match listener.await {
                Ok(listener) => listener,
                Err(err) => {
                    if !said {
                        tracing::warn!(error = %err, "cannot listen for changes; trying again");
                        said = true;
                    }
                    self.generation.advance();
                    tokio::time::sleep(retry).await;
                    continue;
                }
            };
            if said {
                tracing::info!("listening for changes again");
                said = false;
            }
            // Changes committed before the listener was up are not told.
            self.generation.advance();
            loop {
                match listener.try_recv().await {
                    Ok(Some(notice)) if notice.payload() == &*self.instance => {}
                    Ok(Some(_)) => self.generation.advance(),
                    // The connection was lost and made again: notices may be lost.
                    Ok(None) => self.generation.advance(),
                    Err(err) => {
                        tracing::warn!(error = %err, "lost the change listener");
                        self.generation.advance();
                        break;
                    }
                }
            }
        }
    }

    /// After rows were written with their IDs given (the bulk load, `copy`):
    /// on PostgreSQL, moves every table's ID sequence past its largest ID,
    /// so that the next row made gets a new one. (SQLite needs nothing.)
    pub async fn advance_id_sequences(&self) -> sqlx::Result<()> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'",
        )
        .fetch_all(&self.pool)
        .await?;
        for table in tables {
            // The names come from the catalogue, not from a person.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM {table}"
            )))
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }

    /// Whether the database answers and its schema is the one this build knows.
    pub async fn ready(&self) -> Result<(), String> {
        let applied = self
            .applied_schema_version()
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
        if self.backend == Backend::Postgres {
            anyhow::bail!("backup copies a SQLite database: for PostgreSQL use pg_dump (see the README)");
        }
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

/// Runs a background writer (`work`) on a thread and runtime of its own,
/// so that nothing else running, or blocked, can stall a write it has begun.
/// On PostgreSQL it gets a pool of its own, whose connections belong to its
/// runtime (a connection made on one runtime dies with it).
pub fn spawn_writer<F: Future<Output = ()>>(name: &str, db: &Db, work: impl FnOnce(Db) -> F + Send + 'static) {
    let db = db.clone();
    let started = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .and_then(|runtime| {
            std::thread::Builder::new().name(name.into()).spawn(move || {
                runtime.block_on(async move {
                    match db.with_own_connections() {
                        Ok(db) => work(db).await,
                        Err(err) => tracing::error!(error = %err, "a background writer has no database"),
                    }
                })
            })
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
    const SIZES: [usize; 6] = [1024, 256, 64, 16, 4, 1];
    std::iter::from_fn(move || {
        let size = SIZES.into_iter().find(|size| *size <= rows.len())?;
        let (chunk, rest) = rows.split_at(size);
        rows = rest;
        Some(chunk)
    })
}

/// `items` with the last one repeated up to the next power of two: a list
/// bound into a statement whose text follows its length (`IN (…)`, rows
/// joined to find their matches, `OR`ed terms) then comes in a handful of
/// lengths, each prepared and planned once per connection, rather than one
/// for every length a batch happens to have (on PostgreSQL, planning one
/// costs more than running it). Only for lists where an item repeated
/// changes nothing that is read or written.
pub fn padded<T: Clone>(items: &[T]) -> Vec<T> {
    let mut padded = items.to_vec();
    if let Some(last) = items.last() {
        padded.resize(items.len().next_power_of_two(), last.clone());
    }
    padded
}

/// A statement made piece by piece (lists of rows, `OR`ed terms), for the
/// backend `conn` talks to: its values bound as `$1`, `$2`, … on PostgreSQL
/// and as `?` on SQLite, where a statement of numbered parameters costs
/// time in proportion to their count *for each one bound* (thousands, in
/// a batch of rows). sqlx's `QueryBuilder` writes `?` for both through `Any`.
pub struct Statement {
    sql: String,
    arguments: AnyArguments,
    bound: usize,
    numbered: bool,
}

impl Statement {
    pub fn new(conn: &AnyConnection, sql: &str) -> Self {
        Statement::for_backend(Backend::of(conn), sql)
    }

    pub fn for_backend(backend: Backend, sql: &str) -> Self {
        Statement {
            sql: sql.to_owned(),
            arguments: AnyArguments::default(),
            bound: 0,
            numbered: backend == Backend::Postgres,
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind<'t, T: Encode<'t, Any> + Type<Any>>(&mut self, value: T) -> &mut Self {
        self.bound += 1;
        if self.numbered {
            self.sql.push('$');
            self.sql.push_str(&self.bound.to_string());
        } else {
            self.sql.push('?');
        }
        // Encoding into `Any` only copies the value: it cannot fail.
        let _ = self.arguments.add(value);
        self
    }

    /// Appends placeholders for `items`, comma-separated (for `IN (…)`).
    pub fn bind_list<'t, T: Encode<'t, Any> + Type<Any>>(&mut self, items: impl IntoIterator<Item = T>) -> &mut Self {
        for (index, item) in items.into_iter().enumerate() {
            if index > 0 {
                self.push(", ");
            }
            self.bind(item);
        }
        self
    }

    /// Appends `VALUES (…), (…)`, one tuple per item, its values bound by `row`.
    pub fn values<T>(
        &mut self,
        items: impl IntoIterator<Item = T>,
        mut row: impl FnMut(&mut Tuple<'_>, T),
    ) -> &mut Self {
        for (index, item) in items.into_iter().enumerate() {
            self.push(if index == 0 { "VALUES (" } else { ", (" });
            row(
                &mut Tuple {
                    statement: self,
                    first: true,
                },
                item,
            );
            self.push(")");
        }
        self
    }

    /// The statement, ready to run.
    pub fn query(self) -> sqlx::query::Query<'static, Any, AnyArguments> {
        sqlx::query_with(sqlx::AssertSqlSafe(self.sql), self.arguments)
    }

    /// The statement, its rows read as `T`.
    pub fn query_as<T: for<'r> sqlx::FromRow<'r, DbRow>>(self) -> sqlx::query::QueryAs<'static, Any, T, AnyArguments> {
        sqlx::query_as_with(sqlx::AssertSqlSafe(self.sql), self.arguments)
    }
}

/// One tuple of `Statement::values`: its values, comma-separated.
pub struct Tuple<'s> {
    statement: &'s mut Statement,
    first: bool,
}

impl Tuple<'_> {
    pub fn bind<'t, T: Encode<'t, Any> + Type<Any>>(&mut self, value: T) -> &mut Self {
        if !std::mem::take(&mut self.first) {
            self.statement.push(", ");
        }
        self.statement.bind(value);
        self
    }
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

/// Pushes `(every row, or one of `columns` contains `search`)` onto a
/// statement's `WHERE`: an empty search matches every row, and the search's
/// wildcards are taken literally (`contains_pattern`).
pub fn push_contains_any(statement: &mut Statement, search: &str, columns: &[&str]) {
    let pattern = contains_pattern(search);
    statement.push("(").bind(pattern.clone()).push(" = '%%'");
    for column in columns {
        statement
            .push(" OR lower(")
            .push(column)
            .push(") LIKE ")
            .bind(pattern.clone())
            .push(" ESCAPE '\\'");
    }
    statement.push(")");
}

/// One page of a list and how many rows the list has in all: `from` pushes
/// the list's `FROM … WHERE …` (binding its values) onto both statements,
/// `select` names the columns and `order` sorts the page.
pub async fn page_and_count(
    db: &Db,
    select: &str,
    order: &str,
    limit: i64,
    offset: i64,
    from: impl Fn(&mut Statement),
) -> sqlx::Result<(Vec<DbRow>, i64)> {
    let mut page = Statement::for_backend(db.backend(), select);
    page.push(" ");
    from(&mut page);
    page.push(" ORDER BY ")
        .push(order)
        .push(" LIMIT ")
        .bind(limit)
        .push(" OFFSET ")
        .bind(offset);
    let mut count = Statement::for_backend(db.backend(), "SELECT COUNT(*) ");
    from(&mut count);
    let rows = page.query().fetch_all(db.read()).await?;
    let total: i64 = sqlx::Row::try_get(&count.query().fetch_one(db.read()).await?, 0)?;
    Ok((rows, total))
}

/// A `LIKE … ESCAPE '\'` pattern matching text that contains `text`
/// (lower-cased: compare with `lower(column)`), its wildcards taken literally.
pub fn contains_pattern(text: &str) -> String {
    // PostgreSQL's text holds no NUL: none is searched for.
    let escaped = text
        .replace('\0', "")
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
    fn a_padded_list_repeats_its_last_item_up_to_a_power_of_two() {
        assert!(super::padded::<i64>(&[]).is_empty());
        assert_eq!(super::padded(&[7]), [7]);
        assert_eq!(super::padded(&[1, 2, 3]), [1, 2, 3, 3]);
        assert_eq!(super::padded(&[1, 2, 3, 4]), [1, 2, 3, 4]);
        assert_eq!(super::padded(&[1, 2, 3, 4, 5]), [1, 2, 3, 4, 5, 5, 5, 5]);
    }

    #[test]
    fn a_location_is_shown_without_its_password() {
        let location: super::Location = "postgres://mc:s3cret@db.internal:5432/mc".parse().unwrap();
        assert_eq!(location.to_string(), "postgres://mc:***@db.internal:5432/mc");
        assert_eq!(
            format!("{location:?}"),
            "Location(postgres://mc:***@db.internal:5432/mc)"
        );
        let plain: super::Location = "postgresql://mc@db/mc".parse().unwrap();
        assert_eq!(plain.to_string(), "postgresql://mc@db/mc");
        let file: super::Location = "./member-center.db".parse().unwrap();
        assert_eq!(file, super::Location::File("./member-center.db".into()));
    }

    #[test]
    fn contains_patterns_take_wildcards_literally() {
        assert_eq!(super::contains_pattern(" Al_%\\ "), "%al\\_\\%\\\\%");
    }

    #[tokio::test]
    async fn a_periodic_job_runs_once_per_period_across_instances() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.db");
        // Two instances on one database.
        let (a, b) = (
            super::open(&path.clone().into()).await.unwrap(),
            super::open(&path.clone().into()).await.unwrap(),
        );
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
        let a = super::open(&dir.path().join("a.db").into()).await.unwrap();
        let b = super::open(&dir.path().join("b.db").into()).await.unwrap();
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
