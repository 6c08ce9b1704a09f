//! Sudden death and a full disk.
//!
//! `feedsift fetch` is killed with SIGKILL at random moments while it ingests 16 feeds: after
//! each kill `PRAGMA integrity_check` is ok, every feed holds all of its items or none (one
//! transaction per feed), each article is in the full-text index or queued for it, and the
//! next run completes the rest and indexes the queue. 6 kills in CI;
//! `FEEDSIFT_CRASH_RUNS=50` for the long run reported in docs/reliability.md.
//!
//! A full disk is simulated with `max_database_size` (SQLite's `max_page_count`): writes fail
//! with a clear error, the daemon keeps running and stores what it could not once there is
//! room again (the limit raised and the config reloaded).

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Route, Server, Workspace, item, notice, rss, wait_for};

const FEEDS: usize = 16;
const ITEMS: usize = 25;

/// A story of distinct words (so dedup has no near copies to weigh), in a few paragraphs.
fn story(feed: usize, i: usize) -> String {
    const WORDS: [&str; 24] = [
        "harbour", "lantern", "copper", "meadow", "quartz", "signal", "timber", "velvet",
        "orchard", "pepper", "glacier", "saddle", "thistle", "marble", "falcon", "ember", "canyon",
        "pillow", "rocket", "walnut", "mirror", "tunnel", "basket", "comet",
    ];
    let mut state = (feed * 1000 + i) as u64 + 1;
    let mut paragraphs = String::new();
    for _ in 0..4 {
        let words: Vec<&str> = (0..40)
            .map(|_| WORDS[(next_random(&mut state) % WORDS.len() as u64) as usize])
            .collect();
        paragraphs.push_str(&format!("<p>{} <em>{feed}-{i}</em>.</p>", words.join(" ")));
    }
    paragraphs
}

fn serve_feeds() -> (Server, String) {
    let server = Server::start();
    let mut config = String::from("concurrency = 4\nhost_concurrency = 4\n");
    for feed in 0..FEEDS {
        let items: Vec<String> = (0..ITEMS)
            .map(|i| {
                item(
                    &format!("f{feed}-{i}"),
                    &format!("https://f{feed}.example/{i}"),
                    &format!("Feed {feed} story {i}"),
                    &story(feed, i),
                )
            })
            .collect();
        let path = format!("/feed/{feed}");
        server.set(&path, Route::feed(rss(&format!("Feed {feed}"), &items)));
        config.push_str(&format!(
            "[[feeds]]\nname = \"f{feed}\"\nurl = \"{}\"\n",
            server.url(&path)
        ));
    }
    (server, config)
}

/// Items per feed, and feeds whose row says a fetch succeeded. A run killed after creating
/// the file but before its schema was committed leaves a database with no tables: no feeds.
fn per_feed(ws: &Workspace) -> (Vec<i64>, Vec<bool>) {
    let db = ws.db();
    let integrity: String = db
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let has_schema: bool = db
        .query_row(
            "SELECT count(*) > 0 FROM sqlite_schema WHERE name = 'feeds'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    if !has_schema {
        return (Vec::new(), Vec::new());
    }
    assert_search_index_whole(&db);
    let mut stmt = db
        .prepare(
            "SELECT f.name, (SELECT COUNT(*) FROM items i WHERE i.feed_id = f.id),
                    f.last_success_at IS NOT NULL
             FROM feeds f ORDER BY f.id",
        )
        .unwrap();
    let rows: Vec<(String, i64, bool)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    (
        rows.iter().map(|r| r.1).collect(),
        rows.iter().map(|r| r.2).collect(),
    )
}

/// The full-text index is sound, and each article is in it or queued for it, never both
/// (schema 11; a kill during the migrations can leave an older schema). FTS5's check
/// against the articles themselves (`rank` 1) would count the queued ones as missing, so
/// that one waits for the queue to be empty.
fn assert_search_index_whole(db: &rusqlite::Connection) {
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    if count("SELECT count(*) FROM sqlite_schema WHERE name = 'articles_fts_pending'") == 0 {
        return;
    }
    let against_articles = i64::from(count("SELECT count(*) FROM articles_fts_pending") == 0);
    db.execute(
        "INSERT INTO articles_fts (articles_fts, rank) VALUES ('integrity-check', ?1)",
        [against_articles],
    )
    .expect("the full-text index is sound");
    let misplaced = count(
        "SELECT count(*) FROM articles a
         WHERE (SELECT count(*) FROM articles_fts_docsize d WHERE d.id = a.id)
             + (SELECT count(*) FROM articles_fts_pending p WHERE p.article_id = a.id) <> 1",
    );
    assert_eq!(misplaced, 0, "articles neither indexed nor queued, or both");
}

/// A small deterministic generator: the delays differ per run and can be replayed.
fn next_random(state: &mut u64) -> u64 {
    *state = state
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *state >> 33
}

