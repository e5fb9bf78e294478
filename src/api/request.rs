//! What API requests carry: JSON bodies, read field by field so that every
//! error names its field (422 `invalid`), and lists' pages, walked by an
//! opaque cursor.

use serde_json::{Map, Value};
use utoipa::IntoParams;

use crate::{error::AppError, web::i18n::Msg};

/// A 422 `invalid` naming the field at fault.
pub fn invalid(field: &str, key: &'static str) -> AppError {
    AppError::invalid_at(field.to_string(), Msg::new(key))
}

/// The body as a JSON object (422 naming `body` otherwise).
pub fn object(body: &[u8]) -> Result<Map<String, Value>, AppError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(invalid("body", "api-body-not-json")),
    }
}

/// An optional string field.
pub fn text<'a>(body: &'a Map<String, Value>, field: &str) -> Result<Option<&'a str>, AppError> {
    match body.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(invalid(field, "api-field-not-text")),
    }
}

/// A whole number as JSON may write it: `7` or `7.0` (JSON Schema's
/// "integer" is any number without a fraction).
pub fn integer(value: &Value) -> Option<i64> {
    value.as_i64().or_else(|| {
        let float = value.as_f64()?;
        // Exactly representable: within ±2^53, without a fraction.
        (float.fract() == 0.0 && float.abs() <= 9_007_199_254_740_992.0).then_some(float as i64)
    })
}

/// A short text the API takes as given (an idempotency key, a resource
/// ID): 1 to `max` characters, none of them a control character. The
/// schema says the same: `^[^\x00-\x1f\x7f-\x9f]{1,max}$`.
pub fn short_text(body: &Map<String, Value>, field: &str, max: usize) -> Result<String, AppError> {
    match body.get(field).and_then(Value::as_str) {
        Some(value) if (1..=max).contains(&value.chars().count()) && !value.chars().any(char::is_control) => {
            Ok(value.to_string())
        }
        _ => Err(AppError::invalid_at(
            field.to_string(),
            Msg::new("api-short-text").arg("max", max),
        )),
    }
}

/// Credits as the API writes them: whole credits without leading zeros
/// and up to four decimals (`82`, `0.5`, `82.0000`); `None` otherwise.
fn decimal_credits(raw: &str, max_whole_digits: usize) -> Option<crate::wallets::Credits> {
    let (whole, fraction) = raw.split_once('.').map_or((raw, None), |(w, f)| (w, Some(f)));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let well_formed = digits(whole)
        && whole.len() <= max_whole_digits
        && (whole == "0" || !whole.starts_with('0'))
        && fraction.is_none_or(|f| digits(f) && f.len() <= 4);
    if !well_formed {
        return None;
    }
    crate::wallets::Credits::parse(raw, "credits").ok()
}

/// A rate of credits per hour, from 0 to `max` credits; the schema's
/// pattern is `RATE_PER_HOUR` (for a `max` of 1,000,000).
pub fn rate_per_hour(
    body: &Map<String, Value>,
    field: &'static str,
    max: i64,
) -> Result<crate::wallets::Credits, AppError> {
    body.get(field)
        .and_then(Value::as_str)
        .and_then(|raw| decimal_credits(raw, 7))
        .filter(|rate| rate.0 <= max)
        .ok_or_else(|| invalid(field, "credits-invalid"))
}

/// A positive amount of credits as the API writes them: whole credits
/// without leading zeros (at most 12 digits) and up to four decimals, not
/// zero. The schema's pattern is `POSITIVE_CREDITS`.
pub fn positive_credits(body: &Map<String, Value>, field: &'static str) -> Result<crate::wallets::Credits, AppError> {
    body.get(field)
        .and_then(Value::as_str)
        .and_then(|raw| decimal_credits(raw, 12))
        .filter(|credits| credits.0 > 0)
        .ok_or_else(|| invalid(field, "credits-invalid"))
}

/// The pattern of `positive_credits`.
pub const POSITIVE_CREDITS: &str =
    r"^([1-9][0-9]{0,11}(\.[0-9]{1,4})?|0\.(000[1-9]|00[1-9][0-9]?|0[1-9][0-9]{0,2}|[1-9][0-9]{0,3}))$";

/// A period of whole UTC days, `YYYY-MM-DD`, either end optional (an empty
/// one is refused); as unix seconds, from the start of `from` to the end of
/// `to`. A period that ends before it starts matches nothing.
pub fn period(from: Option<&str>, to: Option<&str>) -> Result<(Option<i64>, Option<i64>), AppError> {
    for (field, value) in [("from", from), ("to", to)] {
        if value.is_some_and(|v| v.trim().is_empty()) {
            return Err(invalid(field, "date-invalid"));
        }
    }
    let utc = time_tz::timezones::db::UTC;
    let (start, _) = crate::web::date_range(from.unwrap_or(""), "", utc)?;
    let (_, end) = crate::web::date_range("", to.unwrap_or(""), utc)?;
    Ok((start, end))
}

/// A page of a list: where to start and how many.
#[derive(serde::Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// The `next_cursor` of the page before; none for the first page.
    #[param(pattern = r"^c[0-9]{1,18}$")]
    pub cursor: Option<String>,
    /// How many, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<i64>,
}

/// The most a page holds, and how many by default.
pub const MAX_PAGE: i64 = 200;
pub const DEFAULT_PAGE: i64 = 50;

impl PageQuery {
    /// The row the last page ended at (none for the first page), and the page's size.
    pub fn parse(&self) -> Result<(Option<i64>, i64), AppError> {
        page(self.cursor.as_deref(), self.limit)
    }
}

/// The page a query's `cursor` and `limit` ask for (a query with more
/// parameters than `PageQuery` has its own struct).
pub fn page(cursor: Option<&str>, limit: Option<i64>) -> Result<(Option<i64>, i64), AppError> {
    let limit = limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(AppError::invalid_at(
            "limit".to_string(),
            Msg::new("api-limit-invalid").arg("max", MAX_PAGE),
        ));
    }
    let before = match cursor {
        None => None,
        Some(cursor) => Some(parse_cursor(cursor)?),
    };
    Ok((before, limit))
}

/// A list's cursor: opaque to clients (`c` and the row the next page
/// starts after).
pub fn cursor_of(row: i64) -> String {
    format!("c{row}")
}

/// The row a cursor names; 422 for one this API did not make.
pub fn parse_cursor(cursor: &str) -> Result<i64, AppError> {
    cursor
        .strip_prefix('c')
        .filter(|digits| digits.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|digits| digits.parse().ok())
        .ok_or_else(|| AppError::invalid_at("cursor".to_string(), Msg::new("api-cursor-invalid")))
}

/// A page of rows fetched one longer than asked: the page, and the cursor
/// of the next one when there is more.
pub fn paged<T>(mut rows: Vec<T>, limit: i64, row_of: impl Fn(&T) -> i64) -> (Vec<T>, Option<String>) {
    let limit = usize::try_from(limit).unwrap_or(0);
    if rows.len() > limit {
        rows.truncate(limit);
        let next = rows.last().map(|last| cursor_of(row_of(last)));
        (rows, next)
    } else {
        (rows, None)
    }
}
