//! The `feedsift` binary: parse arguments, set up logging, run one command, map the result to
//! an exit code. All the work is in the library.
//!
//! Exit codes: 0 success; 1 some feeds failed (the others were stored); 2 error (bad config,
//! bad arguments, unusable database).

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
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

/// Logs go to stderr. Under systemd (JOURNAL_STREAM set) the journal adds timestamps, so we
/// do not. `RUST_LOG` filters as usual; the daemon and fetch log at info by default.
fn init_tracing(command: &cli::Command) {
    let default = match command {
        cli::Command::Run | cli::Command::Fetch { .. } => "info",
        _ => "warn",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let colour = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(colour);
    if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder.without_time().init();
    } else {
        builder.init();
    }
}
