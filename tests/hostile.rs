//! Hostile servers and hostile feeds, each case against the real binary on loopback, beside a
//! good feed that must be stored all the same. Each case checks the error on the feed's row,
//! that the good feed is unaffected, and the process's peak RSS (printed, and held under a
//! generous ceiling: a regression to reading a bomb into memory would blow through it).
//! The last test runs the daemon through every case at once.

mod common;

use std::io::Write;
use std::time::Duration;

use common::{Route, Server, Wire, Workspace, item, notice, rss, run_measured, wait_for};
use serde_json::Value;

/// Peak RSS ceiling for one `fetch` of a hostile case (debug build), in KiB.
const RSS_CEILING_KIB: u64 = 256 * 1024;

fn good_feed() -> String {
    rss(
        "Good",
        &[item(
            "g1",
            "https://good.example/a",
            "Good story",
            "<p>A perfectly ordinary story that every hostile case must leave alone.</p>",
        )],
    )
}

struct Case {
    server: Server,
    ws: Workspace,
    peak_rss_kib: u64,
    stderr: String,
}

impl Case {
    fn row(&self, name: &str) -> Value {
        let feeds = self.ws.feeds_json();
        feeds
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no feed {name}: {feeds}"))
    }

    fn error(&self, name: &str) -> String {
        let row = self.row(name);
        row["last_error"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has no error: {row}"))
            .to_string()
    }

    fn titles(&self) -> Vec<String> {
        self.ws
            .articles()
            .iter()
            .map(|a| a["title"].as_str().unwrap_or_default().to_string())
            .collect()
    }
}

/// Serves `routes` under `/bad/…` beside `/good`, writes a config with `defaults` and one feed
/// per route (named after its path), runs one `fetch` and checks the good feed came through.
fn fetch_case(label: &str, defaults: &str, routes: Vec<(&str, Route)>) -> Case {
    fetch_case_on(Server::start(), label, defaults, routes)
}

/// [`fetch_case`] on a server whose other paths (redirect targets) the test has set.
fn fetch_case_on(server: Server, label: &str, defaults: &str, routes: Vec<(&str, Route)>) -> Case {
    server.set("/good", Route::feed(good_feed()));
    let mut config = format!("[defaults]\n{defaults}\n");
    config.push_str(&format!(
        "[[feeds]]\nname = \"good\"\nurl = \"{}\"\n",
        server.url("/good")
    ));
    for (name, route) in routes {
        let path = format!("/bad/{name}");
        server.set(&path, route);
        config.push_str(&format!(
            "[[feeds]]\nname = \"{name}\"\nurl = \"{}\"\n",
            server.url(&path)
        ));
    }
    let ws = Workspace::new(&config);
    let run = run_measured(ws.command(&["fetch"]));
    assert!(
        run.status.code().is_some(),
        "{label}: feedsift died: {}",
        run.status
    );
    assert!(!run.stderr.contains("panicked"), "{label}: {}", run.stderr);
    notice(&format!(
        "hostile {label}: peak RSS {:.1} MiB",
        run.peak_rss_kib as f64 / 1024.0
    ));
    assert!(
        run.peak_rss_kib < RSS_CEILING_KIB,
        "{label}: peak RSS {} KiB",
        run.peak_rss_kib
    );
    let case = Case {
        server,
        ws,
        peak_rss_kib: run.peak_rss_kib,
        stderr: run.stderr,
    };
    let good = case.row("good");
    assert_eq!(good["items"], 1, "{label}: the good feed suffered: {good}");
    assert!(good["last_error"].is_null(), "{label}: {good}");
    case
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn brotli(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, 9, 22);
        writer.write_all(bytes).unwrap();
    }
    out
}

/// `size` bytes of one repeated character: compresses about a thousandfold.
fn bomb_payload(size: usize) -> Vec<u8> {
    vec![b' '; size]
}

#[test]
fn slow_drip_hits_the_timeout() {
    let drip = Route::feed(good_feed()).with_wire(Wire::Drip(Duration::from_millis(500)));
    let case = fetch_case("slow drip", "timeout = \"2s\"", vec![("drip", drip)]);
    let error = case.error("drip");
    assert!(
        error.contains("no complete answer") && error.contains("2s"),
        "{error}"
    );
}

