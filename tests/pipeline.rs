//! End to end: loopback HTTP -> `feedsift fetch` -> SQLite -> `feedsift export`.

mod common;

use std::time::Duration;

use common::{Route, Server, Workspace, feed_config, fixture, item, publishers, rss, stderr};
use serde_json::Value;

fn article_with_source<'a>(articles: &'a [Value], guid: &str) -> &'a Value {
    articles
        .iter()
        .find(|a| {
            a["sources"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["guid"] == guid)
        })
        .unwrap_or_else(|| panic!("no article has a source with guid {guid}"))
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap()).collect())
        .unwrap_or_default()
}

#[test]
fn publisher_feeds_meet_every_line_of_expected_json() {
    let (_server, ws) = publishers(&[]);
    ws.ok(&["fetch"]);
    let articles = ws.articles();
    assert_eq!(
        articles.len(),
        2,
        "the two seed articles are two different stories"
    );
    let expected: Value = serde_json::from_str(&fixture("publishers/expected.json")).unwrap();
    let mut checks = 0;
    for guids in expected.as_object().unwrap().values() {
        for (guid, want) in guids.as_object().unwrap() {
            let a = article_with_source(&articles, guid);
            let content = a["content"].as_str().unwrap();
            let summary = a["summary"].as_str().unwrap();
            assert_eq!(a["title"], want["title"]);
            for s in strings(&want["must_contain"]) {
                assert!(
                    content.contains(s),
                    "{guid}: content lacks {s:?}\n{content}"
                );
                checks += 1;
            }
            for s in strings(&want["must_not_contain"]) {
                assert!(!content.contains(s), "{guid}: content has {s:?}\n{content}");
                checks += 1;
            }
            for s in strings(&want["summary_must_contain"]) {
                assert!(
                    summary.contains(s),
                    "{guid}: summary lacks {s:?}\n{summary}"
                );
                checks += 1;
            }
            for s in strings(&want["summary_must_not_contain"]) {
                assert!(!summary.contains(s), "{guid}: summary has {s:?}\n{summary}");
                checks += 1;
            }
            if let Some(url) = want.get("canonical_url") {
                assert_eq!(&a["url"], url);
                checks += 1;
            }
        }
    }
    assert!(checks >= 20, "expected.json was not read ({checks} checks)");
}

