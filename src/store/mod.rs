//! Persistence behind a narrow interface: the pipeline and the commands talk to [`Store`], and
//! only the backend behind it knows SQL. SQLite ([`sqlite`]) is the backend today; a PostgreSQL
//! backend implements [`Backend`] beside it without touching the pipeline.
//!
//! Backend calls block (rusqlite is synchronous). Async code goes through
//! [`Store::blocking`], which runs the call on tokio's blocking pool, never on a worker.

mod checkpoint;
mod fts;
mod heap;
mod known;
mod matching;
mod migrations;
mod query;
mod retention;
mod search_index;
mod select;
mod sqlite;
mod write;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::clean::RuleSet;
use crate::clean::learn::ItemKeys;
use crate::config::FeedConfig;
use crate::dedup::Scope;
use crate::fetch::Validators;

pub use heap::use_private_heap;
pub use select::{MATCH_END, MATCH_START};
pub use sqlite::SqliteBackend;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "cannot open database {path}: {source}\nhint: check that the folder exists and is writable, or pass --db FILE"
    )]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "database {path} has schema version {found}, newer than this feedsift understands ({known}); upgrade feedsift"
    )]
    TooNew {
        path: String,
        found: i64,
        known: i64,
    },
    #[error(
        "invalid search query `{query}`: {reason}\nhint: words match anywhere; quote phrases (\"on set\"), end a word with * for a prefix (halyn*), combine with AND/OR/NOT in capitals"
    )]
    BadQuery { query: String, reason: String },
    #[error("--order relevance ranks by a search: add --query WORDS, or use --order newest")]
    RelevanceWithoutQuery,
    #[error(
        "export cursor `{name}` was moved by another export while this one ran; nothing was advanced, run the export again"
    )]
    CursorMoved { name: String },
    #[error(
        "the database is full: the disk has no space left, or the file reached `max_database_size`; nothing stored earlier is lost\nhint: free disk space (`feedsift prune --vacuum` shrinks the file) or raise `max_database_size`; the next fetch stores what failed now"
    )]
    Full,
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
    #[error(transparent)]
    Output(#[from] std::io::Error),
    #[error("a database call did not complete: {0}")]
    Task(String),
    #[error(
        "item `{guid}` changed in the database while its feed was being cleaned; nothing of this fetch was stored, the next poll stores it"
    )]
    Stale { guid: String },
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> StoreError {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StoreError::Full,
            _ => StoreError::Sqlite(e),
        }
    }
}

