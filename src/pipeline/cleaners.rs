//! The threads that parse and clean fetched feeds, at a lower priority than the rest of
//! feedsift. The store has one writer and it is the bottleneck of a large fetch: with the
//! cleaning on threads of equal weight, a third feed in flight took CPU from the writer and
//! made the whole pass slower. At a lower priority, cleaning fills whatever time the writer
//! leaves (docs/performance.md). The threads also keep this CPU work off tokio's workers.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Mutex, OnceLock, PoisonError};

/// Added to the process's niceness on the cleaning threads (Linux; elsewhere they run at
/// the process's priority).
const LOWER_PRIORITY: libc::c_int = 10;

type Job = Box<dyn FnOnce() + Send>;

#[derive(Debug, thiserror::Error)]
pub enum CleanersError {
    #[error("cannot start the cleaning threads: {0}")]
    Start(String),
    #[error("the cleaning thread panicked (a bug in feedsift; please report it with the feed)")]
    Panicked,
}

/// Runs `job` on a cleaning thread and returns its result.
pub async fn run<T: Send + 'static>(
    job: impl FnOnce() -> T + Send + 'static,
) -> Result<T, CleanersError> {
    let (done, result) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        let _ = done.send(job());
    });
    // The queue's receiver lives as long as the process (`start`), so sending cannot fail.
    let _ = pool()?.send(job);
    // A job that panics drops `done` unsent.
    result.await.map_err(|_| CleanersError::Panicked)
}

/// How many cleaning threads the pool has: one per core.
pub(super) fn threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// The process's pool, started on first use.
fn pool() -> Result<&'static Sender<Job>, CleanersError> {
    static POOL: OnceLock<Result<Sender<Job>, String>> = OnceLock::new();
    POOL.get_or_init(|| start(threads()).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| CleanersError::Start(e.clone()))
}

fn start(threads: usize) -> std::io::Result<Sender<Job>> {
    let (jobs, queue) = mpsc::channel::<Job>();
    let queue: &'static Mutex<Receiver<Job>> = Box::leak(Box::new(Mutex::new(queue)));
    for i in 0..threads {
        std::thread::Builder::new()
            .name(format!("feedsift-clean-{i}"))
            .spawn(move || work(queue))?;
    }
    Ok(jobs)
}

fn work(queue: &Mutex<Receiver<Job>>) {
    lower_priority();
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        // The panic is reported to the job's caller; the thread takes the next job.
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // SAFETY: plain system calls on the calling thread; on Linux, PRIO_PROCESS with id 0
    // names the calling thread alone, not the process. getpriority may return -1 as a
    // value, so errno tells an error apart.
    unsafe {
        *libc::__errno_location() = 0;
        let current = libc::getpriority(libc::PRIO_PROCESS, 0);
        if current == -1 && *libc::__errno_location() != 0 {
            return;
        }
        libc::setpriority(libc::PRIO_PROCESS, 0, (current + LOWER_PRIORITY).min(19));
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_jobs_and_survives_panicking_ones() {
        let threads = threads();
        let checks = async {
            assert_eq!(run(|| 6 * 7).await.unwrap(), 42);
            // More panics than threads: a thread that died with its job would leave none.
            for _ in 0..2 * threads {
                let panicked = run(|| -> u8 { panic!("a bug") }).await;
                assert!(matches!(panicked, Err(CleanersError::Panicked)));
            }
            let jobs = (0..4 * threads).map(|i| run(move || i));
            let results = futures::future::join_all(jobs).await;
            let sum: usize = results.into_iter().map(Result::unwrap).sum();
            assert_eq!(sum, (0..4 * threads).sum::<usize>());
        };
        tokio::time::timeout(std::time::Duration::from_secs(30), checks)
            .await
            .expect("a job was never run: no cleaning thread is left");
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn cleaning_runs_at_a_lower_priority_than_the_caller() {
        // SAFETY: getpriority on the calling thread (id 0), as in `lower_priority`.
        let nice = || unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        let caller = nice();
        let cleaner = run(nice).await.unwrap();
        assert_eq!(
            cleaner,
            (caller + LOWER_PRIORITY).min(19),
            "caller at {caller}"
        );
    }
}
