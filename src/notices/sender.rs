//! The outbox's sender: every instance with `--smtp-url` runs one. It takes
//! a due notice under a lease (one sender at a time per notice, across
//! instances), emails it, and marks it sent; a failure is tried again
//! later, backing off, until it is given up and counted for the operators.
//! A notice committed and not yet sent when a process dies is still
//! pending, and is sent after the restart (or by another instance).

use std::sync::Arc;

use super::{NoticeKind, mail::Mailer, store};
use crate::{db::Db, web::i18n::Lang};

/// How often a sender looks for due notices.
const POLL: std::time::Duration = std::time::Duration::from_millis(500);
/// How long a sender holds a notice it took: longer than an SMTP
/// conversation may last (`mail::SMTP_TIMEOUT`).
pub const LEASE_SECONDS: i64 = 60;
/// Tries before a notice's email is given up.
pub const MAX_ATTEMPTS: i64 = 8;
/// How long links made for an email stay valid (a reset, a confirmation).
pub const LINK_SECONDS: i64 = 24 * 3600;

/// Seconds before try `attempts + 1`: 10 s, 20 s, 40 s … at most an hour.
pub fn backoff(attempts: i64) -> i64 {
    let exponent = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    10_i64.saturating_mul(2_i64.saturating_pow(exponent)).min(3600)
}

/// Starts this instance's sender.
pub fn start(db: Db, mailer: Arc<Mailer>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL);
        loop {
            tick.tick().await;
            loop {
                match send_next(&db, &mailer).await {
                    Ok(true) => continue,
                    Ok(false) => break,
                    Err(err) => {
                        tracing::error!(error = %err, "the notice sender could not reach the database");
                        break;
                    }
                }
            }
        }
    });
}

/// Sends the next due notice, if there is one (false: none is due).
pub async fn send_next(db: &Db, mailer: &Mailer) -> sqlx::Result<bool> {
    let now = crate::db::now();
    let Some(id) = store::next_due(db, now).await? else {
        return Ok(false);
    };
    if !store::claim(db, id, now, now + LEASE_SECONDS).await? {
        // Another sender took it: look again.
        return Ok(true);
    }
    let Some(outgoing) = store::outgoing(db, id).await? else {
        return Ok(true);
    };
    match deliver(db, mailer, &outgoing).await {
        Ok(()) => {
            store::mark_sent(db, id, crate::db::now()).await?;
            tracing::info!(notice = id, kind = %outgoing.notice.kind, "emailed a notice");
        }
        Err(error) => {
            let attempts = outgoing.attempts + 1;
            let retry_at = (attempts < MAX_ATTEMPTS).then(|| crate::db::now() + backoff(attempts));
            tracing::warn!(notice = id, attempts, error = %error, given_up = retry_at.is_none(), "could not email a notice");
            store::mark_failed(db, id, &error, retry_at).await?;
        }
    }
    Ok(true)
}

/// Writes and sends one notice's email. A reset or confirmation link is
/// made here, as it is sent (its digest stored, replacing an earlier try's),
/// so that no usable link waits in the outbox.
async fn deliver(db: &Db, mailer: &Mailer, outgoing: &store::Outgoing) -> Result<(), String> {
    let notice = &outgoing.notice;
    let lang = Lang::parse(&outgoing.language).unwrap_or(Lang::En);
    let expires_at = crate::db::now() + LINK_SECONDS;
    let link = match NoticeKind::parse(&notice.kind) {
        Some(NoticeKind::PasswordReset) => {
            let token = crate::token::uuid_secret();
            let digest = crate::token::digest(&token);
            store::replace_reset(db, notice.id, outgoing.account_id, &digest, expires_at)
                .await
                .map_err(|e| format!("the reset link could not be stored: {e}"))?;
            format!("/reset/{token}")
        }
        Some(NoticeKind::EmailConfirm) => {
            let token = crate::token::uuid_secret();
            let digest = crate::token::digest(&token);
            let waiting = store::set_email_change_token(db, outgoing.account_id, &notice.subject, &digest, expires_at)
                .await
                .map_err(|e| format!("the confirmation link could not be stored: {e}"))?;
            if !waiting {
                // Replaced or withdrawn since: nothing to confirm.
                return Ok(());
            }
            format!("/account/email/{token}")
        }
        Some(NoticeKind::EmailChangeAsked) => {
            let token = crate::token::uuid_secret();
            let digest = crate::token::digest(&token);
            let waiting = store::set_email_cancel_token(db, outgoing.account_id, &notice.subject, &digest)
                .await
                .map_err(|e| format!("the cancel link could not be stored: {e}"))?;
            if !waiting {
                // Made, replaced or withdrawn since: nothing to cancel.
                return Ok(());
            }
            format!("/account/email/cancel/{token}")
        }
        _ => notice.link.clone(),
    };
    let sentence = notice.sentence_in(lang);
    let email = super::mail::compose(
        lang,
        &outgoing.name,
        &sentence,
        &mailer.link(&crate::web::local_path(&link)),
        &mailer.link("/account/profile"),
    )
    .map_err(|e| format!("the email could not be written: {e}"))?;
    mailer.send(&outgoing.name, &outgoing.address, email).await
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn tries_back_off_to_an_hour() {
        assert_eq!(backoff(1), 10);
        assert_eq!(backoff(2), 20);
        assert_eq!(backoff(3), 40);
        assert_eq!(backoff(20), 3600);
        assert_eq!(backoff(i64::MAX), 3600);
    }
}