#[test]
fn an_endless_body_is_cut_at_the_size_cap() {
    let endless = Route::feed(vec![b'x'; 64 * 1024]).with_wire(Wire::Endless);
    let case = fetch_case(
        "endless body",
        "max_body_size = \"1 MiB\"",
        vec![("endless", endless)],
    );
    let error = case.error("endless");
    assert!(error.contains("larger than 1048576 bytes"), "{error}");
}

#[test]
fn compression_bombs_are_capped_after_decompression() {
    let payload = bomb_payload(32 * 1024 * 1024);
    let gzip_bomb = Route::feed(gzip(&payload)).with_header("Content-Encoding", "gzip");
    let brotli_bomb = Route::feed(brotli(&payload)).with_header("Content-Encoding", "br");
    assert!(gzip_bomb.body.len() < 64 * 1024 && brotli_bomb.body.len() < 64 * 1024);
    let case = fetch_case(
        "gzip and brotli bombs (32 MiB each)",
        "max_body_size = \"1 MiB\"",
        vec![("gzip-bomb", gzip_bomb), ("brotli-bomb", brotli_bomb)],
    );
    for name in ["gzip-bomb", "brotli-bomb"] {
        assert!(
            case.error(name).contains("larger than 1048576 bytes"),
            "{name}"
        );
    }
}

#[test]
fn gzip_bytes_served_as_xml_are_unpacked_and_a_bomb_among_them_capped() {
    let unlabelled = Route::feed(gzip(good_feed().replace("g1", "z1").as_bytes()));
    let unlabelled_bomb = Route::feed(gzip(&bomb_payload(8 * 1024 * 1024)));
    let case = fetch_case(
        "gzip without Content-Encoding",
        "max_body_size = \"1 MiB\"",
        vec![("gzipped", unlabelled), ("gzipped-bomb", unlabelled_bomb)],
    );
    assert_eq!(case.row("gzipped")["items"], 1);
    assert!(case.error("gzipped-bomb").contains("larger than"));
}

#[test]
fn redirect_loops_and_long_chains_stop_at_the_limit() {
    let server = Server::start();
    server.set("/bad/loop-2", Route::redirect(302, "/bad/loop"));
    for i in 1..15 {
        server.set(
            &format!("/hop/{i}"),
            Route::redirect(307, &format!("/hop/{}", i + 1)),
        );
    }
    server.set("/hop/short", Route::feed(good_feed().replace("g1", "s1")));
    let case = fetch_case_on(
        server,
        "redirect loop and chain",
        "max_redirects = 5",
        vec![
            ("loop", Route::redirect(302, "/bad/loop-2")),
            ("chain", Route::redirect(307, "/hop/1")),
            ("short-chain", Route::redirect(301, "/hop/short")),
        ],
    );
    assert!(
        case.error("loop").contains("redirect loop"),
        "{}",
        case.error("loop")
    );
    assert!(
        case.error("chain").contains("too many redirects"),
        "{}",
        case.error("chain")
    );
    assert_eq!(case.row("short-chain")["items"], 1);
    let hops = case
        .server
        .all_seen()
        .iter()
        .filter(|s| s.path.starts_with("/hop/"))
        .count();
    assert!(hops <= 6, "{hops} hops followed with max_redirects = 5");
}

