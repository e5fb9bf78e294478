//! The rules of accounts: usernames and emails are unique, and every
//! profile change is recorded with what it was before.

use super::{
    Account,
    store::{self, Profile},
};
use crate::auth::identity::AccountId;
use crate::{
    activity::{self, Change},
    db::{Db, Tx, Unique},
    error::AppError,
    notices::{
        NoticeKind,
        service::{self as notices, Notice},
    },
    web::i18n::Msg,
};

/// Reads the other capabilities may make of accounts.
pub use super::store::{
    AccountSummary, NewAccount, by_email, by_username, count, directory, search, set_platform_role,
};
pub use crate::auth::service::{by_id, credentials};

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
pub async fn create(db: &Db, new: NewAccount<'_>) -> Result<AccountId, AccountError> {
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
        activity::service::record_in(&mut tx, change).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A security notice to the account itself (always emailed).
async fn tell_account(tx: &mut Tx, account_id: AccountId, kind: NoticeKind, subject: &str) -> sqlx::Result<()> {
    let notice = Notice {
        kind,
        actor: "",
        project: "",
        subject,
        link: "/account/profile",
    };
    notices::send_in(tx, &[account_id], &notice).await
}

/// Stores a new password hash and ends every session of the account (by
/// moving its session epoch on), recorded as `how`. Returns the new epoch.
pub async fn set_password(
    db: &Db,
    id: AccountId,
    actor_id: Option<AccountId>,
    hash: &str,
    how: &str,
) -> sqlx::Result<i64> {
    let mut tx = db.begin_immediate().await?;
    let (epoch, username) = store::write_password(&mut tx, id, hash).await?;
    let change = Change {
        actor_id,
        project_id: None,
        subject_id: Some(id),
        action: how,
        target: &username,
        before: "",
        after: "",
    };
    activity::service::record_in(&mut tx, change).await?;
    tell_account(&mut tx, id, NoticeKind::PasswordChanged, "").await?;
    tx.commit().await?;
    Ok(epoch)
}

/// Stores a reset link's digest, valid until `expires_at`, recording why.
pub async fn create_reset(
    db: &Db,
    account_id: AccountId,
    created_by: Option<AccountId>,
    digest: &[u8],
    expires_at: i64,
    reason: &str,
) -> sqlx::Result<()> {
    let mut tx = db.begin_immediate().await?;
    let username = store::insert_reset(&mut tx, account_id, created_by, digest, expires_at).await?;
    let change = Change {
        actor_id: created_by,
        project_id: None,
        subject_id: Some(account_id),
        action: "account.reset_link",
        target: &username,
        before: "",
        after: reason,
    };
    activity::service::record_in(&mut tx, change).await?;
    // Support handed out a way into the account: its owner hears of it.
    if created_by.is_some() {
        tell_account(&mut tx, account_id, NoticeKind::ResetLinkIssued, "").await?;
    }
    tx.commit().await
}

/// Locks or unlocks an account (support), recording why.
pub async fn set_locked_for(
    db: &Db,
    actor_id: AccountId,
    account: &Account,
    locked: bool,
    reason: &str,
) -> sqlx::Result<()> {
    let mut tx = db.begin_immediate().await?;
    store::write_status(&mut tx, account.id, locked).await?;
    let change = Change {
        actor_id: Some(actor_id),
        project_id: None,
        subject_id: Some(account.id),
        action: if locked { "support.lock" } else { "support.unlock" },
        target: &account.username,
        before: if account.locked { "locked" } else { "active" },
        after: reason,
    };
    activity::service::record_in(&mut tx, change).await?;
    let kind = if locked {
        NoticeKind::AccountLocked
    } else {
        NoticeKind::AccountUnlocked
    };
    tell_account(&mut tx, account.id, kind, "").await?;
    tx.commit().await?;
    Ok(())
}
