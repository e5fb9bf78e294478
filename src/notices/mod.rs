//! Notices: something that happened and concerns an account (a quota
//! request decided, a key about to expire, a sign-in from a new browser…),
//! written in the same transaction as the change that causes it, counted
//! under the bell in the top bar and listed on the Notices page (an account
//! page: `accounts::routes`) in the reader's language, kept 90 days; and
//! emailed from the same rows, the outbox (`sender.rs`, `mail.rs`).

pub mod mail;
pub mod sender;
pub mod service;
pub mod store;
pub mod views;

/// How long a notice is kept, read or not.
pub const KEEP_DAYS: i64 = 90;

/// What a notice is about; its code is stored, its message shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// To the deciders: someone asked for more quota or a renewal.
    QuotaRequestFiled,
    /// To the deciders: the requester changed what they ask.
    QuotaRequestEdited,
    /// To the deciders: the requester took it back.
    QuotaRequestWithdrawn,
    /// To the requester: approved as asked.
    QuotaRequestApproved,
    /// To the requester: approved with other figures.
    QuotaRequestChanged,
    QuotaRequestDeclined,
    /// To the requester: no longer possible (removed from the project, the
    /// project closed).
    QuotaRequestClosed,
    /// To a key's owner, 7 days and 1 day before it expires (`subject`: the key ID).
    KeyExpiresInAWeek,
    KeyExpiresTomorrow,
    KeyExpired,
    /// Usage crossed 80, 95 or 100 % of a quota (`subject`: `ccs:gpu:95`;
    /// `actor`: the member whose quota, or empty for the project's).
    QuotaThreshold,
    /// A wallet's balance fell below its threshold, or below zero
    /// (`subject`: the balance; `actor`: the member of a sub-wallet).
    WalletLow,
    WalletNegative,
    /// To the member (`subject`: the role, `tenant_admin` or `tenant_user`).
    MemberAdded,
    MemberRoleChanged,
    MemberRemoved,
    /// To the tenant admins (`subject`: the order number and amount).
    OrderCredited,
    /// To the account: security notices, always emailed.
    PasswordChanged,
    /// To the old address and the new (`subject`: the new address).
    EmailChanged,
    /// `subject`: the browser.
    NewDevice,
    AccountLocked,
    AccountUnlocked,
    /// Support issued a reset link (the link itself goes to support).
    ResetLinkIssued,
    /// A second factor was turned on, or off.
    TwoFactorOn,
    TwoFactorOff,
    /// Support reset the second factor.
    TwoFactorReset,
    /// An identity at the identity provider was linked to the account, or
    /// unlinked (`subject`: its email or subject).
    SsoLinked,
    SsoUnlinked,
    /// Email only: a forgotten password's reset link, made when it is sent.
    PasswordReset,
    /// Email only, to the new address: the link that confirms it.
    EmailConfirm,
    /// Email only, to the current address: a change to `subject` was asked
    /// for, with the link that cancels it.
    EmailChangeAsked,
}

/// What a person chooses to get by email (security notices always come).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Topic {
    Requests,
    Keys,
    Quotas,
    Wallet,
    Membership,
    Orders,
    Security,
}

