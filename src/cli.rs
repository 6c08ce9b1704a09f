//! Command-line definitions (clap) and nothing else.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use feedsift::export::Format;
use feedsift::store::Order;

#[derive(Debug, Parser)]
#[command(
    name = "feedsift",
    version,
    about = "Turns RSS, Atom and JSON feeds into a clean, deduplicated article database."
)]
pub struct Cli {
    /// The config file.
    #[arg(long, global = true, value_name = "FILE", default_value = "feeds.toml")]
    pub config: PathBuf,
    /// The SQLite database; overrides `database` from the config file.
    #[arg(long, global = true, value_name = "FILE")]
    pub db: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run as a daemon: fetch every feed now, then each on its schedule, until SIGTERM or Ctrl-C.
    Run,
    /// Fetch every feed once, store new articles, and exit (1 if any feed failed).
    Fetch {
        /// Only this feed (repeatable).
        #[arg(long, value_name = "NAME")]
        feed: Vec<String>,
        /// Skip feeds their publisher asked to leave alone for now (Cache-Control, ttl,
        /// Retry-After, 410) or that are backing off after failures; for running from a timer.
        #[arg(long)]
        due: bool,
    },
    /// Write stored articles to stdout or a file.
    Export {
        #[arg(long, value_enum, default_value_t = Format::Ndjson)]
        format: Format,
        #[command(flatten)]
        select: Selection,
        /// Only articles matching this full-text query (same syntax as `search`).
        #[arg(long, value_name = "QUERY")]
        query: Option<String>,
        /// Order of the articles [default: newest; with --cursor: changed].
        #[arg(long, value_enum)]
        order: Option<Order>,
        /// Only articles added or changed since the last export with this cursor; the cursor
        /// moves once the output is complete.
        #[arg(long, value_name = "NAME")]
        cursor: Option<String>,
        /// Write here (atomically: a temporary file renamed into place) instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Full-text search over titles and text: words, "quoted phrases", prefix*, AND/OR/NOT.
    Search {
        query: String,
        #[command(flatten)]
        select: Selection,
        #[arg(long, value_enum, default_value_t = Order::Relevance)]
        order: Order,
        #[arg(long, value_enum, default_value_t = SearchFormat::Text)]
        format: SearchFormat,
    },
    /// Read HTML on stdin, print clean text on stdout (built-in rules).
    Clean {
        /// The item's title, so a first line repeating it is removed.
        #[arg(long)]
        title: Option<String>,
        /// List the rules that removed something on stderr.
        #[arg(long)]
        explain: bool,
    },
    /// Show each feed's status: last success, HTTP status, failures, next poll, last error,
    /// items and articles, and where a feed moved.
    Feeds {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
        /// Show the boilerplate learned for this feed instead.
        #[arg(long, value_name = "NAME")]
        boilerplate: Option<String>,
    },
    /// Show how deduplication merged the copies of a story.
    Dedup {
        /// The article id (`id` in exports): list its sources and the rule that matched each.
        #[arg(long, value_name = "ID")]
        explain: i64,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Delete what the retention settings (keep, keep_raw, max_articles_per_feed) no longer
    /// keep; the daemon does this once a day.
    Prune {
        /// Report what would be deleted without deleting it.
        #[arg(long)]
        dry_run: bool,
        /// Then shrink the database file (rewrites it; the daemon waits meanwhile).
        #[arg(long, conflicts_with = "dry_run")]
        vacuum: bool,
    },
    /// Show the database's size and what fills it, per feed.
    Stats {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Add the feeds of an OPML file (from another feed reader) to the config file, keeping
    /// its comments and layout; feeds whose URL is already there are skipped.
    ImportOpml {
        file: PathBuf,
        /// Show what would be added without changing the config file.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write the configured feeds as OPML 2.0, for another feed reader.
    ExportOpml {
        /// Write here (atomically) instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Clean stored items again with the current rules (after changing feeds.toml or
    /// upgrading) and update text, HTML and the search index.
    Reprocess {
        /// Only this feed (repeatable).
        #[arg(long, value_name = "NAME")]
        feed: Vec<String>,
        /// Report what would change, with a few examples, without writing.
        #[arg(long)]
        dry_run: bool,
    },
}

/// Which articles `export` and `search` read.
#[derive(Debug, Args)]
pub struct Selection {
    /// Only articles published at or after: 2025-03-01, 2025-03-01T08:00:00Z, or an age like 7d.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only articles published before this (same forms as --since; a date means its midnight UTC).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only articles with a source in this feed (repeatable).
    #[arg(long = "feed", value_name = "NAME")]
    pub feeds: Vec<String>,
    /// At most this many articles (search: 20 unless given).
    #[arg(long)]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SearchFormat {
    Text,
    Ndjson,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}
