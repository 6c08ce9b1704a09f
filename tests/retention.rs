//! Retention through the binary: `keep`, `max_articles_per_feed` and `keep_raw`, `prune
//! --dry-run`, `stats`, and the daemon's own pass. Ages are set by moving `last_seen_at` back
//! in the real database file.

mod common;

use common::{Route, Server, Workspace, feed_config, item, rss, stderr, wait_for};

fn story(n: usize) -> String {
    let word: String = [n % 26, n / 26 % 26]
        .iter()
        .map(|&i| (b'a' + i as u8) as char)
        .collect();
    item(
        &format!("g{n}"),
        &format!("https://example.com/{word}"),
        &format!("Story {word}"),
        &format!("<p>Zq{word} reported {word}x findings to the {word}y board.</p>"),
    )
}

fn stories(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(story).collect()
}

/// Two feeds; `old` carries stories 1-4, `shared` carries story 4 (the same URL) and 5.
fn two_feeds(old_settings: &str) -> (Server, Workspace) {
    let server = Server::start();
    server.set("/old.rss", Route::feed(rss("Old", &stories(1..=4))));
    server.set("/shared.rss", Route::feed(rss("Shared", &stories(4..=5))));
    let config = feed_config(&[
        ("old", server.url("/old.rss")),
        ("shared", server.url("/shared.rss")),
    ])
    .replace(
        &format!("name = \"old\"\nurl = \"{}\"\n", server.url("/old.rss")),
        &format!(
            "name = \"old\"\nurl = \"{}\"\n{old_settings}\n",
            server.url("/old.rss")
        ),
    );
    let ws = Workspace::new(&config);
    ws.ok(&["fetch"]);
    (server, ws)
}

fn age_feed(ws: &Workspace, feed: &str, when: &str) {
    ws.db()
        .execute(
            "UPDATE items SET last_seen_at = ?2
             WHERE feed_id = (SELECT id FROM feeds WHERE name = ?1)",
            [feed, when],
        )
        .unwrap();
}

fn titles(ws: &Workspace) -> Vec<String> {
    let mut t: Vec<String> = ws
        .articles()
        .iter()
        .map(|a| a["title"].as_str().unwrap().to_string())
        .collect();
    t.sort();
    t
}

