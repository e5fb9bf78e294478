//! Sign-in with the institution's account: OpenID Connect's code flow
//! (`provider.rs`) with the browser's half in its own cookie (`flow.rs`).
//! An identity at the provider (issuer and subject) is linked to one
//! account (`auth::store`, `sso_identities`): from the Profile page by a
//! signed-in person, from an account's support page by an operator, or at
//! its first sign-in when the operator lets the portal make accounts.
//!
//! Every way it can fail ends on a page that says what happened and what to
//! do (`Failure`), and in the server log with the reason; never a 500.

pub mod flow;
pub mod provider;
pub mod routes;
pub mod service;
pub mod views;

use crate::web::router::Routes;

pub fn configure(r: &mut Routes) {
    r.post("/sign-in/sso", routes::start_sign_in)
        .get("/sign-in/sso/callback", routes::callback)
        .get("/sign-in/sso/failed/{reason}", routes::failed)
        .get("/sign-in/sso/sign-out", routes::provider_sign_out)
        .post("/account/sso/link", routes::start_link)
        .post("/account/sso/unlink", routes::unlink);
}

/// Why a sign-in (or link) at the identity provider did not happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Single sign-on is not configured on this portal.
    Off,
    /// The provider could not be reached, or answered nonsense.
    ProviderDown,
    /// The provider said no (the person cancelled, or it refused them).
    ProviderRefused,
    /// No flow cookie: too slow, another browser, or cookies blocked.
    Expired,
    /// The answer's `state` is not this browser's.
    WrongState,
    /// The provider would not exchange the code (used, expired, or not ours).
    CodeRefused,
    /// The ID token failed verification (signature, issuer, audience, expiry, nonce).
    TokenInvalid,
    /// No account is linked and accounts are not made here.
    Unknown,
    /// An account would be made, but the provider did not verify the email.
    UnverifiedEmail,
    /// An account would be made, but its username is taken or unusable.
    UsernameTaken,
    /// An account would be made, but another account has the email.
    EmailTaken,
    /// The identity is linked to another account.
    LinkedElsewhere,
    /// The account has an identity at this provider already.
    AlreadyLinked,
    /// The account is locked, or the linking session ended meanwhile.
    Locked,
    /// The provider has no sign-out page to send the browser to.
    NoSignOut,
}

impl Failure {
    pub const ALL: [Failure; 15] = [
        Failure::Off,
        Failure::ProviderDown,
        Failure::ProviderRefused,
        Failure::Expired,
        Failure::WrongState,
        Failure::CodeRefused,
        Failure::TokenInvalid,
        Failure::Unknown,
        Failure::UnverifiedEmail,
        Failure::UsernameTaken,
        Failure::EmailTaken,
        Failure::LinkedElsewhere,
        Failure::AlreadyLinked,
        Failure::Locked,
        Failure::NoSignOut,
    ];

    /// Its name in the failure page's path, and in its message key (`sso-failed-…`).
    pub fn code(self) -> &'static str {
        match self {
            Failure::Off => "off",
            Failure::ProviderDown => "provider-down",
            Failure::ProviderRefused => "provider-refused",
            Failure::Expired => "expired",
            Failure::WrongState => "wrong-state",
            Failure::CodeRefused => "code-refused",
            Failure::TokenInvalid => "token-invalid",
            Failure::Unknown => "unknown",
            Failure::UnverifiedEmail => "unverified-email",
            Failure::UsernameTaken => "username-taken",
            Failure::EmailTaken => "email-taken",
            Failure::LinkedElsewhere => "linked-elsewhere",
            Failure::AlreadyLinked => "already-linked",
            Failure::Locked => "locked",
            Failure::NoSignOut => "no-sign-out",
        }
    }

    pub fn parse(code: &str) -> Option<Failure> {
        Failure::ALL.into_iter().find(|f| f.code() == code)
    }

    pub fn status(self) -> actix_web::http::StatusCode {
        use actix_web::http::StatusCode;
        match self {
            Failure::Off => StatusCode::NOT_FOUND,
            Failure::ProviderDown => StatusCode::BAD_GATEWAY,
            Failure::ProviderRefused | Failure::Unknown | Failure::UnverifiedEmail | Failure::Locked => {
                StatusCode::FORBIDDEN
            }
            Failure::UsernameTaken | Failure::EmailTaken | Failure::LinkedElsewhere | Failure::AlreadyLinked => {
                StatusCode::CONFLICT
            }
            Failure::Expired | Failure::WrongState | Failure::CodeRefused | Failure::TokenInvalid => {
                StatusCode::BAD_REQUEST
            }
            Failure::NoSignOut => StatusCode::NOT_FOUND,
        }
    }

    /// Its message: `sso-failed-` and its code.
    pub fn message_key(self) -> &'static str {
        match self {
            Failure::Off => "sso-failed-off",
            Failure::ProviderDown => "sso-failed-provider-down",
            Failure::ProviderRefused => "sso-failed-provider-refused",
            Failure::Expired => "sso-failed-expired",
            Failure::WrongState => "sso-failed-wrong-state",
            Failure::CodeRefused => "sso-failed-code-refused",
            Failure::TokenInvalid => "sso-failed-token-invalid",
            Failure::Unknown => "sso-failed-unknown",
            Failure::UnverifiedEmail => "sso-failed-unverified-email",
            Failure::UsernameTaken => "sso-failed-username-taken",
            Failure::EmailTaken => "sso-failed-email-taken",
            Failure::LinkedElsewhere => "sso-failed-linked-elsewhere",
            Failure::AlreadyLinked => "sso-failed-already-linked",
            Failure::Locked => "sso-failed-locked",
            Failure::NoSignOut => "sso-failed-no-sign-out",
        }
    }
}
