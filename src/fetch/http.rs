//! HTTP: the shared client, redirects followed hop by hop (to tell a permanent move from a
//! temporary one, and to stop loops), the body read with a size cap after decompression.

use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderValue};
use url::Url;

use super::{FetchError, FetchOutcome, Fetched, Fetcher, Signals, Validators, headers};
use crate::config::{ClientSettings, FeedConfig, FeedSource};

pub(super) fn client(settings: &ClientSettings) -> Result<reqwest::Client, FetchError> {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::ACCEPT,
        HeaderValue::from_static(
            "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5",
        ),
    );
    reqwest::Client::builder()
        .user_agent(settings.user_agent.clone())
        .default_headers(headers)
        .connect_timeout(settings.connect_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| FetchError::Client(e.to_string()))
}

/// Where the redirects so far have led, and whether every hop was permanent.
struct Hops {
    start: Url,
    visited: Vec<Url>,
    all_permanent: bool,
    moved_to: Option<Url>,
}

impl Hops {
    fn new(start: &Url) -> Hops {
        Hops {
            start: start.clone(),
            visited: vec![start.clone()],
            all_permanent: true,
            moved_to: None,
        }
    }

    /// Records a redirect to `next`; an error on a loop or past `limit` hops.
    fn follow(&mut self, status: StatusCode, next: Url, limit: usize) -> Result<(), FetchError> {
        if self.visited.contains(&next) {
            return Err(FetchError::RedirectLoop {
                url: self.start.to_string(),
                through: next.to_string(),
            });
        }
        if self.visited.len() > limit {
            return Err(FetchError::Redirects {
                url: self.start.to_string(),
            });
        }
        let permanent = matches!(
            status,
            StatusCode::MOVED_PERMANENTLY | StatusCode::PERMANENT_REDIRECT
        );
        self.all_permanent &= permanent;
        if self.all_permanent {
            self.moved_to = Some(next.clone());
        }
        self.visited.push(next);
        Ok(())
    }

    fn current(&self) -> &Url {
        self.visited.last().unwrap_or(&self.start)
    }
}

pub(super) async fn fetch(
    fetcher: &Fetcher,
    url: &Url,
    feed: &FeedConfig,
    known: &Validators,
) -> Result<FetchOutcome, FetchError> {
    let mut hops = Hops::new(url);
    let response = loop {
        let response = send(fetcher, hops.current(), feed.timeout, known).await?;
        let status = response.status();
        if !status.is_redirection() || status == StatusCode::NOT_MODIFIED {
            break response;
        }
        let next = location(&response, hops.current())?;
        let configured = match &feed.source {
            FeedSource::Http(configured) => configured,
            FeedSource::File(_) => url,
        };
        super::private::check_redirect(configured, &next, feed.allow_private).await?;
        hops.follow(status, next, fetcher.max_redirects)?;
    };
    let status = response.status();
    let signals = Signals {
        fresh_for: fresh_for(response.headers()),
        moved_to: hops.moved_to.clone(),
    };
    if status == StatusCode::NOT_MODIFIED {
        return Ok(FetchOutcome::NotModified {
            status: Some(304),
            signals,
        });
    }
    if !status.is_success() {
        return Err(status_error(&response));
    }
    let validators = Validators {
        etag: header_text(response.headers(), header::ETAG),
        last_modified: header_text(response.headers(), header::LAST_MODIFIED),
    };
    let final_url = response.url().clone();
    let content_type = header_text(response.headers(), header::CONTENT_TYPE);
    let body = read_capped(response, feed.max_body_size, url, feed.timeout).await?;
    let body = super::gunzip_unlabelled(body, feed.max_body_size, url.as_str()).await?;
    Ok(FetchOutcome::Fetched(Fetched {
        body,
        url: final_url,
        status: Some(status.as_u16()),
        content_type,
        validators,
        signals,
    }))
}

async fn send(
    fetcher: &Fetcher,
    url: &Url,
    timeout: Duration,
    known: &Validators,
) -> Result<reqwest::Response, FetchError> {
    let mut request = fetcher.client.get(url.clone()).timeout(timeout);
    if let Some(etag) = &known.etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    if let Some(lm) = &known.last_modified {
        request = request.header(header::IF_MODIFIED_SINCE, lm);
    }
    request
        .send()
        .await
        .map_err(|e| request_error(url, timeout, e))
}

