//! The daemon (`feedsift run`): one tokio-cron-scheduler job per distinct schedule, whose
//! tick starts that schedule's feeds one by one, each after its stable jitter, held back by
//! the publisher's signals (`poll`), global and per-host limits (`limits`); one daemon per
//! database (`lock`), reload on SIGHUP, and systemd's notifications and watchdog.
//!
//! Feeds share a schedule's job (and its parsed cron expression) rather than having one
//! each: a job and a parsed expression cost about 10 KB, which made 100 MB for a daemon with
//! 10,000 feeds. A waiting run holds its pipeline future in a box, so runs queued
//! behind the limits stay small.
//!
//! Control comes in as futures and channels (mini-redis style, see [`Control`]): a shutdown
//! future and a reload channel, so tests and other front ends can drive it without signals.
//! On shutdown the scheduler stops firing, runs that have not started fetching end at once,
//! in-flight feeds get [`GRACE`] to finish (each feed's writes are one transaction, so an
//! interrupted feed leaves nothing half-written), and the rest are cancelled.

pub mod limits;
pub mod lock;
pub mod poll;

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::mpsc;
use tokio::time::{Interval, MissedTickBehavior};
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use uuid::Uuid;

use crate::config::{Config, ConfigError, FeedConfig};
use crate::fetch::FetchError;
use crate::pipeline::{FeedOutcome, FeedRun, Pipeline};
use crate::store::{FeedState, Store, StoreError};
use crate::systemd::Notifier;
use limits::{Limits, host_of};
use poll::Schedule;

