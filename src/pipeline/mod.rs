//! Runs the steps in order for one feed: fetch -> parse -> clean -> dedup keys -> store, and
//! for many feeds at once (bounded). A failing feed is recorded on its own row and reported
//! to the caller; it never stops the others.
//!
//! Parsing and cleaning are CPU work: they run on [`cleaners`], a thread per core at a lower
//! priority than the store's writer. The store blocks, so its calls run on tokio's blocking
//! pool; only the fetch itself runs on the async workers.

mod cleaners;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Utc};
use url::Url;

use crate::clean::{self, Cleaned, Rules, learn, learn::ItemKeys};
use crate::config::{Config, FeedConfig};
use crate::dedup;
use crate::fetch::{FetchError, FetchOutcome, Fetched, Fetcher, Signals};
use crate::parse::{self, Item, ParseError};
use crate::reprocess;
use crate::schedule::limits::{self, Limits};
use crate::schedule::poll::{self, Answer, Schedule};
use crate::store::{
    ArticleDraft, BoilerplateSample, FeedBatch, FeedState, IncomingItem, IngestReport,
    LearnedPattern, PollRecord, Store, StoreError,
};

#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error while processing the feed: {0}")]
    Task(String),
}

impl FeedError {
    pub fn status(&self) -> Option<u16> {
        match self {
            FeedError::Fetch(e) => e.status(),
            _ => None,
        }
    }

    fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            FeedError::Fetch(e) => e.retry_after(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedOutcome {
    /// Nothing new: 304, an unchanged file, or a body identical to the last one.
    Unchanged,
    /// Not requested: the feed's host asked every client to wait until then (`Retry-After`).
    Deferred {
        until: DateTime<Utc>,
    },
    Stored {
        items: usize,
        report: IngestReport,
    },
}

#[derive(Debug)]
pub struct FeedRun {
    pub feed: String,
    pub result: Result<FeedOutcome, FeedError>,
    pub next: NextPoll,
}

/// The next poll as planned after a run: what went on the feed's row (next poll, the
/// publisher's floor and why, a new permanent location), and a pause for the feed's whole
/// host (`Retry-After`).
#[derive(Debug, Clone, Default)]
pub struct NextPoll {
    pub record: PollRecord,
    pub host_waits_until: Option<DateTime<Utc>>,
}

impl FeedRun {
    fn deferred(feed: &FeedConfig, until: DateTime<Utc>) -> FeedRun {
        FeedRun {
            feed: feed.name.clone(),
            result: Ok(FeedOutcome::Deferred { until }),
            next: NextPoll::default(),
        }
    }
}

/// Longest summary derived from the content when the feed gives none.
const DERIVED_SUMMARY_CHARS: usize = 300;

pub struct Pipeline {
    fetcher: Fetcher,
    store: Store,
    rules_of: Arc<dyn Fn(&str) -> Rules + Send + Sync>,
    scope: dedup::Scope,
    /// Feeds past their fetch, being cleaned or stored: one per cleaning thread and one more, so that
    /// while the writer stores one feed every core can clean another. Fetches wait on the
    /// network in any number (`concurrency`), but a parsed feed and its cleaned batch are
    /// many times the size of the download, so only these few are held in memory at once.
    processing: Arc<tokio::sync::Semaphore>,
    /// Runs going on: the last one to end brings the search index up to date, so that
    /// while feeds follow each other their new articles enter it many feeds at a time.
    running: AtomicUsize,
}

/// One run counted in [`Pipeline::running`], uncounted when it ends or is dropped (a run
/// cancelled at shutdown).
struct Running<'a> {
    count: &'a AtomicUsize,
    ended: bool,
}

impl<'a> Running<'a> {
    fn start(count: &'a AtomicUsize) -> Running<'a> {
        count.fetch_add(1, Ordering::AcqRel);
        Running {
            count,
            ended: false,
        }
    }

    /// Ends the run; true if no other run is going.
    fn end(mut self) -> bool {
        self.ended = true;
        self.count.fetch_sub(1, Ordering::AcqRel) == 1
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if !self.ended {
            self.count.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

impl Pipeline {
    pub fn new(config: &Config, store: Store) -> Result<Pipeline, FetchError> {
        Ok(Pipeline {
            fetcher: Fetcher::new(&config.client)?,
            store,
            rules_of: Arc::new(reprocess::rules_from(config)),
            scope: config.dedup,
            processing: Arc::new(tokio::sync::Semaphore::new(cleaners::threads() + 1)),
            running: AtomicUsize::new(0),
        })
    }

    /// Fetches every feed once within `limits` (global and per host) and returns one result
    /// per feed. A host that answers `Retry-After` is not asked again in this pass.
    pub async fn run_all(&self, feeds: &[FeedConfig], limits: &Limits) -> Vec<FeedRun> {
        let start = Utc::now();
        let runs = feeds.iter().map(|feed| async move {
            let host = limits::host_of(feed);
            let _permits = limits.acquire(host.as_deref()).await;
            if let Some(until) = host
                .as_deref()
                .and_then(|h| limits.paused_until(h, Utc::now()))
            {
                return FeedRun::deferred(feed, until);
            }
            let run = self.run_feed(feed, start).await;
            if let (Some(host), Some(until)) = (&host, run.next.host_waits_until) {
                limits.pause(host, until);
            }
            run
        });
        futures::future::join_all(runs).await
    }

    /// Fetches and stores one feed, and records the result and the next poll's plan on its
    /// row. `start` is when the run was due (its cron tick plus jitter; now for a one-off
    /// fetch): floors on the next poll count from there.
    pub async fn run_feed(&self, feed: &FeedConfig, start: DateTime<Utc>) -> FeedRun {
        let running = Running::start(&self.running);
        let run = self.fetch_and_store(feed, start).await;
        if running.end() {
            self.update_search_index().await;
        }
        run
    }

    /// A failure here loses nothing: the articles stay queued for the next update, and
    /// search makes one first.
    async fn update_search_index(&self) {
        if let Err(error) = self.store.blocking(|s| s.update_search_index()).await {
            tracing::warn!(%error, "new articles are not in the search index yet; the next run adds them");
        }
    }

    async fn fetch_and_store(&self, feed: &FeedConfig, start: DateTime<Utc>) -> FeedRun {
        let name = feed.name.clone();
        let (result, next) = match self.store.blocking(move |s| s.feed_state(&name)).await {
            Ok(state) => match self.try_feed(feed, &state, start).await {
                Ok((outcome, next)) => (Ok(outcome), next),
                Err(error) => {
                    let next = self.record_failure(feed, &state, start, &error).await;
                    (Err(error), next)
                }
            },
            Err(error) => (Err(error.into()), Default::default()),
        };
        FeedRun {
            feed: feed.name.clone(),
            result,
            next,
        }
    }

    async fn record_failure(
        &self,
        feed: &FeedConfig,
        state: &FeedState,
        start: DateTime<Utc>,
        error: &FeedError,
    ) -> NextPoll {
        let answer = Answer::Failed {
            failures: state.consecutive_failures.saturating_add(1),
            status: error.status(),
            retry_after: error.retry_after(),
        };
        let next = plan_next_poll(feed, start, &answer, None);
        let (name, status, message) = (feed.name.clone(), error.status(), error.to_string());
        let written = next.record.clone();
        if let Err(e) = self
            .store
            .blocking(move |s| s.record_failure(&name, status, &message, &written))
            .await
        {
            tracing::error!(feed = %feed.name, error = %e, "cannot record the failure");
        }
        next
    }

    async fn try_feed(
        &self,
        feed: &FeedConfig,
        state: &FeedState,
        start: DateTime<Utc>,
    ) -> Result<(FeedOutcome, NextPoll), FeedError> {
        let moved_to = state.moved_to.as_deref().and_then(|u| Url::parse(u).ok());
        let fetched = match self
            .fetcher
            .fetch(feed, moved_to.as_ref(), &state.validators)
            .await?
        {
            FetchOutcome::NotModified { status, signals } => {
                return self.unchanged(feed, state, start, status, signals).await;
            }
            FetchOutcome::Fetched(fetched) => fetched,
        };
        let body_hash = blake3::hash(&fetched.body).to_hex().to_string();
        if state.body_hash.as_deref() == Some(body_hash.as_str()) {
            let signals = fetched.signals.clone();
            return self
                .unchanged(feed, state, start, fetched.status, signals)
                .await;
        }
        let signals = fetched.signals.clone();
        let _processing = self
            .processing
            .acquire()
            .await
            .map_err(|e| FeedError::Task(e.to_string()))?;
        let name = feed.name.clone();
        let sample = self
            .store
            .blocking(move |s| {
                let mut sample = s.boilerplate_sample(&name, LEARN_SAMPLE)?;
                sample.known = s.raw_hashes(&name)?;
                Ok(sample)
            })
            .await?;
        let rules = feed.rules.clone();
        let max_items = feed.max_items;
        let (mut batch, left_out) =
            cleaners::run(move || prepare_batch(fetched, body_hash, &rules, &sample, max_items))
                .await
                .map_err(|e| FeedError::Task(e.to_string()))??;
        if left_out > 0 {
            tracing::warn!(
                feed = %feed.name,
                kept = batch.items.len(),
                left_out,
                "the feed has more items than `max_items`; kept the newest"
            );
        }
        batch.scope = self.scope;
        let fresh_for = signals.fresh_for.max(batch.ttl);
        let next = plan_next_poll(
            feed,
            start,
            &Answer::Answered { fresh_for },
            signals.moved_to.as_ref(),
        );
        batch.poll = next.record.clone();
        let name = feed.name.clone();
        let items = batch.items.len();
        let report = self
            .store
            .blocking(move |s| s.ingest(&name, &batch))
            .await?;
        if report.newly_learned > 0 {
            self.clean_stored_again(feed).await?;
        }
        Ok((FeedOutcome::Stored { items, report }, next))
    }

    /// New boilerplate was learned: items stored before it was known lose it too.
    async fn clean_stored_again(&self, feed: &FeedConfig) -> Result<(), FeedError> {
        let name = feed.name.clone();
        let rules_of = Arc::clone(&self.rules_of);
        let report = self
            .store
            .blocking(move |s| reprocess::reprocess_feed(s, rules_of.as_ref(), &name, false))
            .await?;
        tracing::info!(
            feed = %feed.name,
            changed = report.changes.len(),
            "learned new boilerplate; stored articles cleaned again"
        );
        Ok(())
    }

    async fn unchanged(
        &self,
        feed: &FeedConfig,
        state: &FeedState,
        start: DateTime<Utc>,
        status: Option<u16>,
        signals: Signals,
    ) -> Result<(FeedOutcome, NextPoll), FeedError> {
        let fresh_for = signals.fresh_for.max(state.ttl);
        let answer = Answer::Answered { fresh_for };
        let next = plan_next_poll(feed, start, &answer, signals.moved_to.as_ref());
        let name = feed.name.clone();
        let written = next.record.clone();
        self.store
            .blocking(move |s| s.record_unchanged(&name, status, &written))
            .await?;
        Ok((FeedOutcome::Unchanged, next))
    }
}

/// The floor on the next poll after `answer`, and the row's record of it: the next run
/// start (tick plus jitter) at or after the floor, and a new permanent location if any.
fn plan_next_poll(
    feed: &FeedConfig,
    start: DateTime<Utc>,
    answer: &Answer,
    moved_to: Option<&Url>,
) -> NextPoll {
    let schedule = Schedule::of(&feed.schedule);
    let now = Utc::now();
    let plan = poll::plan(&schedule, &feed.name, start, now, answer);
    NextPoll {
        record: PollRecord {
            next_poll: poll::next_start(&schedule, &feed.name, now, plan.earliest),
            earliest_poll: plan.earliest,
            earliest_reason: plan.reason,
            moved_to: moved_to.map(Url::to_string),
        },
        host_waits_until: plan.host_waits_until,
    }
}

/// Items sampled from the store, besides the fetched ones, when learning boilerplate.
pub const LEARN_SAMPLE: usize = 50;

/// Parses a fetched body and prepares every item for the store (pure CPU work): keep at most
/// `max_items` (the newest), prune each item, learn the feed's boilerplate from them and the
/// stored `sample`, finish each item. Also returns how many items were left out.
pub fn prepare_batch(
    fetched: Fetched,
    body_hash: String,
    rules: &Rules,
    sample: &BoilerplateSample,
    max_items: usize,
) -> Result<(FeedBatch, usize), ParseError> {
    let mut feed =
        parse::parse_document(&fetched.body, &fetched.url, fetched.content_type.as_deref())?;
    let left_out = parse::bound_items(&mut feed.items, max_items, Utc::now());
    let (items, learned) = prepare_items(feed.items, rules, sample);
    let batch = FeedBatch {
        title: feed.title,
        site_url: feed.site_url,
        status: fetched.status,
        validators: fetched.validators,
        body_hash,
        items,
        learned,
        scope: dedup::Scope::default(),
        ttl: feed.ttl,
        poll: PollRecord::default(),
    };
    Ok((batch, left_out))
}

/// One feed's items, cleaned in the three steps learning needs: prune every item, learn the
/// feed's boilerplate from them and `sample`, finish every item. Items the sample knows with
/// the same raw hash are not cleaned at all (the store only marks them seen; their edge keys
/// are in the sample). Items come out in order, with the patterns to store.
pub fn prepare_items(
    items: Vec<Item>,
    rules: &Rules,
    sample: &BoilerplateSample,
) -> (Vec<IncomingItem>, Vec<LearnedPattern>) {
    let (known, changed): (Vec<_>, Vec<_>) = items
        .into_iter()
        .map(|item| (raw_hash(&item), item))
        .enumerate()
        .partition(|(_, (hash, item))| sample.known.get(&item.guid) == Some(hash));
    let pruned: Vec<(usize, PrunedItem)> = changed
        .into_iter()
        .map(|(at, (hash, item))| (at, prune_hashed(item, hash, rules)))
        .collect();
    let (learned, patterns) = learn_feed(pruned.iter().map(|(_, p)| p), sample);
    let mut done: Vec<(usize, IncomingItem)> = pruned
        .into_iter()
        .map(|(at, p)| (at, p.finish(&learned, rules)))
        .chain(
            known
                .into_iter()
                .map(|(at, (hash, item))| (at, unchanged_item(item, hash))),
        )
        .collect();
    done.sort_unstable_by_key(|(at, _)| *at);
    let mut done: Vec<IncomingItem> = done.into_iter().map(|(_, item)| item).collect();
    set_link_keys(&mut done);
    (done, patterns)
}

/// An item stored before with the same raw hash: what the store needs to mark it seen, and
/// its canonical URL (for the link keys of the others).
fn unchanged_item(item: Item, raw_hash: String) -> IncomingItem {
    let article = ArticleDraft {
        canonical_url: item.link.as_deref().and_then(dedup::canonical_url),
        ..ArticleDraft::default()
    };
    IncomingItem {
        cleaned: false,
        ..incoming(item, raw_hash, article)
    }
}

/// An item as received around the article it makes, before cleaning's findings are added.
fn incoming(item: Item, raw_hash: String, article: ArticleDraft) -> IncomingItem {
    IncomingItem {
        raw_hash,
        truncated: false,
        fired: clean::RuleSet::default(),
        edge_keys: Vec::new(),
        title: article.title.clone(),
        guid: item.guid,
        link: item.link,
        link_key: None,
        author: item.author,
        published: item.published,
        summary_html: item.summary_html,
        content_html: item.content_html,
        cleaned: true,
        article,
    }
}

/// A link identifies an item when it names a story and no other item of the same fetch
/// (another guid) shares it: some feeds point several items at one page.
fn set_link_keys(items: &mut [IncomingItem]) {
    let mut guids_at: HashMap<String, HashSet<&str>> = HashMap::new();
    for item in items.iter() {
        if let Some(url) = &item.article.canonical_url {
            guids_at.entry(url.clone()).or_default().insert(&item.guid);
        }
    }
    let unique: HashSet<String> = guids_at
        .into_iter()
        .filter(|(url, guids)| guids.len() == 1 && dedup::names_a_story(url))
        .map(|(url, _)| url)
        .collect();
    for item in items.iter_mut() {
        item.link_key = item
            .article
            .canonical_url
            .clone()
            .filter(|url| unique.contains(url));
    }
}

/// An item after every cleaning rule but learned boilerplate.
pub struct PrunedItem {
    item: Item,
    raw_hash: String,
    title: String,
    summary: Option<clean::Pruned>,
    content: Option<clean::Pruned>,
}

/// Applies the feed's rules to an item's summary and content.
pub fn prune_item(item: Item, rules: &Rules) -> PrunedItem {
    let hash = raw_hash(&item);
    prune_hashed(item, hash, rules)
}

/// [`prune_item`] for an item whose raw hash is already computed.
fn prune_hashed(item: Item, raw_hash: String, rules: &Rules) -> PrunedItem {
    let title = clean::inline_text(&item.title_html);
    let base = item.link.as_deref().and_then(|l| Url::parse(l).ok());
    let ctx = clean::Context {
        title: &title,
        author: item.author.as_deref(),
        published: item.published,
        base: base.as_ref(),
    };
    let summary = item
        .summary_html
        .as_deref()
        .map(|h| clean::prune(h, &ctx, rules));
    let content = item
        .content_html
        .as_deref()
        .map(|h| clean::prune(h, &ctx, rules));
    PrunedItem {
        item,
        raw_hash,
        title,
        summary,
        content,
    }
}

impl PrunedItem {
    fn edges(&self) -> impl Iterator<Item = (u64, &str)> {
        self.summary
            .iter()
            .chain(&self.content)
            .flat_map(|p| p.edges())
    }

    /// The keys learning counts for this item.
    pub fn keys(&self) -> ItemKeys {
        let mut keys: Vec<u64> = self.edges().map(|(k, _)| k).collect();
        keys.sort_unstable();
        keys.dedup();
        ItemKeys {
            guid: self.item.guid.clone(),
            keys,
        }
    }

    /// Removes learned boilerplate, converts to text and computes the dedup keys.
    pub fn finish(self, learned: &HashSet<u64>, rules: &Rules) -> IncomingItem {
        let keys = self.keys().keys;
        let summary = self
            .summary
            .map(|p| p.finish(learned, rules))
            .unwrap_or_default();
        let content = self
            .content
            .map(|p| p.finish(learned, rules))
            .unwrap_or_default();
        let item = self.item;
        let article = draft(&item, self.title, &summary, &content);
        IncomingItem {
            truncated: summary.truncated || content.truncated,
            fired: summary.fired.union(content.fired),
            edge_keys: keys,
            ..incoming(item, self.raw_hash, article)
        }
    }
}

/// What the feed's items and the stored sample teach: the keys to remove now (new and
/// previously learned) and the patterns to store, each with an example paragraph.
pub fn learn_feed<'a>(
    items: impl Iterator<Item = &'a PrunedItem> + Clone,
    sample: &BoilerplateSample,
) -> (HashSet<u64>, Vec<LearnedPattern>) {
    let mut keys: Vec<ItemKeys> = items.clone().map(PrunedItem::keys).collect();
    let fetched: HashSet<&str> = items.clone().map(|i| i.item.guid.as_str()).collect();
    keys.extend(
        sample
            .recent
            .iter()
            .filter(|k| !fetched.contains(k.guid.as_str()))
            .cloned(),
    );
    let counts = learn::learn(&keys);
    let examples: HashMap<u64, &str> = items.flat_map(PrunedItem::edges).collect();
    let patterns = counts
        .iter()
        .map(|(&key, &items)| LearnedPattern {
            key,
            example: examples.get(&key).copied().unwrap_or("").to_string(),
            items,
        })
        .collect();
    let apply = counts
        .into_keys()
        .chain(sample.learned.iter().copied())
        .collect();
    (apply, patterns)
}

/// The article an item makes: its body is the content, or the summary when there is none.
fn draft(item: &Item, title: String, summary: &Cleaned, content: &Cleaned) -> ArticleDraft {
    let body = if content.text.is_empty() {
        summary
    } else {
        content
    };
    let summary_text = if summary.text.is_empty() {
        clean::excerpt(&content.text, DERIVED_SUMMARY_CHARS)
    } else {
        summary.text.clone()
    };
    let title = if title.is_empty() {
        clean::excerpt(&body.text, 80)
    } else {
        title
    };
    let (fingerprint, profile) = dedup::identify(&body.text);
    ArticleDraft {
        canonical_url: item.link.as_deref().and_then(dedup::canonical_url),
        title,
        author: item.author.clone(),
        published: item.published,
        summary: summary_text,
        content: body.text.clone(),
        content_html: body.html.clone(),
        content_hash: blake3::hash(body.text.as_bytes()).to_hex()[..32].to_string(),
        fingerprint,
        profile,
    }
}

/// Hash of every field as received: an item re-sent unchanged is recognised without cleaning
/// being compared.
fn raw_hash(item: &Item) -> String {
    let mut h = blake3::Hasher::new();
    let published = item.published.map(crate::time::rfc3339);
    for field in [
        Some(item.guid.as_str()),
        item.link.as_deref(),
        Some(item.title_html.as_str()),
        item.author.as_deref(),
        published.as_deref(),
        item.summary_html.as_deref(),
        item.content_html.as_deref(),
    ] {
        h.update(field.unwrap_or("").as_bytes());
        h.update(&[0x1f]);
    }
    h.finalize().to_hex()[..32].to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Vec<Item> {
        let rss = r#"<rss version="2.0"><channel><title>t</title>
            <item><guid>a</guid><link>https://e.com/a</link><title>A</title><description>&lt;p&gt;First story, long enough to read.&lt;/p&gt;</description></item>
            <item><guid>b</guid><link>https://e.com/b</link><title>B</title><description>&lt;p&gt;Second story.&lt;/p&gt;</description></item>
            <item><guid>c</guid><link>https://e.com/c</link><title>C</title><description>&lt;p&gt;Third story.&lt;/p&gt;</description></item>
            </channel></rss>"#;
        let base = Url::parse("https://e.com/feed").unwrap();
        parse::parse_feed(rss.as_bytes(), &base).unwrap().items
    }

    #[test]
    fn items_stored_with_the_same_raw_hash_are_not_cleaned_again() {
        let rules = Rules::default();
        let (first, _) = prepare_items(items(), &rules, &BoilerplateSample::default());
        assert!(first.iter().all(|i| i.cleaned));
        let sample = BoilerplateSample {
            known: HashMap::from([
                ("a".to_string(), first[0].raw_hash.clone()),
                ("c".to_string(), first[2].raw_hash.clone()),
                ("b".to_string(), "an older version".to_string()),
            ]),
            ..BoilerplateSample::default()
        };
        let (again, _) = prepare_items(items(), &rules, &sample);
        let seen: Vec<(&str, bool)> = again.iter().map(|i| (i.guid.as_str(), i.cleaned)).collect();
        assert_eq!(seen, [("a", false), ("b", true), ("c", false)]);
        assert_eq!(again[0].raw_hash, first[0].raw_hash);
        assert_eq!(again[1].article.content, first[1].article.content);
        assert!(again[0].article.content.is_empty());
        // Link keys are decided over the whole fetch, cleaned or not.
        let links: Vec<_> = again.iter().map(|i| i.link_key.clone()).collect();
        let before: Vec<_> = first.iter().map(|i| i.link_key.clone()).collect();
        assert_eq!(links, before);
    }

    #[test]
    fn an_uncleaned_item_the_store_no_longer_holds_fails_the_feed_and_stores_nothing() {
        use crate::store::{Backend, SqliteBackend, StoreError};
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteBackend::open(&dir.path().join("t.db")).unwrap();
        let (mut done, _) =
            prepare_items(items(), &Rules::default(), &BoilerplateSample::default());
        done[1].cleaned = false;
        let batch = |items: Vec<IncomingItem>| FeedBatch {
            title: None,
            site_url: None,
            status: Some(200),
            validators: Default::default(),
            body_hash: "h".into(),
            items,
            learned: Vec::new(),
            scope: dedup::Scope::default(),
            ttl: None,
            poll: PollRecord::default(),
        };
        let stale = store.ingest("f", &batch(done.clone()));
        assert!(
            matches!(&stale, Err(StoreError::Stale { guid }) if guid == "b"),
            "{stale:?}"
        );
        assert!(store.raw_hashes("f").unwrap().is_empty());
        done[1].cleaned = true;
        let stored = store.ingest("f", &batch(done)).unwrap();
        assert_eq!(stored.unchanged, 0);
        assert_eq!(store.raw_hashes("f").unwrap().len(), 3);
    }
}
