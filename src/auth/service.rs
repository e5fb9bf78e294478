//! What the other capabilities may ask of signing in: who an account is,
//! its tenancies, its sessions (and ending them).

pub use super::store::{SessionRow, by_id, credentials, end_sessions, first_tenant, frame_counts, sessions_of, tenant};

use super::store;
use crate::{
    db::Db,
    ids::AccountId,
    notices::{
        NoticeKind,
        service::{self as notices, Notice},
    },
};

/// Remembers the browser an account signed in from; a browser it never
/// used before (after its first) is a security notice to the account.
pub async fn note_device(db: &Db, account_id: AccountId, client: &super::Client) -> sqlx::Result<()> {
    let device = crate::token::digest(&client.user_agent);
    if store::knows_device(db, account_id, &device).await? {
        return Ok(());
    }
    let mut tx = db.begin_immediate().await?;
    let (new, first) = store::remember_device_in(&mut tx, account_id, &device).await?;
    if new && !first {
        let browser: String = client.user_agent.chars().take(80).collect();
        let subject = format!("{browser} ({})", client.address);
        let notice = Notice {
            kind: NoticeKind::NewDevice,
            actor: "",
            project: "",
            subject: &subject,
            link: "/account/profile",
        };
        notices::send_in(&mut tx, &[account_id], &notice).await?;
    }
    tx.commit().await
}

/// Enables the second factor whose enrolment `code` confirms; the
/// recovery codes (shown once, kept as digests), or None for a wrong code.
pub async fn enable_two_factor(db: &Db, account_id: AccountId, code: &str) -> sqlx::Result<Option<Vec<String>>> {
    let Some((secret, false, _)) = store::two_factor(db, account_id).await? else {
        return Ok(None);
    };
    let Some(step) = super::totp::check(&secret, code, crate::db::now()) else {
        return Ok(None);
    };
    let codes = super::totp::recovery_codes();
    let digests: Vec<Vec<u8>> = codes.iter().map(|c| crate::token::digest(c)).collect();
    let mut tx = db.begin_immediate().await?;
    if !store::enable_two_factor_in(&mut tx, account_id, step, &digests).await? {
        return Ok(None);
    }
    tell_two_factor(&mut tx, account_id, NoticeKind::TwoFactorOn).await?;
    tx.commit().await?;
    Ok(Some(codes))
}

async fn tell_two_factor(tx: &mut crate::db::Tx, account_id: AccountId, kind: NoticeKind) -> sqlx::Result<()> {
    let notice = Notice {
        kind,
        actor: "",
        project: "",
        subject: "",
        link: "/account/two-factor",
    };
    notices::send_in(tx, &[account_id], &notice).await
}

/// Whether `code` is a good second factor for the account now: a TOTP code
/// not used before (its step is taken), or an unused recovery code (used up).
pub async fn second_factor_ok(db: &Db, account_id: AccountId, code: &str) -> sqlx::Result<bool> {
    let Some((secret, true, _)) = store::two_factor(db, account_id).await? else {
        return Ok(false);
    };
    if let Some(step) = super::totp::check(&secret, code, crate::db::now()) {
        return store::use_step(db, account_id, step).await;
    }
    let recovery = super::totp::normalise_recovery(code);
    if recovery.len() == 14 {
        return store::use_recovery_code(db, account_id, &crate::token::digest(&recovery)).await;
    }
    Ok(false)
}

/// Counts an attempt at a password or a code against the throttle that
/// signing in uses, before it is checked (parallel guesses cannot outrun
/// the count): a password's scope is the username, a code's `2fa:` and
/// the username. `Some(seconds)`: not to be checked at all; wait.
pub async fn admit_attempts(db: &Db, address: &str, scopes: &[&str]) -> sqlx::Result<Option<i64>> {
    for scope in scopes {
        if let store::Attempt::Wait(seconds) = store::admit_attempt(db, address, scope).await? {
            return Ok(Some(seconds));
        }
    }
    Ok(None)
}

