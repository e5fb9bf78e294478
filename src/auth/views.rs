//! The pages and fragments of auth: askama templates and the view
//! models they show. No database and no rules here (`routes.rs` fills them).

use crate::web::Layout;
use askama::Template;

#[derive(Template)]
#[template(path = "auth/sign_in.html")]
pub(super) struct SignInPage {
    pub(super) l: Layout,
    pub(super) next: String,
    pub(super) username: String,
    pub(super) error: Option<String>,
    /// The identity provider's button, when single sign-on is on.
    pub(super) sso: Option<String>,
    /// Signed out of an account linked to the provider: offer its sign-out.
    pub(super) signed_out_sso: bool,
}

/// The second step of signing in: a code from the authenticator app, or a
/// recovery code.
#[derive(Template)]
#[template(path = "auth/sign_in_code.html")]
pub(super) struct SignInCodePage {
    pub(super) l: Layout,
    pub(super) error: Option<String>,
}

/// Two-factor sign-in on the account: enrol (QR code, confirm with a code),
/// the recovery codes once, or turn it off.
#[derive(Template)]
#[template(path = "auth/two_factor.html")]
pub(super) struct TwoFactorPage {
    pub(super) l: Layout,
    pub(super) enabled: bool,
    /// While enrolling: the secret as text and its QR code (SVG).
    pub(super) secret: String,
    pub(super) qr: String,
    /// Just enabled: the recovery codes, shown this once.
    pub(super) codes: Vec<String>,
    pub(super) recovery_left: i64,
    pub(super) error: Option<String>,
    /// The account's role requires it, and it is not on yet.
    pub(super) required: bool,
    /// Where the person goes on once it is on.
    pub(super) next: String,
}

impl TwoFactorPage {
    /// The recovery codes as a file's text, one a line.
    pub(super) fn codes_text(&self) -> String {
        self.codes.iter().map(|code| format!("{code}\n")).collect()
    }

    /// The same, as a `data:` link to download.
    pub(super) fn codes_download(&self) -> String {
        let text: String = form_urlencoded::byte_serialize(self.codes_text().as_bytes()).collect();
        format!("data:text/plain;charset=utf-8,{}", text.replace('+', "%20"))
    }
}
