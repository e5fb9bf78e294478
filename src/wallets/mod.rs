//! Wallets: each project's parent wallet and its members' sub-wallets, the
//! ledger of every change, metered usage, and orders. Money is exact: an
//! integer count of 1/10,000 credit, shown with four decimals.

pub mod routes;
pub mod service;
pub mod store;
pub mod views;

use std::fmt;

use crate::web::router::Routes;

use crate::{error::AppError, web::i18n::Msg};

pub fn configure(r: &mut Routes) {
    r.get("/account/wallet", routes::wallet)
        .get("/account/wallet/ledger.csv", routes::ledger_csv)
        .post("/account/wallet/sub-wallets", routes::create_sub_wallet)
        .post("/account/wallet/transfer", routes::transfer)
        .post("/account/wallet/warn-below", routes::set_warn_below)
        .get("/account/wallet/sub-wallets/{account_id}/remove", routes::remove_dialog)
        .post(
            "/account/wallet/sub-wallets/{account_id}/remove",
            routes::remove_sub_wallet,
        )
        .get("/account/usage", routes::usage)
        .get("/account/usage.csv", routes::usage_csv)
        .get("/account/orders", routes::orders)
        .get("/account/statement", routes::statement)
        .get("/account/statement.csv", routes::statement_csv)
        .get("/support/projects/{code}/statement", routes::support_statement)
        .get("/support/projects/{code}/statement.csv", routes::support_statement_csv);
}

/// Units of credit per whole credit.
pub const SCALE: i64 = 10_000;
/// The largest amount accepted anywhere: a trillion credits.
pub const MAX_CREDITS: i64 = 1_000_000_000_000 * SCALE;

/// The longest one metered-usage report may cover: 31 days.
pub const MAX_USAGE_SECONDS: i64 = 31 * 86_400;
/// The highest rate one report may name: a million credits an hour.
pub const MAX_RATE_PER_HOUR: i64 = 1_000_000 * SCALE;
/// So one debit is at most 744,000,000 credits (7.44e12 units): a balance
/// needs over a million of them to leave the i64 range, and that is refused
/// (`store::post`) rather than wrapped.
pub const MAX_DEBIT: i64 = MAX_RATE_PER_HOUR * (MAX_USAGE_SECONDS / 3600);

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

    /// `rate × seconds / 3600`, rounded half up to 1/10,000; `None` when it
    /// does not fit (never wrapped or saturated).
    pub fn metered(rate_per_hour: Credits, seconds: i64) -> Option<Credits> {
        let exact = i128::from(rate_per_hour.0).checked_mul(i128::from(seconds))?;
        let rounded = exact.checked_mul(2)?.checked_add(3600)? / 7200;
        i64::try_from(rounded).ok().map(Credits)
    }

    /// `self + other`, or `None` outside the i64 range.
    pub fn checked_add(self, other: Credits) -> Option<Credits> {
        self.0.checked_add(other.0).map(Credits)
    }

    pub fn is_negative(self) -> bool {
        self.0 < 0
    }
}

impl fmt::Display for Credits {
    /// `-4.3050`: always four decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        CreditSum(i128::from(self.0)).fmt(f)
    }
}

/// A sum of many amounts (a usage total, all credit ever obtained): 128
/// bits wide, so that no number of rows can overflow it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct CreditSum(pub i128);

impl CreditSum {
    /// From the two halves SQL sums without overflow: whole credits
    /// (`SUM(amount / 10000)`) and the rest in units (`SUM(amount % 10000)`).
    pub fn from_parts(whole: i64, units: i64) -> Self {
        CreditSum(i128::from(whole) * i128::from(SCALE) + i128::from(units))
    }
}

impl std::iter::Sum for CreditSum {
    fn sum<I: Iterator<Item = CreditSum>>(iter: I) -> Self {
        // i128 holds 1.7e38 units: more than 2^64 sums of i64 amounts.
        CreditSum(iter.map(|c| c.0).sum())
    }
}

impl fmt::Display for CreditSum {
    /// `-4.3050`: always four decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:04}", abs / SCALE as u128, abs % SCALE as u128)
    }
}

/// A step an order can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderStep {
    Paid,
    Credited,
    Cancelled,
}

impl OrderStep {
    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "paid" => Some(OrderStep::Paid),
            "credited" => Some(OrderStep::Credited),
            "cancelled" => Some(OrderStep::Cancelled),
            _ => None,
        }
    }

    /// The status the order has after this step.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStep::Paid => "paid",
            OrderStep::Credited => "credited",
            OrderStep::Cancelled => "cancelled",
        }
    }

    /// Whether an order in `status` may take this step: quotation → paid →
    /// credited, and a quotation or a paid order may be cancelled.
    pub fn follows(self, status: &str) -> bool {
        matches!(
            (status, self),
            ("quotation", OrderStep::Paid)
                | ("paid", OrderStep::Credited)
                | ("quotation" | "paid", OrderStep::Cancelled)
        )
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
    fn orders_move_quotation_paid_credited_or_are_cancelled() {
        use OrderStep::*;
        for (status, step, allowed) in [
            ("quotation", Paid, true),
            ("quotation", Credited, false),
            ("quotation", Cancelled, true),
            ("paid", Credited, true),
            ("paid", Paid, false),
            ("paid", Cancelled, true),
            ("credited", Cancelled, false),
            ("credited", Credited, false),
            ("cancelled", Paid, false),
        ] {
            assert_eq!(step.follows(status), allowed, "{status} → {step:?}");
        }
        assert_eq!(OrderStep::parse("credited"), Some(Credited));
        assert_eq!(OrderStep::parse("shipped"), None);
    }

    #[test]
    fn metering_rounds_half_up() {
        // 82 credits an hour for 189 seconds.
        assert_eq!(Credits::metered(Credits(820_000), 189), Some(Credits(43_050)));
        // 0.0001 an hour for 1800 s is exactly half a unit: up.
        assert_eq!(Credits::metered(Credits(1), 1800), Some(Credits(1)));
        assert_eq!(Credits::metered(Credits(1), 1799), Some(Credits(0)));
    }

    #[test]
    fn money_never_wraps_or_saturates() {
        assert_eq!(Credits::metered(Credits(i64::MAX), i64::MAX), None);
        assert_eq!(
            Credits::metered(Credits(MAX_RATE_PER_HOUR), MAX_USAGE_SECONDS),
            Some(Credits(MAX_DEBIT))
        );
        assert_eq!(Credits(i64::MAX).checked_add(Credits(1)), None);
        assert_eq!(Credits(i64::MIN).checked_add(Credits(-1)), None);
        let huge: CreditSum = [CreditSum(i128::from(i64::MAX)); 4].into_iter().sum();
        assert_eq!(huge.0, 4 * i128::from(i64::MAX));
        assert_eq!(CreditSum::from_parts(-4, -3050).to_string(), "-4.3050");
        assert_eq!(
            CreditSum::from_parts(i64::MAX, 9999).to_string(),
            format!("{}.9999", i64::MAX)
        );
    }
}
