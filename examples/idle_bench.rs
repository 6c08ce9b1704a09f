//! What an idle `feedsift run` costs, and how fast it notices a change.
//!
//! ```text
//! cargo build --release && cargo run --release --example idle_bench -- [FEEDS] [SECONDS]
//! ```
//!
//! Serves FEEDS (default 1,000) small RSS feeds on loopback, spread over 50 addresses
//! (127.0.0.1-50, so the per-host limit works as with real publishers), each answering 304
//! to a matching If-None-Match. Then, for two schedules, it starts the release binary
//! (`target/release/feedsift`, or `FEEDSIFT_BIN`) and reads its CPU time and memory from
//! /proc:
//!
//! 1. the default schedule (every 30 minutes): after the first pass, the daemon only waits;
//!    CPU is measured over SECONDS (default 300) with no poll in the window;
//! 2. every minute: every feed is polled and answered 304 once a minute; CPU over SECONDS.
//!
//! Finally it changes one feed and measures the time until its new item is in the database.

#[path = "../benches/support/measure.rs"]
#[allow(dead_code)]
mod measure;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const HOSTS: usize = 50;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let feeds: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let window: u64 = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(300);
    let server = FeedServer::start(feeds);
    println!("{feeds} feeds on {HOSTS} loopback addresses, window {window} s");

    let idle = measure(&server, "0 */30 * * * *", feeds, window, false);
    println!(
        "default schedule (30 min), no poll in the window: {:.3} CPU s/hour, RSS {:.0} MB (peak {:.0} MB)",
        idle.cpu_per_hour, idle.rss_mb, idle.peak_mb
    );
    let busy = measure(&server, "0 * * * * *", feeds, window, true);
    println!(
        "every minute, all 304: {:.1} CPU s/hour, RSS {:.0} MB (peak {:.0} MB), {} requests in the window",
        busy.cpu_per_hour, busy.rss_mb, busy.peak_mb, busy.requests
    );
    if let Some(latency) = busy.change_latency {
        println!(
            "feed change -> article in the database: {:.1} s (schedule every minute; of that, request -> stored {:.0} ms)",
            latency.0.as_secs_f64(),
            latency.1.as_secs_f64() * 1000.0
        );
    }
}

struct Measured {
    cpu_per_hour: f64,
    rss_mb: f64,
    peak_mb: f64,
    requests: u64,
    change_latency: Option<(Duration, Duration)>,
}

fn measure(
    server: &FeedServer,
    schedule: &str,
    feeds: usize,
    window: u64,
    change: bool,
) -> Measured {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("feeds.toml");
    std::fs::write(&config, server.config(schedule)).expect("write config");
    let mut daemon = Command::new(binary())
        .arg("--config")
        .arg(&config)
        .arg("run")
        .env("RUST_LOG", "warn")
        .stderr(Stdio::null())
        .spawn()
        .expect("start feedsift (build it first: cargo build --release)");
    let pid = daemon.id();
    let db = dir.path().join("feedsift.db");
    // The first pass fetches every feed in full.
    wait_until(Duration::from_secs(300), || {
        stored_feeds(&db) >= feeds as i64
    });
    // Let the first poll of the every-minute schedule settle too.
    std::thread::sleep(Duration::from_secs(5));
    let (cpu_before, requests_before) = (measure::process_cpu(pid), server.requests());
    let started = Instant::now();
    std::thread::sleep(Duration::from_secs(window));
    let cpu = measure::process_cpu(pid) - cpu_before;
    let elapsed = started.elapsed().as_secs_f64();
    let (rss_mb, peak_mb) = measure::process_memory_mb(pid);
    let requests = server.requests() - requests_before;
    let change_latency = change.then(|| change_one(server, &db));
    stop(&mut daemon);
    Measured {
        cpu_per_hour: cpu / elapsed * 3600.0,
        rss_mb,
        peak_mb,
        requests,
        change_latency,
    }
}

/// Adds an item to feed 0 and waits for it in the database: (total, request -> stored).
fn change_one(server: &FeedServer, db: &Path) -> (Duration, Duration) {
    let changed = Instant::now();
    server.change(0);
    wait_until(Duration::from_secs(120), || items_of(db, "f0") >= 2);
    let stored = Instant::now();
    let requested = server.last_full_answer(0).unwrap_or(changed);
    (
        stored - changed,
        stored.saturating_duration_since(requested),
    )
}

fn binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("FEEDSIFT_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("own path");
    // target/release/examples/idle_bench -> target/release/feedsift
    exe.parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("feedsift"))
        .expect("target directory")
}

fn stop(daemon: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &daemon.id().to_string()])
        .status();
    let _ = daemon.wait();
}

fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "not done within {limit:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn read_only(db: &Path) -> Option<rusqlite::Connection> {
    rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).ok()
}

fn stored_feeds(db: &Path) -> i64 {
    read_only(db)
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM feeds WHERE last_success_at IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .ok()
        })
        .unwrap_or(0)
}

