//! `lanyard run`: creates a job, streams its (redacted) output, and exits with its exit code.

use std::io::Write;

use base64::Engine as _;
use lanyard_api::{CreateJob, GitRequest, Job, JobEvent};
use lanyard_client::Client;

use crate::cli::RunArgs;
use crate::context::Context;
use crate::Exit;

/// The command could not be run (resolution refused, runner failure...).
const NOT_RUN: u8 = 125;
/// The job was canceled.
const CANCELED: u8 = 130;

pub(crate) async fn run(ctx: &Context, args: RunArgs) -> anyhow::Result<()> {
    let request = CreateJob {
        environment: args.environment,
        providers: args.providers,
        connections: args.connections,
        runner: args.runner,
        git: args.git.map(|url| GitRequest {
            url,
            reference: args.reference,
        }),
        command: args.command,
        timeout_secs: args.timeout.map(|t| t.as_secs()),
    };
    let job = match ctx.client.create_job(&ctx.org, &request).await {
        Ok(job) => job,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(Exit(NOT_RUN).into());
        }
    };
    if args.detach {
        println!("{}", job.id);
        return Ok(());
    }
    let ended = follow(&ctx.client, &ctx.org, &job.id, true).await?;
    Err(Exit(exit_status(&ended)).into())
}

/// Prints a job's output as it arrives (stdout to stdout, the rest to stderr) and returns the
/// job as it ended. Ctrl-C cancels the job and keeps following until it stops.
pub(crate) async fn follow(
    client: &Client,
    org: &str,
    id: &str,
    live: bool,
) -> anyhow::Result<Job> {
    let mut after = -1;
    let mut interrupted = false;
    loop {
        let mut stream = client.job_output(org, id, after, live).await?;
        loop {
            let event = tokio::select! {
                event = stream.next_event() => event?,
                _ = tokio::signal::ctrl_c(), if live && !interrupted => {
                    interrupted = true;
                    eprintln!("lanyard: canceling job {id}...");
                    client.cancel_job(org, id).await?;
                    continue;
                }
            };
            match event {
                Some(JobEvent::Output(chunk)) => {
                    after = chunk.seq;
                    let data = base64::engine::general_purpose::STANDARD.decode(&chunk.data)?;
                    if chunk.stream == "stdout" {
                        let mut out = std::io::stdout().lock();
                        out.write_all(&data)?;
                        out.flush()?;
                    } else {
                        let mut err = std::io::stderr().lock();
                        err.write_all(&data)?;
                        err.flush()?;
                    }
                }
                Some(JobEvent::End { job }) => return Ok(*job),
                // The connection dropped (a server restart): pick up where we were.
                None => break,
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
}

/// The exit status `lanyard run` reports for a job that ended.
pub(crate) fn exit_status(job: &Job) -> u8 {
    match (job.status.as_str(), job.exit_code) {
        ("canceled", _) => CANCELED,
        (_, Some(code)) => u8::try_from(code).unwrap_or(1),
        ("succeeded", None) => 0,
        _ => {
            if let Some(error) = &job.error {
                eprintln!("error: job {} failed: {error}", job.id);
            }
            NOT_RUN
        }
    }
}
