//! How many fetches run at once: a global limit, a limit per host shared by every feed on
//! that host, and a host-wide pause when a publisher answers 429/503 with `Retry-After`.
//!
//! A run takes its host's slot before a global one, so feeds queued behind a busy host never
//! hold global slots that feeds of other hosts could use.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Utc};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::config::{FeedConfig, FeedSource};

pub struct Limits {
    inner: Mutex<Inner>,
}

struct Inner {
    global: Arc<Semaphore>,
    global_size: usize,
    per_host: usize,
    hosts: HashMap<String, Arc<Semaphore>>,
    paused: HashMap<String, DateTime<Utc>>,
}

/// Slots held for one fetch; released on drop.
pub struct Permits {
    _host: Option<OwnedSemaphorePermit>,
    _global: OwnedSemaphorePermit,
}

/// The host whose limits a feed shares (`None` for local files).
pub fn host_of(feed: &FeedConfig) -> Option<String> {
    match &feed.source {
        FeedSource::Http(url) => url.host_str().map(str::to_ascii_lowercase),
        FeedSource::File(_) => None,
    }
}

impl Limits {
    pub fn new(global: usize, per_host: usize) -> Limits {
        Limits {
            inner: Mutex::new(Inner {
                global: Arc::new(Semaphore::new(global.max(1))),
                global_size: global.max(1),
                per_host: per_host.max(1),
                hosts: HashMap::new(),
                paused: HashMap::new(),
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// New sizes (after a reload). Runs holding slots finish on the old ones; pauses stay.
    pub fn resize(&self, global: usize, per_host: usize) {
        let (global, per_host) = (global.max(1), per_host.max(1));
        let mut inner = self.lock();
        if inner.global_size != global {
            inner.global = Arc::new(Semaphore::new(global));
            inner.global_size = global;
        }
        if inner.per_host != per_host {
            inner.per_host = per_host;
            inner.hosts.clear();
        }
    }

    /// Waits for a slot on `host` (if any), then a global one.
    pub async fn acquire(&self, host: Option<&str>) -> Permits {
        let (global, host_limit) = {
            let mut inner = self.lock();
            let per_host = inner.per_host;
            let host_limit = host.map(|h| {
                Arc::clone(
                    inner
                        .hosts
                        .entry(h.to_string())
                        .or_insert_with(|| Arc::new(Semaphore::new(per_host))),
                )
            });
            (Arc::clone(&inner.global), host_limit)
        };
        let host = match host_limit {
            Some(limit) => limit.acquire_owned().await.ok(),
            None => None,
        };
        let global = global
            .acquire_owned()
            .await
            .expect("the limits never close their semaphores");
        Permits {
            _host: host,
            _global: global,
        }
    }

    /// Pauses every feed of `host` until `until` (a later pause wins).
    pub fn pause(&self, host: &str, until: DateTime<Utc>) {
        let mut inner = self.lock();
        let paused = inner.paused.entry(host.to_string()).or_insert(until);
        *paused = (*paused).max(until);
    }

    /// When `host` may be asked again, if it asked us to wait and the wait is not over.
    pub fn paused_until(&self, host: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut inner = self.lock();
        match inner.paused.get(host) {
            Some(&until) if until > now => Some(until),
            Some(_) => {
                inner.paused.remove(host);
                None
            }
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_host_gets_at_most_its_share_and_does_not_block_others() {
        let limits = Arc::new(Limits::new(3, 2));
        let a1 = limits.acquire(Some("a")).await;
        let _a2 = limits.acquire(Some("a")).await;
        let third_a = {
            let limits = Arc::clone(&limits);
            tokio::spawn(async move { limits.acquire(Some("a")).await })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!third_a.is_finished(), "a third fetch from host a ran");
        // The waiting fetch of host a holds no global slot: host b still gets one.
        let b = tokio::time::timeout(Duration::from_secs(1), limits.acquire(Some("b"))).await;
        assert!(b.is_ok());
        drop(a1);
        let a3 = tokio::time::timeout(Duration::from_secs(1), third_a).await;
        assert!(a3.is_ok());
    }

    #[test]
    fn a_pause_holds_until_it_ends_and_the_later_one_wins() {
        let limits = Limits::new(2, 2);
        let now: DateTime<Utc> = "2026-11-21T12:00:00Z".parse().unwrap();
        limits.pause("a", now + chrono::Duration::seconds(30));
        limits.pause("a", now + chrono::Duration::seconds(10));
        assert_eq!(
            limits.paused_until("a", now),
            Some(now + chrono::Duration::seconds(30))
        );
        assert_eq!(limits.paused_until("b", now), None);
        assert_eq!(
            limits.paused_until("a", now + chrono::Duration::seconds(31)),
            None
        );
    }
}
