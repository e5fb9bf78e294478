//! Notices in the portal: something that happened and concerns an account
//! (a quota request filed or decided, …), written in the same transaction
//! as the change that causes it, counted under the bell in the top bar and
//! listed on the Notices page in the reader's language; kept 90 days.

pub mod routes;
pub mod service;
pub mod store;
pub mod views;

use crate::web::router::Routes;

pub fn configure(r: &mut Routes) {
    r.get("/notices", routes::page)
        .post("/notices/read-all", routes::read_all)
        .post("/notices/{id}/read", routes::read);
}

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
}

impl NoticeKind {
    pub const ALL: [NoticeKind; 7] = [
        NoticeKind::QuotaRequestFiled,
        NoticeKind::QuotaRequestEdited,
        NoticeKind::QuotaRequestWithdrawn,
        NoticeKind::QuotaRequestApproved,
        NoticeKind::QuotaRequestChanged,
        NoticeKind::QuotaRequestDeclined,
        NoticeKind::QuotaRequestClosed,
    ];

    pub fn code(self) -> &'static str {
        match self {
            NoticeKind::QuotaRequestFiled => "quota_request.filed",
            NoticeKind::QuotaRequestEdited => "quota_request.edited",
            NoticeKind::QuotaRequestWithdrawn => "quota_request.withdrawn",
            NoticeKind::QuotaRequestApproved => "quota_request.approved",
            NoticeKind::QuotaRequestChanged => "quota_request.changed",
            NoticeKind::QuotaRequestDeclined => "quota_request.declined",
            NoticeKind::QuotaRequestClosed => "quota_request.closed",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        NoticeKind::ALL.into_iter().find(|kind| kind.code() == code)
    }

    /// The message, with `$actor`, `$project` and `$subject`.
    pub fn message_key(self) -> &'static str {
        match self {
            NoticeKind::QuotaRequestFiled => "notice-quota-request-filed",
            NoticeKind::QuotaRequestEdited => "notice-quota-request-edited",
            NoticeKind::QuotaRequestWithdrawn => "notice-quota-request-withdrawn",
            NoticeKind::QuotaRequestApproved => "notice-quota-request-approved",
            NoticeKind::QuotaRequestChanged => "notice-quota-request-changed",
            NoticeKind::QuotaRequestDeclined => "notice-quota-request-declined",
            NoticeKind::QuotaRequestClosed => "notice-quota-request-closed",
        }
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
        }
        assert_eq!(NoticeKind::parse("nothing"), None);
    }
}
