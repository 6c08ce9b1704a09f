//! When a feed is polled next: pure functions of the feed's cron schedule, its name and what
//! the publisher answered.
//!
//! - Every feed starts its run a stable [`jitter`] after each cron tick, so a thousand feeds
//!   on the same schedule spread over a few minutes instead of firing in the same second.
//! - The publisher's signals set a floor, `earliest`: no request before it. Cache-Control
//!   max-age, Expires and RSS `ttl` (capped at [`MAX_FRESHNESS`]); `Retry-After` on 429/503
//!   (capped at [`MAX_RETRY_AFTER`], and for the whole host); exponential backoff with jitter
//!   on consecutive failures (capped at [`MAX_BACKOFF`]); [`GONE_INTERVAL`] after 410 Gone.
//!   A feed is never given up: it is polled less.
//! - Times are compared in "tick time" (tick + jitter), so a floor of exactly N intervals
//!   skips exactly N-1 ticks, however long a run waited for a free slot.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::parse_cron;

/// The longest floor a publisher's freshness (max-age, Expires, ttl) can set.
pub const MAX_FRESHNESS: Duration = Duration::from_secs(6 * 3600);
/// The longest a `Retry-After` is honoured for.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);
/// The longest wait between polls of a failing feed.
pub const MAX_BACKOFF: Duration = Duration::from_secs(24 * 3600);
/// How often a feed whose publisher answered 410 Gone is still polled.
pub const GONE_INTERVAL: Duration = Duration::from_secs(7 * 24 * 3600);
/// The widest per-feed jitter (it is a tenth of the feed's interval, up to this).
pub const MAX_JITTER: Duration = Duration::from_secs(300);
/// Used when a schedule has no next tick to measure (it cannot happen for a validated one).
const FALLBACK_INTERVAL: Duration = Duration::from_secs(1800);

/// A feed's cron schedule (UTC, seconds field, as tokio-cron-scheduler reads it).
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: croner::Cron,
}

impl Schedule {
    pub fn parse(expr: &str) -> Result<Schedule, String> {
        Ok(Schedule {
            cron: parse_cron(expr)?,
        })
    }

    /// The schedule of a validated config; the default schedule should `expr` not parse.
    pub fn of(expr: &str) -> Schedule {
        Schedule::parse(expr).unwrap_or_else(|_| Schedule {
            cron: parse_cron(crate::config::DEFAULT_SCHEDULE)
                .expect("the default schedule is a valid cron expression"),
        })
    }

    /// The first tick strictly after `after`.
    pub fn next_tick(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.cron.find_next_occurrence(&after, false).ok()
    }

    /// The latest tick at or before `at` (the tick a job that fires at `at` belongs to).
    pub fn latest_tick(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        self.cron.find_previous_occurrence(&at, true).unwrap_or(at)
    }

    /// The gap between the next two ticks after `at`.
    pub fn interval(&self, at: DateTime<Utc>) -> Duration {
        let gap = || {
            let first = self.next_tick(at)?;
            let second = self.next_tick(first)?;
            (second - first).to_std().ok()
        };
        gap().unwrap_or(FALLBACK_INTERVAL)
    }
}

/// A feed's stable offset after each tick: a fraction (from a hash of its name) of a tenth of
/// its interval, at most [`MAX_JITTER`].
pub fn jitter(feed: &str, interval: Duration) -> Duration {
    (interval / 10)
        .min(MAX_JITTER)
        .mul_f64(unit_fraction(feed.as_bytes()))
}

/// A number in [0, 1) that depends only on `bytes` (stable across runs and versions).
fn unit_fraction(bytes: &[u8]) -> f64 {
    let hash = blake3::hash(bytes);
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash.as_bytes()[..8]);
    (u64::from_le_bytes(first) >> 11) as f64 / (1u64 << 53) as f64
}

/// When a run that fired at `tick` starts: the tick plus the feed's jitter.
pub fn start_of(schedule: &Schedule, feed: &str, tick: DateTime<Utc>) -> DateTime<Utc> {
    tick + jitter(feed, schedule.interval(tick))
}

