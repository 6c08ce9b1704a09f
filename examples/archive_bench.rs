//! The database as an archive: fills a database with N synthetic articles (default 100,000)
//! from 100 feeds, with raw and sanitized HTML as real feeds leave them, then measures
//! export speed (NDJSON and HTML, written to nowhere), search latency, and bytes per article.
//!
//! cargo run --release --example archive_bench -- 100000 [DB]
//!
//! With DB given, an existing file of at least N articles is reused (filling 100,000 takes a
//! few minutes); otherwise the database goes to $TMPDIR and is removed afterwards.

#[path = "support/fill.rs"]
mod fill;
#[path = "../tests/common/synth.rs"]
mod synth;

use std::path::PathBuf;
use std::time::Instant;

use feedsift::export::{self, Format, Output};
use feedsift::store::{ArticleFilter, ExportPlan, Order, Store};

const FEEDS: usize = 100;
const BATCH: usize = 50;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let target: usize = args.next().map_or(Ok(100_000), |a| a.parse())?;
    let temp = tempfile::tempdir()?;
    let path = args
        .next()
        .map_or_else(|| temp.path().join("archive.db"), PathBuf::from);
    let store = Store::open(&path)?;
    fill(&store, target)?;
    let stats = store.stats()?;
    println!(
        "articles {}, items {}, database {:.1} MB, {} bytes per article (text+HTML {} B, raw HTML {} B per article)",
        stats.articles,
        stats.items,
        stats.database_bytes as f64 / 1e6,
        stats.database_bytes / stats.articles.max(1),
        stats.text_bytes / stats.articles.max(1),
        stats.raw_bytes / stats.articles.max(1),
    );
    for format in [Format::Ndjson, Format::Html, Format::Csv, Format::Atom] {
        let plan = ExportPlan::default();
        let mut sink = std::io::BufWriter::new(std::io::sink());
        let t = Instant::now();
        let n = export::export(&store, &plan, format, Output::Writer(&mut sink), None)?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "export {format:?}: {n} articles in {secs:.2} s = {:.0} articles/s",
            n as f64 / secs
        );
    }
    search_latency(&store)?;
    Ok(())
}

/// Adds articles until the database holds `target`, in feed-sized batches.
fn fill(store: &Store, target: usize) -> Result<(), Box<dyn std::error::Error>> {
    let have = store.summary()?.articles as usize;
    if have >= target {
        return Ok(());
    }
    let vocab = synth::Vocabulary::new(20_000);
    let mut rng = synth::Rng::new(have as u64 + 7);
    let t = Instant::now();
    let mut stored = have;
    while stored < target {
        let n = BATCH.min(target - stored);
        let items = (0..n)
            .map(|i| {
                let text = fill::story(&vocab, &mut rng);
                let day = (rng.below(730)) as i64;
                fill::incoming(&format!("a{}", stored + i), text, Some(day), true)
            })
            .collect();
        let feed = format!("feed{:02}", (stored / BATCH) % FEEDS);
        store.ingest(&feed, &fill::feed_batch(items))?;
        stored += n;
    }
    eprintln!(
        "filled {} articles in {:.0} s",
        stored - have,
        t.elapsed().as_secs_f64()
    );
    Ok(())
}

fn search_latency(store: &Store) -> Result<(), Box<dyn std::error::Error>> {
    let vocab = synth::Vocabulary::new(20_000);
    let mut rng = synth::Rng::new(99);
    let sentence = vocab.sentence(&mut rng);
    let words: Vec<&str> = sentence.split_whitespace().collect();
    let phrase = format!("\"{}\"", words[..2.min(words.len())].join(" "));
    let prefix = format!("{}*", &words[0][..3.min(words[0].len())]);
    let queries = [
        words[0].to_string(),
        format!("{} {}", words[0], words[words.len() - 1]),
        phrase,
        prefix,
        format!("{} OR {}", words[1.min(words.len() - 1)], words[0]),
    ];
    for query in &queries {
        let mut times = Vec::new();
        let mut hits = 0;
        for _ in 0..9 {
            let filter = ArticleFilter {
                query: Some(query.clone()),
                limit: Some(20),
                order: Order::Relevance,
                ..ArticleFilter::default()
            };
            let t = Instant::now();
            hits = store.search(&filter)?.len();
            times.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "search {query:<28} {hits:>2} hits, median {:.1} ms, max {:.1} ms",
            times[times.len() / 2],
            times[times.len() - 1]
        );
    }
    Ok(())
}
