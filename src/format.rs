//! Formatting shared by pages, exports and the API: times and dates. It
//! imports nothing of the app.

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

#[cfg(test)]
mod tests {
    use super::*;

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
    }
}
