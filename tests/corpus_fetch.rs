//! Every feed file in `../shared/corpus/feeds` (read from there, never copied), served over
//! loopback and fetched in one `feedsift fetch`: no panic, no hang, and each feed either stored
//! or reported with an error on its `feeds` row. At least as many feeds must give items as
//! Python's feedparser reads items from (`tests/tools/feedparser_counts.py` measures that).
//! Skipped, and says so, where the corpus is absent.

mod common;

use std::path::{Path, PathBuf};

use common::{Route, Server, Workspace, corpus_feeds, files_under, notice};

/// `python3 tests/tools/feedparser_counts.py ../shared/corpus/feeds` with feedparser 6.0.14.
const FEEDPARSER_WITH_ITEMS: usize = 321;
const CORPUS_FEED_FILES: usize = 388;

/// The files the Python script counts: feeds, not feed-rs's `.serde.json` ground truth.
fn is_feed_file(path: &Path) -> bool {
    let suffix = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    ["xml", "rss", "atom", "rdf", "json"].contains(&suffix)
        && !path.to_string_lossy().ends_with(".serde.json")
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => "application/feed+json",
        _ => "application/xml",
    }
}

#[test]
fn every_corpus_feed_is_stored_or_explained_in_one_fetch() {
    let Some(dir) = corpus_feeds("corpus_fetch") else {
        return;
    };
    let files: Vec<PathBuf> = files_under(&dir)
        .into_iter()
        .filter(|p| is_feed_file(p))
        .collect();
    assert_eq!(files.len(), CORPUS_FEED_FILES, "the corpus changed");
    let server = Server::start();
    let mut config = String::from("concurrency = 8\nhost_concurrency = 8\n");
    for (i, path) in files.iter().enumerate() {
        let body = std::fs::read(path).unwrap();
        let route = Route::feed(body).with_content_type(Some(content_type(path)));
        server.set(&format!("/corpus/{i}"), route);
        config.push_str(&format!(
            "[[feeds]]\nname = \"c{i}\"\nurl = \"{}\"\n",
            server.url(&format!("/corpus/{i}"))
        ));
    }
    let ws = Workspace::new(&config);
    let out = ws.run(&["fetch"]);
    assert!(out.status.code().is_some(), "feedsift died: {}", out.status);
    assert!(
        !common::stderr(&out).contains("panicked"),
        "{}",
        common::stderr(&out)
    );
    let feeds = ws.feeds_json();
    let feeds = feeds.as_array().unwrap();
    assert_eq!(feeds.len(), files.len());
    let mut with_items = 0;
    let mut errors = Vec::new();
    for feed in feeds {
        let items = feed["items"].as_i64().unwrap();
        let error = feed["last_error"].as_str();
        assert!(feed["last_attempt"].is_string(), "not attempted: {feed}");
        with_items += usize::from(items > 0);
        if let Some(error) = error {
            assert!(error.len() > 20, "unclear error: {feed}");
            let index: usize = feed["name"].as_str().unwrap()[1..].parse().unwrap();
            let path = files[index]
                .strip_prefix(&dir)
                .unwrap()
                .display()
                .to_string();
            errors.push(format!("{path}: {error}"));
        }
    }
    notice(&format!(
        "corpus_fetch: {with_items} of {} feeds stored items (feedparser 6.0.14: {FEEDPARSER_WITH_ITEMS}); {} errors",
        files.len(),
        errors.len()
    ));
    for error in &errors {
        notice(&format!("  {error}"));
    }
    assert!(
        with_items >= FEEDPARSER_WITH_ITEMS,
        "{with_items} feeds with items, feedparser reads {FEEDPARSER_WITH_ITEMS}"
    );
}
