//! Every feed file in `../shared/corpus/feeds` (read from there, never copied), served over
//! loopback and fetched in one `feedsift fetch`: no panic, no hang, and each feed either stored
//! or reported with an error on its `feeds` row. At least as many feeds must give items as
//! Python's feedparser reads items from (`tests/tools/feedparser_counts.py` measures that).
//! Skipped, and says so, where the corpus is absent.

mod common;

use std::path::{Path, PathBuf};

use common::{Route, Server, Workspace, notice};

/// `python3 tests/tools/feedparser_counts.py ../shared/corpus/feeds` with feedparser 6.0.14.
const FEEDPARSER_WITH_ITEMS: usize = 321;
const CORPUS_FEED_FILES: usize = 388;

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/feeds");
    dir.is_dir().then_some(dir)
}

/// The files the Python script counts: feeds, not feed-rs's `.serde.json` ground truth.
fn feed_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for path in paths {
        let name = path.to_string_lossy();
        let suffix = path.extension().and_then(|e| e.to_str()).unwrap_or("");
        if path.is_dir() {
            feed_files(&path, out);
        } else if ["xml", "rss", "atom", "rdf", "json"].contains(&suffix)
            && !name.ends_with(".serde.json")
        {
            out.push(path);
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => "application/feed+json",
        _ => "application/xml",
    }
}

#[test]
fn every_corpus_feed_is_stored_or_explained_in_one_fetch() {
    let Some(dir) = corpus() else {
        notice("corpus_fetch skipped: ../shared/corpus/feeds not found (a fresh clone has none)");
        return;
    };
    let mut files = Vec::new();
    feed_files(&dir, &mut files);
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
