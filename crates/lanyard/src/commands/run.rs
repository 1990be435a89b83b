//! `lanyard run`: creates a job, streams its (redacted) output, and exits with its exit code.

use std::io::Write;
use std::time::{Duration, Instant};

use base64::Engine as _;
use lanyard_api::{CreateJob, GitRequest, Job, JobEvent};
use lanyard_client::{Client, ClientError};

use crate::cli::RunArgs;
use crate::context::Context;
use crate::Exit;

/// The command could not be run (resolution refused, runner failure...).
const NOT_RUN: u8 = 125;
/// The job was canceled.
const CANCELED: u8 = 130;

pub(crate) async fn run(ctx: &Context, args: RunArgs) -> anyhow::Result<()> {
    if !args.detach {
        let why = "run streams the command's own output; with --detach, -o json prints the job";
        crate::output::only(ctx.requested_output, &[], why)?;
    }
    if args.dir.is_some() && args.git.is_some() {
        eprintln!("error: --dir and --git both give the job its files; choose one");
        return Err(Exit(2).into());
    }
    let upload = match &args.dir {
        Some(dir) => match super::bundle::upload_dir(ctx, dir).await {
            Ok(id) => Some(id),
            Err(e) => {
                eprintln!("error: {e:#}");
                return Err(Exit(NOT_RUN).into());
            }
        },
        None => None,
    };
    let artifacts = !args.artifacts.is_empty();
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
        upload,
        artifacts: args.artifacts,
    };
    let job = match ctx.client.create_job(&ctx.org, &request).await {
        Ok(job) => job,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(Exit(NOT_RUN).into());
        }
    };
    if args.detach {
        // The id alone for scripts (`id=$(lanyard run -d …)`), or the whole job with -o.
        if ctx.output == crate::cli::Output::Table {
            println!("{}", job.id);
            return Ok(());
        }
        return crate::output::print(ctx.output, &job, |_| comfy_table::Table::new());
    }
    let ended = follow(&ctx.client, &ctx.org, &job.id, true).await?;
    if artifacts {
        eprintln!(
            "lanyard: download the artifacts with `lanyard job artifacts {}`",
            ended.id
        );
    }
    Err(Exit(exit_status(&ended)).into())
}

/// How long following a job keeps trying to reach a server that went away (a restart takes a
/// few seconds); `LANYARD_RECONNECT_SECS` changes it.
const RECONNECT_FOR: Duration = Duration::from_secs(60);

fn reconnect_for() -> Duration {
    std::env::var("LANYARD_RECONNECT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(RECONNECT_FOR, Duration::from_secs)
}

/// Whether an error means the server went away (rather than answering something wrong).
fn server_lost(error: &ClientError) -> bool {
    matches!(
        error,
        ClientError::Connect { .. } | ClientError::Transport(_) | ClientError::Decode(_)
    )
}

/// Prints a job's output as it arrives (stdout to stdout, the rest to stderr) and returns the
/// job as it ended. Ctrl-C cancels the job and keeps following until it stops. A lost server
/// is retried (a restart picks up where it left off); past [`reconnect_for`] the command ends
/// with status 125, naming the server.
pub(crate) async fn follow(
    client: &Client,
    org: &str,
    id: &str,
    live: bool,
) -> anyhow::Result<Job> {
    let mut after = -1;
    let mut interrupted = false;
    let mut lost_since: Option<Instant> = None;
    loop {
        let lost = |error: ClientError, since: &mut Option<Instant>| -> anyhow::Result<()> {
            if !live || !server_lost(&error) {
                return Err(error.into());
            }
            let since = *since.get_or_insert_with(Instant::now);
            if since.elapsed() >= reconnect_for() {
                eprintln!(
                    "error: lost the Lanyard server at {} while following job {id} ({error}); \
                     the job may still be running: `lanyard job logs -f {id}` follows it again",
                    client.server()
                );
                return Err(Exit(NOT_RUN).into());
            }
            Ok(())
        };
        let mut stream = match client.job_output(org, id, after, live).await {
            Ok(stream) => stream,
            Err(error) => {
                lost(error, &mut lost_since)?;
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        loop {
            let event = tokio::select! {
                event = stream.next_event() => match event {
                    Ok(event) => {
                        lost_since = None;
                        event
                    }
                    Err(error) => {
                        lost(error, &mut lost_since)?;
                        break;
                    }
                },
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
        tokio::time::sleep(Duration::from_millis(500)).await;
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
