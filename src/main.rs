//! The `feedsift` binary: parse arguments, set up logging, run one command, map the result to
//! an exit code. All the work is in the library.
//!
//! Exit codes: 0 success; 1 some feeds failed (the others were stored); 2 error (bad config,
//! bad arguments, unusable database).

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

fn main() -> ExitCode {
    tune_malloc();
    // Before any thread or SQLite call (see its doc).
    feedsift::store::use_private_heap();
    let cli = cli::Cli::parse();
    init_tracing(&cli.command);
    // A panic is a bug; say so on one line (in the daemon's log) instead of a raw backtrace.
    std::panic::set_hook(Box::new(|info| {
        tracing::error!("internal error, please report it: {info}")
    }));
    match commands::run(cli) {
        Ok(code) => code,
        Err(error) if commands::is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("feedsift: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr. Under systemd (stderr is the journal) each line starts with a `<N>`
/// priority journald understands and has no timestamp (the journal adds its own).
/// `RUST_LOG` filters as usual; the daemon and fetch log at info by default.
fn init_tracing(command: &cli::Command) {
    let default = match command {
        cli::Command::Run | cli::Command::Fetch { .. } => "info",
        _ => "warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let format = tracing_subscriber::fmt::format().with_target(false);
    if feedsift::systemd::stderr_is_journal() {
        let format = JournalPriority(format.without_time().with_ansi(false));
        builder.event_format(format).init();
    } else {
        let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
        builder.event_format(format.with_ansi(colour)).init();
    }
}

/// Prefixes each event with its syslog priority (`<3>` error ... `<7>` debug).
struct JournalPriority<F>(F);

impl<S, N, F> FormatEvent<S, N> for JournalPriority<F>
where
    F: FormatEvent<S, N>,
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        writer.write_str(feedsift::systemd::journal_priority(
            event.metadata().level(),
        ))?;
        self.0.format_event(ctx, writer, event)
    }
}

/// glibc gives each thread that allocates its own heap (up to 8 per core) and keeps what the
/// thread once used; when cleaning moved between tokio's blocking threads, peak memory grew
/// with the thread count. One heap per core keeps memory flat; more only added fragmented memory.
/// SQLite allocates elsewhere (`store::use_private_heap`), so it does not queue on these.
///
/// glibc also raises its mmap threshold each time a large block is freed, after which feed
/// bodies and parsed documents (hundreds of KB each) are carved from those heaps and leave
/// holes there. A fixed threshold keeps them in their own mappings, returned on free
/// (docs/performance.md has the figures).
fn tune_malloc() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        const MMAP_THRESHOLD: libc::c_int = 128 * 1024;
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(cores).unwrap_or(8);
        // SAFETY: mallopt only sets malloc parameters; no other thread runs yet.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD);
        }
    }
}
