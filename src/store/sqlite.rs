//! The SQLite backend: one connection (WAL, busy timeout, foreign keys) behind a mutex.
//! Readers in other processes (sqlite3, exports, Datasette) never block it, thanks to WAL.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::Connection;

use super::{
    Article, ArticleChange, ArticleFilter, ArticleSources, Backend, BoilerplateSample, FeedBatch,
    FeedState, FeedStatus, IngestReport, LearnedBoilerplate, Reprocessed, SearchHit, StoreError,
    StoredItem, migrations, query, write,
};
use crate::config::FeedConfig;

pub struct SqliteBackend {
    conn: Mutex<Connection>,
}

impl SqliteBackend {
    pub fn open(path: &Path) -> Result<SqliteBackend, StoreError> {
        let shown = path.display().to_string();
        let open_error = |source| StoreError::Open {
            path: shown.clone(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_error)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_error)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_error)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_error)?;
        migrations::migrate(&mut conn, &shown)?;
        Ok(SqliteBackend {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written feed (transactions roll
        // back on drop), so the connection stays usable.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Backend for SqliteBackend {
    fn sync_feeds(&self, feeds: &[FeedConfig]) -> Result<(), StoreError> {
        write::sync_feeds(&mut self.conn(), feeds)
    }

    fn feed_state(&self, feed: &str) -> Result<FeedState, StoreError> {
        query::feed_state(&self.conn(), feed)
    }

    fn ingest(&self, feed: &str, batch: &FeedBatch) -> Result<IngestReport, StoreError> {
        write::ingest(&mut self.conn(), feed, batch)
    }

    fn record_unchanged(&self, feed: &str, status: Option<u16>) -> Result<(), StoreError> {
        write::record_unchanged(&self.conn(), feed, status)
    }

    fn record_failure(
        &self,
        feed: &str,
        status: Option<u16>,
        error: &str,
    ) -> Result<(), StoreError> {
        write::record_failure(&self.conn(), feed, status, error)
    }

    fn feed_statuses(&self) -> Result<Vec<FeedStatus>, StoreError> {
        query::feed_statuses(&self.conn())
    }

    fn for_each_article(
        &self,
        filter: &ArticleFilter,
        each: &mut dyn FnMut(Article) -> std::io::Result<()>,
    ) -> Result<usize, StoreError> {
        query::for_each_article(&self.conn(), filter, each)
    }

    fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        query::search(&self.conn(), query, limit)
    }

    fn boilerplate_sample(
        &self,
        feed: &str,
        recent: usize,
    ) -> Result<BoilerplateSample, StoreError> {
        query::boilerplate_sample(&self.conn(), feed, recent)
    }

    fn learned_boilerplate(&self, feed: &str) -> Result<Vec<LearnedBoilerplate>, StoreError> {
        query::learned_boilerplate(&self.conn(), feed)
    }

    fn stored_items(&self, feed: &str) -> Result<Vec<StoredItem>, StoreError> {
        query::stored_items(&self.conn(), feed)
    }

    fn items_of_articles(&self, ids: &[i64]) -> Result<Vec<StoredItem>, StoreError> {
        query::items_of_articles(&self.conn(), ids)
    }

    fn article_sources(&self, id: i64) -> Result<Option<ArticleSources>, StoreError> {
        query::article_sources(&self.conn(), id)
    }

    fn apply_reprocess(
        &self,
        feed: &str,
        result: &Reprocessed,
        dry_run: bool,
    ) -> Result<Vec<ArticleChange>, StoreError> {
        write::apply_reprocess(&mut self.conn(), feed, result, dry_run)
    }
}
