//! The bench's three workloads (ingest beside other tools, idle daemon, clean only) and
//! their Markdown reports.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::Args;
use crate::corpus::{self, Edition, Shape};
use crate::files::{files_under, read_maybe_gzipped};
use crate::floor::{self, Floor};
use crate::measure::{self, Run};
use crate::server::{Served, Server};
use crate::tools::{self, Tool};

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

/// Kernel, CPU model and core count: what the figures were measured on.
pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!("Machine: {cores} cores, {cpu}, Linux {}", kernel.trim())
}

pub fn corpus_and_server(args: &Args, work: &Path) -> Result<Server> {
    let dir = work.join("corpus");
    let shape = Shape {
        feeds: args.feeds,
        items: args.items,
        seed: args.seed,
    };
    let started = Instant::now();
    let written = corpus::generate(&dir, shape, Edition::First)?;
    let later = Edition::Later {
        new: args.new_items,
    };
    let later_written = corpus::generate(&dir, shape, later)?;
    println!(
        "Corpus: {} feeds x {} items (seed {}), {} items of which {} cross-feed copies; \
         {:.1} MB of XML, {:.1} MB gzipped. Later edition (the changed re-poll): {} new \
         items a feed, {:.1} MB of XML. Generated in {:.1} s\n",
        shape.feeds,
        shape.items,
        shape.seed,
        written.items,
        written.copies,
        written.xml_bytes as f64 / 1e6,
        written.gzip_bytes as f64 / 1e6,
        args.new_items,
        later_written.xml_bytes as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    Ok(Server::start(&dir, shape.feeds, later)?)
}

/// The medians of one tool's cold, warm and changed passes.
struct Ingest {
    name: &'static str,
    version: String,
    cold: Run,
    warm: Run,
    changed: Run,
    warm_served: Served,
    changed_served: Served,
    stored: Option<Stored>,
    /// feedsift's only: its rows written again by SQLite alone (median run).
    floor: Option<Floor>,
}

#[derive(Clone, Copy)]
struct Stored {
    articles: i64,
    items: i64,
    db_bytes: u64,
}

pub fn ingest(args: &Args, work: &Path, server: &Server, feedsift: &Path) -> Result<()> {
    let urls: Vec<String> = (0..args.feeds).map(|i| server.url(i, false)).collect();
    let floor = measure::run(&mut Command::new("true"))?;
    let mut results = Vec::new();
    for tool in tools::all() {
        let wanted = tool.name == "feedsift" || args.rivals.iter().any(|r| r == tool.name);
        if !wanted {
            continue;
        }
        if !tool.installed() {
            println!("{}: not installed, skipped", tool.name);
            continue;
        }
        eprintln!("ingest: {} ...", tool.name);
        results.push(ingest_tool(
            &tool, args.runs, work, server, &urls, feedsift,
        )?);
    }
    print_ingest(&results, args.feeds * args.items, floor);
    Ok(())
}

fn ingest_tool(
    tool: &Tool,
    runs: usize,
    work: &Path,
    server: &Server,
    urls: &[String],
    feedsift: &Path,
) -> Result<Ingest> {
    let (mut colds, mut warms, mut changeds) = (Vec::new(), Vec::new(), Vec::new());
    let (mut warm_served, mut changed_served) = (Served::default(), Served::default());
    let (mut stored, mut floors) = (None, Vec::new());
    for run in 0..runs.max(1) {
        let state = work.join(format!("{}-{run}", tool.name));
        let _ = std::fs::remove_dir_all(&state);
        tool.setup(&state, urls)?;
        server.serve_first();
        let cold = measure::run(&mut tool.command(&state, feedsift))?;
        let before = server.served();
        let warm = measure::run(&mut tool.command(&state, feedsift))?;
        warm_served = server.served().since(before);
        if tool.name == "feedsift" {
            let db = tools::feedsift_db(&state);
            stored = Some(stored_of(&db)?);
            floors.push(floor::measure(&db, &work.join("floor.db"))?);
        }
        server.serve_later();
        let before = server.served();
        let changed = measure::run(&mut tool.command(&state, feedsift))?;
        changed_served = server.served().since(before);
        server.serve_first();
        eprintln!(
            "  run {}: cold {:.2} s{}, warm {:.2} s{}, changed {:.2} s{}",
            run + 1,
            cold.wall,
            failed(cold),
            warm.wall,
            failed(warm),
            changed.wall,
            failed(changed),
        );
        colds.push(cold);
        warms.push(warm);
        changeds.push(changed);
        std::fs::remove_dir_all(&state)?;
    }
    Ok(Ingest {
        name: tool.name,
        version: tool.version(feedsift),
        cold: measure::median(&colds),
        warm: measure::median(&warms),
        changed: measure::median(&changeds),
        warm_served,
        changed_served,
        stored,
        floor: (!floors.is_empty()).then(|| floor::median(&floors)),
    })
}

fn failed(run: Run) -> &'static str {
    if run.ok { "" } else { " (exit status not 0)" }
}

