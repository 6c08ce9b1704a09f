//! What the database may already hold, kept in memory for the writer: a Bloom filter of
//! every key the dedup lookups search by (items' canonical URLs, articles' text
//! fingerprints, the near-copy index keys), so that an item matching nothing, which is
//! what most new items are, is stored without the SQL lookups of `matching::candidates`
//! (docs/performance.md).
//!
//! A filter answers "not stored" or "maybe": only what it may hold is looked up, so dedup
//! decides exactly as it would without it. It is built from the tables once it pays for
//! itself: a lookup without it costs about as much as scanning [`ROWS_PER_LOOKUP`] keys,
//! so the filter is built when the lookups made without it would have paid for the scan
//! (a large database with a few new items a run never scans). Ingest adds every key it
//! writes; any other change drops the filter, to be built again: another connection's
//! commit (seen in `PRAGMA data_version`) and a reprocess. Deletions only leave keys that
//! are no longer stored, which costs a lookup, never a missed copy.

use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};

use rusqlite::Transaction;
use rusqlite::types::ValueRef;

use super::{IncomingItem, StoreError};

/// Rows of the key tables a scan reads in the time of one item's lookups. Measured on the
/// bench's database: about 120 us of lookups an item, 0.05-0.2 us a scanned row (warm);
/// the lower figure builds the filter later rather than sooner.
const ROWS_PER_LOOKUP: u64 = 256;
/// Bits of filter per key: about 0.5% false positives when full (16 bits: 0.13%, 10: 1.3%).
/// An item tests about 24 keys, so one in eight looks up a key or two for nothing.
const BITS_PER_KEY: u64 = 12;
/// The smallest filter, in keys.
const MIN_CAPACITY: u64 = 1 << 16;
/// The largest, in keys (6 MB); a database with more keys is looked up without a filter.
const MAX_CAPACITY: u64 = 1 << 22;
/// Keys an article can have: its fingerprint, 20 LSH bands and its lead key.
const KEYS_PER_ARTICLE: u64 = 22;

/// The writer's filter and when to build it.
pub(super) struct StoredKeys {
    state: State,
    /// `PRAGMA data_version` when the filter was built: it changes when another
    /// connection commits.
    data_version: i64,
    /// [`MIN_CAPACITY`], but for tests of growth.
    min_capacity: u64,
}

impl Default for StoredKeys {
    fn default() -> StoredKeys {
        StoredKeys {
            state: State::default(),
            data_version: 0,
            min_capacity: MIN_CAPACITY,
        }
    }
}

enum State {
    /// No filter: lookups go to SQL, and this many are counted towards building one
    /// (with the key tables' estimated size, read at the first of them).
    Counting {
        lookups: u64,
        estimate: Option<u64>,
    },
    Built(Filter),
    /// Past its capacity: built again, larger, before the next lookup (it has paid for
    /// itself already, so the next scan is paid for as well).
    Outgrown,
}

impl Default for State {
    fn default() -> State {
        State::Counting {
            lookups: 0,
            estimate: None,
        }
    }
}

impl StoredKeys {
    /// At the start of a writing transaction: drops the filter if another connection
    /// committed since it was built.
    pub(super) fn check(&mut self, tx: &Transaction<'_>) -> Result<(), StoreError> {
        if matches!(self.state, State::Built(_)) && data_version(tx)? != self.data_version {
            self.forget();
        }
        Ok(())
    }

    /// Drops the filter, after a change ingest did not report.
    pub(super) fn forget(&mut self) {
        self.state = State::default();
    }

    /// The filter for one item's lookups, built first if the lookups so far paid for it;
    /// `None`: look everything up.
    pub(super) fn filter(&mut self, tx: &Transaction<'_>) -> Result<Option<&Filter>, StoreError> {
        match self.state {
            State::Counting { lookups, estimate } => {
                let lookups = lookups + 1;
                let stored = match estimate {
                    Some(stored) => stored,
                    None => estimated_keys(tx)?,
                };
                self.state = State::Counting {
                    lookups,
                    estimate: Some(stored),
                };
                if lookups.saturating_mul(ROWS_PER_LOOKUP) >= stored {
                    self.build(tx, stored)?;
                }
            }
            State::Outgrown => self.build(tx, estimated_keys(tx)?)?,
            State::Built(_) => {}
        }
        Ok(match &self.state {
            State::Built(filter) => Some(filter),
            _ => None,
        })
    }

