//! The operator's command-line tasks: thin wrappers over the operator
//! console's actions (`operator::actions`), with errors as terminal lines.

use std::io::BufRead;

use crate::{
    accounts::{self, Username, check_new_password},
    db::Db,
    error::AppError,
    operator::actions,
    projects, token,
    web::i18n::Lang,
};

/// Turns an `AppError` into a line for the terminal, naming the field.
fn explain(err: AppError) -> anyhow::Error {
    match err {
        AppError::Internal(cause) => cause,
        AppError::Invalid { field, message } => anyhow::anyhow!("{field}: {}", message.in_lang(Lang::En)),
        other => anyhow::anyhow!("{}", other.message().in_lang(Lang::En)),
    }
}

pub struct AddUser {
    pub username: String,
    pub email: String,
    pub name: Option<String>,
    pub role: Option<String>,
    /// Read the password from standard input instead of generating one.
    pub password_stdin: bool,
}

/// Creates an account. Returns the generated one-time password, if one was made.
pub async fn add_user(db: &Db, args: AddUser) -> anyhow::Result<Option<String>> {
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
    actions::create_account(
        db,
        actions::Actor::CommandLine,
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

/// Creates a project running from `starts` to `ends` (today and a year on by default).
pub async fn add_project(
    db: &Db,
    code: &str,
    name: &str,
    starts: Option<&str>,
    ends: Option<&str>,
) -> anyhow::Result<()> {
    actions::create_project(db, None, code, name, starts, ends)
        .await
        .map_err(explain)?;
    Ok(())
}

/// Adds an existing account to an existing project.
pub async fn add_member(db: &Db, project: &str, username: &str, role: &str) -> anyhow::Result<()> {
    actions::add_member(db, None, project, username, role)
        .await
        .map_err(explain)
}

/// Creates an API key for a member and returns its secret (shown once).
pub async fn create_key(
    db: &Db,
    project: &str,
    username: &str,
    days: i64,
    name: Option<&str>,
) -> anyhow::Result<crate::api_keys::CreatedKey> {
    let project = projects::store::by_code(db, &project.trim().to_ascii_uppercase())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no project {project:?}"))?;
    let account = accounts::store::by_username(db, &username.trim().to_ascii_lowercase())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account {username:?}"))?;
    projects::store::tenant(db, account.id, project.id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("{username} is not a member of {}", project.code))?;
    let name = crate::api_keys::KeyName::parse(name.unwrap_or("")).map_err(explain)?;
    let days = crate::api_keys::parse_days(&days.to_string(), "days", 365).map_err(explain)?;
    crate::api_keys::create(db, account.id, project.id, &name, days, i64::MAX)
        .await
        .map_err(explain)
}

/// Sets a project's quotas for one service; `None` leaves a resource as it is.
pub async fn set_project_quota(
    db: &Db,
    project: &str,
    service: &str,
    values: &[(&str, Option<&str>)],
) -> anyhow::Result<()> {
    actions::set_project_quota(db, None, project, service, values)
        .await
        .map_err(explain)
}

/// Issues a one-time password reset link; returns its path (`/reset/…`).
pub async fn reset_link(db: &Db, username: &str) -> anyhow::Result<String> {
    let account = accounts::store::by_username(db, &username.trim().to_ascii_lowercase())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account {username:?}"))?;
    accounts::issue_reset_link(db, account.id, None, "issued from the command line")
        .await
        .map_err(explain)
}

/// Sets an account's platform role (`none`, `support` or `operator`): the
/// only way to make or unmake an operator.
pub async fn set_role(db: &Db, username: &str, role: &str) -> anyhow::Result<()> {
    actions::set_platform_role(db, actions::Actor::CommandLine, username, role)
        .await
        .map_err(explain)
}

/// Sets which services new members may use; `None` means all.
pub async fn set_default_services(db: &Db, services: Option<&[String]>) -> anyhow::Result<()> {
    if let Some(list) = services {
        let known = crate::permissions::service::services(db).await?;
        for service in list {
            if !known.contains(service) {
                anyhow::bail!("unknown service {service:?}: use {}", known.join(", "));
            }
        }
    }
    crate::permissions::store::set_default_services(db, services).await?;
    Ok(())
}

/// Records an order (a quotation) for a project.
pub async fn add_order(db: &Db, project: &str, number: &str, amount: &str, note: &str) -> anyhow::Result<()> {
    actions::add_order(db, None, project, number, amount, note)
        .await
        .map_err(explain)
}

/// Moves an order on: `paid`, `credited` or `cancelled`.
pub async fn advance_order(db: &Db, number: &str, to: &str) -> anyhow::Result<()> {
    actions::advance_order(db, None, number, to)
        .await
        .map_err(|err| match err {
            AppError::NotFound => anyhow::anyhow!("no order {number:?}"),
            other => explain(other),
        })
}
