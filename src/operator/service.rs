//! What an operator can do, shared by the web console and the command line
//! (and by the demo data and the tests):
//! the same parsing, the same checks, the same activity records. Every
//! refusal is an `AppError` naming the field at fault.

use crate::auth::identity::{AccountId, ProjectId};
use crate::{
    accounts::{self, DisplayName, Email, PlatformRole, Username, service::NewAccount},
    activity::{self, Change, ChangeKind},
    db::Db,
    error::AppError,
    projects::{self, ProjectCode, ProjectName, TenantRole, service::Project},
    quotas::{QuotaLimit, QuotaService, Resource},
    wallets::{self, Credits, OrderStep},
    {auth::password, token},
};

/// Who acts on an account: a person in the console (held to the
/// platform-role rule, `PlatformRole::may_act_on`) or the command line,
/// from which operators themselves are managed.
#[derive(Debug, Clone, Copy)]
pub enum Actor {
    CommandLine,
    Person { id: AccountId, role: PlatformRole },
}

impl Actor {
    pub fn id(self) -> Option<AccountId> {
        match self {
            Actor::CommandLine => None,
            Actor::Person { id, .. } => Some(id),
        }
    }

    /// Whether this actor may touch (or hand out) `target`'s platform role.
    fn may_act_on(self, target: PlatformRole) -> Result<(), AppError> {
        match self {
            Actor::CommandLine => Ok(()),
            Actor::Person { role, .. } => role.may_act_on(target),
        }
    }
}

pub async fn project(db: &Db, code: &str) -> Result<Project, AppError> {
    projects::service::by_code(db, &code.trim().to_ascii_uppercase())
        .await?
        .ok_or_else(|| AppError::invalid("project", "project-unknown"))
}

pub async fn account(db: &Db, username: &str) -> Result<accounts::Account, AppError> {
    accounts::service::by_username(db, &username.trim().to_ascii_lowercase())
        .await?
        .ok_or_else(|| AppError::invalid("username", "account-unknown"))
}

fn platform_role(raw: Option<&str>) -> Result<PlatformRole, AppError> {
    match raw.map(str::trim) {
        None | Some("") | Some("none") => Ok(PlatformRole::None),
        Some(role @ ("operator" | "support")) => Ok(PlatformRole::parse(role).unwrap_or(PlatformRole::None)),
        Some(_) => Err(AppError::invalid("role", "platform-role-invalid")),
    }
}

/// Creates an account with the given password (hashed here).
pub async fn create_account(
    db: &Db,
    actor: Actor,
    username: &str,
    email: &str,
    name: Option<&str>,
    role: Option<&str>,
    secret: &str,
) -> Result<AccountId, AppError> {
    let username = Username::parse(username)?;
    let email = Email::parse(email)?;
    let name = match name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => DisplayName::parse(name)?,
        None => DisplayName::parse(username.as_str())?,
    };
    let platform_role = platform_role(role)?;
    actor.may_act_on(platform_role)?;
    let password_hash = password::hash(secret.to_string()).await?;
    let new = NewAccount {
        username: &username,
        display_name: &name,
        email: &email,
        password_hash: &password_hash,
        platform_role,
    };
    let id = accounts::service::create(db, new).await?;
    let change = Change {
        actor_id: actor.id(),
        project_id: None,
        subject_id: Some(id),
        action: ChangeKind::AccountCreate,
        target: username.as_str(),
        before: "",
        after: platform_role.as_str(),
    };
    activity::service::record(db, change).await?;
    Ok(id)
}

/// Creates an account whose first password is set through a one-time reset
/// link; returns the account and the link's path.
pub async fn create_account_with_link(
    db: &Db,
    actor: Actor,
    username: &str,
    email: &str,
    name: Option<&str>,
    role: Option<&str>,
) -> Result<(AccountId, String), AppError> {
    // A password nobody knows until the link is used.
    let id = create_account(db, actor, username, email, name, role, &token::random_hex(32)).await?;
    let link = accounts::issue_reset_link(db, id, actor.id(), "first password of a new account").await?;
    Ok((id, link))
}

/// Sets an account's platform role. In the console both the account's
/// current role and the new one must be below the operator's own.
pub async fn set_platform_role(db: &Db, actor: Actor, username: &str, role: &str) -> Result<(), AppError> {
    let account = account(db, username).await?;
    let role = platform_role(Some(role))?;
    actor.may_act_on(account.platform_role)?;
    actor.may_act_on(role)?;
    accounts::service::set_platform_role(db, account.id, role).await?;
    let change = Change {
        actor_id: actor.id(),
        project_id: None,
        subject_id: Some(account.id),
        action: ChangeKind::AccountRole,
        target: &account.username,
        before: account.platform_role.as_str(),
        after: role.as_str(),
    };
    activity::service::record(db, change).await?;
    Ok(())
}

/// A date typed as YYYY-MM-DD, or the default.
fn date(raw: Option<&str>, field: &'static str, default: time::Date) -> Result<time::Date, AppError> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(default),
        Some(text) => time::Date::parse(text, time::macros::format_description!("[year]-[month]-[day]"))
            .map_err(|_| AppError::invalid(field, "date-invalid")),
    }
}

