//! Everything that reads: feed state and status, article export, full-text search, learned
//! boilerplate, stored items for reprocessing, and how an article's sources were matched.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{
    ArticleSources, BoilerplateSample, FeedState, FeedStatus, LearnedBoilerplate, SourceMatch,
    StoreError, StoredItem, Summary,
};
use crate::clean::learn::{self, ItemKeys};
use crate::fetch::Validators;
use crate::time;

pub(super) fn feed_state(conn: &Connection, feed: &str) -> Result<FeedState, StoreError> {
    let state = conn
        .prepare_cached(
            "SELECT etag, last_modified, body_hash, moved_to, ttl_seconds, consecutive_failures,
                    last_attempt_at, next_poll_at, earliest_poll_at, last_error
             FROM feeds WHERE name = ?1",
        )?
        .query_row([feed], |r| {
            let time = |i: usize| -> rusqlite::Result<_> {
                let text: Option<String> = r.get(i)?;
                Ok(text.as_deref().and_then(time::parse_rfc3339))
            };
            Ok(FeedState {
                validators: Validators {
                    etag: r.get(0)?,
                    last_modified: r.get(1)?,
                },
                body_hash: r.get(2)?,
                moved_to: r.get(3)?,
                ttl: r
                    .get::<_, Option<i64>>(4)?
                    .map(|s| std::time::Duration::from_secs(s.max(0) as u64)),
                consecutive_failures: r.get(5)?,
                last_attempt: time(6)?,
                next_poll: time(7)?,
                earliest_poll: time(8)?,
                last_error: r.get(9)?,
            })
        })
        .optional()?;
    Ok(state.unwrap_or_default())
}