impl Topic {
    /// The topics a person may turn off, in the order the Profile shows them.
    pub const CHOSEN: [Topic; 6] = [
        Topic::Keys,
        Topic::Quotas,
        Topic::Requests,
        Topic::Wallet,
        Topic::Membership,
        Topic::Orders,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Topic::Requests => "requests",
            Topic::Keys => "keys",
            Topic::Quotas => "quotas",
            Topic::Wallet => "wallet",
            Topic::Membership => "membership",
            Topic::Orders => "orders",
            Topic::Security => "security",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Topic::Requests => "topic-requests",
            Topic::Keys => "topic-keys",
            Topic::Quotas => "topic-quotas",
            Topic::Wallet => "topic-wallet",
            Topic::Membership => "topic-membership",
            Topic::Orders => "topic-orders",
            Topic::Security => "topic-security",
        }
    }
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 31] = [
        NoticeKind::QuotaRequestFiled,
        NoticeKind::QuotaRequestEdited,
        NoticeKind::QuotaRequestWithdrawn,
        NoticeKind::QuotaRequestApproved,
        NoticeKind::QuotaRequestChanged,
        NoticeKind::QuotaRequestDeclined,
        NoticeKind::QuotaRequestClosed,
        NoticeKind::KeyExpiresInAWeek,
        NoticeKind::KeyExpiresTomorrow,
        NoticeKind::KeyExpired,
        NoticeKind::QuotaThreshold,
        NoticeKind::WalletLow,
        NoticeKind::WalletNegative,
        NoticeKind::MemberAdded,
        NoticeKind::MemberRoleChanged,
        NoticeKind::MemberRemoved,
        NoticeKind::OrderCredited,
        NoticeKind::PasswordChanged,
        NoticeKind::EmailChanged,
        NoticeKind::NewDevice,
        NoticeKind::AccountLocked,
        NoticeKind::AccountUnlocked,
        NoticeKind::ResetLinkIssued,
        NoticeKind::TwoFactorOn,
        NoticeKind::TwoFactorOff,
        NoticeKind::TwoFactorReset,
        NoticeKind::SsoLinked,
        NoticeKind::SsoUnlinked,
        NoticeKind::PasswordReset,
        NoticeKind::EmailConfirm,
        NoticeKind::EmailChangeAsked,
    ];

    /// The stored code; its message is `notice-` and the code with dashes.
    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::QuotaRequestFiled => "quota_request.filed",
            NoticeKind::QuotaRequestEdited => "quota_request.edited",
            NoticeKind::QuotaRequestWithdrawn => "quota_request.withdrawn",
            NoticeKind::QuotaRequestApproved => "quota_request.approved",
            NoticeKind::QuotaRequestChanged => "quota_request.changed",
            NoticeKind::QuotaRequestDeclined => "quota_request.declined",
            NoticeKind::QuotaRequestClosed => "quota_request.closed",
            NoticeKind::KeyExpiresInAWeek => "key.expires_in_a_week",
            NoticeKind::KeyExpiresTomorrow => "key.expires_tomorrow",
            NoticeKind::KeyExpired => "key.expired",
            NoticeKind::QuotaThreshold => "quota.threshold",
            NoticeKind::WalletLow => "wallet.low",
            NoticeKind::WalletNegative => "wallet.negative",
            NoticeKind::MemberAdded => "member.added",
            NoticeKind::MemberRoleChanged => "member.role_changed",
            NoticeKind::MemberRemoved => "member.removed",
            NoticeKind::OrderCredited => "order.credited",
            NoticeKind::PasswordChanged => "security.password_changed",
            NoticeKind::EmailChanged => "security.email_changed",
            NoticeKind::NewDevice => "security.new_device",
            NoticeKind::AccountLocked => "security.locked",
            NoticeKind::AccountUnlocked => "security.unlocked",
            NoticeKind::ResetLinkIssued => "security.reset_link_issued",
            NoticeKind::TwoFactorOn => "security.two_factor_on",
            NoticeKind::TwoFactorOff => "security.two_factor_off",
            NoticeKind::TwoFactorReset => "security.two_factor_reset",
            NoticeKind::SsoLinked => "security.sso_linked",
            NoticeKind::SsoUnlinked => "security.sso_unlinked",
            NoticeKind::PasswordReset => "security.password_reset",
            NoticeKind::EmailConfirm => "security.email_confirm",
            NoticeKind::EmailChangeAsked => "security.email_change_asked",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        NoticeKind::ALL.into_iter().find(|kind| kind.code() == code)
    }

    pub fn topic(self) -> Topic {
        match self.code().split_once('.').map_or("", |(group, _)| group) {
            "quota_request" => Topic::Requests,
            "key" => Topic::Keys,
            "quota" => Topic::Quotas,
            "wallet" => Topic::Wallet,
            "member" => Topic::Membership,
            "order" => Topic::Orders,
            _ => Topic::Security,
        }
    }

    /// The message (`notice-` and the code, dashed), with `$actor`,
    /// `$project` and `$subject` (and what `NoticeRow::sentence_in` reads
    /// out of a subject).
    pub fn message_key(self) -> String {
        format!("notice-{}", self.code().replace(['.', '_'], "-"))
    }
}

/// Forgets notices older than `KEEP_DAYS`, once an hour across all instances.
pub fn keep_pruning(db: crate::db::Db) {
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            let at = crate::db::now();
            match db.claim_run("notices-pruning", 3600, at).await {
                Ok(true) => match service::prune(&db, at - KEEP_DAYS * 86_400).await {
                    Ok(0) => {}
                    Ok(pruned) => tracing::info!(pruned, "pruned notices"),
                    Err(err) => tracing::error!(error = %err, "could not prune notices"),
                },
                Ok(false) => {}
                Err(err) => tracing::error!(error = %err, "could not claim the notices pruning"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_go_both_ways() {
        for kind in NoticeKind::ALL {
            assert_eq!(NoticeKind::parse(kind.code()), Some(kind));
            for catalog in [
                include_str!("../../locales/en/main.ftl"),
                include_str!("../../locales/zh-TW/main.ftl"),
            ] {
                let line = format!("\n{} = ", kind.message_key());
                assert!(catalog.contains(&line), "{kind:?} has no message");
            }
        }
        assert_eq!(NoticeKind::KeyExpired.topic(), Topic::Keys);
        assert_eq!(NoticeKind::PasswordReset.topic(), Topic::Security);
        assert_eq!(NoticeKind::parse("nothing"), None);
    }
}
