//! The SQLite backend: one connection (WAL, busy timeout, foreign keys) behind a mutex for
//! everything the pipeline does, a second, read-only one for health checks and status
//! counts, so they never wait behind a long write, and a third that only checkpoints
//! ([`super::checkpoint`]). Readers in other processes (sqlite3,
//! exports, Datasette) never block the writer, and it never blocks them, thanks to WAL.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags};

use super::checkpoint::{self, Checkpointer};
use super::known::StoredKeys;
use super::{
    ArticleChange, ArticleFilter, ArticleSink, ArticleSources, Backend, BoilerplateSample,
    CursorMove, ExportPlan, Exported, FeedBatch, FeedRetention, FeedState, FeedStatus,
    IngestReport, LearnedBoilerplate, PollRecord, PruneReport, Reprocessed, SearchHit, Stats,
    StoreError, StoredItem, Summary, migrations, query, retention, search_index, select, write,
};
use crate::config::FeedConfig;

/// Fields drop in order, and the writer must close last: the last connection to close
/// copies the log into the database file and deletes it, and only a read-write connection
/// that has the log open can (the read-only reader cannot, the checkpointer may never have
/// opened it). Otherwise every `fetch` left its articles in `feedsift.db-wal`, and a copy of
/// `feedsift.db` alone, as a backup, missed them.
pub struct SqliteBackend {
    reader: Mutex<Option<Connection>>,
    /// Woken by `conn`'s commits; stops its thread when dropped.
    _checkpointer: Checkpointer,
    path: PathBuf,
    /// Locked only while `conn` is: the writer's filter of stored dedup keys.
    stored_keys: Mutex<StoredKeys>,
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
        keep_plans(&conn).map_err(open_error)?;
        migrations::migrate(&mut conn, &shown)?;
        let checkpointer = Checkpointer::start(&mut conn, path, checkpoint::THRESHOLDS)?;
        Ok(SqliteBackend {
            reader: Mutex::new(None),
            _checkpointer: checkpointer,
            path: path.to_path_buf(),
            stored_keys: Mutex::new(StoredKeys::default()),
            conn: Mutex::new(conn),
        })
    }

    /// Runs `read` on the read-only connection, opened on first use.
    fn with_reader<T>(
        &self,
        read: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut slot = self
            .reader
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let conn = match slot.take() {
            Some(conn) => conn,
            None => {
                let conn = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
                )?;
                conn.busy_timeout(Duration::from_secs(5))?;
                keep_plans(&conn)?;
                conn
            }
        };
        let result = read(&conn);
        *slot = Some(conn);
        result
    }

    /// Taken only while holding [`SqliteBackend::conn`].
    fn stored_keys(&self) -> MutexGuard<'_, StoredKeys> {
        self.stored_keys
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-written feed (transactions roll
        // back on drop), so the connection stays usable.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Plans that do not depend on bound values. Without this, SQLite marks any query joining
/// `items` to `articles` (whose partial indexes it checks against each binding) to be
/// prepared again on every run: 5% of a cold ingest went to re-parsing the same SQL. No
/// query here needs a value-specific plan (a test in `matching` checks one still uses its
/// index and is not prepared again).
pub(super) fn keep_plans(conn: &Connection) -> rusqlite::Result<()> {
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
        .map(|_| ())
}

impl Backend for SqliteBackend {
    fn sync_feeds(&self, feeds: &[FeedConfig]) -> Result<(), StoreError> {
        write::sync_feeds(&mut self.conn(), feeds)
    }

    fn limit_size(&self, bytes: Option<u64>) -> Result<(), StoreError> {
        let conn = self.conn();
        let page_size: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
        let page_size = u64::try_from(page_size).unwrap_or(4096).max(1);
        // SQLite's own ceiling; it keeps the current page count if asked for less.
        let pages = bytes.map_or(4_294_967_294, |b| (b / page_size).max(1));
        let pages = i64::try_from(pages).unwrap_or(i64::MAX);
        conn.pragma_update(None, "max_page_count", pages)?;
        Ok(())
    }

    /// On the read-only connection, like `boilerplate_sample`: a feed's run reads before it
    /// cleans, and waiting behind other feeds' writes for it kept the cores idle. Only the
    /// feed's own run writes what these read, so the reader's view is current.
    fn feed_state(&self, feed: &str) -> Result<FeedState, StoreError> {
        self.with_reader(|conn| query::feed_state(conn, feed))
    }

    fn ingest(&self, feed: &str, batch: &FeedBatch) -> Result<IngestReport, StoreError> {
        let mut conn = self.conn();
        write::ingest(&mut conn, &mut self.stored_keys(), feed, batch)
    }

    /// Asks the read-only connection first: the daemon calls this after most runs, and
    /// the queue is almost always empty then; the writer's lock may be held by a long write.
    fn update_search_index(&self) -> Result<usize, StoreError> {
        if self.with_reader(search_index::queued)? == 0 {
            return Ok(0);
        }
        search_index::index_queue_now(&mut self.conn())
    }

    fn record_unchanged(
        &self,
        feed: &str,
        status: Option<u16>,
        poll: &PollRecord,
    ) -> Result<(), StoreError> {
        write::record_unchanged(&self.conn(), feed, status, poll)
    }

    fn record_failure(
        &self,
        feed: &str,
        status: Option<u16>,
        error: &str,
        poll: &PollRecord,
    ) -> Result<(), StoreError> {
        write::record_failure(&self.conn(), feed, status, error, poll)
    }

    fn feed_statuses(&self) -> Result<Vec<FeedStatus>, StoreError> {
        query::feed_statuses(&self.conn())
    }

    fn summary(&self) -> Result<Summary, StoreError> {
        self.with_reader(query::summary)
    }

    fn check_health(&self) -> Result<(), StoreError> {
        self.with_reader(|conn| {
            conn.query_row("SELECT count(*) FROM feeds", [], |r| r.get::<_, i64>(0))?;
            Ok(())
        })
    }

    fn export_articles(
        &self,
        plan: &ExportPlan,
        sink: &mut dyn ArticleSink,
    ) -> Result<Exported, StoreError> {
        select::export(&mut self.conn(), plan, sink)
    }

    fn advance_cursor(&self, step: &CursorMove) -> Result<(), StoreError> {
        select::advance_cursor(&self.conn(), step)
    }

    fn prune(&self, policies: &[FeedRetention], dry_run: bool) -> Result<PruneReport, StoreError> {
        retention::prune(&mut self.conn(), policies, dry_run)
    }

    fn vacuum(&self) -> Result<(), StoreError> {
        retention::vacuum(&self.conn())
    }

    fn stats(&self) -> Result<Stats, StoreError> {
        retention::stats(&self.conn())
    }

    /// Indexes the articles still queued for the full-text index first (a crash or a kill
    /// can leave some), unless the database cannot be written: then it searches what is
    /// indexed and says how many are not.
    fn search(&self, filter: &ArticleFilter) -> Result<Vec<SearchHit>, StoreError> {
        let mut conn = self.conn();
        if let Err(error) = search_index::index_queue_now(&mut conn) {
            let queued = search_index::queued(&conn).unwrap_or(0);
            tracing::warn!(%error, queued, "new articles not indexed yet are left out of this search");
        }
        select::search(&conn, filter)
    }

    fn boilerplate_sample(
        &self,
        feed: &str,
        recent: usize,
    ) -> Result<BoilerplateSample, StoreError> {
        self.with_reader(|conn| query::boilerplate_sample(conn, feed, recent))
    }

    fn raw_hashes(&self, feed: &str) -> Result<HashMap<String, String>, StoreError> {
        self.with_reader(|conn| query::raw_hashes(conn, feed))
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
        let mut conn = self.conn();
        // Reprocessing rewrites texts: their new keys are not added one by one.
        self.stored_keys().forget();
        write::apply_reprocess(&mut conn, feed, result, dry_run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closing_leaves_everything_in_the_database_file_and_no_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let backend = SqliteBackend::open(&path).unwrap();
        backend
            .conn()
            .execute("INSERT INTO feeds (name, url) VALUES ('f', 'u')", [])
            .unwrap();
        backend.feed_state("f").unwrap(); // opens the read-only connection
        drop(backend);
        assert!(!path.with_extension("db-wal").exists(), "the log was left");
        // A copy of the database file alone, as a backup would take it, holds the feed.
        let copy = dir.path().join("copy.db");
        std::fs::copy(&path, &copy).unwrap();
        let feeds: i64 = Connection::open(&copy)
            .unwrap()
            .query_row("SELECT count(*) FROM feeds WHERE name = 'f'", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(feeds, 1);
    }
}
