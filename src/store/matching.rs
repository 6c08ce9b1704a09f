//! The SQL side of deduplication: looks up the candidates [`dedup::resolve`] decides between,
//! and keeps `article_keys` (the near-copy index) in step with each article's text.
//!
//! Lookups run in `resolve`'s order and stop at the first rule that finds something, so an
//! item seen before costs one indexed query, not five.

use std::fmt::Write;

use rusqlite::{OptionalExtension, Transaction, params_from_iter};

use super::known::Filter;
use super::{IncomingItem, StoreError};
use crate::dedup::{
    Candidates, FeedItem, KnownItem, Profile, SameLink, Scope, SimilarArticle, TextMatch,
    same_page_variants,
};

/// Articles sharing most index keys with the incoming text that are compared with it; a
/// copy shares many keys, so the bound only drops weak candidates.
const MAX_SIMILAR: usize = 8;

/// What a new item may be, in resolve's order; `None` fields were not needed. With a
/// `filter` of the stored keys, only what it may hold is looked up.
pub(super) fn candidates(
    tx: &Transaction<'_>,
    feed_id: i64,
    scope: Scope,
    item: &IncomingItem,
    profile: &Profile,
    filter: Option<&Filter>,
) -> Result<Candidates, StoreError> {
    let mut variants = item
        .link_key
        .as_deref()
        .map(same_page_variants)
        .unwrap_or_default();
    if let Some(filter) = filter
        && !variants.iter().any(|v| filter.may_hold_url(v))
    {
        variants.clear();
    }
    let mut c = Candidates {
        same_link: same_link(tx, feed_id, &item.guid, &variants)?,
        ..Candidates::default()
    };
    if !c.same_link.is_empty() {
        return Ok(c);
    }
    c.same_url = same_url(tx, feed_id, scope, &variants)?;
    if c.same_url.is_some() {
        return Ok(c);
    }
    let fingerprint = item
        .article
        .fingerprint
        .as_deref()
        .filter(|f| filter.is_none_or(|filter| filter.may_hold_fingerprint(f)));
    c.same_text = same_text(tx, feed_id, scope, fingerprint)?;
    if c.same_text.is_none() {
        let mut keys = profile.index_keys();
        if let Some(filter) = filter {
            keys.retain(|&k| filter.may_hold_index_key(k));
        }
        c.similar = similar(tx, feed_id, scope, &keys)?;
    }
    Ok(c)
}

/// `?3, ?4, ...`: `n` numbered parameters from `from`, in one string (this runs for every
/// new item, on the writer).
fn placeholders(from: usize, n: usize) -> String {
    let mut list = String::with_capacity(n * 5);
    for i in from..from + n {
        if i > from {
            list.push_str(", ");
        }
        // Writing to a String cannot fail.
        let _ = write!(list, "?{i}");
    }
    list
}

/// Articles of this feed whose items (under other guids) have the same link, with their
/// text, newest first.
const MAX_SAME_LINK: usize = 8;

