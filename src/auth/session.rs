//! Who is asking: the session, the signed-in account and its current project,
//! as extractors. A handler's signature tells who may call it:
//! `Viewer` (anyone), `CurrentUser` (signed in), `CurrentTenant` (signed in,
//! with a current project), `TenantAdmin` (tenant admin of it).

use crate::auth::identity::ProjectId;
use actix_session::{Session, SessionExt};
use actix_web::{HttpRequest, web};

use crate::{
    AppState,
    auth::identity::{Account, KEY_WARNING_DAYS, PlatformRole, Tenant},
    db::Db,
    error::AppError,
    web::{
        FrameProject, FrameUser, Layout,
        i18n::{Lang, Msg},
    },
};

/// The session's random token; the server keeps its digest (`sessions`).
const SID: &str = "sid";
const EPOCH: &str = "epoch";
const PROJECT: &str = "project";
const LANG: &str = "lang";
const FLASH: &str = "flash";

pub use crate::web::Flash;

/// The person behind a request, signed in or not.
pub struct Viewer {
    pub session: Session,
    pub lang: Lang,
    pub account: Option<Account>,
    /// The server-side session record, when signed in.
    pub session_id: Option<i64>,
    pub tenant: Option<Tenant>,
    /// How many of the account's keys expire within a week (for the banner).
    pub expiring_keys: i64,
    /// How many of the account's notices are unread (for the bell).
    pub unread_notices: i64,
    /// Whether the account has a second factor.
    pub two_factor: bool,
    /// Whether the account's role requires a second factor it has not
    /// enrolled yet: it reaches nothing but the enrolment until it has.
    pub two_factor_due: bool,
    /// Whether htmx sent the request (and wants a fragment).
    pub htmx: bool,
    /// Path and query of this request, to come back to.
    pub path: String,
}

