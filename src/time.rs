//! Timestamps as feedsift stores and prints them: RFC 3339 UTC text, second precision
//! (sortable as text in SQLite, readable in `sqlite3`), and the user's `--since` dates.

use chrono::{DateTime, NaiveDate, SecondsFormat, TimeZone, Utc};

/// Formats a timestamp the way every table and export stores it: `2025-03-10T17:30:00Z`.
pub fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Reads a time this crate wrote with [`rfc3339`].
pub fn parse_rfc3339(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text).ok().map(|t| t.to_utc())
}

/// A date as feeds write it when feed-rs could not read the feed: RFC 2822 (`pubDate`),
/// RFC 3339 / W3C-DTF (`dc:date`, Atom), with or without a time.
pub fn parse_loose(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Some(t.to_utc());
    }
    if let Some(t) = parse_rfc3339(text) {
        return Some(t);
    }
    let date = NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    Some(Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0)?))
}

/// The current time, formatted as [`rfc3339`].
pub fn now() -> String {
    rfc3339(Utc::now())
}

/// Parses a user-supplied point in time: an RFC 3339 timestamp (`2025-03-01T08:00:00Z`),
/// a date (`2025-03-01`, midnight UTC), or an age relative to now (`36h`, `7d`, `2w`).
pub fn parse_since(input: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = input.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let midnight = d
            .and_hms_opt(0, 0, 0)
            .ok_or_else(|| format!("invalid date `{s}`"))?;
        return Ok(Utc.from_utc_datetime(&midnight));
    }
    if let Some(age) = parse_age(s) {
        return Ok(now - age);
    }
    Err(format!(
        "cannot read `{s}` as a date; use 2025-03-01, 2025-03-01T08:00:00Z, or an age like 7d, 36h, 2w"
    ))
}

fn parse_age(s: &str) -> Option<chrono::Duration> {
    let unit = s.chars().last()?;
    let n: i64 = s[..s.len() - unit.len_utf8()].parse().ok()?;
    match unit {
        'h' => chrono::Duration::try_hours(n),
        'd' => chrono::Duration::try_days(n),
        'w' => chrono::Duration::try_weeks(n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_accepts_dates_timestamps_and_ages() {
        let now = Utc.with_ymd_and_hms(2025, 3, 10, 12, 0, 0).unwrap();
        assert_eq!(
            rfc3339(parse_since("2025-03-01", now).unwrap()),
            "2025-03-01T00:00:00Z"
        );
        assert_eq!(
            rfc3339(parse_since("2025-03-01T08:00:00+01:00", now).unwrap()),
            "2025-03-01T07:00:00Z"
        );
        assert_eq!(
            rfc3339(parse_since("7d", now).unwrap()),
            "2025-03-03T12:00:00Z"
        );
        assert_eq!(
            rfc3339(parse_since("36h", now).unwrap()),
            "2025-03-09T00:00:00Z"
        );
        assert!(parse_since("last tuesday", now).unwrap_err().contains("7d"));
    }
}
