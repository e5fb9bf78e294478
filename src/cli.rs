//! The operator's command-line tasks. They share their checks with the web
//! console: every value is parsed by the same types.

use std::io::BufRead;

use crate::{
    accounts::{self, DisplayName, Email, PlatformRole, Username, check_new_password},
    auth::{password, token},
    db::Db,
    error::AppError,
    projects::{self, ProjectCode, ProjectName, TenantRole},
    web::i18n::Lang,
};

/// Turns an `AppError` into a line for the terminal.
fn explain(err: AppError) -> anyhow::Error {
    match err {
        AppError::Internal(cause) => cause,
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
    let username = Username::parse(&args.username).map_err(explain)?;
    let email = Email::parse(&args.email).map_err(explain)?;
    let display_name = DisplayName::parse(args.name.as_deref().unwrap_or(username.as_str())).map_err(explain)?;
    let platform_role = match args.role.as_deref() {
        None => PlatformRole::None,
        Some(role @ ("operator" | "support")) => PlatformRole::parse(role).unwrap_or(PlatformRole::None),
        Some(other) => anyhow::bail!("unknown role {other:?}: use operator or support"),
    };
    let (secret, generated) = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let secret = line.trim_end_matches(['\r', '\n']).to_string();
        check_new_password(&secret, username.as_str()).map_err(explain)?;
        (secret, false)
    } else {
        (token::random_hex(12), true)
    };
    let password_hash = password::hash_blocking(&secret)?;
    accounts::store::insert(
        db,
        accounts::store::NewAccount {
            username: &username,
            display_name: &display_name,
            email: &email,
            password_hash: &password_hash,
            platform_role,
        },
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
    let code = ProjectCode::parse(code).map_err(explain)?;
    let name = ProjectName::parse(name).map_err(explain)?;
    let today = time::OffsetDateTime::now_utc().date();
    let parse_date = |value: Option<&str>, default: time::Date| -> anyhow::Result<time::Date> {
        match value {
            None => Ok(default),
            Some(text) => time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
                .map_err(|_| anyhow::anyhow!("{text:?} is not a date like 2026-12-31")),
        }
    };
    let starts_on = parse_date(starts, today)?;
    let ends_on = parse_date(ends, today.saturating_add(time::Duration::days(365)))?;
    if ends_on < starts_on {
        anyhow::bail!("the project cannot end before it starts");
    }
    projects::store::insert(db, &code, &name, starts_on, ends_on).await.map_err(explain)?;
    Ok(())
}

/// Adds an existing account to an existing project.
pub async fn add_member(db: &Db, project: &str, username: &str, role: &str) -> anyhow::Result<()> {
    let role = TenantRole::parse(role)
        .ok_or_else(|| anyhow::anyhow!("unknown role {role:?}: use tenant_admin or tenant_user"))?;
    let project = projects::store::by_code(db, &project.trim().to_ascii_uppercase())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no project {project:?}"))?;
    let account = accounts::store::by_username(db, &username.trim().to_ascii_lowercase())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account {username:?}"))?;
    projects::store::add_member(db, project.id, account.id, role).await.map_err(explain)?;
    Ok(())
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
    crate::api_keys::create(db, account.id, project.id, &name, days, i64::MAX).await.map_err(explain)
}

/// Sets a project's quotas for one service; `None` leaves a resource as it is.
pub async fn set_project_quota(
    db: &Db,
    project: &str,
    service: &str,
    values: &[(&str, Option<&str>)],
) -> anyhow::Result<()> {
    use crate::quotas::{QuotaLimit, QuotaService, Resource};
    let project = projects::store::by_code(db, &project.trim().to_ascii_uppercase())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no project {project:?}"))?;
    let service = QuotaService::parse(service).ok_or_else(|| anyhow::anyhow!("unknown service {service:?}: use ccs or vcs"))?;
    let mut limits = Vec::new();
    for (resource, raw) in values {
        let Some(raw) = raw else { continue };
        let resource = Resource::parse(resource)
            .filter(|r| service.resources().contains(r))
            .ok_or_else(|| anyhow::anyhow!("{} has no {resource}", service.code()))?;
        let limit = QuotaLimit::parse(raw, resource.code())
            .map_err(|e| anyhow::anyhow!("{}: {}", resource.code(), e.message().in_lang(Lang::En)))?;
        limits.push((resource, limit));
    }
    if limits.is_empty() {
        anyhow::bail!("give at least one of --cpu, --gpu, --memory, --floating-ip");
    }
    crate::quotas::store::set_project_quotas(db, None, project.id, service, &limits).await?;
    Ok(())
}

/// Issues a one-time password reset link; returns its path (`/reset/…`).
pub async fn reset_link(db: &Db, username: &str) -> anyhow::Result<String> {
    let account = accounts::store::by_username(db, &username.trim().to_ascii_lowercase())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no account {username:?}"))?;
    accounts::issue_reset_link(db, account.id, None, "issued from the command line").await.map_err(explain)
}

/// Sets which services new members may use; `None` means all.
pub async fn set_default_services(db: &Db, services: Option<&[String]>) -> anyhow::Result<()> {
    if let Some(list) = services {
        let known = projects::store::services(db).await?;
        for service in list {
            if !known.contains(service) {
                anyhow::bail!("unknown service {service:?}: use {}", known.join(", "));
            }
        }
    }
    projects::store::set_default_services(db, services).await?;
    Ok(())
}

/// Records an order (a quotation) for a project.
pub async fn add_order(db: &Db, project: &str, number: &str, amount: &str, note: &str) -> anyhow::Result<()> {
    let project = projects::store::by_code(db, &project.trim().to_ascii_uppercase())
        .await?
        .ok_or_else(|| anyhow::anyhow!("no project {project:?}"))?;
    let number = crate::wallets::parse_order_number(number).map_err(explain)?;
    let amount = crate::wallets::Credits::parse(amount, "amount").map_err(explain)?;
    if amount.0 == 0 {
        anyhow::bail!("an order needs an amount above zero");
    }
    crate::wallets::store::add_order(db, None, project.id, &number, amount, note.trim()).await.map_err(explain)
}

/// Moves an order on: `paid`, `credited` or `cancelled`.
pub async fn advance_order(db: &Db, number: &str, to: &str) -> anyhow::Result<()> {
    crate::wallets::store::advance_order(db, None, number.trim(), to).await.map_err(|err| match err {
        AppError::NotFound => anyhow::anyhow!("no order {number:?}"),
        other => explain(other),
    })
}
