//! Durations and sizes as written in `feeds.toml`.

use std::time::Duration;

use super::raw::{RawDuration, RawSize};

pub(super) fn duration(raw: &RawDuration) -> Result<Duration, String> {
    match raw {
        RawDuration::Seconds(s) => Ok(Duration::from_secs(*s)),
        RawDuration::Text(text) => parse_duration(text),
    }
}

pub(super) fn size(raw: &RawSize) -> Result<u64, String> {
    match raw {
        RawSize::Bytes(b) => Ok(*b),
        RawSize::Text(text) => parse_size(text),
    }
}

fn split_number(text: &str) -> Option<(f64, String)> {
    let t = text.trim();
    let end = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let number: f64 = t[..end].parse().ok()?;
    Some((number, t[end..].trim().to_ascii_lowercase()))
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let bad = || {
        format!(
            "cannot read `{text}` as a duration; write e.g. 30, \"30s\", \"2m\", \"1h\", \"365d\""
        )
    };
    let (n, unit) = split_number(text).ok_or_else(bad)?;
    let seconds = match unit.as_str() {
        "" | "s" | "sec" | "secs" | "seconds" => n,
        "ms" => n / 1000.0,
        "m" | "min" | "mins" | "minutes" => n * 60.0,
        "h" | "hour" | "hours" => n * 3600.0,
        "d" | "day" | "days" => n * 86_400.0,
        "w" | "week" | "weeks" => n * 604_800.0,
        _ => return Err(bad()),
    };
    Duration::try_from_secs_f64(seconds)
        .map_err(|_| format!("`{text}` is longer than a duration can be; write e.g. \"365d\""))
}

fn parse_size(text: &str) -> Result<u64, String> {
    let bad =
        || format!("cannot read `{text}` as a size; write e.g. 1048576, \"512 KiB\", \"10 MiB\"");
    let (n, unit) = split_number(text).ok_or_else(bad)?;
    let factor: f64 = match unit.as_str() {
        "" | "b" => 1.0,
        "kb" => 1e3,
        "kib" | "k" => 1024.0,
        "mb" => 1e6,
        "mib" | "m" => 1024.0 * 1024.0,
        "gb" => 1e9,
        "gib" | "g" => 1024.0 * 1024.0 * 1024.0,
        _ => return Err(bad()),
    };
    let bytes = n * factor;
    if bytes >= u64::MAX as f64 {
        return Err(format!(
            "`{text}` is larger than a size can be (16 EiB); write e.g. \"10 MiB\""
        ));
    }
    Ok(bytes as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_durations_read_with_units() {
        assert_eq!(parse_size("10 MiB"), Ok(10 * 1024 * 1024));
        assert_eq!(parse_size("512KB"), Ok(512_000));
        assert!(parse_size("ten").is_err());
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("5 fortnights").is_err());
    }

    #[test]
    fn values_beyond_range_are_errors_not_panics() {
        let long = parse_duration("99999999999999999999d").unwrap_err();
        assert!(long.contains("99999999999999999999d"), "{long}");
        assert!(parse_duration("100000000000w").is_ok());
        assert!(parse_duration("18446744073709551616000").is_err());
        let large = parse_size("99999999999999999999 GiB").unwrap_err();
        assert!(large.contains("99999999999999999999 GiB"), "{large}");
        assert_eq!(parse_size("1 GiB"), Ok(1 << 30));
    }
}
