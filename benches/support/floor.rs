//! The storage floor: what feedsift stored in a cold pass, written again by SQLite alone,
//! the cheapest way it can be written: the same schema and settings (WAL, FTS5 with the
//! same tokenizer and hash size), every row in one transaction copied from the database
//! feedsift wrote, a checkpoint, the full-text index built in one `rebuild`, another
//! checkpoint. No fetching, parsing, cleaning or dedup; no triggers; no transaction per
//! feed. (The index built before the rows' checkpoint took twice as long: it reads every
//! article back, then from a 600 MB log.)
//!
//! A single writer must do at least the rows and the index, so no ingest that stores the
//! same rows in one SQLite file can take less wall time than those two phases on this
//! machine; the report sets them beside the tools' cold passes.

use std::path::Path;
use std::time::Instant;

use rusqlite::Connection;

use crate::measure::thread_cpu;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Wall and CPU seconds of each phase.
#[derive(Debug, Clone, Copy, Default)]
pub struct Floor {
    pub rows: Phase,
    pub index: Phase,
    pub checkpoint: Phase,
}

#[derive(Debug, Clone, Copy, Default)]
pub struct Phase {
    pub wall: f64,
    pub cpu: f64,
}

impl Floor {
    /// What one writer thread cannot go below: the rows and the full-text index.
    pub fn writer_wall(&self) -> f64 {
        self.rows.wall + self.index.wall
    }
}

/// Writes the rows of `source` (a database feedsift made) again into a new database at
/// `target` (removed first), timing each phase on this thread.
pub fn measure(source: &Path, target: &Path) -> Result<Floor> {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
    }
    // feedsift's own schema, from its migrations; then without the triggers that number
    // changes and index rows one at a time (ingest sets the numbers and queues the index).
    drop(feedsift::store::SqliteBackend::open(target)?);
    let conn = Connection::open(target)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    let triggers: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for trigger in triggers {
        conn.execute_batch(&format!("DROP TRIGGER \"{trigger}\""))?;
    }
    conn.execute("ATTACH ?1 AS source", [source.display().to_string()])?;
    let rows = timed(|| {
        conn.execute_batch(
            "BEGIN;
             INSERT INTO main.feeds SELECT * FROM source.feeds;
             INSERT INTO main.articles SELECT * FROM source.articles;
             INSERT INTO main.items SELECT * FROM source.items;
             INSERT INTO main.article_keys SELECT * FROM source.article_keys;
             INSERT INTO main.article_keys_recent SELECT * FROM source.article_keys_recent;
             COMMIT;",
        )
    })?;
    conn.execute_batch("DETACH source")?;
    // The index reads the articles back: from the database file, not a 600 MB log.
    let first = timed(|| conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)"))?;
    let index =
        timed(|| conn.execute_batch("INSERT INTO articles_fts (articles_fts) VALUES ('rebuild')"))?;
    let second = timed(|| conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)"))?;
    Ok(Floor {
        rows,
        index,
        checkpoint: Phase {
            wall: first.wall + second.wall,
            cpu: first.cpu + second.cpu,
        },
    })
}

fn timed(work: impl FnOnce() -> rusqlite::Result<()>) -> Result<Phase> {
    let (started, cpu) = (Instant::now(), thread_cpu());
    work()?;
    Ok(Phase {
        wall: started.elapsed().as_secs_f64(),
        cpu: thread_cpu() - cpu,
    })
}

/// The run whose writer floor is the median, whole.
pub fn median(floors: &[Floor]) -> Floor {
    let mut sorted = floors.to_vec();
    sorted.sort_by(|a, b| a.writer_wall().total_cmp(&b.writer_wall()));
    sorted.get(sorted.len() / 2).copied().unwrap_or_default()
}
