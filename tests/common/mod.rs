//! Shared helpers for the integration tests: a loopback HTTP server whose answers a test sets
//! per path, and a temporary workspace that runs the real `feedsift` binary.

#![allow(dead_code)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server answers on one path.
#[derive(Clone, Debug)]
pub struct Route {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Answer 304 when the request's If-None-Match equals this.
    pub etag: Option<String>,
    /// Wait this long before answering (to trigger timeouts).
    pub delay: Duration,
    /// Send the headers and half the body, then wait this long before the rest.
    pub stall: Duration,
    /// How the body goes on the wire.
    pub wire: Wire,
}

/// How a route's body is sent: the hostile server cases.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Wire {
    /// `Content-Length` and the whole body.
    #[default]
    Whole,
    /// One byte every interval (a slow drip that never trips a read timeout).
    Drip(Duration),
    /// Chunked, the body repeated for ever, until the client hangs up.
    Endless,
    /// Half the body, then a TCP reset.
    ResetMidBody,
}

impl Route {
    pub fn feed(body: impl Into<Vec<u8>>) -> Route {
        Route {
            status: 200,
            headers: vec![(
                "Content-Type".into(),
                "application/rss+xml; charset=utf-8".into(),
            )],
            body: body.into(),
            etag: None,
            delay: Duration::ZERO,
            stall: Duration::ZERO,
            wire: Wire::Whole,
        }
    }

    pub fn status(status: u16, body: &str) -> Route {
        Route {
            status,
            headers: vec![("Content-Type".into(), "text/html".into())],
            ..Route::feed(body)
        }
    }

    pub fn with_etag(mut self, etag: &str) -> Route {
        self.etag = Some(etag.to_string());
        self.headers.push(("ETag".into(), etag.to_string()));
        self
    }

    pub fn with_delay(mut self, delay: Duration) -> Route {
        self.delay = delay;
        self
    }

    pub fn with_stall(mut self, stall: Duration) -> Route {
        self.stall = stall;
        self
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Route {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn with_wire(mut self, wire: Wire) -> Route {
        self.wire = wire;
        self
    }

    /// Replaces the Content-Type header (`None`: send none).
    pub fn with_content_type(mut self, content_type: Option<&str>) -> Route {
        self.headers
            .retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
        if let Some(value) = content_type {
            self.headers
                .push(("Content-Type".into(), value.to_string()));
        }
        self
    }

    /// A redirect to `location` with the given status (301, 302, 307, 308).
    pub fn redirect(status: u16, location: &str) -> Route {
        Route::status(status, "").with_header("Location", location)
    }
}

/// A request as the server saw it: path and lowercased headers.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub status: u16,
    pub at: std::time::Instant,
}

#[derive(Clone)]
pub struct Server {
    pub base: String,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let base = format!("http://{}", listener.local_addr().unwrap());
        let server = Server {
            base,
            routes: Arc::default(),
            seen: Arc::default(),
        };
        let handler = server.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let handler = handler.clone();
                std::thread::spawn(move || handler.serve(stream));
            }
        });
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn set(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.to_string(), route);
    }

    /// Every request so far, in order.
    pub fn all_seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn seen(&self, path: &str) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .filter(|s| s.path == path)
            .cloned()
            .collect()
    }

    fn serve(&self, stream: TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut headers = HashMap::new();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
            }
        }
        let route = self.routes.lock().unwrap().get(&path).cloned();
        let route = route.unwrap_or_else(|| Route::status(404, "not found"));
        let not_modified =
            route.etag.is_some() && headers.get("if-none-match") == route.etag.as_ref();
        let status = if not_modified { 304 } else { route.status };
        self.seen.lock().unwrap().push(Seen {
            path,
            headers,
            status,
            at: std::time::Instant::now(),
        });
        std::thread::sleep(route.delay);
        let body: &[u8] = if not_modified { b"" } else { &route.body };
        if route.wire != Wire::Whole {
            return send_hostile(stream, status, &route);
        }
        let mut out = stream;
        let mut head = format!(
            "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        for (k, v) in &route.headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        let (first, rest) = body.split_at(if route.stall.is_zero() {
            body.len()
        } else {
            body.len() / 2
        });
        let _ = out
            .write_all(head.as_bytes())
            .and_then(|()| out.write_all(first))
            .and_then(|()| out.flush());
        std::thread::sleep(route.stall);
        let _ = out.write_all(rest);
    }
}

