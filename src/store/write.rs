//! Everything that writes: feed registration, the per-feed ingest transaction, fetch results.

use std::collections::HashSet;

use rusqlite::{
    Connection, OptionalExtension, ToSql, Transaction, TransactionBehavior, params,
    params_from_iter,
};

use super::known::StoredKeys;
use super::{
    ArticleChange, ArticleDraft, FeedBatch, IncomingItem, IngestReport, LearnedPattern, PollRecord,
    Reprocessed, StoreError,
};
use super::{matching, query, search_index};
use crate::clean::learn;
use crate::config::FeedConfig;
use crate::dedup::{self, Candidates, Incoming, KnownItem, Resolution, Rule, Scope};
use crate::time;

pub(super) fn sync_feeds(conn: &mut Connection, feeds: &[FeedConfig]) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for feed in feeds {
        let url = feed.source.to_string();
        tx.execute(
            "INSERT INTO feeds (name, url) VALUES (?1, ?2)
             ON CONFLICT (name) DO UPDATE SET url = excluded.url,
                 etag = NULL, last_modified = NULL, body_hash = NULL, moved_to = NULL,
                 next_poll_at = NULL, earliest_poll_at = NULL, earliest_poll_reason = NULL,
                 consecutive_failures = 0
             WHERE feeds.url IS NOT excluded.url",
            params![feed.name, url],
        )?;
    }
    tx.commit()?;
    Ok(())
}

fn feed_id(tx: &Transaction<'_>, feed: &str) -> Result<i64, StoreError> {
    let id = tx
        .query_row("SELECT id FROM feeds WHERE name = ?1", [feed], |r| r.get(0))
        .optional()?;
    match id {
        Some(id) => Ok(id),
        None => {
            tx.execute("INSERT INTO feeds (name, url) VALUES (?1, '')", [feed])?;
            Ok(tx.last_insert_rowid())
        }
    }
}

/// One transaction per feed: either every item of this fetch is stored, or none is. The
/// feed's new articles are queued for the full-text index (`search_index`).
pub(super) fn ingest(
    conn: &mut Connection,
    stored_keys: &mut StoredKeys,
    feed: &str,
    batch: &FeedBatch,
) -> Result<IngestReport, StoreError> {
    let now = time::now();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    stored_keys.check(&tx)?;
    let feed_id = feed_id(&tx, feed)?;
    let mut report = IngestReport::default();
    let fetched: HashSet<String> = batch.items.iter().map(|i| i.guid.clone()).collect();
    for item in &batch.items {
        ingest_item(
            &tx,
            stored_keys,
            (feed_id, &fetched),
            batch.scope,
            item,
            &now,
            &mut report,
        )?;
    }
    report.newly_learned = save_learned(&tx, feed_id, &batch.learned, &now)?;
    tx.execute(
        "UPDATE feeds SET title = COALESCE(?2, title), site_url = COALESCE(?3, site_url),
             etag = ?4, last_modified = ?5, body_hash = ?6, ttl_seconds = ?7
         WHERE id = ?1",
        params![
            feed_id,
            batch.title,
            batch.site_url,
            batch.validators.etag,
            batch.validators.last_modified,
            batch.body_hash,
            batch.ttl.map(|t| t.as_secs() as i64),
        ],
    )?;
    record_attempt(&tx, feed, batch.status, None, &batch.poll, &now)?;
    // Last in the transaction: FTS5 flushes its pending terms at every statement savepoint
    // once it is part of the transaction.
    search_index::index_if_long(&tx)?;
    matching::merge_recent_keys(&tx)?;
    tx.commit()?;
    Ok(report)
}

