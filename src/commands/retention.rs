//! `prune` and `stats`: retention run by hand, and what fills the database.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use feedsift::store::{FeedRetention, PruneReport, Stats};

use super::{existing_database, load_config};
use crate::cli::{Cli, ListFormat};

pub fn prune(cli: &Cli, dry_run: bool, vacuum: bool) -> Result<ExitCode> {
    let config = load_config(cli)?;
    let policies = FeedRetention::of_feeds(&config.feeds);
    if policies.is_empty() {
        eprintln!(
            "no feed has `keep`, `keep_raw` or `max_articles_per_feed`; nothing to prune (see docs/config.md)"
        );
        return Ok(ExitCode::SUCCESS);
    }
    let store = existing_database(cli)?;
    let before = store.stats()?.database_bytes;
    let report = store.prune(&policies, dry_run)?;
    print_report(&report, dry_run);
    if vacuum {
        store.vacuum()?;
        let after = store.stats()?.database_bytes;
        eprintln!("database file: {} -> {}", bytes(before), bytes(after));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &PruneReport, dry_run: bool) {
    let verb = if dry_run { "would delete" } else { "deleted" };
    for feed in &report.feeds {
        eprintln!(
            "{}: {} items past retention, {} articles {verb}, raw HTML {} {} items",
            feed.feed,
            feed.expired_items,
            feed.articles,
            if dry_run {
                "would be dropped from"
            } else {
                "dropped from"
            },
            feed.raw_dropped
        );
    }
    eprintln!(
        "{verb} {} articles and {} items{}",
        report.articles,
        report.items,
        if dry_run {
            " (dry run: nothing changed)"
        } else {
            ""
        }
    );
}

pub fn stats(cli: &Cli, format: ListFormat) -> Result<ExitCode> {
    let store = existing_database(cli)?;
    let stats = store.stats()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &stats)?;
            writeln!(out)?;
        }
        ListFormat::Text => write_stats(&mut out, &stats)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_stats(out: &mut impl Write, s: &Stats) -> std::io::Result<()> {
    let per_article = if s.articles > 0 {
        bytes(s.database_bytes / s.articles)
    } else {
        "-".to_string()
    };
    writeln!(
        out,
        "database  {} ({} free), {} articles, {} items, {per_article} per article",
        bytes(s.database_bytes),
        bytes(s.free_bytes),
        s.articles,
        s.items
    )?;
    writeln!(
        out,
        "content   {} clean text and HTML, {} raw item HTML\n",
        bytes(s.text_bytes),
        bytes(s.raw_bytes)
    )?;
    let width = s
        .feeds
        .iter()
        .map(|f| f.feed.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(
        out,
        "{:width$}  {:>8}  {:>8}  {:>9}  {:>8}  {:10}  {:10}",
        "FEED", "ITEMS", "ARTICLES", "RAW HTML", "DROPPED", "FIRST SEEN", "LAST SEEN"
    )?;
    for f in &s.feeds {
        let day = |t: &Option<String>| {
            t.as_deref()
                .and_then(|t| t.get(..10))
                .unwrap_or("-")
                .to_string()
        };
        writeln!(
            out,
            "{:width$}  {:>8}  {:>8}  {:>9}  {:>8}  {:10}  {:10}",
            f.feed,
            f.items,
            f.articles,
            bytes(f.raw_bytes),
            f.raw_dropped,
            day(&f.first_seen),
            day(&f.last_seen)
        )?;
    }
    Ok(())
}

/// A byte count for people: 512 B, 3.4 KiB, 12.0 MiB, 1.5 GiB.
fn bytes(n: i64) -> String {
    let n = n as f64;
    match n {
        n if n < 1024.0 => format!("{n} B"),
        n if n < 1024.0 * 1024.0 => format!("{:.1} KiB", n / 1024.0),
        n if n < 1024.0 * 1024.0 * 1024.0 => format!("{:.1} MiB", n / 1024.0 / 1024.0),
        n => format!("{:.2} GiB", n / 1024.0 / 1024.0 / 1024.0),
    }
}