#[test]
fn server_errors_with_and_without_retry_after() {
    let case = fetch_case(
        "500 and 503",
        "",
        vec![
            ("error-500", Route::status(500, "oops")),
            ("busy-503", Route::status(503, "busy")),
            (
                "retry-503",
                Route::status(503, "busy").with_header("Retry-After", "3600"),
            ),
        ],
    );
    assert!(case.error("error-500").contains("HTTP 500"));
    assert!(case.error("error-500").contains("try again later"));
    assert!(case.error("busy-503").contains("HTTP 503"));
    let retry = case.row("retry-503");
    assert!(retry["last_error"].as_str().unwrap().contains("HTTP 503"));
    let reason = retry["earliest_poll_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("Retry-After"), "{retry}");
    assert!(case.error("busy-503").contains("try again later"));
}

#[test]
fn a_connection_reset_mid_body_is_an_error_that_stores_nothing() {
    let reset = Route::feed(good_feed().replace("g1", "r1")).with_wire(Wire::ResetMidBody);
    let case = fetch_case("connection reset", "", vec![("reset", reset)]);
    let error = case.error("reset");
    assert!(
        error.contains("request to") || error.contains("reset"),
        "{error}"
    );
    assert_eq!(case.row("reset")["items"], 0);
}

#[test]
fn a_tls_handshake_failure_names_tls() {
    let server = Server::start();
    server.set("/good", Route::feed(good_feed()));
    // A plain-HTTP server behind an https:// URL: the handshake reads garbage.
    let https = server.url("/feed").replacen("http://", "https://", 1);
    let ws = Workspace::new(&common::feed_config(&[
        ("good", server.url("/good")),
        ("tls", https),
    ]));
    let out = ws.run(&["fetch"]);
    assert_eq!(out.status.code(), Some(1));
    let feeds = ws.feeds_json();
    let tls = &feeds.as_array().unwrap()[1];
    let error = tls["last_error"].as_str().unwrap();
    assert!(error.contains("TLS"), "{error}");
    assert_eq!(feeds[0]["items"], 1);
}

#[test]
fn a_wrong_content_type_does_not_matter() {
    let as_html = Route::feed(good_feed().replace("g1", "h1")).with_content_type(Some("text/html"));
    let as_bytes = Route::feed(good_feed().replace("g1", "o1"))
        .with_content_type(Some("application/octet-stream"));
    let none = Route::feed(good_feed().replace("g1", "n1")).with_content_type(None);
    let case = fetch_case(
        "wrong Content-Type",
        "",
        vec![
            ("as-html", as_html),
            ("as-bytes", as_bytes),
            ("no-type", none),
        ],
    );
    for name in ["as-html", "as-bytes", "no-type"] {
        assert_eq!(case.row(name)["items"], 1, "{name}");
    }
}

#[test]
fn an_html_page_suggests_the_feed_it_links_to() {
    let page = r#"<!DOCTYPE html><html><head><title>Blog</title>
        <link rel="alternate" type="application/rss+xml" href="/blog/feed/">
        </head><body><p>Welcome</p></body></html>"#;
    let case = fetch_case(
        "HTML page",
        "",
        vec![(
            "page",
            Route::feed(page).with_content_type(Some("text/html")),
        )],
    );
    let error = case.error("page");
    let expected = case.server.url("/blog/feed/");
    assert!(
        error.contains("HTML page") && error.contains(&expected),
        "{error}"
    );
}

#[test]
fn declared_encodings_that_lie_are_read_right() {
    let title = "Caf\u{e9} \u{2013} na\u{ef}ve";
    let feed_with = |declaration: &str| {
        format!(
            "<?xml version=\"1.0\" encoding=\"{declaration}\"?>\n{}",
            rss(
                "Enc",
                &[item(
                    "e1",
                    "https://enc.example/1",
                    title,
                    &format!("<p>A story encoded as {declaration}.</p>")
                )]
            )
            .replacen("<?xml version=\"1.0\"?>\n", "", 1)
        )
    };
    let windows = encoding_rs::WINDOWS_1252
        .encode(&feed_with("windows-1252"))
        .0
        .into_owned();
    let latin1 = encoding_rs::WINDOWS_1252
        .encode(
            &feed_with("ISO-8859-1")
                .replace('\u{2013}', "-")
                .replace("enc.example/1", "enc.example/latin1"),
        )
        .0
        .into_owned();
    let japanese = "\u{65e5}\u{672c}\u{8a9e}\u{306e}\u{8a18}\u{4e8b}";
    let sjis_text = feed_with("UTF-8")
        .replace(title, japanese)
        .replace("enc.example/1", "enc.example/ja");
    let sjis = encoding_rs::SHIFT_JIS.encode(&sjis_text).0.into_owned();
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(
        feed_with("UTF-16")
            .replace("enc.example/1", "enc.example/16")
            .encode_utf16()
            .flat_map(u16::to_le_bytes),
    );
    let case = fetch_case(
        "encoding mismatches",
        "",
        vec![
            // The header says UTF-8; the bytes and the declaration say windows-1252.
            ("windows-1252", Route::feed(windows.clone())),
            // No charset in the header at all.
            (
                "iso-8859-1",
                Route::feed(latin1).with_content_type(Some("application/xml")),
            ),
            // The declaration says UTF-8, the header Shift_JIS, the bytes are Shift_JIS.
            (
                "shift-jis",
                Route::feed(sjis).with_content_type(Some("text/xml; charset=Shift_JIS")),
            ),
            ("utf-16", Route::feed(utf16)),
        ],
    );
    let titles = case.titles();
    // windows-1252 and UTF-16 carry the same story under the same title: one article.
    assert_eq!(
        titles.iter().filter(|t| *t == title).count(),
        2,
        "{titles:?}"
    );
    assert!(
        titles.iter().any(|t| t == "Caf\u{e9} - na\u{ef}ve"),
        "{titles:?}"
    );
    assert!(titles.iter().any(|t| t == japanese), "{titles:?}");
    for name in ["windows-1252", "iso-8859-1", "shift-jis", "utf-16"] {
        assert_eq!(case.row(name)["items"], 1, "{name}: {}", case.row(name));
    }
}

#[test]
fn entity_expansion_and_external_entities_go_nowhere() {
    let laughs = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [\n<!ENTITY lol \"lol\">\n{}]>\n\
         <rss version=\"2.0\"><channel><title>&lol9;</title>\
         <item><guid>l1</guid><title>Laughs &lol9;</title><description>&lol9;</description></item>\
         </channel></rss>",
        (1..=9)
            .map(|i| format!(
                "<!ENTITY lol{i} \"{}\">\n",
                format!(
                    "&lol{};",
                    if i == 1 {
                        String::new()
                    } else {
                        (i - 1).to_string()
                    }
                )
                .repeat(10)
            ))
            .collect::<String>()
    );
    let secret = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(secret.path(), "TOP-SECRET-FILE-CONTENT").unwrap();
    let external = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE rss [<!ENTITY xxe SYSTEM \"file://{}\">]>\n\
         <rss version=\"2.0\"><channel><title>x</title>\
         <item><guid>x1</guid><title>External &xxe; entity</title>\
         <description>&lt;p&gt;Before &xxe; after&lt;/p&gt;</description></item></channel></rss>",
        secret.path().display()
    );
    let case = fetch_case(
        "billion laughs and external entities",
        "",
        vec![
            ("laughs", Route::feed(laughs)),
            ("external", Route::feed(external)),
        ],
    );
    let export = case.ws.ok(&["export", "--format", "ndjson"]);
    assert!(
        !export.contains("TOP-SECRET"),
        "an external entity was read"
    );
    assert!(!export.contains("lollollol"), "an entity was expanded");
    assert!(export.len() < 100_000, "{} bytes exported", export.len());
    let rows = case
        .ws
        .count("SELECT COALESCE(SUM(length(content)), 0) FROM articles");
    assert!(rows < 100_000);
}

#[test]
fn a_feed_of_100_000_items_keeps_the_newest_within_bounded_memory() {
    let start = chrono::DateTime::parse_from_rfc3339("2020-01-01T00:00:00Z").unwrap();
    let mut body = String::from("<rss version=\"2.0\"><channel><title>Huge</title>\n");
    for i in 0..100_000 {
        let date = (start + chrono::Duration::minutes(i)).to_rfc2822();
        body.push_str(&format!(
            "<item><guid>h{i}</guid><link>https://huge.example/{i}</link><title>Item {i}</title>\
             <pubDate>{date}</pubDate><description>Short item number {i}.</description></item>\n"
        ));
    }
    body.push_str("</channel></rss>");
    let size_mib = body.len() as f64 / (1024.0 * 1024.0);
    let case = fetch_case(
        "100,000-item feed",
        "max_body_size = \"64 MiB\"\nmax_items = 2000",
        vec![("huge", Route::feed(body))],
    );
    notice(&format!(
        "hostile 100,000-item feed: {size_mib:.1} MiB of XML, peak RSS {:.1} MiB",
        case.peak_rss_kib as f64 / 1024.0
    ));
    assert_eq!(case.row("huge")["items"], 2000);
    assert!(case.stderr.contains("kept the newest"), "{}", case.stderr);
    let newest = case
        .ws
        .count("SELECT COUNT(*) FROM items WHERE guid = 'h99999'");
    let oldest = case
        .ws
        .count("SELECT COUNT(*) FROM items WHERE guid = 'h0'");
    assert_eq!((newest, oldest), (1, 0));
}

#[test]
fn duplicate_guids_missing_fields_and_odd_dates() {
    let odd = "<rss version=\"2.0\"><channel><title>Odd</title>\
        <item><guid>same</guid><title>First copy</title><description>One.</description></item>\
        <item><guid>same</guid><title>Second copy</title><description>Two.</description></item>\
        <item><description>Only a description, no title, link or date.</description></item>\
        <item><title>Only a title</title></item>\
        <item><link>https://odd.example/only-link</link></item>\
        <item><guid>epoch</guid><title>Epoch</title><pubDate>Thu, 01 Jan 1970 00:00:00 +0000</pubDate></item>\
        <item><guid>future</guid><title>Future</title><pubDate>Fri, 01 Jan 2100 00:00:00 +0000</pubDate></item>\
        </channel></rss>";
    let case = fetch_case("odd items", "", vec![("odd", Route::feed(odd))]);
    let row = case.row("odd");
    assert!(row["last_error"].is_null(), "{row}");
    assert_eq!(
        case.ws.count("SELECT COUNT(*) FROM items i JOIN feeds f ON f.id = i.feed_id WHERE f.name = 'odd' AND guid = 'same'"),
        1
    );
    assert_eq!(row["items"], 6, "{row}");
    let this_year = chrono::Utc::now().format("%Y").to_string();
    for article in case.ws.articles() {
        let published = article["published"].as_str().unwrap_or_default();
        assert!(
            !published.starts_with("1970") && !published.starts_with("2100"),
            "{article}"
        );
        if ["Epoch", "Future"].contains(&article["title"].as_str().unwrap_or_default()) {
            assert!(published.starts_with(&this_year), "{article}");
        }
    }
}

#[test]
fn the_daemon_survives_every_hostile_server_at_once() {
    let server = Server::start();
    let good = |i: usize| {
        rss(
            "Good",
            &[item(
                &format!("d{i}"),
                &format!("https://good.example/{i}"),
                &format!("Good {i}"),
                "<p>Fine.</p>",
            )],
        )
    };
    server.set("/good", Route::feed(good(0)));
    let hostile: Vec<(&str, Route)> = vec![
        (
            "drip",
            Route::feed(good(1)).with_wire(Wire::Drip(Duration::from_millis(700))),
        ),
        (
            "endless",
            Route::feed(vec![b'x'; 16 * 1024]).with_wire(Wire::Endless),
        ),
        (
            "bomb",
            Route::feed(gzip(&bomb_payload(8 * 1024 * 1024)))
                .with_header("Content-Encoding", "gzip"),
        ),
        ("loop", Route::redirect(302, "/bad/loop")),
        ("error", Route::status(500, "oops")),
        ("reset", Route::feed(good(2)).with_wire(Wire::ResetMidBody)),
        ("page", Route::feed("<html><body>hi</body></html>")),
        ("garbage", Route::feed(vec![0xffu8; 4096])),
    ];
    let mut config = String::from(
        "[defaults]\nschedule = \"*/2 * * * * *\"\ntimeout = \"1s\"\nmax_body_size = \"512 KiB\"\n",
    );
    config.push_str(&format!(
        "[[feeds]]\nname = \"good\"\nurl = \"{}\"\n",
        server.url("/good")
    ));
    for (name, route) in hostile {
        server.set(&format!("/bad/{name}"), route);
        config.push_str(&format!(
            "[[feeds]]\nname = \"{name}\"\nurl = \"{}\"\n",
            server.url(&format!("/bad/{name}"))
        ));
    }
    let ws = Workspace::new(&config);
    let mut daemon = ws.daemon(&[]);
    wait_for("the good feed stored", || {
        common::count_rows(&ws, "articles") >= 1
    });
    let failing = || {
        ws.feeds_json()
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["last_error"].is_string())
            .count()
    };
    wait_for("every hostile feed attempted", || failing() == 8);
    // A new story on the good feed is still picked up while the hostile ones keep failing.
    server.set("/good", Route::feed(good(3)));
    wait_for("the good feed polled again", || {
        common::count_rows(&ws, "articles") >= 2
    });
    assert!(daemon.is_running(), "{}", daemon.log());
    assert_eq!(failing(), 8, "{}", ws.feeds_json());
    let (status, _) = daemon.stop();
    assert!(status.success(), "{status}");
}