/// `feed` is the feed's id and the guids of this fetch. Whatever the item's keys took their
/// place in, `stored_keys` learns them.
fn ingest_item(
    tx: &Transaction<'_>,
    stored_keys: &mut StoredKeys,
    (feed_id, fetched): (i64, &HashSet<String>),
    scope: Scope,
    item: &IncomingItem,
    now: &str,
    report: &mut IngestReport,
) -> Result<(), StoreError> {
    let stored = same_item(tx, feed_id, &item.guid)?;
    if let Some((known, raw_hash)) = &stored
        && *raw_hash == item.raw_hash
    {
        tx.prepare_cached("UPDATE items SET last_seen_at = ?2 WHERE id = ?1")?
            .execute(params![known.item, now])?;
        report.unchanged += 1;
        return Ok(());
    }
    if !item.cleaned {
        return Err(StoreError::Stale {
            guid: item.guid.clone(),
        });
    }
    let profile = &item.article.profile;
    let candidates = match stored {
        Some((known, _)) => Candidates {
            same_item: Some(known),
            ..Candidates::default()
        },
        None => {
            let filter = stored_keys.filter(tx)?;
            matching::candidates(tx, feed_id, scope, item, profile, filter)?
        }
    };
    let incoming = Incoming {
        url: item.link_key.as_deref(),
        title: &item.title,
        fetched,
        profile,
    };
    match dedup::resolve(&incoming, &candidates) {
        Resolution::Known(known, _) => {
            update_item(tx, known.item, item, now)?;
            update_article(tx, known.article, &item.article, now)?;
            report.updated += 1;
        }
        Resolution::Copy {
            article,
            rule,
            score,
        } => {
            upgrade_text(tx, article, &item.article, now)?;
            insert_item(tx, feed_id, item, (article, rule, score), now)?;
            report.merged += 1;
        }
        Resolution::New => {
            let article = insert_article(tx, feed_id, &item.article, now)?;
            matching::index_text(tx, article, profile)?;
            insert_item(tx, feed_id, item, (article, Rule::New, None), now)?;
            search_index::queue(tx, article)?;
            report.new_articles += 1;
        }
    }
    stored_keys.add(item);
    Ok(())
}

/// From an index that holds all three columns (schema 10): the row's `raw_hash` is stored
/// after its raw HTML.
pub(super) const SAME_ITEM: &str = "SELECT id, article_id, raw_hash FROM items
     INDEXED BY items_feed_guid_state WHERE feed_id = ?1 AND guid = ?2";

/// The stored item with this feed and guid, and the hash of what it carried.
fn same_item(
    tx: &Transaction<'_>,
    feed_id: i64,
    guid: &str,
) -> Result<Option<(KnownItem, String)>, StoreError> {
    Ok(tx
        .prepare_cached(SAME_ITEM)?
        .query_row(params![feed_id, guid], |r| {
            Ok((
                KnownItem {
                    item: r.get(0)?,
                    article: r.get(1)?,
                },
                r.get(2)?,
            ))
        })
        .optional()?)
}

fn published_or(draft: &ArticleDraft, now: &str) -> String {
    draft
        .published
        .map(time::rfc3339)
        .unwrap_or_else(|| now.to_string())
}

/// Inserts a new article with the next change number. Setting `change_seq` here keeps the
/// insert trigger from writing the whole row a second time, and from indexing it at once:
/// the caller queues it for the full-text index (`search_index`).
fn insert_article(
    tx: &Transaction<'_>,
    feed_id: i64,
    a: &ArticleDraft,
    now: &str,
) -> Result<i64, StoreError> {
    let change_seq: i64 = tx
        .prepare_cached("UPDATE change_counter SET value = value + 1 RETURNING value")?
        .query_row([], |r| r.get(0))?;
    tx.prepare_cached(
        "INSERT INTO articles (feed_id, canonical_url, title, author, published_at, summary, content,
             content_html, content_hash, fingerprint, created_at, updated_at, change_seq)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12)",
    )?
    .execute(params![
        feed_id,
        a.canonical_url,
        a.title,
        a.author,
        published_or(a, now),
        a.summary,
        a.content,
        a.content_html,
        a.content_hash,
        a.fingerprint,
        now,
        change_seq
    ])?;
    Ok(tx.last_insert_rowid())
}

/// An edited item rewrites its article in place and counts a revision; an item re-sent with
/// identical text changes nothing.
fn update_article(
    tx: &Transaction<'_>,
    id: i64,
    a: &ArticleDraft,
    now: &str,
) -> Result<(), StoreError> {
    let old = content_of(tx, id)?;
    let changed = tx.prepare_cached(
        "UPDATE articles SET canonical_url = COALESCE(?2, canonical_url), title = ?3, author = ?4,
             published_at = COALESCE(?5, published_at), summary = ?6, content = ?7, content_html = ?8,
             content_hash = ?9, fingerprint = ?10, updated_at = ?11, revision = revision + 1
         WHERE id = ?1 AND (content_hash IS NOT ?9 OR title IS NOT ?3 OR summary IS NOT ?6)",
    )?
    .execute(params![
        id,
        a.canonical_url,
        a.title,
        a.author,
        a.published.map(time::rfc3339),
        a.summary,
        a.content,
        a.content_html,
        a.content_hash,
        a.fingerprint,
        now
    ])?;
    if changed > 0 {
        matching::reindex_text(tx, id, &old, &a.content)?;
    }
    Ok(())
}

fn content_of(tx: &Transaction<'_>, id: i64) -> Result<String, StoreError> {
    Ok(tx
        .prepare_cached("SELECT content FROM articles WHERE id = ?1")?
        .query_row([id], |r| r.get(0))?)
}

