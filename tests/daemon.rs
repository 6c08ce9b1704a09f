//! The real `feedsift run` against loopback servers: schedules, conditional polls, Retry-After,
//! permanent redirects, SIGTERM mid-response, SIGHUP reloads, systemd notifications, the
//! lock against a second daemon, and readers during writes.

mod common;

use std::os::unix::net::UnixDatagram;
use std::time::{Duration, Instant};

use common::{Route, Server, Workspace, count_rows, feed_config, item, rss, stderr, wait_for};

fn story(n: usize) -> String {
    item(
        &format!("g{n}"),
        &format!("https://example.com/{n}"),
        &format!("Story {n}"),
        &format!("<p>Story number {n} has a body of its own.</p>"),
    )
}

fn stories(range: std::ops::RangeInclusive<usize>) -> Vec<String> {
    range.map(story).collect()
}

/// A config whose feeds all poll on `schedule`.
fn config_with_schedule(feeds: &[(&str, String)], schedule: &str) -> String {
    feed_config(feeds).replace(
        "[defaults]\n",
        &format!("[defaults]\nschedule = \"{schedule}\"\n"),
    )
}

fn integrity(ws: &Workspace) -> String {
    ws.db()
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn a_cron_tick_picks_up_a_new_item_after_a_conditional_poll() {
    let server = Server::start();
    server.set(
        "/f.rss",
        Route::feed(rss("Live", &stories(1..=1))).with_etag("\"v1\""),
    );
    let ws = Workspace::new(&config_with_schedule(
        &[("live", server.url("/f.rss"))],
        "*/2 * * * * *",
    ));
    let daemon = ws.daemon(&[]);
    wait_for("the first item", || count_rows(&ws, "items") == 1);
    wait_for("a conditional poll answered 304", || {
        server.seen("/f.rss").iter().any(|s| {
            s.status == 304 && s.headers.get("if-none-match").map(String::as_str) == Some("\"v1\"")
        })
    });
    assert_eq!(count_rows(&ws, "items"), 1, "a 304 stores nothing");
    server.set(
        "/f.rss",
        Route::feed(rss("Live", &stories(1..=2))).with_etag("\"v2\""),
    );
    wait_for("the new item", || count_rows(&ws, "items") == 2);
    let (status, took) = daemon.stop();
    assert!(status.success(), "exit status {status}");
    assert!(took < Duration::from_secs(10));
    assert_eq!(integrity(&ws), "ok");
    let v = ws.feeds_json();
    assert_eq!(v[0]["consecutive_failures"], 0);
    assert!(v[0]["next_poll"].is_string(), "{v}");
}

#[test]
fn retry_after_on_429_holds_every_feed_of_the_host() {
    let server = Server::start();
    server.set(
        "/busy.rss",
        Route::status(429, "slow down").with_header("Retry-After", "6"),
    );
    server.set("/calm.rss", Route::feed(rss("Calm", &stories(1..=1))));
    let ws = Workspace::new(&config_with_schedule(
        &[
            ("busy", server.url("/busy.rss")),
            ("calm", server.url("/calm.rss")),
        ],
        "* * * * * *",
    ));
    let daemon = ws.daemon(&[]);
    wait_for("the 429", || !server.seen("/busy.rss").is_empty());
    let refused = server.seen("/busy.rss")[0].at;
    // Both feeds may be asked in the same instant at start. After the 429, nothing goes to
    // the host until the Retry-After is over, though both feeds are due every second.
    wait_for("the host asked again", || {
        server.seen("/busy.rss").len() >= 2 && server.seen("/calm.rss").len() >= 2
    });
    for path in ["/busy.rss", "/calm.rss"] {
        let again = server.seen(path)[1].at.duration_since(refused);
        assert!(
            again >= Duration::from_millis(5900),
            "{path} asked again {again:?} after the 429"
        );
    }
    let (status, _) = daemon.stop();
    assert!(status.success());
    assert!(
        daemon_log_mentions(&ws, "Retry-After"),
        "the pause is logged"
    );
}

fn daemon_log_mentions(ws: &Workspace, text: &str) -> bool {
    std::fs::read_to_string(ws.path("daemon.log"))
        .unwrap_or_default()
        .contains(text)
}

#[test]
fn a_permanent_redirect_is_followed_recorded_and_used_from_then_on() {
    let server = Server::start();
    server.set("/old.rss", Route::redirect(301, &server.url("/new.rss")));
    server.set(
        "/new.rss",
        Route::feed(rss("Moved", &stories(1..=1))).with_etag("\"m\""),
    );
    let ws = Workspace::new(&config_with_schedule(
        &[("moved", server.url("/old.rss"))],
        "* * * * * *",
    ));
    let daemon = ws.daemon(&[]);
    wait_for("the item from the new URL", || {
        count_rows(&ws, "items") == 1
    });
    wait_for("two more polls", || server.seen("/new.rss").len() >= 3);
    assert_eq!(
        server.seen("/old.rss").len(),
        1,
        "the old URL is asked once"
    );
    let (status, _) = daemon.stop();
    assert!(status.success());
    let table = ws.ok(&["feeds"]);
    let new_url = server.url("/new.rss");
    assert!(
        table.contains(&format!(
            "moved permanently to {new_url}: update feeds.toml"
        )),
        "{table}"
    );
    let v = ws.feeds_json();
    assert_eq!(v[0]["moved_to"], new_url.as_str());
    // Editing feeds.toml to the new URL clears the note.
    ws.write_config(&feed_config(&[("moved", new_url.clone())]));
    ws.ok(&["fetch"]);
    let v = ws.feeds_json();
    assert!(v[0]["moved_to"].is_null(), "{v}");
}

#[test]
fn a_temporary_redirect_is_not_a_move() {
    let server = Server::start();
    server.set("/a.rss", Route::redirect(302, &server.url("/b.rss")));
    server.set("/b.rss", Route::feed(rss("B", &stories(1..=1))));
    let ws = Workspace::new(&feed_config(&[("temp", server.url("/a.rss"))]));
    ws.ok(&["fetch"]);
    ws.ok(&["fetch"]);
    assert_eq!(server.seen("/a.rss").len(), 2);
    let v = ws.feeds_json();
    assert!(v[0]["moved_to"].is_null());
}

#[test]
fn sigterm_while_a_server_is_mid_response_exits_0_and_stores_nothing_half_written() {
    let server = Server::start();
    server.set("/quick.rss", Route::feed(rss("Quick", &stories(1..=3))));
    server.set(
        "/slow.rss",
        Route::feed(rss("Slow", &stories(10..=40))).with_stall(Duration::from_secs(60)),
    );
    let config = feed_config(&[
        ("quick", server.url("/quick.rss")),
        ("slow", server.url("/slow.rss")),
    ])
    .replace("timeout = \"2s\"", "timeout = \"120s\"");
    let ws = Workspace::new(&config);
    let daemon = ws.daemon(&[]);
    wait_for("the quick feed", || count_rows(&ws, "items") == 3);
    wait_for("the slow request", || !server.seen("/slow.rss").is_empty());
    std::thread::sleep(Duration::from_millis(300));
    let (status, took) = daemon.stop();
    assert!(status.success(), "exit status {status}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
    assert_eq!(integrity(&ws), "ok");
    assert_eq!(
        count_rows(&ws, "items"),
        3,
        "nothing of the slow feed is stored"
    );
    assert_eq!(
        ws.count(
            "SELECT count(*) FROM items i JOIN feeds f ON f.id = i.feed_id WHERE f.name = 'slow'"
        ),
        0
    );
}

/// Writes `config`, sends SIGHUP and waits until the log shows `outcome`; returns the log.
fn reload(ws: &Workspace, daemon: &common::Daemon, config: &str, outcome: &str) -> String {
    ws.write_config(config);
    daemon.signal("HUP");
    wait_for(outcome, || daemon.log().contains(outcome));
    daemon.log()
}

#[test]
fn sighup_adds_a_feed_and_an_invalid_config_keeps_the_old_one() {
    let server = Server::start();
    server.set("/a.rss", Route::feed(rss("A", &stories(1..=1))));
    server.set("/b.rss", Route::feed(rss("B", &stories(2..=3))));
    let one = config_with_schedule(&[("a", server.url("/a.rss"))], "*/2 * * * * *");
    let ws = Workspace::new(&one);
    let mut daemon = ws.daemon(&[]);
    wait_for("feed a", || count_rows(&ws, "items") == 1);

    let two = config_with_schedule(
        &[("a", server.url("/a.rss")), ("b", server.url("/b.rss"))],
        "*/2 * * * * *",
    );
    ws.write_config(&two);
    daemon.signal("HUP");
    wait_for("feed b, added by the reload", || {
        count_rows(&ws, "items") == 3
    });

    let broken = format!("{two}\n[[feeds]]\nname = \"broken\"\n");
    let log = reload(&ws, &daemon, &broken, "reload rejected");
    assert!(
        log.contains("feeds.toml"),
        "the error names the file: {log}"
    );
    let before = server.seen("/b.rss").len();
    wait_for("feed b still polled", || {
        server.seen("/b.rss").len() > before
    });
    assert!(daemon.is_running());
    let (status, _) = daemon.stop();
    assert!(status.success());
}

/// Feeds `(name, url, schedule)`, each on its own schedule.
fn config_with_schedules(feeds: &[(&str, String, &str)]) -> String {
    let mut out = feed_config(&[]);
    for (name, url, schedule) in feeds {
        out.push_str(&format!(
            "\n[[feeds]]\nname = \"{name}\"\nurl = \"{url}\"\nschedule = \"{schedule}\"\n"
        ));
    }
    out
}

#[test]
fn feeds_sharing_a_schedule_tick_together_and_a_reload_regroups_them() {
    let server = Server::start();
    for path in ["/a.rss", "/b.rss", "/c.rss"] {
        server.set(
            path,
            Route::feed(rss("F", &stories(1..=1))).with_etag("\"v1\""),
        );
    }
    let polls = |path: &str| server.seen(path).len();
    let ws = Workspace::new(&config_with_schedules(&[
        ("a", server.url("/a.rss"), "*/2 * * * * *"),
        ("b", server.url("/b.rss"), "*/2 * * * * *"),
        ("c", server.url("/c.rss"), "*/3 * * * * *"),
    ]));
    let mut daemon = ws.daemon(&[]);
    wait_for("each feed polled at two ticks after the first poll", || {
        ["/a.rss", "/b.rss", "/c.rss"].iter().all(|p| polls(p) >= 3)
    });

    // `a` is dropped, `b` moves to `c`'s schedule, `c` stays as it is.
    let regrouped = config_with_schedules(&[
        ("b", server.url("/b.rss"), "*/3 * * * * *"),
        ("c", server.url("/c.rss"), "*/3 * * * * *"),
    ]);
    let log = reload(&ws, &daemon, &regrouped, "config reloaded");
    assert!(
        log.contains("added=0 removed=1 changed=1"),
        "the reload counts what changed: {log}"
    );
    let (a, b, c) = (polls("/a.rss"), polls("/b.rss"), polls("/c.rss"));
    wait_for("b and c polled at two more ticks", || {
        polls("/b.rss") >= b + 2 && polls("/c.rss") >= c + 2
    });
    assert!(
        polls("/a.rss") <= a + 1,
        "a removed feed is not polled after the reload (one run may have started before it)"
    );
    assert!(daemon.is_running());
    let (status, _) = daemon.stop();
    assert!(status.success());
}

#[test]
fn notify_socket_receives_ready_status_watchdog_and_stopping() {
    let server = Server::start();
    server.set("/f.rss", Route::feed(rss("F", &stories(1..=2))));
    let ws = Workspace::new(&feed_config(&[("f", server.url("/f.rss"))]));
    let socket_path = ws.path("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(15)))
        .unwrap();
    let daemon = ws.daemon(&[
        ("NOTIFY_SOCKET", socket_path.to_str().unwrap()),
        ("WATCHDOG_USEC", "2000000"),
    ]);
    let mut messages = Vec::new();
    let receive_until = |messages: &mut Vec<String>, wanted: &str| {
        let start = Instant::now();
        while !messages.iter().any(|m| m.contains(wanted)) {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no {wanted}: {messages:?}"
            );
            let mut buf = [0u8; 1024];
            let n = socket.recv(&mut buf).expect("a notification");
            messages.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
    };
    receive_until(&mut messages, "READY=1");
    let ready = messages.iter().find(|m| m.contains("READY=1")).unwrap();
    assert!(ready.contains("STATUS=1 feeds"), "{ready}");
    receive_until(&mut messages, "WATCHDOG=1");
    wait_for("the feed stored", || count_rows(&ws, "items") == 2);
    receive_until(&mut messages, "2 articles");
    let (status, _) = daemon.stop();
    receive_until(&mut messages, "STOPPING=1");
    assert!(status.success());
}

#[test]
fn a_second_daemon_on_the_same_database_refuses_to_start() {
    let server = Server::start();
    server.set("/f.rss", Route::feed(rss("F", &stories(1..=1))));
    let ws = Workspace::new(&feed_config(&[("f", server.url("/f.rss"))]));
    let mut first = ws.daemon(&[]);
    wait_for("the first daemon", || count_rows(&ws, "items") == 1);
    let second = ws.run(&["run"]);
    let err = stderr(&second);
    assert_eq!(second.status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!(
            "another `feedsift run` (pid {})",
            first.child.id()
        )) && err.contains("feedsift.db"),
        "{err}"
    );
    assert!(first.is_running());
    let (status, _) = first.stop();
    assert!(status.success());
    // Once the first is gone, a new daemon starts.
    let again = ws.daemon(&[]);
    std::thread::sleep(Duration::from_millis(500));
    let (status, _) = again.stop();
    assert!(status.success(), "{status}");
}

#[test]
fn readers_and_the_daemon_never_lock_each_other_out() {
    let server = Server::start();
    server.set("/f.rss", Route::feed(rss("F", &stories(1..=1))));
    let ws = Workspace::new(&config_with_schedule(
        &[("f", server.url("/f.rss"))],
        "* * * * * *",
    ));
    let daemon = ws.daemon(&[]);
    wait_for("the first item", || count_rows(&ws, "items") == 1);
    // A reader holds a read transaction open while the feed grows every 200 ms.
    let reader = ws.db();
    reader.execute_batch("BEGIN").unwrap();
    let held: i64 = reader
        .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
        .unwrap();
    for n in 2..=12 {
        server.set("/f.rss", Route::feed(rss("F", &stories(1..=n))));
        std::thread::sleep(Duration::from_millis(200));
        ws.ok(&["export", "--format", "ndjson"]);
        ws.ok(&["search", "story"]);
    }
    wait_for("the daemon's writes during the long read", || {
        count_rows(&ws, "items") == 12
    });
    let still: i64 = reader
        .query_row("SELECT count(*) FROM items", [], |r| r.get(0))
        .unwrap();
    assert_eq!(still, held, "the reader keeps its snapshot");
    reader.execute_batch("COMMIT").unwrap();
    let (status, _) = daemon.stop();
    assert!(status.success());
    let log = std::fs::read_to_string(ws.path("daemon.log")).unwrap();
    assert!(!log.contains("locked"), "{log}");
}

#[test]
fn under_the_journal_lines_carry_priorities_and_no_timestamps() {
    use std::os::unix::fs::MetadataExt;
    let server = Server::start();
    server.set("/f.rss", Route::feed(rss("F", &stories(1..=1))));
    server.set("/gone.rss", Route::status(410, "gone"));
    let ws = Workspace::new(&feed_config(&[
        ("f", server.url("/f.rss")),
        ("gone", server.url("/gone.rss")),
    ]));
    let path = ws.path("journal.log");
    let file = std::fs::File::create(&path).unwrap();
    let meta = file.metadata().unwrap();
    let status = ws
        .command(&["fetch"])
        .env("RUST_LOG", "info")
        .env("JOURNAL_STREAM", format!("{}:{}", meta.dev(), meta.ino()))
        .stderr(file)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
    let log = std::fs::read_to_string(&path).unwrap();
    let info = log.lines().find(|l| l.contains("stored")).expect(&log);
    assert!(info.starts_with("<6>"), "{info}");
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(!info.contains(&today), "no timestamp: {info}");
    let warn = log.lines().find(|l| l.contains("gone")).expect(&log);
    assert!(warn.starts_with("<3>") || warn.starts_with("<4>"), "{warn}");
    // The 410 is polled again only in a week, and `feeds` says so.
    let table = ws.ok(&["feeds"]);
    let gone = table.lines().find(|l| l.starts_with("gone")).unwrap();
    assert!(
        gone.contains("gone") && gone.contains("410 Gone: polled once a week"),
        "{gone}"
    );
    let v = ws.feeds_json();
    let earliest = v[0]["earliest_poll"]
        .as_str()
        .or(v[1]["earliest_poll"].as_str())
        .unwrap();
    assert!(earliest > feedsift_now_plus_days(6).as_str(), "{earliest}");
    // From a timer, `fetch --due` leaves it alone and polls the rest.
    let out = ws.run(&["fetch", "--due"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.seen("/gone.rss").len(), 1);
    assert_eq!(server.seen("/f.rss").len(), 2);
}

fn feedsift_now_plus_days(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(days))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}
