//! Wallets: each project's parent wallet and its members' sub-wallets, the
//! ledger of every change, metered usage, and orders. Money is exact: an
//! integer count of 1/10,000 credit, shown with four decimals.

pub mod routes;
pub mod store;

use std::fmt;

use actix_web::web;

use crate::{error::AppError, web::i18n::Msg};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/account/wallet", web::get().to(routes::wallet))
        .route("/account/wallet/ledger.csv", web::get().to(routes::ledger_csv))
        .route("/account/wallet/sub-wallets", web::post().to(routes::create_sub_wallet))
        .route("/account/wallet/transfer", web::post().to(routes::transfer))
        .route(
            "/account/wallet/sub-wallets/{account_id}/remove",
            web::get().to(routes::remove_dialog),
        )
        .route(
            "/account/wallet/sub-wallets/{account_id}/remove",
            web::post().to(routes::remove_sub_wallet),
        )
        .route("/account/usage", web::get().to(routes::usage))
        .route("/account/usage.csv", web::get().to(routes::usage_csv))
        .route("/account/orders", web::get().to(routes::orders));
}

/// Units of credit per whole credit.
pub const SCALE: i64 = 10_000;
/// The largest amount accepted anywhere: a trillion credits.
pub const MAX_CREDITS: i64 = 1_000_000_000_000 * SCALE;

/// An amount of credit in 1/10,000 units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Credits(pub i64);

impl Credits {
    /// Parses `82`, `82.5` or `82.0000` (at most four decimals, not negative).
    pub fn parse(raw: &str, field: &'static str) -> Result<Self, AppError> {
        let invalid = || AppError::Invalid {
            field: field.into(),
            message: Msg::new("credits-invalid"),
        };
        let raw = raw.trim();
        let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 4 || whole.len() > 13 {
            return Err(invalid());
        }
        let whole: i64 = whole.parse().map_err(|_| invalid())?;
        let fraction: i64 = format!("{fraction:0<4}").parse().map_err(|_| invalid())?;
        let units = whole
            .checked_mul(SCALE)
            .and_then(|w| w.checked_add(fraction))
            .ok_or_else(invalid)?;
        if units > MAX_CREDITS {
            return Err(invalid());
        }
        Ok(Credits(units))
    }

    /// `rate × seconds / 3600`, rounded half up to 1/10,000.
    pub fn metered(rate_per_hour: Credits, seconds: i64) -> Credits {
        let exact = i128::from(rate_per_hour.0) * i128::from(seconds);
        let rounded = (exact * 2 + 3600) / 7200;
        Credits(i64::try_from(rounded).unwrap_or(i64::MAX))
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl fmt::Display for Credits {
    /// `-4.3050`: always four decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:04}", abs / SCALE as u64, abs % SCALE as u64)
    }
}

/// The message key of an order's status.
pub fn order_status_key(status: &str) -> &'static str {
    match status {
        "quotation" => "order-quotation",
        "paid" => "order-paid",
        "credited" => "order-credited",
        _ => "order-cancelled",
    }
}

/// An order number: 1–40 letters, digits, `-`, `_` or `/`.
pub fn parse_order_number(raw: &str) -> Result<String, AppError> {
    let value = raw.trim();
    let valid = (1..=40).contains(&value.len())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '/'));
    if valid {
        Ok(value.to_string())
    } else {
        Err(AppError::invalid("number", "order-number-invalid"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credits_parse_and_print_with_four_decimals() {
        assert_eq!(Credits::parse("82", "a").unwrap(), Credits(820_000));
        assert_eq!(Credits::parse("82.5", "a").unwrap(), Credits(825_000));
        assert_eq!(Credits::parse("0.0001", "a").unwrap(), Credits(1));
        assert_eq!(Credits(-43_050).to_string(), "-4.3050");
        assert_eq!(Credits(820_000).to_string(), "82.0000");
        for bad in ["", "-1", "1.23456", "abc", "1e3", "1,000", ".5", "99999999999999"] {
            assert!(Credits::parse(bad, "a").is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn metering_rounds_half_up() {
        // 82 credits an hour for 189 seconds.
        assert_eq!(Credits::metered(Credits(820_000), 189), Credits(43_050));
        // 0.0001 an hour for 1800 s is exactly half a unit: up.
        assert_eq!(Credits::metered(Credits(1), 1800), Credits(1));
        assert_eq!(Credits::metered(Credits(1), 1799), Credits(0));
    }
}
