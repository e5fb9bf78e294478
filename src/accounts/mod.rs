//! Accounts: the people who sign in, and the checked values they are made of.

pub mod routes;
pub mod service;
pub mod store;
pub mod views;

use crate::auth::identity::AccountId;
use crate::web::router::Routes;

pub use crate::auth::identity::{Account, PlatformRole};
use crate::error::AppError;

pub fn configure(r: &mut Routes) {
    r.post("/language", routes::set_language)
        .get("/account/profile", routes::profile)
        .post("/account/profile", routes::save_profile)
        .post("/account/sessions/{id}/sign-out", routes::end_session)
        .post("/account/sessions/sign-out-others", routes::end_other_sessions)
        .get("/account/password", routes::password_page)
        .post("/account/password", routes::change_password)
        .get("/forgot", routes::forgot_page)
        .post("/forgot", routes::forgot)
        .get("/reset/{token}", routes::reset_page)
        .post("/reset/{token}", routes::reset)
        .get("/support/reset", routes::issue_reset_page)
        .post("/support/reset", routes::issue_reset)
        .get("/account/email/{token}", routes::confirm_email)
        .get("/account/email/cancel/{token}", routes::cancel_email_page)
        .post("/account/email/cancel/{token}", routes::cancel_email)
        .post("/account/notices", routes::save_topics)
        .get("/notices", routes::notices)
        .get("/notices/latest", routes::latest_notices)
        .post("/notices/read-all", routes::read_all_notices)
        .post("/notices/{id}/read", routes::read_notice);
}

/// A username: 3–32 characters of lowercase ASCII letters, digits, `.`, `_`
/// or `-`, starting with a letter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let value = raw.trim().to_ascii_lowercase();
        let valid_chars = value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        let starts_with_letter = value.starts_with(|c: char| c.is_ascii_lowercase());
        if (3..=32).contains(&value.len()) && valid_chars && starts_with_letter {
            Ok(Username(value))
        } else {
            Err(AppError::invalid("username", "invalid-username"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An email address: one `@` with something on each side and a dot in the
/// domain, at most 254 characters, no spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let value = raw.trim();
        let valid = value.len() <= 254
            && !value.chars().any(|c| c.is_whitespace() || c.is_control())
            && match value.split_once('@') {
                Some((local, domain)) => {
                    !local.is_empty()
                        && !domain.contains('@')
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                }
                None => false,
            };
        if valid {
            Ok(Email(value.to_string()))
        } else {
            Err(AppError::invalid("email", "invalid-email"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A display name: 1–100 characters once trimmed, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let value = raw.trim();
        let count = value.chars().count();
        if (1..=100).contains(&count) && !value.chars().any(char::is_control) {
            Ok(DisplayName(value.to_string()))
        } else {
            Err(AppError::invalid("display_name", "invalid-display-name"))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password: 12–1024 characters, not the username.
pub fn check_new_password(password: &str, username: &str) -> Result<(), AppError> {
    let count = password.chars().count();
    if count < 12 {
        return Err(AppError::invalid("password", "password-too-short"));
    }
    if count > 1024 {
        return Err(AppError::invalid("password", "password-too-long"));
    }
    if password.eq_ignore_ascii_case(username) {
        return Err(AppError::invalid("password", "password-is-username"));
    }
    Ok(())
}

/// A phone number: optional; at most 32 of digits, spaces and `+-()`.
pub fn parse_phone(raw: &str) -> Result<String, AppError> {
    let value = raw.trim();
    let valid = value.chars().count() <= 32
        && value
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'));
    if valid {
        Ok(value.to_string())
    } else {
        Err(AppError::invalid("phone", "invalid-phone"))
    }
}

/// An IANA time zone name the tz database knows, e.g. `Asia/Taipei`.
pub fn parse_time_zone(raw: &str) -> Result<String, AppError> {
    let value = raw.trim();
    match time_tz::timezones::get_by_name(value) {
        Some(_) if !value.is_empty() => Ok(value.to_string()),
        _ => Err(AppError::invalid("time_zone", "invalid-time-zone")),
    }
}

/// Issues a one-time password reset link for an account: valid 24 hours,
/// stored only as a digest. Returns the path to hand over.
pub async fn issue_reset_link(
    db: &crate::db::Db,
    account_id: AccountId,
    created_by: Option<AccountId>,
    reason: &str,
) -> Result<String, AppError> {
    let token = crate::token::uuid_secret();
    let expires_at = crate::db::now() + 24 * 3600;
    service::create_reset(
        db,
        account_id,
        created_by,
        &crate::token::digest(&token),
        expires_at,
        reason,
    )
    .await?;
    Ok(format!("/reset/{token}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_platform_role_rule_allows_only_acting_downwards() {
        use PlatformRole::*;
        for (actor, target, allowed) in [
            (Support, None, true),
            (Support, Support, false),
            (Support, Operator, false),
            (Operator, None, true),
            (Operator, Support, true),
            (Operator, Operator, false),
            (None, None, false),
        ] {
            assert_eq!(actor.may_act_on(target).is_ok(), allowed, "{actor:?} on {target:?}");
        }
    }

    #[test]
    fn usernames_are_normalised_and_checked() {
        assert_eq!(Username::parse(" Alice ").unwrap().as_str(), "alice");
        for bad in ["", "ab", "1abc", "a b", "ali@ce", &"a".repeat(33), "名字"] {
            assert!(Username::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn emails_are_checked() {
        assert!(Email::parse("alice@example.org").is_ok());
        for bad in ["", "alice", "a@b", "a@@b.c", "a b@c.d", "@c.d", "a@.c"] {
            assert!(Email::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn passwords_need_length_and_differ_from_the_username() {
        assert!(check_new_password("short", "alice").is_err());
        assert!(check_new_password("alicealice12", "alicealice12").is_err());
        assert!(check_new_password("a long enough secret", "alice").is_ok());
    }
}
