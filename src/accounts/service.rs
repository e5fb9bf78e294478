//! The rules of accounts: usernames and emails are unique, and every
//! profile change is recorded with what it was before.

use super::{
    Account, Email,
    store::{self, Profile},
};
use crate::auth::identity::AccountId;
use crate::{
    activity::{self, Change, ChangeKind},
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

/// What saving a profile came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    /// A new email address waiting for its confirmation link to be followed.
    pub awaiting: Option<String>,
}

/// Saves a profile, recording what changed; an email another account uses
/// is refused. With `confirm_email` a new address is not taken yet: a
/// link to confirm it is emailed to it (the change happens when it is
/// followed: `confirm_email_change`); without, it changes at once and the
/// account is told.
pub async fn update_profile(
    db: &Db,
    before: &Account,
    session_id: i64,
    profile: Profile<'_>,
    confirm_email: bool,
) -> Result<Saved, AccountError> {
    let mut tx = db.begin_immediate().await?;
    if store::email_taken(&mut tx, profile.email.as_str(), before.id).await? {
        return Err(AccountError::EmailTaken);
    }
    let new_email = profile.email.as_str() != before.email;
    let awaiting = (new_email && confirm_email).then(|| profile.email.as_str().to_string());
    let kept = Email::parse(&before.email).unwrap_or_else(|_| profile.email.clone());
    let saved = Profile {
        email: if awaiting.is_some() { &kept } else { profile.email },
        ..profile
    };
    store::set_profile(&mut tx, before.id, &saved).await?;
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
        saved.display_name.as_str(),
        saved.email.as_str(),
        saved.phone,
        saved.language.code(),
        saved.time_zone,
    );
    if was != now_is {
        let change = Change {
            actor_id: Some(before.id),
            project_id: None,
            subject_id: Some(before.id),
            action: ChangeKind::AccountProfile,
            target: &before.username,
            before: &was,
            after: &now_is,
        };
        activity::service::record_in(&mut tx, change).await?;
    }
    match &awaiting {
        Some(address) => {
            store::await_email_change(&mut tx, before.id, session_id, address, crate::db::now() + 24 * 3600).await?;
            // The new address gets the link that confirms the change, the
            // current one a link that cancels it. (Each link is made as its
            // email is sent.)
            for (kind, to) in [
                (NoticeKind::EmailConfirm, address.as_str()),
                (NoticeKind::EmailChangeAsked, before.email.as_str()),
            ] {
                let notice = Notice {
                    kind,
                    actor: &before.username,
                    project: "",
                    subject: address,
                    link: "/account/profile",
                };
                notices::email_only_in(&mut tx, before.id, to, &notice).await?;
            }
        }
        None if new_email => tell_email_changed(&mut tx, before.id, &before.email, profile.email.as_str()).await?,
        None => {}
    }
    tx.commit().await?;
    Ok(Saved { awaiting })
}

/// Follows an email change's confirmation link (by its digest): the
/// address changes now, if the session that asked for it is still on
/// (seen since `alive_since.0`, started since `alive_since.1`). `false`: no
/// such link waiting (used, expired, replaced, cancelled, or its session
/// ended).
pub async fn confirm_email_change(db: &Db, digest: &[u8], alive_since: (i64, i64)) -> Result<bool, AccountError> {
    let mut tx = db.begin_immediate().await?;
    let Some((account_id, new_email)) =
        store::take_email_change(&mut tx, digest, crate::db::now(), alive_since).await?
    else {
        return Ok(false);
    };
    if store::email_taken(&mut tx, &new_email, account_id).await? {
        return Err(AccountError::EmailTaken);
    }
    let (username, old_email) = store::set_email(&mut tx, account_id, &new_email).await?;
    let change = Change {
        actor_id: Some(account_id),
        project_id: None,
        subject_id: Some(account_id),
        action: ChangeKind::AccountEmail,
        target: &username,
        before: &old_email,
        after: &new_email,
    };
    activity::service::record_in(&mut tx, change).await?;
    tell_email_changed(&mut tx, account_id, &old_email, &new_email).await?;
    tx.commit().await?;
    Ok(true)
}

