//! `lanyard completion SHELL` and `lanyard man`: generated from the same clap definition as the
//! parser (with the Examples sections), so they never drift from the commands.

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;
use clap::CommandFactory;

use crate::cli::Cli;

fn command() -> clap::Command {
    crate::examples::attach(Cli::command())
}

pub(crate) fn completion(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut command = command();
    // Into memory first: the generator panics on a write error (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "lanyard", &mut script);
    write_stdout(&script)
}

/// Writes to stdout; a reader that stopped early (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

pub(crate) fn man(out: Option<&Path>) -> anyhow::Result<()> {
    let command = command();
    match out {
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            clap_mangen::generate_to(command, dir)
                .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
            eprintln!(
                "Wrote lanyard.1 and a page per command into {}",
                dir.display()
            );
            Ok(())
        }
        None => {
            let mut text = Vec::new();
            clap_mangen::Man::new(command).render(&mut text)?;
            write_stdout(&text)
        }
    }
}
