//! The `member-center` command line: its grammar (clap) and what each
//! command does. Operator tasks call the same service functions as the web
//! console (`operator::service`), so the checks and the activity records are
//! the same; errors become lines naming the field. The top-level grammar
//! and its dispatch are here; each group of commands is in a file of its
//! own, as the capabilities are (`serve.rs`, `accounts.rs` for `user`,
//! `projects.rs` for `project` and `member`, `quotas.rs` for `quota` and
//! `quota-request`, `wallets.rs` for `order`, `api_keys.rs` for `key`,
//! `data.rs` for `seed`, `migrate`, `copy` and `backup`, `slurm.rs` for
//! `slurm`). `config_file.rs` reads `--config FILE` into the command line.

mod accounts;
mod api_keys;
pub mod config_file;
mod data;
mod projects;
mod quotas;
mod serve;
mod slurm;
mod wallets;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::{config, db, error::AppError, web::i18n::Lang};

#[derive(Parser)]
#[command(
    name = "member-center",
    version,
    about = "Accounts, projects, API keys and quotas for a compute cloud"
)]
pub struct Cli {
    /// The database: a SQLite file (created and migrated if missing) or a
    /// PostgreSQL server, postgres://USER:PASSWORD@HOST/DATABASE.
    #[arg(long, global = true, env = "MC_DB", default_value = config::DEFAULT_DB)]
    db: db::Location,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the portal.
    Serve(Box<serve::ServeArgs>),
    /// Check the settings of `serve` (a configuration file, flags, environment).
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Manage accounts.
    User {
        #[command(subcommand)]
        command: accounts::UserCommand,
    },
    /// Manage projects.
    Project {
        #[command(subcommand)]
        command: projects::ProjectCommand,
    },
    /// Manage project members.
    Member {
        #[command(subcommand)]
        command: projects::MemberCommand,
    },
    /// Manage project quotas.
    Quota {
        #[command(subcommand)]
        command: quotas::QuotaCommand,
    },
    /// List and decide quota requests (project quota and renewals are the operators' to decide).
    QuotaRequest {
        #[command(subcommand)]
        command: quotas::QuotaRequestCommand,
    },
    /// Record and advance credit orders.
    Order {
        #[command(subcommand)]
        command: wallets::OrderCommand,
    },
    /// Fill an empty database with benchmark data.
    Seed(data::SeedArgs),
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        command: api_keys::KeyCommand,
    },
    /// Keep the Slurm cluster in step: plan, sync, status, cluster user names.
    Slurm {
        #[command(subcommand)]
        command: slurm::SlurmCommand,
    },
    /// Set and list the prices the portal bills (HPC jobs).
    Rate {
        #[command(subcommand)]
        command: slurm::RateCommand,
    },
    /// Apply the schema migrations this build knows (for rolling upgrades:
    /// migrate, then start the new build); applying them again does nothing.
    Migrate,
    /// Move an install from its SQLite file to an empty PostgreSQL database
    /// (stop the portal first), checking row counts and wallet balances.
    Copy {
        /// The SQLite file to copy.
        #[arg(long)]
        from: PathBuf,
        /// The PostgreSQL database, postgres://USER:PASSWORD@HOST/DATABASE (migrated first).
        #[arg(long)]
        to: db::Location,
    },
    /// Copy the database, while it is in use, to a new file.
    Backup {
        /// The file to write (must not exist).
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Subcommand)]
enum ConfigCommand {
    /// Print the settings `serve` would run with (secrets masked) and check
    /// that they can work: files readable, the database reachable. Exits
    /// non-zero when they cannot.
    Check(Box<serve::ServeArgs>),
}

/// Runs the command the line (and its configuration file) asked for.
pub async fn run(parsed: config_file::Parsed) -> anyhow::Result<()> {
    let config_file::Parsed {
        cli,
        matches,
        from_file,
    } = parsed;
    let location = &cli.db;
    match cli.command {
        Command::Serve(args) => args.run(cli.db.clone()).await,
        Command::Config {
            command: ConfigCommand::Check(args),
        } => {
            let check = matches
                .subcommand_matches("config")
                .and_then(|config| config.subcommand_matches("check"))
                .ok_or_else(|| anyhow::anyhow!("config check was not read"))?;
            args.check(cli.db.clone(), check, &from_file).await
        }
        Command::User { command } => accounts::run(location, command).await,
        Command::Project { command } => projects::run(location, command).await,
        Command::Member { command } => projects::run_member(location, command).await,
        Command::Quota { command } => quotas::run(location, command).await,
        Command::QuotaRequest { command } => quotas::run_request(&db::open(location).await?, command).await,
        Command::Order { command } => wallets::run(location, command).await,
        Command::Key { command } => api_keys::run(location, command).await,
        Command::Seed(args) => data::seed(location, args).await,
        Command::Slurm { command } => slurm::run(location, command).await,
        Command::Rate { command } => slurm::run_rate(location, command).await,
        Command::Migrate => data::migrate(location).await,
        Command::Copy { from, to } => data::copy(from, to).await,
        Command::Backup { to } => data::backup(location, to).await,
    }
}

/// Turns an `AppError` into a line for the terminal, naming the field.
fn explain(err: AppError) -> anyhow::Error {
    match err {
        AppError::Internal(cause) => cause,
        AppError::Invalid { field, message } => anyhow::anyhow!("{field}: {}", message.in_lang(Lang::En)),
        other => anyhow::anyhow!("{}", other.message().in_lang(Lang::En)),
    }
}
