//! `member-center key …`: API keys made for members.

use clap::Subcommand;

use super::explain;
use crate::{db, operator::service};

#[derive(Subcommand)]
pub(super) enum KeyCommand {
    /// Create an API key for a member; prints the secret once.
    Create {
        #[arg(long)]
        project: String,
        #[arg(long)]
        user: String,
        /// Days of validity (1-365).
        #[arg(long, default_value_t = 30)]
        days: i64,
        #[arg(long)]
        name: Option<String>,
    },
}

/// Runs a `key` command.
pub(super) async fn run(location: &db::Location, command: KeyCommand) -> anyhow::Result<()> {
    let db = db::open(location).await?;
    match command {
        KeyCommand::Create {
            project,
            user,
            days,
            name,
        } => {
            let created = service::create_key(&db, &project, &user, days, name.as_deref())
                .await
                .map_err(explain)?;
            eprintln!(
                "Created key {} for {user} in {project}. The secret is shown only now:",
                created.key_id
            );
            println!("{}", created.secret);
        }
    }
    Ok(())
}