#[test]
fn sigkill_during_ingest_leaves_whole_feeds_and_the_next_run_resumes() {
    let runs: usize = std::env::var("FEEDSIFT_CRASH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(6);
    let (_server, config) = serve_feeds();
    // How long an unkilled run takes, so the kills land inside the ingest.
    let timing = Workspace::new(&config);
    let started = Instant::now();
    timing.ok(&["fetch"]);
    let full = started.elapsed();
    let (items, _) = per_feed(&timing);
    assert!(
        items.len() == FEEDS && items.iter().all(|&n| n == ITEMS as i64),
        "{items:?}"
    );
    let mut seed = 0x5eed_u64 ^ u64::from(std::process::id());
    let (mut partial_states, mut killed_mid_run) = (0, 0);
    for run in 0..runs {
        let ws = Workspace::new(&config);
        let delay =
            Duration::from_millis(next_random(&mut seed) % (full.as_millis() as u64).max(1));
        let mut child = ws
            .command(&["fetch"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let finished_first = child.try_wait().unwrap().is_some();
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        killed_mid_run += usize::from(!finished_first);
        if ws.path("feedsift.db").exists() {
            let (items, succeeded) = per_feed(&ws);
            for (feed, (&n, &ok)) in items.iter().zip(&succeeded).enumerate() {
                assert!(
                    n == 0 || n == ITEMS as i64,
                    "run {run} (kill at {delay:?}): feed f{feed} half-written with {n} items"
                );
                assert_eq!(ok, n > 0, "run {run}: feed f{feed} row and items disagree");
            }
            let stored = items.iter().filter(|&&n| n > 0).count();
            partial_states += usize::from(stored > 0 && stored < FEEDS);
        }
        ws.ok(&["fetch"]);
        let (items, _) = per_feed(&ws);
        assert!(
            items.len() == FEEDS && items.iter().all(|&n| n == ITEMS as i64),
            "run {run}: the next run did not complete: {items:?}"
        );
        assert_eq!(
            ws.count("SELECT count(*) FROM articles_fts_pending"),
            0,
            "run {run}: the next run left articles out of the search index"
        );
    }
    notice(&format!(
        "crash: {runs} SIGKILLs ({killed_mid_run} mid-run, {partial_states} with some feeds stored and some not), an unkilled run takes {:.2} s; integrity ok, whole feeds and every article indexed or queued every time",
        full.as_secs_f64()
    ));
    assert!(killed_mid_run > 0, "no kill landed while feedsift ran");
}

#[test]
fn a_full_database_fails_clearly_keeps_the_daemon_and_recovers_with_room() {
    let server = Server::start();
    let small = rss(
        "Small",
        &[item(
            "s1",
            "https://small.example/1",
            "Small story",
            "<p>Fits easily.</p>",
        )],
    );
    server.set("/small", Route::feed(small));
    let big_items: Vec<String> = (0..300)
        .map(|i| {
            item(
                &format!("b{i}"),
                &format!("https://big.example/{i}"),
                &format!("Big story {i}"),
                &story(1000 + i, i),
            )
        })
        .collect();
    server.set("/big", Route::feed(rss("Big", &big_items)));
    let config = |limit: &str| {
        format!(
            "max_database_size = \"{limit}\"\n[defaults]\nschedule = \"*/1 * * * * *\"\n\
             [[feeds]]\nname = \"small\"\nurl = \"{}\"\n[[feeds]]\nname = \"big\"\nurl = \"{}\"\n",
            server.url("/small"),
            server.url("/big")
        )
    };
    let ws = Workspace::new(&config("1 MiB"));
    let mut daemon = ws.daemon(&[]);
    let big_error = || {
        if !ws.path("feedsift.db").exists() {
            return None;
        }
        ws.feeds_json()
            .as_array()
            .and_then(|feeds| feeds.iter().find(|f| f["name"] == "big").cloned())
            .and_then(|f| f["last_error"].as_str().map(str::to_string))
    };
    wait_for("the big feed fails for lack of room", || {
        big_error().is_some()
    });
    let error = big_error().unwrap();
    assert!(
        error.contains("database is full") && error.contains("max_database_size"),
        "{error}"
    );
    wait_for("the small feed stored", || {
        common::count_rows(&ws, "articles") == 1
    });
    // A second failing poll: the daemon keeps going and keeps what it has.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(daemon.is_running(), "{}", daemon.log());
    assert_eq!(common::count_rows(&ws, "articles"), 1);
    // Room again: the limit is raised and the config reloaded.
    ws.write_config(&config("256 MiB"));
    daemon.signal("HUP");
    wait_for("the big feed stored once there is room", || {
        common::count_rows(&ws, "articles") == 301
    });
    assert!(big_error().is_none(), "{:?}", big_error());
    let integrity: String = ws
        .db()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok");
    let (status, _) = daemon.stop();
    assert!(status.success());
}