    /// Adds what ingest wrote for `item` (its URL, fingerprint and index keys, whichever
    /// rows took them); a filter past its capacity is built larger at the next lookup.
    pub(super) fn add(&mut self, item: &IncomingItem) {
        let State::Built(filter) = &mut self.state else {
            return;
        };
        let article = &item.article;
        if let Some(url) = &article.canonical_url {
            filter.insert(Filter::url_hash(url));
        }
        if let Some(fingerprint) = &article.fingerprint {
            filter.insert(Filter::fingerprint_hash(fingerprint));
        }
        for key in article.profile.index_keys() {
            filter.insert(Filter::index_key_hash(key));
        }
        if filter.len > filter.capacity {
            self.state = State::Outgrown;
        }
    }

    fn build(&mut self, tx: &Transaction<'_>, stored: u64) -> Result<(), StoreError> {
        if stored > MAX_CAPACITY {
            // Counted again from zero: retention may shrink the database.
            self.state = State::default();
            return Ok(());
        }
        let capacity = (2 * stored).clamp(self.min_capacity, MAX_CAPACITY);
        let mut filter = Filter::with_capacity(capacity);
        let urls = "SELECT canonical_url FROM items WHERE canonical_url IS NOT NULL";
        scan(tx, urls, &mut filter, |v| Ok(Filter::url_hash(v.as_str()?)))?;
        let fingerprints = "SELECT fingerprint FROM articles WHERE fingerprint IS NOT NULL";
        scan(tx, fingerprints, &mut filter, |v| {
            Ok(Filter::fingerprint_hash(v.as_str()?))
        })?;
        let keys = "SELECT key FROM article_keys UNION ALL SELECT key FROM article_keys_recent";
        scan(tx, keys, &mut filter, |v| {
            Ok(Filter::index_key_hash(v.as_i64()?))
        })?;
        tracing::debug!(
            keys = filter.len,
            capacity = filter.capacity,
            "dedup key filter built"
        );
        self.data_version = data_version(tx)?;
        self.state = State::Built(filter);
        Ok(())
    }
}

fn data_version(tx: &Transaction<'_>) -> Result<i64, StoreError> {
    Ok(tx.query_row("PRAGMA data_version", [], |r| r.get(0))?)
}

