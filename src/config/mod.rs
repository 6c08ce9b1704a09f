//! Reads `feeds.toml` and turns it into a validated [`Config`].
//!
//! Everything that can be checked before the first request is checked here (unknown keys,
//! duplicate feed names, bad URLs, bad cron expressions, bad units), and every error names the
//! file, line and column. Later stages can trust a `Config` completely.

mod error;
mod raw;
mod units;

use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;
use url::Url;

use crate::clean;
use crate::dedup;
pub use error::{ConfigError, closest};
use raw::{RawConfig, RawDefaults, RawDuration, RawFeed};

/// Poll every 30 minutes unless the feed or `[defaults]` says otherwise.
pub const DEFAULT_SCHEDULE: &str = "0 */30 * * * *";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_MAX_BODY_SIZE: u64 = 10 * 1024 * 1024;
/// Items kept from one fetch; a feed with more keeps its newest.
pub const DEFAULT_MAX_ITEMS: usize = 10_000;
pub const DEFAULT_MAX_REDIRECTS: usize = 10;
pub const DEFAULT_CONCURRENCY: usize = 16;
pub const DEFAULT_HOST_CONCURRENCY: usize = 2;

#[derive(Debug, Clone)]
pub struct Config {
    /// The file this was read from.
    pub path: PathBuf,
    /// The SQLite file, already resolved against the config file's folder.
    pub database: PathBuf,
    /// How many feeds are fetched at the same time.
    pub concurrency: usize,
    /// How many feeds of one host are fetched at the same time.
    pub host_concurrency: usize,
    /// The database may not grow past this (`max_database_size`); `None`: as far as the disk.
    pub max_database_size: Option<u64>,
    pub client: ClientSettings,
    /// How far deduplication merges copies of a story (`[defaults] dedup`).
    pub dedup: dedup::Scope,
    pub feeds: Vec<FeedConfig>,
}

/// Settings of the one shared HTTP client.
#[derive(Debug, Clone)]
pub struct ClientSettings {
    pub connect_timeout: Duration,
    pub max_redirects: usize,
    pub user_agent: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FeedConfig {
    pub name: String,
    pub source: FeedSource,
    /// Cron expression with a seconds field, as tokio-cron-scheduler reads it.
    pub schedule: String,
    /// Limit for the whole request, from connecting to the last body byte.
    pub timeout: Duration,
    pub max_body_size: u64,
    /// Items kept from one fetch (`max_items`); a feed with more keeps its newest.
    pub max_items: usize,
    /// May a redirect lead into loopback, private, link-local or metadata addresses
    /// (`allow_private`)? A feed configured with such a URL may always reach its own host.
    pub allow_private: bool,
    /// Cleaning rules: the built-ins minus `keep_boilerplate`, plus `remove`/`remove_text`
    /// from `[defaults]` and from the feed.
    pub rules: clean::Rules,
    /// A folder for readers and OPML (`category`); feedsift itself does not use it.
    pub category: Option<String>,
    pub retention: Retention,
}

/// How long a feed's articles and raw HTML are kept (`keep`, `keep_raw`,
/// `max_articles_per_feed`); `None` keeps them for ever.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Retention {
    /// Articles none of whose sources was seen within this age are deleted.
    pub keep: Option<Duration>,
    /// Items last seen longer ago than this lose their raw HTML (their clean text stays).
    pub keep_raw: Option<Duration>,
    /// Only the newest this many articles with a source in the feed are kept.
    pub max_articles: Option<u64>,
}

/// Where a feed comes from: the web, or a saved file (handy offline and in tests).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedSource {
    Http(Url),
    File(PathBuf),
}

impl std::fmt::Display for FeedSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FeedSource::Http(url) => write!(f, "{url}"),
            FeedSource::File(path) => write!(f, "{}", path.display()),
        }
    }
}