/// A later copy with clearly more text (the full article where the first copy was a teaser)
/// gives the story its text; title, author and date stay those of the first copy.
fn upgrade_text(
    tx: &Transaction<'_>,
    id: i64,
    a: &ArticleDraft,
    now: &str,
) -> Result<(), StoreError> {
    let old = content_of(tx, id)?;
    let feed: String = tx
        .prepare_cached(
            "SELECT f.name FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id = ?1",
        )?
        .query_row([id], |r| r.get(0))?;
    let learned: HashSet<u64> = query::boilerplate_sample(tx, &feed, 0)?
        .learned
        .into_iter()
        .collect();
    if !dedup::prefer_copy(&old, &a.content, &a.title, &learned) {
        return Ok(());
    }
    tx.prepare_cached(
        "UPDATE articles SET content = ?2, content_html = ?3, content_hash = ?4, fingerprint = ?5,
             summary = CASE WHEN summary = '' THEN ?6 ELSE summary END, updated_at = ?7, revision = revision + 1
         WHERE id = ?1",
    )?
    .execute(params![id, a.content, a.content_html, a.content_hash, a.fingerprint, a.summary, now])?;
    matching::reindex_text(tx, id, &old, &a.content)
}

/// What an item carries as received, bound as `?2`..`?13` by both item writes (`?1` is the
/// row's key, the feed for an insert and the item for an update).
struct Received<'a> {
    published: Option<String>,
    edge_keys: String,
    now: &'a str,
}

impl<'a> Received<'a> {
    fn of(item: &IncomingItem, now: &'a str) -> Received<'a> {
        Received {
            published: item.published.map(time::rfc3339),
            edge_keys: learn::encode_keys(&item.edge_keys),
            now,
        }
    }

    fn params<'b>(&'b self, item: &'b IncomingItem) -> [&'b dyn ToSql; 12] {
        [
            &item.guid,
            &item.link,
            &item.article.canonical_url,
            &item.title,
            &item.author,
            &self.published,
            &item.summary_html,
            &item.content_html,
            &item.raw_hash,
            &self.now,
            &item.truncated,
            &self.edge_keys,
        ]
    }
}

/// Inserts a new item, attached to `article` by `rule` (with its score for near copies).
fn insert_item(
    tx: &Transaction<'_>,
    feed_id: i64,
    item: &IncomingItem,
    (article, rule, score): (i64, Rule, Option<f64>),
    now: &str,
) -> Result<(), StoreError> {
    let received = Received::of(item, now);
    let rule = rule.as_str();
    let extra: [&dyn ToSql; 3] = [&article, &rule, &score];
    tx.prepare_cached(
        "INSERT INTO items (feed_id, guid, link, canonical_url, title, author, published_at, summary_html,
             content_html, raw_hash, first_seen_at, last_seen_at, truncated, edge_keys, article_id,
             match_rule, match_score)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11, ?12, ?13, ?14, ?15, ?16)",
    )?
    .execute(params_from_iter(
        std::iter::once(&feed_id as &dyn ToSql)
            .chain(received.params(item))
            .chain(extra),
    ))?;
    Ok(())
}

/// Rewrites a known item with what it carries now. Its article, rule and `first_seen_at`
/// stay; a regenerated guid replaces the old one, which is kept in `previous_guid`.
fn update_item(
    tx: &Transaction<'_>,
    id: i64,
    item: &IncomingItem,
    now: &str,
) -> Result<(), StoreError> {
    let received = Received::of(item, now);
    tx.prepare_cached(
        "UPDATE items SET previous_guid = CASE WHEN guid = ?2 THEN previous_guid ELSE guid END,
             guid = ?2, link = ?3, canonical_url = ?4, title = ?5, author = ?6, published_at = ?7,
             summary_html = ?8, content_html = ?9, raw_hash = ?10, last_seen_at = ?11,
             truncated = ?12, edge_keys = ?13, raw_dropped_at = NULL
         WHERE id = ?1",
    )?
    .execute(params_from_iter(
        std::iter::once(&id as &dyn ToSql).chain(received.params(item)),
    ))?;
    Ok(())
}

