//! Retention: deleting articles no feed keeps any more, dropping old raw HTML, and the
//! database statistics `feedsift stats` shows. One transaction per prune, so a dry run is
//! the same work rolled back.
//!
//! An item *expires* when its feed's `keep` age has passed since it was last seen in the
//! feed, or when its article is beyond the feed's newest `max_articles_per_feed` (items of
//! the feed's latest fetch never expire that way: deleting them would only bring them back
//! as new). An article is deleted only when every one of its sources has expired, so an
//! article with a source inside any feed's window is kept.

use rusqlite::{Connection, Transaction, TransactionBehavior, params};

use super::{FeedRetention, FeedStats, PruneReport, PrunedFeed, Stats, StoreError};
use crate::time;

pub(super) fn prune(
    conn: &mut Connection,
    policies: &[FeedRetention],
    dry_run: bool,
) -> Result<PruneReport, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS expired_items (id INTEGER PRIMARY KEY);
         DELETE FROM temp.expired_items;",
    )?;
    let mut report = PruneReport::default();
    for policy in policies {
        let raw_dropped = drop_raw(&tx, policy)?;
        let expired = mark_expired(&tx, policy)?;
        if raw_dropped > 0 || expired > 0 {
            report.feeds.push(PrunedFeed {
                feed: policy.feed.clone(),
                expired_items: expired,
                raw_dropped,
                articles: 0,
            });
        }
    }
    let doomed = doomed_articles(&tx)?;
    count_per_feed(&tx, &mut report)?;
    report.articles = doomed;
    report.items = delete_doomed(&tx)?;
    if dry_run {
        tx.rollback()?;
    } else {
        tx.commit()?;
    }
    Ok(report)
}

fn cutoff(age: std::time::Duration) -> String {
    let age = chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
    time::rfc3339(
        chrono::Utc::now()
            .checked_sub_signed(age)
            .unwrap_or(chrono::DateTime::<chrono::Utc>::MIN_UTC),
    )
}

fn drop_raw(tx: &Transaction<'_>, policy: &FeedRetention) -> Result<usize, StoreError> {
    let Some(age) = policy.keep_raw else {
        return Ok(0);
    };
    Ok(tx.execute(
        "UPDATE items SET summary_html = NULL, content_html = NULL, raw_dropped_at = ?3
         WHERE feed_id = (SELECT id FROM feeds WHERE name = ?1)
           AND last_seen_at < ?2 AND raw_dropped_at IS NULL",
        params![policy.feed, cutoff(age), time::now()],
    )?)
}

/// Adds the feed's expired items to `expired_items`; returns how many.
fn mark_expired(tx: &Transaction<'_>, policy: &FeedRetention) -> Result<usize, StoreError> {
    let mut marked = 0;
    if let Some(age) = policy.keep {
        marked += tx.execute(
            "INSERT OR IGNORE INTO temp.expired_items (id)
             SELECT i.id FROM items i
             WHERE i.feed_id = (SELECT id FROM feeds WHERE name = ?1) AND i.last_seen_at < ?2",
            params![policy.feed, cutoff(age)],
        )?;
    }
    if let Some(max) = policy.max_articles {
        marked += tx.execute(
            "INSERT OR IGNORE INTO temp.expired_items (id)
             SELECT id FROM (
                 SELECT i.id, i.last_seen_at,
                        dense_rank() OVER (ORDER BY a.published_at DESC, a.id DESC) AS rank
                 FROM items i JOIN articles a ON a.id = i.article_id
                 WHERE i.feed_id = (SELECT id FROM feeds WHERE name = ?1))
             WHERE rank > ?2
               AND last_seen_at < (SELECT max(last_seen_at) FROM items
                                   WHERE feed_id = (SELECT id FROM feeds WHERE name = ?1))",
            params![policy.feed, max as i64],
        )?;
    }
    Ok(marked)
}

