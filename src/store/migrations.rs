//! Schema migrations, keyed on `PRAGMA user_version`. Append-only: migration N brings a
//! database from version N-1 to N, in one transaction together with its version bump, so an
//! old database is upgraded step by step and a crash never leaves it half-migrated.

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::StoreError;

/// Migration `i` brings the schema to version `i + 1`. Never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    // 1: feeds, items, articles, full-text index.
    r#"
CREATE TABLE feeds (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT NOT NULL UNIQUE,
    url                  TEXT NOT NULL,
    title                TEXT,
    site_url             TEXT,
    etag                 TEXT,
    last_modified        TEXT,
    body_hash            TEXT,
    last_attempt_at      TEXT,
    last_success_at      TEXT,
    last_status          INTEGER,
    last_error           TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE articles (
    id            INTEGER PRIMARY KEY,
    feed_id       INTEGER NOT NULL REFERENCES feeds(id),
    canonical_url TEXT,
    title         TEXT NOT NULL,
    author        TEXT,
    published_at  TEXT NOT NULL,
    summary       TEXT NOT NULL,
    content       TEXT NOT NULL,
    content_html  TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    fingerprint   TEXT,
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    revision      INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX articles_canonical_url ON articles(canonical_url) WHERE canonical_url IS NOT NULL;
CREATE INDEX articles_fingerprint ON articles(fingerprint) WHERE fingerprint IS NOT NULL;
CREATE INDEX articles_published_at ON articles(published_at);

CREATE TABLE items (
    id            INTEGER PRIMARY KEY,
    feed_id       INTEGER NOT NULL REFERENCES feeds(id),
    guid          TEXT NOT NULL,
    link          TEXT,
    canonical_url TEXT,
    title         TEXT NOT NULL,
    author        TEXT,
    published_at  TEXT,
    summary_html  TEXT,
    content_html  TEXT,
    raw_hash      TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    last_seen_at  TEXT NOT NULL,
    article_id    INTEGER NOT NULL REFERENCES articles(id),
    match_rule    TEXT NOT NULL,
    UNIQUE (feed_id, guid)
);
CREATE INDEX items_article_id ON items(article_id);

CREATE VIRTUAL TABLE articles_fts USING fts5(
    title, content,
    content = 'articles', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles BEGIN
    INSERT INTO articles_fts(rowid, title, content) VALUES (new.id, new.title, new.content);
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, content) VALUES ('delete', old.id, old.title, old.content);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, content ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, content) VALUES ('delete', old.id, old.title, old.content);
    INSERT INTO articles_fts(rowid, title, content) VALUES (new.id, new.title, new.content);
END;
"#,
    // 2: cleaning: learned boilerplate per feed, truncation and learning keys per item.
    r#"
ALTER TABLE items ADD COLUMN truncated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN edge_keys TEXT NOT NULL DEFAULT '';
CREATE TABLE boilerplate (
    feed_id    INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    key        TEXT NOT NULL,
    example    TEXT NOT NULL,
    items      INTEGER NOT NULL,
    learned_at TEXT NOT NULL,
    seen_at    TEXT NOT NULL,
    PRIMARY KEY (feed_id, key)
);
"#,
    // 3: dedup: near-copy index keys per article, how each item matched, regenerated guids.
    r#"
ALTER TABLE items ADD COLUMN match_score REAL;
ALTER TABLE items ADD COLUMN previous_guid TEXT;
CREATE INDEX items_canonical_url ON items(canonical_url, feed_id) WHERE canonical_url IS NOT NULL;
CREATE TABLE article_keys (
    key        INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;
"#,
    // 4: the daemon's poll plan per feed: next poll, the publisher's floor and why, RSS ttl,
    // and where a permanent redirect moved the feed.
    r#"
ALTER TABLE feeds ADD COLUMN next_poll_at TEXT;
ALTER TABLE feeds ADD COLUMN earliest_poll_at TEXT;
ALTER TABLE feeds ADD COLUMN earliest_poll_reason TEXT;
ALTER TABLE feeds ADD COLUMN ttl_seconds INTEGER;
ALTER TABLE feeds ADD COLUMN moved_to TEXT;
"#,
    // 5: stable views for users' own queries; their columns only ever grow.
    r#"
CREATE VIEW article_view AS
SELECT a.id, a.title, a.canonical_url AS url, a.author, a.published_at, a.updated_at,
       f.name AS feed, a.summary, a.content, a.revision,
       (SELECT count(*) FROM items i WHERE i.article_id = a.id) AS sources
FROM articles a JOIN feeds f ON f.id = a.feed_id;

CREATE VIEW feed_view AS
SELECT f.name, f.url, f.title, f.last_attempt_at, f.last_success_at, f.last_status,
       f.last_error, f.consecutive_failures, f.next_poll_at, f.earliest_poll_at,
       f.earliest_poll_reason, f.moved_to,
       (SELECT count(*) FROM items i WHERE i.feed_id = f.id) AS items,
       (SELECT count(DISTINCT i.article_id) FROM items i WHERE i.feed_id = f.id) AS articles
FROM feeds f;
"#,
    // 6: incremental export and retention. Every change to an article or to the set of items
    // resolving to it takes the next number of one counter, so a reader's snapshot always
    // holds every change up to the counter it sees: a cursor at that number misses nothing.
    r#"
CREATE TABLE change_counter (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    value INTEGER NOT NULL
);
ALTER TABLE articles ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
UPDATE articles SET change_seq = id;
INSERT INTO change_counter (id, value) SELECT 1, coalesce(max(id), 0) FROM articles;
CREATE INDEX articles_change_seq ON articles(change_seq);

CREATE TRIGGER articles_change_insert AFTER INSERT ON articles BEGIN
    UPDATE change_counter SET value = value + 1;
    UPDATE articles SET change_seq = (SELECT value FROM change_counter) WHERE id = new.id;
END;
CREATE TRIGGER articles_change_update
AFTER UPDATE OF feed_id, canonical_url, title, author, published_at, summary, content ON articles
WHEN old.feed_id IS NOT new.feed_id OR old.canonical_url IS NOT new.canonical_url
  OR old.title IS NOT new.title OR old.author IS NOT new.author
  OR old.published_at IS NOT new.published_at OR old.summary IS NOT new.summary
  OR old.content IS NOT new.content BEGIN
    UPDATE change_counter SET value = value + 1;
    UPDATE articles SET change_seq = (SELECT value FROM change_counter) WHERE id = new.id;
END;
CREATE TRIGGER items_change_insert AFTER INSERT ON items BEGIN
    UPDATE change_counter SET value = value + 1;
    UPDATE articles SET change_seq = (SELECT value FROM change_counter) WHERE id = new.article_id;
END;
CREATE TRIGGER items_change_update AFTER UPDATE OF article_id, guid, link ON items
WHEN old.article_id IS NOT new.article_id OR old.guid IS NOT new.guid OR old.link IS NOT new.link
BEGIN
    UPDATE change_counter SET value = value + 1;
    UPDATE articles SET change_seq = (SELECT value FROM change_counter)
    WHERE id IN (old.article_id, new.article_id);
END;

CREATE TABLE export_cursors (
    name       TEXT PRIMARY KEY,
    position   INTEGER NOT NULL,
    exports    INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

ALTER TABLE items ADD COLUMN raw_dropped_at TEXT;
CREATE INDEX items_last_seen_at ON items(last_seen_at);
"#,
    // 7: ingest numbers and indexes its new articles itself (docs/performance.md). The insert
    // triggers stay for rows written by anyone else: an article inserted without a
    // change_seq, an item that joins an article it did not create.
    r#"
DROP TRIGGER articles_fts_insert;
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles WHEN new.change_seq = 0 BEGIN
    INSERT INTO articles_fts(rowid, title, content) VALUES (new.id, new.title, new.content);
END;
DROP TRIGGER articles_change_insert;
CREATE TRIGGER articles_change_insert AFTER INSERT ON articles WHEN new.change_seq = 0 BEGIN
    UPDATE change_counter SET value = value + 1;
    UPDATE articles SET change_seq = (SELECT value FROM change_counter) WHERE id = new.id;
END;
DROP TRIGGER items_change_insert;
CREATE TRIGGER items_change_insert AFTER INSERT ON items WHEN new.match_rule <> 'new' BEGIN
    UPDATE change_counter SET value = value + 1;
    UPDATE articles SET change_seq = (SELECT value FROM change_counter) WHERE id = new.article_id;
END;
"#,
    // 8: new near-copy keys wait in a small table and join `article_keys` in key order, many
    // commits at a time (docs/performance.md): random keys inserted straight into the big
    // table dirtied a page per key at every commit.
    r#"
CREATE TABLE article_keys_recent (
    key        INTEGER NOT NULL,
    article_id INTEGER NOT NULL,
    PRIMARY KEY (key, article_id)
) WITHOUT ROWID;
"#,
    // 9: FTS5 merges its segments 16 at a time instead of 4 (docs/performance.md): each
    // feed's commit flushes one small segment, and merging them four by four rewrote every
    // posting once per level. The setting is stored in `articles_fts_config`.
    r#"
INSERT INTO articles_fts (articles_fts, rank) VALUES ('automerge', 16);
"#,
    // 10: the per-feed reads of each poll come from indexes, not from the rows (docs/
    // performance.md): an item's small columns after `content_html` sit on the last of its
    // overflow pages, so looking up an item's raw hash, or a feed's recent edge keys, read
    // every page of its raw HTML. `items_feed_seen` also serves retention's per-feed
    // `last_seen_at` ranges, which `items_last_seen_at` served.
    r#"
CREATE INDEX items_feed_guid_state ON items(feed_id, guid, raw_hash, article_id, raw_dropped_at);
CREATE INDEX items_feed_seen ON items(feed_id, last_seen_at, id, guid, edge_keys);
DROP INDEX items_last_seen_at;
"#,
    // 11: new articles wait in `articles_fts_pending` and enter the full-text index many
    // feeds at a time (`store::search_index`, docs/performance.md): one feed's articles per
    // commit made one small FTS5 segment each, and merging them was most of FTS5's cost.
    // The index must never be told to delete a row it does not hold, so the triggers leave
    // a waiting article out of it; a deleted one leaves the queue.
    r#"
CREATE TABLE articles_fts_pending (
    article_id INTEGER PRIMARY KEY
);
DROP TRIGGER articles_fts_update;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF title, content ON articles
WHEN NOT EXISTS (SELECT 1 FROM articles_fts_pending WHERE article_id = old.id) BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, content) VALUES ('delete', old.id, old.title, old.content);
    INSERT INTO articles_fts(rowid, title, content) VALUES (new.id, new.title, new.content);
END;
DROP TRIGGER articles_fts_delete;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles BEGIN
    INSERT INTO articles_fts(articles_fts, rowid, title, content)
        SELECT 'delete', old.id, old.title, old.content
        WHERE NOT EXISTS (SELECT 1 FROM articles_fts_pending WHERE article_id = old.id);
    DELETE FROM articles_fts_pending WHERE article_id = old.id;
END;
INSERT INTO articles_fts (articles_fts, rank) VALUES ('hashsize', 4194304);
"#,
];

type Backfill = fn(&Transaction<'_>) -> Result<(), StoreError>;

/// Work a migration needs beyond SQL, run in its transaction after its SQL: `(version, step)`.
const BACKFILLS: &[(usize, Backfill)] = &[(3, super::matching::index_all_articles)];

/// The schema version this build writes.
pub const CURRENT_VERSION: i64 = MIGRATIONS.len() as i64;

pub(super) fn migrate(conn: &mut Connection, path: &str) -> Result<(), StoreError> {
    let found: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if found > CURRENT_VERSION {
        return Err(StoreError::TooNew {
            path: path.to_string(),
            found,
            known: CURRENT_VERSION,
        });
    }
    if found == CURRENT_VERSION {
        return Ok(());
    }
    loop {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Read again under the write lock: another process (the daemon and a command started
        // together on a new file) may have migrated while this one waited.
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let Some((index, sql)) = MIGRATIONS.iter().enumerate().nth(version as usize) else {
            return Ok(());
        };
        tx.execute_batch(sql)?;
        for (_, backfill) in BACKFILLS.iter().filter(|(v, _)| *v == index + 1) {
            backfill(&tx)?;
        }
        tx.pragma_update(None, "user_version", index as i64 + 1)?;
        tx.commit()?;
        tracing::info!(version = index + 1, "database schema migrated");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_full_text_index_merges_sixteen_segments_at_a_time_and_flushes_at_4_mb() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, ":memory:").unwrap();
        let setting = |key: &str| -> i64 {
            conn.query_row(
                "SELECT v FROM articles_fts_config WHERE k = ?1",
                [key],
                |r| r.get(0),
            )
            .unwrap()
        };
        assert_eq!(setting("automerge"), 16);
        assert_eq!(setting("hashsize"), 4 << 20);
    }

    #[test]
    fn migrates_from_empty_and_is_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate(&mut conn, ":memory:").unwrap();
        migrate(&mut conn, ":memory:").unwrap();
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, CURRENT_VERSION);
    }

    #[test]
    fn a_version_1_database_keeps_its_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute_batch(
            "INSERT INTO feeds (id, name, url) VALUES (1, 'f', 'u');
             INSERT INTO articles (id, feed_id, title, published_at, summary, content, content_html,
                 content_hash, created_at, updated_at) VALUES (1, 1, 't', 'p', 's', 'c', 'h', 'x', 'n', 'n');
             INSERT INTO items (feed_id, guid, title, raw_hash, first_seen_at, last_seen_at, article_id,
                 match_rule) VALUES (1, 'g', 't', 'r', 'n', 'n', 1, 'new');",
        )
        .unwrap();
        migrate(&mut conn, ":memory:").unwrap();
        let (truncated, keys): (i64, String) = conn
            .query_row(
                "SELECT truncated, edge_keys FROM items WHERE guid = 'g'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!((truncated, keys.as_str()), (0, ""));
        let learned: i64 = conn
            .query_row("SELECT count(*) FROM boilerplate", [], |r| r.get(0))
            .unwrap();
        assert_eq!(learned, 0);
    }

    #[test]
    fn version_3_indexes_the_articles_already_stored() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..2] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 2).unwrap();
        let text = "word ".repeat(60);
        conn.execute(
            "INSERT INTO feeds (id, name, url) VALUES (1, 'f', 'u');",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO articles (id, feed_id, title, published_at, summary, content, content_html,
                 content_hash, created_at, updated_at) VALUES (1, 1, 't', 'p', 's', ?1, 'h', 'x', 'n', 'n')",
            [&text],
        )
        .unwrap();
        migrate(&mut conn, ":memory:").unwrap();
        let keys: i64 = conn
            .query_row(
                "SELECT count(*) FROM article_keys WHERE article_id = 1",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let expected = crate::dedup::Profile::new(&text).index_keys();
        assert!(!expected.is_empty());
        assert_eq!(
            keys as usize,
            expected
                .iter()
                .collect::<std::collections::HashSet<_>>()
                .len()
        );
    }

    #[test]
    fn version_4_adds_the_poll_plan_to_existing_feeds() {
        let mut conn = Connection::open_in_memory().unwrap();
        for sql in &MIGRATIONS[..3] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        conn.execute(
            "INSERT INTO feeds (id, name, url, etag, consecutive_failures) VALUES (1, 'f', 'u', 'e', 2)",
            [],
        )
        .unwrap();
        migrate(&mut conn, ":memory:").unwrap();
        let row: (String, i64, Option<String>, Option<String>) = conn
            .query_row(
                "SELECT etag, consecutive_failures, next_poll_at, moved_to FROM feeds WHERE id = 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(row, ("e".to_string(), 2, None, None));
    }

    /// A database left at every earlier version, with a feed, an article and an item in it,
    /// migrates to the current one, keeps its rows, and answers through the views.
    #[test]
    fn every_earlier_version_migrates_to_the_current_one() {
        for version in 1..CURRENT_VERSION {
            let mut conn = Connection::open_in_memory().unwrap();
            for sql in &MIGRATIONS[..version as usize] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", version).unwrap();
            conn.execute_batch(
                "INSERT INTO feeds (id, name, url) VALUES (1, 'f', 'u');
                 INSERT INTO articles (id, feed_id, title, published_at, summary, content,
                     content_html, content_hash, created_at, updated_at)
                     VALUES (7, 1, 't', '2025-03-10T17:30:00Z', 's', 'c', 'h', 'x', 'n', 'n');
                 INSERT INTO items (feed_id, guid, title, raw_hash, first_seen_at, last_seen_at,
                     article_id, match_rule) VALUES (1, 'g', 't', 'r', 'n', 'n', 7, 'new');",
            )
            .unwrap();
            migrate(&mut conn, ":memory:").unwrap();
            let v: i64 = conn
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .unwrap();
            assert_eq!(v, CURRENT_VERSION, "from version {version}");
            let row: (i64, String, String, i64) = conn
                .query_row(
                    "SELECT id, title, feed, sources FROM article_view",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
                )
                .unwrap();
            assert_eq!(
                row,
                (7, "t".into(), "f".into(), 1),
                "from version {version}"
            );
            let items: i64 = conn
                .query_row("SELECT items FROM feed_view WHERE name = 'f'", [], |r| {
                    r.get(0)
                })
                .unwrap();
            assert_eq!(items, 1, "from version {version}");
        }
    }

    #[test]
    fn refuses_a_newer_schema() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", CURRENT_VERSION + 1)
            .unwrap();
        assert!(matches!(
            migrate(&mut conn, "x.db"),
            Err(StoreError::TooNew { .. })
        ));
    }
}