/// The attempts were right: forgiven, as after a sign-in.
pub async fn attempts_succeeded(db: &Db, address: &str, scopes: &[&str]) -> sqlx::Result<()> {
    for scope in scopes {
        store::attempt_succeeded(db, address, scope).await?;
    }
    Ok(())
}

/// Turns the second factor off (the caller checked the password and a code).
pub async fn disable_two_factor(db: &Db, account_id: AccountId) -> sqlx::Result<()> {
    let mut tx = db.begin_immediate().await?;
    store::disable_two_factor_in(&mut tx, account_id).await?;
    tell_two_factor(&mut tx, account_id, NoticeKind::TwoFactorOff).await?;
    tx.commit().await
}

/// Support resets another account's second factor (the caller checked the
/// platform roles and the reason); the account is told.
pub async fn reset_two_factor(db: &Db, account_id: AccountId) -> sqlx::Result<()> {
    let mut tx = db.begin_immediate().await?;
    store::disable_two_factor_in(&mut tx, account_id).await?;
    tell_two_factor(&mut tx, account_id, NoticeKind::TwoFactorReset).await?;
    tx.commit().await
}

pub use super::store::{recovery_codes_left, start_enrolment, two_factor};

pub use super::store::{SsoIdentity, has_password, sso_account, sso_identity, sso_used};

/// Links an identity at an identity provider to an account, and tells the
/// account; false when the identity is linked already (to any account) or
/// the account has one there.
pub async fn link_identity(
    db: &Db,
    account_id: AccountId,
    issuer: &str,
    subject: &str,
    email: &str,
) -> sqlx::Result<bool> {
    let mut tx = db.begin_immediate().await?;
    if !store::link_sso_in(&mut tx, account_id, issuer, subject, email).await? {
        return Ok(false);
    }
    tell_identity(
        &mut tx,
        account_id,
        NoticeKind::SsoLinked,
        if email.is_empty() { subject } else { email },
    )
    .await?;
    tx.commit().await?;
    Ok(true)
}

/// Unlinks the account's identity at `issuer` and tells the account; false
/// when it had none.
pub async fn unlink_identity(db: &Db, account_id: AccountId, issuer: &str) -> sqlx::Result<bool> {
    let mut tx = db.begin_immediate().await?;
    let Some(subject) = store::unlink_sso_in(&mut tx, account_id, issuer).await? else {
        return Ok(false);
    };
    tell_identity(&mut tx, account_id, NoticeKind::SsoUnlinked, &subject).await?;
    tx.commit().await?;
    Ok(true)
}

async fn tell_identity(
    tx: &mut crate::db::Tx,
    account_id: AccountId,
    kind: NoticeKind,
    subject: &str,
) -> sqlx::Result<()> {
    let notice = Notice {
        kind,
        actor: "",
        project: "",
        subject,
        link: "/account/profile",
    };
    notices::send_in(tx, &[account_id], &notice).await
}

/// An account's sign-in through the identity provider, as its pages show it.
pub struct SsoStatus {
    /// The provider's name, in the viewer's language.
    pub label: String,
    pub identity: Option<SsoIdentity>,
    /// Whether it can sign in without the provider (so may unlink).
    pub has_password: bool,
}

impl SsoStatus {
    /// How the linked identity is shown: its email, or its subject.
    pub fn shown(&self) -> &str {
        match &self.identity {
            Some(identity) if !identity.email.is_empty() => &identity.email,
            Some(identity) => &identity.subject,
            None => "",
        }
    }
}

/// The account's sign-in through the identity provider; none when single
/// sign-on is off.
pub async fn sso_status(
    db: &Db,
    sso: Option<&crate::config::Sso>,
    account_id: AccountId,
    lang: crate::web::i18n::Lang,
) -> sqlx::Result<Option<SsoStatus>> {
    let Some(sso) = sso else {
        return Ok(None);
    };
    Ok(Some(SsoStatus {
        label: sso.label(lang),
        identity: store::sso_identity(db, account_id, &sso.issuer).await?,
        has_password: store::has_password(db, account_id).await?,
    }))
}