impl Viewer {
    pub async fn load(req: &HttpRequest) -> Result<Self, AppError> {
        let state = req
            .app_data::<web::Data<AppState>>()
            .cloned()
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("application state missing")))?;
        let session = req.get_session();

        let mut signed_in = None;
        if let Ok(Some(token)) = session.get::<String>(SID) {
            let epoch = session.get::<i64>(EPOCH).ok().flatten();
            let chosen = session.get::<i64>(PROJECT).ok().flatten();
            match SignedIn::load(&state, &token, chosen).await? {
                Some(found) if !found.account.locked && Some(found.account.session_epoch) == epoch => {
                    // The chosen project, or the first one when it is gone.
                    match &found.tenant {
                        Some(tenant) if chosen != Some(tenant.project_id.0) => {
                            let _ = session.insert(PROJECT, tenant.project_id);
                        }
                        None if chosen.is_some() => {
                            session.remove(PROJECT);
                        }
                        _ => {}
                    }
                    signed_in = Some(found);
                }
                // Signed out, timed out, locked, deleted, or signed out
                // everywhere since: this session is over.
                _ => session.clear(),
            }
        }
        let (account, session_id, tenant, expiring_keys, unread_notices, two_factor) = match signed_in {
            Some(found) => (
                Some(found.account),
                Some(found.session.id),
                found.tenant,
                found.expiring_keys,
                found.unread_notices,
                found.two_factor,
            ),
            None => (None, None, None, 0, 0, false),
        };

        let lang = match &account {
            Some(account) => account.language,
            None => session
                .get::<String>(LANG)
                .ok()
                .flatten()
                .and_then(|code| Lang::parse(&code))
                .unwrap_or_else(|| {
                    let header = req
                        .headers()
                        .get("accept-language")
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or("");
                    Lang::negotiate(header)
                }),
        };

        let path = match req.uri().path_and_query() {
            Some(pq) => pq.as_str().to_string(),
            None => "/".to_string(),
        };
        let htmx = req.headers().get("hx-request").is_some_and(|v| v == "true");
        let two_factor_due = account
            .as_ref()
            .is_some_and(|a| !two_factor && state.config.require_two_factor_for.contains(&a.platform_role));
        Ok(Viewer {
            session,
            lang,
            account,
            session_id,
            tenant,
            expiring_keys,
            unread_notices,
            two_factor,
            two_factor_due,
            htmx,
            path,
        })
    }

    /// The viewer's time zone (UTC before sign-in).
    pub fn time_zone(&self) -> &'static time_tz::Tz {
        let zone = self.account.as_ref().map_or("UTC", |a| a.time_zone.as_str());
        time_tz::timezones::get_by_name(zone).unwrap_or(time_tz::timezones::db::UTC)
    }

    /// The session's CSRF token, made on first use.
    pub fn csrf_token(&self) -> String {
        crate::web::csrf::session_token(&self.session).unwrap_or_else(|| {
            let token = crate::token::random_hex(32);
            // A failed insert only means the next form post is refused.
            let _ = self.session.insert(crate::web::csrf::SESSION_KEY, &token);
            token
        })
    }

    /// Shows `msg` on the next page this person sees.
    pub fn flash(&self, success: bool, msg: Msg) {
        let _ = self.session.insert(
            FLASH,
            Flash {
                success,
                text: msg.in_lang(self.lang),
            },
        );
    }

    /// Shows several messages, as one, on the next page.
    pub fn flash_all(&self, success: bool, msgs: &[Msg]) {
        let text = msgs.iter().map(|m| m.in_lang(self.lang)).collect::<Vec<_>>().join(" ");
        let _ = self.session.insert(FLASH, Flash { success, text });
    }

    /// Starts a fresh session for `account`: a new server-side record and
    /// token (against fixation) and a new CSRF token.
    pub async fn sign_in(&self, state: &AppState, account: &Account, client: &super::Client) -> Result<(), AppError> {
        let token = crate::token::random_hex(32);
        let config = &state.config;
        let at = crate::db::now();
        super::store::create_session(
            &state.db,
            &crate::token::digest(&token),
            account.id,
            &client.address,
            &client.user_agent,
            (at - config.session_idle_seconds, at - config.session_lifetime_seconds),
        )
        .await?;
        super::service::note_device(&state.db, account.id, client).await?;
        // An account that never chose a language takes the one the person
        // was using here, and keeps it.
        super::store::adopt_language(&state.db, account.id, self.lang).await?;
        let keep_lang = self.session.get::<String>(LANG).ok().flatten();
        self.session.clear();
        self.session.renew();
        let insert = || -> Result<(), actix_session::SessionInsertError> {
            self.session.insert(SID, &token)?;
            self.session.insert(EPOCH, account.session_epoch)?;
            self.session
                .insert(crate::web::csrf::SESSION_KEY, crate::token::random_hex(32))?;
            if let Some(lang) = &keep_lang {
                self.session.insert(LANG, lang)?;
            }
            Ok(())
        };
        insert().map_err(|e| AppError::Internal(anyhow::anyhow!("session: {e}")))
    }

    /// Ends this session: its server-side record goes, so a copy of the
    /// cookie is worth nothing after.
    pub async fn sign_out(&self, db: &Db) -> Result<(), AppError> {
        if let (Some(account), Some(id)) = (&self.account, self.session_id) {
            super::store::end_sessions(db, account.id, Some(id), None).await?;
        }
        self.session.clear();
        Ok(())
    }

    /// Keeps this session signed in after the account's epoch moved on
    /// (its own password change signs out only the others).
    pub fn set_epoch(&self, epoch: i64) {
        let _ = self.session.insert(EPOCH, epoch);
    }

    pub fn set_project(&self, project_id: ProjectId) {
        let _ = self.session.insert(PROJECT, project_id);
    }

    /// Remembers the language for a signed-out visitor.
    pub fn set_session_lang(&self, lang: Lang) {
        let _ = self.session.insert(LANG, lang.code());
    }

    /// Keeps `value` in the (encrypted) session for the next page that
    /// takes it (`take_once`): what a form made, shown once after its
    /// redirect, so that a reload makes nothing more.
    pub fn keep_once(&self, key: &str, value: impl serde::Serialize) -> Result<(), AppError> {
        self.session
            .insert(key, value)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("{key} could not be kept in the session: {e}")))
    }

    /// Takes what `keep_once` kept under `key`, if anything. Only a session
    /// holding it changes: `remove` marks the session changed even for a
    /// key it lacks, and a changed session is encrypted and sent again as
    /// a cookie with every page.
    pub fn take_once<T: serde::de::DeserializeOwned>(&self, key: &str) -> Option<T> {
        if !self.session.contains_key(key) {
            return None;
        }
        self.session.remove_as::<T>(key).and_then(Result::ok)
    }

    /// The page frame: top bar, flash, language, CSRF token.
    pub fn layout(&self) -> Layout {
        let flash = self.take_once::<Flash>(FLASH);
        Layout {
            lang: self.lang,
            csrf: self.csrf_token(),
            user: self.account.as_ref().map(|account| FrameUser {
                username: account.username.clone(),
                display_name: account.display_name.clone(),
                support: account.platform_role != PlatformRole::None,
                operator: account.platform_role == PlatformRole::Operator,
            }),
            tenant: self.tenant.as_ref().map(|tenant| FrameProject {
                code: tenant.code.clone(),
                name: tenant.name.clone(),
                admin: tenant.is_admin(),
            }),
            flash,
            path: self.path.clone(),
            expiring_keys: self.expiring_keys,
            unread_notices: self.unread_notices,
            time_zone: self.time_zone(),
            two_factor_due: self.two_factor_due,
        }
    }
}

