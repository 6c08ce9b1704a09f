//! Runs the steps in order for one feed: fetch -> parse -> clean -> dedup keys -> store, and
//! for many feeds at once (bounded). A failing feed is recorded on its own row and reported
//! to the caller; it never stops the others.
//!
//! Parsing and cleaning are CPU work and the store is blocking, so both run on tokio's
//! blocking pool; only the fetch itself runs on the async workers.

use futures::StreamExt;
use url::Url;

use crate::clean;
use crate::config::{Config, FeedConfig};
use crate::dedup;
use crate::fetch::{FetchError, FetchOutcome, Fetched, Fetcher};
use crate::parse::{self, Item, ParseError};
use crate::store::{ArticleDraft, FeedBatch, IncomingItem, IngestReport, Store, StoreError};

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
    fn status(&self) -> Option<u16> {
        match self {
            FeedError::Fetch(e) => e.status(),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedOutcome {
    /// Nothing new: 304, an unchanged file, or a body identical to the last one.
    Unchanged,
    Stored {
        items: usize,
        report: IngestReport,
    },
}

#[derive(Debug)]
pub struct FeedRun {
    pub feed: String,
    pub result: Result<FeedOutcome, FeedError>,
}

/// Longest summary derived from the content when the feed gives none.
const DERIVED_SUMMARY_CHARS: usize = 300;

pub struct Pipeline {
    fetcher: Fetcher,
    store: Store,
}

impl Pipeline {
    pub fn new(config: &Config, store: Store) -> Result<Pipeline, FetchError> {
        Ok(Pipeline {
            fetcher: Fetcher::new(&config.client)?,
            store,
        })
    }

    /// Fetches every feed once, `concurrency` at a time, and returns one result per feed.
    pub async fn run_all(&self, feeds: &[FeedConfig], concurrency: usize) -> Vec<FeedRun> {
        futures::stream::iter(feeds)
            .map(|feed| async move {
                FeedRun {
                    feed: feed.name.clone(),
                    result: self.run_feed(feed).await,
                }
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await
    }

    /// Fetches and stores one feed; a failure is also recorded on the feed's row.
    pub async fn run_feed(&self, feed: &FeedConfig) -> Result<FeedOutcome, FeedError> {
        let result = self.try_feed(feed).await;
        if let Err(error) = &result {
            let (name, status, message) = (feed.name.clone(), error.status(), error.to_string());
            if let Err(e) = self
                .store
                .blocking(move |s| s.record_failure(&name, status, &message))
                .await
            {
                tracing::error!(feed = %feed.name, error = %e, "cannot record the failure");
            }
        }
        result
    }

    async fn try_feed(&self, feed: &FeedConfig) -> Result<FeedOutcome, FeedError> {
        let name = feed.name.clone();
        let state = self.store.blocking(move |s| s.feed_state(&name)).await?;
        let fetched = match self.fetcher.fetch(feed, &state.validators).await? {
            FetchOutcome::NotModified { status } => return self.unchanged(feed, status).await,
            FetchOutcome::Fetched(fetched) => fetched,
        };
        let body_hash = blake3::hash(&fetched.body).to_hex().to_string();
        if state.body_hash.as_deref() == Some(body_hash.as_str()) {
            return self.unchanged(feed, fetched.status).await;
        }
        let batch = tokio::task::spawn_blocking(move || prepare_batch(fetched, body_hash))
            .await
            .map_err(|e| FeedError::Task(e.to_string()))??;
        let name = feed.name.clone();
        let items = batch.items.len();
        let report = self
            .store
            .blocking(move |s| s.ingest(&name, &batch))
            .await?;
        Ok(FeedOutcome::Stored { items, report })
    }

    async fn unchanged(
        &self,
        feed: &FeedConfig,
        status: Option<u16>,
    ) -> Result<FeedOutcome, FeedError> {
        let name = feed.name.clone();
        self.store
            .blocking(move |s| s.record_unchanged(&name, status))
            .await?;
        Ok(FeedOutcome::Unchanged)
    }
}

/// Parses a fetched body and prepares every item for the store (pure CPU work).
pub fn prepare_batch(fetched: Fetched, body_hash: String) -> Result<FeedBatch, ParseError> {
    let feed = parse::parse_feed(&fetched.body, &fetched.url)?;
    Ok(FeedBatch {
        title: feed.title,
        site_url: feed.site_url,
        status: fetched.status,
        validators: fetched.validators,
        body_hash,
        items: feed.items.into_iter().map(prepare_item).collect(),
    })
}

/// Cleans one item and computes its dedup keys.
pub fn prepare_item(item: Item) -> IncomingItem {
    let base = item.link.as_deref().and_then(|l| Url::parse(l).ok());
    let summary = item
        .summary_html
        .as_deref()
        .map(|h| clean::clean_fragment(h, base.as_ref()))
        .unwrap_or_default();
    let content = item
        .content_html
        .as_deref()
        .map(|h| clean::clean_fragment(h, base.as_ref()))
        .unwrap_or_default();
    let body = if content.text.is_empty() {
        &summary
    } else {
        &content
    };
    let summary_text = if summary.text.is_empty() {
        clean::excerpt(&content.text, DERIVED_SUMMARY_CHARS)
    } else {
        summary.text.clone()
    };
    let mut title = clean::inline_text(&item.title_html);
    if title.is_empty() {
        title = clean::excerpt(&body.text, 80);
    }
    let article = ArticleDraft {
        canonical_url: item.link.as_deref().and_then(dedup::canonical_url),
        title: title.clone(),
        author: item.author.clone(),
        published: item.published,
        summary: summary_text,
        content: body.text.clone(),
        content_html: body.html.clone(),
        content_hash: blake3::hash(body.text.as_bytes()).to_hex()[..32].to_string(),
        fingerprint: dedup::fingerprint(&body.text),
    };
    IncomingItem {
        raw_hash: raw_hash(&item),
        guid: item.guid,
        link: item.link,
        title,
        author: item.author,
        published: item.published,
        summary_html: item.summary_html,
        content_html: item.content_html,
        article,
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
