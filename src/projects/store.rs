//! Every SQL statement about projects and memberships.

use sqlx::{Row, sqlite::SqliteRow};

use super::{ProjectCode, ProjectName, Tenant, TenantRole};
use crate::{
    db::{Db, begin_immediate, is_unique_violation, now},
    error::AppError,
    web::i18n::Msg,
};

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

fn tenant_from(row: &SqliteRow) -> Tenant {
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

pub struct Project {
    pub id: i64,
    pub code: String,
    pub name: String,
}

/// Creates a project with its (empty) parent wallet; a taken code is a `Conflict`.
pub async fn insert(
    db: &Db,
    code: &ProjectCode,
    name: &ProjectName,
    starts_on: time::Date,
    ends_on: time::Date,
) -> Result<i64, AppError> {
    let mut tx = begin_immediate(db).await?;
    let created =
        sqlx::query("INSERT INTO projects (code, name, starts_on, ends_on, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(code.as_str())
            .bind(name.as_str())
            .bind(starts_on.to_string())
            .bind(ends_on.to_string())
            .bind(now())
            .execute(&mut *tx)
            .await;
    let project_id = match created {
        Ok(done) => done.last_insert_rowid(),
        Err(err) if is_unique_violation(&err) => {
            return Err(AppError::Conflict(Msg::new("project-exists")));
        }
        Err(err) => return Err(err.into()),
    };
    sqlx::query("INSERT INTO wallets (project_id, balance, created_at) VALUES ($1, 0, $2)")
        .bind(project_id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(project_id)
}

pub async fn by_code(db: &Db, code: &str) -> sqlx::Result<Option<Project>> {
    let row = sqlx::query("SELECT id, code, name FROM projects WHERE code = $1")
        .bind(code)
        .fetch_optional(db.read())
        .await?;
    Ok(row.map(|row| Project {
        id: row.get("id"),
        code: row.get("code"),
        name: row.get("name"),
    }))
}

/// Adds an account to a project with every service permitted; an existing
/// membership is a `Conflict`.
pub async fn add_member(db: &Db, project_id: i64, account_id: i64, role: TenantRole) -> Result<i64, AppError> {
    let mut tx = begin_immediate(db).await?;
    let created =
        sqlx::query("INSERT INTO memberships (project_id, account_id, role, created_at) VALUES ($1, $2, $3, $4)")
            .bind(project_id)
            .bind(account_id)
            .bind(role.as_str())
            .bind(now())
            .execute(&mut *tx)
            .await;
    let membership_id = match created {
        Ok(done) => done.last_insert_rowid(),
        Err(err) if is_unique_violation(&err) => {
            return Err(AppError::Conflict(Msg::new("member-exists")));
        }
        Err(err) => return Err(err.into()),
    };
    // New members get the configured default services (all, unless set).
    let defaults: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE name = 'default_services'")
        .fetch_optional(&mut *tx)
        .await?;
    let services: Vec<String> = match defaults {
        Some(list) => list
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect(),
        None => {
            sqlx::query_scalar("SELECT code FROM services ORDER BY position")
                .fetch_all(&mut *tx)
                .await?
        }
    };
    for service in services {
        sqlx::query(
            "INSERT INTO tenant_permissions (membership_id, service) SELECT $1, code FROM services WHERE code = $2",
        )
        .bind(membership_id)
        .bind(service)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(membership_id)
}

/// Sets which services new members may use (`None`: all of them).
pub async fn set_default_services(db: &Db, services: Option<&[String]>) -> sqlx::Result<()> {
    match services {
        Some(list) => {
            db.execute(
                sqlx::query(
                    "INSERT INTO settings (name, value) VALUES ('default_services', $1)
                 ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                )
                .bind(list.join(",")),
            )
            .await?;
        }
        None => {
            db.execute(sqlx::query("DELETE FROM settings WHERE name = 'default_services'"))
                .await?;
        }
    }
    Ok(())
}

/// Why a role change or removal was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum MembershipChange {
    Done,
    NotAMember,
    /// It would leave the project without a tenant admin.
    LastAdmin,
}

async fn admins_other_than(tx: &mut crate::db::Tx, project_id: i64, account_id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE project_id = $1 AND role = 'tenant_admin' AND account_id <> $2",
    )
    .bind(project_id)
    .bind(account_id)
    .fetch_one(&mut **tx)
    .await
}

/// The member's role in the project, if they are a member.
async fn role_in(tx: &mut crate::db::Tx, project_id: i64, account_id: i64) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT role FROM memberships WHERE project_id = $1 AND account_id = $2")
        .bind(project_id)
        .bind(account_id)
        .fetch_optional(&mut **tx)
        .await
}

/// Changes a member's role; the last tenant admin cannot be demoted.
pub async fn set_role(
    db: &Db,
    actor_id: i64,
    project_id: i64,
    account_id: i64,
    username: &str,
    role: TenantRole,
) -> sqlx::Result<MembershipChange> {
    let mut tx = begin_immediate(db).await?;
    let current = role_in(&mut tx, project_id, account_id).await?;
    let Some(current) = current else {
        return Ok(MembershipChange::NotAMember);
    };
    if current == role.as_str() {
        return Ok(MembershipChange::Done);
    }
    if role == TenantRole::User && admins_other_than(&mut tx, project_id, account_id).await? == 0 {
        return Ok(MembershipChange::LastAdmin);
    }
    sqlx::query("UPDATE memberships SET role = $1 WHERE project_id = $2 AND account_id = $3")
        .bind(role.as_str())
        .bind(project_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    let change = crate::activity::Change {
        actor_id: Some(actor_id),
        project_id: Some(project_id),
        subject_id: Some(account_id),
        action: "member.role",
        target: username,
        before: &current,
        after: role.as_str(),
    };
    crate::activity::store::record_change(&mut *tx, change).await?;
    tx.commit().await?;
    Ok(MembershipChange::Done)
}

/// Removes a member, leaving nothing of theirs behind in the project: their
/// API keys and object-storage pair are deleted (re-adding them brings
/// neither back), their member quotas go, their sub-wallet's credit returns
/// to the project wallet (in the ledger), and, when asked, their live
/// allocations are released (else a tenant admin can release them later).
/// The last admin cannot go.
pub async fn remove_member(
    db: &Db,
    actor_id: i64,
    project_id: i64,
    account_id: i64,
    username: &str,
    release_allocations: bool,
) -> Result<MembershipChange, crate::error::AppError> {
    let mut tx = begin_immediate(db).await?;
    let current = role_in(&mut tx, project_id, account_id).await?;
    let Some(current) = current else {
        return Ok(MembershipChange::NotAMember);
    };
    if current == TenantRole::Admin.as_str() && admins_other_than(&mut tx, project_id, account_id).await? == 0 {
        return Ok(MembershipChange::LastAdmin);
    }
    sqlx::query("DELETE FROM memberships WHERE project_id = $1 AND account_id = $2")
        .bind(project_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM member_quotas WHERE project_id = $1 AND account_id = $2")
        .bind(project_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM api_keys WHERE project_id = $1 AND account_id = $2")
        .bind(project_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    crate::object_storage::store::delete_in(&mut tx, project_id, account_id).await?;
    crate::wallets::service::close_sub_wallet_in(&mut tx, actor_id, project_id, account_id, username).await?;
    if release_allocations {
        sqlx::query(
            "UPDATE allocations SET released_at = $1 WHERE project_id = $2 AND account_id = $3 AND released_at IS NULL",
        )
        .bind(crate::db::now())
        .bind(project_id)
        .bind(account_id)
        .execute(&mut *tx)
        .await?;
    }
    let change = crate::activity::Change {
        actor_id: Some(actor_id),
        project_id: Some(project_id),
        subject_id: Some(account_id),
        action: "member.remove",
        target: username,
        before: &current,
        after: "",
    };
    crate::activity::store::record_change(&mut *tx, change).await?;
    tx.commit().await?;
    Ok(MembershipChange::Done)
}

/// The services each member of a project may use, keyed by account.
pub async fn project_permissions(
    db: &Db,
    project_id: i64,
) -> sqlx::Result<std::collections::HashMap<i64, Vec<String>>> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT m.account_id, t.service FROM tenant_permissions t
         JOIN memberships m ON m.id = t.membership_id
         JOIN services s ON s.code = t.service
         WHERE m.project_id = $1 ORDER BY s.position",
    )
    .bind(project_id)
    .fetch_all(db.read())
    .await?;
    let mut map: std::collections::HashMap<i64, Vec<String>> = std::collections::HashMap::new();
    for (account, service) in rows {
        map.entry(account).or_default().push(service);
    }
    Ok(map)
}

/// Every service the cloud has, in order.
pub async fn services(db: &Db) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT code FROM services ORDER BY position")
        .fetch_all(db.read())
        .await
}

/// Replaces a member's permitted services, recording before → after.
pub async fn set_permissions(
    db: &Db,
    actor_id: i64,
    project_id: i64,
    account_id: i64,
    username: &str,
    services: &[String],
) -> sqlx::Result<MembershipChange> {
    let mut tx = begin_immediate(db).await?;
    let membership: Option<i64> =
        sqlx::query_scalar("SELECT id FROM memberships WHERE project_id = $1 AND account_id = $2")
            .bind(project_id)
            .bind(account_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(membership_id) = membership else {
        return Ok(MembershipChange::NotAMember);
    };
    let before: Vec<String> = sqlx::query_scalar(
        "SELECT t.service FROM tenant_permissions t JOIN services s ON s.code = t.service
         WHERE t.membership_id = $1 ORDER BY s.position",
    )
    .bind(membership_id)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM tenant_permissions WHERE membership_id = $1")
        .bind(membership_id)
        .execute(&mut *tx)
        .await?;
    for service in services {
        sqlx::query("INSERT INTO tenant_permissions (membership_id, service) VALUES ($1, $2)")
            .bind(membership_id)
            .bind(service)
            .execute(&mut *tx)
            .await?;
    }
    let after: Vec<String> = sqlx::query_scalar(
        "SELECT t.service FROM tenant_permissions t JOIN services s ON s.code = t.service
         WHERE t.membership_id = $1 ORDER BY s.position",
    )
    .bind(membership_id)
    .fetch_all(&mut *tx)
    .await?;
    if before != after {
        let change = crate::activity::Change {
            actor_id: Some(actor_id),
            project_id: Some(project_id),
            subject_id: Some(account_id),
            action: "member.permissions",
            target: username,
            before: &before.join(","),
            after: &after.join(","),
        };
        crate::activity::store::record_change(&mut *tx, change).await?;
    }
    tx.commit().await?;
    Ok(MembershipChange::Done)
}

/// The account's membership in one project, if it has one.
pub async fn tenant(db: &Db, account_id: i64, project_id: i64) -> sqlx::Result<Option<Tenant>> {
    let row = sqlx::query(select_tenants!("WHERE m.account_id = $1 AND m.project_id = $2"))
        .bind(account_id)
        .bind(project_id)
        .fetch_optional(db.read())
        .await?;
    Ok(row.as_ref().map(tenant_from))
}

/// Every project the account is a member of, by project code.
pub async fn tenants_of(db: &Db, account_id: i64) -> sqlx::Result<Vec<Tenant>> {
    let rows = sqlx::query(select_tenants!("WHERE m.account_id = $1 ORDER BY p.code"))
        .bind(account_id)
        .fetch_all(db.read())
        .await?;
    Ok(rows.iter().map(tenant_from).collect())
}

/// The account's first project by code, the default current project.
pub async fn first_tenant(db: &Db, account_id: i64) -> sqlx::Result<Option<Tenant>> {
    let row = sqlx::query(select_tenants!("WHERE m.account_id = $1 ORDER BY p.code LIMIT 1"))
        .bind(account_id)
        .fetch_optional(db.read())
        .await?;
    Ok(row.as_ref().map(tenant_from))
}

/// The services a tenant may use, in the services' order.
pub async fn permitted_services(db: &Db, membership_id: i64) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT s.code FROM tenant_permissions t JOIN services s ON s.code = t.service
         WHERE t.membership_id = $1 ORDER BY s.position",
    )
    .bind(membership_id)
    .fetch_all(db.read())
    .await
}

/// A member of a project, as member lists show them.
#[derive(Debug, Clone)]
pub struct Member {
    pub account_id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: TenantRole,
    pub since: i64,
}

fn member_from(row: &SqliteRow) -> Member {
    Member {
        account_id: row.get("account_id"),
        username: row.get("username"),
        display_name: row.get("display_name"),
        email: row.get("email"),
        role: TenantRole::parse(row.get("role")).unwrap_or(TenantRole::User),
        since: row.get("created_at"),
    }
}

/// Every member of a project, by display name.
pub async fn members(db: &Db, project_id: i64) -> sqlx::Result<Vec<Member>> {
    let rows = sqlx::query(
        "SELECT a.id AS account_id, a.username, a.display_name, a.email, m.role, m.created_at
         FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.project_id = $1 ORDER BY a.display_name, a.username",
    )
    .bind(project_id)
    .fetch_all(db.read())
    .await?;
    Ok(rows.iter().map(member_from).collect())
}

/// One member of a project, if the account is one.
pub async fn member(db: &Db, project_id: i64, account_id: i64) -> sqlx::Result<Option<Member>> {
    let row = sqlx::query(
        "SELECT a.id AS account_id, a.username, a.display_name, a.email, m.role, m.created_at
         FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.project_id = $1 AND m.account_id = $2",
    )
    .bind(project_id)
    .bind(account_id)
    .fetch_optional(db.read())
    .await?;
    Ok(row.as_ref().map(member_from))
}