/// At most how many keys the tables hold, from the highest row ids (no scan).
fn estimated_keys(tx: &Transaction<'_>) -> Result<u64, StoreError> {
    let (items, articles): (i64, i64) = tx
        .prepare_cached(
            "SELECT (SELECT coalesce(max(id), 0) FROM items),
                    (SELECT coalesce(max(id), 0) FROM articles)",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let (items, articles) = (items.max(0) as u64, articles.max(0) as u64);
    Ok(items.saturating_add(articles.saturating_mul(KEYS_PER_ARTICLE)))
}

/// Adds the hash of each row's one column to `filter`.
fn scan(
    tx: &Transaction<'_>,
    sql: &str,
    filter: &mut Filter,
    hash: impl Fn(ValueRef<'_>) -> rusqlite::Result<u64>,
) -> Result<(), StoreError> {
    let mut select = tx.prepare(sql)?;
    let mut rows = select.query([])?;
    while let Some(row) = rows.next()? {
        filter.insert(hash(row.get_ref(0)?)?);
    }
    Ok(())
}

/// A split block Bloom filter (as in Parquet): a key sets one bit in each of the eight
/// words of one 32-byte block, so a test reads one cache line.
pub(super) struct Filter {
    blocks: Vec<[u32; 8]>,
    /// Keys added (repeats counted) and how many it holds at [`BITS_PER_KEY`].
    len: u64,
    capacity: u64,
}

const SALTS: [u32; 8] = [
    0x47b6_137b,
    0x4497_4d91,
    0x8824_ad5b,
    0xa2b7_289d,
    0x7054_95c7,
    0x2df1_424b,
    0x9efc_4947,
    0x5c6b_fb31,
];

/// Each kind of key hashed apart, so that a URL never answers for a fingerprint.
const URL: u64 = 0x7572_6c00_0000_0001;
const FINGERPRINT: u64 = 0x6670_0000_0000_0002;
const INDEX_KEY: u64 = 0x6b65_7900_0000_0003;

impl Filter {
    fn with_capacity(keys: u64) -> Filter {
        let blocks = (keys * BITS_PER_KEY).div_ceil(256).max(1);
        Filter {
            blocks: vec![[0; 8]; blocks as usize],
            len: 0,
            capacity: keys,
        }
    }

    pub(super) fn may_hold_url(&self, url: &str) -> bool {
        self.may_hold(Filter::url_hash(url))
    }

    pub(super) fn may_hold_fingerprint(&self, fingerprint: &str) -> bool {
        self.may_hold(Filter::fingerprint_hash(fingerprint))
    }

    pub(super) fn may_hold_index_key(&self, key: i64) -> bool {
        self.may_hold(Filter::index_key_hash(key))
    }

    fn url_hash(url: &str) -> u64 {
        mix(BuildHasherDefault::<DefaultHasher>::default().hash_one(url) ^ URL)
    }

    fn fingerprint_hash(fingerprint: &str) -> u64 {
        mix(BuildHasherDefault::<DefaultHasher>::default().hash_one(fingerprint) ^ FINGERPRINT)
    }

    /// Index keys are hashes already; mixed with the kind all the same.
    fn index_key_hash(key: i64) -> u64 {
        mix(key as u64 ^ INDEX_KEY)
    }

    fn insert(&mut self, hash: u64) {
        let block = self.block(hash);
        let mask = mask(hash);
        for (word, bit) in self.blocks[block].iter_mut().zip(mask) {
            *word |= bit;
        }
        self.len += 1;
    }

    fn may_hold(&self, hash: u64) -> bool {
        let block = &self.blocks[self.block(hash)];
        block
            .iter()
            .zip(mask(hash))
            .all(|(word, bit)| word & bit != 0)
    }

    /// The high half of the hash picks the block (multiply and shift: any block count).
    fn block(&self, hash: u64) -> usize {
        (((hash >> 32) * self.blocks.len() as u64) >> 32) as usize
    }
}

/// The low half of the hash picks one bit in each word.
fn mask(hash: u64) -> [u32; 8] {
    let low = hash as u32;
    SALTS.map(|salt| 1 << (low.wrapping_mul(salt) >> 27))
}

/// splitmix64's finalizer: every input bit moves every output bit.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_holds_every_key_added_and_few_others() {
        let mut filter = Filter::with_capacity(200_000);
        for i in 0..100_000i64 {
            filter.insert(Filter::index_key_hash(i * 7919));
            filter.insert(Filter::url_hash(&format!("https://e.com/{i}")));
        }
        for i in 0..100_000i64 {
            assert!(filter.may_hold_index_key(i * 7919));
            assert!(filter.may_hold_url(&format!("https://e.com/{i}")));
        }
        let false_positives = (0..100_000i64)
            .filter(|i| filter.may_hold_index_key(i * 7919 + 1))
            .count();
        assert!(false_positives < 1_500, "{false_positives}");
        assert!(
            !filter.may_hold_fingerprint("https://e.com/1"),
            "kinds hash apart"
        );
    }

    #[test]
    fn at_capacity_false_positives_stay_near_half_a_percent() {
        let mut filter = Filter::with_capacity(200_000);
        for i in 0..200_000i64 {
            filter.insert(Filter::index_key_hash(i));
        }
        let false_positives = (200_000..1_200_000i64)
            .filter(|&i| filter.may_hold_index_key(i))
            .count();
        assert!(false_positives < 8_000, "{false_positives} in 1,000,000");
    }
}

#[cfg(test)]
mod store_tests {
    use url::Url;

    use super::{State, StoredKeys};
    use crate::clean::Rules;
    use crate::pipeline::prepare_items;
    use crate::store::{Backend, BoilerplateSample, FeedBatch, IngestReport, SqliteBackend, write};

    /// A story of a hundred words (enough for a fingerprint and near-copy keys).
    fn story(topic: &str) -> String {
        (0..100).map(|i| format!("{topic}{} ", i % 37)).collect()
    }

