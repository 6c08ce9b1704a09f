//! What a publisher's response headers say about polling: how long the answer stays fresh
//! (`Cache-Control: max-age`, `Expires`) and how long to stay away (`Retry-After`). Pure
//! functions of header text and the current time.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// How long the response stays fresh, from `Cache-Control` (`max-age`, minus `Age`) or else
/// `Expires` (relative to `Date`, else `now`). `None` when the headers say nothing usable,
/// including `no-cache`/`no-store`, which mean "ask again whenever you like".
pub fn freshness(
    cache_control: Option<&str>,
    expires: Option<&str>,
    date: Option<&str>,
    age: Option<&str>,
    now: DateTime<Utc>,
) -> Option<Duration> {
    if let Some(cc) = cache_control {
        let directives: Vec<(String, Option<&str>)> = cc
            .split(',')
            .map(|d| match d.split_once('=') {
                Some((k, v)) => (
                    k.trim().to_ascii_lowercase(),
                    Some(v.trim().trim_matches('"')),
                ),
                None => (d.trim().to_ascii_lowercase(), None),
            })
            .collect();
        if directives
            .iter()
            .any(|(k, _)| k == "no-cache" || k == "no-store")
        {
            return None;
        }
        let max_age = directives
            .iter()
            .find(|(k, _)| k == "max-age")
            .and_then(|(_, v)| v.as_ref()?.parse::<u64>().ok());
        if let Some(max_age) = max_age {
            let age = age.and_then(|a| a.trim().parse::<u64>().ok()).unwrap_or(0);
            return Some(Duration::from_secs(max_age.saturating_sub(age)));
        }
    }
    let expires = http_date(expires?)?;
    let reference = date.and_then(http_date).unwrap_or(now);
    (expires - reference).to_std().ok()
}

/// `Retry-After`: delay-seconds or an HTTP date.
pub fn retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = http_date(value)?;
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// An HTTP date (RFC 9110 IMF-fixdate, or the obsolete RFC 850 and asctime forms).
pub fn http_date(value: &str) -> Option<DateTime<Utc>> {
    let value = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc2822(value) {
        return Some(t.with_timezone(&Utc));
    }
    ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
        .iter()
        .find_map(|format| chrono::NaiveDateTime::parse_from_str(value, format).ok())
        .map(|t| t.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-21T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn max_age_wins_over_expires_and_age_is_subtracted() {
        let f = freshness(
            Some("public, max-age=3600"),
            Some("Sat, 21 Nov 2026 12:00:10 GMT"),
            None,
            Some("600"),
            now(),
        );
        assert_eq!(f, Some(Duration::from_secs(3000)));
    }

    #[test]
    fn no_cache_means_no_floor() {
        let f = freshness(Some("no-cache, max-age=600"), None, None, None, now());
        assert_eq!(f, None);
        assert_eq!(freshness(None, None, None, None, now()), None);
        assert_eq!(
            freshness(Some("max-age=abc"), None, None, None, now()),
            None
        );
    }

    #[test]
    fn expires_counts_from_the_date_header() {
        let f = freshness(
            None,
            Some("Sat, 21 Nov 2026 13:00:00 GMT"),
            Some("Sat, 21 Nov 2026 12:30:00 GMT"),
            None,
            now(),
        );
        assert_eq!(f, Some(Duration::from_secs(1800)));
        // An Expires in the past, or unreadable ("0" is common), gives nothing.
        assert_eq!(
            freshness(
                None,
                Some("Thu, 01 Jan 1970 00:00:00 GMT"),
                None,
                None,
                now()
            ),
            None
        );
        assert_eq!(freshness(None, Some("0"), None, None, now()), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after("120", now()), Some(Duration::from_secs(120)));
        assert_eq!(
            retry_after("Sat, 21 Nov 2026 12:05:00 GMT", now()),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            retry_after("Saturday, 21-Nov-26 12:01:00 GMT", now()),
            Some(Duration::from_secs(60))
        );
        assert_eq!(retry_after("soon", now()), None);
    }
}
