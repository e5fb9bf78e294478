//! The rules of accounts: usernames and emails are unique, and every
//! profile change is recorded with what it was before.

use super::{
    Account,
    store::{self, NewAccount, Profile},
};
use crate::{
    activity::{self, Change},
    db::{Db, Unique},
    error::AppError,
    web::i18n::Msg,
};

/// Why an account change was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("the username or email is taken")]
    Exists,
    #[error("another account uses this email")]
    EmailTaken,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<AccountError> for AppError {
    fn from(err: AccountError) -> Self {
        match err {
            AccountError::Exists => AppError::Conflict(Msg::new("account-exists")),
            AccountError::EmailTaken => AppError::Invalid {
                field: "email".into(),
                message: Msg::new("email-taken"),
            },
            AccountError::Db(err) => err.into(),
        }
    }
}

/// Creates an account; its ID.
pub async fn create(db: &Db, new: NewAccount<'_>) -> Result<i64, AccountError> {
    match store::insert(db, new).await? {
        Unique::Done(id) => Ok(id),
        Unique::Taken => Err(AccountError::Exists),
    }
}

/// Saves a profile, recording what changed; an email another account uses
/// is refused.
pub async fn update_profile(db: &Db, before: &Account, profile: Profile<'_>) -> Result<(), AccountError> {
    let mut tx = db.begin_immediate().await?;
    if store::email_taken(&mut tx, profile.email.as_str(), before.id).await? {
        return Err(AccountError::EmailTaken);
    }
    store::set_profile(&mut tx, before.id, &profile).await?;
    let describe = |name: &str, email: &str, phone: &str, lang: &str, zone: &str| {
        format!("name={name:?} email={email} phone={phone:?} language={lang} time_zone={zone}")
    };
    let was = describe(
        &before.display_name,
        &before.email,
        &before.phone,
        before.language.code(),
        &before.time_zone,
    );
    let now_is = describe(
        profile.display_name.as_str(),
        profile.email.as_str(),
        profile.phone,
        profile.language.code(),
        profile.time_zone,
    );
    if was != now_is {
        let change = Change {
            actor_id: Some(before.id),
            project_id: None,
            subject_id: Some(before.id),
            action: "account.profile",
            target: &before.username,
            before: &was,
            after: &now_is,
        };
        activity::store::record_change(&mut *tx, change).await?;
    }
    tx.commit().await?;
    Ok(())
}