/// The waiting email change a cancel link (by its digest) names: the
/// username and the address asked for.
pub async fn email_change_to_cancel(db: &Db, digest: &[u8]) -> sqlx::Result<Option<(String, String)>> {
    let mut conn = db.read().acquire().await?;
    let found = store::email_change_to_cancel(&mut conn, digest).await?;
    Ok(found.map(|(_, username, address)| (username, address)))
}

/// Follows a cancel link (by its digest): the waiting email change is
/// withdrawn, recorded. `false`: nothing to cancel any more.
pub async fn cancel_email_change(db: &Db, digest: &[u8]) -> sqlx::Result<bool> {
    let mut tx = db.begin_immediate().await?;
    let Some((account_id, username, address)) = store::email_change_to_cancel(&mut tx, digest).await? else {
        return Ok(false);
    };
    store::cancel_email_changes(&mut tx, account_id).await?;
    let change = Change {
        actor_id: None,
        project_id: None,
        subject_id: Some(account_id),
        action: ChangeKind::AccountEmailCancel,
        target: &username,
        before: &address,
        after: "",
    };
    activity::service::record_in(&mut tx, change).await?;
    tx.commit().await?;
    Ok(true)
}

/// Withdraws the account's waiting email change, as signing out everywhere
/// and a second factor's reset do: whoever else held a session may have
/// asked for it.
pub async fn cancel_email_changes(db: &Db, account_id: AccountId) -> sqlx::Result<()> {
    let mut tx = db.begin_immediate().await?;
    store::cancel_email_changes(&mut tx, account_id).await?;
    tx.commit().await
}

/// An email change is a security notice to the account (at its new
/// address) and an email to the old one.
async fn tell_email_changed(tx: &mut Tx, account_id: AccountId, old: &str, new: &str) -> sqlx::Result<()> {
    tell_account(tx, account_id, NoticeKind::EmailChanged, new).await?;
    let notice = Notice {
        kind: NoticeKind::EmailChanged,
        actor: "",
        project: "",
        subject: new,
        link: "/account/profile",
    };
    notices::email_only_in(tx, account_id, old, &notice).await?;
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
    how: ChangeKind,
) -> sqlx::Result<i64> {
    let mut tx = db.begin_immediate().await?;
    let (epoch, username) = store::write_password(&mut tx, id, hash).await?;
    // A change of address asked for before may be an intruder's.
    store::cancel_email_changes(&mut tx, id).await?;
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
        action: ChangeKind::AccountResetLink,
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
    if locked {
        store::cancel_email_changes(&mut tx, account.id).await?;
    }
    let change = Change {
        actor_id: Some(actor_id),
        project_id: None,
        subject_id: Some(account.id),
        action: if locked {
            ChangeKind::SupportLock
        } else {
            ChangeKind::SupportUnlock
        },
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

/// Forgotten-password requests allowed an hour from one client address,
/// and reset emails an hour to one account.
pub const RESETS_PER_ADDRESS_HOUR: i64 = 10;
pub const RESETS_PER_ACCOUNT_HOUR: i64 = 3;

/// Someone forgot a password: if `identifier` (a username or an email
/// address) names an active account, it is emailed a single-use reset link
/// (made as the email is sent). Whether or not it does, the caller answers
/// the same. `false`: too many requests from `address` this hour (nothing
/// is done). Past the account's own limit nothing is sent, silently.
pub async fn forgot_password(db: &Db, identifier: &str, address: &str) -> sqlx::Result<bool> {
    let at = crate::db::now();
    let since = at - 3600;
    let mut tx = db.begin_immediate().await?;
    let from_address = store::count_reset_request(&mut tx, &format!("addr:{address}"), at, since).await?;
    if from_address > RESETS_PER_ADDRESS_HOUR {
        tx.commit().await?;
        return Ok(false);
    }
    if let Some((account_id, username)) = store::resettable_in(&mut tx, identifier.trim()).await? {
        let for_account = store::count_reset_request(&mut tx, &format!("acct:{account_id}"), at, since).await?;
        if for_account <= RESETS_PER_ACCOUNT_HOUR {
            let notice = Notice {
                kind: NoticeKind::PasswordReset,
                actor: &username,
                project: "",
                subject: "",
                // (The link is made as the email is sent.)
                link: "/reset",
            };
            notices::email_only_in(&mut tx, account_id, "", &notice).await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}