/// The run starts of feeds that share `schedule` for the tick at `tick`, earliest first:
/// [`start_of`] each feed, with the schedule's interval worked out once for all of them.
pub fn starts_in_order<T>(
    schedule: &Schedule,
    tick: DateTime<Utc>,
    feeds: impl IntoIterator<Item = (T, impl AsRef<str>)>,
) -> Vec<(DateTime<Utc>, T)> {
    let interval = schedule.interval(tick);
    let mut starts: Vec<(DateTime<Utc>, T)> = feeds
        .into_iter()
        .map(|(feed, name)| (tick + jitter(name.as_ref(), interval), feed))
        .collect();
    starts.sort_by_key(|(start, _)| *start);
    starts
}

/// Whether the run due at `start` (tick + jitter) may poll, given the floor `earliest`.
pub fn may_poll(start: DateTime<Utc>, earliest: Option<DateTime<Utc>>) -> bool {
    earliest.is_none_or(|e| start >= e)
}

/// The first run start (tick + jitter) at or after both `now` and `earliest`.
pub fn next_start(
    schedule: &Schedule,
    feed: &str,
    now: DateTime<Utc>,
    earliest: Option<DateTime<Utc>>,
) -> Option<DateTime<Utc>> {
    let not_before = earliest.map_or(now, |e| e.max(now));
    let jitter = jitter(feed, schedule.interval(not_before));
    let from = not_before - chrono::Duration::from_std(jitter).ok()? - chrono::Duration::seconds(1);
    let mut tick = schedule.next_tick(from)?;
    // At most a couple of steps: `from` is one jitter and a second before the floor.
    while tick + jitter < not_before {
        tick = schedule.next_tick(tick)?;
    }
    Some(tick + jitter)
}

/// Whether a daemon that starts at `now` polls a feed at once rather than at its next tick:
/// when it was never polled, or a poll fell due while no daemon ran, and no floor holds.
pub fn due_at_start(
    last_attempt: Option<DateTime<Utc>>,
    next_poll: Option<DateTime<Utc>>,
    earliest: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> bool {
    if earliest.is_some_and(|e| e > now) {
        return false;
    }
    last_attempt.is_none() || next_poll.is_none_or(|next| next <= now)
}

/// What a poll of a feed came to, as far as the next poll is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// New content or "not modified"; `fresh_for` is the publisher's freshness (headers or ttl).
    Answered { fresh_for: Option<Duration> },
    /// The poll failed; `failures` counts this one.
    Failed {
        failures: u32,
        status: Option<u16>,
        retry_after: Option<Duration>,
    },
}

/// The floor on a feed's next poll, and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// No request before this; `None` when the schedule alone decides.
    pub earliest: Option<DateTime<Utc>>,
    /// Why there is a floor, in words for logs and `feedsift feeds`.
    pub reason: Option<String>,
    /// The publisher asked the whole host to wait until then (`Retry-After`).
    pub host_waits_until: Option<DateTime<Utc>>,
}

/// The floor after a run that was due at `start` (tick + jitter) and ended at `now`.
pub fn plan(
    schedule: &Schedule,
    feed: &str,
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    answer: &Answer,
) -> Plan {
    let interval = schedule.interval(start);
    let (delay, reason, host_wait) = match answer {
        Answer::Answered { fresh_for } => {
            let fresh = fresh_for.map(|f| f.min(MAX_FRESHNESS)).unwrap_or_default();
            let reason = format!("the publisher asks to wait {}", words(fresh));
            (fresh, reason, None)
        }
        Answer::Failed {
            status: Some(410), ..
        } => (
            GONE_INTERVAL,
            "410 Gone: polled once a week".to_string(),
            None,
        ),
        Answer::Failed {
            failures,
            retry_after,
            ..
        } => {
            let backoff = backoff(feed, interval, *failures);
            let retry = retry_after.map(|r| r.min(MAX_RETRY_AFTER));
            let reason = match retry {
                Some(r) if r >= backoff => format!("Retry-After: {}", words(r)),
                _ => format!(
                    "{failures} failures in a row: backing off {}",
                    words(backoff)
                ),
            };
            let host_wait = retry.and_then(|r| Some(now + chrono::Duration::from_std(r).ok()?));
            (backoff.max(retry.unwrap_or_default()), reason, host_wait)
        }
    };
    if delay.is_zero() {
        return Plan {
            host_waits_until: host_wait,
            ..Plan::default()
        };
    }
    // Retry-After counts from the answer; the other floors from the run's start, in tick time.
    let base = if host_wait.is_some() {
        now.max(start)
    } else {
        start
    };
    Plan {
        earliest: chrono::Duration::from_std(delay).ok().map(|d| base + d),
        reason: Some(reason),
        host_waits_until: host_wait,
    }
}

