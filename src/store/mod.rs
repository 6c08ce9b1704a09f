//! Persistence behind a narrow interface: the pipeline and the commands talk to [`Store`], and
//! only the backend behind it knows SQL. SQLite ([`sqlite`]) is the backend today; a PostgreSQL
//! backend implements [`Backend`] beside it without touching the pipeline.
//!
//! Backend calls block (rusqlite is synchronous). Async code goes through
//! [`Store::blocking`], which runs the call on tokio's blocking pool, never on a worker.

mod migrations;
mod query;
mod sqlite;
mod write;

use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::config::FeedConfig;
use crate::fetch::Validators;

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
        "invalid search query `{query}` ({reason}); quote phrases (\"on set\"), use * for prefixes (halyn*), AND/OR/NOT in capitals"
    )]
    BadQuery { query: String, reason: String },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(transparent)]
    Output(#[from] std::io::Error),
    #[error("a database call did not complete: {0}")]
    Task(String),
}

/// The operations feedsift needs from a database; everything else stays inside the backend.
pub trait Backend: Send + Sync {
    /// Registers the configured feeds (name and URL); a feed whose URL changed forgets its
    /// validators so the new URL is fetched in full.
    fn sync_feeds(&self, feeds: &[FeedConfig]) -> Result<(), StoreError>;
    /// What the last successful fetch of a feed left for the next one.
    fn feed_state(&self, feed: &str) -> Result<FeedState, StoreError>;
    /// Writes one fetched feed, all its items and their articles, in one transaction.
    fn ingest(&self, feed: &str, batch: &FeedBatch) -> Result<IngestReport, StoreError>;
    /// Records a fetch that found nothing new (304, unchanged file or body).
    fn record_unchanged(&self, feed: &str, status: Option<u16>) -> Result<(), StoreError>;
    /// Records a failed fetch on the feed's row; stored items are untouched.
    fn record_failure(
        &self,
        feed: &str,
        status: Option<u16>,
        error: &str,
    ) -> Result<(), StoreError>;
    fn feed_statuses(&self) -> Result<Vec<FeedStatus>, StoreError>;
    /// Streams matching articles, newest first, to `each`.
    fn for_each_article(
        &self,
        filter: &ArticleFilter,
        each: &mut dyn FnMut(Article) -> std::io::Result<()>,
    ) -> Result<usize, StoreError>;
    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError>;
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
}

/// A feed item as received, with the article it would make if it is a new story.
#[derive(Debug, Clone)]
pub struct IncomingItem {
    pub guid: String,
    pub link: Option<String>,
    pub title: String,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    /// Summary and content HTML exactly as the feed gave them, so cleaning can be re-run.
    pub summary_html: Option<String>,
    pub content_html: Option<String>,
    /// Hash of all received fields: an item whose hash is unchanged is not rewritten.
    pub raw_hash: String,
    pub article: ArticleDraft,
}

#[derive(Debug, Clone)]
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
}

#[derive(Debug, Clone, Serialize)]
pub struct FeedStatus {
    pub name: String,
    pub url: String,
    pub title: Option<String>,
    pub last_attempt: Option<String>,
    pub last_success: Option<String>,
    pub last_status: Option<u16>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    pub items: i64,
    pub articles: i64,
}

#[derive(Debug, Clone, Default)]
pub struct ArticleFilter {
    /// Only articles published at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only articles with a source in this feed.
    pub feed: Option<String>,
    pub limit: Option<usize>,
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

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub id: i64,
    pub title: String,
    pub url: Option<String>,
    pub published: String,
    pub feed: String,
    /// Matching passage, the match between `[` and `]`.
    pub snippet: String,
}
