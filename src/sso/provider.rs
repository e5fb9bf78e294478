//! The identity provider, spoken to with OpenID Connect: its discovery
//! document (fetched for each sign-in, so a key the provider rotates is
//! seen at once), the authorization request (code flow with PKCE, `state`
//! and `nonce`), and the code's exchange for an ID token whose signature,
//! issuer, audience, expiry and nonce are verified.

use openidconnect::{
    AuthenticationFlow, AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, RedirectUrl, Scope, TokenResponse,
    core::{CoreClient, CoreGenderClaim, CoreResponseType},
    reqwest,
};

use super::Failure;

/// What the portal was told to trust, read at start.
#[derive(Clone)]
pub struct Provider {
    issuer: IssuerUrl,
    client_id: ClientId,
    client_secret: ClientSecret,
    /// Where the provider sends the browser back (`/sign-in/sso/callback`).
    redirect: RedirectUrl,
    /// Where it may send the browser after signing out there (`/sign-in`).
    after_sign_out: PostLogoutRedirectUrl,
    http: reqwest::Client,
}

/// A sign-in sent to the provider: what must come back with it.
pub struct Sent {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub verifier: String,
}

/// Who the provider says signed in, from a verified ID token.
#[derive(Debug, Clone)]
pub struct Claims {
    pub issuer: String,
    pub subject: String,
    /// The address, only when the provider says it verified it.
    pub verified_email: Option<String>,
    /// An address the provider did not verify (never used; said on the failure page).
    pub unverified_email: bool,
    pub name: Option<String>,
    /// The claim named by `--oidc-username-claim`, when it is a string.
    pub username: Option<String>,
}

