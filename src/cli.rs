//! Command-line definitions (clap) and nothing else.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};
use feedsift::export::Format;

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
        /// Only articles published since: 2025-03-01, 2025-03-01T08:00:00Z, or an age like 7d.
        #[arg(long, value_name = "DATE")]
        since: Option<String>,
        /// Only articles with a source in this feed.
        #[arg(long, value_name = "NAME")]
        feed: Option<String>,
        /// At most this many articles (newest first).
        #[arg(long)]
        limit: Option<usize>,
        /// Write here (atomically) instead of stdout.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Full-text search over titles and text: words, "quoted phrases", prefix*.
    Search {
        query: String,
        #[arg(long, default_value_t = 20)]
        limit: usize,
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

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ListFormat {
    Text,
    Json,
}
