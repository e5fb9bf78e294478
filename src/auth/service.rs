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
