//! Gets a feed's bytes: one shared HTTP client (compression, timeouts, redirect limit, body-size
//! cap, conditional GET) and local files for saved feeds.
//!
//! A fetch never parses anything. It answers "not modified" (nothing to do, cheaply) or hands
//! back the raw body with the validators to send next time. Either way it reports what the
//! publisher said about polling ([`Signals`]): how long the answer stays fresh and whether the
//! feed moved permanently. Redirects are followed here, hop by hop (`http.rs`), so that a
//! permanent move can be told from a temporary one.

mod headers;
mod http;
mod private;

use std::path::Path;
use std::time::{Duration, SystemTime};

use url::Url;

use crate::config::{ClientSettings, FeedConfig, FeedSource};

/// What the server said last time, sent back so it can answer 304 Not Modified.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// What the publisher said about polling, besides the feed itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Signals {
    /// How long the answer stays fresh (`Cache-Control: max-age`, `Expires`).
    pub fresh_for: Option<Duration>,
    /// Where a chain of permanent redirects (301, 308) from the requested URL ended.
    pub moved_to: Option<Url>,
}

#[derive(Debug)]
pub enum FetchOutcome {
    /// The source has not changed since `Validators` were recorded.
    NotModified {
        status: Option<u16>,
        signals: Signals,
    },
    Fetched(Fetched),
}

#[derive(Debug)]
pub struct Fetched {
    pub body: Vec<u8>,
    /// The URL after redirects (or a `file://` URL); relative links resolve against it.
    pub url: Url,
    pub status: Option<u16>,
    /// The response's Content-Type (its `charset` helps decode the body); `None` for files.
    pub content_type: Option<String>,
    pub validators: Validators,
    pub signals: Signals,
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("HTTP {status} {reason} from {url}{hint}")]
    Status {
        status: u16,
        reason: String,
        url: String,
        hint: &'static str,
        /// `Retry-After`, when the server sent one.
        retry_after: Option<Duration>,
    },
    #[error("no complete answer from {url} within {}s; raise `timeout` for this feed if the server is slow", timeout.as_secs_f64())]
    Timeout { url: String, timeout: Duration },
    #[error(
        "the feed at {url} is larger than {limit} bytes; raise `max_body_size` if it is legitimate"
    )]
    TooLarge { url: String, limit: u64 },
    #[error("too many redirects from {url}; check the feed URL in a browser")]
    Redirects { url: String },
    #[error("redirect loop from {url} through {through}; check the feed URL in a browser")]
    RedirectLoop { url: String, through: String },
    #[error(
        "refused the redirect from {url} to {target}: it leads to a {kind} address; if this feed may reach it, set `allow_private = true` for the feed in feeds.toml"
    )]
    PrivateRedirect {
        url: String,
        target: String,
        kind: &'static str,
    },
    #[error(
        "the TLS handshake with {url} failed ({reason}); the server may not speak HTTPS on this port, or its certificate is not valid for this name"
    )]
    Tls { url: String, reason: String },
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

    /// How long the server asked us to stay away (429, 503 with `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            FetchError::Status { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// The one HTTP client, shared by every feed (connection pooling, one place for settings).
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    max_redirects: usize,
}

impl Fetcher {
    pub fn new(settings: &ClientSettings) -> Result<Fetcher, FetchError> {
        Ok(Fetcher {
            client: http::client(settings)?,
            max_redirects: settings.max_redirects,
        })
    }

    /// Fetches `feed` from `moved_to` when an earlier fetch found it moved permanently,
    /// else from its configured source.
    pub async fn fetch(
        &self,
        feed: &FeedConfig,
        moved_to: Option<&Url>,
        known: &Validators,
    ) -> Result<FetchOutcome, FetchError> {
        match (&feed.source, moved_to) {
            (FeedSource::Http(_), Some(url)) | (FeedSource::Http(url), None) => {
                let fetch = http::fetch(self, url, feed, known);
                tokio::time::timeout(feed.timeout, fetch)
                    .await
                    .unwrap_or_else(|_| {
                        Err(FetchError::Timeout {
                            url: url.to_string(),
                            timeout: feed.timeout,
                        })
                    })
            }
            (FeedSource::File(path), _) => fetch_file(path, feed.max_body_size, known).await,
        }
    }
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
        return Ok(FetchOutcome::NotModified {
            status: None,
            signals: Signals::default(),
        });
    }
    if meta.len() > limit {
        return Err(FetchError::TooLarge {
            url: path.display().to_string(),
            limit,
        });
    }
    let body = tokio::fs::read(path).await.map_err(file_error)?;
    let body = gunzip_unlabelled(body, limit, &path.display().to_string()).await?;
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
        content_type: None,
        validators,
        signals: Signals::default(),
    }))
}

/// Gzip bytes without `Content-Encoding` (a server that serves `feed.xml.gz` as XML, a
/// compressed file saved under a `.xml` name) are unpacked, under the same size cap, so the
/// parser sees the feed. Bytes that only look like gzip are left as they are.
async fn gunzip_unlabelled(body: Vec<u8>, limit: u64, url: &str) -> Result<Vec<u8>, FetchError> {
    if !body.starts_with(&[0x1f, 0x8b]) {
        return Ok(body);
    }
    let unpacked = tokio::task::spawn_blocking(move || {
        use std::io::Read;
        let mut out = Vec::new();
        let read = flate2::read::MultiGzDecoder::new(&body[..])
            .take(limit.saturating_add(1))
            .read_to_end(&mut out);
        if read.is_ok() { Ok(out) } else { Err(body) }
    })
    .await
    .map_err(|e| FetchError::Request {
        url: url.to_string(),
        reason: format!("unpacking gzip failed: {e}"),
    })?;
    match unpacked {
        Ok(out) if out.len() as u64 > limit => Err(FetchError::TooLarge {
            url: url.to_string(),
            limit,
        }),
        Ok(out) => Ok(out),
        Err(body) => Ok(body),
    }
}

fn mtime_text(t: SystemTime) -> String {
    let since = t.duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    format!("mtime:{}.{:09}", since.as_secs(), since.subsec_nanos())
}
