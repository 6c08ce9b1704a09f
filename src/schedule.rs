//! The daemon (`feedsift run`): one tokio-cron-scheduler job per feed, a global limit on
//! concurrent fetches, no overlapping runs of one feed, and a graceful shutdown.
//!
//! Shutdown is passed in as a future (mini-redis style). When it resolves the scheduler stops
//! firing, in-flight feeds get [`GRACE`] to finish (each feed's writes are one transaction, so
//! an interrupted feed leaves nothing half-written), and the rest are cancelled.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::{Config, FeedConfig};
use crate::fetch::FetchError;
use crate::pipeline::{FeedOutcome, Pipeline};
use crate::store::Store;

/// How long in-flight feeds may take to finish after a shutdown request.
pub const GRACE: Duration = Duration::from_secs(7);

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("scheduler error: {0}")]
    Scheduler(#[from] JobSchedulerError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
}

/// Everything a scheduled run needs, shared by all jobs.
#[derive(Clone)]
struct Runner {
    pipeline: Arc<Pipeline>,
    limit: Arc<Semaphore>,
    tracker: TaskTracker,
    cancel: CancellationToken,
}

impl Runner {
    /// Starts a run of `feed` unless one is still going.
    fn spawn(&self, feed: Arc<FeedConfig>, running: Arc<AtomicBool>) {
        if running.swap(true, Ordering::AcqRel) {
            tracing::debug!(feed = %feed.name, "previous run still going; this one is skipped");
            return;
        }
        let runner = self.clone();
        self.tracker.spawn(async move {
            tokio::select! {
                () = runner.cancel.cancelled() => {}
                () = runner.run(&feed) => {}
            }
            running.store(false, Ordering::Release);
        });
    }

    async fn run(&self, feed: &FeedConfig) {
        let Ok(_permit) = self.limit.acquire().await else {
            return;
        };
        match self.pipeline.run_feed(feed).await {
            Ok(FeedOutcome::Unchanged) => tracing::debug!(feed = %feed.name, "not modified"),
            Ok(FeedOutcome::Stored { items, report }) => tracing::info!(
                feed = %feed.name, items, new = report.new_articles, merged = report.merged,
                updated = report.updated, "stored"
            ),
            Err(error) => tracing::warn!(feed = %feed.name, %error, "fetch failed"),
        }
    }
}

/// Runs the daemon until `shutdown` resolves: one pass over all feeds at start, then each
/// feed on its schedule.
pub async fn run(
    config: Config,
    store: Store,
    shutdown: impl Future<Output = ()>,
) -> Result<(), DaemonError> {
    let runner = Runner {
        pipeline: Arc::new(Pipeline::new(&config, store)?),
        limit: Arc::new(Semaphore::new(config.concurrency)),
        tracker: TaskTracker::new(),
        cancel: CancellationToken::new(),
    };
    let mut scheduler = JobScheduler::new().await?;
    for feed in config.feeds {
        let feed = Arc::new(feed);
        let running = Arc::new(AtomicBool::new(false));
        runner.spawn(Arc::clone(&feed), Arc::clone(&running));
        let job_runner = runner.clone();
        let schedule = feed.schedule.clone();
        let job = Job::new_async(schedule.as_str(), move |_id, _scheduler| {
            job_runner.spawn(Arc::clone(&feed), Arc::clone(&running));
            Box::pin(async {})
        })?;
        scheduler.add(job).await?;
    }
    scheduler.start().await?;
    tracing::info!("daemon started");
    shutdown.await;
    tracing::info!("shutting down");
    scheduler.shutdown().await?;
    runner.tracker.close();
    if tokio::time::timeout(GRACE, runner.tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            "feeds still running after {}s are cancelled",
            GRACE.as_secs()
        );
        runner.cancel.cancel();
        runner.tracker.wait().await;
    }
    Ok(())
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!("cannot listen for Ctrl-C: {e}");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!("cannot listen for SIGTERM: {e}");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}