/// The frame of an error page, for `web::errors` (which knows nobody).
pub fn error_frame(req: &HttpRequest) -> futures_util::future::LocalBoxFuture<'_, Option<Layout>> {
    Box::pin(async move { Viewer::load(req).await.ok().map(|viewer| viewer.layout()) })
}

/// How often a session's "last seen" is written: at most once a minute.
const TOUCH_EVERY: i64 = 60;

/// What every page shows of a signed-in account, read together and
/// remembered for a few seconds (`crate::cache`): four statements less on
/// every page.
#[derive(Clone)]
pub struct SignedIn {
    session: super::store::SessionRow,
    account: Account,
    /// The project chosen in the session, or the first one when that is
    /// gone (or none was chosen).
    tenant: Option<Tenant>,
    expiring_keys: i64,
    unread_notices: i64,
    two_factor: bool,
}

impl SignedIn {
    /// The session behind `token`, if it is still on (not signed out, idle
    /// for less than the idle timeout, younger than the absolute lifetime).
    async fn load(state: &AppState, token: &str, chosen: Option<i64>) -> Result<Option<Self>, AppError> {
        let generation = state.viewers.generation();
        let key = (crate::token::digest(token), chosen);
        let (mut found, mut remember) = match state.viewers.get(&key) {
            Some(found) => (found, false),
            None => match Self::read(state, &key.0, chosen).await? {
                Some(found) => (found, true),
                None => return Ok(None),
            },
        };
        let at = crate::db::now();
        let config = &state.config;
        let session = &found.session;
        if at - session.last_seen_at >= config.session_idle_seconds
            || at - session.created_at >= config.session_lifetime_seconds
        {
            super::store::end_sessions(&state.db, session.account_id, Some(session.id), None).await?;
            return Ok(None);
        }
        if at - session.last_seen_at >= TOUCH_EVERY {
            super::store::touch_session(&state.db, session.id, at).await?;
            found.session.last_seen_at = at;
            remember = true;
        }
        if remember {
            state.viewers.put(key, found.clone(), generation);
        }
        Ok(Some(found))
    }