fn send_hostile(mut out: TcpStream, status: u16, route: &Route) {
    let mut head = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
    for (k, v) in &route.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = &route.body;
    let _ = match &route.wire {
        Wire::Whole => Ok(()),
        Wire::Drip(every) => {
            head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            out.write_all(head.as_bytes()).and_then(|()| {
                body.iter().try_for_each(|b| {
                    std::thread::sleep(*every);
                    out.write_all(&[*b]).and_then(|()| out.flush())
                })
            })
        }
        Wire::Endless => {
            head.push_str("Transfer-Encoding: chunked\r\n\r\n");
            out.write_all(head.as_bytes()).and_then(|()| {
                loop {
                    out.write_all(format!("{:x}\r\n", body.len()).as_bytes())?;
                    out.write_all(body)?;
                    out.write_all(b"\r\n")?;
                }
            })
        }
        Wire::ResetMidBody => {
            head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            let sent = out
                .write_all(head.as_bytes())
                .and_then(|()| out.write_all(&body[..body.len() / 2]))
                .and_then(|()| out.flush());
            std::thread::sleep(Duration::from_millis(50));
            // SO_LINGER 0: closing sends RST instead of FIN.
            let _ = socket_linger_zero(&out);
            sent
        }
    };
}

fn socket_linger_zero(stream: &TcpStream) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let linger = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    // SAFETY: a valid socket descriptor and a correctly sized `linger` value.
    let rc = unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&raw const linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// A temporary folder with a feeds.toml and a database, and the real binary to run in it.
pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new(config: &str) -> Workspace {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("feeds.toml"), config).unwrap();
        Workspace { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write_config(&self, config: &str) {
        std::fs::write(self.path("feeds.toml"), config).unwrap();
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().unwrap()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_feedsift"));
        cmd.current_dir(self.dir.path())
            .args(args)
            .stdin(Stdio::null())
            .env("RUST_LOG", "warn");
        cmd
    }

    /// Runs a command that must succeed; returns its stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "feedsift {args:?} failed: {}\n{}",
            out.status,
            stderr(&out)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    pub fn articles(&self) -> Vec<serde_json::Value> {
        self.ok(&["export", "--format", "ndjson"])
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// `feedsift feeds --format json`, parsed.
    pub fn feeds_json(&self) -> serde_json::Value {
        serde_json::from_str(&self.ok(&["feeds", "--format", "json"])).unwrap()
    }

    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.path("feedsift.db")).unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub fn fixture(path: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(path),
    )
    .unwrap()
}

/// A minimal RSS 2.0 document with the given `<item>` elements.
pub fn rss(title: &str, items: &[String]) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>{title}</title><link>https://example.com/</link>\n{}\n</channel></rss>",
        items.join("\n")
    )
}

/// An RSS item whose body is long enough to be fingerprinted.
pub fn item(guid: &str, link: &str, title: &str, body: &str) -> String {
    format!(
        "<item><guid isPermaLink=\"false\">{guid}</guid><link>{}</link><title>{title}</title>\
         <pubDate>Mon, 10 Mar 2025 17:30:00 +0000</pubDate><description><![CDATA[{body}]]></description></item>",
        link.replace('&', "&amp;")
    )
}

pub fn feed_config(feeds: &[(&str, String)]) -> String {
    let mut out = String::from("database = \"feedsift.db\"\n[defaults]\ntimeout = \"2s\"\n");
    for (name, url) in feeds {
        out.push_str(&format!(
            "\n[[feeds]]\nname = \"{name}\"\nurl = \"{url}\"\n"
        ));
    }
    out
}

