//! Every SQL statement about projects, and the tenancies (project ×
//! membership) that say who is where. Memberships themselves are written by
//! `members::store`, permissions by `permissions::store`.

use sqlx::{Row, sqlite::SqliteRow};

use super::{ProjectCode, ProjectName, Tenant, TenantRole};
use crate::db::{Db, Unique, begin_immediate, now, unique};

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

/// Creates a project with its (empty) parent wallet, unless the code is taken.
pub async fn insert(
    db: &Db,
    code: &ProjectCode,
    name: &ProjectName,
    starts_on: time::Date,
    ends_on: time::Date,
) -> sqlx::Result<Unique<i64>> {
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
    let project_id = match unique(created)? {
        Unique::Done(done) => done.last_insert_rowid(),
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
