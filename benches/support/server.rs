//! The benchmark's loopback server: HTTP/1.1 with keep-alive on 50 loopback addresses
//! (127.0.0.1-50, so per-host limits act as they do with real publishers).
//!
//! `/f{i}.xml` is corpus feed i, read from disk per request (the server's memory stays
//! small), with an ETag and a Last-Modified; a matching If-None-Match or If-Modified-Since
//! gets 304, and a client that accepts gzip gets the pre-compressed file. Which edition of
//! the corpus it serves is switched with [`Server::serve_later`].
//! `/small/f{i}.xml` is a one-item feed for the idle measurements; its ETag never changes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::corpus::{Edition, etag};

pub const HOSTS: usize = 50;

pub struct Server {
    pub port: u16,
    counters: Arc<Counters>,
    files: Arc<Files>,
}

#[derive(Default)]
pub struct Counters {
    pub full: AtomicU64,
    pub not_modified: AtomicU64,
    pub bytes: AtomicU64,
}

/// What the server answered between two snapshots.
#[derive(Debug, Clone, Copy, Default)]
pub struct Served {
    pub full: u64,
    pub not_modified: u64,
    pub bytes: u64,
}

impl Served {
    pub fn since(self, before: Served) -> Served {
        Served {
            full: self.full - before.full,
            not_modified: self.not_modified - before.not_modified,
            bytes: self.bytes - before.bytes,
        }
    }
}

/// The two editions of the corpus, and which one is served.
struct Files {
    first: EditionFiles,
    later: EditionFiles,
    later_now: AtomicBool,
}

/// One edition's folder, ETags and Last-Modified.
struct EditionFiles {
    dir: PathBuf,
    etags: Vec<String>,
    last_modified: &'static str,
}

impl EditionFiles {
    fn load(dir: &Path, feeds: usize, edition: Edition) -> EditionFiles {
        let dir = dir.join(edition.folder());
        EditionFiles {
            etags: (0..feeds)
                .map(|i| etag(&dir.join(format!("f{i}.xml"))))
                .collect(),
            dir,
            last_modified: edition.last_modified(),
        }
    }
}

impl Files {
    fn now(&self) -> &EditionFiles {
        if self.later_now.load(Ordering::Relaxed) {
            &self.later
        } else {
            &self.first
        }
    }
}

impl Server {
    /// Serves the first edition in `dir`; `later` is the later one, for [`Server::serve_later`].
    pub fn start(dir: &Path, feeds: usize, later: Edition) -> std::io::Result<Server> {
        let files = Arc::new(Files {
            first: EditionFiles::load(dir, feeds, Edition::First),
            later: EditionFiles::load(dir, feeds, later),
            later_now: AtomicBool::new(false),
        });
        let counters = Arc::new(Counters::default());
        let first = TcpListener::bind("127.0.0.1:0")?;
        let port = first.local_addr()?.port();
        let mut listeners = vec![first];
        for host in 2..=HOSTS {
            listeners.push(TcpListener::bind((
                format!("127.0.0.{host}").as_str(),
                port,
            ))?);
        }
        for listener in listeners {
            let (files, counters) = (Arc::clone(&files), Arc::clone(&counters));
            std::thread::spawn(move || {
                for stream in listener.incoming().flatten() {
                    let (files, counters) = (Arc::clone(&files), Arc::clone(&counters));
                    std::thread::spawn(move || serve(stream, &files, &counters));
                }
            });
        }
        Ok(Server {
            port,
            counters,
            files,
        })
    }

    /// Serves the first edition from the next request on.
    pub fn serve_first(&self) {
        self.files.later_now.store(false, Ordering::Relaxed);
    }

    /// Serves the later edition from the next request on.
    pub fn serve_later(&self) {
        self.files.later_now.store(true, Ordering::Relaxed);
    }

    /// The URL of corpus feed `i` (`small` for the one-item idle feeds).
    pub fn url(&self, i: usize, small: bool) -> String {
        let dir = if small { "small/" } else { "" };
        format!(
            "http://127.0.0.{}:{}/{dir}f{i}.xml",
            1 + i % HOSTS,
            self.port
        )
    }

    pub fn served(&self) -> Served {
        Served {
            full: self.counters.full.load(Ordering::Relaxed),
            not_modified: self.counters.not_modified.load(Ordering::Relaxed),
            bytes: self.counters.bytes.load(Ordering::Relaxed),
        }
    }
}

