//! Every export format, its filters, and output safety with hostile feed content.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{
    Route, Server, Workspace, assert_no_live_markup, feed_config, item, publishers, rss, stderr,
    wait_for,
};

/// Two publisher feeds plus a hostile one, fetched into a fresh workspace.
/// Markup that would be live if a feed's HTML reached an export.
const LIVE_MARKUP: [&str; 5] = [
    "<script",
    "onerror",
    "onmouseover",
    "javascript:",
    "<iframe",
];

/// Script tags, event handlers, javascript: and data: links, iframes, SVG, style, meta
/// refresh, and broken markup, in one body (OWASP filter-evasion shapes).
const HOSTILE_BODY: &str = r#"<p onmouseover="alert(1)">Hello <script>alert('x')</script><a href="javascript:alert(2)">click</a>
        <iframe src="https://evil.example/"></iframe><img src=x onerror=alert(3)> <b>unclosed <i>markup</p>
        <p>&lt;script&gt;alert(4)&lt;/script&gt; shown as text, safely.</p>
        <svg onload=alert(7)><a href="JaVaScRiPt:alert(8)">mixed case</a></svg>
        <a href="data:text/html;base64,PHNjcmlwdD5hbGVydCg5KTwvc2NyaXB0Pg==">data link</a>
        <style>body{background:url("javascript:alert(10)")}</style><meta http-equiv="refresh" content="0;url=javascript:alert(11)">
        <scr<script>ipt>alert(12)</scr</script>ipt> <div style="width: expression(alert(13))">styled</div>
        <object data="https://evil.example/x.swf"></object><embed src="https://evil.example/y.swf">
        <form action="https://evil.example/"><input autofocus onfocus=alert(14)></form><p>Tail <b>never closed"#;