fn stored_of(db: &Path) -> Result<Stored> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let count = |table: &str| -> rusqlite::Result<i64> {
        conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
    };
    let bytes = |suffix: &str| {
        std::fs::metadata(format!("{}{suffix}", db.display())).map_or(0, |m| m.len())
    };
    Ok(Stored {
        articles: count("articles")?,
        items: count("items")?,
        db_bytes: bytes("") + bytes("-wal"),
    })
}

fn print_ingest(results: &[Ingest], items: usize, floor: Run) {
    println!("## Ingest (medians)\n");
    println!(
        "| tool | cold wall s | items/s | cold CPU s | peak RSS MB | warm wall s | warm CPU s | warm answers |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---|");
    for r in results {
        println!(
            "| {} | {:.2} | {:.0} | {:.2} | {:.1} | {:.2} | {:.2} | {} x 304, {} x 200 |{}",
            r.version,
            r.cold.wall,
            items as f64 / r.cold.wall,
            r.cold.cpu,
            r.cold.peak_rss_mb,
            r.warm.wall,
            r.warm.cpu,
            r.warm_served.not_modified,
            r.warm_served.full,
            if r.cold.ok && r.warm.ok {
                ""
            } else {
                " (a run failed)"
            }
        );
    }
    print_changed(results);
    println!(
        "\nPeak RSS is never below the bench process's own, copied at the fork (wait4 keeps the larger): `true` shows {:.1} MB.",
        floor.peak_rss_mb
    );
    if let Some(ours) = results.iter().find(|r| r.name == "feedsift") {
        if let Some(s) = ours.stored {
            println!(
                "\nfeedsift stored {} articles from {} items; database {:.1} MB, {} bytes per article.",
                s.articles,
                s.items,
                s.db_bytes as f64 / 1e6,
                s.db_bytes / s.articles.max(1) as u64
            );
        }
        print_ratios(ours, results);
        if let Some(f) = ours.floor {
            print_floor(f, results);
        }
    }
}

/// The storage floor beside every tool's cold pass.
fn print_floor(f: Floor, results: &[Ingest]) {
    println!("Storage floor: the rows feedsift stored, written again by SQLite alone in one");
    println!("transaction, the full-text index built in one rebuild, each followed by a");
    println!("checkpoint (median run):\n");
    println!("| phase | wall s | CPU s |");
    println!("|---|---:|---:|");
    for (phase, p) in [
        ("rows", f.rows),
        ("full-text index", f.index),
        ("checkpoints", f.checkpoint),
    ] {
        println!("| {phase} | {:.2} | {:.2} |", p.wall, p.cpu);
    }
    println!(
        "\nOne writer needs at least the rows and the index: {:.2} s.\n",
        f.writer_wall()
    );
    println!("| writer floor / tool's cold wall time | ratio |");
    println!("|---|---:|");
    for r in results {
        println!("| {} | {:.3} |", r.name, f.writer_wall() / r.cold.wall);
    }
    println!();
}

/// The changed re-poll: the later edition, right after the warm pass.
fn print_changed(results: &[Ingest]) {
    println!("\nChanged re-poll (every feed with new items on top and as many old ones gone):\n");
    println!("| tool | changed wall s | changed CPU s | peak RSS MB | answers |");
    println!("|---|---:|---:|---:|---|");
    for r in results {
        println!(
            "| {} | {:.2} | {:.2} | {:.1} | {} x 304, {} x 200 |{}",
            r.version,
            r.changed.wall,
            r.changed.cpu,
            r.changed.peak_rss_mb,
            r.changed_served.not_modified,
            r.changed_served.full,
            failed(r.changed),
        );
    }
}

fn print_ratios(ours: &Ingest, results: &[Ingest]) {
    println!(
        "\n| feedsift / tool | cold wall | cold CPU | warm wall | warm CPU | changed wall | changed CPU | peak RSS |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in results.iter().filter(|r| r.name != "feedsift") {
        println!(
            "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            r.name,
            ours.cold.wall / r.cold.wall,
            ours.cold.cpu / r.cold.cpu,
            ours.warm.wall / r.warm.wall,
            ours.warm.cpu / r.warm.cpu.max(0.001),
            ours.changed.wall / r.changed.wall,
            ours.changed.cpu / r.changed.cpu.max(0.001),
            ours.cold.peak_rss_mb / r.cold.peak_rss_mb
        );
    }
    println!();
}