/// Collects the articles all of whose items expired into `doomed_articles`; returns how many.
fn doomed_articles(tx: &Transaction<'_>) -> Result<usize, StoreError> {
    tx.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS doomed_articles (id INTEGER PRIMARY KEY);
         DELETE FROM temp.doomed_articles;
         INSERT INTO temp.doomed_articles (id)
         SELECT DISTINCT i.article_id FROM items i JOIN temp.expired_items e ON e.id = i.id
         WHERE NOT EXISTS (
             SELECT 1 FROM items k WHERE k.article_id = i.article_id
               AND k.id NOT IN (SELECT id FROM temp.expired_items));",
    )?;
    Ok(
        tx.query_row("SELECT count(*) FROM temp.doomed_articles", [], |r| {
            r.get::<_, i64>(0)
        })? as usize,
    )
}

fn count_per_feed(tx: &Transaction<'_>, report: &mut PruneReport) -> Result<(), StoreError> {
    let mut stmt = tx.prepare(
        "SELECT count(DISTINCT i.article_id) FROM items i JOIN feeds f ON f.id = i.feed_id
         WHERE f.name = ?1 AND i.article_id IN (SELECT id FROM temp.doomed_articles)",
    )?;
    for feed in &mut report.feeds {
        feed.articles = stmt.query_row([&feed.feed], |r| r.get::<_, i64>(0))? as usize;
    }
    Ok(())
}

/// Deletes the doomed articles with their items and index keys; returns the items deleted.
fn delete_doomed(tx: &Transaction<'_>) -> Result<usize, StoreError> {
    for index in ["article_keys", "article_keys_recent"] {
        tx.execute(
            &format!(
                "DELETE FROM {index} WHERE article_id IN (SELECT id FROM temp.doomed_articles)"
            ),
            [],
        )?;
    }
    let items = tx.execute(
        "DELETE FROM items WHERE article_id IN (SELECT id FROM temp.doomed_articles)",
        [],
    )?;
    tx.execute(
        "DELETE FROM articles WHERE id IN (SELECT id FROM temp.doomed_articles)",
        [],
    )?;
    Ok(items)
}

/// Reclaims the space deleted rows left, with the file's whole size rewritten.
pub(super) fn vacuum(conn: &Connection) -> Result<(), StoreError> {
    conn.execute_batch("VACUUM")?;
    Ok(())
}

pub(super) fn stats(conn: &Connection) -> Result<Stats, StoreError> {
    let (pages, page_size, free): (i64, i64, i64) = conn.query_row(
        "SELECT (SELECT page_count FROM pragma_page_count()),
                (SELECT page_size FROM pragma_page_size()),
                (SELECT freelist_count FROM pragma_freelist_count())",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let (articles, items, text_bytes, raw_bytes): (i64, i64, i64, i64) = conn.query_row(
        "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM items),
                (SELECT coalesce(sum(length(CAST(content AS BLOB)) + length(CAST(content_html AS BLOB))
                                     + length(CAST(summary AS BLOB))), 0) FROM articles),
                (SELECT coalesce(sum(coalesce(length(CAST(summary_html AS BLOB)), 0)
                                     + coalesce(length(CAST(content_html AS BLOB)), 0)), 0) FROM items)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    let mut stmt = conn.prepare(
        "SELECT f.name, count(i.id), count(DISTINCT i.article_id),
                coalesce(sum(coalesce(length(CAST(i.summary_html AS BLOB)), 0)
                             + coalesce(length(CAST(i.content_html AS BLOB)), 0)), 0),
                sum(i.raw_dropped_at IS NOT NULL), min(i.first_seen_at), max(i.last_seen_at)
         FROM feeds f LEFT JOIN items i ON i.feed_id = f.id
         GROUP BY f.id ORDER BY f.name",
    )?;
    let feeds = stmt
        .query_map([], |r| {
            Ok(FeedStats {
                feed: r.get(0)?,
                items: r.get(1)?,
                articles: r.get(2)?,
                raw_bytes: r.get(3)?,
                raw_dropped: r.get::<_, Option<i64>>(4)?.unwrap_or(0),
                first_seen: r.get(5)?,
                last_seen: r.get(6)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Stats {
        database_bytes: pages * page_size,
        free_bytes: free * page_size,
        articles,
        items,
        text_bytes,
        raw_bytes,
        feeds,
    })
}
