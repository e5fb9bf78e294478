//! `member-center project …` and `member …`: projects and their members.

use clap::Subcommand;

use super::explain;
use crate::{db, operator::service};

#[derive(Subcommand)]
pub(super) enum ProjectCommand {
    /// Create a project.
    Add {
        /// Project code, e.g. MST110001.
        code: String,
        #[arg(long)]
        name: String,
        /// First day (YYYY-MM-DD, default today).
        #[arg(long)]
        starts: Option<String>,
        /// Last day (YYYY-MM-DD, default a year from today).
        #[arg(long)]
        ends: Option<String>,
    },
}

#[derive(Subcommand)]
pub(super) enum MemberCommand {
    /// Add an account to a project.
    Add {
        #[arg(long)]
        project: String,
        username: String,
        /// tenant_admin or tenant_user.
        #[arg(long)]
        role: String,
    },
}

/// Runs a `project` command.
pub(super) async fn run(location: &db::Location, command: ProjectCommand) -> anyhow::Result<()> {
    let db = db::open(location).await?;
    match command {
        ProjectCommand::Add {
            code,
            name,
            starts,
            ends,
        } => {
            service::create_project(&db, None, &code, &name, starts.as_deref(), ends.as_deref())
                .await
                .map_err(explain)?;
            println!("Created project {}.", code.trim().to_ascii_uppercase());
        }
    }
    Ok(())
}

/// Runs a `member` command.
pub(super) async fn run_member(location: &db::Location, command: MemberCommand) -> anyhow::Result<()> {
    let db = db::open(location).await?;
    match command {
        MemberCommand::Add {
            project,
            username,
            role,
        } => {
            service::add_member(&db, None, &project, &username, &role)
                .await
                .map_err(explain)?;
            println!("Added {username} to {project} as {role}.");
        }
    }
    Ok(())
}