/// A server with the two publisher fixtures, and a workspace whose feeds.toml names them
/// `thewrap` and `collider`, plus any `extra` feeds the test serves itself.
pub fn publishers(extra: &[(&str, &str, Route)]) -> (Server, Workspace) {
    let server = Server::start();
    server.set(
        "/wrap.rss",
        Route::feed(fixture("publishers/wordpress-footer.rss")),
    );
    server.set(
        "/collider.rss",
        Route::feed(fixture("publishers/inline-markup-related.rss")),
    );
    let mut feeds = vec![
        ("thewrap", server.url("/wrap.rss")),
        ("collider", server.url("/collider.rss")),
    ];
    for (name, path, route) in extra {
        server.set(path, route.clone());
        feeds.push((name, server.url(path)));
    }
    let ws = Workspace::new(&feed_config(&feeds));
    (server, ws)
}
pub mod files;
pub mod synth;

/// A `feedsift run` in a workspace, logging to `daemon.log`; killed if a test fails.
pub struct Daemon {
    pub child: std::process::Child,
    log: PathBuf,
}

impl Workspace {
    /// Starts `feedsift run` with `RUST_LOG=info` and the extra environment `env`.
    pub fn daemon(&self, env: &[(&str, &str)]) -> Daemon {
        let log = self.path("daemon.log");
        let file = std::fs::File::create(&log).unwrap();
        let child = self
            .command(&["run"])
            .env("RUST_LOG", "info")
            .envs(env.iter().copied())
            .stderr(file)
            .spawn()
            .unwrap();
        Daemon { child, log }
    }
}

