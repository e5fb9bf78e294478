//! `member-center user …`: accounts, their reset links and platform roles.

use std::io::BufRead;

use clap::Subcommand;

use super::explain;
use crate::{
    accounts::{Username, check_new_password},
    db::{self, Db},
    operator::service::{self, Actor},
    token,
};

#[derive(Subcommand)]
pub(super) enum UserCommand {
    /// Create an account; prints a one-time password unless --password-stdin.
    Add {
        username: String,
        #[arg(long)]
        email: String,
        /// Display name (defaults to the username).
        #[arg(long)]
        name: Option<String>,
        /// Platform role: operator or support.
        #[arg(long)]
        role: Option<String>,
        /// Read the password (one line) from standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Print a one-time password reset link (valid 24 hours).
    ResetLink {
        username: String,
        /// The portal's address as its users reach it, e.g. https://portal.example.org.
        #[arg(long, env = "MC_PUBLIC_URL")]
        public_url: String,
    },
    /// Set an account's platform role: none, support or operator. Operators
    /// are made and unmade only here, never in the web console.
    SetRole { username: String, role: String },
}

/// Runs a `user` command.
pub(super) async fn run(location: &db::Location, command: UserCommand) -> anyhow::Result<()> {
    let db = db::open(location).await?;
    match command {
        UserCommand::Add {
            username,
            email,
            name,
            role,
            password_stdin,
        } => {
            let args = AddUser {
                username: username.clone(),
                email,
                name,
                role,
                password_stdin,
            };
            match add_user(&db, args).await? {
                Some(password) => println!("Created {username}. One-time password: {password}"),
                None => println!("Created {username}."),
            }
        }
        UserCommand::ResetLink { username, public_url } => {
            let path = service::reset_link(&db, &username).await.map_err(explain)?;
            println!("{}{path}", public_url.trim_end_matches('/'));
        }
        UserCommand::SetRole { username, role } => {
            service::set_platform_role(&db, Actor::CommandLine, &username, &role)
                .await
                .map_err(explain)?;
            println!("{username} is now {role}.");
        }
    }
    Ok(())
}

struct AddUser {
    username: String,
    email: String,
    name: Option<String>,
    role: Option<String>,
    /// Read the password from standard input instead of generating one.
    password_stdin: bool,
}

/// Creates an account. Returns the generated one-time password, if one was made.
async fn add_user(db: &Db, args: AddUser) -> anyhow::Result<Option<String>> {
    let (secret, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let secret = line.trim_end_matches(['\r', '\n']).to_string();
        let username = Username::parse(&args.username).map_err(explain)?;
        check_new_password(&secret, username.as_str()).map_err(explain)?;
        (secret, false)
    } else {
        (token::random_hex(12), true)
    };
    service::create_account(
        db,
        Actor::CommandLine,
        &args.username,
        &args.email,
        args.name.as_deref(),
        args.role.as_deref(),
        &secret,
    )
    .await
    .map_err(explain)?;
    Ok(generated.then_some(secret))
}