/// The daemon with `feeds` one-item feeds: first pass, then CPU and memory while it waits.
pub fn idle(args: &Args, work: &Path, server: &Server, feedsift: &Path) -> Result<()> {
    println!("## Idle daemon (default schedule, one-item feeds answered 304 on re-poll)\n");
    println!(
        "| feeds | first pass s | CPU s in window | CPU s per hour | RSS MB | peak RSS MB | requests in window |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    for &feeds in &args.idle_feeds {
        eprintln!("idle: {feeds} feeds ...");
        let state = work.join(format!("idle-{feeds}"));
        let _ = std::fs::remove_dir_all(&state);
        let urls: Vec<String> = (0..feeds).map(|i| server.url(i, true)).collect();
        tools::all()[0].setup(&state, &urls)?;
        let mut daemon = Command::new(feedsift)
            .arg("--config")
            .arg(state.join("feeds.toml"))
            .arg("run")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let pid = daemon.id();
        let started = Instant::now();
        let db = tools::feedsift_db(&state);
        let done = measure::wait_until(Duration::from_secs(900), || {
            fetched_feeds(&db) >= feeds as i64
        });
        let first_pass = started.elapsed().as_secs_f64();
        std::thread::sleep(Duration::from_secs(5));
        let (cpu_before, served_before) = (measure::process_cpu(pid), server.served());
        let window = Instant::now();
        std::thread::sleep(Duration::from_secs(args.idle_seconds));
        let cpu = measure::process_cpu(pid) - cpu_before;
        let elapsed = window.elapsed().as_secs_f64();
        let served = server.served().since(served_before);
        let (rss, peak) = measure::process_memory_mb(pid);
        let _ = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status();
        let _ = daemon.wait();
        println!(
            "| {feeds} | {first_pass:.1}{} | {cpu:.2} | {:.2} | {rss:.1} | {peak:.1} | {} |",
            if done { "" } else { " (not all fetched)" },
            cpu / elapsed * 3600.0,
            served.full + served.not_modified
        );
        std::fs::remove_dir_all(&state)?;
    }
    println!();
    Ok(())
}

fn fetched_feeds(db: &Path) -> i64 {
    rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM feeds WHERE last_success_at IS NOT NULL",
                [],
                |r| r.get(0),
            )
        })
        .unwrap_or(0)
}

/// One kind of HTML from the corpus, cleaned as ingest cleans it.
struct Documents {
    label: &'static str,
    html: Vec<String>,
}

pub fn clean(corpus: &Path) {
    if !corpus.is_dir() {
        println!(
            "## Clean only\n\nskipped: {} is not there (give --corpus)\n",
            corpus.display()
        );
        return;
    }
    println!("## Clean only (`clean::clean_fragment`, text and sanitized HTML)\n");
    println!("| HTML | documents | MB | passes | CPU s | MB per CPU s |");
    println!("|---|---:|---:|---:|---:|---:|");
    for docs in [pages(corpus), feed_items(corpus)] {
        let bytes: usize = docs.html.iter().map(String::len).sum();
        let (mut passes, started) = (0, measure::thread_cpu());
        while passes == 0 || measure::thread_cpu() - started < 3.0 {
            for html in &docs.html {
                std::hint::black_box(feedsift::clean::clean_fragment(html, None));
            }
            passes += 1;
        }
        let cpu = measure::thread_cpu() - started;
        let mb = bytes as f64 / 1e6;
        println!(
            "| {} | {} | {mb:.1} | {passes} | {cpu:.2} | {:.1} |",
            docs.label,
            docs.html.len(),
            mb * passes as f64 / cpu
        );
    }
    println!();
}

/// Whole article pages of the extraction benchmarks (the hardest input clean gets).
fn pages(corpus: &Path) -> Documents {
    let mut html = Vec::new();
    for path in files_under(&corpus.join("extraction")) {
        let name = path.to_string_lossy();
        let is_page = (name.ends_with(".html") || name.ends_with(".html.gz"))
            && !name.ends_with("expected.html");
        if let Some(bytes) = is_page.then(|| read_maybe_gzipped(&path)).flatten() {
            html.push(String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    Documents {
        label: "article pages (extraction/)",
        html,
    }
}

/// The content (else summary) HTML of every item of every feed in the corpus.
fn feed_items(corpus: &Path) -> Documents {
    let base = url::Url::parse("https://example.com/").expect("static URL");
    let mut html = Vec::new();
    for path in files_under(&corpus.join("feeds")) {
        let Some(feed) =
            read_maybe_gzipped(&path).and_then(|b| feedsift::parse::parse_feed(&b, &base).ok())
        else {
            continue;
        };
        html.extend(
            feed.items
                .into_iter()
                .filter_map(|i| i.content_html.or(i.summary_html)),
        );
    }
    Documents {
        label: "feed items (feeds/)",
        html,
    }
}
