//! Shared page pieces: the layout every page is framed in, CSRF, errors,
//! languages, static files, security headers, and the few routes that belong
//! to no capability (health probe, language switch).

pub mod assets;
pub mod chart;
pub mod csrf;
pub mod csv;
pub mod errors;
pub mod i18n;
pub mod limits;
pub mod router;

use std::{borrow::Cow, collections::HashMap};

use actix_web::{HttpRequest, HttpResponse, http::header, middleware::DefaultHeaders, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use i18n::{Lang, Msg};
use router::Routes;

/// The Content-Security-Policy; a form may also lead to `form_origin` (the
/// identity provider's: a sign-in form's answer redirects there, and
/// browsers hold redirects after a form to `form-action` too).
pub fn content_security_policy(form_origin: Option<&str>) -> String {
    let form_action = match form_origin {
        Some(origin) => format!("'self' {origin}"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self'; form-action {form_action}; base-uri 'none'; frame-ancestors 'none'"
    )
}

/// The scheme, host and port of a URL (`https://login.example.edu`).
pub fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty() && !host.contains(['\'', ' ', ';'])).then(|| format!("{scheme}://{host}"))
}

/// Headers every response carries (unless it set its own): nothing is
/// cached but the content-hashed static files, which say so themselves; and
/// where cookies are secure, browsers are told to use HTTPS only.
pub fn security_headers(secure: bool, form_origin: Option<&str>) -> DefaultHeaders {
    let headers = DefaultHeaders::new()
        .add(("Content-Security-Policy", content_security_policy(form_origin)))
        .add(("X-Content-Type-Options", "nosniff"))
        .add(("Referrer-Policy", "same-origin"))
        .add(("X-Frame-Options", "DENY"))
        .add(("Cache-Control", "no-store"));
    if secure {
        headers.add(("Strict-Transport-Security", "max-age=31536000"))
    } else {
        headers
    }
}

pub fn configure(r: &mut Routes) {
    r.get("/healthz", healthz).get("/readyz", readyz);
}

/// Alive: the process answers (for the load balancer's liveness check).
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("OK")
}

/// Ready: the database answers and its schema is current; 503 otherwise.
async fn readyz(db: web::Data<crate::db::Db>) -> HttpResponse {
    // A load balancer's check waits seconds, not the pool's whole timeout.
    let answer = tokio::time::timeout(std::time::Duration::from_secs(2), db.ready())
        .await
        .unwrap_or_else(|_| Err("the database did not answer within 2 s".to_string()));
    match answer {
        Ok(()) => HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready"),
        Err(why) => {
            tracing::warn!(reason = %why, "not ready");
            HttpResponse::ServiceUnavailable()
                .content_type("text/plain; charset=utf-8")
                .body(format!("not ready: {why}"))
        }
    }
}

/// A 303 to `location`; htmx follows it as a full page load.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// For a form that htmx or a plain browser posted: htmx is told to load
/// `location` (`HX-Location` keeps it a soft navigation), a browser gets a 303.
pub fn redirect_after_post(htmx: bool, location: &str) -> HttpResponse {
    if htmx {
        HttpResponse::Ok().insert_header(("HX-Redirect", location)).finish()
    } else {
        see_other(location)
    }
}

/// `next` if it is a path on this site, else `/` (no open redirects).
pub fn local_path(next: &str) -> String {
    let safe = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(|c| c.is_control());
    if safe { next.to_string() } else { "/".to_string() }
}

/// Another page of a list at `path`, keeping its other parameters
/// (`/quota?service=ccs&q=lin&page=2`).
pub fn page_link(path: &str, params: &[(&str, &str)], page: i64) -> String {
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .append_pair("page", &page.to_string())
        .finish();
    format!("{path}?{query}")
}

