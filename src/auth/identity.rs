//! Who someone is: an account with its platform role, and its tenancies
//! (memberships of projects, with their role). These are the types and row
//! mappings every capability shares; `auth` reads them for each request,
//! `accounts` and `projects` manage them.

use crate::db::{Connection, DbRow, Statement};
use sqlx::Row;

use crate::web::i18n::Lang;

pub use crate::ids::{AccountId, ProjectId};
pub use crate::roles::PlatformRole;

/// Keys expiring within this many days are flagged (the banner, the key list).
pub const KEY_WARNING_DAYS: i64 = 7;

#[derive(Debug, Clone)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub phone: String,
    pub locked: bool,
    pub platform_role: PlatformRole,
    pub language: Lang,
    pub time_zone: String,
    pub session_epoch: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TenantRole {
    Admin,
    User,
}

impl TenantRole {
    pub fn as_str(self) -> &'static str {
        match self {
            TenantRole::Admin => "tenant_admin",
            TenantRole::User => "tenant_user",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "tenant_admin" => Some(TenantRole::Admin),
            "tenant_user" => Some(TenantRole::User),
            _ => None,
        }
    }

    /// The message key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            TenantRole::Admin => "role-tenant-admin",
            TenantRole::User => "role-tenant-user",
        }
    }
}

/// The signed-in account's membership in one project.
#[derive(Debug, Clone)]
pub struct Tenant {
    pub membership_id: i64,
    pub project_id: ProjectId,
    pub code: String,
    pub name: String,
    pub role: TenantRole,
    pub status: String,
    pub starts_on: String,
    pub ends_on: String,
}

impl Tenant {
    pub fn is_admin(&self) -> bool {
        self.role == TenantRole::Admin
    }

    /// The message key of the project's status.
    pub fn status_key(&self) -> &'static str {
        project_status_key(&self.status)
    }
}

/// The message key of a project's status (`active`, `suspended`, `closed`).
pub fn project_status_key(status: &str) -> &'static str {
    match status {
        "active" => "project-status-active",
        "suspended" => "project-status-suspended",
        _ => "project-status-closed",
    }
}

/// `SELECT <every account column> FROM accounts <rest>`, as one static string.
macro_rules! select_accounts {
    ($rest:literal) => {
        concat!(
            "SELECT id, username, display_name, email, phone, status, platform_role, language, ",
            "time_zone, session_epoch, password_hash FROM accounts ",
            $rest
        )
    };
}

/// An account from a row of `select_accounts!`.
pub fn account_from(row: &DbRow) -> Account {
    Account {
        id: row.get("id"),
        username: row.get("username"),
        display_name: row.get("display_name"),
        email: row.get("email"),
        phone: row.get("phone"),
        locked: row.get::<&str, _>("status") == "locked",
        platform_role: PlatformRole::parse(row.get("platform_role")).unwrap_or(PlatformRole::None),
        language: Lang::parse(row.get("language")).unwrap_or_default(),
        time_zone: row.get("time_zone"),
        session_epoch: row.get("session_epoch"),
    }
}
pub(crate) use select_accounts;

/// `SELECT <tenant columns> FROM memberships m JOIN projects p <rest>`.
macro_rules! select_tenants {
    ($rest:literal) => {
        concat!(
            "SELECT m.id AS membership_id, p.id AS project_id, p.code, p.name, m.role, ",
            "p.status, p.starts_on, p.ends_on ",
            "FROM memberships m JOIN projects p ON p.id = m.project_id ",
            $rest
        )
    };
}

/// A tenancy from a row of `select_tenants!`.
pub fn tenant_from(row: &DbRow) -> Tenant {
    Tenant {
        membership_id: row.get("membership_id"),
        project_id: row.get("project_id"),
        code: row.get("code"),
        name: row.get("name"),
        role: TenantRole::parse(row.get("role")).unwrap_or(TenantRole::User),
        status: row.get("status"),
        starts_on: row.get("starts_on"),
        ends_on: row.get("ends_on"),
    }
}
pub(crate) use select_tenants;

/// How a project's members are listed: by name, then username.
pub const MEMBER_ORDER: &str = "a.display_name, a.username";

/// A project's code (the notices of its changes name it).
pub async fn project_code_in(conn: &mut Connection, project_id: ProjectId) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT code FROM projects WHERE id = $1")
        .bind(project_id)
        .fetch_one(conn)
        .await
}

/// A project's tenant admins (whom its notices of money, quotas and
/// members' requests go to).
pub async fn tenant_admins_in(conn: &mut Connection, project_id: ProjectId) -> sqlx::Result<Vec<AccountId>> {
    sqlx::query_scalar("SELECT account_id FROM memberships WHERE project_id = $1 AND role = 'tenant_admin'")
        .bind(project_id)
        .fetch_all(conn)
        .await
}

/// Pushes `FROM … WHERE …` for a project's members (`m`, with their
/// accounts `a`) whose username or name contains `search` (all when empty),
/// for `db::page_and_count`.
pub fn push_members_matching(from: &mut Statement, project_id: ProjectId, search: &str) {
    from.push("FROM memberships m JOIN accounts a ON a.id = m.account_id WHERE m.project_id = ")
        .bind(project_id)
        .push(" AND ");
    crate::db::push_contains_any(from, search, &["a.username", "a.display_name"]);
}
