//! The commands around the pipeline: clean, search, feeds, config errors (the daemon has
//! tests/daemon.rs).

mod common;

use std::io::Write;
use std::process::Stdio;

use common::{Route, Server, Workspace, feed_config, fixture, publishers, stderr};

#[test]
fn clean_reads_html_on_stdin_and_prints_text() {
    let ws = Workspace::new("");
    let mut child = ws
        .command(&["clean"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"<p>the <em>Rust</em> shooting</p><p>The post X appeared first on Y.</p>")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "the Rust shooting\n"
    );
}

#[test]
fn search_ranks_highlights_and_explains_bad_queries() {
    let (_server, ws) = publishers(&[]);
    ws.ok(&["fetch"]);
    let hits = ws.ok(&["search", "Redbox"]);
    assert!(
        hits.starts_with("2025-03-10  thewrap  ‘Last Take’ Review"),
        "{hits}"
    );
    assert!(hits.contains("[Redbox]"), "{hits}");
    let phrase = ws.ok(&["search", "\"systemic negligence\""]);
    assert!(
        phrase.contains("collider") && !phrase.contains("thewrap"),
        "{phrase}"
    );
    assert!(
        ws.ok(&["search", "Gutierr*"])
            .lines()
            .filter(|l| l.starts_with("2025"))
            .count()
            == 2
    );
    let bad = ws.run(&["search", "\"unclosed"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("invalid search query"),
        "{}",
        stderr(&bad)
    );
    assert!(!stderr(&bad).contains("database error"), "{}", stderr(&bad));
}

/// New articles wait in `articles_fts_pending` while more feeds are on their way; a pass
/// ends with all of them in the index, and one a kill left queued is indexed by search.
#[test]
fn the_search_index_holds_every_article_after_a_pass_and_search_catches_up() {
    let (_server, ws) = publishers(&[]);
    ws.ok(&["fetch"]);
    let articles = ws.count("SELECT count(*) FROM articles");
    assert!(articles > 1);
    assert_eq!(ws.count("SELECT count(*) FROM articles_fts_pending"), 0);
    let matched = |ws: &Workspace| {
        ws.count("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH 'redbox'")
    };
    assert_eq!(matched(&ws), 1, "indexed without a search first");

    // What a kill between storing an article and indexing it leaves.
    ws.db()
        .execute_batch(
            "INSERT INTO articles_fts (articles_fts, rowid, title, content)
                 SELECT 'delete', id, title, content FROM articles;
             INSERT INTO articles_fts_pending (article_id) SELECT id FROM articles;",
        )
        .unwrap();
    assert_eq!(matched(&ws), 0);
    let hits = ws.ok(&["search", "Redbox"]);
    assert!(hits.contains("[Redbox]"), "{hits}");
    assert_eq!(ws.count("SELECT count(*) FROM articles_fts_pending"), 0);
    assert_eq!(matched(&ws), 1);
    ws.db()
        .execute(
            "INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .expect("the full-text index is sound");
}

#[test]
fn config_errors_name_file_line_and_fix() {
    let ws = Workspace::new(
        "[[feeds]]\nname = \"a\"\nurl = \"https://example.com/feed\"\nshedule = \"0 * * * * *\"\n",
    );
    let out = ws.run(&["fetch"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("feeds.toml:4:1: unknown key `shedule`; did you mean `schedule`?"),
        "{}",
        stderr(&out)
    );
    assert!(
        !ws.path("feedsift.db").exists(),
        "nothing is created for a bad config"
    );

    let missing = ws.run(&["--config", "nope.toml", "fetch"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("cannot read config file nope.toml"),
        "{}",
        stderr(&missing)
    );

    let no_db = ws.run(&["--db", "absent.db", "export"]);
    assert!(
        stderr(&no_db).contains("run `feedsift fetch` first"),
        "{}",
        stderr(&no_db)
    );
}

#[test]
fn fetch_names_unknown_feeds() {
    let ws = Workspace::new(&feed_config(&[("one", "https://example.com/f".into())]));
    let out = ws.run(&["fetch", "--feed", "two"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no feed named \"two\"") && stderr(&out).contains("known feeds: one"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn feeds_json_lists_status() {
    let server = Server::start();
    server.set(
        "/f.rss",
        Route::feed(fixture("publishers/wordpress-footer.rss")),
    );
    let ws = Workspace::new(&feed_config(&[("wrap", server.url("/f.rss"))]));
    ws.ok(&["fetch"]);
    let v: serde_json::Value =
        serde_json::from_str(&ws.ok(&["feeds", "--format", "json"])).unwrap();
    assert_eq!(v[0]["name"], "wrap");
    assert_eq!(v[0]["title"], "TheWrap");
    assert_eq!(v[0]["items"], 1);
    assert_eq!(v[0]["last_status"], 200);
    assert!(v[0]["last_error"].is_null());
}
