//! feedsift turns RSS, Atom and JSON feeds into a clean, deduplicated article database.
//!
//! The library does all the work; the `feedsift` binary is a thin command-line shell over it.
//! Modules follow the data flow, one step each:
//!
//! ```text
//! config ──> schedule ──> fetch ──> parse ──> clean ──> dedup ──> store ──> export / search
//! feeds.toml  cron jobs    HTTP/file  feed-rs   HTML->text  keys     SQLite    ndjson, atom, ...
//! ```
//!
//! - [`config`]: reads and validates `feeds.toml`.
//! - [`schedule`]: the daemon: one cron job per feed with jitter, the publisher's floors and
//!   backoff, global and per-host limits, reload, lock, graceful shutdown.
//! - [`fetch`]: one HTTP client; conditional GET, redirects, size cap, timeouts, what headers
//!   say about polling; local files.
//! - [`parse`]: feed bytes -> [`parse::Item`]s with stable guids, absolute links and dates.
//! - [`clean`]: HTML -> clean text and sanitized HTML; boilerplate removal. Pure functions.
//! - [`dedup`]: canonical URLs, content fingerprints and the matching policy. Pure functions.
//! - [`store`]: the only module that knows SQL; a narrow interface the pipeline writes through.
//! - [`pipeline`]: runs fetch -> parse -> clean -> dedup -> store for one feed or all feeds.
//! - [`export`]: writes stored articles as NDJSON, JSON, CSV, Markdown, Atom or HTML.
//! - [`systemd`]: sd_notify and journal-aware logging for the daemon.

pub mod clean;
pub mod config;
pub mod dedup;
pub mod export;
pub mod fetch;
pub mod opml;
pub mod parse;
pub mod pipeline;
pub mod reprocess;
pub mod schedule;
pub mod store;
pub mod systemd;
#[cfg(test)]
mod test_rng;
pub mod time;

/// The User-Agent sent with every request: names the program, its version and where to read more.
pub const USER_AGENT: &str = concat!(
    "feedsift/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/feedsift/feedsift)"
);