pub(super) fn feed_statuses(conn: &Connection) -> Result<Vec<FeedStatus>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT f.name, f.url, f.title, f.last_attempt_at, f.last_success_at, f.last_status, f.last_error,
                f.consecutive_failures,
                (SELECT count(*) FROM items i WHERE i.feed_id = f.id),
                (SELECT count(DISTINCT i.article_id) FROM items i WHERE i.feed_id = f.id),
                f.next_poll_at, f.earliest_poll_at, f.earliest_poll_reason, f.moved_to, f.site_url
         FROM feeds f ORDER BY f.name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(FeedStatus {
            name: r.get(0)?,
            url: r.get(1)?,
            title: r.get(2)?,
            last_attempt: r.get(3)?,
            last_success: r.get(4)?,
            last_status: r.get(5)?,
            last_error: r.get(6)?,
            consecutive_failures: r.get(7)?,
            items: r.get(8)?,
            articles: r.get(9)?,
            next_poll: r.get(10)?,
            earliest_poll: r.get(11)?,
            earliest_poll_reason: r.get(12)?,
            moved_to: r.get(13)?,
            site_url: r.get(14)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

pub(super) fn summary(conn: &Connection) -> Result<Summary, StoreError> {
    Ok(conn.query_row(
        "SELECT (SELECT count(*) FROM feeds), (SELECT count(*) FROM articles),
                (SELECT count(*) FROM feeds WHERE consecutive_failures > 0)",
        [],
        |r| {
            Ok(Summary {
                feeds: r.get(0)?,
                articles: r.get(1)?,
                failing: r.get(2)?,
            })
        },
    )?)
}

/// The edge keys of a feed's most recently seen items. Like [`RAW_HASHES`] and the writer's
/// item lookup, it reads an index that holds every column it needs (schema 10): the items'
/// small columns are stored after their raw HTML, on its last overflow page.
const RECENT_EDGE_KEYS: &str =
    "SELECT i.guid, i.edge_keys FROM items i JOIN feeds f ON f.id = i.feed_id
     WHERE f.name = ?1 ORDER BY i.last_seen_at DESC, i.id DESC LIMIT ?2";

const RAW_HASHES: &str = "SELECT i.guid, i.raw_hash FROM items i JOIN feeds f ON f.id = i.feed_id
     WHERE f.name = ?1 AND i.raw_dropped_at IS NULL";

pub(super) fn boilerplate_sample(
    conn: &Connection,
    feed: &str,
    recent: usize,
) -> Result<BoilerplateSample, StoreError> {
    let learned = conn
        .prepare_cached(
            "SELECT b.key FROM boilerplate b JOIN feeds f ON f.id = b.feed_id WHERE f.name = ?1",
        )?
        .query_map([feed], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?
        .iter()
        .flat_map(|k| learn::decode_keys(k))
        .collect();
    let recent = conn
        .prepare_cached(RECENT_EDGE_KEYS)?
        .query_map(params![feed, recent as i64], |r| {
            Ok(ItemKeys {
                guid: r.get(0)?,
                keys: learn::decode_keys(&r.get::<_, String>(1)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(BoilerplateSample {
        learned,
        recent,
        known: HashMap::new(),
    })
}

/// Raw hash by guid of a feed's items that still have their raw HTML.
pub(super) fn raw_hashes(
    conn: &Connection,
    feed: &str,
) -> Result<HashMap<String, String>, StoreError> {
    Ok(conn
        .prepare_cached(RAW_HASHES)?
        .query_map([feed], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?)
}

pub(super) fn learned_boilerplate(
    conn: &Connection,
    feed: &str,
) -> Result<Vec<LearnedBoilerplate>, StoreError> {
    let rows = conn
        .prepare_cached(
            "SELECT b.example, b.items, b.learned_at, b.seen_at
             FROM boilerplate b JOIN feeds f ON f.id = b.feed_id
             WHERE f.name = ?1 ORDER BY b.items DESC, b.learned_at",
        )?
        .query_map([feed], |r| {
            Ok(LearnedBoilerplate {
                example: r.get(0)?,
                items: r.get(1)?,
                learned_at: r.get(2)?,
                seen_at: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

const STORED_ITEM_COLUMNS: &str = "i.id, f.name, i.guid, i.article_id, i.link, i.title, i.author,
    i.published_at, i.summary_html, i.content_html, i.raw_dropped_at IS NOT NULL";

fn stored_item(r: &Row<'_>) -> rusqlite::Result<StoredItem> {
    let published: Option<String> = r.get(7)?;
    Ok(StoredItem {
        id: r.get(0)?,
        feed: r.get(1)?,
        guid: r.get(2)?,
        article_id: r.get(3)?,
        link: r.get(4)?,
        title: r.get(5)?,
        author: r.get(6)?,
        published: published.and_then(|p| time::parse_rfc3339(&p)),
        summary_html: r.get(8)?,
        content_html: r.get(9)?,
        raw_dropped: r.get(10)?,
    })
}

pub(super) fn stored_items(conn: &Connection, feed: &str) -> Result<Vec<StoredItem>, StoreError> {
    let sql = format!(
        "SELECT {STORED_ITEM_COLUMNS} FROM items i JOIN feeds f ON f.id = i.feed_id
         WHERE f.name = ?1 ORDER BY i.id"
    );
    let rows = conn
        .prepare(&sql)?
        .query_map([feed], stored_item)?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub(super) fn items_of_articles(
    conn: &Connection,
    ids: &[i64],
) -> Result<Vec<StoredItem>, StoreError> {
    let sql = format!(
        "SELECT {STORED_ITEM_COLUMNS} FROM items i JOIN feeds f ON f.id = i.feed_id
         WHERE i.article_id = ?1 ORDER BY i.id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let mut out = Vec::new();
    for id in ids {
        for item in stmt.query_map([id], stored_item)? {
            out.push(item?);
        }
    }
    Ok(out)
}

pub(super) fn article_sources(
    conn: &Connection,
    id: i64,
) -> Result<Option<ArticleSources>, StoreError> {
    let header = conn
        .prepare_cached(
            "SELECT a.title, a.canonical_url, f.name, a.created_at, a.updated_at, a.revision
             FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id = ?1",
        )?
        .query_row([id], |r| {
            Ok(ArticleSources {
                id,
                title: r.get(0)?,
                url: r.get(1)?,
                feed: r.get(2)?,
                created: r.get(3)?,
                updated: r.get(4)?,
                revision: r.get(5)?,
                sources: Vec::new(),
            })
        })
        .optional()?;
    let Some(mut article) = header else {
        return Ok(None);
    };
    article.sources = conn
        .prepare_cached(
            "SELECT f.name, i.guid, i.previous_guid, i.link, i.match_rule, i.match_score,
                 i.first_seen_at, i.last_seen_at
             FROM items i JOIN feeds f ON f.id = i.feed_id WHERE i.article_id = ?1 ORDER BY i.id",
        )?
        .query_map([id], |r| {
            Ok(SourceMatch {
                feed: r.get(0)?,
                guid: r.get(1)?,
                previous_guid: r.get(2)?,
                url: r.get(3)?,
                rule: r.get(4)?,
                score: r.get(5)?,
                first_seen: r.get(6)?,
                last_seen: r.get(7)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(Some(article))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> String {
        conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map(params, |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .join("; ")
    }

    #[test]
    fn per_feed_reads_never_touch_the_item_rows() {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::migrate(&mut conn, ":memory:").unwrap();
        let recent = plan(&conn, RECENT_EDGE_KEYS, params!["f", 10]);
        assert!(
            recent.contains("COVERING INDEX items_feed_seen") && !recent.contains("TEMP B-TREE"),
            "{recent}"
        );
        let hashes = plan(&conn, RAW_HASHES, ["f"]);
        assert!(
            hashes.contains("COVERING INDEX items_feed_guid_state"),
            "{hashes}"
        );
        let item = plan(&conn, super::super::write::SAME_ITEM, params![1, "g"]);
        assert!(
            item.contains("COVERING INDEX items_feed_guid_state"),
            "{item}"
        );
    }
}
