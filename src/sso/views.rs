//! The pages of single sign-on.

use askama::Template;

use crate::web::{Layout, i18n::Lang};

/// The answer to the provider's redirect: moves on at once, by a
/// navigation from this site (so the browser sends the session cookie).
/// Nothing on it needs the session, which is not sent with the redirect.
#[derive(Template)]
#[template(path = "sso/continue.html")]
pub(super) struct ContinuePage {
    pub(super) lang: Lang,
    /// A local path.
    pub(super) target: String,
}

/// What went wrong with a sign-in or link at the provider.
#[derive(Template)]
#[template(path = "sso/failed.html")]
pub(super) struct FailedPage {
    pub(super) l: Layout,
    pub(super) message: String,
    pub(super) signed_in: bool,
}
