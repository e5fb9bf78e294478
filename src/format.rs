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
    use time_tz::TimeZone;
    match Local::new(unix, zone) {
        Some(local) => format!("{} {}", local.compact(), zone.name()),
        None => unix.to_string(),
    }
}

/// `2026-11-29 17:03`, in the zone (named once elsewhere on the page).
pub fn compact_time(unix: i64, zone: &'static time_tz::Tz) -> String {
    Local::new(unix, zone).map_or_else(|| unix.to_string(), |local| local.compact().to_string())
}

/// ISO 8601 with seconds and the zone's offset (`2026-11-29T17:03:00+08:00`),
/// as `<time datetime>` and the exports give a local time.
pub fn iso_local(unix: i64, zone: &'static time_tz::Tz) -> String {
    Local::new(unix, zone).map_or_else(|| unix.to_string(), |local| local.iso().to_string())
}

/// `2026-11-29`: the date of a unix time in the zone.
pub fn local_date(unix: i64, zone: &'static time_tz::Tz) -> String {
    Local::new(unix, zone).map_or_else(|| unix.to_string(), |local| local.date().to_string())
}

/// A unix time in a time zone, to be written in the forms above. Found in
/// the zone's rules once and written by hand: a page of 50 keys writes 150
/// times, twice each, and the zone lookup and the `time` crate's general
/// formatting were a fifth of the page's cost.
#[derive(Clone, Copy)]
pub struct Local(time::OffsetDateTime);

impl Local {
    /// `None` for a time out of the years 1–9998 (`time_tz` panics where
    /// the zone's offset would take a time out of `time`'s range).
    pub fn new(unix: i64, zone: &'static time_tz::Tz) -> Option<Local> {
        use time_tz::OffsetDateTimeExt;
        time::OffsetDateTime::from_unix_timestamp(unix)
            .ok()
            .filter(|utc| (1..=9998).contains(&utc.year()))
            .map(|utc| Local(utc.to_timezone(zone)))
    }

    /// `2026-11-29`
    pub fn date(self) -> impl std::fmt::Display {
        Written(self, Form::Date)
    }

    /// `2026-11-29 17:03`
    pub fn compact(self) -> impl std::fmt::Display {
        Written(self, Form::Compact)
    }

    /// `2026-11-29T17:03:00+08:00`
    pub fn iso(self) -> impl std::fmt::Display {
        Written(self, Form::Iso)
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Form {
    Date,
    Compact,
    Iso,
}

/// A `Local` in one of its forms, its digits placed by hand (the standard
/// library's padded integers cost more than the rest of a table row).
struct Written(Local, Form);

impl std::fmt::Display for Written {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (t, form) = ((self.0).0, self.1);
        let mut text = [0u8; 25];
        let mut at = 0;
        let mut put = |digits: u32, value: u32, before: Option<u8>| {
            if let Some(separator) = before {
                text[at] = separator;
                at += 1;
            }
            let mut rest = value;
            for place in (0..digits as usize).rev() {
                text[at + place] = b'0' + (rest % 10) as u8;
                rest /= 10;
            }
            at += digits as usize;
        };
        // Years 1–9998 only (`Local::new`): four digits.
        put(4, t.year().unsigned_abs(), None);
        put(2, u32::from(t.month() as u8), Some(b'-'));
        put(2, u32::from(t.day()), Some(b'-'));
        if form != Form::Date {
            put(
                2,
                u32::from(t.hour()),
                Some(if form == Form::Iso { b'T' } else { b' ' }),
            );
            put(2, u32::from(t.minute()), Some(b':'));
        }
        if form == Form::Iso {
            let (hours, minutes, _) = t.offset().as_hms();
            put(2, u32::from(t.second()), Some(b':'));
            let sign = if t.offset().is_negative() { b'-' } else { b'+' };
            put(2, u32::from(hours.unsigned_abs()), Some(sign));
            put(2, u32::from(minutes.unsigned_abs()), Some(b':'));
        }
        // Only ASCII digits and separators were placed.
        f.write_str(std::str::from_utf8(&text[..at]).map_err(|_| std::fmt::Error)?)
    }
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
    fn local_times_are_written_as_the_time_crate_writes_them() {
        use time::macros::format_description;
        use time_tz::OffsetDateTimeExt;
        let zones = [
            time_tz::timezones::db::asia::TAIPEI,
            time_tz::timezones::db::asia::KOLKATA,
            time_tz::timezones::db::america::ST_JOHNS,
            time_tz::timezones::db::UTC,
        ];
        // Around now, a summer time change in St John's, the epoch, and far out.
        for unix in [1_795_999_826, 1_772_953_200, 1_772_956_800, 0, 59, 253_370_764_799] {
            for zone in zones {
                let t = time::OffsetDateTime::from_unix_timestamp(unix)
                    .unwrap()
                    .to_timezone(zone);
                let local = Local::new(unix, zone).unwrap();
                let expected = |format: &[time::format_description::FormatItem<'_>]| t.format(format).unwrap();
                assert_eq!(
                    local.date().to_string(),
                    expected(format_description!("[year]-[month]-[day]"))
                );
                assert_eq!(
                    local.compact().to_string(),
                    expected(format_description!("[year]-[month]-[day] [hour]:[minute]"))
                );
                assert_eq!(
                    local.iso().to_string(),
                    expected(format_description!(
                        "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
                    ))
                );
            }
        }
        // Out of range: the number itself, never a panic.
        for unix in [253_402_300_799, i64::MAX, i64::MIN, -62_135_596_801] {
            assert!(Local::new(unix, zones[0]).is_none());
            assert_eq!(compact_time(unix, zones[0]), unix.to_string());
        }
    }

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
