//! The pages and fragments of accounts: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use crate::{
    auth::service::SessionRow,
    notices::{Topic, service::NoticeRow},
    web::{FieldErrors, Layout},
};
use askama::Template;

#[derive(Template)]
#[template(path = "account/profile.html", blocks = ["content"])]
pub(super) struct ProfilePage {
    pub(super) l: Layout,
    pub(super) tab: &'static str,
    pub(super) display_name: String,
    pub(super) email: String,
    pub(super) phone: String,
    pub(super) language: String,
    pub(super) time_zone: String,
    pub(super) errors: FieldErrors,
    pub(super) zones: &'static [&'static str],
    /// The account's signed-in sessions, and which one is this.
    pub(super) sessions: Vec<SessionRow>,
    pub(super) this_session: Option<i64>,
    /// A new email address waiting for its link to be followed.
    pub(super) pending_email: Option<String>,
    /// Which topics of notices come by email.
    pub(super) topics: Vec<(Topic, bool)>,
    /// Whether this portal sends email at all.
    pub(super) email_on: bool,
    /// Sign-in through the identity provider, when it is on.
    pub(super) sso: Option<crate::auth::service::SsoStatus>,
    /// Their user name on the HPC cluster, when the portal manages one.
    pub(super) cluster_user: Option<String>,
}

impl ProfilePage {
    pub(super) fn is_this(&self, session: &SessionRow) -> bool {
        self.this_session == Some(session.id)
    }

    /// "Firefox on Linux": what a person recognises of a user agent.
    pub(super) fn device(&self, session: &SessionRow) -> String {
        device_of(&session.user_agent, &self.l)
    }
}

#[derive(Template)]
#[template(path = "account/password.html", blocks = ["content"])]
pub(super) struct PasswordPage {
    pub(super) l: Layout,
    pub(super) tab: &'static str,
    pub(super) errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "account/reset.html")]
pub(super) struct ResetPage {
    pub(super) l: Layout,
    pub(super) token: String,
    pub(super) username: String,
    pub(super) errors: FieldErrors,
}

/// The bell's short list: the latest notices, and the way to them all.
#[derive(Template)]
#[template(path = "notices/_latest.html")]
pub(super) struct LatestNotices {
    pub(super) l: Layout,
    pub(super) notices: Vec<NoticeRow>,
}

#[derive(Template)]
#[template(path = "account/email_cancel.html")]
pub(super) struct CancelEmailPage {
    pub(super) l: Layout,
    pub(super) token: String,
    /// What would be cancelled, in a sentence.
    pub(super) intro: String,
}

#[derive(Template)]
#[template(path = "account/issue_reset.html")]
pub(super) struct IssueResetPage {
    pub(super) l: Layout,
    pub(super) username: String,
    pub(super) reason: String,
    pub(super) link: Option<String>,
    pub(super) errors: FieldErrors,
}

fn device_of(user_agent: &str, l: &Layout) -> String {
    let ua = user_agent;
    let browser = [
        ("Edg/", "Edge"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .into_iter()
    .find(|(mark, _)| ua.contains(mark))
    .map(|(_, name)| name);
    let system = [
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .into_iter()
    .find(|(mark, _)| ua.contains(mark))
    .map(|(_, name)| name);
    match (browser, system) {
        (Some(browser), Some(system)) => l.lang.t_args(
            "session-device",
            &[("browser", browser.to_string()), ("system", system.to_string())],
        ),
        (Some(name), None) | (None, Some(name)) => name.to_string(),
        (None, None) => l.t("session-device-unknown").to_string(),
    }
}

/// The Notices page: what happened that concerns the viewer.
#[derive(Template)]
#[template(path = "notices/page.html")]
pub(super) struct NoticesPage {
    pub(super) l: Layout,
    pub(super) notices: Vec<NoticeRow>,
    pub(super) page: i64,
    pub(super) pages: i64,
}

impl NoticesPage {
    pub(super) fn page_link(&self, page: &i64) -> String {
        crate::web::page_link("/notices", &[], *page)
    }

    pub(super) fn any_unread(&self) -> bool {
        self.l.unread_notices > 0
    }
}

/// Forgot your password: a username or email, and the same answer for all.
#[derive(Template)]
#[template(path = "account/forgot.html")]
pub(super) struct ForgotPage {
    pub(super) l: Layout,
    pub(super) identifier: String,
    /// Whether the request was taken (the same answer whoever it named).
    pub(super) sent: bool,
    /// Whether this portal sends email at all.
    pub(super) email: bool,
    pub(super) error: Option<String>,
}
