//! One function per command: load what it needs, call the library, print the result.
//! The only place that uses `anyhow` (context for the user) and prints to stdout.

mod articles;
mod opml;
mod retention;

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use tracing::Level;

use feedsift::clean;
use feedsift::config::{Config, FeedConfig};
use feedsift::dedup;
use feedsift::export::ExportError;
use feedsift::pipeline::{FeedOutcome, FeedRun, Pipeline};
use feedsift::reprocess;
use feedsift::schedule::{self, limits::Limits, lock::DaemonLock};
use feedsift::store::{ArticleChange, ArticleSources, FeedStatus, Store};

use crate::cli::{Cli, Command, ListFormat};

pub fn run(cli: Cli) -> Result<ExitCode> {
    match &cli.command {
        Command::Run => daemon(&cli),
        Command::Fetch { feed, due } => fetch(&cli, feed, *due),
        Command::Export {
            format,
            select,
            query,
            order,
            cursor,
            output,
        } => articles::export(
            &cli,
            articles::ExportArgs {
                format: *format,
                select,
                query: query.clone(),
                order: *order,
                cursor: cursor.clone(),
                output: output.as_deref(),
            },
        ),
        Command::Search {
            query,
            select,
            order,
            format,
        } => articles::search(&cli, query, select, *order, *format),
        Command::Clean { title, explain } => clean(title.as_deref(), *explain),
        Command::Feeds {
            format,
            boilerplate: Some(feed),
        } => learned_boilerplate(&cli, feed, *format),
        Command::Feeds { format, .. } => feeds(&cli, *format),
        Command::Reprocess { feed, dry_run } => reprocess(&cli, feed, *dry_run),
        Command::Prune { dry_run, vacuum } => retention::prune(&cli, *dry_run, *vacuum),
        Command::Stats { format } => retention::stats(&cli, *format),
        Command::ImportOpml { file, dry_run } => opml::import(&cli, file, *dry_run),
        Command::ExportOpml { output } => opml::export(&cli, output.as_deref()),
        Command::Dedup { explain, format } => explain_article(&cli, *explain, *format),
    }
}

pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<ExportError>()
            .is_some_and(ExportError::is_broken_pipe)
            || cause
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

pub(crate) fn load_config(cli: &Cli) -> Result<Config> {
    let mut config = Config::load(&cli.config)?;
    if let Some(db) = &cli.db {
        config.database = db.clone();
    }
    Ok(config)
}

/// The database for read-only commands: it must exist already.
pub(crate) fn existing_database(cli: &Cli) -> Result<Store> {
    let path: PathBuf = match &cli.db {
        Some(db) => db.clone(),
        None => Config::load(&cli.config)?.database,
    };
    if !path.exists() {
        bail!(
            "no database at {}; run `feedsift fetch` first, or pass --db FILE",
            path.display()
        );
    }
    Ok(Store::open(&path)?)
}

/// Threads for blocking work: store calls (and reprocessing) and DNS lookups; feeds are
/// cleaned on the pipeline's own threads. tokio's default of 512, when cleaning ran here,
/// let every thread that once cleaned a feed keep its own malloc heap: twice the peak
/// memory for no speed (docs/performance.md).
const BLOCKING_THREADS: usize = 8;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(BLOCKING_THREADS)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn open_for_writing(config: &Config) -> Result<Store> {
    let store = Store::open(&config.database)?;
    store.sync_feeds(&config.feeds)?;
    store.limit_size(config.max_database_size)?;
    Ok(store)
}

fn daemon(cli: &Cli) -> Result<ExitCode> {
    let config = load_config(cli)?;
    let _lock = DaemonLock::acquire(&config.database)?;
    let store = open_for_writing(&config)?;
    tracing::info!(feeds = config.feeds.len(), database = %config.database.display(), "config loaded");
    let (path, db) = (cli.config.clone(), cli.db.clone());
    let load = Box::new(move || {
        let mut config = Config::load(&path)?;
        if let Some(db) = &db {
            config.database = db.clone();
        }
        Ok(config)
    });
    runtime()?.block_on(async move {
        let control = schedule::Control::from_signals(load);
        schedule::run(config, store, control).await
    })?;
    Ok(ExitCode::SUCCESS)
}