/// The wait after `failures` consecutive failures: none after the first (a passing glitch),
/// then 2, 4, 8, ... intervals, each stretched by up to half by a jitter of its own, up to
/// [`MAX_BACKOFF`].
pub fn backoff(feed: &str, interval: Duration, failures: u32) -> Duration {
    if failures <= 1 {
        return Duration::ZERO;
    }
    let exponent = (failures - 1).min(20);
    let stretch = 1.0 + 0.5 * unit_fraction(format!("{feed}\u{0}{failures}").as_bytes());
    interval
        .saturating_mul(1 << exponent)
        .mul_f64(stretch)
        .min(MAX_BACKOFF)
}

/// "90s", "15m", "2h30m", "7d".
pub fn words(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..120 => format!("{s}s"),
        120..7200 => format!("{}m", s / 60),
        7200..172_800 if s % 3600 >= 60 => format!("{}h{}m", s / 3600, s % 3600 / 60),
        7200..172_800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn every_30_min() -> Schedule {
        Schedule::parse("0 */30 * * * *").unwrap()
    }

    #[test]
    fn jitter_is_stable_bounded_and_spread() {
        let interval = Duration::from_secs(1800);
        assert_eq!(jitter("a", interval), jitter("a", interval));
        let offsets: Vec<u64> = (0..1000)
            .map(|i| jitter(&format!("feed-{i}"), interval).as_secs())
            .collect();
        assert!(offsets.iter().all(|&s| s < 180));
        // 1,000 feeds on one schedule: no second holds more than a handful of starts.
        let mut per_second = std::collections::HashMap::new();
        for s in &offsets {
            *per_second.entry(s).or_insert(0) += 1;
        }
        assert!(
            per_second.len() > 150,
            "{} distinct seconds",
            per_second.len()
        );
        assert!(per_second.values().all(|&n| n <= 20));
        // A fast schedule gets a small jitter; a slow one at most MAX_JITTER.
        assert!(jitter("a", Duration::from_secs(2)) < Duration::from_millis(200));
        assert!(jitter("a", Duration::from_secs(86_400)) <= MAX_JITTER);
    }

    #[test]
    fn intervals_come_from_the_cron_expression() {
        let s = every_30_min();
        assert_eq!(
            s.interval(at("2026-11-21T12:10:00Z")),
            Duration::from_secs(1800)
        );
        let fast = Schedule::parse("*/2 * * * * *").unwrap();
        assert_eq!(
            fast.interval(at("2026-11-21T12:10:01Z")),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn feeds_of_one_schedule_start_in_jitter_order_as_each_would_alone() {
        let s = every_30_min();
        let tick = at("2026-11-21T12:00:00Z");
        let names: Vec<String> = (0..200).map(|k| format!("feed-{k}")).collect();
        let starts = starts_in_order(&s, tick, names.iter().map(|n| (n.clone(), n)));
        assert_eq!(starts.len(), names.len());
        assert!(starts.windows(2).all(|w| w[0].0 <= w[1].0));
        for (start, name) in &starts {
            assert_eq!(*start, start_of(&s, name, tick));
        }
        let last = starts.last().map(|(start, _)| *start - tick);
        assert!(last.is_some_and(|spread| spread <= chrono::Duration::minutes(3)));
    }

    #[test]
    fn backoff_doubles_from_the_second_failure_and_is_capped() {
        let i = Duration::from_secs(1800);
        assert_eq!(backoff("f", i, 1), Duration::ZERO);
        for n in 2..=5u32 {
            let b = backoff("f", i, n).as_secs_f64();
            let base = 1800.0 * f64::from(1u32 << (n - 1));
            assert!(b >= base && b < base * 1.5, "failure {n}: {b}");
        }
        assert_eq!(backoff("f", i, 40), MAX_BACKOFF);
        // Feeds failing together do not retry together.
        let spread: std::collections::HashSet<u64> = (0..50)
            .map(|k| backoff(&format!("feed-{k}"), i, 3).as_secs())
            .collect();
        assert!(spread.len() > 40);
    }

    #[test]
    fn a_floor_of_n_intervals_skips_n_minus_1_ticks() {
        let s = every_30_min();
        let start = start_of(&s, "f", at("2026-11-21T12:00:00Z"));
        let answer = Answer::Answered {
            fresh_for: Some(Duration::from_secs(3600)),
        };
        // The run ended a while after it started (it waited for a slot).
        let plan = plan(
            &s,
            "f",
            start,
            start + chrono::Duration::seconds(40),
            &answer,
        );
        let next = |tick: &str| may_poll(start_of(&s, "f", at(tick)), plan.earliest);
        assert!(!next("2026-11-21T12:30:00Z"));
        assert!(next("2026-11-21T13:00:00Z"));
        assert_eq!(
            next_start(&s, "f", start, plan.earliest),
            Some(start_of(&s, "f", at("2026-11-21T13:00:00Z")))
        );
    }

    #[test]
    fn freshness_is_capped_and_short_freshness_changes_nothing() {
        let s = every_30_min();
        let start = at("2026-11-21T12:00:00Z");
        let long = Answer::Answered {
            fresh_for: Some(Duration::from_secs(30 * 86_400)),
        };
        let p = plan(&s, "f", start, start, &long);
        assert_eq!(p.earliest, Some(start + chrono::Duration::hours(6)));
        let short = Answer::Answered {
            fresh_for: Some(Duration::from_secs(60)),
        };
        let p = plan(&s, "f", start, start, &short);
        assert!(may_poll(
            start_of(&s, "f", at("2026-11-21T12:30:00Z")),
            p.earliest
        ));
        let none = plan(&s, "f", start, start, &Answer::Answered { fresh_for: None });
        assert_eq!(none, Plan::default());
    }

    #[test]
    fn retry_after_holds_the_feed_and_its_host() {
        let s = every_30_min();
        let start = at("2026-11-21T12:00:00Z");
        let now = start + chrono::Duration::seconds(5);
        let answer = Answer::Failed {
            failures: 1,
            status: Some(429),
            retry_after: Some(Duration::from_secs(7200)),
        };
        let p = plan(&s, "f", start, now, &answer);
        assert_eq!(p.earliest, Some(now + chrono::Duration::hours(2)));
        assert_eq!(p.host_waits_until, p.earliest);
        assert!(p.reason.unwrap().contains("Retry-After: 2h"));
    }

    #[test]
    fn gone_feeds_are_polled_weekly_and_failures_back_off() {
        let s = every_30_min();
        let start = at("2026-11-21T12:00:00Z");
        let gone = Answer::Failed {
            failures: 1,
            status: Some(410),
            retry_after: None,
        };
        let p = plan(&s, "f", start, start, &gone);
        assert_eq!(p.earliest, Some(start + chrono::Duration::days(7)));
        let third = Answer::Failed {
            failures: 3,
            status: Some(500),
            retry_after: None,
        };
        let p = plan(&s, "f", start, start, &third);
        assert!(p.earliest.unwrap() >= start + chrono::Duration::hours(2));
        assert!(p.reason.unwrap().starts_with("3 failures in a row"));
        let first = Answer::Failed {
            failures: 1,
            status: None,
            retry_after: None,
        };
        assert_eq!(plan(&s, "f", start, start, &first).earliest, None);
    }

    #[test]
    fn a_restarted_daemon_polls_only_what_fell_due_meanwhile() {
        let now = at("2026-11-21T12:00:00Z");
        let past = Some(now - chrono::Duration::minutes(5));
        let future = Some(now + chrono::Duration::minutes(5));
        assert!(due_at_start(None, None, None, now));
        assert!(due_at_start(past, past, None, now));
        assert!(!due_at_start(past, future, None, now));
        assert!(!due_at_start(None, None, future, now));
        assert!(!due_at_start(past, past, future, now));
    }

    #[test]
    fn durations_in_words() {
        assert_eq!(words(Duration::from_secs(90)), "90s");
        assert_eq!(words(Duration::from_secs(900)), "15m");
        assert_eq!(words(Duration::from_secs(9000)), "2h30m");
        assert_eq!(words(Duration::from_secs(7 * 86_400)), "7d");
    }
}