/// The operations feedsift needs from a database; everything else stays inside the backend.
pub trait Backend: Send + Sync {
    /// Registers the configured feeds (name and URL); a feed whose URL changed forgets its
    /// validators so the new URL is fetched in full.
    fn sync_feeds(&self, feeds: &[FeedConfig]) -> Result<(), StoreError>;
    /// Caps the database's size (`max_database_size`); `None` lifts the cap. Writes past it
    /// fail with [`StoreError::Full`], as on a full disk.
    fn limit_size(&self, bytes: Option<u64>) -> Result<(), StoreError>;
    /// What the last successful fetch of a feed left for the next one.
    fn feed_state(&self, feed: &str) -> Result<FeedState, StoreError>;
    /// Writes one fetched feed, all its items and their articles, in one transaction. Its
    /// new articles may wait for the search index while more feeds are on their way.
    fn ingest(&self, feed: &str, batch: &FeedBatch) -> Result<IngestReport, StoreError>;
    /// Adds every article still waiting to the search index (the pipeline calls it when no
    /// other feed is on its way; search does first); returns how many there were.
    fn update_search_index(&self) -> Result<usize, StoreError>;
    /// Records a fetch that found nothing new (304, unchanged file or body).
    fn record_unchanged(
        &self,
        feed: &str,
        status: Option<u16>,
        poll: &PollRecord,
    ) -> Result<(), StoreError>;
    /// Records a failed fetch on the feed's row; stored items are untouched.
    fn record_failure(
        &self,
        feed: &str,
        status: Option<u16>,
        error: &str,
        poll: &PollRecord,
    ) -> Result<(), StoreError>;
    fn feed_statuses(&self) -> Result<Vec<FeedStatus>, StoreError>;
    /// Counts for a one-line status (systemd's STATUS=).
    fn summary(&self) -> Result<Summary, StoreError>;
    /// Checks that the database still answers (the daemon's watchdog), without waiting for
    /// a write in progress.
    fn check_health(&self) -> Result<(), StoreError>;
    /// Streams the articles `plan` selects to `sink`, all read from one snapshot; with a
    /// cursor, only those changed since its position, and where it would move to.
    fn export_articles(
        &self,
        plan: &ExportPlan,
        sink: &mut dyn ArticleSink,
    ) -> Result<Exported, StoreError>;
    /// Moves an export cursor once its output is complete; fails if another export moved it.
    fn advance_cursor(&self, step: &CursorMove) -> Result<(), StoreError>;
    /// Applies each feed's retention in one transaction (rolled back when `dry_run`).
    fn prune(&self, policies: &[FeedRetention], dry_run: bool) -> Result<PruneReport, StoreError>;
    /// Gives the space of deleted rows back to the file system.
    fn vacuum(&self) -> Result<(), StoreError>;
    /// Sizes and per-feed counts.
    fn stats(&self) -> Result<Stats, StoreError>;
    /// Full-text search (`filter.query`), with a highlighted snippet per hit.
    fn search(&self, filter: &ArticleFilter) -> Result<Vec<SearchHit>, StoreError>;
    /// The learned boilerplate of a feed and the edge keys of its `recent` latest items.
    fn boilerplate_sample(
        &self,
        feed: &str,
        recent: usize,
    ) -> Result<BoilerplateSample, StoreError>;
    /// Raw hash by guid of the feed's items that still have their raw HTML.
    fn raw_hashes(&self, feed: &str) -> Result<HashMap<String, String>, StoreError>;
    /// What a feed learned, most widespread first.
    fn learned_boilerplate(&self, feed: &str) -> Result<Vec<LearnedBoilerplate>, StoreError>;
    /// Every stored item of a feed, with its raw HTML.
    fn stored_items(&self, feed: &str) -> Result<Vec<StoredItem>, StoreError>;
    /// Every stored item (of any feed) of these articles.
    fn items_of_articles(&self, ids: &[i64]) -> Result<Vec<StoredItem>, StoreError>;
    /// An article and each of its sources with the rule that matched it (`None`: no such id).
    fn article_sources(&self, id: i64) -> Result<Option<ArticleSources>, StoreError>;
    /// Writes a reprocessed feed in one transaction (rolled back when `dry_run`) and returns
    /// the articles whose text changed.
    fn apply_reprocess(
        &self,
        feed: &str,
        result: &Reprocessed,
        dry_run: bool,
    ) -> Result<Vec<ArticleChange>, StoreError>;
}

/// A cloneable handle on the database.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
}

impl Store {
    /// Opens (creating and migrating as needed) the SQLite database at `path`.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Ok(Store {
            backend: Arc::new(SqliteBackend::open(path)?),
        })
    }

    /// Runs a backend call on the blocking pool, for async callers.
    pub async fn blocking<T, F>(&self, call: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&dyn Backend) -> Result<T, StoreError> + Send + 'static,
    {
        let backend = Arc::clone(&self.backend);
        tokio::task::spawn_blocking(move || call(backend.as_ref()))
            .await
            .map_err(|e| StoreError::Task(e.to_string()))?
    }
}

