//! Every SQL statement about memberships: who is a member of which project,
//! in which role. The rules (the last admin stays, removal leaves nothing
//! behind) are in `service.rs`.

use crate::{
    auth::identity::{AccountId, ProjectId},
    db::{Connection, Unique, now, unique},
    projects::TenantRole,
};

/// How many tenant admins the project has besides `account_id`.
pub async fn admins_other_than(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM memberships WHERE project_id = $1 AND role = 'tenant_admin' AND account_id <> $2",
    )
    .bind(project_id)
    .bind(account_id)
    .fetch_one(&mut *conn)
    .await
}

/// The member's role in the project, if they are a member.
pub async fn role_in(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
) -> sqlx::Result<Option<TenantRole>> {
    let role: Option<String> =
        sqlx::query_scalar("SELECT role FROM memberships WHERE project_id = $1 AND account_id = $2")
            .bind(project_id)
            .bind(account_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(role.and_then(|r| TenantRole::parse(&r)))
}

/// Makes the account a member, unless it is one already; the membership's ID.
pub async fn insert(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
    role: TenantRole,
) -> sqlx::Result<Unique<i64>> {
    let created = sqlx::query_scalar(
        "INSERT INTO memberships (project_id, account_id, role, created_at) VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(project_id)
    .bind(account_id)
    .bind(role.as_str())
    .bind(now())
    .fetch_one(&mut *conn)
    .await;
    unique(created)
}

pub async fn set_role(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
    role: TenantRole,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE memberships SET role = $1 WHERE project_id = $2 AND account_id = $3")
        .bind(role.as_str())
        .bind(project_id)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends a membership (its permissions go with it).
pub async fn delete(conn: &mut Connection, project_id: ProjectId, account_id: AccountId) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM memberships WHERE project_id = $1 AND account_id = $2")
        .bind(project_id)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
