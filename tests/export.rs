//! Every export format, its filters, and output safety with hostile feed content.

mod common;

use common::{Route, Server, Workspace, item, publishers, rss, stderr};

/// Two publisher feeds plus a hostile one, fetched into a fresh workspace.
/// Markup that would be live if a feed's HTML reached an export.
const LIVE_MARKUP: [&str; 5] = [
    "<script",
    "onerror",
    "onmouseover",
    "javascript:",
    "<iframe",
];

fn stored() -> (Server, Workspace) {
    let hostile_body = r#"<p onmouseover="alert(1)">Hello <script>alert('x')</script><a href="javascript:alert(2)">click</a>
        <iframe src="https://evil.example/"></iframe><img src=x onerror=alert(3)> <b>unclosed <i>markup</p>
        <p>&lt;script&gt;alert(4)&lt;/script&gt; shown as text, safely.</p>"#;
    let hostile = rss(
        "Evil",
        &[item(
            "evil-1",
            "javascript:alert(5)",
            "&lt;script&gt;alert(6)&lt;/script&gt; Title &amp; more",
            hostile_body,
        )],
    );
    let (server, ws) = publishers(&[("evil", "/evil.rss", Route::feed(hostile))]);
    ws.ok(&["fetch"]);
    (server, ws)
}

#[test]
fn json_is_an_array_of_the_ndjson_objects() {
    let (_s, ws) = stored();
    let ndjson = ws.articles();
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&ws.ok(&["export", "--format", "json"])).unwrap();
    assert_eq!(json, ndjson);
    assert_eq!(json.len(), 3);
}

#[test]
fn csv_has_a_header_and_one_record_per_article() {
    let (_s, ws) = stored();
    let text = ws.ok(&["export", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "id",
            "title",
            "url",
            "author",
            "published",
            "updated",
            "feed",
            "summary",
            "content",
            "sources"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 3);
    let wrap = rows.iter().find(|r| &r[6] == "thewrap").unwrap();
    assert!(
        wrap[8].contains("premieres March 11 on Hulu.\n") || wrap[8].contains("\n\n"),
        "paragraphs survive quoting"
    );
    let sources: serde_json::Value = serde_json::from_str(&wrap[9]).unwrap();
    assert_eq!(sources[0]["guid"], "https://www.thewrap.com/?p=7714021");
}

#[test]
fn markdown_has_a_heading_per_article() {
    let (_s, ws) = stored();
    let md = ws.ok(&["export", "--format", "markdown"]);
    assert_eq!(md.lines().filter(|l| l.starts_with("## ")).count(), 3);
    assert!(md.contains("## [Last Take: Rust and the Story of Halyna Asks Who Else Is to Blame](<https://collider.com/last-take-rust-story-of-halyna-documentary-blame/>)"));
    assert!(
        md.contains("\\<script\\>alert(6)\\</script\\> Title & more"),
        "markup in titles is escaped:\n{md}"
    );
}

#[test]
fn atom_is_well_formed_and_carries_no_live_markup() {
    let (_s, ws) = stored();
    let xml = ws.ok(&["export", "--format", "atom"]);
    let feed = feed_rs::parser::parse(xml.as_bytes()).expect("atom export parses");
    assert_eq!(feed.entries.len(), 3);
    for entry in &feed.entries {
        assert!(!entry.id.is_empty());
        assert!(entry.updated.is_some());
        let html = entry
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .unwrap_or_default();
        for bad in LIVE_MARKUP {
            assert!(
                !html.to_lowercase().contains(bad),
                "{bad} in entry content: {html}"
            );
        }
    }
    let evil = feed
        .entries
        .iter()
        .find(|e| e.title.as_ref().unwrap().content.contains("Title & more"))
        .unwrap();
    assert!(evil.links.is_empty(), "a javascript: link is not a link");
    assert!(
        evil.title
            .as_ref()
            .unwrap()
            .content
            .starts_with("<script>alert(6)"),
        "the title text itself is kept, as text"
    );
}

#[test]
fn html_is_one_safe_page_with_a_table_of_contents() {
    let (_s, ws) = stored();
    let page = ws.ok(&["export", "--format", "html"]);
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(page.matches("<article id=").count(), 3);
    assert_eq!(page.matches("<li><a href=\"#a").count(), 3);
    let lower = page.to_lowercase();
    for bad in LIVE_MARKUP.iter().chain(&["<img"]) {
        assert!(!lower.contains(bad), "{bad} in HTML export");
    }
    assert!(page.contains("&lt;script&gt;alert(6)&lt;/script&gt; Title &amp; more"));
}

#[test]
fn filters_since_feed_and_limit() {
    let (_s, ws) = stored();
    let since = ws.ok(&["export", "--since", "2025-03-11"]);
    let titles: Vec<serde_json::Value> = since
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        titles
            .iter()
            .all(|a| a["published"].as_str().unwrap() >= "2025-03-11")
    );
    assert!(titles.iter().any(|a| a["feed"] == "collider"));
    assert!(
        !titles.iter().any(|a| a["feed"] == "thewrap"),
        "published 2025-03-10"
    );
    let wrap = ws.ok(&["export", "--feed", "thewrap"]);
    assert_eq!(wrap.lines().count(), 1);
    assert_eq!(ws.ok(&["export", "--limit", "2"]).lines().count(), 2);
    let bad = ws.run(&["export", "--since", "yesterday-ish"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("7d"), "{}", stderr(&bad));
}

#[test]
fn output_file_is_written_whole() {
    let (_s, ws) = stored();
    let out = ws.run(&[
        "export",
        "--format",
        "json",
        "--output",
        "out/../export.json",
    ]);
    assert!(!out.status.success(), "a missing folder is an error");
    ws.ok(&["export", "--format", "json", "--output", "export.json"]);
    let json: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(ws.path("export.json")).unwrap()).unwrap();
    assert_eq!(json.len(), 3);
    let leftovers: Vec<_> = std::fs::read_dir(ws.dir.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    let (_s, ws) = stored();
    let mut child = ws
        .command(&["export", "--format", "markdown"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away before reading anything, like `| head -0`
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).is_empty(), "{}", stderr(&out));
}