    fn ingest(store: &SqliteBackend, feed: &str, items: &[(&str, &str, &str)]) -> IngestReport {
        store.ingest(feed, &batch(feed, items)).unwrap()
    }

    /// A feed of `(guid, link, text)` items, cleaned as the pipeline cleans it.
    fn batch(feed: &str, items: &[(&str, &str, &str)]) -> FeedBatch {
        let rss: String = items
            .iter()
            .map(|(guid, link, text)| {
                format!(
                    "<item><guid>{guid}</guid><link>{link}</link><title>{guid}</title>\
                     <description>&lt;p&gt;{text}&lt;/p&gt;</description></item>"
                )
            })
            .collect();
        let rss = format!("<rss version=\"2.0\"><channel><title>t</title>{rss}</channel></rss>");
        let base = Url::parse("https://e.com/feed").unwrap();
        let parsed = crate::parse::parse_feed(rss.as_bytes(), &base)
            .unwrap()
            .items;
        let (items, learned) =
            prepare_items(parsed, &Rules::default(), &BoilerplateSample::default());
        FeedBatch {
            title: None,
            site_url: None,
            status: Some(200),
            validators: Default::default(),
            body_hash: feed.into(),
            items,
            learned,
            scope: Default::default(),
            ttl: None,
            poll: Default::default(),
        }
    }

    #[test]
    fn what_another_connection_stored_is_matched_though_this_one_had_a_filter() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.db");
        let one = SqliteBackend::open(&path).unwrap();
        let a = ingest(&one, "a", &[("a1", "https://e.com/a1", &story("alpha"))]);
        assert_eq!(a.new_articles, 1);
        // Another process (here another backend on the same file) stores two stories.
        let two = SqliteBackend::open(&path).unwrap();
        let b = ingest(
            &two,
            "b",
            &[
                ("b1", "https://e.com/b1", &story("beta")),
                ("b2", "https://e.com/b2", &story("gamma")),
            ],
        );
        assert_eq!(b.new_articles, 2);
        // The first backend's filter was built before them: it must not answer for them.
        let c = ingest(
            &one,
            "c",
            &[
                ("c1", "https://e.com/b1?utm_source=x", &story("delta")),
                ("c2", "https://e.com/c2", &story("gamma")),
            ],
        );
        assert_eq!((c.new_articles, c.merged), (0, 2), "{c:?}");
    }

    #[test]
    fn a_filter_finds_copies_by_what_ingest_added_and_after_growing_past_its_capacity() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::migrations::migrate(&mut conn, ":memory:").unwrap();
        let mut stored = StoredKeys {
            min_capacity: 64,
            ..StoredKeys::default()
        };
        let topics: Vec<String> = (0..12).map(|i| format!("topic{i}x")).collect();
        for (i, topic) in topics.iter().enumerate() {
            let (feed, link) = (format!("f{i}"), format!("https://e.com/{i}"));
            let report = write::ingest(
                &mut conn,
                &mut stored,
                &feed,
                &batch(&feed, &[("g", &link, &story(topic))]),
            )
            .unwrap();
            assert_eq!(report.new_articles, 1);
        }
        // Twelve articles of 23 keys each went into a filter made for 64.
        let State::Built(filter) = &stored.state else {
            panic!("no filter after twelve feeds");
        };
        assert!(filter.capacity > 64, "{}", filter.capacity);
        // One more, known to the filter only by what ingest added (no scan since).
        let late = batch("late", &[("l", "https://e.com/late", &story("late"))]);
        write::ingest(&mut conn, &mut stored, "late", &late).unwrap();
        assert!(matches!(stored.state, State::Built(_)));
        let copies = batch(
            "copies",
            &[
                ("c1", "https://e.com/3?utm_source=x", &story("other")),
                ("c2", "https://e.com/c2", &story(&topics[0])),
                ("c3", "https://e.com/c3", &story("newtopic")),
                ("c4", "https://e.com/c4", &story("late")),
            ],
        );
        let report = write::ingest(&mut conn, &mut stored, "copies", &copies).unwrap();
        assert_eq!((report.merged, report.new_articles), (3, 1), "{report:?}");
    }
}