fn items_of(db: &Path, feed: &str) -> i64 {
    read_only(db)
        .and_then(|c| {
            c.query_row(
                "SELECT count(*) FROM items i JOIN feeds f ON f.id = i.feed_id WHERE f.name = ?1",
                [feed],
                |r| r.get(0),
            )
            .ok()
        })
        .unwrap_or(0)
}

/// Feeds `/f{i}.rss` on 127.0.0.{1 + i % HOSTS}, with ETags, keep-alive, and a request count.
struct FeedServer {
    port: u16,
    feeds: usize,
    versions: Arc<Mutex<HashMap<usize, u32>>>,
    full_answers: Arc<Mutex<HashMap<usize, Instant>>>,
    requests: Arc<AtomicU64>,
}

impl FeedServer {
    fn start(feeds: usize) -> FeedServer {
        let first = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let port = first.local_addr().expect("address").port();
        let server = FeedServer {
            port,
            feeds,
            versions: Arc::default(),
            full_answers: Arc::default(),
            requests: Arc::default(),
        };
        let mut listeners = vec![first];
        for host in 2..=HOSTS {
            listeners.push(
                TcpListener::bind(("127.0.0.".to_string() + &host.to_string(), port))
                    .expect("bind 127.0.0.x"),
            );
        }
        for listener in listeners {
            let handler = server.handler();
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let handler = handler.clone();
                    std::thread::spawn(move || handler.serve(stream));
                }
            });
        }
        server
    }

    fn handler(&self) -> Handler {
        Handler {
            versions: Arc::clone(&self.versions),
            full_answers: Arc::clone(&self.full_answers),
            requests: Arc::clone(&self.requests),
        }
    }

    fn config(&self, schedule: &str) -> String {
        let mut out =
            format!("database = \"feedsift.db\"\n[defaults]\nschedule = \"{schedule}\"\n");
        for i in 0..self.feeds {
            out.push_str(&format!(
                "\n[[feeds]]\nname = \"f{i}\"\nurl = \"http://127.0.0.{}:{}/f{i}.rss\"\n",
                1 + i % HOSTS,
                self.port
            ));
        }
        out
    }

    fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn change(&self, feed: usize) {
        *self.versions.lock().expect("lock").entry(feed).or_insert(0) += 1;
    }

    fn last_full_answer(&self, feed: usize) -> Option<Instant> {
        self.full_answers.lock().expect("lock").get(&feed).copied()
    }
}

#[derive(Clone)]
struct Handler {
    versions: Arc<Mutex<HashMap<usize, u32>>>,
    full_answers: Arc<Mutex<HashMap<usize, Instant>>>,
    requests: Arc<AtomicU64>,
}

impl Handler {
    fn serve(&self, stream: TcpStream) {
        let mut reader = BufReader::new(match stream.try_clone() {
            Ok(s) => s,
            Err(_) => return,
        });
        let mut out = stream;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let mut if_none_match = None;
            let mut length = 0usize;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    match k.trim().to_ascii_lowercase().as_str() {
                        "if-none-match" => if_none_match = Some(v.trim().to_string()),
                        "content-length" => length = v.trim().parse().unwrap_or(0),
                        _ => {}
                    }
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            self.requests.fetch_add(1, Ordering::Relaxed);
            if self
                .answer(&mut out, &path, if_none_match.as_deref())
                .is_err()
            {
                return;
            }
        }
    }

    fn answer(
        &self,
        out: &mut TcpStream,
        path: &str,
        if_none_match: Option<&str>,
    ) -> std::io::Result<()> {
        let Some(feed) = path
            .strip_prefix("/f")
            .and_then(|p| p.strip_suffix(".rss"))
            .and_then(|n| n.parse::<usize>().ok())
        else {
            return out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
        };
        let version = self
            .versions
            .lock()
            .expect("lock")
            .get(&feed)
            .copied()
            .unwrap_or(0);
        let etag = format!("\"{feed}-{version}\"");
        if if_none_match == Some(etag.as_str()) {
            return write!(
                out,
                "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nContent-Length: 0\r\n\r\n"
            );
        }
        self.full_answers
            .lock()
            .expect("lock")
            .insert(feed, Instant::now());
        let body = feed_body(feed, version);
        write!(
            out,
            "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nETag: {etag}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )?;
        out.write_all(body.as_bytes())
    }
}

fn feed_body(feed: usize, version: u32) -> String {
    let items: String = (0..=version)
        .map(|v| {
            format!(
                "<item><guid>f{feed}-{v}</guid><link>https://site{feed}.example/{v}</link>\
                 <title>Story {v} of feed {feed}</title><pubDate>Mon, 10 Mar 2025 17:30:00 +0000</pubDate>\
                 <description><![CDATA[<p>Story {v} of feed {feed}: a paragraph of text for the \
                 bench, long enough to be an article of its own and nothing like the others.</p>]]>\
                 </description></item>"
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed {feed}</title>\
         <link>https://site{feed}.example/</link>{items}</channel></rss>"
    )
}