/// Stores what the feed learned; returns how many patterns are new to it.
fn save_learned(
    tx: &Transaction<'_>,
    feed_id: i64,
    learned: &[LearnedPattern],
    now: &str,
) -> Result<usize, StoreError> {
    let mut new = 0;
    for pattern in learned {
        let key = learn::encode_keys(&[pattern.key]);
        let inserted = tx
            .prepare_cached(
                "INSERT INTO boilerplate (feed_id, key, example, items, learned_at, seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (feed_id, key) DO NOTHING",
            )?
            .execute(params![
                feed_id,
                key,
                pattern.example,
                pattern.items as i64,
                now
            ])?;
        if inserted == 0 {
            tx.prepare_cached(
                "UPDATE boilerplate SET items = ?3, seen_at = ?4,
                     example = CASE WHEN ?5 = '' THEN example ELSE ?5 END
                 WHERE feed_id = ?1 AND key = ?2",
            )?
            .execute(params![
                feed_id,
                key,
                pattern.items as i64,
                now,
                pattern.example
            ])?;
        }
        new += inserted;
    }
    Ok(new)
}

/// Writes one reprocessed feed; the transaction is rolled back for a dry run.
pub(super) fn apply_reprocess(
    conn: &mut Connection,
    feed: &str,
    result: &Reprocessed,
    dry_run: bool,
) -> Result<Vec<ArticleChange>, StoreError> {
    let now = time::now();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let feed_id = feed_id(&tx, feed)?;
    for (id, truncated, keys) in &result.items {
        tx.prepare_cached("UPDATE items SET truncated = ?2, edge_keys = ?3 WHERE id = ?1")?
            .execute(params![id, truncated, learn::encode_keys(keys)])?;
    }
    let mut changes = Vec::new();
    for (id, draft) in &result.articles {
        if let Some(change) = rewrite_text(&tx, *id, draft, &now)? {
            changes.push(change);
        }
    }
    save_learned(&tx, feed_id, &result.learned, &now)?;
    if !dry_run {
        tx.commit()?;
    }
    Ok(changes)
}

/// Replaces an article's cleaned fields when they differ; title and dates stay.
fn rewrite_text(
    tx: &Transaction<'_>,
    id: i64,
    a: &ArticleDraft,
    now: &str,
) -> Result<Option<ArticleChange>, StoreError> {
    let old: Option<(String, String)> = tx
        .prepare_cached(
            "SELECT title, content FROM articles
             WHERE id = ?1 AND (content IS NOT ?2 OR summary IS NOT ?3 OR content_html IS NOT ?4)",
        )?
        .query_row(params![id, a.content, a.summary, a.content_html], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((title, old_content)) = old else {
        return Ok(None);
    };
    tx.prepare_cached(
        "UPDATE articles SET summary = ?2, content = ?3, content_html = ?4, content_hash = ?5,
             fingerprint = ?6, updated_at = ?7
         WHERE id = ?1",
    )?
    .execute(params![
        id,
        a.summary,
        a.content,
        a.content_html,
        a.content_hash,
        a.fingerprint,
        now
    ])?;
    matching::reindex_text(tx, id, &old_content, &a.content)?;
    Ok(Some(ArticleChange {
        id,
        title,
        old_content,
        new_content: a.content.clone(),
    }))
}

pub(super) fn record_unchanged(
    conn: &Connection,
    feed: &str,
    status: Option<u16>,
    poll: &PollRecord,
) -> Result<(), StoreError> {
    record_attempt(conn, feed, status, None, poll, &time::now())
}

pub(super) fn record_failure(
    conn: &Connection,
    feed: &str,
    status: Option<u16>,
    error: &str,
    poll: &PollRecord,
) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO feeds (name, url) VALUES (?1, '') ON CONFLICT (name) DO NOTHING",
        [feed],
    )?;
    record_attempt(conn, feed, status, Some(error), poll, &time::now())
}

/// The feed row after an attempt: a success (`error` is `None`) clears the failure count, a
/// failure adds to it; both record the plan for the next poll.
fn record_attempt(
    conn: &Connection,
    feed: &str,
    status: Option<u16>,
    error: Option<&str>,
    poll: &PollRecord,
    now: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "UPDATE feeds SET last_attempt_at = ?2, last_status = ?3, last_error = ?4,
             last_success_at = CASE WHEN ?4 IS NULL THEN ?2 ELSE last_success_at END,
             consecutive_failures = CASE WHEN ?4 IS NULL THEN 0 ELSE consecutive_failures + 1 END,
             next_poll_at = ?5, earliest_poll_at = ?6, earliest_poll_reason = ?7,
             moved_to = COALESCE(?8, moved_to)
         WHERE name = ?1",
    )?
    .execute(params![
        feed,
        now,
        status,
        error,
        poll.next_poll.map(time::rfc3339),
        poll.earliest_poll.map(time::rfc3339),
        poll.earliest_reason,
        poll.moved_to
    ])?;
    Ok(())
}
