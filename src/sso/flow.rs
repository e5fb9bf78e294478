//! A sign-in under way at the identity provider, remembered by the browser
//! in its own cookie (encrypted and signed with an instance secret, so any
//! instance can read it and nobody can forge it): the `state`, `nonce` and
//! PKCE verifier that the answer must match, and what the sign-in is for.
//!
//! Why a cookie of its own: the session cookie is `SameSite=Strict`, so the
//! browser leaves it out of the provider's redirect back (a navigation from
//! another site). This one is `SameSite=Lax` (sent on that navigation), is
//! sent to the callback path only, lives ten minutes and is used once.

use actix_web::{
    HttpRequest,
    cookie::{Cookie, CookieJar, Key, SameSite, time::Duration},
};
use serde::{Deserialize, Serialize};

const COOKIE: &str = "mc_sso";
const PATH: &str = "/sign-in/sso/callback";
/// How long the provider's answer may take (seconds).
const LIFETIME: i64 = 600;

#[derive(Serialize, Deserialize)]
pub struct Flow {
    pub state: String,
    pub nonce: String,
    pub verifier: String,
    /// Where to go after signing in (a local path).
    pub next: String,
    /// A link from a signed-in account (its ID and session epoch: signing
    /// out everywhere meanwhile cancels it), or a sign-in.
    pub link: Option<(i64, i64)>,
    pub at: i64,
}

impl Flow {
    /// The cookie that remembers this flow.
    pub fn cookie(&self, key: &Key, secure: bool) -> anyhow::Result<Cookie<'static>> {
        let value = serde_json::to_string(self)?;
        let mut jar = CookieJar::new();
        jar.private_mut(key).add(
            Cookie::build(COOKIE, value)
                .path(PATH)
                .http_only(true)
                .secure(secure)
                .same_site(SameSite::Lax)
                .max_age(Duration::seconds(LIFETIME))
                .finish(),
        );
        jar.get(COOKIE)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("the flow cookie was not made"))
    }

    /// The flow this browser started, if its cookie is there, genuine and
    /// not too old.
    pub fn read(req: &HttpRequest, key: &Key) -> Option<Flow> {
        let sent = req.cookie(COOKIE)?;
        let mut jar = CookieJar::new();
        jar.add_original(sent);
        let opened = jar.private(key).get(COOKIE)?;
        let flow: Flow = serde_json::from_str(opened.value()).ok()?;
        (crate::db::now() - flow.at < LIFETIME).then_some(flow)
    }

    /// The cookie's removal: a flow is used once.
    pub fn removal(secure: bool) -> Cookie<'static> {
        let mut cookie = Cookie::build(COOKIE, "")
            .path(PATH)
            .http_only(true)
            .secure(secure)
            .same_site(SameSite::Lax)
            .finish();
        cookie.make_removal();
        cookie
    }
}
