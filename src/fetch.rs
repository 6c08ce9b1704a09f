//! Gets a feed's bytes: one shared HTTP client (compression, timeouts, redirect limit, body-size
//! cap, conditional GET) and local files for saved feeds.
//!
//! A fetch never parses anything. It answers "not modified" (nothing to do, cheaply) or hands
//! back the raw body with the validators to send next time.

use std::path::Path;
use std::time::{Duration, SystemTime};

use futures::StreamExt;
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use crate::config::{ClientSettings, FeedConfig, FeedSource};

/// What the server said last time, sent back so it can answer 304 Not Modified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

#[derive(Debug)]
pub enum FetchOutcome {
    /// The source has not changed since `Validators` were recorded.
    NotModified {
        status: Option<u16>,
    },
    Fetched(Fetched),
}

#[derive(Debug)]
pub struct Fetched {
    pub body: Vec<u8>,
    /// The URL after redirects (or a `file://` URL); relative links resolve against it.
    pub url: Url,
    pub status: Option<u16>,
    pub validators: Validators,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("HTTP {status} {reason} from {url}{hint}")]
    Status {
        status: u16,
        reason: String,
        url: String,
        hint: &'static str,
    },
    #[error("no complete answer from {url} within {}s; raise `timeout` for this feed if the server is slow", timeout.as_secs_f64())]
    Timeout { url: String, timeout: Duration },
    #[error(
        "the feed at {url} is larger than {limit} bytes; raise `max_body_size` if it is legitimate"
    )]
    TooLarge { url: String, limit: u64 },
    #[error("too many redirects from {url}; check the feed URL in a browser")]
    Redirects { url: String },
    #[error("cannot connect to {url}: {reason}")]
    Connect { url: String, reason: String },
    #[error("request to {url} failed: {reason}")]
    Request { url: String, reason: String },
    #[error("cannot read {}: {source}", path.display())]
    File {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// The HTTP status, when the server answered with one.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// The one HTTP client, shared by every feed (connection pooling, one place for settings).
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
}

impl Fetcher {
    pub fn new(settings: &ClientSettings) -> Result<Fetcher, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT,
            HeaderValue::from_static(
                "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5",
            ),
        );
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .default_headers(headers)
            .connect_timeout(settings.connect_timeout)
            .redirect(reqwest::redirect::Policy::limited(settings.max_redirects))
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Fetcher { client })
    }

    pub async fn fetch(
        &self,
        feed: &FeedConfig,
        known: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        match &feed.source {
            FeedSource::Http(url) => self.fetch_http(url, feed, known).await,
            FeedSource::File(path) => fetch_file(path, feed.max_body_size, known).await,
        }
    }

    async fn fetch_http(
        &self,
        url: &Url,
        feed: &FeedConfig,
        known: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        let mut request = self.client.get(url.clone()).timeout(feed.timeout);
        if let Some(etag) = &known.etag {
            request = request.header(header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &known.last_modified {
            request = request.header(header::IF_MODIFIED_SINCE, lm);
        }
        let response = request
            .send()
            .await
            .map_err(|e| request_error(url, feed.timeout, e))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(FetchOutcome::NotModified { status: Some(304) });
        }
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
                reason: status.canonical_reason().unwrap_or("").to_string(),
                url: response.url().to_string(),
                hint: status_hint(status.as_u16()),
            });
        }
        let final_url = response.url().clone();
        let validators = Validators {
            etag: header_text(response.headers(), header::ETAG),
            last_modified: header_text(response.headers(), header::LAST_MODIFIED),
        };
        let body = read_capped(response, feed.max_body_size, url, feed.timeout).await?;
        Ok(FetchOutcome::Fetched(Fetched {
            body,
            url: final_url,
            status: Some(status.as_u16()),
            validators,
        }))
    }
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn status_hint(status: u16) -> &'static str {
    match status {
        404 | 410 => "; the feed moved or is gone: check its URL in feeds.toml",
        401 | 403 => "; the server refuses us: the feed may need a login or block bots",
        429 => "; the server asks us to slow down: poll this feed less often",
        500..=599 => "; the server has a problem, try again later",
        _ => "",
    }
}

/// Reads the body chunk by chunk, stopping as soon as it passes `limit` (after decompression,
/// so a compression bomb is capped too).
async fn read_capped(
    response: reqwest::Response,
    limit: u64,
    url: &Url,
    timeout: Duration,
) -> Result<Vec<u8>, FetchError> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(FetchError::TooLarge {
            url: url.to_string(),
            limit,
        });
    }
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| request_error(url, timeout, e))?;
        if body.len() as u64 + chunk.len() as u64 > limit {
            return Err(FetchError::TooLarge {
                url: url.to_string(),
                limit,
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn request_error(url: &Url, timeout: Duration, e: reqwest::Error) -> FetchError {
    let url = url.to_string();
    if e.is_timeout() {
        FetchError::Timeout { url, timeout }
    } else if e.is_redirect() {
        FetchError::Redirects { url }
    } else if e.is_connect() {
        FetchError::Connect {
            url,
            reason: error_chain(&e),
        }
    } else {
        FetchError::Request {
            url,
            reason: error_chain(&e),
        }
    }
}

/// reqwest wraps the cause in layers that repeat the URL ("error sending request for url
/// (...)", "client error (Connect)"); the innermost cause is the one that says what happened.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut innermost = e;
    while let Some(source) = innermost.source() {
        innermost = source;
    }
    innermost.to_string()
}

/// A saved feed file. Its modification time plays the part of Last-Modified, so an unchanged
/// file is "not modified" just like a 304.
async fn fetch_file(
    path: &Path,
    limit: u64,
    known: &Validators,
) -> Result<FetchOutcome, FetchError> {
    let file_error = |source| FetchError::File {
        path: path.to_path_buf(),
        source,
    };
    let meta = tokio::fs::metadata(path).await.map_err(file_error)?;
    let modified = meta.modified().ok().map(mtime_text);
    if modified.is_some() && modified == known.last_modified {
        return Ok(FetchOutcome::NotModified { status: None });
    }
    if meta.len() > limit {
        return Err(FetchError::TooLarge {
            url: path.display().to_string(),
            limit,
        });
    }
    let body = tokio::fs::read(path).await.map_err(file_error)?;
    let absolute = std::path::absolute(path).map_err(file_error)?;
    let url = Url::from_file_path(&absolute).map_err(|()| {
        file_error(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "path cannot be a file:// URL",
        ))
    })?;
    let validators = Validators {
        etag: None,
        last_modified: modified,
    };
    Ok(FetchOutcome::Fetched(Fetched {
        body,
        url,
        status: None,
        validators,
    }))
}

fn mtime_text(t: SystemTime) -> String {
    let since = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    format!("mtime:{}.{:09}", since.as_secs(), since.subsec_nanos())
}
