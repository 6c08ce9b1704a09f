//! Cost of deduplication as the database grows: fills a fresh database with N synthetic
//! articles, then times the ingest of 1,000 new stories and of 1,000 near copies of stored
//! ones (each a full dedup lookup: URL, fingerprint, LSH keys, verification).
//!
//! cargo run --release --example dedup_bench -- 100000 1000000
//!
//! The database goes to $TMPDIR; sizes and times are printed as a Markdown table row per N.

#[path = "../tests/common/synth.rs"]
mod synth;

use std::time::Instant;

use feedsift::dedup::{self, Scope};
use feedsift::fetch::Validators;
use feedsift::store::{ArticleDraft, FeedBatch, IncomingItem, Store};

const BATCH: usize = 1000;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let sizes = if sizes.is_empty() {
        vec![10_000, 100_000]
    } else {
        sizes
    };
    let vocab = synth::Vocabulary::new(20_000);
    let mut rng = synth::Rng::new(1);
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("bench.db"))?;
    println!(
        "| stored articles | new story, ms per item | near copy, ms per item | merged | db MB |"
    );
    println!("|---:|---:|---:|---:|---:|");
    let mut stored = 0;
    let mut texts: Vec<String> = Vec::new();
    for &target in &sizes {
        while stored < target {
            let n = BATCH.min(target - stored);
            let batch: Vec<IncomingItem> = (0..n)
                .map(|i| {
                    let text = story(&vocab, &mut rng);
                    // Reservoir sampling: BATCH stored texts, uniform over the whole store.
                    let seen = stored + i;
                    if texts.len() < BATCH {
                        texts.push(text.clone());
                    } else if rng.below(seen + 1) < BATCH {
                        let slot = rng.below(BATCH);
                        texts[slot] = text.clone();
                    }
                    incoming(&format!("fill-{}", stored + i), text)
                })
                .collect();
            store.ingest(&format!("feed{}", stored / 50_000), &feed_batch(batch))?;
            stored += n;
        }
        let new: Vec<IncomingItem> = (0..BATCH)
            .map(|i| incoming(&format!("new-{target}-{i}"), story(&vocab, &mut rng)))
            .collect();
        let t = Instant::now();
        store.ingest(&format!("probe-new-{target}"), &feed_batch(new))?;
        let new_ms = t.elapsed().as_secs_f64() * 1000.0 / BATCH as f64;
        let copies: Vec<IncomingItem> = (0..BATCH)
            .map(|i| {
                let original = &texts[i % texts.len()];
                let edited =
                    format!("{original}\n\nSyndicated by the Metro Wire; all rights reserved.");
                incoming(&format!("copy-{target}-{i}"), edited)
            })
            .collect();
        let t = Instant::now();
        // A feed of its own per size: two posts of one feed under distinct URLs never merge.
        let report = store.ingest(&format!("probe-copy-{target}"), &feed_batch(copies))?;
        let copy_ms = t.elapsed().as_secs_f64() * 1000.0 / BATCH as f64;
        let bytes = std::fs::metadata(dir.path().join("bench.db"))?.len()
            + std::fs::metadata(dir.path().join("bench.db-wal")).map_or(0, |m| m.len());
        println!(
            "| {target} | {new_ms:.3} | {copy_ms:.3} | {} of {BATCH} | {} |",
            report.merged,
            bytes / 1_000_000
        );
        stored += 2 * BATCH;
    }
    Ok(())
}

/// 150-400 words: the length of a typical feed item's text.
fn story(vocab: &synth::Vocabulary, rng: &mut synth::Rng) -> String {
    let paragraphs = rng.range(3, 6);
    (0..paragraphs)
        .map(|_| vocab.paragraph(rng))
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn incoming(guid: &str, text: String) -> IncomingItem {
    let article = ArticleDraft {
        canonical_url: Some(format!("https://bench.example/{guid}")),
        title: guid.to_string(),
        author: None,
        published: None,
        summary: String::new(),
        content_html: String::new(),
        content_hash: blake3::hash(text.as_bytes()).to_hex()[..32].to_string(),
        fingerprint: dedup::fingerprint(&text),
        content: text,
    };
    IncomingItem {
        guid: guid.to_string(),
        link: article.canonical_url.clone(),
        link_key: article.canonical_url.clone(),
        title: guid.to_string(),
        author: None,
        published: None,
        summary_html: None,
        content_html: None,
        raw_hash: guid.to_string(),
        truncated: false,
        edge_keys: Vec::new(),
        fired: Default::default(),
        article,
    }
}

fn feed_batch(items: Vec<IncomingItem>) -> FeedBatch {
    FeedBatch {
        title: None,
        site_url: None,
        status: Some(200),
        validators: Validators::default(),
        body_hash: String::new(),
        items,
        learned: Vec::new(),
        scope: Scope::AcrossFeeds,
        ttl: None,
        poll: Default::default(),
    }
}