impl Provider {
    pub fn new(settings: &crate::config::Sso, public_url: &str) -> anyhow::Result<Self> {
        let secret = std::fs::read_to_string(&settings.client_secret_file).map_err(|e| {
            anyhow::anyhow!(
                "--oidc-client-secret-file {}: {e}",
                settings.client_secret_file.display()
            )
        })?;
        let base = public_url.trim_end_matches('/');
        let http = reqwest::Client::builder()
            // Following redirects would let the provider's answers lead the
            // portal to other hosts (SSRF).
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(10))
            .build()?;
        Ok(Provider {
            issuer: IssuerUrl::new(settings.issuer.clone())?,
            client_id: ClientId::new(settings.client_id.clone()),
            client_secret: ClientSecret::new(secret.trim().to_string()),
            redirect: RedirectUrl::new(format!("{base}/sign-in/sso/callback"))?,
            after_sign_out: PostLogoutRedirectUrl::new(format!("{base}/sign-in"))?,
            http,
        })
    }

    pub fn issuer(&self) -> &str {
        self.issuer.as_str()
    }

    async fn discover(&self) -> Result<openidconnect::ProviderMetadataWithLogout, Failure> {
        openidconnect::ProviderMetadataWithLogout::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|err| {
                tracing::warn!(issuer = %self.issuer.as_str(), error = %chain(&err), "identity provider unreachable");
                Failure::ProviderDown
            })
    }

    /// The provider's sign-in page for a new attempt, and what to remember.
    pub async fn authorize(&self, lang: &str) -> Result<Sent, Failure> {
        let metadata = self.discover().await?;
        let client =
            CoreClient::from_provider_metadata(metadata, self.client_id.clone(), Some(self.client_secret.clone()))
                .set_redirect_uri(self.redirect.clone());
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let (url, state, nonce) = client
            .authorize_url(
                AuthenticationFlow::<CoreResponseType>::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .add_scope(Scope::new("email".to_string()))
            .add_scope(Scope::new("profile".to_string()))
            .set_pkce_challenge(challenge)
            .add_extra_param("ui_locales", lang)
            .url();
        Ok(Sent {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges `code` (with the PKCE verifier) for an ID token and
    /// verifies it: signature by the provider's published keys, issuer,
    /// audience, expiry, and the `nonce` this browser was given.
    pub async fn finish(
        &self,
        code: &str,
        verifier: &str,
        nonce: &str,
        username_claim: &str,
    ) -> Result<Claims, Failure> {
        let metadata = self.discover().await?;
        let client =
            CoreClient::from_provider_metadata(metadata, self.client_id.clone(), Some(self.client_secret.clone()))
                .set_redirect_uri(self.redirect.clone());
        let request = client
            .exchange_code(AuthorizationCode::new(code.to_string()))
            .map_err(|err| {
                tracing::warn!(error = %err, "the identity provider names no token endpoint");
                Failure::ProviderDown
            })?;
        let response = request
            .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()))
            .request_async(&self.http)
            .await
            .map_err(|err| {
                tracing::warn!(error = %chain(&err), "the identity provider refused the code");
                match err {
                    openidconnect::RequestTokenError::Request(_) => Failure::ProviderDown,
                    _ => Failure::CodeRefused,
                }
            })?;
        let Some(id_token) = response.id_token() else {
            tracing::warn!("the identity provider answered without an ID token");
            return Err(Failure::TokenInvalid);
        };
        let claims = id_token
            .claims(&client.id_token_verifier(), &Nonce::new(nonce.to_string()))
            .map_err(|err| {
                tracing::warn!(error = %chain(&err), "the ID token failed verification");
                Failure::TokenInvalid
            })?;
        // The username claim is read from the token's own JSON: it may be
        // any claim the operator names.
        let username = match username_claim {
            "preferred_username" => claims.preferred_username().map(|u| u.as_str().to_string()),
            "email" => claims.email().map(|e| e.as_str().to_string()),
            "sub" => Some(claims.subject().as_str().to_string()),
            other => other_claim(&id_token.to_string(), other),
        };
        let mut found = Claims {
            issuer: claims.issuer().as_str().to_string(),
            subject: claims.subject().as_str().to_string(),
            verified_email: None,
            unverified_email: false,
            name: claims.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string()),
            username,
        };
        found.set_email(claims.email().map(|e| e.as_str()), claims.email_verified());
        // A provider may keep the profile for its userinfo endpoint (as the
        // specification lets it when an access token is issued): asked
        // there, for the same subject, when the ID token lacks it.
        if found.verified_email.is_none() || found.username.is_none() || found.name.is_none() {
            let Ok(request) = client.user_info(response.access_token().clone(), Some(claims.subject().clone())) else {
                return Ok(found);
            };
            let info: openidconnect::UserInfoClaims<AnyClaims, CoreGenderClaim> =
                request.request_async(&self.http).await.map_err(|err| {
                    tracing::warn!(error = %chain(&err), "the identity provider's userinfo failed");
                    Failure::TokenInvalid
                })?;
            if found.verified_email.is_none() {
                found.set_email(info.email().map(|e| e.as_str()), info.email_verified());
            }
            if found.name.is_none() {
                found.name = info.name().and_then(|n| n.get(None)).map(|n| n.as_str().to_string());
            }
            if found.username.is_none() {
                found.username = match username_claim {
                    "preferred_username" => info.preferred_username().map(|u| u.as_str().to_string()),
                    "email" => info.email().map(|e| e.as_str().to_string()),
                    other => info
                        .additional_claims()
                        .0
                        .get(other)
                        .and_then(|v| v.as_str())
                        .map(str::to_string),
                };
            }
        }
        Ok(found)
    }

    /// The provider's sign-out page (RP-initiated logout), when it has one.
    pub async fn end_session_url(&self) -> Result<Option<String>, Failure> {
        let metadata = self.discover().await?;
        Ok(metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()
            .map(|endpoint| {
                openidconnect::LogoutRequest::from(endpoint)
                    .set_client_id(self.client_id.clone())
                    .set_post_logout_redirect_uri(self.after_sign_out.clone())
                    .http_get_url()
                    .to_string()
            }))
    }
}

impl Claims {
    /// The email, as verified or not.
    fn set_email(&mut self, email: Option<&str>, verified: Option<bool>) {
        match (email, verified) {
            (Some(email), Some(true)) => {
                self.verified_email = Some(email.to_string());
                self.unverified_email = false;
            }
            (Some(_), _) => self.unverified_email = true,
            (None, _) => {}
        }
    }
}

/// Whatever else the userinfo endpoint says, by claim name.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
struct AnyClaims(std::collections::HashMap<String, serde_json::Value>);

impl openidconnect::AdditionalClaims for AnyClaims {}

/// A string claim of a verified token by name (the token is verified
/// before this reads its payload).
fn other_claim(token: &str, name: &str) -> Option<String> {
    use base64::Engine as _;
    let payload = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(payload).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    json.get(name)?.as_str().map(str::to_string)
}

/// An error with its causes, for the log.
fn chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
