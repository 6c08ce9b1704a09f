//! The benchmark: `cargo bench --bench bench [-- OPTIONS]` (docs/performance.md).
//!
//! 1. Generates a deterministic corpus (500 feeds x 50 WordPress-like items by default) and
//!    serves it on loopback with ETag, Last-Modified and gzip.
//! 2. Ingest: for feedsift and every installed rival (newsboat, sfeed, feed2exec, rss2email),
//!    a cold pass on an empty state, a warm pass (all 304) right after, and a changed pass
//!    (every feed with `--new-items` new items), `--runs` times; medians of wall time, CPU
//!    seconds and peak RSS, and the ratios of feedsift to each. After each cold pass, the
//!    storage floor: SQLite alone writing the same rows again (`support/floor.rs`).
//! 3. Idle: `feedsift run` with 1,000 and 10,000 one-item feeds configured, its CPU time over
//!    `--idle-seconds` after the first pass, and its memory.
//! 4. Clean: `clean::clean_fragment` over the HTML of `../shared/corpus` (article pages and
//!    feed items), in MB of HTML per CPU second.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "../tests/common/files.rs"]
mod files;
#[path = "support/floor.rs"]
mod floor;
#[path = "support/measure.rs"]
mod measure;
#[path = "support/server.rs"]
mod server;
#[path = "../tests/common/synth.rs"]
mod synth;
#[path = "support/tools.rs"]
mod tools;
#[path = "support/workloads.rs"]
mod workloads;

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(about = "feedsift's benchmark: ingest beside other aggregators, idle daemon, clean")]
pub struct Args {
    /// Feeds in the synthetic corpus.
    #[arg(long, default_value_t = 500)]
    feeds: usize,
    /// Items per feed.
    #[arg(long, default_value_t = 50)]
    items: usize,
    /// New items per feed in the later edition, for the changed re-poll.
    #[arg(long, default_value_t = 2)]
    new_items: usize,
    /// Runs of each measurement; the report gives medians.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Seed of the corpus.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Tools run beside feedsift where installed (comma-separated, or "none").
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "newsboat,sfeed,feed2exec,rss2email"
    )]
    rivals: Vec<String>,
    /// Parts to run (comma-separated).
    #[arg(long, value_delimiter = ',', default_value = "ingest,idle,clean")]
    only: Vec<String>,
    /// Feed counts for the idle daemon.
    #[arg(long, value_delimiter = ',', default_value = "1000,10000")]
    idle_feeds: Vec<usize>,
    /// Seconds of idle CPU measured per feed count.
    #[arg(long, default_value_t = 60)]
    idle_seconds: u64,
    /// The corpus for the clean throughput.
    #[arg(long, default_value = "../shared/corpus")]
    corpus: PathBuf,
    /// Folder for the corpus and the tools' state (default: a temporary folder).
    #[arg(long)]
    work: Option<PathBuf>,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, hide = true)]
    bench: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = Args::parse();
    // SQLite's heap as feedsift sets it, for the storage floor written in this process.
    feedsift::store::use_private_heap();
    let temp = tempfile::tempdir()?;
    let work = args
        .work
        .clone()
        .unwrap_or_else(|| temp.path().to_path_buf());
    let feedsift = PathBuf::from(env!("CARGO_BIN_EXE_feedsift"));
    let part = |name: &str| args.only.iter().any(|p| p == name);
    println!("# feedsift bench\n");
    println!("{}", workloads::machine());
    if part("ingest") || part("idle") {
        let server = workloads::corpus_and_server(&args, &work)?;
        if part("ingest") {
            workloads::ingest(&args, &work, &server, &feedsift)?;
        }
        if part("idle") {
            workloads::idle(&args, &work, &server, &feedsift)?;
        }
    }
    if part("clean") {
        workloads::clean(&args.corpus);
    }
    Ok(())
}
