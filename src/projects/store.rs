//! Every SQL statement about projects, and the tenancies (project ×
//! membership) that say who is where. Memberships themselves are written by
//! `members::store`, permissions by `permissions::store`.

use sqlx::Row;

use super::{ProjectCode, ProjectName, Tenant, TenantRole};
use crate::auth::identity::{AccountId, MEMBER_ORDER, ProjectId, push_members_matching, select_tenants, tenant_from};
use crate::db::{Db, DbRow, Unique, begin_immediate, now, unique};

pub struct Project {
    pub id: ProjectId,
    pub code: String,
    pub name: String,
}

/// Creates a project with its (empty) parent wallet, unless the code is taken.
pub async fn insert(
    db: &Db,
    code: &ProjectCode,
    name: &ProjectName,
    starts_on: time::Date,
    ends_on: time::Date,
) -> sqlx::Result<Unique<ProjectId>> {
    let mut tx = begin_immediate(db).await?;
    let created = sqlx::query_scalar(
        "INSERT INTO projects (code, name, starts_on, ends_on, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(code.as_str())
    .bind(name.as_str())
    .bind(starts_on.to_string())
    .bind(ends_on.to_string())
    .bind(now())
    .fetch_one(&mut *tx)
    .await;
    let project_id = match unique(created)? {
        Unique::Done(id) => ProjectId(id),
        Unique::Taken => return Ok(Unique::Taken),
    };
    sqlx::query("INSERT INTO wallets (project_id, balance, created_at) VALUES ($1, 0, $2)")
        .bind(project_id)
        .bind(now())
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Unique::Done(project_id))
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

/// Every project the account is a member of, by project code.
pub async fn tenants_of(db: &Db, account_id: AccountId) -> sqlx::Result<Vec<Tenant>> {
    let rows = sqlx::query(select_tenants!("WHERE m.account_id = $1 ORDER BY p.code"))
        .bind(account_id)
        .fetch_all(db.read())
        .await?;
    Ok(rows.iter().map(tenant_from).collect())
}

/// A member of a project, as member lists show them.
#[derive(Debug, Clone)]
pub struct Member {
    pub account_id: AccountId,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub role: TenantRole,
    pub since: i64,
}

fn member_from(row: &DbRow) -> Member {
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
pub async fn members(db: &Db, project_id: ProjectId) -> sqlx::Result<Vec<Member>> {
    Ok(member_page(db, project_id, "", i64::MAX, 0).await?.0)
}

/// A page of the project's members whose name or username contains
/// `search` (all when empty), by name; and how many match.
pub async fn member_page(
    db: &Db,
    project_id: ProjectId,
    search: &str,
    limit: i64,
    offset: i64,
) -> sqlx::Result<(Vec<Member>, i64)> {
    let (rows, total) = crate::db::page_and_count(
        db,
        "SELECT a.id AS account_id, a.username, a.display_name, a.email, m.role, m.created_at",
        MEMBER_ORDER,
        limit,
        offset,
        |from| push_members_matching(from, project_id, search),
    )
    .await?;
    Ok((rows.iter().map(member_from).collect(), total))
}

/// The project's members after the membership row `after` (all when
/// none), in the order they joined, each with its row: a page the API
/// walks with a cursor.
pub async fn members_after(
    db: &Db,
    project_id: ProjectId,
    after: Option<i64>,
    limit: i64,
) -> sqlx::Result<Vec<(i64, Member)>> {
    let rows = sqlx::query(
        "SELECT m.id, a.id AS account_id, a.username, a.display_name, a.email, m.role, m.created_at
         FROM memberships m JOIN accounts a ON a.id = m.account_id
         WHERE m.project_id = $1 AND m.id > $2 ORDER BY m.id LIMIT $3",
    )
    .bind(project_id)
    .bind(after.unwrap_or(0))
    .bind(limit)
    .fetch_all(db.read())
    .await?;
    Ok(rows.iter().map(|row| (row.get("id"), member_from(row))).collect())
}

/// One member of a project, if the account is one.
pub async fn member(db: &Db, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<Option<Member>> {
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

/// A line of the operator's project list.
pub struct ProjectSummary {
    pub id: ProjectId,
    pub code: String,
    pub name: String,
    pub status: String,
    pub starts_on: String,
    pub ends_on: String,
    pub members: i64,
    /// The project wallet's balance, in 1/10,000 credit.
    pub balance: i64,
}

/// The columns of a `ProjectSummary`, from `projects p`.
const SUMMARY: &str = "SELECT p.id, p.code, p.name, p.status, p.starts_on, p.ends_on,
        (SELECT COUNT(*) FROM memberships m WHERE m.project_id = p.id) AS members,
        COALESCE((SELECT w.balance FROM wallets w WHERE w.project_id = p.id AND w.account_id IS NULL), 0) AS balance";

fn summary_from(row: &DbRow) -> ProjectSummary {
    ProjectSummary {
        id: row.get("id"),
        code: row.get("code"),
        name: row.get("name"),
        status: row.get("status"),
        starts_on: row.get("starts_on"),
        ends_on: row.get("ends_on"),
        members: row.get("members"),
        balance: row.get("balance"),
    }
}

/// A page of every project whose code or name contains `search` (all when
/// empty), by code; and how many match.
pub async fn directory(db: &Db, search: &str, limit: i64, offset: i64) -> sqlx::Result<(Vec<ProjectSummary>, i64)> {
    let (rows, total) = crate::db::page_and_count(db, SUMMARY, "p.code", limit, offset, |from| {
        from.push("FROM projects p WHERE ");
        crate::db::push_contains_any(from, search, &["p.code", "p.name"]);
    })
    .await?;
    Ok((rows.iter().map(summary_from).collect(), total))
}

/// One project's line of the list, by its code.
pub async fn summary(db: &Db, code: &str) -> sqlx::Result<Option<ProjectSummary>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SUMMARY} FROM projects p WHERE p.code = $1"
    )))
    .bind(code)
    .fetch_optional(db.read())
    .await?;
    Ok(row.as_ref().map(summary_from))
}