#[test]
fn ndjson_carries_the_contract_fields() {
    let (_server, ws) = publishers(&[]);
    ws.ok(&["fetch"]);
    let articles = ws.articles();
    let wrap = article_with_source(&articles, "https://www.thewrap.com/?p=7714021");
    assert_eq!(wrap["feed"], "thewrap");
    assert_eq!(wrap["author"], "Ross Bonaime");
    assert_eq!(wrap["published"], "2025-03-10T17:30:00Z");
    assert_eq!(
        wrap["url"],
        "https://www.thewrap.com/last-take-review-rust-halyna-hutchins-documentary/"
    );
    assert!(wrap["id"].is_i64());
    let sources = wrap["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0]["feed"], "thewrap");
    assert_eq!(
        sources[0]["url"],
        "https://www.thewrap.com/last-take-review-rust-halyna-hutchins-documentary/"
    );
    // Raw HTML is kept for re-cleaning; the article keeps sanitized HTML beside the text.
    assert_eq!(
        ws.count("SELECT count(*) FROM items WHERE content_html LIKE '%appeared first on%'"),
        1
    );
    assert_eq!(ws.count("SELECT count(*) FROM articles WHERE content_html LIKE '%<p>%' AND content_html NOT LIKE '%appeared first%'"), 2);
}

#[test]
fn second_fetch_is_conditional_and_stores_nothing_new() {
    let server = Server::start();
    server.set(
        "/f.rss",
        Route::feed(fixture("publishers/wordpress-footer.rss")).with_etag("\"v1\""),
    );
    let ws = Workspace::new(&feed_config(&[("wrap", server.url("/f.rss"))]));
    ws.ok(&["fetch"]);
    let before: i64 =
        ws.count("SELECT count(*) FROM items") + ws.count("SELECT count(*) FROM articles");
    ws.ok(&["fetch"]);
    let requests = server.seen("/f.rss");
    assert_eq!(requests.len(), 2);
    assert!(
        requests[0]
            .headers
            .get("user-agent")
            .is_some_and(|ua| ua.starts_with("feedsift/"))
    );
    assert_eq!(
        requests[1].headers.get("if-none-match").map(String::as_str),
        Some("\"v1\"")
    );
    assert_eq!(requests[1].status, 304);
    assert_eq!(
        ws.count("SELECT count(*) FROM items") + ws.count("SELECT count(*) FROM articles"),
        before
    );
    assert_eq!(
        ws.count("SELECT last_status FROM feeds WHERE name = 'wrap'"),
        304
    );
    assert_eq!(ws.count("SELECT revision FROM articles"), 1);
}

#[test]
fn an_edited_item_updates_its_article_in_place() {
    let server = Server::start();
    let body = |word: &str| {
        format!(
            "<p>{}</p>",
            format!("The council met on {word} to discuss the budget. ").repeat(8)
        )
    };
    let v1 = rss(
        "News",
        &[item(
            "g1",
            "https://example.com/a",
            "Budget",
            &body("Monday"),
        )],
    );
    let v2 = rss(
        "News",
        &[item(
            "g1",
            "https://example.com/a",
            "Budget (updated)",
            &body("Tuesday"),
        )],
    );
    server.set("/n.rss", Route::feed(v1));
    let ws = Workspace::new(&feed_config(&[("news", server.url("/n.rss"))]));
    ws.ok(&["fetch"]);
    server.set("/n.rss", Route::feed(v2));
    ws.ok(&["fetch"]);
    let articles = ws.articles();
    assert_eq!(articles.len(), 1);
    assert_eq!(articles[0]["title"], "Budget (updated)");
    assert!(articles[0]["content"].as_str().unwrap().contains("Tuesday"));
    assert_eq!(ws.count("SELECT count(*) FROM items"), 1);
    assert_eq!(ws.count("SELECT revision FROM articles"), 2);
}

#[test]
fn one_story_in_two_feeds_is_one_article_with_two_sources() {
    let server = Server::start();
    let text = "<p>Exclusive: the harbour bridge will close for repairs next spring.</p>";
    server.set(
        "/a.rss",
        Route::feed(rss(
            "A",
            &[item(
                "a-1",
                "https://news.example/story?utm_source=a&utm_medium=rss",
                "Bridge",
                text,
            )],
        )),
    );
    server.set(
        "/b.rss",
        Route::feed(rss(
            "B",
            &[item(
                "b-9",
                "https://NEWS.example/story?fbclid=x#top",
                "Bridge closes",
                text,
            )],
        )),
    );
    let ws = Workspace::new(&feed_config(&[
        ("a", server.url("/a.rss")),
        ("b", server.url("/b.rss")),
    ]));
    ws.ok(&["fetch"]);
    let articles = ws.articles();
    assert_eq!(articles.len(), 1, "{articles:#?}");
    assert_eq!(articles[0]["url"], "https://news.example/story");
    let mut feeds: Vec<&str> = articles[0]["sources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["feed"].as_str().unwrap())
        .collect();
    feeds.sort();
    assert_eq!(feeds, ["a", "b"]);
    assert_eq!(
        ws.count("SELECT count(*) FROM items WHERE match_rule = 'same-url'"),
        1
    );
}

#[test]
fn the_same_long_text_under_another_url_is_one_article() {
    let server = Server::start();
    let text = format!(
        "<p>{}</p>",
        "Researchers reported a new method for recycling lithium batteries at scale. ".repeat(6)
    );
    server.set(
        "/a.rss",
        Route::feed(rss(
            "A",
            &[item("a-1", "https://a.example/one", "Batteries", &text)],
        )),
    );
    server.set(
        "/b.rss",
        Route::feed(rss(
            "B",
            &[item(
                "b-1",
                "https://b.example/copy",
                "Batteries (syndicated)",
                &text,
            )],
        )),
    );
    let ws = Workspace::new(&feed_config(&[
        ("a", server.url("/a.rss")),
        ("b", server.url("/b.rss")),
    ]));
    ws.ok(&["fetch", "--feed", "a"]);
    ws.ok(&["fetch", "--feed", "b"]);
    assert_eq!(ws.articles().len(), 1);
    assert_eq!(
        ws.count("SELECT count(*) FROM items WHERE match_rule = 'same-text'"),
        1
    );
}

#[test]
fn failing_feeds_are_reported_and_the_others_stored() {
    let server = Server::start();
    server.set(
        "/good.rss",
        Route::feed(fixture("publishers/wordpress-footer.rss")),
    );
    server.set("/gone.rss", Route::status(404, "not here"));
    server.set(
        "/slow.rss",
        Route::feed(fixture("publishers/wordpress-footer.rss")).with_delay(Duration::from_secs(5)),
    );
    server.set(
        "/page.html",
        Route::status(200, "<!DOCTYPE html><html><body>Welcome</body></html>"),
    );
    let mut config = feed_config(&[
        ("good", server.url("/good.rss")),
        ("gone", server.url("/gone.rss")),
        ("page", server.url("/page.html")),
    ]);
    config.push_str(&format!(
        "\n[[feeds]]\nname = \"slow\"\nurl = \"{}\"\ntimeout = 1\n",
        server.url("/slow.rss")
    ));
    let ws = Workspace::new(&config);
    let out = ws.run(&["fetch"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "partial failure exits 1: {}",
        stderr(&out)
    );
    let err = stderr(&out);
    assert!(err.contains("feed \"gone\": HTTP 404"), "{err}");
    assert!(
        err.contains("feed \"slow\": no complete answer") && err.contains("within 1s"),
        "{err}"
    );
    assert!(
        err.contains("feed \"page\": this is an HTML page, not a feed"),
        "{err}"
    );
    assert!(
        err.contains("4 feeds: 1 stored (1 new articles), 0 unchanged, 3 failed"),
        "{err}"
    );
    assert_eq!(ws.articles().len(), 1);
    let db = ws.db();
    let row = |name: &str| -> (Option<i64>, String, i64) {
        db.query_row(
            "SELECT last_status, last_error, consecutive_failures FROM feeds WHERE name = ?1",
            [name],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap()
    };
    assert_eq!(row("gone").0, Some(404));
    assert!(row("slow").1.contains("timeout") || row("slow").1.contains("no complete answer"));
    assert_eq!(row("page").2, 1);
    let table = ws.ok(&["feeds"]);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("gone") && l.contains("failing (1x)") && l.contains("HTTP 404")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("good") && l.contains(" ok ")),
        "{table}"
    );
}

#[test]
fn a_feed_that_starts_failing_keeps_what_it_stored() {
    let server = Server::start();
    server.set(
        "/f.rss",
        Route::feed(fixture("publishers/inline-markup-related.rss")),
    );
    let ws = Workspace::new(&feed_config(&[("c", server.url("/f.rss"))]));
    ws.ok(&["fetch"]);
    server.set(
        "/f.rss",
        Route::feed("<rss version=\"2.0\"><channel><item><title>broken"),
    );
    assert_eq!(ws.run(&["fetch"]).status.code(), Some(1));
    assert_eq!(ws.articles().len(), 1);
    assert_eq!(
        ws.count("SELECT consecutive_failures FROM feeds WHERE name = 'c'"),
        1
    );
    server.set(
        "/f.rss",
        Route::feed(fixture("publishers/inline-markup-related.rss")),
    );
    ws.ok(&["fetch"]);
    assert_eq!(
        ws.count("SELECT consecutive_failures FROM feeds WHERE name = 'c'"),
        0
    );
}

#[test]
fn local_files_work_offline_and_unchanged_files_are_skipped() {
    let ws = Workspace::new("");
    std::fs::write(
        ws.path("saved.rss"),
        fixture("publishers/wordpress-footer.rss"),
    )
    .unwrap();
    ws.write_config("[[feeds]]\nname = \"saved\"\nurl = \"saved.rss\"\n");
    ws.ok(&["fetch"]);
    assert_eq!(ws.articles().len(), 1);
    let before = ws.count("SELECT count(*) FROM items");
    let out = ws.run(&["fetch"]);
    assert!(stderr(&out).contains("1 unchanged"), "{}", stderr(&out));
    assert_eq!(ws.count("SELECT count(*) FROM items"), before);
}

#[test]
fn the_bundled_offline_example_runs() {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let ws = Workspace::new("");
    let config = repo.join("examples/offline.toml");
    let db = ws.path("offline.db");
    let out = ws.run(&[
        "--config",
        config.to_str().unwrap(),
        "--db",
        db.to_str().unwrap(),
        "fetch",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = ws.ok(&["--db", db.to_str().unwrap(), "export", "--format", "ndjson"]);
    assert!(text.lines().count() >= 4, "{text}");
    assert!(!text.contains("appeared first on"));
}

#[test]
fn gzip_bodies_redirect_limits_and_size_caps() {
    use std::io::Write as _;
    let server = Server::start();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(fixture("publishers/wordpress-footer.rss").as_bytes())
        .unwrap();
    let mut gzipped = Route::feed(gz.finish().unwrap());
    gzipped
        .headers
        .push(("Content-Encoding".into(), "gzip".into()));
    server.set("/gz.rss", gzipped);
    let mut redirect = Route::status(301, "");
    redirect
        .headers
        .push(("Location".into(), server.url("/loop.rss")));
    server.set("/loop.rss", redirect);
    for hop in 0..12 {
        let mut next = Route::status(302, "");
        let target = server.url(&format!("/chain{}.rss", hop + 1));
        next.headers.push(("Location".into(), target));
        server.set(&format!("/chain{hop}.rss"), next);
    }
    server.set(
        "/big.rss",
        Route::feed(fixture("publishers/inline-markup-related.rss")),
    );
    let mut config = feed_config(&[
        ("gz", server.url("/gz.rss")),
        ("loop", server.url("/loop.rss")),
        ("chain", server.url("/chain0.rss")),
    ]);
    config.push_str(&format!(
        "\n[[feeds]]\nname = \"big\"\nurl = \"{}\"\nmax_body_size = \"2 KiB\"\n",
        server.url("/big.rss")
    ));
    let ws = Workspace::new(&config);
    let out = ws.run(&["fetch"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        server.seen("/gz.rss")[0]
            .headers
            .get("accept-encoding")
            .is_some_and(|v| v.contains("gzip"))
    );
    assert_eq!(ws.articles().len(), 1, "the gzip feed is stored");
    assert!(err.contains("feed \"loop\": redirect loop from"), "{err}");
    assert_eq!(server.seen("/loop.rss").len(), 1, "a loop is seen at once");
    assert!(err.contains("feed \"chain\": too many redirects"), "{err}");
    assert!(server.seen("/chain10.rss").len() == 1 && server.seen("/chain11.rss").is_empty());
    assert!(
        err.contains("feed \"big\": the feed at") && err.contains("larger than 2048 bytes"),
        "{err}"
    );
}