/// Creates a project running from `starts` to `ends` (today and a year on by default).
pub async fn create_project(
    db: &Db,
    actor: Option<AccountId>,
    code: &str,
    name: &str,
    starts: Option<&str>,
    ends: Option<&str>,
) -> Result<ProjectId, AppError> {
    let code = ProjectCode::parse(code)?;
    let name = ProjectName::parse(name)?;
    let today = time::OffsetDateTime::now_utc().date();
    let starts_on = date(starts, "starts", today)?;
    let ends_on = date(ends, "ends", today.saturating_add(time::Duration::days(365)))?;
    if ends_on < starts_on {
        return Err(AppError::invalid("ends", "date-range-invalid"));
    }
    let crate::db::Unique::Done(id) = projects::service::insert(db, &code, &name, starts_on, ends_on).await? else {
        return Err(AppError::Conflict(crate::web::i18n::Msg::new("project-exists")));
    };
    let change = Change {
        actor_id: actor,
        project_id: Some(id),
        subject_id: None,
        action: ChangeKind::ProjectCreate,
        target: code.as_str(),
        before: "",
        after: name.as_str(),
    };
    activity::service::record(db, change).await?;
    Ok(id)
}

pub async fn add_member(
    db: &Db,
    actor: Option<AccountId>,
    project_code: &str,
    username: &str,
    role: &str,
) -> Result<(), AppError> {
    let role = TenantRole::parse(role.trim()).ok_or_else(|| AppError::invalid("role", "member-role-invalid"))?;
    let project = project(db, project_code).await?;
    let account = account(db, username).await?;
    crate::members::service::add(db, actor, project.id, account.id, &account.username, role).await?;
    Ok(())
}

/// Sets a project's quotas for one service; `None` leaves a resource as it is.
pub async fn set_project_quota(
    db: &Db,
    actor: Option<AccountId>,
    project_code: &str,
    service: &str,
    values: &[(&str, Option<&str>)],
) -> Result<(), AppError> {
    let project = project(db, project_code).await?;
    let service =
        QuotaService::parse(service.trim()).ok_or_else(|| AppError::invalid("service", "quota-unknown-service"))?;
    let mut limits = Vec::new();
    for (resource, raw) in values {
        let Some(raw) = raw else { continue };
        let resource = Resource::parse(resource)
            .filter(|r| service.resources().contains(r))
            .ok_or_else(|| {
                AppError::invalid_at(resource.to_string(), crate::web::i18n::Msg::new("api-resource-unknown"))
            })?;
        limits.push((resource, QuotaLimit::parse(raw, resource.code())?));
    }
    if limits.is_empty() {
        return Err(AppError::invalid("cpu", "quota-none-given"));
    }
    crate::quotas::service::set_project_quotas(db, actor, project.id, service, &limits).await?;
    Ok(())
}

pub async fn add_order(
    db: &Db,
    actor: Option<AccountId>,
    project_code: &str,
    number: &str,
    amount: &str,
    note: &str,
) -> Result<(), AppError> {
    let project = project(db, project_code).await?;
    let number = wallets::parse_order_number(number)?;
    let amount = Credits::parse(amount, "amount")?;
    if amount.0 == 0 {
        return Err(AppError::invalid("amount", "credits-invalid"));
    }
    let note: String = note.trim().chars().take(200).collect();
    Ok(wallets::service::add_order(db, actor, project.id, &number, amount, &note).await?)
}

/// Moves an order on: `paid`, `credited` or `cancelled`.
pub async fn advance_order(db: &Db, actor: Option<AccountId>, number: &str, to: &str) -> Result<(), AppError> {
    let step = OrderStep::parse(to).ok_or_else(|| AppError::invalid("status", "order-step-unknown"))?;
    Ok(wallets::service::advance_order(db, actor, number.trim(), step).await?)
}

/// Creates an API key for a member of a project (for the operator's command
/// line); the secret is in what it returns, once.
pub async fn create_key(
    db: &Db,
    project_code: &str,
    username: &str,
    days: i64,
    name: Option<&str>,
) -> Result<crate::api_keys::CreatedKey, AppError> {
    let project = project(db, project_code).await?;
    let account = account(db, username).await?;
    crate::members::service::member(db, project.id, account.id)
        .await?
        .ok_or_else(|| {
            AppError::invalid_at(
                "username".to_string(),
                crate::web::i18n::Msg::new("member-not-in-project")
                    .arg("username", &account.username)
                    .arg("project", &project.code),
            )
        })?;
    let name = crate::api_keys::KeyName::parse(name.unwrap_or(""))?;
    let days = crate::api_keys::parse_days(&days.to_string(), "days", 365)?;
    let scope = crate::api_keys::KeyScope::default();
    crate::api_keys::create(db, account.id, project.id, &name, days, &scope, i64::MAX).await
}

/// Issues a one-time password reset link from the command line; its path
/// (`/reset/…`).
pub async fn reset_link(db: &Db, username: &str) -> Result<String, AppError> {
    let account = account(db, username).await?;
    accounts::issue_reset_link(db, account.id, None, "issued from the command line").await
}