impl std::ops::Deref for Store {
    type Target = dyn Backend;
    fn deref(&self) -> &Self::Target {
        self.backend.as_ref()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedState {
    pub validators: Validators,
    /// Hash of the last body stored; an identical body is "unchanged" without parsing.
    pub body_hash: Option<String>,
    /// Where a permanent redirect moved the feed; fetched from there until its URL in
    /// feeds.toml changes.
    pub moved_to: Option<String>,
    /// The feed's RSS `ttl` when it was last parsed.
    pub ttl: Option<std::time::Duration>,
    pub consecutive_failures: u32,
    pub last_error: Option<String>,
    pub last_attempt: Option<DateTime<Utc>>,
    /// The daemon's next poll and the publisher's floor, as last planned.
    pub next_poll: Option<DateTime<Utc>>,
    pub earliest_poll: Option<DateTime<Utc>>,
}

/// The poll plan written with a fetch's result on the feed's row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PollRecord {
    pub next_poll: Option<DateTime<Utc>>,
    /// No request before this (publisher's freshness, Retry-After, backoff, 410).
    pub earliest_poll: Option<DateTime<Utc>>,
    pub earliest_reason: Option<String>,
    /// A new permanent location; `None` keeps the one recorded before.
    pub moved_to: Option<String>,
}

/// Counts for the daemon's one-line status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub feeds: i64,
    pub articles: i64,
    pub failing: i64,
}

/// One fetched feed, ready to store.
#[derive(Debug, Clone)]
pub struct FeedBatch {
    pub title: Option<String>,
    pub site_url: Option<String>,
    pub status: Option<u16>,
    pub validators: Validators,
    pub body_hash: String,
    pub items: Vec<IncomingItem>,
    /// The feed's boilerplate as learned with this fetch.
    pub learned: Vec<LearnedPattern>,
    /// How far this feed's items may merge with stored articles.
    pub scope: Scope,
    /// The feed's RSS `ttl`.
    pub ttl: Option<std::time::Duration>,
    pub poll: PollRecord,
}

/// A feed item as received, with the article it would make if it is a new story.
#[derive(Debug, Clone)]
pub struct IncomingItem {
    pub guid: String,
    pub link: Option<String>,
    /// The canonical link when it identifies this item: it names a story, and no other item
    /// of the same fetch has it. Matched by the same-link and same-URL rules.
    pub link_key: Option<String>,
    pub title: String,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// Summary and content HTML exactly as the feed gave them, so cleaning can be re-run.
    pub summary_html: Option<String>,
    pub content_html: Option<String>,
    /// Hash of all received fields: an item whose hash is unchanged is not rewritten.
    pub raw_hash: String,
    /// A truncation tail was removed: the feed carries only the start of the article.
    pub truncated: bool,
    /// Keys of the head and tail paragraphs, for learning the feed's boilerplate.
    pub edge_keys: Vec<u64>,
    /// The cleaning rules that removed something from the summary or content (not stored;
    /// for logs and measurements).
    pub fired: RuleSet,
    /// False for an item the sample said was stored with this raw hash: it was not cleaned,
    /// and `article` holds only its canonical URL. The store marks it seen, and fails the
    /// feed with [`StoreError::Stale`] if it is no longer stored that way.
    pub cleaned: bool,
    pub article: ArticleDraft,
}

/// A paragraph learned as one feed's boilerplate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnedPattern {
    pub key: u64,
    /// The paragraph as last seen ("" when only stored items carried it this time).
    pub example: String,
    /// How many items carried it when it was last learned.
    pub items: usize,
}

/// What cleaning a fetch needs from the store: what the feed learned so far, the edge keys of
/// its most recently seen items, and the raw hash of each item it holds.
#[derive(Debug, Clone, Default)]
pub struct BoilerplateSample {
    pub learned: Vec<u64>,
    pub recent: Vec<ItemKeys>,
    /// Raw hash by guid of the feed's stored items ([`Backend::raw_hashes`]; empty unless the
    /// caller filled it): an item that arrives with the same hash is not cleaned again, the
    /// store only marks it seen.
    pub known: HashMap<String, String>,
}

/// A learned pattern as `feedsift feeds --boilerplate` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct LearnedBoilerplate {
    pub example: String,
    pub items: i64,
    pub learned_at: String,
    pub seen_at: String,
}

/// A stored item with the raw HTML it arrived with, for cleaning it again.
#[derive(Debug, Clone)]
pub struct StoredItem {
    pub id: i64,
    pub feed: String,
    pub guid: String,
    pub article_id: i64,
    pub link: Option<String>,
    pub title: String,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub summary_html: Option<String>,
    pub content_html: Option<String>,
    /// Retention dropped its raw HTML (`keep_raw`): it cannot be cleaned again.
    pub raw_dropped: bool,
}

