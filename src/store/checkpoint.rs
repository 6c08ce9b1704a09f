//! Copies the write-ahead log back into the database file on a thread of its own, so the
//! writer never stops for it.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses its threshold: the writer
//! copies 40 MB of pages into the database file and syncs it while every feed that finished
//! cleaning waits for the writer (docs/performance.md). Here the writer's commit only wakes a
//! checkpointer thread, which runs a PASSIVE checkpoint on its own connection (it never
//! blocks the writer or any reader; frames committed meanwhile wait for the next one). If the
//! log still grows to a backstop size (the checkpointer cannot keep up, or a long read pins
//! old frames), the writer checkpoints inline as SQLite would have.

use std::os::raw::c_int;
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use rusqlite::hooks::Wal;
use rusqlite::{Connection, OpenFlags};

use super::StoreError;

/// Log sizes, in pages, at which the log is copied back.
#[derive(Debug, Clone, Copy)]
pub(super) struct Thresholds {
    /// The writer wakes the checkpointer: 40 MB with 4 KB pages. A larger log means fewer
    /// syncs of the database file; the log file grows past it while a checkpoint runs (71.5
    /// MB in a cold ingest of the bench corpus).
    pub background: c_int,
    /// The writer checkpoints inline (a PASSIVE checkpoint, as SQLite's automatic one).
    pub inline: c_int,
}

pub(super) const THRESHOLDS: Thresholds = Thresholds {
    background: 10_000,
    inline: 40_000,
};

enum Wake {
    Checkpoint,
    Stop,
}

/// The checkpointer thread. Dropping it stops the thread (after a checkpoint it has begun)
/// and waits for it.
pub(super) struct Checkpointer {
    stop: SyncSender<Wake>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Opens the checkpointer's connection to `path`, starts its thread and hands the
    /// writer's log hook to `writer` (replacing SQLite's automatic checkpoint there).
    pub(super) fn start(
        writer: &mut Connection,
        path: &Path,
        thresholds: Thresholds,
    ) -> Result<Checkpointer, StoreError> {
        let open_error = |source| StoreError::Open {
            path: path.display().to_string(),
            source,
        };
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(open_error)?;
        let (wake, woken) = sync_channel(1);
        let stop = wake.clone();
        let thread = std::thread::Builder::new()
            .name("feedsift-checkpoint".into())
            .spawn(move || run(&conn, &woken))
            .map_err(|e| StoreError::Task(format!("cannot start the checkpoint thread: {e}")))?;
        writer
            .wal_hook(Some(move |wal: &mut Wal, pages: c_int| {
                after_commit(wal, pages, thresholds, &wake);
                Ok(())
            }))
            .map_err(open_error)?;
        Ok(Checkpointer {
            stop,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        if let Some(thread) = self.thread.take() {
            // Fails only if the thread is gone already; a panic there is already reported.
            let _ = self.stop.send(Wake::Stop);
            let _ = thread.join();
        }
    }
}

/// Called by SQLite after each commit of the writer with the log's size in pages. Never
/// fails: an error from this hook would make the (already durable) commit report one.
fn after_commit(wal: &mut Wal, pages: c_int, thresholds: Thresholds, wake: &SyncSender<Wake>) {
    if pages >= thresholds.inline {
        if let Err(error) = wal.checkpoint() {
            tracing::debug!(%error, pages, "inline checkpoint skipped");
        }
    } else if pages >= thresholds.background {
        // Full means a wake-up is already pending: one checkpoint covers both commits.
        let _ = wake.try_send(Wake::Checkpoint);
    }
}

/// Checkpoints each time it is woken (commits during a checkpoint leave one wake-up
/// pending, so their frames are copied right after) until it is stopped.
fn run(conn: &Connection, woken: &Receiver<Wake>) {
    while let Ok(Wake::Checkpoint) = woken.recv() {
        if let Err(error) = checkpoint(conn) {
            tracing::warn!(%error, "cannot copy the write-ahead log into the database; will retry after the next commit");
        }
    }
}

/// A PASSIVE checkpoint: copies what no reader still needs, without waiting for anyone.
fn checkpoint(conn: &Connection) -> rusqlite::Result<()> {
    let (busy, log, copied): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    tracing::debug!(busy, log, copied, "checkpoint");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    /// A writer with its checkpointer on a new file (dropped in this order: writer first).
    struct Setup {
        writer: Connection,
        checkpointer: Checkpointer,
        path: PathBuf,
        /// The database file's size before any write.
        before: u64,
        _dir: tempfile::TempDir,
    }

    fn setup(thresholds: Thresholds) -> Setup {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let mut writer = Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        writer.pragma_update(None, "synchronous", "NORMAL").unwrap();
        writer.execute_batch("CREATE TABLE t (x BLOB)").unwrap();
        let checkpointer = Checkpointer::start(&mut writer, &path, thresholds).unwrap();
        Setup {
            before: file_size(&path),
            writer,
            checkpointer,
            path,
            _dir: dir,
        }
    }

    impl Setup {
        /// Commits `n` rows of one 4 KB page each.
        fn write_pages(&self, n: usize) {
            for _ in 0..n {
                self.writer
                    .execute("INSERT INTO t (x) VALUES (zeroblob(4000))", [])
                    .unwrap();
            }
        }

        /// Whether at least `pages` pages reached the database file.
        fn copied(&self, pages: u64) -> bool {
            file_size(&self.path) >= self.before + pages * 4096
        }
    }

    fn file_size(path: &Path) -> u64 {
        std::fs::metadata(path).map_or(0, |m| m.len())
    }

    #[test]
    fn the_checkpointer_copies_the_log_into_the_database_file() {
        let s = setup(Thresholds {
            background: 50,
            inline: 100_000,
        });
        s.write_pages(200);
        let deadline = Instant::now() + Duration::from_secs(30);
        while !s.copied(100) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(s.copied(100), "{} bytes", file_size(&s.path));
    }

    #[test]
    fn below_the_threshold_the_log_stays_in_the_log() {
        let s = setup(THRESHOLDS);
        s.write_pages(200);
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(file_size(&s.path), s.before);
        assert!(file_size(&s.path.with_extension("db-wal")) > 200 * 4096);
    }

    #[test]
    fn the_writer_checkpoints_inline_at_the_backstop() {
        // The background threshold is never reached: only the inline one can copy.
        let s = setup(Thresholds {
            background: c_int::MAX,
            inline: 50,
        });
        s.write_pages(200);
        assert!(s.copied(100));
    }

    #[test]
    fn the_thread_stops_whichever_is_dropped_first() {
        let Setup {
            writer,
            checkpointer,
            _dir,
            ..
        } = setup(THRESHOLDS);
        drop(checkpointer);
        writer.execute("INSERT INTO t (x) VALUES (1)", []).unwrap();
        drop(writer);
        let s = setup(THRESHOLDS);
        s.write_pages(10);
        drop(s.writer);
        drop(s.checkpointer);
    }
}
