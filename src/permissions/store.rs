//! Every SQL statement about tenant permissions (which services a member
//! may use) and the services the cloud has.

use std::collections::HashMap;

use super::Service;
use crate::{
    auth::identity::{AccountId, ProjectId},
    db::{Connection, Db},
};

/// The services each member of a project may use, keyed by account.
pub async fn project_permissions(db: &Db, project_id: ProjectId) -> sqlx::Result<HashMap<AccountId, Vec<Service>>> {
    let rows: Vec<(AccountId, String)> = sqlx::query_as(
        "SELECT m.account_id, t.service FROM tenant_permissions t
         JOIN memberships m ON m.id = t.membership_id
         JOIN services s ON s.code = t.service
         WHERE m.project_id = $1 ORDER BY s.position",
    )
    .bind(project_id)
    .fetch_all(db.read())
    .await?;
    let mut map: HashMap<AccountId, Vec<Service>> = HashMap::new();
    for (account, code) in rows {
        if let Some(service) = Service::parse(&code) {
            map.entry(account).or_default().push(service);
        }
    }
    Ok(map)
}

/// Every service the cloud has, in order.
pub async fn services(db: &Db) -> sqlx::Result<Vec<Service>> {
    let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM services ORDER BY position")
        .fetch_all(db.read())
        .await?;
    Ok(parsed(codes))
}

fn parsed(codes: Vec<String>) -> Vec<Service> {
    codes.iter().filter_map(|code| Service::parse(code)).collect()
}

/// The services a tenant may use, in the services' order.
pub async fn permitted_services(db: &Db, membership_id: i64) -> sqlx::Result<Vec<Service>> {
    let mut conn = db.read().acquire().await?;
    permitted_in(&mut conn, membership_id).await
}

/// The same, inside a transaction.
pub async fn permitted_in(conn: &mut Connection, membership_id: i64) -> sqlx::Result<Vec<Service>> {
    let codes: Vec<String> = sqlx::query_scalar(
        "SELECT s.code FROM tenant_permissions t JOIN services s ON s.code = t.service
         WHERE t.membership_id = $1 ORDER BY s.position",
    )
    .bind(membership_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(parsed(codes))
}

/// The membership of the account in the project, if any.
pub async fn membership_id(
    conn: &mut Connection,
    project_id: ProjectId,
    account_id: AccountId,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM memberships WHERE project_id = $1 AND account_id = $2")
        .bind(project_id)
        .bind(account_id)
        .fetch_optional(&mut *conn)
        .await
}

/// Replaces a membership's permitted services.
pub async fn replace(conn: &mut Connection, membership_id: i64, services: &[Service]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM tenant_permissions WHERE membership_id = $1")
        .bind(membership_id)
        .execute(&mut *conn)
        .await?;
    for service in services {
        sqlx::query(
            "INSERT INTO tenant_permissions (membership_id, service) SELECT $1, code FROM services WHERE code = $2",
        )
        .bind(membership_id)
        .bind(service.code())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The services new members may use, as configured (`None`: all).
pub async fn default_services(conn: &mut Connection) -> sqlx::Result<Vec<Service>> {
    let configured: Option<String> = sqlx::query_scalar("SELECT value FROM settings WHERE name = 'default_services'")
        .fetch_optional(&mut *conn)
        .await?;
    match configured {
        Some(list) => Ok(list.split(',').filter_map(|s| Service::parse(s.trim())).collect()),
        None => {
            let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM services ORDER BY position")
                .fetch_all(&mut *conn)
                .await?;
            Ok(parsed(codes))
        }
    }
}

/// Sets which services new members may use (`None`: all of them).
pub async fn set_default_services(db: &Db, services: Option<&[Service]>) -> sqlx::Result<()> {
    match services {
        Some(list) => {
            db.execute(
                sqlx::query(
                    "INSERT INTO settings (name, value) VALUES ('default_services', $1)
                     ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                )
                .bind(list.iter().map(|s| s.code()).collect::<Vec<_>>().join(",")),
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