fn fetch(cli: &Cli, only: &[String], due: bool) -> Result<ExitCode> {
    let config = load_config(cli)?;
    for name in only {
        if config.feed(name).is_none() {
            let known: Vec<&str> = config.feeds.iter().map(|f| f.name.as_str()).collect();
            bail!(
                "no feed named \"{name}\" in {}; known feeds: {}",
                config.path.display(),
                known.join(", ")
            );
        }
    }
    let feeds: Vec<_> = config
        .feeds
        .iter()
        .filter(|f| only.is_empty() || only.contains(&f.name))
        .cloned()
        .collect();
    let store = open_for_writing(&config)?;
    let feeds = if due { only_due(&store, feeds)? } else { feeds };
    let pipeline = Pipeline::new(&config, store)?;
    let limits = Limits::new(config.concurrency, config.host_concurrency);
    let runs = runtime()?.block_on(pipeline.run_all(&feeds, &limits));
    Ok(report_runs(&runs))
}

/// The feeds no floor holds back (publisher's freshness, Retry-After, backoff, 410), for
/// `fetch --due` from a timer. A minute of slack absorbs the timer's own inaccuracy.
fn only_due(store: &Store, feeds: Vec<FeedConfig>) -> Result<Vec<FeedConfig>> {
    let soon = chrono::Utc::now() + chrono::Duration::seconds(60);
    let mut due = Vec::with_capacity(feeds.len());
    for feed in feeds {
        let state = store.feed_state(&feed.name)?;
        match state.earliest_poll {
            Some(earliest) if earliest > soon => {
                tracing::info!(feed = %feed.name, earliest = %feedsift::time::rfc3339(earliest), "not due yet");
            }
            _ => due.push(feed),
        }
    }
    Ok(due)
}

