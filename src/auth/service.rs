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
