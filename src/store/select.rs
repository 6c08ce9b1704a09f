//! Which articles an export or a search reads: an [`ArticleFilter`] turned into one `FROM …
//! WHERE … ORDER BY … LIMIT` with its bound values, and everything read from one snapshot
//! (count, outline, articles with their sources, the cursor's new position).

use rusqlite::types::Value;
use rusqlite::{Connection, Row, TransactionBehavior, params_from_iter};

use super::{
    Article, ArticleFilter, ArticleSink, CursorMove, ExportPlan, Exported, Order, OutlineEntry,
    SearchHit, Source, StoreError, fts,
};
use crate::time;

/// The SQL after `SELECT columns` and the values it binds, in order.
struct Selection {
    sql: String,
    values: Vec<Value>,
}

/// Builds the selection; `after` keeps only articles changed after that sequence number
/// (a cursor's position) and orders by change.
fn selection(filter: &ArticleFilter, after: Option<i64>) -> Result<Selection, StoreError> {
    let mut from = String::from("FROM articles a JOIN feeds f ON f.id = a.feed_id");
    let mut conditions = Vec::new();
    let mut values = Vec::new();
    if let Some(query) = &filter.query {
        from.push_str(" JOIN articles_fts ON articles_fts.rowid = a.id");
        conditions.push("articles_fts MATCH ?");
        values.push(Value::Text(fts::to_fts5(query)));
    }
    if let Some(since) = filter.since {
        conditions.push("a.published_at >= ?");
        values.push(Value::Text(time::rfc3339(since)));
    }
    if let Some(until) = filter.until {
        conditions.push("a.published_at < ?");
        values.push(Value::Text(time::rfc3339(until)));
    }
    if !filter.feeds.is_empty() {
        conditions.push(
            "EXISTS (SELECT 1 FROM items i JOIN feeds fi ON fi.id = i.feed_id
                     WHERE i.article_id = a.id AND fi.name IN (SELECT value FROM json_each(?)))",
        );
        let names = serde_json::to_string(&filter.feeds).map_err(std::io::Error::from)?;
        values.push(Value::Text(names));
    }
    if let Some(after) = after {
        conditions.push("a.change_seq > ?");
        values.push(Value::Integer(after));
    }
    let order = match (after, filter.order) {
        (Some(_), _) | (None, Order::Changed) => "a.change_seq ASC",
        (None, Order::Newest) => "a.published_at DESC, a.id DESC",
        (None, Order::Oldest) => "a.published_at ASC, a.id ASC",
        (None, Order::Relevance) if filter.query.is_some() => {
            "bm25(articles_fts, 10.0, 1.0), a.published_at DESC"
        }
        (None, Order::Relevance) => return Err(StoreError::RelevanceWithoutQuery),
    };
    let mut sql = from;
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(" ORDER BY ");
    sql.push_str(order);
    sql.push_str(" LIMIT ?");
    values.push(Value::Integer(filter.limit.map_or(-1, |l| l as i64)));
    Ok(Selection { sql, values })
}

/// A syntax error in an FTS5 expression surfaces as a plain SQLITE_ERROR while stepping;
/// the rest of the SQL is fixed, so with a query present that is the query's fault.
fn query_error(filter: &ArticleFilter) -> impl Fn(rusqlite::Error) -> StoreError + '_ {
    move |e| match (e, &filter.query) {
        (rusqlite::Error::SqliteFailure(code, message), Some(query)) if code.extended_code == 1 => {
            StoreError::BadQuery {
                query: query.clone(),
                reason: fts::explain_error(message.as_deref().unwrap_or("syntax error")),
            }
        }
        (other, _) => StoreError::Sqlite(other),
    }
}