impl Config {
    /// Reads and validates the config file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::from_toml(path, &text)
    }

    /// Validates config text as if it had been read from `path` (used for errors and for
    /// resolving relative paths).
    pub fn from_toml(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            error::at(
                path,
                text,
                e.span(),
                error::explain_toml_message(e.message()),
            )
        })?;
        Validator {
            path,
            text,
            base_dir: base_dir(path),
        }
        .config(raw)
    }

    pub fn feed(&self, name: &str) -> Option<&FeedConfig> {
        self.feeds.iter().find(|f| f.name == name)
    }
}

fn base_dir(config_path: &Path) -> PathBuf {
    match config_path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

struct Validator<'a> {
    path: &'a Path,
    text: &'a str,
    base_dir: PathBuf,
}

impl Validator<'_> {
    fn err<T>(&self, spanned: &Spanned<T>, message: String) -> ConfigError {
        error::at(self.path, self.text, Some(spanned.span()), message)
    }

    fn config(&self, raw: RawConfig) -> Result<Config, ConfigError> {
        let database = match &raw.database {
            Some(db) if db.get_ref().trim().is_empty() => {
                return Err(self.err(
                    db,
                    "`database` is empty; name a file, e.g. \"feedsift.db\"".into(),
                ));
            }
            Some(db) => self.base_dir.join(db.get_ref()),
            None => self.base_dir.join("feedsift.db"),
        };
        let concurrency =
            self.at_least_one(&raw.concurrency, "concurrency", DEFAULT_CONCURRENCY)?;
        let host_concurrency = self.at_least_one(
            &raw.host_concurrency,
            "host_concurrency",
            DEFAULT_HOST_CONCURRENCY,
        )?;
        let max_database_size = raw
            .max_database_size
            .as_ref()
            .map(|s| units::size(s.get_ref()).map_err(|m| self.err(s, m)))
            .transpose()?;
        let client = self.client(&raw.defaults)?;
        let dedup = self.dedup_scope(&raw.defaults)?;
        let d = &raw.defaults;
        self.check_rules(&d.remove, &d.remove_text, &d.keep_boilerplate, "[defaults]")?;
        for age in [&d.keep, &d.keep_raw].into_iter().flatten() {
            self.duration(age)?;
        }
        let mut feeds: Vec<FeedConfig> = Vec::with_capacity(raw.feeds.len());
        for raw_feed in &raw.feeds {
            let feed = self.feed(raw_feed.get_ref(), &raw.defaults)?;
            if feeds.iter().any(|f| f.name == feed.name) {
                return Err(self.err(
                    &raw_feed.get_ref().name,
                    format!(
                        "duplicate feed name \"{}\"; every [[feeds]] needs its own name",
                        feed.name
                    ),
                ));
            }
            feeds.push(feed);
        }
        Ok(Config {
            path: self.path.to_path_buf(),
            database,
            concurrency,
            host_concurrency,
            max_database_size,
            client,
            dedup,
            feeds,
        })
    }

    fn at_least_one(
        &self,
        value: &Option<Spanned<u64>>,
        key: &str,
        default: usize,
    ) -> Result<usize, ConfigError> {
        match value {
            Some(v) if *v.get_ref() == 0 => Err(self.err(v, format!("`{key}` must be at least 1"))),
            Some(v) => Ok(usize::try_from(*v.get_ref()).unwrap_or(usize::MAX)),
            None => Ok(default),
        }
    }

    fn dedup_scope(&self, d: &RawDefaults) -> Result<dedup::Scope, ConfigError> {
        let Some(name) = &d.dedup else {
            return Ok(dedup::Scope::default());
        };
        dedup::Scope::parse(name.get_ref().trim()).ok_or_else(|| {
            self.err(
                name,
                format!(
                    "unknown `dedup` value \"{}\"; use \"across-feeds\" (copies from any feed \
                     merge, the default) or \"per-feed\" (each feed deduplicated on its own)",
                    name.get_ref()
                ),
            )
        })
    }

    fn client(&self, d: &RawDefaults) -> Result<ClientSettings, ConfigError> {
        let connect_timeout = match &d.connect_timeout {
            Some(t) => self.duration(t)?,
            None => DEFAULT_CONNECT_TIMEOUT,
        };
        let user_agent = match &d.user_agent {
            Some(ua) => ua.get_ref().clone(),
            None => crate::USER_AGENT.to_string(),
        };
        let max_redirects = d
            .max_redirects
            .as_ref()
            .map_or(DEFAULT_MAX_REDIRECTS, |m| *m.get_ref() as usize);
        Ok(ClientSettings {
            connect_timeout,
            max_redirects,
            user_agent,
        })
    }

    fn feed(&self, raw: &RawFeed, d: &RawDefaults) -> Result<FeedConfig, ConfigError> {
        let name = raw.name.get_ref().trim().to_string();
        if name.is_empty() {
            return Err(self.err(&raw.name, "feed `name` is empty".into()));
        }
        let source = self.source(&raw.url, &name)?;
        let schedule_raw = raw.schedule.as_ref().or(d.schedule.as_ref());
        let schedule = match schedule_raw {
            Some(s) => self.schedule(s, &name)?,
            None => DEFAULT_SCHEDULE.to_string(),
        };
        let timeout = match raw.timeout.as_ref().or(d.timeout.as_ref()) {
            Some(t) => self.duration(t)?,
            None => DEFAULT_TIMEOUT,
        };
        let max_body_size = match raw.max_body_size.as_ref().or(d.max_body_size.as_ref()) {
            Some(s) => units::size(s.get_ref()).map_err(|m| self.err(s, m))?,
            None => DEFAULT_MAX_BODY_SIZE,
        };
        let max_items = match raw.max_items.as_ref().or(d.max_items.as_ref()) {
            Some(m) if *m.get_ref() == 0 => {
                return Err(self.err(m, "`max_items` is 0, which would read nothing from the feed; leave it out for the default (10000)".into()));
            }
            Some(m) => usize::try_from(*m.get_ref()).unwrap_or(usize::MAX),
            None => DEFAULT_MAX_ITEMS,
        };
        let rules = self.rules(raw, d, &name)?;
        let category = raw
            .category
            .as_ref()
            .map(|c| c.get_ref().trim().to_string())
            .filter(|c| !c.is_empty());
        Ok(FeedConfig {
            name,
            source,
            schedule,
            timeout,
            max_body_size,
            max_items,
            allow_private: raw.allow_private.or(d.allow_private).unwrap_or(false),
            rules,
            category,
            retention: self.retention(raw, d)?,
        })
    }

    fn retention(&self, raw: &RawFeed, d: &RawDefaults) -> Result<Retention, ConfigError> {
        let age = |own: &Option<Spanned<RawDuration>>, default: &Option<Spanned<RawDuration>>| {
            own.as_ref()
                .or(default.as_ref())
                .map(|t| self.duration(t))
                .transpose()
        };
        let max_articles = raw
            .max_articles_per_feed
            .as_ref()
            .or(d.max_articles_per_feed.as_ref());
        if let Some(m) = max_articles
            && *m.get_ref() == 0
        {
            return Err(self.err(
                m,
                "`max_articles_per_feed` is 0, which would delete everything; leave it out to keep all".into(),
            ));
        }
        Ok(Retention {
            keep: age(&raw.keep, &d.keep)?,
            keep_raw: age(&raw.keep_raw, &d.keep_raw)?,
            max_articles: max_articles.map(|m| *m.get_ref()),
        })
    }

    /// Compiles the `[defaults]` rules followed by the feed's own.
    fn rules(
        &self,
        raw: &RawFeed,
        d: &RawDefaults,
        feed: &str,
    ) -> Result<clean::Rules, ConfigError> {
        self.check_rules(
            &raw.remove,
            &raw.remove_text,
            &raw.keep_boilerplate,
            &format!("feed \"{feed}\""),
        )?;
        let join = |defaults: &Option<Spanned<Vec<String>>>, own: &Option<Spanned<Vec<String>>>| {
            [defaults, own]
                .into_iter()
                .flatten()
                .flat_map(|l| l.get_ref().iter().cloned())
                .collect::<Vec<_>>()
        };
        clean::Rules::compile(
            &join(&d.remove, &raw.remove),
            &join(&d.remove_text, &raw.remove_text),
            &join(&d.keep_boilerplate, &raw.keep_boilerplate),
        )
        .map_err(|e| error::at(self.path, self.text, None, format!("feed \"{feed}\": {e}")))
    }

    /// Compiles each rule list on its own, so an error points at the list and entry at fault.
    fn check_rules(
        &self,
        remove: &Option<Spanned<Vec<String>>>,
        remove_text: &Option<Spanned<Vec<String>>>,
        keep: &Option<Spanned<Vec<String>>>,
        owner: &str,
    ) -> Result<(), ConfigError> {
        let empty: &[String] = &[];
        let lists = [remove, remove_text, keep];
        for (which, list) in lists.into_iter().enumerate() {
            let Some(list) = list else { continue };
            let mut args = [empty; 3];
            args[which] = list.get_ref();
            clean::Rules::compile(args[0], args[1], args[2])
                .map_err(|e| self.err(list, format!("{owner}: {e}")))?;
        }
        Ok(())
    }

    fn duration(&self, raw: &Spanned<raw::RawDuration>) -> Result<Duration, ConfigError> {
        match units::duration(raw.get_ref()) {
            Ok(d) if d.is_zero() => {
                Err(self.err(raw, "a duration of zero would fail every request".into()))
            }
            Ok(d) => Ok(d),
            Err(m) => Err(self.err(raw, m)),
        }
    }

    fn source(&self, url: &Spanned<String>, feed: &str) -> Result<FeedSource, ConfigError> {
        let text = url.get_ref().trim();
        if text.is_empty() {
            return Err(self.err(url, format!("feed \"{feed}\": `url` is empty")));
        }
        if !text.contains("://") {
            return Ok(FeedSource::File(self.base_dir.join(text)));
        }
        let parsed = Url::parse(text).map_err(|e| {
            self.err(
                url,
                format!("feed \"{feed}\": `{text}` is not a valid URL ({e})"),
            )
        })?;
        match parsed.scheme() {
            "http" | "https" if parsed.host_str().is_some() => Ok(FeedSource::Http(parsed)),
            "file" => parsed.to_file_path().map(FeedSource::File).map_err(|()| {
                self.err(url, format!("feed \"{feed}\": `{text}` is not a usable file:// URL"))
            }),
            scheme => Err(self.err(
                url,
                format!(
                    "feed \"{feed}\": unsupported URL scheme `{scheme}`; use http://, https://, file:// or a path"
                ),
            )),
        }
    }

    fn schedule(&self, schedule: &Spanned<String>, feed: &str) -> Result<String, ConfigError> {
        let expr = schedule.get_ref().trim();
        validate_cron(expr).map_err(|reason| {
            self.err(
                schedule,
                format!(
                    "feed \"{feed}\": bad cron expression `{expr}` ({reason}); it needs six fields, \
                     seconds first, e.g. \"0 */15 * * * *\" for every 15 minutes"
                ),
            )
        })?;
        Ok(expr.to_string())
    }
}

/// Checks a cron expression exactly as tokio-cron-scheduler will parse it.
pub fn validate_cron(expr: &str) -> Result<(), String> {
    parse_cron(expr).map(|_| ())
}

/// Parses a cron expression exactly as tokio-cron-scheduler does.
pub fn parse_cron(expr: &str) -> Result<croner::Cron, String> {
    croner::parser::CronParser::builder()
        .seconds(croner::parser::Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expr)
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests;
