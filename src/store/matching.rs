//! The SQL side of deduplication: looks up the candidates [`dedup::resolve`] decides between,
//! and keeps `article_keys` (the near-copy index) in step with each article's text.
//!
//! Lookups run in `resolve`'s order and stop at the first rule that finds something, so an
//! item seen before costs one indexed query, not five.

use rusqlite::{OptionalExtension, Transaction, params_from_iter};

use super::{IncomingItem, StoreError};
use crate::dedup::{
    Candidates, FeedItem, KnownItem, Profile, SameLink, Scope, SimilarArticle, TextMatch,
    same_page_variants,
};

/// Articles sharing most index keys with the incoming text that are compared with it; a
/// copy shares many keys, so the bound only drops weak candidates.
const MAX_SIMILAR: usize = 8;

/// What a new item may be, in resolve's order; `None` fields were not needed.
pub(super) fn candidates(
    tx: &Transaction<'_>,
    feed_id: i64,
    scope: Scope,
    item: &IncomingItem,
    profile: &Profile,
) -> Result<Candidates, StoreError> {
    let variants = item
        .link_key
        .as_deref()
        .map(same_page_variants)
        .unwrap_or_default();
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
    c.same_text = same_text(tx, feed_id, scope, item.article.fingerprint.as_deref())?;
    if c.same_text.is_none() {
        c.similar = similar(tx, feed_id, scope, &profile.index_keys())?;
    }
    Ok(c)
}

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
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
    let sql = format!(
        "SELECT i.id, i.article_id, i.title, a.content FROM items i JOIN articles a ON a.id = i.article_id
         WHERE i.canonical_url IN ({}) AND i.feed_id = ?1 AND i.guid <> ?2
         ORDER BY i.id DESC LIMIT {MAX_SAME_LINK}",
        placeholders(3, variants.len())
    );
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
             SELECT article_id, count(*) AS shared FROM article_keys WHERE key IN ({})
             GROUP BY article_id ORDER BY shared DESC, article_id LIMIT {MAX_SIMILAR}
         ) k ON k.article_id = a.id
         WHERE {IN_SCOPE} ORDER BY k.shared DESC, a.id",
        placeholders(3, keys.len())
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

/// Indexes a new article's text.
pub(super) fn index_text(
    tx: &Transaction<'_>,
    article: i64,
    text: &Profile,
) -> Result<(), StoreError> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO article_keys (key, article_id) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
    )?;
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
    for key in Profile::new(old).index_keys() {
        delete.execute(rusqlite::params![key, article])?;
    }
    index_text(tx, article, &Profile::new(new))
}

/// Migration 3: indexes every article already stored.
pub(super) fn index_all_articles(tx: &Transaction<'_>) -> Result<(), StoreError> {
    let mut select = tx.prepare("SELECT id, content FROM articles")?;
    let mut rows = select.query([])?;
    while let Some(row) = rows.next()? {
        index_text(tx, row.get(0)?, &Profile::new(&row.get::<_, String>(1)?))?;
    }
    Ok(())
}
