//! The full-text index's queue: a new article waits in `articles_fts_pending` and enters
//! `articles_fts` with others, many feeds' articles in one go: when the pipeline has no
//! other feed on its way (`Backend::update_search_index`), or once the queue is long
//! (schema 11).
//!
//! FTS5 writes a segment for what was indexed in each transaction and spends most of its
//! time merging segments; one feed's articles per commit made 500 small segments in a
//! 500-feed pass (docs/performance.md). The queue is a table, not memory, so that an
//! article is never lost to the index: a crash leaves it queued, and the end of the next
//! run, or a search, indexes it. The triggers keep a queued article out of the index
//! (FTS5 must never be told to delete a row it does not hold) and drop a deleted article
//! from the queue.

use rusqlite::{Connection, TransactionBehavior};

use super::StoreError;

/// The queue is indexed within an ingest once it holds this many articles, even while
/// more feeds are on their way: together with FTS5's `hashsize` (4 MB, schema 11) this
/// bounds the memory one flush takes.
pub(super) const MAX_QUEUED: i64 = 2_000;

/// Queues a new article for the index.
pub(super) fn queue(conn: &Connection, article: i64) -> Result<(), StoreError> {
    conn.prepare_cached("INSERT OR IGNORE INTO articles_fts_pending (article_id) VALUES (?1)")?
        .execute([article])?;
    Ok(())
}

/// Indexes the queue if it has grown to [`MAX_QUEUED`]; returns how many articles were
/// indexed.
pub(super) fn index_if_long(conn: &Connection) -> Result<usize, StoreError> {
    if queued(conn)? < MAX_QUEUED {
        return Ok(0);
    }
    index_queue(conn)
}

/// Indexes every queued article, with its text as it is now.
pub(super) fn index_queue(conn: &Connection) -> Result<usize, StoreError> {
    conn.prepare_cached(
        "INSERT INTO articles_fts (rowid, title, content)
         SELECT a.id, a.title, a.content
         FROM articles_fts_pending p JOIN articles a ON a.id = p.article_id
         ORDER BY p.article_id",
    )?
    .execute([])?;
    let indexed = conn
        .prepare_cached("DELETE FROM articles_fts_pending")?
        .execute([])?;
    tracing::debug!(indexed, "queued articles added to the full-text index");
    Ok(indexed)
}

/// Indexes what is queued, in a transaction of its own; reads only when nothing is (the
/// usual case, and the only possible one on a database this process cannot write).
pub(super) fn index_queue_now(conn: &mut Connection) -> Result<usize, StoreError> {
    if queued(conn)? == 0 {
        return Ok(0);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let indexed = index_queue(&tx)?;
    tx.commit()?;
    Ok(indexed)
}

/// How many articles wait for the index.
pub(super) fn queued(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM articles_fts_pending")?
        .query_row([], |r| r.get(0))?)
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    fn database() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::migrate(&mut conn, ":memory:").unwrap();
        conn.execute(
            "INSERT INTO feeds (id, name, url) VALUES (1, 'f', 'https://e.com/feed')",
            [],
        )
        .unwrap();
        conn
    }

    /// An article as ingest writes it: numbered, so the insert trigger leaves it alone.
    fn add_article(conn: &Connection, id: i64, content: &str) {
        conn.execute(
            "INSERT INTO articles (id, feed_id, title, published_at, summary, content,
                 content_html, content_hash, created_at, updated_at, change_seq)
             VALUES (?1, 1, 'title', '', '', ?2, '', 'h', '', '', ?1)",
            rusqlite::params![id, content],
        )
        .unwrap();
        queue(conn, id).unwrap();
    }

    fn found(conn: &Connection, word: &str) -> Vec<i64> {
        conn.prepare("SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?1 ORDER BY rowid")
            .unwrap()
            .query_map([word], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    fn index_is_sound(conn: &Connection) -> bool {
        conn.execute(
            "INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .is_ok()
    }

    #[test]
    fn queued_articles_are_searchable_once_indexed() {
        let mut conn = database();
        add_article(&conn, 1, "the zebracorn story");
        add_article(&conn, 2, "another zebracorn story");
        assert_eq!(found(&conn, "zebracorn"), Vec::<i64>::new());
        assert_eq!(index_if_long(&conn).unwrap(), 0);
        assert_eq!(index_queue_now(&mut conn).unwrap(), 2);
        assert_eq!(found(&conn, "zebracorn"), vec![1, 2]);
        assert_eq!(queued(&conn).unwrap(), 0);
        assert!(index_is_sound(&conn));
    }

    #[test]
    fn a_long_queue_is_indexed_within_an_ingest() {
        let conn = database();
        for id in 1..MAX_QUEUED {
            add_article(&conn, id, "word");
        }
        assert_eq!(index_if_long(&conn).unwrap(), 0);
        add_article(&conn, MAX_QUEUED, "word");
        assert_eq!(index_if_long(&conn).unwrap(), MAX_QUEUED as usize);
        assert_eq!(found(&conn, "word").len(), MAX_QUEUED as usize);
        assert!(index_is_sound(&conn));
    }

    #[test]
    fn an_article_changed_while_queued_is_indexed_with_its_new_text() {
        let conn = database();
        add_article(&conn, 1, "the zebracorn story");
        conn.execute(
            "UPDATE articles SET content = 'the unicornfish story' WHERE id = 1",
            [],
        )
        .unwrap();
        index_queue(&conn).unwrap();
        assert_eq!(found(&conn, "zebracorn"), Vec::<i64>::new());
        assert_eq!(found(&conn, "unicornfish"), vec![1]);
        assert!(index_is_sound(&conn));
        conn.execute(
            "UPDATE articles SET content = 'the narwhal story' WHERE id = 1",
            [],
        )
        .unwrap();
        assert_eq!(found(&conn, "unicornfish"), Vec::<i64>::new());
        assert_eq!(found(&conn, "narwhal"), vec![1]);
        assert!(index_is_sound(&conn));
    }

    #[test]
    fn a_deleted_article_leaves_the_queue_and_the_index() {
        let conn = database();
        add_article(&conn, 1, "indexed zebracorn");
        index_queue(&conn).unwrap();
        add_article(&conn, 2, "queued zebracorn");
        conn.execute("DELETE FROM articles WHERE id IN (1, 2)", [])
            .unwrap();
        assert_eq!(queued(&conn).unwrap(), 0);
        assert_eq!(found(&conn, "zebracorn"), Vec::<i64>::new());
        assert!(index_is_sound(&conn));
    }

    #[test]
    fn an_article_inserted_without_a_number_is_indexed_at_once() {
        let conn = database();
        conn.execute(
            "INSERT INTO articles (id, feed_id, title, published_at, summary, content,
                 content_html, content_hash, created_at, updated_at)
             VALUES (7, 1, 'title', '', '', 'zebracorn', '', 'h', '', '')",
            [],
        )
        .unwrap();
        assert_eq!(found(&conn, "zebracorn"), vec![7]);
        assert_eq!(queued(&conn).unwrap(), 0);
        assert!(index_is_sound(&conn));
    }
}