/// Logs each feed's result and a summary; exit status 1 when any feed failed.
fn report_runs(runs: &[FeedRun]) -> ExitCode {
    let (mut stored, mut unchanged, mut new, mut failed) = (0, 0, 0, 0);
    for run in runs {
        if let Some(moved) = &run.next.record.moved_to {
            say(
                Level::WARN,
                &format!(
                    "feedsift: feed \"{}\" moved permanently to {moved}; it is fetched from there from now on: update feeds.toml",
                    run.feed
                ),
            );
        }
        match &run.result {
            Ok(FeedOutcome::Deferred { until }) => {
                unchanged += 1;
                tracing::info!(feed = %run.feed, until = %feedsift::time::rfc3339(*until), "deferred: its host asked us to wait");
            }
            Ok(FeedOutcome::Unchanged) => {
                unchanged += 1;
                tracing::info!(feed = %run.feed, "not modified");
            }
            Ok(FeedOutcome::Stored { items, report }) => {
                stored += 1;
                new += report.new_articles;
                tracing::info!(feed = %run.feed, items, new = report.new_articles, merged = report.merged,
                    updated = report.updated, "stored");
            }
            Err(error) => {
                failed += 1;
                say(
                    Level::WARN,
                    &format!("feedsift: feed \"{}\": {error}", run.feed),
                );
            }
        }
    }
    say(
        Level::INFO,
        &format!(
            "{} feeds: {stored} stored ({new} new articles), {unchanged} unchanged, {failed} failed",
            runs.len()
        ),
    );
    if failed > 0 {
        say(Level::INFO, "see `feedsift feeds` for each feed's status");
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// A line for the user on stderr; under the journal (a timer running `fetch`) with the
/// priority prefix journald reads.
fn say(level: Level, line: &str) {
    if feedsift::systemd::stderr_is_journal() {
        eprintln!("{}{line}", feedsift::systemd::journal_priority(&level));
    } else {
        eprintln!("{line}");
    }
}

fn clean(title: Option<&str>, explain: bool) -> Result<ExitCode> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .context("cannot read stdin")?;
    let ctx = clean::Context {
        title: title.unwrap_or(""),
        ..clean::Context::default()
    };
    let cleaned = clean::clean_item(
        &String::from_utf8_lossy(&bytes),
        &ctx,
        &clean::Rules::default(),
        &Default::default(),
    );
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", cleaned.text)?;
    out.flush()?;
    if explain {
        let fired: Vec<&str> = cleaned.fired.iter().map(clean::Rule::name).collect();
        eprintln!(
            "rules fired: {}{}",
            if fired.is_empty() {
                "none".to_string()
            } else {
                fired.join(", ")
            },
            if cleaned.truncated {
                " (truncated)"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn explain_article(cli: &Cli, id: i64, format: ListFormat) -> Result<ExitCode> {
    let store = existing_database(cli)?;
    let Some(article) = store.article_sources(id)? else {
        bail!("no article with id {id}; ids are the `id` field of `feedsift export`");
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &article)?;
            writeln!(out)?;
        }
        ListFormat::Text => write_explanation(&mut out, &article)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_explanation(out: &mut impl Write, a: &ArticleSources) -> std::io::Result<()> {
    writeln!(out, "article {}: {}", a.id, a.title)?;
    if let Some(url) = &a.url {
        writeln!(out, "  url: {url}")?;
    }
    writeln!(
        out,
        "  first seen {} in feed \"{}\"; revision {}, last changed {}",
        a.created, a.feed, a.revision, a.updated
    )?;
    writeln!(out, "  {} source(s):", a.sources.len())?;
    for s in &a.sources {
        writeln!(out, "  - feed \"{}\", guid {}", s.feed, s.guid)?;
        if let Some(url) = &s.url {
            writeln!(out, "      link: {url}")?;
        }
        let why = dedup::Rule::parse(&s.rule)
            .map_or_else(|| format!("rule `{}`", s.rule), |r| r.describe(s.score));
        writeln!(out, "      {}: {why}", s.rule)?;
        if let Some(previous) = &s.previous_guid {
            writeln!(
                out,
                "      guid regenerated by the publisher; it was {previous}"
            )?;
        }
        writeln!(out, "      seen {} to {}", s.first_seen, s.last_seen)?;
    }
    Ok(())
}

fn learned_boilerplate(cli: &Cli, feed: &str, format: ListFormat) -> Result<ExitCode> {
    let store = existing_database(cli)?;
    if !store.feed_statuses()?.iter().any(|s| s.name == feed) {
        bail!("no feed named \"{feed}\" in the database; `feedsift feeds` lists them");
    }
    let learned = store.learned_boilerplate(feed)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &learned)?;
            writeln!(out)?;
        }
        ListFormat::Text if learned.is_empty() => {
            writeln!(
                out,
                "{feed}: nothing learned yet (it takes 3 items sharing a head or tail paragraph)"
            )?;
        }
        ListFormat::Text => {
            writeln!(
                out,
                "{feed}: {} learned boilerplate paragraph(s)",
                learned.len()
            )?;
            for b in &learned {
                let example = if b.example.is_empty() {
                    "(no example kept)"
                } else {
                    &b.example
                };
                writeln!(
                    out,
                    "\n  in {} items, learned {}, last seen {}",
                    b.items, b.learned_at, b.seen_at
                )?;
                writeln!(out, "  {example}")?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Changed articles shown per feed by `reprocess --dry-run`.
const DIFF_SAMPLES: usize = 3;

fn reprocess(cli: &Cli, only: &[String], dry_run: bool) -> Result<ExitCode> {
    let config = load_config(cli)?;
    for name in only {
        if config.feed(name).is_none() {
            bail!("no feed named \"{name}\" in {}", config.path.display());
        }
    }
    let store = existing_database(cli)?;
    let rules_of = reprocess::rules_from(&config);
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut items, mut changed) = (0, 0);
    for feed in config
        .feeds
        .iter()
        .filter(|f| only.is_empty() || only.contains(&f.name))
    {
        let report = reprocess::reprocess_feed(&*store, &rules_of, &feed.name, dry_run)
            .with_context(|| format!("feed \"{}\"", feed.name))?;
        items += report.items;
        changed += report.changes.len();
        writeln!(
            out,
            "{}: {} items, {} of {} articles {}",
            report.feed,
            report.items,
            report.changes.len(),
            report.articles,
            if dry_run { "would change" } else { "changed" }
        )?;
        if dry_run {
            write_diff_samples(&mut out, &report.changes)?;
        }
    }
    writeln!(
        out,
        "total: {items} items, {changed} articles {}",
        if dry_run {
            "would change (dry run, nothing written)"
        } else {
            "changed"
        }
    )?;
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_diff_samples(out: &mut impl Write, changes: &[ArticleChange]) -> std::io::Result<()> {
    for change in changes.iter().take(DIFF_SAMPLES) {
        writeln!(out, "  article {} \"{}\"", change.id, change.title)?;
        let (removed, added) = reprocess::paragraph_diff(&change.old_content, &change.new_content);
        for p in removed.iter().take(3) {
            writeln!(out, "    - {}", one_line(p, 160))?;
        }
        for p in added.iter().take(3) {
            writeln!(out, "    + {}", one_line(p, 160))?;
        }
    }
    Ok(())
}

fn one_line(text: &str, max: usize) -> String {
    clean::excerpt(&text.split_whitespace().collect::<Vec<_>>().join(" "), max)
}

fn feeds(cli: &Cli, format: ListFormat) -> Result<ExitCode> {
    let store = existing_database(cli)?;
    let mut statuses = store.feed_statuses()?;
    if let Ok(config) = Config::load(&cli.config) {
        statuses.retain(|s| config.feed(&s.name).is_some() || s.items > 0);
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &statuses)?;
            writeln!(out)?;
        }
        ListFormat::Text => write_feed_table(&mut out, &statuses)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn write_feed_table(out: &mut impl Write, statuses: &[FeedStatus]) -> std::io::Result<()> {
    let width = statuses
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(4)
        .max(4);
    writeln!(
        out,
        "{:width$}  {:<13}  {:>4}  {:<20}  {:<20}  {:>6}  {:>8}  NOTE",
        "NAME", "STATUS", "HTTP", "LAST SUCCESS", "NEXT POLL", "ITEMS", "ARTICLES"
    )?;
    for s in statuses {
        writeln!(
            out,
            "{:width$}  {:<13}  {:>4}  {:<20}  {:<20}  {:>6}  {:>8}  {}",
            s.name,
            feed_state_word(s),
            s.last_status.map(|c| c.to_string()).unwrap_or_default(),
            s.last_success.as_deref().unwrap_or("never"),
            s.next_poll.as_deref().unwrap_or("-"),
            s.items,
            s.articles,
            feed_note(s)
        )?;
    }
    Ok(())
}

fn feed_state_word(s: &FeedStatus) -> String {
    match (s.consecutive_failures, &s.last_attempt, s.last_status) {
        (_, _, Some(410)) => "gone".to_string(),
        (0, Some(_), _) => "ok".to_string(),
        (0, None, _) => "never fetched".to_string(),
        (n, _, _) => format!("failing ({n}x)"),
    }
}

/// What a reader should know about a feed, most urgent first: where it moved, its error,
/// and why its next poll waits.
fn feed_note(s: &FeedStatus) -> String {
    let mut notes = Vec::new();
    if let Some(to) = &s.moved_to {
        notes.push(format!("moved permanently to {to}: update feeds.toml"));
    }
    if let Some(error) = &s.last_error {
        notes.push(error.replace('\n', " "));
    }
    let waiting = s
        .earliest_poll
        .as_deref()
        .is_some_and(|e| e > feedsift::time::now().as_str());
    if let (true, Some(reason)) = (waiting, &s.earliest_poll_reason) {
        notes.push(format!("waits: {reason}"));
    }
    notes.join("; ")
}