/// The result of cleaning one feed's stored items again.
#[derive(Debug, Clone, Default)]
pub struct Reprocessed {
    /// Per item: (item id, truncated, edge keys).
    pub items: Vec<(i64, bool, Vec<u64>)>,
    /// Per article: its new text.
    pub articles: Vec<(i64, ArticleDraft)>,
    /// The feed's learned boilerplate (added to what was stored).
    pub learned: Vec<LearnedPattern>,
}

/// An article whose stored text differs from the reprocessed one.
#[derive(Debug, Clone)]
pub struct ArticleChange {
    pub id: i64,
    pub title: String,
    pub old_content: String,
    pub new_content: String,
}

#[derive(Debug, Clone, Default)]
pub struct ArticleDraft {
    pub canonical_url: Option<String>,
    pub title: String,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub summary: String,
    pub content: String,
    pub content_html: String,
    /// Hash of the exact clean text (detects changes).
    pub content_hash: String,
    /// [`crate::dedup::fingerprint`] of the clean text, when it is long enough.
    pub fingerprint: Option<String>,
    /// The clean text's near-copy profile, computed with the rest of the draft so that the
    /// store's writer only looks it up.
    pub profile: crate::dedup::Profile,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IngestReport {
    /// Items that made a new article.
    pub new_articles: usize,
    /// New items attached to an article another item already made.
    pub merged: usize,
    /// Known items whose content changed; their article was updated in place.
    pub updated: usize,
    pub unchanged: usize,
    /// Boilerplate patterns this feed had not learned before.
    pub newly_learned: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedStatus {
    pub name: String,
    pub url: String,
    pub title: Option<String>,
    /// The publisher's site, as the feed gives it.
    pub site_url: Option<String>,
    pub last_attempt: Option<String>,
    pub last_success: Option<String>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    pub items: i64,
    pub articles: i64,
    /// When the daemon polls next.
    pub next_poll: Option<String>,
    /// No request before this, and why (publisher's freshness, Retry-After, backoff, 410).
    pub earliest_poll: Option<String>,
    pub earliest_poll_reason: Option<String>,
    /// Where a permanent redirect (301/308) moved the feed: update feeds.toml.
    pub moved_to: Option<String>,
}

/// Which articles to read, in what order.
#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Only articles published at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only articles published before this time.
    pub until: Option<DateTime<Utc>>,
    /// Only articles with a source in one of these feeds (none: every feed).
    pub feeds: Vec<String>,
    /// Only articles matching this full-text query (FTS5 syntax).
    pub query: Option<String>,
    pub limit: Option<usize>,
    pub order: Order,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Order {
    /// Latest publication date first.
    #[default]
    Newest,
    /// Earliest publication date first.
    Oldest,
    /// Best full-text match first (needs a query).
    Relevance,
    /// In the order they were added or last changed, oldest change first.
    Changed,
}

/// An export: the filter, and the cursor that restricts it to what changed since last time.
#[derive(Debug, Clone, Default)]
pub struct ExportPlan {
    pub filter: ArticleFilter,
    pub cursor: Option<String>,
}

/// What an export wrote, and where its cursor moves once the output is complete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exported {
    pub count: usize,
    pub cursor: Option<CursorMove>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CursorMove {
    pub name: String,
    pub from: i64,
    pub to: i64,
    pub exported: usize,
}

/// What a sink needs before the articles stream.
#[derive(Debug, Clone, Copy, Default)]
pub struct Wants {
    /// How many articles will come (for a progress bar).
    pub count: bool,
    /// Each article's id, title, feed and date (for a table of contents).
    pub outline: bool,
}

/// One line of a table of contents.
#[derive(Debug, Clone)]
pub struct OutlineEntry {
    pub id: i64,
    pub title: String,
    pub feed: String,
    pub published: String,
}

/// Receives an export from the store.
pub trait ArticleSink {
    fn wants(&self) -> Wants {
        Wants::default()
    }
    /// Called once before the first article, with what [`ArticleSink::wants`] asked for.
    fn start(
        &mut self,
        total: Option<usize>,
        outline: Option<Vec<OutlineEntry>>,
    ) -> std::io::Result<()>;
    fn article(&mut self, article: Article) -> std::io::Result<()>;
}

/// One stored article as exported; field names are the NDJSON contract.
#[derive(Debug, Clone, Serialize)]
pub struct Article {
    pub id: i64,
    pub title: String,
    /// Canonical URL.
    pub url: Option<String>,
    pub author: Option<String>,
    /// RFC 3339; the first-seen time when the feed gave no date.
    pub published: String,
    pub updated: String,
    /// The feed the story was first seen in.
    pub feed: String,
    pub summary: String,
    pub content: String,
    #[serde(skip)]
    pub content_html: String,
    pub sources: Vec<Source>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub feed: String,
    pub guid: String,
    pub url: Option<String>,
}

/// An article with every feed item that resolved to it, for `feedsift dedup --explain`.
#[derive(Debug, Clone, Serialize)]
pub struct ArticleSources {
    pub id: i64,
    pub title: String,
    pub url: Option<String>,
    /// The feed the story was first seen in.
    pub feed: String,
    pub created: String,
    pub updated: String,
    pub revision: i64,
    pub sources: Vec<SourceMatch>,
}

/// One source of an article and why it was attached (`items.match_rule`, `match_score`).
#[derive(Debug, Clone, Serialize)]
pub struct SourceMatch {
    pub feed: String,
    pub guid: String,
    /// The guid the item had before its publisher regenerated it.
    pub previous_guid: Option<String>,
    pub url: Option<String>,
    pub rule: String,
    pub score: Option<f64>,
    pub first_seen: String,
    pub last_seen: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub id: i64,
    pub title: String,
    pub url: Option<String>,
    pub published: String,
    pub feed: String,
    /// Matching passage; each match between [`MATCH_START`] and [`MATCH_END`].
    pub snippet: String,
    /// bm25 relevance (higher is better; title matches weigh 10 times more).
    pub score: f64,
}

/// One feed's retention settings, as the store applies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedRetention {
    pub feed: String,
    /// Items not seen in the feed for this long expire.
    pub keep: Option<std::time::Duration>,
    /// Items not seen for this long lose their raw HTML.
    pub keep_raw: Option<std::time::Duration>,
    /// Items of articles beyond the feed's newest this many expire.
    pub max_articles: Option<u64>,
}

impl FeedRetention {
    /// The policies of the configured feeds that have one.
    pub fn of_feeds(feeds: &[FeedConfig]) -> Vec<FeedRetention> {
        feeds
            .iter()
            .filter(|f| f.retention != crate::config::Retention::default())
            .map(|f| FeedRetention {
                feed: f.name.clone(),
                keep: f.retention.keep,
                keep_raw: f.retention.keep_raw,
                max_articles: f.retention.max_articles,
            })
            .collect()
    }
}

/// What a prune deleted (or would delete).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PruneReport {
    pub articles: usize,
    pub items: usize,
    /// Feeds where something expired or lost its raw HTML.
    pub feeds: Vec<PrunedFeed>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrunedFeed {
    pub feed: String,
    /// Items past the feed's window (their article may be kept through another source).
    pub expired_items: usize,
    /// Articles deleted that had a source in this feed.
    pub articles: usize,
    /// Items whose raw HTML was dropped.
    pub raw_dropped: usize,
}

/// The database's size and what fills it.
#[derive(Debug, Clone, Serialize)]
pub struct Stats {
    /// Size of the main database file in bytes (the WAL file is extra).
    pub database_bytes: i64,
    /// Bytes of free pages (reused by new rows; `prune --vacuum` returns them).
    pub free_bytes: i64,
    pub articles: i64,
    pub items: i64,
    /// Clean text, sanitized HTML and summaries of all articles, in bytes.
    pub text_bytes: i64,
    /// Raw item HTML kept for reprocessing, in bytes.
    pub raw_bytes: i64,
    pub feeds: Vec<FeedStats>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedStats {
    pub feed: String,
    pub items: i64,
    pub articles: i64,
    pub raw_bytes: i64,
    /// Items whose raw HTML was dropped by `keep_raw`.
    pub raw_dropped: i64,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
}