fn stored() -> (Server, Workspace) {
    let hostile_body = HOSTILE_BODY;
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
        assert_no_live_markup(&html);
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
    assert_no_live_markup(&page);
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

fn ndjson(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn ids(articles: &[serde_json::Value]) -> Vec<i64> {
    articles.iter().map(|a| a["id"].as_i64().unwrap()).collect()
}

#[test]
fn filters_combine_until_feeds_query_and_order() {
    let (_s, ws) = stored();
    let two = ndjson(&ws.ok(&["export", "--feed", "thewrap", "--feed", "collider"]));
    assert_eq!(two.len(), 2);
    let until = ndjson(&ws.ok(&["export", "--until", "2025-03-11"]));
    let feeds: BTreeSet<&str> = until.iter().map(|a| a["feed"].as_str().unwrap()).collect();
    assert_eq!(
        feeds,
        BTreeSet::from(["thewrap", "evil"]),
        "collider is from 2025-03-13"
    );
    let oldest = ndjson(&ws.ok(&["export", "--order", "oldest"]));
    let published: Vec<&str> = oldest
        .iter()
        .map(|a| a["published"].as_str().unwrap())
        .collect();
    assert!(published.windows(2).all(|w| w[0] <= w[1]), "{published:?}");
    let newest = ndjson(&ws.ok(&["export"]));
    assert_eq!(
        ids(&newest).into_iter().rev().collect::<Vec<_>>(),
        ids(&oldest)
    );

    let halyna = ndjson(&ws.ok(&["export", "--query", "halyna", "--order", "relevance"]));
    assert!(!halyna.is_empty());
    assert!(halyna.iter().all(|a| {
        let text = format!("{} {}", a["title"], a["content"]).to_lowercase();
        text.contains("halyna")
    }));
    assert_eq!(halyna[0]["feed"], "collider", "the title match ranks first");
    let both = ndjson(&ws.ok(&[
        "export",
        "--query",
        "halyna",
        "--feed",
        "thewrap",
        "--since",
        "2025-03-01",
    ]));
    assert!(both.iter().all(|a| a["feed"] == "thewrap"));

    let no_query = ws.run(&["export", "--order", "relevance"]);
    assert_eq!(no_query.status.code(), Some(2));
    assert!(
        stderr(&no_query).contains("--query"),
        "{}",
        stderr(&no_query)
    );
    let typo = ws.run(&["export", "--feed", "thewarp"]);
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        stderr(&typo).contains("did you mean `thewrap`"),
        "{}",
        stderr(&typo)
    );
    let empty = ws.run(&["export", "--since", "2025-03-12", "--until", "2025-03-01"]);
    assert!(
        stderr(&empty).contains("is not before --until"),
        "{}",
        stderr(&empty)
    );
}

#[test]
fn a_cursor_exports_each_change_once_and_moves_only_after_complete_output() {
    let (server, ws) = stored();
    let first = ndjson(&ws.ok(&["export", "--cursor", "nlp"]));
    assert_eq!(first.len(), 3);
    assert!(
        ws.ok(&["export", "--cursor", "nlp"]).is_empty(),
        "nothing new"
    );

    // An output that cannot be written leaves its cursor where it was.
    let failed = ws.run(&[
        "export",
        "--cursor",
        "archive",
        "--output",
        "missing/out.ndjson",
    ]);
    assert!(!failed.status.success());
    let batch1 = ndjson(&ws.ok(&["export", "--cursor", "archive", "--limit", "2"]));
    assert_eq!(batch1.len(), 2, "a limited export is a batch");

    // One item is edited and one is new.
    let edited =
        format!("{HOSTILE_BODY}<p>An update to the story, added later by the editors.</p>");
    server.set(
        "/evil.rss",
        Route::feed(rss(
            "Evil",
            &[
                item(
                    "evil-1",
                    "javascript:alert(5)",
                    "&lt;script&gt;alert(6)&lt;/script&gt; Title &amp; more",
                    &edited,
                ),
                item(
                    "evil-2",
                    "https://evil.example/2",
                    "A second story",
                    "<p>Entirely new words about a second story.</p>",
                ),
            ],
        )),
    );
    ws.ok(&["fetch"]);
    let second = ndjson(&ws.ok(&["export", "--cursor", "nlp"]));
    let titles: BTreeSet<&str> = second
        .iter()
        .map(|a| a["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.contains("A second story"));
    assert!(
        second
            .iter()
            .any(|a| a["content"].as_str().unwrap().contains("added later"))
    );
    assert!(ws.ok(&["export", "--cursor", "nlp"]).is_empty());

    // The batched cursor goes on where it stopped, and ends with every article in its
    // latest form.
    let mut all = batch1;
    loop {
        let batch = ndjson(&ws.ok(&["export", "--cursor", "archive", "--limit", "2"]));
        if batch.is_empty() {
            break;
        }
        all.extend(batch);
    }
    let distinct: BTreeSet<i64> = ids(&all).into_iter().collect();
    assert_eq!(distinct.len(), 4, "{:?}", ids(&all));
    let last_evil = all
        .iter()
        .rev()
        .find(|a| a["feed"] == "evil" && a["title"] != "A second story");
    assert!(
        last_evil.unwrap()["content"]
            .as_str()
            .unwrap()
            .contains("added later")
    );

    let ordered = ws.run(&["export", "--cursor", "nlp", "--order", "newest"]);
    assert_eq!(ordered.status.code(), Some(2));
}

/// The daemon stores new items every second while a pipeline exports with one cursor in a
/// loop: every article comes out exactly once.
#[test]
fn a_cursor_sees_no_gap_and_no_repeat_while_the_daemon_writes() {
    let server = Server::start();
    let story = |n: usize| {
        let word: String = [n % 26, n / 26 % 26, n / 676 % 26]
            .iter()
            .map(|&i| (b'a' + i as u8) as char)
            .collect();
        item(
            &format!("g{n}"),
            &format!("https://example.com/{word}"),
            &format!("Story {word}"),
            &format!("<p>Zq{word} reported {word}x findings to the {word}y board.</p>"),
        )
    };
    let stories = |n: usize| (1..=n).map(story).collect::<Vec<_>>();
    server.set("/live.rss", Route::feed(rss("Live", &stories(1))));
    let config = feed_config(&[("live", server.url("/live.rss"))])
        .replace("[defaults]\n", "[defaults]\nschedule = \"* * * * * *\"\n");
    let ws = Workspace::new(&config);
    let daemon = ws.daemon(&[]);
    wait_for("the first story", || {
        ws.path("feedsift.db").exists() && ws.count("SELECT count(*) FROM articles") == 1
    });
    let total = 30;
    let mut seen: BTreeMap<i64, usize> = BTreeMap::new();
    let mut exports = 0;
    let mut take = |ws: &Workspace| {
        for id in ids(&ndjson(&ws.ok(&["export", "--cursor", "pipe"]))) {
            *seen.entry(id).or_default() += 1;
        }
    };
    for n in 2..=total {
        server.set("/live.rss", Route::feed(rss("Live", &stories(n))));
        for _ in 0..3 {
            take(&ws);
            exports += 1;
            std::thread::sleep(std::time::Duration::from_millis(60));
        }
    }
    wait_for("every story stored", || {
        ws.count("SELECT count(*) FROM articles") == total as i64
    });
    take(&ws);
    daemon.stop();
    assert_eq!(
        seen.len(),
        total,
        "every article exported ({exports} exports)"
    );
    let repeated: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "exported more than once: {repeated:?}");
}

#[test]
fn mbox_has_one_message_per_article_with_safe_headers() {
    let (_s, ws) = stored();
    let mbox = ws.ok(&["export", "--format", "mbox"]);
    let separators: Vec<&str> = mbox.lines().filter(|l| l.starts_with("From ")).collect();
    assert_eq!(separators.len(), 3, "{mbox}");
    assert_eq!(mbox.matches("\nSubject: ").count(), 3);
    assert!(mbox.contains("Message-ID: <article-"));
    assert!(mbox.contains("Content-Type: text/plain; charset=utf-8; format=flowed"));
    // The hostile title is one header line, its markup plain text.
    assert!(mbox.contains("Subject: <script>alert(6)</script> Title & more\n"));
    for line in mbox.lines() {
        assert!(line.len() <= 998, "line too long for mail: {}", line.len());
    }
}

#[test]
fn search_ranks_highlights_filters_and_explains_bad_queries() {
    let (_s, ws) = stored();
    let text = ws.ok(&["search", "halyna"]);
    assert!(
        text.contains("[Halyna]"),
        "matches are marked when not on a terminal:\n{text}"
    );
    let first_title = text.lines().next().unwrap();
    assert!(
        first_title.contains("collider"),
        "title match ranks first:\n{text}"
    );

    let hits = ndjson(&ws.ok(&["search", "halyn*", "--format", "ndjson"]));
    assert!(!hits.is_empty());
    for hit in &hits {
        assert!(
            hit["snippet_html"].as_str().unwrap().contains("<mark>"),
            "{hit}"
        );
        assert!(!hit["snippet"].as_str().unwrap().contains('\u{2}'));
        assert!(hit["score"].as_f64().unwrap() > 0.0);
    }
    let phrase = ndjson(&ws.ok(&["search", "\"story of halyna\"", "--format", "ndjson"]));
    assert!(!phrase.is_empty());
    for hit in &phrase {
        let marked = hit["snippet_html"].as_str().unwrap().to_lowercase();
        assert!(marked.contains("<mark>story of halyna</mark>"), "{marked}");
    }
    let scoped = ndjson(&ws.ok(&["search", "rust", "--feed", "thewrap", "--format", "ndjson"]));
    assert!(scoped.iter().all(|h| h["feed"] == "thewrap"), "{scoped:?}");
    let limited = ndjson(&ws.ok(&["search", "rust", "--limit", "1", "--format", "ndjson"]));
    assert_eq!(limited.len(), 1);
    let later = ndjson(&ws.ok(&[
        "search",
        "rust",
        "--since",
        "2025-03-12",
        "--format",
        "ndjson",
    ]));
    assert!(
        later
            .iter()
            .all(|h| h["published"].as_str().unwrap() >= "2025-03-12")
    );
    // Punctuation in a word searches it as a phrase instead of failing.
    ws.ok(&["search", "rust-shooting"]);

    for (query, says) in [
        ("\"unclosed", "double quote is not closed"),
        ("rust AND", "ends where a word should follow"),
        ("(rust", "ends where a word should follow"),
    ] {
        let out = ws.run(&["search", query]);
        assert_eq!(out.status.code(), Some(2), "{query}");
        let err = stderr(&out);
        assert!(err.contains(says), "{query}: {err}");
        assert!(
            !err.to_lowercase().contains("sql") && !err.contains("fts5"),
            "{query}: {err}"
        );
    }
}