#[test]
fn keep_deletes_articles_whose_every_source_is_old() {
    let (_s, ws) = two_feeds("keep = \"30d\"");
    assert_eq!(ws.count("SELECT count(*) FROM articles"), 5);
    age_feed(&ws, "old", "2020-01-01T00:00:00Z");

    let dry = ws.run(&["prune", "--dry-run"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    assert!(
        stderr(&dry).contains("would delete 3 articles"),
        "{}",
        stderr(&dry)
    );
    assert_eq!(
        ws.count("SELECT count(*) FROM articles"),
        5,
        "a dry run deletes nothing"
    );

    let out = ws.run(&["prune"]);
    assert!(
        stderr(&out).contains("deleted 3 articles and 3 items"),
        "{}",
        stderr(&out)
    );
    // Story 4 has a source in `shared`, which keeps everything: it stays, with both sources.
    assert_eq!(titles(&ws), ["Story ea", "Story fa"]);
    let kept = ws.count("SELECT count(*) FROM items WHERE article_id = (SELECT id FROM articles WHERE title = 'Story ea')");
    assert_eq!(kept, 2);
    assert_eq!(
        ws.count("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'zqaa'"),
        0,
        "the search index follows"
    );
    for index in ["article_keys", "article_keys_recent"] {
        assert_eq!(
            ws.count(&format!(
                "SELECT count(*) FROM {index} WHERE article_id NOT IN (SELECT id FROM articles)"
            )),
            0,
            "{index} keeps no keys of deleted articles"
        );
    }
    assert_eq!(ws.count("SELECT count(*) FROM pragma_foreign_key_check"), 0);
    let again = ws.run(&["prune"]);
    assert!(
        stderr(&again).contains("deleted 0 articles"),
        "{}",
        stderr(&again)
    );
}

#[test]
fn max_articles_per_feed_keeps_the_newest_but_never_the_latest_fetch() {
    let server = Server::start();
    server.set("/f.rss", Route::feed(rss("F", &stories(1..=5))));
    let config = feed_config(&[("f", server.url("/f.rss"))])
        .replace("[defaults]\n", "[defaults]\nmax_articles_per_feed = 2\n");
    let ws = Workspace::new(&config);
    ws.ok(&["fetch"]);
    ws.ok(&["prune"]);
    assert_eq!(
        ws.count("SELECT count(*) FROM articles"),
        5,
        "all five are still in the feed"
    );

    // Later the feed carries two new stories only; the five older ones are pruned down.
    server.set("/f.rss", Route::feed(rss("F", &stories(6..=7))));
    ws.ok(&["fetch"]);
    // (Both fetches ran within one second; the first one's items are older in real use.)
    ws.db()
        .execute(
            "UPDATE items SET last_seen_at = '2026-01-01T00:00:00Z' WHERE guid NOT IN ('g6', 'g7')",
            [],
        )
        .unwrap();
    ws.db()
        .execute(
            "UPDATE articles SET published_at = '2026-01-0' || (id % 9) || 'T00:00:00Z'",
            [],
        )
        .unwrap();
    let out = ws.run(&["prune"]);
    assert!(
        stderr(&out).contains("deleted 5 articles"),
        "{}",
        stderr(&out)
    );
    assert_eq!(titles(&ws), ["Story ga", "Story ha"]);
}

#[test]
fn keep_raw_drops_raw_html_but_keeps_text_and_reprocess_leaves_it() {
    let (_s, ws) = two_feeds("keep_raw = \"7d\"");
    let before = ws.articles();
    age_feed(&ws, "old", "2020-01-01T00:00:00Z");
    let out = ws.run(&["prune"]);
    assert!(
        stderr(&out).contains("raw HTML dropped from 4 items"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        ws.count(
            "SELECT count(*) FROM items WHERE content_html IS NOT NULL OR summary_html IS NOT NULL"
        ),
        2
    );
    assert_eq!(
        ws.count("SELECT count(*) FROM items WHERE raw_dropped_at IS NOT NULL"),
        4
    );
    assert_eq!(
        ws.articles(),
        before,
        "text, sources and all else unchanged"
    );
    ws.ok(&["reprocess"]);
    assert_eq!(
        ws.articles(),
        before,
        "reprocess leaves articles without raw HTML alone"
    );
}

#[test]
fn stats_show_sizes_and_per_feed_counts() {
    let (_s, ws) = two_feeds("");
    let text = ws.ok(&["stats"]);
    assert!(text.starts_with("database  "), "{text}");
    assert!(text.contains("5 articles, 6 items"), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&ws.ok(&["stats", "--format", "json"])).unwrap();
    assert!(json["database_bytes"].as_i64().unwrap() > 0);
    let feeds = json["feeds"].as_array().unwrap();
    let old = feeds.iter().find(|f| f["feed"] == "old").unwrap();
    assert_eq!(old["items"], 4);
    assert_eq!(old["articles"], 4);
    assert!(old["raw_bytes"].as_i64().unwrap() > 0);
    let none = ws.run(&["prune"]);
    assert!(
        stderr(&none).contains("nothing to prune"),
        "{}",
        stderr(&none)
    );
}

#[test]
fn the_daemon_prunes_on_its_own() {
    let (_s, ws) = two_feeds("keep = \"30d\"");
    age_feed(&ws, "old", "2020-01-01T00:00:00Z");
    let daemon = ws.daemon(&[]);
    wait_for("the daemon's retention pass", || {
        ws.count("SELECT count(*) FROM articles") == 2
    });
    let (status, _) = daemon.stop();
    assert!(status.success());
}