fn location(response: &reqwest::Response, current: &Url) -> Result<Url, FetchError> {
    let missing = |reason: String| FetchError::Request {
        url: current.to_string(),
        reason,
    };
    let value = header_text(response.headers(), header::LOCATION).ok_or_else(|| {
        missing(format!(
            "HTTP {} redirect without a Location header",
            response.status().as_u16()
        ))
    })?;
    current
        .join(&value)
        .map_err(|e| missing(format!("redirect to an invalid URL `{value}`: {e}")))
}

fn status_error(response: &reqwest::Response) -> FetchError {
    let status = response.status();
    let retry_after = match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => {
            header_text(response.headers(), header::RETRY_AFTER)
                .and_then(|v| headers::retry_after(&v, chrono::Utc::now()))
        }
        _ => None,
    };
    FetchError::Status {
        status: status.as_u16(),
        reason: status.canonical_reason().unwrap_or("").to_string(),
        url: response.url().to_string(),
        hint: status_hint(status.as_u16()),
        retry_after,
    }
}

fn fresh_for(h: &HeaderMap) -> Option<Duration> {
    headers::freshness(
        header_text(h, header::CACHE_CONTROL).as_deref(),
        header_text(h, header::EXPIRES).as_deref(),
        header_text(h, header::DATE).as_deref(),
        header_text(h, header::AGE).as_deref(),
        chrono::Utc::now(),
    )
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

fn status_hint(status: u16) -> &'static str {
    match status {
        404 => "; the feed moved or is gone: check its URL in feeds.toml",
        410 => "; the publisher says the feed is gone for good: remove it from feeds.toml",
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
    // Doubling left up to twice the body's size reserved, held while the feed waits its turn
    // to be parsed.
    body.shrink_to_fit();
    Ok(body)
}

fn request_error(url: &Url, timeout: Duration, e: reqwest::Error) -> FetchError {
    let reason = error_chain(&e);
    let url = url.to_string();
    if e.is_timeout() {
        FetchError::Timeout { url, timeout }
    } else if url.starts_with("https:") && is_tls_failure(&reason) {
        FetchError::Tls { url, reason }
    } else if e.is_connect() {
        FetchError::Connect { url, reason }
    } else {
        FetchError::Request { url, reason }
    }
}

fn is_tls_failure(reason: &str) -> bool {
    let reason = reason.to_ascii_lowercase();
    ["tls", "certificate", "handshake", "ssl"]
        .iter()
        .any(|word| reason.contains(word))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn only_a_chain_of_permanent_redirects_is_a_move() {
        let mut hops = Hops::new(&url("http://a.example/feed"));
        hops.follow(
            StatusCode::MOVED_PERMANENTLY,
            url("https://a.example/feed"),
            10,
        )
        .unwrap();
        hops.follow(
            StatusCode::PERMANENT_REDIRECT,
            url("https://b.example/feed"),
            10,
        )
        .unwrap();
        assert_eq!(hops.moved_to, Some(url("https://b.example/feed")));
        // A temporary hop afterwards: the move stops where the temporary hop starts.
        hops.follow(StatusCode::FOUND, url("https://cdn.example/x"), 10)
            .unwrap();
        hops.follow(
            StatusCode::MOVED_PERMANENTLY,
            url("https://cdn.example/y"),
            10,
        )
        .unwrap();
        assert_eq!(hops.moved_to, Some(url("https://b.example/feed")));
        assert_eq!(hops.current(), &url("https://cdn.example/y"));
    }

    #[test]
    fn a_temporary_first_hop_is_no_move() {
        let mut hops = Hops::new(&url("http://a.example/feed"));
        hops.follow(StatusCode::TEMPORARY_REDIRECT, url("http://b.example/"), 10)
            .unwrap();
        hops.follow(StatusCode::MOVED_PERMANENTLY, url("http://c.example/"), 10)
            .unwrap();
        assert_eq!(hops.moved_to, None);
    }

    #[test]
    fn loops_and_long_chains_are_errors() {
        let mut hops = Hops::new(&url("http://a.example/1"));
        hops.follow(StatusCode::FOUND, url("http://a.example/2"), 10)
            .unwrap();
        let looped = hops.follow(StatusCode::FOUND, url("http://a.example/1"), 10);
        assert!(matches!(looped, Err(FetchError::RedirectLoop { .. })));
        let mut hops = Hops::new(&url("http://a.example/0"));
        for i in 1..=2 {
            hops.follow(StatusCode::FOUND, url(&format!("http://a.example/{i}")), 2)
                .unwrap();
        }
        let too_many = hops.follow(StatusCode::FOUND, url("http://a.example/3"), 2);
        assert!(matches!(too_many, Err(FetchError::Redirects { .. })));
    }
}