#[derive(Default)]
struct Request {
    path: String,
    if_none_match: Option<String>,
    if_modified_since: Option<String>,
    gzip: bool,
    close: bool,
}

fn serve(stream: TcpStream, files: &Files, counters: &Counters) {
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut out = stream;
    while let Some(request) = read_request(&mut reader) {
        if answer(&mut out, &request, files, counters).is_err() || request.close {
            return;
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut request = Request {
        path: line.split_whitespace().nth(1).unwrap_or("/").to_string(),
        close: line.contains("HTTP/1.0"),
        ..Request::default()
    };
    let mut length = 0usize;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header.trim().is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            continue;
        };
        let value = value.trim().to_string();
        match name.trim().to_ascii_lowercase().as_str() {
            "if-none-match" => request.if_none_match = Some(value),
            "if-modified-since" => request.if_modified_since = Some(value),
            "accept-encoding" => request.gzip = value.contains("gzip"),
            "connection" => request.close = value.eq_ignore_ascii_case("close"),
            "content-length" => length = value.parse().unwrap_or(0),
            _ => {}
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    Some(request)
}

fn answer(
    out: &mut TcpStream,
    request: &Request,
    files: &Files,
    counters: &Counters,
) -> std::io::Result<()> {
    let (small, number) = match request.path.strip_prefix("/small") {
        Some(rest) => (true, rest),
        None => (false, request.path.as_str()),
    };
    // One read of the switch per request, so a request never mixes two editions.
    let edition = if small { &files.first } else { files.now() };
    let feed = number
        .strip_prefix("/f")
        .and_then(|p| p.strip_suffix(".xml"))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&i| small || i < edition.etags.len());
    let Some(feed) = feed else {
        return out.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    };
    let last_modified = edition.last_modified;
    let etag = if small {
        format!("\"small-{feed}\"")
    } else {
        edition.etags[feed].clone()
    };
    if unchanged(request, &etag, last_modified) {
        counters.not_modified.fetch_add(1, Ordering::Relaxed);
        return write!(
            out,
            "HTTP/1.1 304 Not Modified\r\nETag: {etag}\r\nLast-Modified: {last_modified}\r\n\r\n"
        );
    }
    let (body, gzipped) = if small {
        (small_feed(feed).into_bytes(), false)
    } else if request.gzip {
        (
            std::fs::read(edition.dir.join(format!("f{feed}.xml.gz")))?,
            true,
        )
    } else {
        (
            std::fs::read(edition.dir.join(format!("f{feed}.xml")))?,
            false,
        )
    };
    counters.full.fetch_add(1, Ordering::Relaxed);
    counters
        .bytes
        .fetch_add(body.len() as u64, Ordering::Relaxed);
    let encoding = if gzipped {
        "Content-Encoding: gzip\r\n"
    } else {
        ""
    };
    write!(
        out,
        "HTTP/1.1 200 OK\r\nContent-Type: application/xml; charset=utf-8\r\n{encoding}\
         ETag: {etag}\r\nLast-Modified: {last_modified}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )?;
    out.write_all(&body)
}

/// If-None-Match wins over If-Modified-Since, as RFC 9110 says.
fn unchanged(request: &Request, etag: &str, last_modified: &str) -> bool {
    if let Some(tags) = &request.if_none_match {
        return tags.split(',').any(|t| t.trim() == etag);
    }
    let parse = |s: &str| chrono::DateTime::parse_from_rfc2822(s).ok();
    match (
        request.if_modified_since.as_deref().and_then(parse),
        parse(last_modified),
    ) {
        (Some(since), Some(modified)) => since >= modified,
        _ => false,
    }
}

fn small_feed(feed: usize) -> String {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Feed {feed}</title>\
         <link>https://small{feed}.example/</link><item><guid>small-{feed}</guid>\
         <link>https://small{feed}.example/1</link><title>Story of feed {feed}</title>\
         <pubDate>Mon, 10 Mar 2025 17:30:00 +0000</pubDate><description><![CDATA[<p>Story of \
         feed {feed}: a paragraph of text for the bench, long enough to be an article of its \
         own and nothing like the others.</p>]]></description></item></channel></rss>"
    )
}