fn same_link(
    tx: &Transaction<'_>,
    feed_id: i64,
    guid: &str,
    variants: &[String],
) -> Result<Vec<SameLink>, StoreError> {
    if variants.is_empty() {
        return Ok(Vec::new());
    }
    let sql = same_link_sql(variants.len());
    let mut args: Vec<&dyn rusqlite::ToSql> = vec![&feed_id, &guid];
    args.extend(variants.iter().map(|v| v as &dyn rusqlite::ToSql));
    Ok(tx
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args), |r| {
            Ok(SameLink {
                known: KnownItem {
                    item: r.get(0)?,
                    article: r.get(1)?,
                },
                title: r.get(2)?,
                content: r.get(3)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

fn same_link_sql(variants: usize) -> String {
    format!(
        "SELECT i.id, i.article_id, i.title, a.content FROM items i JOIN articles a ON a.id = i.article_id
         WHERE i.canonical_url IN ({}) AND i.feed_id = ?1 AND i.guid <> ?2
         ORDER BY i.id DESC LIMIT {MAX_SAME_LINK}",
        placeholders(3, variants)
    )
}

/// The oldest article with a source at this page (in this feed only, per feed).
fn same_url(
    tx: &Transaction<'_>,
    feed_id: i64,
    scope: Scope,
    variants: &[String],
) -> Result<Option<i64>, StoreError> {
    if variants.is_empty() {
        return Ok(None);
    }
    let sql = format!(
        "SELECT article_id FROM items WHERE canonical_url IN ({}) AND (?1 OR feed_id = ?2)
         ORDER BY article_id LIMIT 1",
        placeholders(3, variants.len())
    );
    let across = scope == Scope::AcrossFeeds;
    let mut args: Vec<&dyn rusqlite::ToSql> = vec![&across, &feed_id];
    args.extend(variants.iter().map(|v| v as &dyn rusqlite::ToSql));
    Ok(tx
        .prepare_cached(&sql)?
        .query_row(params_from_iter(args), |r| r.get(0))
        .optional()?)
}

const IN_SCOPE: &str =
    "(?1 OR EXISTS (SELECT 1 FROM items i WHERE i.article_id = a.id AND i.feed_id = ?2))";

fn same_text(
    tx: &Transaction<'_>,
    feed_id: i64,
    scope: Scope,
    fingerprint: Option<&str>,
) -> Result<Option<TextMatch>, StoreError> {
    let Some(fingerprint) = fingerprint else {
        return Ok(None);
    };
    let sql = format!(
        "SELECT a.id FROM articles a WHERE a.fingerprint = ?3 AND {IN_SCOPE} ORDER BY a.id LIMIT 1"
    );
    let article: Option<i64> = tx
        .prepare_cached(&sql)?
        .query_row(
            rusqlite::params![scope == Scope::AcrossFeeds, feed_id, fingerprint],
            |r| r.get(0),
        )
        .optional()?;
    article
        .map(|article| {
            Ok(TextMatch {
                article,
                in_feed: items_in_feed(tx, article, feed_id)?,
            })
        })
        .transpose()
}

/// Articles sharing an index key with the text, most shared keys first, with their text and
/// the URLs of their items in this feed.
fn similar(
    tx: &Transaction<'_>,
    feed_id: i64,
    scope: Scope,
    keys: &[i64],
) -> Result<Vec<SimilarArticle>, StoreError> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT a.id, a.content FROM articles a JOIN (
             SELECT article_id, count(*) AS shared FROM (
                 SELECT article_id FROM article_keys WHERE key IN ({keys})
                 UNION ALL
                 SELECT article_id FROM article_keys_recent WHERE key IN ({keys})
             )
             GROUP BY article_id ORDER BY shared DESC, article_id LIMIT {MAX_SIMILAR}
         ) k ON k.article_id = a.id
         WHERE {IN_SCOPE} ORDER BY k.shared DESC, a.id",
        keys = placeholders(3, keys.len())
    );
    let across = scope == Scope::AcrossFeeds;
    let mut args: Vec<&dyn rusqlite::ToSql> = vec![&across, &feed_id];
    args.extend(keys.iter().map(|k| k as &dyn rusqlite::ToSql));
    let found: Vec<(i64, String)> = tx
        .prepare_cached(&sql)?
        .query_map(params_from_iter(args), |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    found
        .into_iter()
        .map(|(article, content)| {
            Ok(SimilarArticle {
                article,
                content,
                in_feed: items_in_feed(tx, article, feed_id)?,
            })
        })
        .collect()
}

fn items_in_feed(
    tx: &Transaction<'_>,
    article: i64,
    feed_id: i64,
) -> Result<Vec<FeedItem>, StoreError> {
    Ok(tx
        .prepare_cached(
            "SELECT guid, canonical_url FROM items WHERE article_id = ?1 AND feed_id = ?2",
        )?
        .query_map(rusqlite::params![article, feed_id], |r| {
            Ok(FeedItem {
                guid: r.get(0)?,
                url: r.get(1)?,
            })
        })?
        .collect::<Result<_, _>>()?)
}

/// Indexes a new article's text (in `article_keys_recent`, see [`merge_recent_keys`]).
pub(super) fn index_text(
    tx: &Transaction<'_>,
    article: i64,
    text: &Profile,
) -> Result<(), StoreError> {
    insert_keys(tx, "article_keys_recent", article, text)
}

fn insert_keys(
    tx: &Transaction<'_>,
    table: &str,
    article: i64,
    text: &Profile,
) -> Result<(), StoreError> {
    let mut insert = tx.prepare_cached(&format!(
        "INSERT INTO {table} (key, article_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING"
    ))?;
    for key in text.index_keys() {
        insert.execute(rusqlite::params![key, article])?;
    }
    Ok(())
}

/// Moves an article's index entries from its old text to its new one. The keys of the old
/// text are computed again rather than looked up: that saves an index on `article_id`.
pub(super) fn reindex_text(
    tx: &Transaction<'_>,
    article: i64,
    old: &str,
    new: &str,
) -> Result<(), StoreError> {
    if old == new {
        return Ok(());
    }
    let mut delete =
        tx.prepare_cached("DELETE FROM article_keys WHERE key = ?1 AND article_id = ?2")?;
    let mut delete_recent =
        tx.prepare_cached("DELETE FROM article_keys_recent WHERE key = ?1 AND article_id = ?2")?;
    for key in Profile::new(old).index_keys() {
        delete.execute(rusqlite::params![key, article])?;
        delete_recent.execute(rusqlite::params![key, article])?;
    }
    index_text(tx, article, &Profile::new(new))
}

/// About how many keys an article has in the index (20 bands and the teaser key).
const KEYS_PER_ARTICLE: i64 = 21;
/// About how many keys one commit adds (a feed of 50 new articles).
const KEYS_PER_COMMIT: i64 = 50 * KEYS_PER_ARTICLE;
/// The fewest waiting keys worth a merge.
const MIN_MERGE: i64 = 20_000;

/// Moves the waiting keys into `article_keys`, in key order, once there are enough of them.
///
/// A key is random, so each one inserted into the big table dirties a page of its own, and
/// every dirtied page is written to the WAL at commit: about one page per key. Keys first go
/// to `article_keys_recent`, which stays small (few pages to dirty), and join the big table
/// many commits at a time, in one ordered pass over it. Merging at
/// sqrt(keys per commit x keys stored) waiting keys balances the two costs per commit.
pub(super) fn merge_recent_keys(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let waiting: i64 =
        tx.query_row("SELECT count(*) FROM article_keys_recent", [], |r| r.get(0))?;
    let articles: i64 = tx.query_row("SELECT coalesce(max(id), 0) FROM articles", [], |r| {
        r.get(0)
    })?;
    if waiting < merge_threshold(articles.saturating_mul(KEYS_PER_ARTICLE)) {
        return Ok(());
    }
    tx.execute_batch(
        "INSERT OR IGNORE INTO article_keys (key, article_id)
             SELECT key, article_id FROM article_keys_recent;
         DELETE FROM article_keys_recent;",
    )?;
    Ok(())
}

/// How many waiting keys make a merge worth it, for an index of `stored` keys.
fn merge_threshold(stored: i64) -> i64 {
    ((stored.max(0) as f64 * KEYS_PER_COMMIT as f64).sqrt() as i64).max(MIN_MERGE)
}

/// Migration 3: indexes every article already stored (in `article_keys`: the waiting table
/// comes with migration 8).
pub(super) fn index_all_articles(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let mut select = tx.prepare("SELECT id, content FROM articles")?;
    let mut rows = select.query([])?;
    while let Some(row) = rows.next()? {
        let text = Profile::new(&row.get::<_, String>(1)?);
        insert_keys(tx, "article_keys", row.get(0)?, &text)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::*;

    #[test]
    fn placeholders_are_numbered_from_the_first() {
        assert_eq!(placeholders(3, 0), "");
        assert_eq!(placeholders(3, 1), "?3");
        assert_eq!(placeholders(3, 9), "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11");
    }

    fn database() -> Connection {
        let mut conn = Connection::open_in_memory().unwrap();
        super::super::migrations::migrate(&mut conn, ":memory:").unwrap();
        conn.execute_batch(
            "INSERT INTO feeds (id, name, url) VALUES (1, 'f', 'https://e.com/feed');
             INSERT INTO articles (id, feed_id, title, published_at, summary, content,
                 content_html, content_hash, created_at, updated_at)
             VALUES (1, 1, 'one', '', '', 'first text', '', 'h1', '', ''),
                    (2, 1, 'two', '', '', 'second text', '', 'h2', '', '');",
        )
        .unwrap();
        conn
    }

    #[test]
    fn a_lookup_joining_articles_keeps_its_plan_across_bindings() {
        let mut conn = database();
        super::super::sqlite::keep_plans(&conn).unwrap();
        let tx = conn.transaction().unwrap();
        let variants = |page: &str| {
            vec![
                format!("https://e.com/{page}"),
                format!("http://e.com/{page}"),
            ]
        };
        for page in ["a", "b", "c"] {
            same_link(&tx, 1, page, &variants(page)).unwrap();
        }
        let sql = same_link_sql(2);
        let stmt = tx.prepare_cached(&sql).unwrap();
        assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
        let plan: Vec<String> = tx
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map(
                params_from_iter([&1 as &dyn rusqlite::ToSql, &"g", &"u", &"v"]),
                |r| r.get(3),
            )
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan[0].contains("USING INDEX items_canonical_url"),
            "{plan:?}"
        );
    }

    fn found(tx: &Transaction<'_>, keys: &[i64]) -> Vec<i64> {
        similar(tx, 1, Scope::AcrossFeeds, keys)
            .unwrap()
            .iter()
            .map(|s| s.article)
            .collect()
    }

    fn count(tx: &Transaction<'_>, table: &str) -> i64 {
        tx.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn keys_are_found_waiting_or_merged_and_merge_in_one_pass_when_enough_wait() {
        let mut conn = database();
        let tx = conn.transaction().unwrap();
        tx.execute_batch(
            "INSERT INTO article_keys VALUES (10, 1), (11, 1);
             INSERT INTO article_keys_recent VALUES (11, 2), (12, 1), (13, 2);",
        )
        .unwrap();
        // Article 1 shares three keys (two merged, one waiting), article 2 one.
        assert_eq!(found(&tx, &[10, 11, 12]), [1, 2]);

        merge_recent_keys(&tx).unwrap();
        assert_eq!(count(&tx, "article_keys_recent"), 3, "too few to merge");

        let mut wait = tx
            .prepare("INSERT INTO article_keys_recent VALUES (?1, 2)")
            .unwrap();
        for key in 0..MIN_MERGE {
            wait.execute([1_000_000 + key]).unwrap();
        }
        drop(wait);
        merge_recent_keys(&tx).unwrap();
        assert_eq!(count(&tx, "article_keys_recent"), 0);
        assert_eq!(count(&tx, "article_keys"), 2 + 3 + MIN_MERGE);
        assert_eq!(found(&tx, &[10, 11, 12]), [1, 2]);
        assert_eq!(found(&tx, &[1_000_000, 13]), [2]);
    }

    #[test]
    fn the_merge_point_grows_with_the_square_root_of_the_index() {
        assert_eq!(merge_threshold(0), MIN_MERGE);
        assert_eq!(merge_threshold(100_000), MIN_MERGE);
        let (small, large) = (merge_threshold(1_000_000), merge_threshold(4_000_000));
        assert!(small > MIN_MERGE, "{small}");
        assert!((large - 2 * small).abs() <= 2, "{small} {large}");
    }
}
