//! Every SQL statement about accounts.

use sqlx::{Row, sqlite::SqliteRow};

use super::{Account, DisplayName, Email, PlatformRole, Username};
use crate::{
    db::{Db, now},
    error::AppError,
    web::i18n::{Lang, Msg},
};

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

fn account(row: &SqliteRow) -> Account {
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

pub struct NewAccount<'a> {
    pub username: &'a Username,
    pub display_name: &'a DisplayName,
    pub email: &'a Email,
    pub password_hash: &'a str,
    pub platform_role: PlatformRole,
}

/// Creates an account; a taken username or email is a `Conflict`.
pub async fn insert(db: &Db, new: NewAccount<'_>) -> Result<i64, AppError> {
    let result = sqlx::query(
        "INSERT INTO accounts (username, display_name, email, password_hash, platform_role, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(new.username.as_str())
    .bind(new.display_name.as_str())
    .bind(new.email.as_str())
    .bind(new.password_hash)
    .bind(new.platform_role.as_str())
    .bind(now())
    .execute(db)
    .await;
    match result {
        Ok(done) => Ok(done.last_insert_rowid()),
        Err(err) if crate::db::is_unique_violation(&err) => {
            Err(AppError::Conflict(Msg::new("account-exists")))
        }
        Err(err) => Err(err.into()),
    }
}

pub async fn by_id(db: &Db, id: i64) -> sqlx::Result<Option<Account>> {
    Ok(sqlx::query(select_accounts!("WHERE id = $1")).bind(id).fetch_optional(db).await?.as_ref().map(account))
}

pub async fn by_username(db: &Db, username: &str) -> sqlx::Result<Option<Account>> {
    Ok(sqlx::query(select_accounts!("WHERE username = $1")).bind(username).fetch_optional(db).await?.as_ref().map(account))
}

/// The account and its password hash, for signing in.
pub async fn credentials(db: &Db, username: &str) -> sqlx::Result<Option<(Account, String)>> {
    let row = sqlx::query(select_accounts!("WHERE username = $1")).bind(username).fetch_optional(db).await?;
    Ok(row.map(|row| (account(&row), row.get("password_hash"))))
}

pub async fn set_language(db: &Db, id: i64, lang: Lang) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET language = $1 WHERE id = $2")
        .bind(lang.code())
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn set_locked(db: &Db, id: i64, locked: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE accounts SET status = $1 WHERE id = $2")
        .bind(if locked { "locked" } else { "active" })
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn count(db: &Db) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM accounts").fetch_one(db).await
}
