//! The TOML file as written, before validation. Spans are kept on every value a later check
//! can reject, so that errors point at the file, line and column of the offending key.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawConfig {
    pub database: Option<Spanned<String>>,
    pub concurrency: Option<Spanned<u64>>,
    pub host_concurrency: Option<Spanned<u64>>,
    pub max_database_size: Option<Spanned<RawSize>>,
    #[serde(default)]
    pub defaults: RawDefaults,
    #[serde(default)]
    pub feeds: Vec<Spanned<RawFeed>>,
}

/// `[defaults]`: per-feed settings applied to every feed, plus the settings of the shared
/// HTTP client (which exist once, so they can only be set here).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDefaults {
    pub schedule: Option<Spanned<String>>,
    pub timeout: Option<Spanned<RawDuration>>,
    pub max_body_size: Option<Spanned<RawSize>>,
    pub connect_timeout: Option<Spanned<RawDuration>>,
    pub max_redirects: Option<Spanned<u64>>,
    pub user_agent: Option<Spanned<String>>,
    pub remove: Option<Spanned<Vec<String>>>,
    pub remove_text: Option<Spanned<Vec<String>>>,
    pub keep_boilerplate: Option<Spanned<Vec<String>>>,
    pub dedup: Option<Spanned<String>>,
    pub keep: Option<Spanned<RawDuration>>,
    pub keep_raw: Option<Spanned<RawDuration>>,
    pub max_articles_per_feed: Option<Spanned<u64>>,
    pub max_items: Option<Spanned<u64>>,
    pub allow_private: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFeed {
    pub name: Spanned<String>,
    pub url: Spanned<String>,
    pub schedule: Option<Spanned<String>>,
    pub timeout: Option<Spanned<RawDuration>>,
    pub max_body_size: Option<Spanned<RawSize>>,
    pub remove: Option<Spanned<Vec<String>>>,
    pub remove_text: Option<Spanned<Vec<String>>>,
    pub keep_boilerplate: Option<Spanned<Vec<String>>>,
    pub category: Option<Spanned<String>>,
    pub keep: Option<Spanned<RawDuration>>,
    pub keep_raw: Option<Spanned<RawDuration>>,
    pub max_articles_per_feed: Option<Spanned<u64>>,
    pub max_items: Option<Spanned<u64>>,
    pub allow_private: Option<bool>,
}

/// A duration as users write it: whole seconds (`30`) or text with a unit (`"30s"`, `"2m"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum RawDuration {
    Seconds(u64),
    Text(String),
}

/// A size as users write it: bytes (`1048576`) or text with a unit (`"10 MiB"`, `"512KB"`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(super) enum RawSize {
    Bytes(u64),
    Text(String),
}
