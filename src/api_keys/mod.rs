//! API keys: the page where people create, rename, extend and delete their
//! keys for the current project. A key's secret is shown once, at creation,
//! and stored only as its SHA-256 digest.

pub mod routes;
pub mod service;
pub mod store;
pub mod views;

use crate::web::router::Routes;

use crate::{error::AppError, permissions::Service, web::i18n::Msg};

pub fn configure(r: &mut Routes) {
    r.get("/keys", routes::list)
        .post("/keys", routes::create)
        .get("/keys/new", routes::new_dialog)
        .get("/keys/delete", routes::delete_dialog)
        .post("/keys/delete", routes::delete)
        .get("/keys/{key_id}/edit", routes::edit_dialog)
        .post("/keys/{key_id}", routes::edit)
        .post("/keys/{key_id}/rotate", routes::rotate);
}

/// Keys expiring within this many days are flagged.
pub const WARN_DAYS: i64 = crate::auth::identity::KEY_WARNING_DAYS;
pub const DAY: i64 = 86_400;
/// The longest single extension.
pub const MAX_EXTEND_DAYS: i64 = 365;

/// A key's optional name: at most 64 characters, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyName(String);

impl KeyName {
    pub fn parse(raw: &str) -> Result<Self, AppError> {
        let value = raw.trim();
        if value.chars().count() > 64 || value.chars().any(char::is_control) {
            return Err(AppError::invalid("name", "key-name-invalid"));
        }
        Ok(KeyName(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A whole number of days from 1 to `max`, as typed into a form field.
pub fn parse_days(raw: &str, field: &'static str, max: i64) -> Result<i64, AppError> {
    match raw.trim().parse::<i64>() {
        Ok(days) if (1..=max).contains(&days) => Ok(days),
        _ => Err(AppError::Invalid {
            field: field.into(),
            message: Msg::new("days-invalid").arg("max", max),
        }),
    }
}

/// A key's expiry extended by `days` (from its expiry, or from now for an
/// expired key), refused past the longest lifetime from now (`max_key_days`;
/// the message names the latest in `zone`).
pub fn extended(
    expires_at: i64,
    days: i64,
    now: i64,
    max_key_days: i64,
    zone: &'static time_tz::Tz,
) -> Result<i64, AppError> {
    let latest = now + max_key_days * DAY;
    let extended = expires_at.max(now) + days * DAY;
    if extended > latest {
        return Err(AppError::Invalid {
            field: "extend_days".into(),
            message: Msg::new("key-too-long")
                .arg("days", max_key_days)
                .arg("latest", crate::web::format_time(latest, zone)),
        });
    }
    Ok(extended)
}

/// A new public key ID, e.g. `ak-3f9c2a71d04e`.
pub fn new_key_id() -> String {
    format!("ak-{}", crate::token::random_hex(6))
}

/// Where a key stands, as the list shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyStatus {
    Active,
    ExpiresSoon {
        days: i64,
    },
    Expired,
    /// Revoked by support: refused by the API whatever its expiry.
    Revoked,
}

impl KeyStatus {
    /// A key's status: revoked first, else by its expiry.
    pub fn of(key: &store::Key, now: i64) -> Self {
        if key.revoked_at.is_some() {
            KeyStatus::Revoked
        } else {
            KeyStatus::at(key.expires_at, now)
        }
    }

    pub fn at(expires_at: i64, now: i64) -> Self {
        if expires_at <= now {
            KeyStatus::Expired
        } else if expires_at - now <= WARN_DAYS * DAY {
            // Rounded up: a key with 30 hours left "expires in 2 days".
            KeyStatus::ExpiresSoon {
                days: (expires_at - now + DAY - 1) / DAY,
            }
        } else {
            KeyStatus::Active
        }
    }
}

/// How the key list is ordered (`?sort=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyOrder {
    /// Newest first.
    #[default]
    Created,
    /// Soonest to expire first.
    Expires,
    /// Most recently used first; never used last.
    LastUsed,
}

/// Which keys the list shows (`?status=`), by `KeyStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyFilter {
    #[default]
    All,
    Active,
    ExpiresSoon,
    Expired,
    Revoked,
}

impl KeyOrder {
    pub const ALL: [KeyOrder; 3] = [KeyOrder::Created, KeyOrder::Expires, KeyOrder::LastUsed];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyOrder::Created => "created",
            KeyOrder::Expires => "expires",
            KeyOrder::LastUsed => "last_used",
        }
    }

    /// The message naming this order in the sort menu.
    pub fn label(self) -> &'static str {
        match self {
            KeyOrder::Created => "keys-sort-created",
            KeyOrder::Expires => "keys-sort-expires",
            KeyOrder::LastUsed => "keys-sort-last-used",
        }
    }
}

impl KeyFilter {
    pub const ALL: [KeyFilter; 5] = [
        KeyFilter::All,
        KeyFilter::Active,
        KeyFilter::ExpiresSoon,
        KeyFilter::Expired,
        KeyFilter::Revoked,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            KeyFilter::All => "all",
            KeyFilter::Active => "active",
            KeyFilter::ExpiresSoon => "expires_soon",
            KeyFilter::Expired => "expired",
            KeyFilter::Revoked => "revoked",
        }
    }

    /// The message naming this filter in the status menu.
    pub fn label(self) -> &'static str {
        match self {
            KeyFilter::All => "keys-filter-all",
            KeyFilter::Active => "key-status-active",
            KeyFilter::ExpiresSoon => "keys-filter-expires-soon",
            KeyFilter::Expired => "key-status-expired",
            KeyFilter::Revoked => "key-status-revoked",
        }
    }
}

