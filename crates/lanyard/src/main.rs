//! The `lanyard` binary: parses the command line, runs one command, and turns any failure into a
//! one-line message on stderr and a non-zero exit status.

mod agent;
mod cli;
mod commands;
mod context;
mod examples;
mod output;
mod profile;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};
use lanyard_runner::sandbox::landlock;

fn main() -> ExitCode {
    // Inside a job's sandbox this binary is the Landlock helper: it restricts itself and
    // becomes the job's program, before any runtime or argument parser starts.
    let mut args = std::env::args_os();
    if args.nth(1).as_deref() == Some(std::ffi::OsStr::new(landlock::HELPER_ARG)) {
        landlock::helper_main(args);
    }
    let matches = examples::attach(cli::Cli::command()).get_matches();
    let cli = match cli::Cli::from_arg_matches(&matches) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.downcast_ref::<Exit>().is_some() => {
            ExitCode::from(err.downcast_ref::<Exit>().map_or(1, |e| e.0))
        }
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::FAILURE
        }
    }
}

/// Ends the process with this status, the command having said what it had to say.
#[derive(Debug)]
pub(crate) struct Exit(pub u8);

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit status {}", self.0)
    }
}

impl std::error::Error for Exit {}

/// The error and its causes on one line, each cause once (messages often repeat their source).
fn one_line(err: &anyhow::Error) -> String {
    let mut line = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if line.contains(&text) {
            continue;
        }
        if !line.is_empty() {
            line.push_str(": ");
        }
        line.push_str(&text);
    }
    line.replace('\n', " ")
}