/// How long in-flight feeds may take to finish after a shutdown request.
pub const GRACE: Duration = Duration::from_secs(7);
/// How often the STATUS line is refreshed (only when a run finished since).
const STATUS_EVERY: Duration = Duration::from_secs(10);
/// The scheduler's heartbeat while systemd's watchdog is on, and how old it may get.
const HEARTBEAT: &str = "*/5 * * * * *";
const HEARTBEAT_STALE_SECS: i64 = 20;
/// Retention runs this long after start-up, then once a day.
const PRUNE_FIRST: Duration = Duration::from_secs(10);
const PRUNE_EVERY: Duration = Duration::from_secs(24 * 3600);

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("scheduler error: {0}")]
    Scheduler(#[from] JobSchedulerError),
    #[error(transparent)]
    Fetch(#[from] FetchError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What the daemon listens to besides its schedule.
pub struct Control {
    /// Resolves when the daemon should stop.
    pub shutdown: Pin<Box<dyn Future<Output = ()> + Send>>,
    /// One message per reload request.
    pub reload: mpsc::UnboundedReceiver<()>,
    /// Reads the config again, for a reload.
    pub load: Box<dyn Fn() -> Result<Config, ConfigError> + Send + Sync>,
}

impl Control {
    /// SIGTERM and SIGINT stop the daemon; SIGHUP reloads the config with `load`. The
    /// handlers are installed before this returns, so a signal that arrives while the daemon
    /// starts is not lost (nor fatal).
    pub fn from_signals(
        load: Box<dyn Fn() -> Result<Config, ConfigError> + Send + Sync>,
    ) -> Control {
        let (tx, rx) = mpsc::unbounded_channel();
        let hangups = signal_stream(SignalKind::hangup());
        tokio::spawn(async move {
            let Some(mut hangups) = hangups else { return };
            while hangups.recv().await.is_some() {
                if tx.send(()).is_err() {
                    break;
                }
            }
        });
        let terminate = signal_stream(SignalKind::terminate());
        let interrupt = signal_stream(SignalKind::interrupt());
        Control {
            shutdown: Box::pin(async move {
                tokio::select! {
                    () = next_signal(terminate) => {}
                    () = next_signal(interrupt) => {}
                }
            }),
            reload: rx,
            load,
        }
    }
}

fn signal_stream(kind: SignalKind) -> Option<Signal> {
    signal(kind)
        .inspect_err(|e| tracing::error!("cannot listen for signal {}: {e}", kind.as_raw_value()))
        .ok()
}

/// Resolves at the next signal of `stream`; never, without one.
async fn next_signal(stream: Option<Signal>) {
    match stream {
        Some(mut stream) => {
            stream.recv().await;
        }
        None => std::future::pending().await,
    }
}

/// One feed's job: its config and the state its runs share.
struct FeedJob {
    config: FeedConfig,
    state: Arc<JobState>,
    /// Set when a reload removes or replaces the feed; a tick under way then skips it.
    retired: AtomicBool,
}

/// The feeds that share one cron expression, and the scheduler job that fires them.
struct Group {
    members: Arc<Mutex<Vec<Arc<FeedJob>>>>,
    id: Uuid,
}

/// What runs of one feed share; kept across reloads while the feed's URL stays the same.
#[derive(Default)]
struct JobState {
    running: AtomicBool,
    /// No request before this (from the last run's plan).
    floor: Mutex<Option<DateTime<Utc>>>,
    /// The last error, so that a failure is logged when it changes, not at every poll.
    last_error: Mutex<Option<String>>,
    moved_to: Mutex<Option<String>>,
}

impl JobState {
    fn from_stored(state: &FeedState) -> JobState {
        JobState {
            running: AtomicBool::new(false),
            floor: Mutex::new(state.earliest_poll),
            last_error: Mutex::new(state.last_error.clone()),
            moved_to: Mutex::new(state.moved_to.clone()),
        }
    }
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// When a run was asked for: at its start after a cron tick (tick + jitter), or right away
/// (start, reload).
#[derive(Debug, Clone, Copy)]
enum Trigger {
    Tick(DateTime<Utc>),
    Now,
}

/// Everything a run needs, shared by all jobs.
struct Runner {
    pipeline: RwLock<Arc<Pipeline>>,
    limits: Limits,
    tracker: TaskTracker,
    /// Runs that have not started fetching end at once.
    stopping: CancellationToken,
    /// In-flight fetches are dropped (after [`GRACE`]).
    cancel: CancellationToken,
    completed: AtomicU64,
}

impl Runner {
    fn pipeline(&self) -> Arc<Pipeline> {
        Arc::clone(&self.pipeline.read().unwrap_or_else(|p| p.into_inner()))
    }

    /// Starts a run of `job` unless one is still going.
    fn fire(self: &Arc<Self>, job: Arc<FeedJob>, trigger: Trigger) {
        if job.state.running.swap(true, Ordering::AcqRel) {
            tracing::debug!(feed = %job.config.name, "previous run still going; this one is skipped");
            return;
        }
        let runner = Arc::clone(self);
        self.tracker.spawn(async move {
            runner.run(&job, trigger).await;
            job.state.running.store(false, Ordering::Release);
        });
    }

    /// Starts the runs of a group's `members` for `tick`, each at its own start (tick plus
    /// jitter), from one task that sleeps between them.
    fn dispatch(
        self: &Arc<Self>,
        schedule: &Schedule,
        tick: DateTime<Utc>,
        members: &[Arc<FeedJob>],
    ) {
        let starts = poll::starts_in_order(
            schedule,
            tick,
            members
                .iter()
                .map(|job| (Arc::clone(job), job.config.name.as_str())),
        );
        let runner = Arc::clone(self);
        self.tracker.spawn(async move {
            for (start, job) in starts {
                let wait = (start - Utc::now()).to_std().unwrap_or_default();
                tokio::select! {
                    () = runner.stopping.cancelled() => return,
                    () = tokio::time::sleep(wait) => {}
                }
                if !job.retired.load(Ordering::Acquire) {
                    runner.fire(job, Trigger::Tick(start));
                }
            }
        });
    }

    async fn run(&self, job: &FeedJob, trigger: Trigger) {
        let name = &job.config.name;
        let start = match trigger {
            Trigger::Tick(start) => start,
            Trigger::Now => Utc::now(),
        };
        if matches!(trigger, Trigger::Tick(_)) && !poll::may_poll(start, *locked(&job.state.floor))
        {
            tracing::debug!(feed = %name, "not polled at this tick: the publisher's floor holds");
            return;
        }
        let host = host_of(&job.config);
        let permits = tokio::select! {
            () = self.stopping.cancelled() => return,
            permits = self.limits.acquire(host.as_deref()) => permits,
        };
        if let Some(until) = host
            .as_deref()
            .and_then(|h| self.limits.paused_until(h, Utc::now()))
        {
            tracing::debug!(feed = %name, %until, "host asked us to wait; not polled at this tick");
            return;
        }
        let pipeline = self.pipeline();
        let run = tokio::select! {
            () = self.cancel.cancelled() => {
                tracing::warn!(feed = %name, "cancelled at shutdown; nothing of this fetch was stored");
                return;
            }
            run = Box::pin(pipeline.run_feed(&job.config, start)) => run,
        };
        drop(permits);
        self.after_run(job, host.as_deref(), &run);
    }

    fn after_run(&self, job: &FeedJob, host: Option<&str>, run: &FeedRun) {
        let name = &job.config.name;
        *locked(&job.state.floor) = run.next.record.earliest_poll;
        if let (Some(host), Some(until)) = (host, run.next.host_waits_until) {
            tracing::info!(feed = %name, host, %until, "the host asked us to wait (Retry-After); its feeds pause");
            self.limits.pause(host, until);
        }
        if let Some(moved) = &run.next.record.moved_to {
            let mut known = locked(&job.state.moved_to);
            if known.as_ref() != Some(moved) {
                tracing::warn!(feed = %name, to = %moved, "moved permanently: fetched from the new URL from now on; update feeds.toml");
                *known = Some(moved.clone());
            }
        }
        match &run.result {
            Ok(FeedOutcome::Stored { items, report }) => tracing::info!(
                feed = %name, items, new = report.new_articles, merged = report.merged,
                updated = report.updated, "stored"
            ),
            Ok(FeedOutcome::Unchanged) => tracing::debug!(feed = %name, "not modified"),
            Ok(FeedOutcome::Deferred { until }) => {
                tracing::debug!(feed = %name, %until, "deferred")
            }
            Err(_) => {}
        }
        log_health_change(job, run);
        self.completed.fetch_add(1, Ordering::Relaxed);
    }

    fn failing(&self, jobs: &HashMap<String, Arc<FeedJob>>) -> usize {
        jobs.values()
            .filter(|job| locked(&job.state.last_error).is_some())
            .count()
    }
}

/// A group for schedule `expr`, empty, and its scheduler job: each tick dispatches the
/// members of that moment.
async fn new_group(
    runner: &Arc<Runner>,
    scheduler: &JobScheduler,
    expr: &str,
) -> Result<Group, DaemonError> {
    let schedule = Schedule::of(expr);
    let members: Arc<Mutex<Vec<Arc<FeedJob>>>> = Arc::default();
    let (runner, fired) = (Arc::clone(runner), Arc::clone(&members));
    let cron = Job::new_async(expr, move |_id, _scheduler| {
        let tick = schedule.latest_tick(Utc::now());
        let members = locked(&fired).clone();
        runner.dispatch(&schedule, tick, &members);
        Box::pin(async {})
    })?;
    let id = scheduler.add(cron).await?;
    Ok(Group { members, id })
}

/// Logs a failure when it starts or changes, and the recovery; a repeat is only a debug line.
fn log_health_change(job: &FeedJob, run: &FeedRun) {
    let name = &job.config.name;
    let error = run.result.as_ref().err().map(ToString::to_string);
    let mut last = locked(&job.state.last_error);
    let next = run
        .next
        .record
        .next_poll
        .map(crate::time::rfc3339)
        .unwrap_or_default();
    let reason = run.next.record.earliest_reason.as_deref().unwrap_or("");
    match (&*last, &error) {
        (previous, Some(e)) if previous.as_ref() != Some(e) => {
            tracing::warn!(feed = %name, error = %e, next_poll = %next, reason, "feed failing");
        }
        (_, Some(_)) => tracing::debug!(feed = %name, next_poll = %next, reason, "still failing"),
        (Some(_), None) => tracing::info!(feed = %name, "feed recovered"),
        (None, None) => {}
    }
    *last = error;
}

/// The running daemon: the scheduler, one job per schedule, the feeds by name, the config
/// they came from.
struct Daemon {
    runner: Arc<Runner>,
    scheduler: JobScheduler,
    groups: HashMap<String, Group>,
    jobs: HashMap<String, Arc<FeedJob>>,
    config: Config,
    store: Store,
    notifier: Option<Notifier>,
    heartbeat: Arc<AtomicI64>,
    reported: u64,
    unhealthy: bool,
    /// The retention pass in progress, if any.
    pruning: Option<tokio::task::JoinHandle<()>>,
}

/// Runs the daemon until `control.shutdown` resolves.
pub async fn run(config: Config, store: Store, mut control: Control) -> Result<(), DaemonError> {
    let notifier = Notifier::from_env();
    let watchdog = notifier.as_ref().and_then(Notifier::watchdog_interval);
    let mut daemon = Daemon::start(config, store, notifier).await?;
    if watchdog.is_some() {
        daemon.start_heartbeat().await?;
    }
    let mut status = every(STATUS_EVERY);
    let mut watchdog = watchdog.map(every);
    let mut prune =
        tokio::time::interval_at(tokio::time::Instant::now() + PRUNE_FIRST, PRUNE_EVERY);
    prune.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = &mut control.shutdown => break,
            Some(()) = control.reload.recv() => daemon.reload(control.load.as_ref()).await,
            _ = status.tick() => daemon.refresh_status(false).await,
            _ = prune.tick() => daemon.prune(),
            () = tick(&mut watchdog) => daemon.feed_watchdog(watchdog_period(&watchdog)).await,
        }
    }
    daemon.shutdown().await
}

fn every(period: Duration) -> Interval {
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(MissedTickBehavior::Delay);
    interval
}

async fn tick(interval: &mut Option<Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

fn watchdog_period(interval: &Option<Interval>) -> Duration {
    interval
        .as_ref()
        .map_or(Duration::from_secs(10), Interval::period)
}

impl Daemon {
    async fn start(
        config: Config,
        store: Store,
        notifier: Option<Notifier>,
    ) -> Result<Daemon, DaemonError> {
        let runner = Arc::new(Runner {
            pipeline: RwLock::new(Arc::new(Pipeline::new(&config, store.clone())?)),
            limits: Limits::new(config.concurrency, config.host_concurrency),
            tracker: TaskTracker::new(),
            stopping: CancellationToken::new(),
            cancel: CancellationToken::new(),
            completed: AtomicU64::new(0),
        });
        let mut daemon = Daemon {
            runner,
            scheduler: JobScheduler::new().await?,
            groups: HashMap::new(),
            jobs: HashMap::new(),
            config: config.clone(),
            store,
            notifier,
            heartbeat: Arc::new(AtomicI64::new(Utc::now().timestamp())),
            reported: u64::MAX,
            unhealthy: false,
            pruning: None,
        };
        daemon.add_feeds(config.feeds, HashMap::new()).await?;
        daemon.scheduler.start().await?;
        tracing::info!(feeds = daemon.jobs.len(), "daemon started");
        if let Some(n) = &daemon.notifier {
            n.ready(&daemon.status_line().await);
        }
        Ok(daemon)
    }

    /// Adds a job per feed (keeping `kept` state by feed name) and polls at once those that
    /// are due: never polled, or a poll fell due while no daemon ran.
    async fn add_feeds(
        &mut self,
        feeds: Vec<FeedConfig>,
        mut kept: HashMap<String, Arc<JobState>>,
    ) -> Result<(), DaemonError> {
        let names: Vec<String> = feeds.iter().map(|f| f.name.clone()).collect();
        let stored = self
            .store
            .blocking(move |s| {
                names
                    .iter()
                    .map(|n| s.feed_state(n))
                    .collect::<Result<Vec<_>, _>>()
            })
            .await?;
        let now = Utc::now();
        for (feed, stored) in feeds.into_iter().zip(stored) {
            let state = kept
                .remove(&feed.name)
                .unwrap_or_else(|| Arc::new(JobState::from_stored(&stored)));
            let due = poll::due_at_start(
                stored.last_attempt,
                stored.next_poll,
                stored.earliest_poll,
                now,
            );
            let job = self.add_job(feed, state).await?;
            if due {
                self.runner.fire(job, Trigger::Now);
            }
        }
        Ok(())
    }

    async fn add_job(
        &mut self,
        feed: FeedConfig,
        state: Arc<JobState>,
    ) -> Result<Arc<FeedJob>, DaemonError> {
        let group = self.group(&feed.schedule).await?;
        let job = Arc::new(FeedJob {
            config: feed,
            state,
            retired: AtomicBool::new(false),
        });
        locked(&group.members).push(Arc::clone(&job));
        self.jobs.insert(job.config.name.clone(), Arc::clone(&job));
        Ok(job)
    }

    /// The group of the feeds on schedule `expr`, with its scheduler job added if it is new.
    async fn group(&mut self, expr: &str) -> Result<&Group, DaemonError> {
        Ok(match self.groups.entry(expr.to_string()) {
            Entry::Occupied(group) => group.into_mut(),
            Entry::Vacant(slot) => {
                slot.insert(new_group(&self.runner, &self.scheduler, expr).await?)
            }
        })
    }

    /// Takes the feeds `names` out of their groups (a tick under way skips them) and removes
    /// the scheduler jobs of groups left empty.
    async fn retire(&mut self, names: &[String]) -> Result<(), DaemonError> {
        for name in names {
            if let Some(job) = self.jobs.remove(name) {
                job.retired.store(true, Ordering::Release);
            }
        }
        let mut empty = Vec::new();
        for (expr, group) in &self.groups {
            let mut members = locked(&group.members);
            members.retain(|job| !job.retired.load(Ordering::Acquire));
            if members.is_empty() {
                empty.push(expr.clone());
            }
        }
        for expr in empty {
            if let Some(group) = self.groups.remove(&expr) {
                self.scheduler.remove(&group.id).await?;
            }
        }
        Ok(())
    }

    /// A job that only proves the scheduler still fires, for the watchdog.
    async fn start_heartbeat(&mut self) -> Result<(), DaemonError> {
        let beat = Arc::clone(&self.heartbeat);
        let job = Job::new_async(HEARTBEAT, move |_id, _scheduler| {
            beat.store(Utc::now().timestamp(), Ordering::Relaxed);
            Box::pin(async {})
        })?;
        self.scheduler.add(job).await?;
        Ok(())
    }

    /// Reads the config again and applies it; an invalid one is rejected and the old one
    /// keeps running.
    async fn reload(&mut self, load: &(dyn Fn() -> Result<Config, ConfigError> + Send + Sync)) {
        if let Some(n) = &self.notifier {
            n.reloading();
        }
        match load() {
            Err(e) => tracing::error!("reload rejected, still running the previous config: {e}"),
            Ok(new) => {
                if let Err(e) = self.apply(new).await {
                    tracing::error!("reload failed part-way: {e}");
                }
            }
        }
        if let Some(n) = &self.notifier {
            n.ready(&self.status_line().await);
        }
    }

    async fn apply(&mut self, mut new: Config) -> Result<(), DaemonError> {
        if new.database != self.config.database {
            tracing::warn!(
                "`database` changed to {}; the daemon keeps {} until it is restarted",
                new.database.display(),
                self.config.database.display()
            );
            new.database = self.config.database.clone();
        }
        let feeds = new.feeds.clone();
        let max_size = new.max_database_size;
        self.store
            .blocking(move |s| {
                s.sync_feeds(&feeds)?;
                s.limit_size(max_size)
            })
            .await?;
        let pipeline = Arc::new(Pipeline::new(&new, self.store.clone())?);
        *self
            .runner
            .pipeline
            .write()
            .unwrap_or_else(|p| p.into_inner()) = pipeline;
        self.runner
            .limits
            .resize(new.concurrency, new.host_concurrency);
        let (mut changed, mut kept) = (0, HashMap::new());
        let mut to_add = Vec::new();
        for feed in &new.feeds {
            match self.jobs.get(&feed.name) {
                Some(job) if job.config == *feed => {}
                Some(job) => {
                    changed += 1;
                    if job.config.source == feed.source {
                        kept.insert(feed.name.clone(), Arc::clone(&job.state));
                    }
                    to_add.push(feed.clone());
                }
                None => to_add.push(feed.clone()),
            }
        }
        let (kept_names, readded): (HashSet<&str>, HashSet<&str>) = (
            new.feeds.iter().map(|f| f.name.as_str()).collect(),
            to_add.iter().map(|f| f.name.as_str()).collect(),
        );
        let stale: Vec<String> = self
            .jobs
            .keys()
            .filter(|name| !kept_names.contains(name.as_str()) || readded.contains(name.as_str()))
            .cloned()
            .collect();
        let removed = stale
            .iter()
            .filter(|name| !kept_names.contains(name.as_str()))
            .count();
        self.retire(&stale).await?;
        let added = to_add.len() - changed;
        self.add_feeds(to_add, kept).await?;
        self.config = new;
        tracing::info!(
            added,
            removed,
            changed,
            feeds = self.jobs.len(),
            "config reloaded"
        );
        Ok(())
    }

    /// Starts a retention pass in the background (unless one is still running), with the
    /// retention settings of the config in force.
    fn prune(&mut self) {
        let policies = crate::store::FeedRetention::of_feeds(&self.config.feeds);
        if policies.is_empty() || self.pruning.as_ref().is_some_and(|p| !p.is_finished()) {
            return;
        }
        let store = self.store.clone();
        self.pruning = Some(self.runner.tracker.spawn(async move {
            match store.blocking(move |b| b.prune(&policies, false)).await {
                Ok(report)
                    if report.articles > 0 || report.feeds.iter().any(|f| f.raw_dropped > 0) =>
                {
                    let raw_dropped: usize = report.feeds.iter().map(|f| f.raw_dropped).sum();
                    tracing::info!(
                        articles = report.articles,
                        items = report.items,
                        raw_dropped,
                        "pruned what retention no longer keeps"
                    );
                }
                Ok(_) => tracing::debug!("retention: nothing to prune"),
                Err(e) => tracing::error!("retention pass failed, will retry tomorrow: {e}"),
            }
        }));
    }

    async fn status_line(&self) -> String {
        let failing = self.runner.failing(&self.jobs);
        let feeds = self.jobs.len();
        match self.store.blocking(|s| s.summary()).await {
            Ok(summary) => format!(
                "{feeds} feeds, {} articles, {failing} failing",
                summary.articles
            ),
            Err(e) => format!("{feeds} feeds, {failing} failing; database: {e}"),
        }
    }

    /// Sends a STATUS line when a run finished since the last one (or when `force`d).
    async fn refresh_status(&mut self, force: bool) {
        let completed = self.runner.completed.load(Ordering::Relaxed);
        if !force && completed == self.reported {
            return;
        }
        self.reported = completed;
        if let Some(n) = &self.notifier {
            n.status(&self.status_line().await);
        }
    }

    /// Pings systemd's watchdog only while the scheduler fires and the database answers.
    async fn feed_watchdog(&mut self, period: Duration) {
        let problem = self.health_problem(period).await;
        match (&problem, self.unhealthy) {
            (Some(p), false) => tracing::error!("unhealthy, not feeding the watchdog: {p}"),
            (None, true) => tracing::info!("healthy again"),
            _ => {}
        }
        self.unhealthy = problem.is_some();
        if problem.is_none()
            && let Some(n) = &self.notifier
        {
            n.watchdog();
        }
    }

    async fn health_problem(&self, period: Duration) -> Option<String> {
        let beat = self.heartbeat.load(Ordering::Relaxed);
        let silent = Utc::now().timestamp() - beat;
        if silent > HEARTBEAT_STALE_SECS {
            return Some(format!("the scheduler has not fired for {silent}s"));
        }
        match tokio::time::timeout(period, self.store.blocking(|s| s.check_health())).await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(format!("database: {e}")),
            Err(_) => Some(format!("database: no answer within {}s", period.as_secs())),
        }
    }

    async fn shutdown(mut self) -> Result<(), DaemonError> {
        if let Some(n) = &self.notifier {
            n.stopping();
        }
        tracing::info!("shutting down");
        self.runner.stopping.cancel();
        self.scheduler.shutdown().await?;
        self.runner.tracker.close();
        if tokio::time::timeout(GRACE, self.runner.tracker.wait())
            .await
            .is_err()
        {
            tracing::warn!(
                "feeds still running after {}s are cancelled",
                GRACE.as_secs()
            );
            self.runner.cancel.cancel();
            self.runner.tracker.wait().await;
        }
        Ok(())
    }
}