    async fn read(state: &AppState, digest: &[u8], chosen: Option<i64>) -> Result<Option<Self>, AppError> {
        let db = &state.db;
        let Some(session) = super::store::session(db, digest).await? else {
            return Ok(None);
        };
        let account_id = session.account_id;
        let Some(account) = super::store::by_id(db, account_id).await? else {
            return Ok(None);
        };
        let tenant = match chosen {
            Some(project_id) => super::store::tenant(db, account_id, ProjectId(project_id)).await?,
            None => None,
        };
        let tenant = match tenant {
            Some(tenant) => Some(tenant),
            None => super::store::first_tenant(db, account_id).await?,
        };
        let within = KEY_WARNING_DAYS * 86_400;
        let (expiring_keys, unread_notices, two_factor) = super::store::frame_counts(db, account_id, within).await?;
        Ok(Some(SignedIn {
            session,
            account,
            tenant,
            expiring_keys,
            unread_notices,
            two_factor,
        }))
    }
}

/// `FromRequest` for an extractor that has `async fn load(&HttpRequest)`.
macro_rules! extracted_by_load {
    ($($extractor:ty),+) => {$(
        impl actix_web::FromRequest for $extractor {
            type Error = $crate::error::AppError;
            type Future = futures_util::future::LocalBoxFuture<'static, Result<Self, Self::Error>>;

            fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
                let req = req.clone();
                Box::pin(async move { <$extractor>::load(&req).await })
            }
        }
    )+};
}
pub(crate) use extracted_by_load;

extracted_by_load!(Viewer, CurrentUser, CurrentTenant, TenantAdmin, Support, Operator);

/// A signed-in person.
pub struct CurrentUser {
    pub viewer: Viewer,
    pub account: Account,
}

impl CurrentUser {
    async fn load(req: &HttpRequest) -> Result<Self, AppError> {
        let viewer = Viewer::load(req).await?;
        let account = viewer.account.clone().ok_or(AppError::Unauthenticated)?;
        // A role that must have a second factor reaches its enrolment only.
        if viewer.two_factor_due && !req.path().starts_with("/account/two-factor") {
            return Err(AppError::SecondFactorRequired);
        }
        Ok(CurrentUser { viewer, account })
    }
}

/// A signed-in person acting in their current project.
pub struct CurrentTenant {
    pub viewer: Viewer,
    pub account: Account,
    pub tenant: Tenant,
}

impl CurrentTenant {
    async fn load(req: &HttpRequest) -> Result<Self, AppError> {
        let CurrentUser { viewer, account } = CurrentUser::load(req).await?;
        let tenant = viewer
            .tenant
            .clone()
            .ok_or(AppError::BadRequest(Msg::new("error-no-project")))?;
        Ok(CurrentTenant {
            viewer,
            account,
            tenant,
        })
    }
}

/// A tenant admin acting in their current project.
pub struct TenantAdmin(pub CurrentTenant);

impl TenantAdmin {
    async fn load(req: &HttpRequest) -> Result<Self, AppError> {
        // Someone in no project at all (support staff, say) is no admin either.
        let current = match CurrentTenant::load(req).await {
            Err(AppError::BadRequest(_)) => return Err(AppError::Forbidden),
            other => other?,
        };
        if !current.tenant.is_admin() {
            return Err(AppError::Forbidden);
        }
        Ok(TenantAdmin(current))
    }
}

/// The signed-in person, if their platform role passes `allowed`; else 403.
async fn with_platform_role(req: &HttpRequest, allowed: fn(PlatformRole) -> bool) -> Result<CurrentUser, AppError> {
    let user = CurrentUser::load(req).await?;
    if allowed(user.account.platform_role) {
        Ok(user)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Support staff or an operator.
pub struct Support(pub CurrentUser);

impl Support {
    async fn load(req: &HttpRequest) -> Result<Self, AppError> {
        with_platform_role(req, |role| role != PlatformRole::None)
            .await
            .map(Support)
    }
}

/// An operator.
pub struct Operator(pub CurrentUser);

impl Operator {
    async fn load(req: &HttpRequest) -> Result<Self, AppError> {
        with_platform_role(req, |role| role == PlatformRole::Operator)
            .await
            .map(Operator)
    }
}
