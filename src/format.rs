//! Formatting shared by pages, exports and the API: times, dates and
//! counts. It imports nothing of the app.

/// A unix time as RFC 3339 in UTC (`2026-11-29T08:00:00Z`), as the API and
/// exports give it.
pub fn rfc3339(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

/// `2026-11-29 17:03 Asia/Taipei`
pub fn format_time(unix: i64, zone: &'static time_tz::Tz) -> String {
    use time_tz::{OffsetDateTimeExt, TimeZone};
    let Ok(utc) = time::OffsetDateTime::from_unix_timestamp(unix) else {
        return unix.to_string();
    };
    let local = utc.to_timezone(zone);
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]");
    match local.format(&format) {
        Ok(text) => format!("{text} {}", zone.name()),
        Err(_) => unix.to_string(),
    }
}

/// `2026-11-29 17:03`, in the zone (named once elsewhere on the page).
pub fn compact_time(unix: i64, zone: &'static time_tz::Tz) -> String {
    local(
        unix,
        zone,
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]"),
    )
}

/// ISO 8601 with seconds and the zone's offset (`2026-11-29T17:03:00+08:00`),
/// as `<time datetime>` and the exports give a local time.
pub fn iso_local(unix: i64, zone: &'static time_tz::Tz) -> String {
    local(
        unix,
        zone,
        time::macros::format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
        ),
    )
}

fn local(unix: i64, zone: &'static time_tz::Tz, format: &[time::format_description::FormatItem<'_>]) -> String {
    use time_tz::OffsetDateTimeExt;
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|utc| utc.to_timezone(zone).format(format).ok())
        .unwrap_or_else(|| unix.to_string())
}

/// `2026-11-29`: the date of a unix time in the zone.
pub fn local_date(unix: i64, zone: &'static time_tz::Tz) -> String {
    local(unix, zone, time::macros::format_description!("[year]-[month]-[day]"))
}

/// A count with thousands separated: `1,234,567`.
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        text.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// How far `unix` is from `now`, for relative wording: `None` beyond 45
/// days (an exact date reads better then).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distance {
    JustNow,
    Minutes(i64),
    Hours(i64),
    Days(i64),
}

/// The distance and whether it lies ahead (`true`) or behind.
pub fn distance(unix: i64, now: i64) -> Option<(Distance, bool)> {
    let ahead = unix > now;
    let seconds = unix.checked_sub(now)?.checked_abs()?;
    let distance = match seconds {
        0..60 => Distance::JustNow,
        60..3_600 => Distance::Minutes(seconds / 60),
        3_600..86_400 => Distance::Hours(seconds / 3_600),
        _ if seconds <= 45 * 86_400 => Distance::Days((seconds + 43_200) / 86_400),
        _ => return None,
    };
    Some((distance, ahead))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        let shown: Vec<String> = [0, 999, 1000, -1234, 1_234_567, i64::MIN].map(grouped).to_vec();
        assert_eq!(
            shown,
            ["0", "999", "1,000", "-1,234", "1,234,567", "-9,223,372,036,854,775,808"]
        );
    }

    #[test]
    fn times_are_shown_in_the_zone_with_its_name() {
        let taipei = time_tz::timezones::get_by_name("Asia/Taipei").unwrap();
        // 2026-11-29 08:00:00 UTC
        assert_eq!(format_time(1_795_939_200, taipei), "2026-11-29 16:00 Asia/Taipei");
        assert_eq!(
            format_time(1_795_939_200, time_tz::timezones::db::UTC),
            "2026-11-29 08:00 UTC"
        );
        assert_eq!(rfc3339(1_795_939_200), "2026-11-29T08:00:00Z");
        assert_eq!(compact_time(1_795_939_200, taipei), "2026-11-29 16:00");
        assert_eq!(iso_local(1_795_939_200, taipei), "2026-11-29T16:00:00+08:00");
        let new_york = time_tz::timezones::get_by_name("America/New_York").unwrap();
        assert_eq!(iso_local(1_795_939_200, new_york), "2026-11-29T03:00:00-05:00");
    }

    #[test]
    fn distances_are_rounded_to_what_reads_well() {
        let now = 1_795_939_200;
        assert_eq!(distance(now + 30, now), Some((Distance::JustNow, true)));
        assert_eq!(distance(now - 125, now), Some((Distance::Minutes(2), false)));
        assert_eq!(distance(now - 2 * 3_600 - 5, now), Some((Distance::Hours(2), false)));
        // A key made for 30 days, seen a moment later, expires "in 30 days".
        assert_eq!(distance(now + 30 * 86_400 - 5, now), Some((Distance::Days(30), true)));
        assert_eq!(distance(now + 46 * 86_400, now), None);
        assert_eq!(distance(i64::MIN, i64::MAX), None);
    }
}
