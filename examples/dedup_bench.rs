//! Cost of deduplication as the database grows: fills a fresh database with N synthetic
//! articles, then times the ingest of 1,000 new stories and of 1,000 near copies of stored
//! ones (each a full dedup lookup: URL, fingerprint, LSH keys, verification).
//!
//! cargo run --release --example dedup_bench -- 100000 1000000
//!
//! The database goes to $TMPDIR; sizes and times are printed as a Markdown table row per N.

#[path = "support/fill.rs"]
mod fill;
#[path = "../tests/common/synth.rs"]
mod synth;

use std::time::Instant;

use feedsift::store::{IncomingItem, Store};

use fill::{feed_batch, story};

fn incoming(guid: &str, text: String) -> IncomingItem {
    fill::incoming(guid, text, None, false)
}

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
