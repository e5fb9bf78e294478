//! The commands about the database itself: `seed` (benchmark data),
//! `migrate`, `copy` (SQLite to PostgreSQL) and `backup`.

use std::path::PathBuf;

use crate::db;

/// How much benchmark data `seed` makes.
#[derive(clap::Args)]
pub(super) struct SeedArgs {
    #[arg(long, default_value_t = 100_000)]
    pub(super) accounts: usize,
    #[arg(long, default_value_t = 10_000)]
    pub(super) projects: usize,
    #[arg(long, default_value_t = 1_000_000)]
    pub(super) keys: usize,
    #[arg(long, default_value_t = 500)]
    pub(super) members_per_project: usize,
    /// Keys given API use: hourly sums for the last 31 days, daily ones for --usage-days.
    #[arg(long, default_value_t = 0)]
    pub(super) usage_keys: usize,
    /// Days of API use the usage keys get.
    #[arg(long, default_value_t = 400)]
    pub(super) usage_days: i64,
    /// API calls in detail over the last 7 days, spread over the usage keys.
    #[arg(long, default_value_t = 0)]
    pub(super) raw_calls: usize,
}

/// Fills an empty database with benchmark data; prints what to sign in
/// and call with.
pub(super) async fn seed(location: &db::Location, args: SeedArgs) -> anyhow::Result<()> {
    let SeedArgs {
        accounts,
        projects,
        keys,
        members_per_project,
        usage_keys,
        usage_days,
        raw_calls,
    } = args;
    let db = db::open_for_bulk_load(location).await?;
    let plan = crate::seed::SeedPlan {
        accounts,
        projects,
        keys,
        members_per_project,
        usage_keys: usage_keys.min(keys),
        usage_days,
        raw_calls,
    };
    let seeded = crate::seed::seed(&db, &plan).await?;
    eprintln!(
        "Seeded {} rows in {:.1} s ({:.0} rows/s).",
        seeded.rows,
        seeded.seconds,
        seeded.rows as f64 / seeded.seconds
    );
    // For scripts: what to sign in with and which key to call with.
    println!("password={}", crate::seed::PASSWORD);
    println!("admin_user={}", crate::seed::username(1));
    println!("keys_user={}", crate::seed::username(2));
    println!("project={}", crate::seed::project_code(1));
    println!("whoami_key={}", seeded.whoami_key);
    Ok(())
}

/// Applies the migrations this build knows.
pub(super) async fn migrate(location: &db::Location) -> anyhow::Result<()> {
    let before = {
        let db = db::open_without_migrating(location).await?;
        db.applied_schema_version().await?
    };
    db::open(location).await?;
    let known = db::known_schema_version();
    if before == known {
        println!("The schema is current (version {known}): nothing to apply.");
    } else {
        println!("Migrated the schema from version {before} to {known}.");
    }
    Ok(())
}

/// Moves an install from its SQLite file to PostgreSQL, and checks it.
pub(super) async fn copy(from: PathBuf, to: db::Location) -> anyhow::Result<()> {
    anyhow::ensure!(from.exists(), "{} does not exist", from.display());
    let source = db::open(&db::Location::File(from.clone())).await?;
    let target = db::open(&to).await?;
    let copied = db::copy::copy(&source, &target).await?;
    println!(
        "Copied {} rows of {} tables from {} to {to}; verified: every table's row count and \
             the balances of {} wallets ({} credits in all).",
        copied.rows,
        copied.tables,
        from.display(),
        copied.wallets,
        crate::wallets::CreditSum(copied.balance_total),
    );
    Ok(())
}

/// Copies the database, while it is in use, to a new file.
pub(super) async fn backup(location: &db::Location, to: PathBuf) -> anyhow::Result<()> {
    let db = db::open(location).await?;
    db.backup(&to).await?;
    println!("Backed up {} to {}.", location, to.display());
    Ok(())
}
