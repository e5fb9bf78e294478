//! The activity log: every JSON API call and every change made through the
//! portal or the command line. Secrets never reach it.

pub mod calls;
pub mod recorder;
pub mod routes;
pub mod service;
pub mod store;
pub mod usage;
pub mod views;

use crate::web::router::Routes;

pub use recorder::{ApiCall, LastUse, Recorder};
pub use store::Change;

/// Declares the kinds of change from one list, so that `ChangeKind::ALL`
/// holds every kind the code can record.
macro_rules! change_kinds {
    ($($kind:ident = $code:literal,)+) => {
        /// What a recorded change is: its code is stored, a sentence in the
        /// reader's language shown (`views::ChangeRow::sentence`, which has
        /// one for every kind).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ChangeKind {
            $($kind,)+
        }

        impl ChangeKind {
            /// Every kind, as declared.
            pub const ALL: &[ChangeKind] = &[$(ChangeKind::$kind,)+];

            /// The stored code (`key.create`).
            pub fn code(self) -> &'static str {
                match self {
                    $(ChangeKind::$kind => $code,)+
                }
            }
        }
    };
}

change_kinds! {
    KeyCreate = "key.create",
    KeyRename = "key.rename",
    KeyExtend = "key.extend",
    KeyRotate = "key.rotate",
    KeyDelete = "key.delete",
    KeyRevoke = "support.revoke_key",
    MemberAdd = "member.add",
    MemberRole = "member.role",
    MemberRemove = "member.remove",
    MemberPermissions = "member.permissions",
    ProjectQuota = "quota.project.set",
    MemberQuota = "quota.member.set",
    QuotaRequestMember = "quota.request.member",
    QuotaRequestProject = "quota.request.project",
    QuotaRequestRenewal = "quota.request.renewal",
    QuotaRequestEdit = "quota.request.edit",
    QuotaRequestWithdraw = "quota.request.withdraw",
    QuotaRequestApprove = "quota.request.approve",
    QuotaRequestDecline = "quota.request.decline",
    QuotaRequestClose = "quota.request.close",
    ObjectStorageRotate = "object_storage.rotate",
    OrderAdd = "order.add",
    OrderAdvance = "order.advance",
    WalletOpen = "wallet.open",
    WalletClose = "wallet.close",
    WalletTransfer = "wallet.transfer",
    WalletWarnBelow = "wallet.warn_below",
    AccountCreate = "account.create",
    AccountRole = "account.role",
    AccountProfile = "account.profile",
    AccountEmail = "account.email",
    AccountEmailCancel = "account.email_cancel",
    AccountPassword = "account.password",
    AccountPasswordReset = "account.password_reset",
    AccountResetLink = "account.reset_link",
    SsoCreate = "account.sso.create",
    SsoLink = "account.sso.link",
    SsoUnlink = "account.sso.unlink",
    ProjectCreate = "project.create",
    SupportLock = "support.lock",
    SupportUnlock = "support.unlock",
    SupportResetTwoFactor = "support.reset_two_factor",
    SupportView = "support.view",
    AccountClusterUser = "account.cluster_user",
    SlurmDrift = "slurm.drift",
    HpcJobAssign = "slurm.job_assign",
    HpcJobDismiss = "slurm.job_dismiss",
}

impl ChangeKind {
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|kind| kind.code() == code)
    }
}

pub fn configure(r: &mut Routes) {
    r.get("/activity", routes::page).get("/activity.csv", routes::csv);
}

/// Keeps activity within its retention (`service::maintain`) for as long
/// as the runtime lives: every instance looks hourly, and the one that
/// claims the hour's run (`Db::claim_run`) does it.
pub fn keep_maintaining(db: crate::db::Db, retention: service::Retention) {
    tokio::spawn(async move {
        let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            hourly.tick().await;
            let at = crate::db::now();
            match db.claim_run("activity-maintenance", 3600, at).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(err) => {
                    tracing::error!(error = %err, "could not claim the activity maintenance");
                    continue;
                }
            }
            match service::maintain(&db, retention, at).await {
                Ok(done) if done == service::Maintained::default() => {}
                Ok(done) => tracing::info!(
                    calls_pruned = done.calls_pruned,
                    hours_pruned = done.hours_pruned,
                    sums_pruned = done.sums_pruned,
                    project_sums_pruned = done.project_sums_pruned,
                    changes_pruned = done.changes_pruned,
                    "maintained activity"
                ),
                Err(err) => tracing::error!(error = %err, "could not maintain activity"),
            }
        }
    });
}
