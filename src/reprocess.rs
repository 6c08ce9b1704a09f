//! Cleans stored items again, after a rule or code change (`feedsift reprocess`) or when a
//! feed has just learned new boilerplate: the raw HTML every item arrived with is kept, so the
//! stored text can always be rebuilt with today's rules.
//!
//! One feed at a time, in one transaction: its items are pruned, its boilerplate learned from
//! all of them, and every article with a source in the feed gets the text of its longest
//! re-cleaned copy (copies from other feeds are cleaned with their own feed's rules).

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::clean::Rules;
use crate::config::Config;
use crate::dedup;
use crate::parse::Item;
use crate::pipeline::{prepare_items, prune_item};
use crate::store::{ArticleChange, ArticleDraft, Backend, Reprocessed, StoreError, StoredItem};

/// What reprocessing one feed did (or would do, in a dry run).
#[derive(Debug, Clone)]
pub struct FeedReport {
    pub feed: String,
    pub items: usize,
    pub articles: usize,
    pub changes: Vec<ArticleChange>,
}

/// Reprocesses one feed; `dry_run` computes and reports without writing.
/// `rules_of` gives each feed's rules by name (its copies of shared articles are cleaned too).
pub fn reprocess_feed(
    backend: &dyn Backend,
    rules_of: &dyn Fn(&str) -> Rules,
    feed: &str,
    dry_run: bool,
) -> Result<FeedReport, StoreError> {
    let rules = rules_of(feed);
    let (stored, dropped): (Vec<StoredItem>, Vec<StoredItem>) = backend
        .stored_items(feed)?
        .into_iter()
        .partition(|i| !i.raw_dropped);
    // An article with a copy whose raw HTML is gone keeps the text it has: cleaning only
    // the other copies again could replace a longer text with a shorter one.
    let mut frozen: HashSet<i64> = dropped.iter().map(|i| i.article_id).collect();
    let ids: Vec<(i64, i64)> = stored.iter().map(|s| (s.id, s.article_id)).collect();
    let items: Vec<Item> = stored.into_iter().map(to_item).collect();
    let previous = backend.boilerplate_sample(feed, 0)?;
    let (done, learned) = prepare_items(items, &rules, &previous);
    let mut result = Reprocessed {
        learned,
        ..Reprocessed::default()
    };
    let mut drafts: BTreeMap<i64, Vec<Copy>> = BTreeMap::new();
    for ((item_id, article_id), done) in ids.into_iter().zip(done) {
        result.items.push((item_id, done.truncated, done.edge_keys));
        drafts
            .entry(article_id)
            .or_default()
            .push((item_id, done.article));
    }
    // Boilerplate any source feed learned: a copy is not "fuller" for carrying it.
    let mut boilerplate: HashSet<u64> = previous.learned.iter().copied().collect();
    boilerplate.extend(result.learned.iter().map(|l| l.key));
    add_other_feeds_copies(
        backend,
        rules_of,
        feed,
        &mut drafts,
        &mut frozen,
        &mut boilerplate,
    )?;
    drafts.retain(|id, _| !frozen.contains(id));
    let items = result.items.len();
    result.articles = drafts
        .into_iter()
        .filter_map(|(id, copies)| Some((id, story_text(copies, &boilerplate)?)))
        .collect();
    let articles = result.articles.len();
    let changes = backend.apply_reprocess(feed, &result, dry_run)?;
    Ok(FeedReport {
        feed: feed.to_string(),
        items,
        articles,
        changes,
    })
}

/// Copies of the same articles that arrived through other feeds, cleaned with their rules.
fn add_other_feeds_copies(
    backend: &dyn Backend,
    rules_of: &dyn Fn(&str) -> Rules,
    feed: &str,
    drafts: &mut BTreeMap<i64, Vec<Copy>>,
    frozen: &mut HashSet<i64>,
    boilerplate: &mut HashSet<u64>,
) -> Result<(), StoreError> {
    let ids: Vec<i64> = drafts.keys().copied().collect();
    let others: Vec<StoredItem> = backend
        .items_of_articles(&ids)?
        .into_iter()
        .filter(|i| i.feed != feed)
        .collect();
    let mut learned: HashMap<String, HashSet<u64>> = HashMap::new();
    for item in others {
        if item.raw_dropped {
            frozen.insert(item.article_id);
            continue;
        }
        if !learned.contains_key(&item.feed) {
            let sample = backend.boilerplate_sample(&item.feed, 0)?;
            learned.insert(item.feed.clone(), sample.learned.into_iter().collect());
        }
        let rules = rules_of(&item.feed);
        let (item_id, article_id) = (item.id, item.article_id);
        let feed_learned = &learned[&item.feed];
        boilerplate.extend(feed_learned.iter().copied());
        let done = prune_item(to_item(item), &rules).finish(feed_learned, &rules);
        drafts
            .entry(article_id)
            .or_default()
            .push((item_id, done.article));
    }
    Ok(())
}

/// Each configured feed's rules by name; the built-in rules for a feed no longer configured.
pub fn rules_from(config: &Config) -> impl Fn(&str) -> Rules + Send + Sync + 'static {
    let rules: HashMap<String, Rules> = config
        .feeds
        .iter()
        .map(|f| (f.name.clone(), f.rules.clone()))
        .collect();
    move |feed| rules.get(feed).cloned().unwrap_or_default()
}

/// One re-cleaned copy of an article: the item it came from and its draft.
type Copy = (i64, ArticleDraft);

/// An article's text as ingest builds it, whichever feed is being reprocessed: the first-seen
/// copy's content, replaced by each later copy that [`dedup::prefer_text`] prefers, and the
/// summary of the first-seen copy unless it has none.
fn story_text(mut copies: Vec<Copy>, boilerplate: &HashSet<u64>) -> Option<ArticleDraft> {
    copies.sort_by_key(|(item_id, _)| *item_id);
    let first_summary = copies.first()?.1.summary.clone();
    let mut best = copies
        .into_iter()
        .map(|(_, draft)| draft)
        .reduce(|best, copy| {
            let prefer = dedup::prefer_copy(&best.content, &copy.content, &copy.title, boilerplate);
            if prefer { copy } else { best }
        })?;
    if !first_summary.is_empty() {
        best.summary = first_summary;
    }
    Some(best)
}

/// A stored item as the parser would have produced it. The stored title is already clean
/// text, so it is escaped to survive being read as HTML again.
fn to_item(stored: StoredItem) -> Item {
    Item {
        guid: stored.guid,
        link: stored.link,
        title_html: html_escape::encode_text(&stored.title).into_owned(),
        author: stored.author,
        published: stored.published,
        summary_html: stored.summary_html,
        content_html: stored.content_html,
    }
}

/// Paragraphs removed from and added to an article's text, for `--dry-run` samples.
pub fn paragraph_diff(old: &str, new: &str) -> (Vec<String>, Vec<String>) {
    let old_set: HashSet<&str> = old.split("\n\n").collect();
    let new_set: HashSet<&str> = new.split("\n\n").collect();
    let removed = old
        .split("\n\n")
        .filter(|p| !new_set.contains(p))
        .map(str::to_string)
        .collect();
    let added = new
        .split("\n\n")
        .filter(|p| !old_set.contains(p))
        .map(str::to_string)
        .collect();
    (removed, added)
}