/// What a key may do: act on these services (`None`: every service its
/// owner may use, as keys made before scopes), and only read. The owner's
/// permissions apply on top: a scope never widens them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyScope {
    pub services: Option<Vec<Service>>,
    pub read_only: bool,
}

/// The most hours a rotated key's previous secret stays valid.
pub const MAX_OVERLAP_HOURS: i64 = 72;

impl KeyScope {
    /// As stored: comma-separated codes, or '' for every service.
    pub fn stored_services(&self) -> String {
        match &self.services {
            None => String::new(),
            Some(services) => services.iter().map(|s| s.code()).collect::<Vec<_>>().join(","),
        }
    }

    pub fn from_stored(services: &str, read_only: bool) -> Self {
        KeyScope {
            services: (!services.is_empty()).then(|| services.split(',').filter_map(Service::parse).collect()),
            read_only,
        }
    }

    /// Whether the key may act on `service` (its owner's permission aside).
    pub fn allows(&self, service: Service) -> bool {
        self.services
            .as_ref()
            .is_none_or(|services| services.contains(&service))
    }

    /// Whether this scope is no wider than `other` (a key may make keys no
    /// wider than itself).
    pub fn within(&self, other: &KeyScope) -> bool {
        let services = match (&self.services, &other.services) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(mine), Some(theirs)) => mine.iter().all(|s| theirs.contains(s)),
        };
        services && (self.read_only || !other.read_only)
    }

    /// A scope chosen from a form or a request: these service codes (each a
    /// service the owner may use, at least one) and read-only or not.
    pub fn parse(codes: &[&str], read_only: bool, permitted: &[Service]) -> Result<Self, AppError> {
        let mut services = Vec::new();
        for code in codes {
            match Service::parse(code.trim()) {
                Some(service) if permitted.contains(&service) => {
                    if !services.contains(&service) {
                        services.push(service);
                    }
                }
                _ => return Err(AppError::invalid("services", "key-services-invalid")),
            }
        }
        if services.is_empty() {
            return Err(AppError::invalid("services", "key-services-invalid"));
        }
        services.sort_by_key(|s| Service::ALL.iter().position(|a| a == s));
        Ok(KeyScope {
            services: Some(services),
            read_only,
        })
    }
}

/// A number of whole hours from 0 to `MAX_OVERLAP_HOURS`.
pub fn parse_overlap_hours(raw: &str) -> Result<i64, AppError> {
    match raw.trim().parse::<i64>() {
        Ok(hours) if (0..=MAX_OVERLAP_HOURS).contains(&hours) => Ok(hours),
        _ => Err(AppError::Invalid {
            field: "overlap_hours".into(),
            message: Msg::new("key-overlap-invalid").arg("max", MAX_OVERLAP_HOURS),
        }),
    }
}

/// A key just made: the only moment its secret exists outside the caller.
pub struct CreatedKey {
    pub key_id: String,
    pub secret: String,
    pub expires_at: i64,
}

pub use service::create;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_must_be_whole_and_in_range() {
        assert_eq!(parse_days(" 30 ", "days", 365).unwrap(), 30);
        for bad in ["0", "-1", "366", "1e9", "abc", "", "2.5", "99999999999999999999"] {
            assert!(parse_days(bad, "days", 365).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn names_are_short_and_printable() {
        assert_eq!(KeyName::parse("  ci deploy ").unwrap().as_str(), "ci deploy");
        assert!(KeyName::parse("").is_ok());
        assert!(KeyName::parse(&"x".repeat(65)).is_err());
        assert!(KeyName::parse("a\u{0}b").is_err());
    }

    #[test]
    fn scopes_are_subsets_of_the_permitted_services_and_never_widen() {
        let permitted = [Service::Ccs, Service::Vcs];
        let ccs = KeyScope::parse(&["ccs"], false, &permitted).unwrap();
        assert_eq!(ccs.stored_services(), "ccs");
        assert!(ccs.allows(Service::Ccs) && !ccs.allows(Service::Vcs));
        assert!(KeyScope::parse(&["hpc"], false, &permitted).is_err(), "not permitted");
        assert!(KeyScope::parse(&[], false, &permitted).is_err(), "none chosen");
        assert!(KeyScope::parse(&["nonsense"], false, &permitted).is_err());
        let both = KeyScope::parse(&["vcs", "ccs", "vcs"], true, &permitted).unwrap();
        assert_eq!(both.stored_services(), "ccs,vcs");
        assert_eq!(KeyScope::from_stored("ccs,vcs", true), both);
        let everything = KeyScope::from_stored("", false);
        assert!(everything.allows(Service::Registry));
        assert!(ccs.within(&everything) && ccs.within(&ccs) && !everything.within(&ccs));
        assert!(
            !ccs.within(&KeyScope {
                read_only: true,
                ..ccs.clone()
            }),
            "read-write is wider than read-only"
        );
        assert!(both.within(&KeyScope::from_stored("ccs,vcs,hpc", false)));
        assert_eq!(parse_overlap_hours("24").unwrap(), 24);
        for bad in ["-1", "73", "x", ""] {
            assert!(parse_overlap_hours(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn status_rounds_days_up_and_marks_expiry() {
        assert_eq!(KeyStatus::at(100, 100), KeyStatus::Expired);
        assert_eq!(KeyStatus::at(100 + 30 * 3600, 100), KeyStatus::ExpiresSoon { days: 2 });
        assert_eq!(KeyStatus::at(100 + 8 * DAY, 100), KeyStatus::Active);
    }
}