/// Streams the articles of `plan` to `sink` from one read transaction: the count, outline,
/// articles and cursor position all describe the same state of the database, however the
/// daemon writes meanwhile.
pub(super) fn export(
    conn: &mut Connection,
    plan: &ExportPlan,
    sink: &mut dyn ArticleSink,
) -> Result<Exported, StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Deferred)?;
    let snapshot: i64 = tx.query_row("SELECT value FROM change_counter", [], |r| r.get(0))?;
    let from = match &plan.cursor {
        Some(name) => Some(cursor_position(&tx, name)?),
        None => None,
    };
    let selection = selection(&plan.filter, from)?;
    let to_error = query_error(&plan.filter);
    let wants = sink.wants();
    let total = if wants.count || wants.outline {
        let sql = format!("SELECT count(*) FROM (SELECT a.id {})", selection.sql);
        let n: i64 = tx
            .query_row(&sql, params_from_iter(&selection.values), |r| r.get(0))
            .map_err(&to_error)?;
        Some(n as usize)
    } else {
        None
    };
    let outline = if wants.outline {
        Some(outline(&tx, &selection).map_err(&to_error)?)
    } else {
        None
    };
    sink.start(total, outline)?;
    let sql = format!("SELECT {ARTICLE_COLUMNS}, a.change_seq {}", selection.sql);
    let mut stmt = tx.prepare(&sql)?;
    let mut sources = tx.prepare(
        "SELECT f.name, i.guid, i.link FROM items i JOIN feeds f ON f.id = i.feed_id
         WHERE i.article_id = ?1 ORDER BY i.id",
    )?;
    let mut rows = stmt
        .query(params_from_iter(&selection.values))
        .map_err(&to_error)?;
    let mut count = 0;
    let mut last_seq = None;
    while let Some(row) = rows.next().map_err(&to_error)? {
        let mut article = article_from_row(row)?;
        last_seq = Some(row.get::<_, i64>(10)?);
        article.sources = sources
            .query_map([article.id], |r| {
                Ok(Source {
                    feed: r.get(0)?,
                    guid: r.get(1)?,
                    url: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        sink.article(article)?;
        count += 1;
    }
    let cursor = plan.cursor.as_ref().zip(from).map(|(name, from)| {
        let limited = plan.filter.limit.is_some_and(|l| count >= l);
        CursorMove {
            name: name.clone(),
            from,
            // Cut short by --limit: resume after the last article written. Otherwise every
            // change up to the snapshot's counter has been seen.
            to: if limited {
                last_seq.unwrap_or(from)
            } else {
                snapshot.max(from)
            },
            exported: count,
        }
    });
    Ok(Exported { count, cursor })
}

fn cursor_position(conn: &Connection, name: &str) -> Result<i64, StoreError> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .query_row(
            "SELECT position FROM export_cursors WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .optional()?
        .unwrap_or(0))
}

/// Moves a cursor from `from` to `to`, only if no other export moved it meanwhile.
pub(super) fn advance_cursor(conn: &Connection, step: &CursorMove) -> Result<(), StoreError> {
    let changed = conn.execute(
        "INSERT INTO export_cursors (name, position, exports, updated_at) VALUES (?1, ?3, 1, ?4)
         ON CONFLICT (name) DO UPDATE SET position = ?3, exports = exports + 1, updated_at = ?4
         WHERE position = ?2",
        rusqlite::params![step.name, step.from, step.to, time::now()],
    )?;
    if changed == 0 {
        return Err(StoreError::CursorMoved {
            name: step.name.clone(),
        });
    }
    Ok(())
}

fn outline(conn: &Connection, selection: &Selection) -> rusqlite::Result<Vec<OutlineEntry>> {
    let sql = format!(
        "SELECT a.id, a.title, f.name, a.published_at {}",
        selection.sql
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(&selection.values), |r| {
        Ok(OutlineEntry {
            id: r.get(0)?,
            title: r.get(1)?,
            feed: r.get(2)?,
            published: r.get(3)?,
        })
    })?;
    rows.collect()
}

const ARTICLE_COLUMNS: &str = "a.id, a.title, a.canonical_url, a.author, a.published_at,
    a.updated_at, f.name, a.summary, a.content, a.content_html";

fn article_from_row(r: &Row<'_>) -> rusqlite::Result<Article> {
    Ok(Article {
        id: r.get(0)?,
        title: r.get(1)?,
        url: r.get(2)?,
        author: r.get(3)?,
        published: r.get(4)?,
        updated: r.get(5)?,
        feed: r.get(6)?,
        summary: r.get(7)?,
        content: r.get(8)?,
        content_html: r.get(9)?,
        sources: Vec::new(),
    })
}

/// Snippet markers: control characters no clean text contains, replaced by the caller's
/// highlighting.
pub const MATCH_START: char = '\u{2}';
pub const MATCH_END: char = '\u{3}';

pub(super) fn search(
    conn: &Connection,
    filter: &ArticleFilter,
) -> Result<Vec<SearchHit>, StoreError> {
    let Some(_) = &filter.query else {
        return Ok(Vec::new());
    };
    let selection = selection(filter, None)?;
    let sql = format!(
        "SELECT a.id, a.title, a.canonical_url, a.published_at, f.name,
                snippet(articles_fts, -1, '{MATCH_START}', '{MATCH_END}', '…', 20),
                bm25(articles_fts, 10.0, 1.0) {}",
        selection.sql
    );
    let to_error = query_error(filter);
    let mut stmt = conn.prepare(&sql).map_err(&to_error)?;
    let rows = stmt
        .query_map(params_from_iter(&selection.values), |r| {
            Ok(SearchHit {
                id: r.get(0)?,
                title: r.get(1)?,
                url: r.get(2)?,
                published: r.get(3)?,
                feed: r.get(4)?,
                snippet: r.get(5)?,
                score: -r.get::<_, f64>(6)?,
            })
        })
        .map_err(&to_error)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(&to_error)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::Backend;
    use super::super::{Article, ArticleSink, ExportPlan, OutlineEntry, SqliteBackend};

    struct Ids(Vec<i64>);

    impl ArticleSink for Ids {
        fn start(&mut self, _: Option<usize>, _: Option<Vec<OutlineEntry>>) -> std::io::Result<()> {
            Ok(())
        }
        fn article(&mut self, article: Article) -> std::io::Result<()> {
            self.0.push(article.id);
            Ok(())
        }
    }

    /// A writer commits small transactions as fast as it can while a reader exports with a
    /// cursor in a loop: every article is exported exactly once.
    #[test]
    fn a_cursor_misses_nothing_and_repeats_nothing_under_concurrent_commits() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.db");
        let reader = SqliteBackend::open(&path).unwrap();
        let mut writer = rusqlite::Connection::open(&path).unwrap();
        writer
            .busy_timeout(std::time::Duration::from_secs(10))
            .unwrap();
        writer
            .execute("INSERT INTO feeds (id, name, url) VALUES (1, 'f', 'u')", [])
            .unwrap();
        let total = 600;
        let mut seen: BTreeMap<i64, usize> = BTreeMap::new();
        std::thread::scope(|scope| {
            let writing = scope.spawn(|| {
                for batch in 0..total / 3 {
                    let tx = writer
                        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                        .unwrap();
                    for k in 0..3 {
                        tx.execute(
                            "INSERT INTO articles (feed_id, title, published_at, summary, content,
                                 content_html, content_hash, created_at, updated_at)
                             VALUES (1, ?1, '2025-01-01T00:00:00Z', '', 'c', '', 'h', 'n', 'n')",
                            [format!("t{batch}-{k}")],
                        )
                        .unwrap();
                    }
                    tx.commit().unwrap();
                }
            });
            let plan = ExportPlan {
                cursor: Some("c".into()),
                ..ExportPlan::default()
            };
            // Ends when the writer ends, also by a panic (which the scope then re-raises),
            // instead of waiting for a flag a failed writer never sets.
            loop {
                let finished = writing.is_finished();
                let mut ids = Ids(Vec::new());
                let exported = reader.export_articles(&plan, &mut ids).unwrap();
                reader.advance_cursor(&exported.cursor.unwrap()).unwrap();
                for id in ids.0 {
                    *seen.entry(id).or_default() += 1;
                }
                if finished {
                    break;
                }
                // An exporter that never pauses would starve the writer of the write lock.
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        });
        assert_eq!(seen.len(), total);
        assert!(seen.values().all(|&n| n == 1));
    }
}