/// Renders a template into a string.
pub fn render<T: Template>(template: &T) -> Result<String, AppError> {
    // Room for a typical page at once: askama's own estimate is the
    // template's literal text, and a long table grew (and was copied) a
    // dozen times on its way to a quarter of a megabyte.
    let mut body = String::with_capacity(32 * 1024);
    template.render_into(&mut body)?;
    Ok(body)
}

/// Renders a template into an HTML response.
pub fn html<T: Template>(template: &T) -> Result<HttpResponse, AppError> {
    Ok(ok_html(render(template)?))
}

/// A rendered page as a `200` response.
pub fn ok_html(body: String) -> HttpResponse {
    HttpResponse::Ok().content_type("text/html; charset=utf-8").body(body)
}

/// A page rendered for its viewer: only its `content` block when htmx asked
/// (swapped into the page already shown), else the whole page. A macro,
/// because askama gives each page's block a type of its own.
macro_rules! page_body {
    ($htmx:expr, $page:expr) => {
        if $htmx {
            $crate::web::render(&$page.as_content())
        } else {
            $crate::web::render(&$page)
        }
    };
}
pub(crate) use page_body;

/// Field name → translated message, for forms that check several fields.
#[derive(Default)]
pub struct FieldErrors(HashMap<Cow<'static, str>, String>);

impl FieldErrors {
    pub fn add(&mut self, err: AppError, lang: Lang) -> Result<(), AppError> {
        match err {
            AppError::Invalid { field, message } => {
                self.0.entry(field).or_insert_with(|| message.in_lang(lang));
                Ok(())
            }
            other => Err(other),
        }
    }

    /// Puts a message next to `field` (`form`: above the whole form).
    pub fn set(&mut self, field: Cow<'static, str>, message: String) {
        self.0.insert(field, message);
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A form shown again with its messages: 422 and the page.
pub fn unprocessable(body: String) -> HttpResponse {
    HttpResponse::UnprocessableEntity()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// A query string of the filters that are set (for pagers and CSV links).
pub fn query_keeping(filters: &[(&str, &String)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            filters
                .iter()
                .filter(|(_, value)| !value.is_empty())
                .map(|(name, value)| (*name, value.as_str())),
        )
        .finish()
}

/// Whether the request came from htmx.
pub fn is_htmx(req: &HttpRequest) -> bool {
    req.headers().get("hx-request").is_some_and(|v| v == "true")
}

/// A one-time message shown on the next page (after a redirect).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub success: bool,
    pub text: String,
}

/// The signed-in person, as the frame shows them.
#[derive(Debug, Clone)]
pub struct FrameUser {
    pub username: String,
    pub display_name: String,
    /// Support staff or an operator.
    pub support: bool,
    pub operator: bool,
}

/// The current project, as the frame shows it.
#[derive(Debug, Clone)]
pub struct FrameProject {
    pub code: String,
    pub name: String,
    /// Whether the person is its tenant admin.
    pub admin: bool,
}

/// The frame around every page: what the top bar, the flash message and the
/// forms need. Templates call its methods for words, times and asset URLs.
/// It is made by whoever knows the person (`auth::session::Viewer::layout`).
pub struct Layout {
    pub lang: Lang,
    pub csrf: String,
    pub user: Option<FrameUser>,
    pub tenant: Option<FrameProject>,
    pub flash: Option<Flash>,
    pub path: String,
    pub expiring_keys: i64,
    /// Unread notices, for the bell in the top bar.
    pub unread_notices: i64,
    pub time_zone: &'static time_tz::Tz,
    /// A second factor is required of the person and not on yet: the menu
    /// offers only what they can reach (the enrolment, the language, sign-out).
    pub two_factor_due: bool,
}

impl Layout {
    /// The frame of a page for whoever asked, known without the database
    /// (the 503 page while it cannot be reached): their browser's language,
    /// no account, no menu.
    pub fn signed_out(req: &actix_web::HttpRequest) -> Layout {
        let accepted = req
            .headers()
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("");
        Layout {
            lang: Lang::negotiate(accepted),
            csrf: String::new(),
            user: None,
            tenant: None,
            flash: None,
            path: req.path().to_string(),
            expiring_keys: 0,
            unread_notices: 0,
            time_zone: time_tz::timezones::db::UTC,
            two_factor_due: false,
        }
    }

    /// The message `key` in the viewer's language.
    pub fn t(&self, key: &'static str) -> &'static str {
        self.lang.t(key)
    }

    /// The message `key` with one argument.
    pub fn t1(&self, key: &str, name: &'static str, value: impl std::fmt::Display) -> String {
        self.lang.t_args(key, &[(name, value.to_string())])
    }

    pub fn msg(&self, msg: &Msg) -> String {
        msg.in_lang(self.lang)
    }

    pub fn asset(&self, name: &str) -> String {
        assets::url(name)
    }

    /// An icon of `static/icons.svg` (by its Lucide name), beside a text
    /// that says the same, so hidden from assistive technology (HTML: show
    /// it with `|safe`; names come from templates, never from a person).
    pub fn icon(&self, name: &str) -> String {
        format!(
            r##"<svg class="icon" aria-hidden="true" focusable="false"><use href="{}#{name}"></use></svg>"##,
            assets::url("icons.svg")
        )
    }

    /// A stored time in the viewer's zone, with the zone named (for sentences).
    pub fn time(&self, unix: &i64) -> String {
        format_time(*unix, self.time_zone)
    }

    /// A stored time as a `<time>` element (HTML: show it with `|safe`):
    /// compact, in the viewer's zone, which the page names once in its
    /// footer.
    pub fn when(&self, unix: &i64) -> String {
        match crate::format::Local::new(*unix, self.time_zone) {
            Some(local) => format!(r#"<time datetime="{}">{}</time>"#, local.iso(), local.compact()),
            None => unix.to_string(),
        }
    }

    /// The same, in words relative to now ("in 3 days", "2 hours ago")
    /// when within 45 days, with the exact time on hover; else compact.
    pub fn when_relative(&self, unix: &i64) -> String {
        let (Some(text), Some(local)) = (self.relative(*unix), crate::format::Local::new(*unix, self.time_zone)) else {
            return self.when(unix);
        };
        format!(
            r#"<time datetime="{}" title="{} {}">{text}</time>"#,
            local.iso(),
            local.compact(),
            self.zone_name(),
        )
    }

    /// The same the other way round, for a column of times that must read
    /// alike (a key's expiry): always compact, in words on hover.
    pub fn when_dated(&self, unix: &i64) -> String {
        let Some(local) = crate::format::Local::new(*unix, self.time_zone) else {
            return unix.to_string();
        };
        match self.relative(*unix) {
            Some(text) => format!(
                r#"<time datetime="{}" title="{text}">{}</time>"#,
                local.iso(),
                local.compact()
            ),
            None => self.when(unix),
        }
    }

    /// A time in words relative to now ("in 3 days"), within 45 days.
    fn relative(&self, unix: i64) -> Option<String> {
        use crate::format::Distance;
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let (distance, ahead) = crate::format::distance(unix, now)?;
        let pick = |ahead_key, behind_key| if ahead { ahead_key } else { behind_key };
        let (key, n) = match distance {
            Distance::JustNow => return Some(self.t("time-just-now").to_string()),
            Distance::Minutes(n) => (pick("time-in-minutes", "time-minutes-ago"), n),
            Distance::Hours(n) => (pick("time-in-hours", "time-hours-ago"), n),
            Distance::Days(n) => (pick("time-in-days", "time-days-ago"), n),
        };
        Some(self.t1(key, "n", n))
    }

    /// The viewer's time zone, by name (`Asia/Taipei`).
    pub fn zone_name(&self) -> &'static str {
        use time_tz::TimeZone;
        self.time_zone.name()
    }

    pub fn is_support(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.support)
    }

    pub fn is_operator(&self) -> bool {
        self.user.as_ref().is_some_and(|u| u.operator)
    }

    pub fn is_tenant_admin(&self) -> bool {
        self.tenant.as_ref().is_some_and(|t| t.admin)
    }

    pub fn other_langs(&self) -> Vec<Lang> {
        Lang::ALL.into_iter().filter(|l| *l != self.lang).collect()
    }
}

pub use crate::format::format_time;

/// A date range typed as `YYYY-MM-DD` (either end may be empty), as unix
/// seconds in `zone`: from the start of `from` to the end of `to`.
/// The month a page shows (`?month=YYYY-MM`; default: this month in
/// the viewer's zone).
#[derive(serde::Deserialize)]
pub struct MonthQuery {
    #[serde(default)]
    pub month: String,
}

/// A month (`YYYY-MM`) as its first day, and the start of it and of the
/// next in `zone`.
pub fn month_range(raw: &str, zone: &'static time_tz::Tz) -> Result<(time::Date, i64, i64), AppError> {
    use time_tz::OffsetDateTimeExt;
    let raw = raw.trim();
    let first = if raw.is_empty() {
        let today = time::OffsetDateTime::now_utc().to_timezone(zone).date();
        today
            .replace_day(1)
            .map_err(|_| AppError::invalid("month", "month-invalid"))?
    } else {
        let format = time::macros::format_description!("[year]-[month]-[day]");
        time::Date::parse(&format!("{raw}-01"), format).map_err(|_| AppError::invalid("month", "month-invalid"))?
    };
    let last = first
        .replace_day(first.month().length(first.year()))
        .map_err(|_| AppError::invalid("month", "month-invalid"))?;
    let (from, to) = crate::web::date_range(&first.to_string(), &last.to_string(), zone)?;
    match (from, to) {
        (Some(from), Some(to)) => Ok((first, from, to)),
        _ => Err(AppError::invalid("month", "month-invalid")),
    }
}

pub fn month_text(date: time::Date) -> String {
    format!("{:04}-{:02}", date.year(), date.month() as u8)
}

pub fn date_range(from: &str, to: &str, zone: &'static time_tz::Tz) -> Result<(Option<i64>, Option<i64>), AppError> {
    use time_tz::PrimitiveDateTimeExt;
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let start_of = |raw: &str, field: &'static str, days_after: i64| -> Result<Option<i64>, AppError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let date = time::Date::parse(raw, format).map_err(|_| AppError::invalid(field, "date-invalid"))?;
        let date = date
            .checked_add(time::Duration::days(days_after))
            .ok_or_else(|| AppError::invalid(field, "date-invalid"))?;
        let local = time::PrimitiveDateTime::new(date, time::Time::MIDNIGHT).assume_timezone(zone);
        Ok(local.take_first().map(|t| t.unix_timestamp()))
    };
    let start = start_of(from, "from", 0)?;
    let end = start_of(to, "to", 1)?;
    if let (Some(s), Some(e)) = (start, end)
        && e <= s
    {
        return Err(AppError::invalid("to", "date-range-invalid"));
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_may_lead_to_the_identity_providers_origin_only() {
        assert_eq!(
            origin_of("https://login.example.edu/realms/main").as_deref(),
            Some("https://login.example.edu")
        );
        assert_eq!(
            origin_of("http://127.0.0.2:4000").as_deref(),
            Some("http://127.0.0.2:4000")
        );
        assert_eq!(origin_of("https://a.example;script-src *"), None);
        assert_eq!(origin_of("login.example.edu"), None);
        assert!(content_security_policy(None).contains("form-action 'self';"));
        assert!(
            content_security_policy(Some("https://login.example.edu"))
                .contains("form-action 'self' https://login.example.edu;")
        );
    }

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path("/keys?page=2"), "/keys?page=2");
        for bad in ["", "https://evil.example", "//evil.example", "/\\evil", "keys"] {
            assert_eq!(local_path(bad), "/", "{bad:?}");
        }
    }
}
