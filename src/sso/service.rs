//! What a verified identity comes to: the account it is linked to, a new
//! account made from its claims, or a link to the signed-in account.
//! Portal routes (and the operator's link on a support page) call these.

use super::{Failure, provider::Claims};
use crate::{
    accounts::{
        self, DisplayName, Email, PlatformRole, Username,
        service::{AccountError, NewAccount},
    },
    activity::{self, Change, ChangeKind},
    auth::{identity::Account, service as auth},
    config::Sso,
    db::Db,
    error::AppError,
    ids::AccountId,
};

/// The account that signs in with `claims`: the one linked to the
/// identity, or (when the operator allows it) one made from its verified
/// claims, without a password, and linked.
pub async fn account_for(db: &Db, settings: &Sso, claims: &Claims) -> Result<Result<Account, Failure>, AppError> {
    let issuer = settings.issuer.as_str();
    if let Some(id) = auth::sso_account(db, issuer, &claims.subject).await? {
        let Some(account) = auth::by_id(db, id).await?.filter(|a| !a.locked) else {
            return Ok(Err(Failure::Locked));
        };
        let email = claims.verified_email.as_deref().unwrap_or_default();
        auth::sso_used(db, issuer, &claims.subject, email).await?;
        return Ok(Ok(account));
    }
    if !settings.create_accounts {
        tracing::info!(subject = %claims.subject, "sign-in of an identity no account is linked to, refused");
        return Ok(Err(Failure::Unknown));
    }
    let Some(email) = claims.verified_email.as_deref().and_then(|e| Email::parse(e).ok()) else {
        tracing::info!(subject = %claims.subject, unverified = claims.unverified_email, "no verified email to make an account from");
        return Ok(Err(Failure::UnverifiedEmail));
    };
    let Some(username) = claims.username.as_deref().and_then(|u| Username::parse(u).ok()) else {
        tracing::info!(subject = %claims.subject, claim = %settings.username_claim, "no usable username claim");
        return Ok(Err(Failure::UsernameTaken));
    };
    if accounts::service::by_username(db, username.as_str()).await?.is_some() {
        return Ok(Err(Failure::UsernameTaken));
    }
    if accounts::service::by_email(db, email.as_str()).await?.is_some() {
        return Ok(Err(Failure::EmailTaken));
    }
    let name = claims
        .name
        .as_deref()
        .and_then(|n| DisplayName::parse(n).ok())
        .map_or_else(|| DisplayName::parse(username.as_str()), Ok)?;
    let new = NewAccount {
        username: &username,
        display_name: &name,
        email: &email,
        // No password: this account signs in at the provider (or sets one
        // through "Forgot password").
        password_hash: "",
        platform_role: PlatformRole::None,
    };
    let id = match accounts::service::create(db, new).await {
        Ok(id) => id,
        // Made by another sign-in a moment ago.
        Err(AccountError::Exists | AccountError::EmailTaken) => return Ok(Err(Failure::UsernameTaken)),
        Err(AccountError::Db(err)) => return Err(err.into()),
    };
    if !auth::link_identity(db, id, issuer, &claims.subject, email.as_str()).await? {
        return Ok(Err(Failure::LinkedElsewhere));
    }
    auth::sso_used(db, issuer, &claims.subject, email.as_str()).await?;
    let change = Change {
        actor_id: Some(id),
        project_id: None,
        subject_id: Some(id),
        action: ChangeKind::SsoCreate,
        target: username.as_str(),
        before: "",
        after: email.as_str(),
    };
    activity::service::record(db, change).await?;
    tracing::info!(account = %username.as_str(), "account made at its first sign-in through the identity provider");
    let account = auth::by_id(db, id).await?.ok_or(AppError::NotFound)?;
    Ok(Ok(account))
}

/// Links the identity of `claims` to the account that asked (`epoch`: its
/// session epoch then; signing out everywhere since cancels the link).
pub async fn link(
    db: &Db,
    settings: &Sso,
    account_id: AccountId,
    epoch: i64,
    claims: &Claims,
) -> Result<Result<(), Failure>, AppError> {
    let issuer = settings.issuer.as_str();
    let Some(account) = auth::by_id(db, account_id)
        .await?
        .filter(|a| !a.locked && a.session_epoch == epoch)
    else {
        return Ok(Err(Failure::Locked));
    };
    match auth::sso_account(db, issuer, &claims.subject).await? {
        Some(linked) if linked == account.id => return Ok(Ok(())),
        Some(_) => return Ok(Err(Failure::LinkedElsewhere)),
        None => {}
    }
    if auth::sso_identity(db, account.id, issuer).await?.is_some() {
        return Ok(Err(Failure::AlreadyLinked));
    }
    let email = claims.verified_email.as_deref().unwrap_or_default();
    if !auth::link_identity(db, account.id, issuer, &claims.subject, email).await? {
        return Ok(Err(Failure::LinkedElsewhere));
    }
    record(
        db,
        account.id,
        &account,
        ChangeKind::SsoLink,
        "",
        shown(email, &claims.subject),
    )
    .await?;
    Ok(Ok(()))
}

/// How an identity is shown: its verified email, or else its subject.
pub fn shown<'a>(email: &'a str, subject: &'a str) -> &'a str {
    if email.is_empty() { subject } else { email }
}

/// Why an account may not unlink its identity: it would have no way in.
pub async fn may_unlink(db: &Db, account_id: AccountId) -> Result<bool, AppError> {
    Ok(auth::has_password(db, account_id).await?)
}

/// Unlinks the account's identity (by the account itself, or an operator:
/// `actor`); false when it had none.
pub async fn unlink(db: &Db, settings: &Sso, actor: AccountId, account: &Account) -> Result<bool, AppError> {
    let issuer = settings.issuer.as_str();
    let Some(identity) = auth::sso_identity(db, account.id, issuer).await? else {
        return Ok(false);
    };
    if !auth::unlink_identity(db, account.id, issuer).await? {
        return Ok(false);
    }
    let was = shown(&identity.email, &identity.subject).to_string();
    record(db, actor, account, ChangeKind::SsoUnlink, &was, "").await?;
    Ok(true)
}

/// An operator links an identity, by its subject, to an account.
pub async fn link_by_operator(
    db: &Db,
    settings: &Sso,
    operator: AccountId,
    account: &Account,
    subject: &str,
) -> Result<Result<(), Failure>, AppError> {
    let issuer = settings.issuer.as_str();
    if auth::sso_identity(db, account.id, issuer).await?.is_some() {
        return Ok(Err(Failure::AlreadyLinked));
    }
    if !auth::link_identity(db, account.id, issuer, subject, "").await? {
        return Ok(Err(Failure::LinkedElsewhere));
    }
    record(db, operator, account, ChangeKind::SsoLink, "", subject).await?;
    Ok(Ok(()))
}

async fn record(
    db: &Db,
    actor: AccountId,
    account: &Account,
    action: ChangeKind,
    before: &str,
    after: &str,
) -> Result<(), AppError> {
    let change = Change {
        actor_id: Some(actor),
        project_id: None,
        subject_id: Some(account.id),
        action,
        target: &account.username,
        before,
        after,
    };
    Ok(activity::service::record(db, change).await?)
}
