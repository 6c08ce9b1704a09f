//! `import-opml` and `export-opml`: files in and out around the library's OPML module. The
//! config file is only replaced by a version that loads, and atomically.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context, Result};
use feedsift::config::{Config, FeedSource};
use feedsift::export::AtomicFile;
use feedsift::opml::{self, OpmlFeed};
use feedsift::store::Store;

use crate::cli::Cli;

/// What a config file starts as when import-opml creates it.
const NEW_CONFIG: &str =
    "# feedsift configuration: see docs/config.md\ndatabase = \"feedsift.db\"\n";

pub fn import(cli: &Cli, file: &Path, dry_run: bool) -> Result<ExitCode> {
    let shown = file.display().to_string();
    let text = std::fs::read_to_string(file).with_context(|| format!("cannot read {shown}"))?;
    let feeds = opml::parse(&shown, &text)?;
    let config_path = &cli.config;
    let current = match std::fs::read_to_string(config_path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => NEW_CONFIG.to_string(),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", config_path.display())),
    };
    let (updated, report) =
        opml::add_to_config(&config_path.display().to_string(), &current, &feeds)?;
    // Never write a file feedsift would then refuse to load.
    Config::from_toml(config_path, &updated).with_context(|| {
        format!(
            "the feeds from {shown} would make {} invalid; nothing was changed",
            config_path.display()
        )
    })?;
    for (title, why) in &report.rejected {
        eprintln!("left out {title}: {why}");
    }
    for (title, existing) in &report.skipped {
        eprintln!("skipped {title}: already configured as \"{existing}\"");
    }
    let verb = if dry_run { "would add" } else { "added" };
    for name in &report.added {
        eprintln!("{verb} {name}");
    }
    if !dry_run && !report.added.is_empty() {
        write_atomically(config_path, updated.as_bytes())?;
    }
    eprintln!(
        "{} of {} feeds in {shown} {verb} to {}, {} already there{}",
        report.added.len(),
        feeds.len(),
        config_path.display(),
        report.skipped.len(),
        if dry_run || report.added.is_empty() {
            ""
        } else {
            "; a running daemon picks them up on reload (systemctl reload feedsift)"
        }
    );
    Ok(ExitCode::SUCCESS)
}

pub fn export(cli: &Cli, output: Option<&Path>) -> Result<ExitCode> {
    let config = Config::load(&cli.config)?;
    let database = cli.db.clone().unwrap_or_else(|| config.database.clone());
    let known = if database.exists() {
        Store::open(&database)?.feed_statuses()?
    } else {
        Vec::new()
    };
    let mut feeds = Vec::new();
    for feed in &config.feeds {
        let FeedSource::Http(url) = &feed.source else {
            eprintln!("left out {}: a local file, not a URL", feed.name);
            continue;
        };
        let site = known
            .iter()
            .find(|s| s.name == feed.name)
            .and_then(|s| s.site_url.clone());
        feeds.push(OpmlFeed {
            title: feed.name.clone(),
            xml_url: url.to_string(),
            html_url: site,
            category: feed.category.clone(),
        });
    }
    let text = opml::write("feedsift subscriptions", &feeds);
    match output {
        Some(path) => {
            write_atomically(path, text.as_bytes())?;
            eprintln!("{} feeds written to {}", feeds.len(), path.display());
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    let write = || -> std::io::Result<()> {
        let mut file = AtomicFile::create(path)?;
        file.write_all(bytes)?;
        file.commit()
    };
    write().with_context(|| format!("cannot write {}", path.display()))
}
