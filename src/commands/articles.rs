//! `export` and `search`: turning the shared selection flags into a filter, checking feed
//! names, the progress bar, and search output (highlighted on a terminal).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use feedsift::export::{self, Format, Output, Progress};
use feedsift::store::{ArticleFilter, ExportPlan, MATCH_END, MATCH_START, Order, SearchHit, Store};
use serde::Serialize;

use super::existing_database;
use crate::cli::{Cli, SearchFormat, Selection};

/// A progress bar is worth drawing from this many articles on.
const PROGRESS_FROM: usize = 2_000;

pub struct ExportArgs<'a> {
    pub format: Format,
    pub select: &'a Selection,
    pub query: Option<String>,
    pub order: Option<Order>,
    pub cursor: Option<String>,
    pub output: Option<&'a Path>,
}

pub fn export(cli: &Cli, args: ExportArgs<'_>) -> Result<ExitCode> {
    let store = existing_database(cli)?;
    if args.cursor.is_some() && args.order.is_some_and(|o| o != Order::Changed) {
        bail!("--cursor exports in the order articles changed; drop --order");
    }
    if args.cursor.as_deref().is_some_and(str::is_empty) {
        bail!("--cursor needs a name, e.g. --cursor my-pipeline");
    }
    let mut filter = filter(&store, args.select, args.query)?;
    filter.order = args.order.unwrap_or_default();
    let plan = ExportPlan {
        filter,
        cursor: args.cursor,
    };
    let mut bar = ProgressBar::for_stderr();
    let progress = bar.as_mut().map(|b| b as &mut dyn Progress);
    match args.output {
        Some(path) => {
            let count = export::export(&store, &plan, args.format, Output::File(path), progress)?;
            eprintln!("{count} articles written to {}", path.display());
        }
        None => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            export::export(
                &store,
                &plan,
                args.format,
                Output::Writer(&mut out),
                progress,
            )?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn search(
    cli: &Cli,
    query: &str,
    select: &Selection,
    order: Order,
    format: SearchFormat,
) -> Result<ExitCode> {
    let store = existing_database(cli)?;
    let mut filter = filter(&store, select, Some(query.to_string()))?;
    filter.order = order;
    filter.limit = filter.limit.or(Some(20));
    let hits = store.search(&filter)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match format {
        SearchFormat::Text => {
            let highlight =
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
            for hit in &hits {
                write_hit(&mut out, hit, highlight)?;
            }
        }
        SearchFormat::Ndjson => {
            for hit in &hits {
                serde_json::to_writer(&mut out, &JsonHit::from(hit))?;
                writeln!(out)?;
            }
        }
    }
    out.flush()?;
    if hits.is_empty() {
        eprintln!("no articles match `{query}`");
    }
    Ok(ExitCode::SUCCESS)
}

/// The filter the selection flags describe; every `--feed` must name a known feed.
fn filter(store: &Store, select: &Selection, query: Option<String>) -> Result<ArticleFilter> {
    let now = chrono::Utc::now();
    let when = |flag: &str, value: &Option<String>| {
        value
            .as_deref()
            .map(|s| feedsift::time::parse_since(s, now))
            .transpose()
            .map_err(anyhow::Error::msg)
            .with_context(|| flag.to_string())
    };
    let since = when("--since", &select.since)?;
    let until = when("--until", &select.until)?;
    if let (Some(since), Some(until)) = (since, until)
        && since >= until
    {
        bail!("--since ({since}) is not before --until ({until}): nothing can match");
    }
    if query.as_deref().is_some_and(|q| q.trim().is_empty()) {
        bail!("the search query is empty; give words to look for");
    }
    check_feed_names(store, &select.feeds)?;
    Ok(ArticleFilter {
        since,
        until,
        feeds: select.feeds.clone(),
        query,
        limit: select.limit,
        order: Order::default(),
    })
}

fn check_feed_names(store: &Store, names: &[String]) -> Result<()> {
    if names.is_empty() {
        return Ok(());
    }
    let known: Vec<String> = store.feed_statuses()?.into_iter().map(|f| f.name).collect();
    for name in names {
        if known.contains(name) {
            continue;
        }
        let names: Vec<&str> = known.iter().map(String::as_str).collect();
        let closest = feedsift::config::closest(name, &names);
        match closest {
            Some(k) => {
                bail!("--feed {name}: no feed of that name in the database; did you mean `{k}`?")
            }
            None => bail!(
                "--feed {name}: no feed of that name in the database; `feedsift feeds` lists them"
            ),
        }
    }
    Ok(())
}

fn write_hit(out: &mut impl Write, hit: &SearchHit, highlight: bool) -> std::io::Result<()> {
    let date = hit.published.get(..10).unwrap_or(&hit.published);
    writeln!(
        out,
        "{date}  {}  {}",
        printable(&hit.feed),
        printable(&hit.title)
    )?;
    if let Some(url) = &hit.url {
        writeln!(out, "    {}", printable(url))?;
    }
    let (open, close) = if highlight {
        ("\x1b[1;33m", "\x1b[0m")
    } else {
        ("[", "]")
    };
    let snippet = printable(&hit.snippet.split_whitespace().collect::<Vec<_>>().join(" "))
        .replace(MATCH_START, open)
        .replace(MATCH_END, close);
    writeln!(out, "    {snippet}\n")
}

/// Feed text for a terminal: control characters (escape sequences a feed could smuggle in)
/// dropped, except the snippet's own match markers.
fn printable(text: &str) -> String {
    text.chars()
        .filter(|&c| !c.is_control() || c == MATCH_START || c == MATCH_END)
        .collect()
}

#[derive(Serialize)]
struct JsonHit<'a> {
    id: i64,
    title: &'a str,
    url: Option<&'a str>,
    published: &'a str,
    feed: &'a str,
    score: f64,
    /// The matching passage as plain text.
    snippet: String,
    /// The same passage as HTML: text escaped, each match in `<mark>`.
    snippet_html: String,
}

impl<'a> From<&'a SearchHit> for JsonHit<'a> {
    fn from(hit: &'a SearchHit) -> Self {
        let html = html_escape::encode_text(&hit.snippet)
            .replace(MATCH_START, "<mark>")
            .replace(MATCH_END, "</mark>");
        JsonHit {
            id: hit.id,
            title: &hit.title,
            url: hit.url.as_deref(),
            published: &hit.published,
            feed: &hit.feed,
            score: hit.score,
            snippet: hit.snippet.replace([MATCH_START, MATCH_END], ""),
            snippet_html: html,
        }
    }
}

/// indicatif on stderr, only when stderr is a terminal and the export is large.
struct ProgressBar(Option<indicatif::ProgressBar>);

impl ProgressBar {
    fn for_stderr() -> Option<ProgressBar> {
        std::io::stderr().is_terminal().then_some(ProgressBar(None))
    }
}

impl Progress for ProgressBar {
    fn start(&mut self, total: usize) {
        if total < PROGRESS_FROM {
            return;
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(total as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} articles, {eta} left")
        {
            bar.set_style(style);
        }
        self.0 = Some(bar);
    }

    fn advance(&mut self) {
        if let Some(bar) = &self.0 {
            bar.inc(1);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.0.take() {
            bar.finish_and_clear();
        }
    }
}