impl Daemon {
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().to_string();
        let ok = Command::new("kill")
            .args([&format!("-{name}"), &pid])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -{name} {pid}");
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// Sends SIGTERM and waits for the exit; fails past 10 s. Returns the status and the time
    /// the exit took.
    pub fn stop(mut self) -> (std::process::ExitStatus, Duration) {
        let asked = std::time::Instant::now();
        self.signal("TERM");
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, asked.elapsed());
            }
            assert!(
                asked.elapsed() < Duration::from_secs(10),
                "daemon still running 10 s after SIGTERM\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        if self.is_running() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Polls `condition` every 100 ms for up to 20 s; fails naming `what`.
pub fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !condition() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "not within 20 s: {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Rows in `table` of the workspace's database (0 while it does not exist yet).
pub fn count_rows(ws: &Workspace, table: &str) -> i64 {
    rusqlite::Connection::open_with_flags(
        ws.path("feedsift.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .and_then(|c| c.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0)))
    .unwrap_or(0)
}

/// A line for whoever runs the tests, shown even though cargo test captures output (skipped
/// corpus cases, counts).
pub fn notice(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// A finished run of the binary, with its peak resident memory.
pub struct Measured {
    pub status: std::process::ExitStatus,
    pub stderr: String,
    /// Peak RSS of the process (the kernel's `VmHWM`, read until it exits), in KiB.
    pub peak_rss_kib: u64,
}

/// Runs `cmd` to its end, sampling the child's own high-water mark every few milliseconds.
/// (`wait4`'s `ru_maxrss` would count the test process's pages the child had before `exec`.)
pub fn run_measured(mut cmd: Command) -> Measured {
    use std::io::Read;
    let mut child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut pipe = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    });
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_rss_kib = 0;
    let status = loop {
        if let Some(kib) = std::fs::read_to_string(&status_file)
            .ok()
            .and_then(|s| vm_hwm_kib(&s))
        {
            peak_rss_kib = peak_rss_kib.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    Measured {
        status,
        stderr: reader.join().unwrap(),
        peak_rss_kib,
    }
}

fn vm_hwm_kib(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Parses `html` as a browser would and fails on anything that could run script or load a
/// page: script-like elements, event-handler attributes, script in styles, meta refresh, and
/// URLs that are not http(s), mailto, relative or in-page (after the whitespace and control
/// characters a browser ignores inside a URL are removed).
pub fn assert_no_live_markup(html: &str) {
    let problems = live_markup(html);
    assert!(problems.is_empty(), "{problems:#?}\nin: {html}");
}

pub fn live_markup(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let mut problems = Vec::new();
    for node in doc.tree.nodes() {
        let Some(el) = node.value().as_element() else {
            continue;
        };
        let name = el.name();
        if matches!(
            name,
            "script"
                | "iframe"
                | "object"
                | "embed"
                | "applet"
                | "svg"
                | "math"
                | "form"
                | "input"
                | "button"
                | "base"
                | "link"
                | "frame"
                | "frameset"
                | "bgsound"
                | "template"
        ) {
            problems.push(format!("<{name}> element"));
        }
        // Only a Content-Security-Policy (which restricts) may come as http-equiv.
        if name == "meta"
            && el
                .attr("http-equiv")
                .is_some_and(|v| !v.eq_ignore_ascii_case("content-security-policy"))
        {
            problems.push(format!("<meta http-equiv={:?}>", el.attr("http-equiv")));
        }
        if name == "style" {
            let css: String = node
                .children()
                .filter_map(|c| c.value().as_text().map(|t| t.to_string()))
                .collect();
            if is_live_css(&css) {
                problems.push(format!("<style>{css}</style>"));
            }
        }
        for (attr, value) in el.attrs() {
            let attr = attr.to_ascii_lowercase();
            if attr.starts_with("on") {
                problems.push(format!("event handler {attr}={value}"));
            } else if attr == "style" && is_live_css(value) {
                problems.push(format!("style={value}"));
            } else if is_url_attribute(&attr) && !is_safe_url(value, &attr) {
                problems.push(format!("{attr}={value}"));
            }
        }
    }
    problems
}

fn is_url_attribute(attr: &str) -> bool {
    matches!(
        attr,
        "href"
            | "src"
            | "action"
            | "formaction"
            | "data"
            | "background"
            | "poster"
            | "lowsrc"
            | "dynsrc"
            | "xlink:href"
            | "srcset"
            | "codebase"
            | "datasrc"
    )
}

/// CSS that can run script or load something: functions (`url()`, `expression()`), escapes
/// that hide them, imports, bindings. Comments are removed first (`expr/**/ession`).
fn is_live_css(css: &str) -> bool {
    let mut plain = String::new();
    let mut rest = css.to_ascii_lowercase();
    while let Some(start) = rest.find("/*") {
        plain.push_str(&rest[..start]);
        rest = rest[start..]
            .split_once("*/")
            .map_or("", |(_, after)| after)
            .to_string();
    }
    plain.push_str(&rest);
    let plain: String = plain.chars().filter(|c| !c.is_whitespace()).collect();
    [
        "expression",
        "javascript:",
        "vbscript:",
        "behavior",
        "binding",
        "@import",
        "url(",
        "\\",
    ]
    .iter()
    .any(|bad| plain.contains(bad))
}

fn is_safe_url(value: &str, attr: &str) -> bool {
    let url: String = value
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect::<String>()
        .to_ascii_lowercase();
    if attr == "srcset" {
        return value.split(',').all(|candidate| {
            is_safe_url(candidate.split_whitespace().next().unwrap_or(""), "src")
        });
    }
    let scheme_end = url.find(':');
    let path_start = url.find(['/', '?', '#']);
    let has_scheme = match (scheme_end, path_start) {
        (Some(colon), Some(path)) => colon < path,
        (Some(_), None) => true,
        (None, _) => false,
    };
    !has_scheme
        || url.starts_with("http://")
        || url.starts_with("https://")
        || url.starts_with("mailto:")
}

/// `../shared/corpus/feeds`, read in place (its copyleft folders stay out of the repository).
/// Where it is absent (a fresh clone), prints `skipped` past the harness's capture and gives
/// `None`, so the caller's skip is always visible.
pub fn corpus_feeds(skipped: &str) -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/feeds");
    if dir.is_dir() {
        Some(dir)
    } else {
        notice(&format!(
            "{skipped} skipped: ../shared/corpus/feeds not found (a fresh clone has none)"
        ));
        None
    }
}

#[allow(unused_imports)] // not every test binary walks folders
pub use files::files_under;
