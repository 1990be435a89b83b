//! Driving a job from start to end: prepare, run, stream output to the server in batches with
//! heartbeats, stop on cancel, report the outcome.

use std::sync::Arc;
use std::time::Duration;

use lanyard_redact::Redactor;
use secrecy::ExposeSecret;
use tokio::sync::{mpsc, watch};

use crate::exec::{self, Emitted, Exit, OutputBudget, Process, Stops};
use crate::workspace::Workspace;
use crate::{bundle, env, git, git_helper, tools, JobToRun, RunnerOptions};

/// Output batches are sent at least this often while there is output.
const FLUSH_EVERY: Duration = Duration::from_millis(100);
/// ... or as soon as this much is waiting.
const FLUSH_BYTES: usize = 64 * 1024;

/// How long the server may be unreachable before the runner stops the job (by then the
/// server's reaper has failed it).
const GIVE_UP_AFTER: Duration = Duration::from_secs(60);

/// A numbered piece of redacted output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub seq: i64,
    pub stream: &'static str,
    pub data: Vec<u8>,
}

/// How the job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// `succeeded`, `failed` or `canceled`.
    pub status: &'static str,
    pub exit_code: Option<i64>,
    pub error: Option<String>,
}

/// The server could not be told.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct TransportError(pub String);

/// Where a job's output and outcome go: the store directly (built-in runner) or the API.
#[async_trait::async_trait]
pub trait JobTransport: Send + Sync {
    /// Stores output (possibly none: a heartbeat). Returns true if the job must stop.
    async fn report(&self, chunks: Vec<Chunk>) -> Result<bool, TransportError>;
    /// Records the outcome.
    async fn finish(&self, outcome: Outcome) -> Result<(), TransportError>;
    /// Streams the job's uploaded directory (an archive) into `into`, piece by piece.
    async fn fetch_upload(&self, into: mpsc::Sender<Vec<u8>>) -> Result<(), TransportError>;
    /// Sends the job's artifacts, an archive arriving piece by piece.
    async fn send_artifacts(&self, archive: mpsc::Receiver<Vec<u8>>) -> Result<(), TransportError>;
}

/// Ends a job whose command never started (its credentials could not be prepared): says why in
/// its output, then records it as failed. Best effort: the reaper fails it anyway if the server
/// cannot be told.
pub async fn fail_before_start(transport: &dyn JobTransport, message: String) {
    let chunk = Chunk {
        seq: 0,
        stream: "lanyard",
        data: format!("lanyard: {message}\n").into_bytes(),
    };
    let _ = transport.report(vec![chunk]).await;
    let _ = transport
        .finish(Outcome {
            status: "failed",
            exit_code: None,
            error: Some(message),
        })
        .await;
}

/// Runs the job to its end and reports everything through `transport`.
pub async fn run_job(
    job: JobToRun,
    transport: &dyn JobTransport,
    options: &RunnerOptions,
) -> Outcome {
    // The job's own secrets, and (defense in depth) every secret the runner itself holds: a
    // job that got hold of one still cannot print it.
    let masks: Vec<Vec<u8>> = job
        .credentials
        .iter()
        .flat_map(|c| c.materialization.secret_values())
        .chain(options.own_secrets.iter())
        .map(|s| s.expose_secret().as_bytes().to_vec())
        .collect();
    let redactor = Arc::new(Redactor::new(masks.iter().map(Vec::as_slice)));
    drop(masks);
    let (events_tx, events) = mpsc::channel::<Emitted>(256);
    let (cancel_tx, cancel_rx) = watch::channel(false);
    let timeout = job.timeout.or(options.limits.timeout);
    let stops = Stops {
        cancel: cancel_rx,
        deadline: timeout.map(|after| (tokio::time::Instant::now() + after, after)),
        output: OutputBudget::new(options.limits.max_output_bytes),
    };
    let execution = {
        let redactor = redactor.clone();
        async move {
            let outcome = execute(job, &redactor, &events_tx, stops, options, transport).await;
            drop(events_tx);
            outcome
        }
    };
    let forwarding = forward(events, transport, &cancel_tx, options.heartbeat);
    let (outcome, ()) = tokio::join!(execution, forwarding);
    if let Err(e) = transport.finish(outcome.clone()).await {
        tracing::warn!(error = %e, "could not report the job's outcome");
    }
    outcome
}

/// Runs the job and tells its output about any failure of the runner's own.
async fn execute(
    job: JobToRun,
    redactor: &Arc<Redactor>,
    events: &mpsc::Sender<Emitted>,
    stops: Stops,
    options: &RunnerOptions,
    transport: &dyn JobTransport,
) -> Outcome {
    let outcome = prepare_and_run(job, redactor, events, stops, options, transport).await;
    if let (Some(error), "failed") = (&outcome.error, outcome.status) {
        exec::say(events, redactor, error).await;
    }
    outcome
}

async fn prepare_and_run(
    job: JobToRun,
    redactor: &Arc<Redactor>,
    events: &mpsc::Sender<Emitted>,
    mut stops: Stops,
    options: &RunnerOptions,
    transport: &dyn JobTransport,
) -> Outcome {
    let failed = |error: String| Outcome {
        status: "failed",
        exit_code: None,
        error: Some(error),
    };
    if let Some(refusal) = options.sandbox.refusal() {
        return failed(refusal);
    }
    if redactor.too_short() > 0 {
        exec::say(
            events,
            redactor,
            &format!(
                "warning: {} secret value(s) are shorter than {} bytes and cannot be masked in \
                 this output",
                redactor.too_short(),
                lanyard_redact::MIN_SECRET_LEN
            ),
        )
        .await;
    }
    let workspace = match Workspace::create(&options.dirs, &job.id) {
        Ok(ws) => ws,
        Err(e) => return failed(format!("cannot create the job directory: {e}")),
    };
    let mut env = env::base_env(&workspace.home(), &workspace.tmp(), &options.pass_env);
    let mut base = env.clone();
    for (index, credential) in job.credentials.iter().enumerate() {
        let dir = workspace.credential_dir(index);
        if let Err(e) = workspace.write_files(&dir, &credential.materialization) {
            return failed(format!(
                "cannot write the files of `{}`: {e}",
                credential.connection
            ));
        }
        // The clone trusts the git connection's own CA (a self-hosted server's), if it has one.
        if job
            .git
            .as_ref()
            .is_some_and(|g| g.connection == credential.connection)
        {
            if let Some(ca) = git::ca_file(&credential.materialization, &dir) {
                base.insert("GIT_SSL_CAINFO".to_owned(), ca);
            }
        }
        if credential.git_only {
            continue;
        }
        match credential.materialization.render_env(&dir) {
            Ok(vars) => env.extend(
                vars.into_iter()
                    .map(|(k, v)| (k, v.expose_secret().to_owned())),
            ),
            Err(e) => return failed(format!("connection `{}`: {e}", credential.connection)),
        }
    }
    if let Err(e) = tools::place(&workspace, &mut env) {
        return failed(e);
    }
    match git_helper::configure(&workspace, &job.credentials) {
        Ok(vars) => env.extend(vars),
        Err(e) => return failed(format!("cannot write the git credential helper: {e}")),
    }
    if let Some(upload) = &job.upload {
        match bundle::unpack_upload(transport, upload, &workspace.work()).await {
            Ok(summary) => {
                let message = format!(
                    "unpacked the uploaded directory ({})",
                    bundle::describe(&summary)
                );
                exec::say(events, redactor, &message).await;
            }
            Err(e) => return failed(e),
        }
    }
    let binds = workspace.binds();
    let sandbox = &options.sandbox;
    let mut cwd = workspace.work();
    if let Some(source) = &job.git {
        let login = match git::login(source, &job.credentials) {
            Ok(login) => login,
            Err(e) => return failed(e),
        };
        let askpass = match workspace.write_script("askpass.sh", git::ASKPASS) {
            Ok(path) => path,
            Err(e) => return failed(format!("cannot write the git helper: {e}")),
        };
        if let Err(e) = workspace.hand_over(sandbox.owner()) {
            return failed(format!(
                "cannot give the job directory to the job's user: {e}"
            ));
        }
        let into = git::checkout_dir(&workspace.work());
        let (argv, git_env) = git::clone_command(source, &login, &askpass, &base, &into);
        exec::say(
            events,
            redactor,
            &format!(
                "cloning {} with connection `{}`",
                source.url, source.connection
            ),
        )
        .await;
        let work = workspace.work();
        let clone = Process {
            argv: &argv,
            env: &git_env,
            cwd: &work,
            binds: &binds,
        };
        match exec::run(sandbox, &clone, redactor, events, &mut stops).await {
            Exit::Code(0) => cwd = into,
            Exit::Code(code) => {
                return failed(format!(
                    "git clone of {} failed (exit {code}); check the URL and the token of connection `{}`",
                    source.url, source.connection
                ))
            }
            Exit::NotStarted(e) => return failed(format!("cannot run git: {e}")),
            stopped => return ended_early(stopped),
        }
    } else if let Err(e) = workspace.hand_over(sandbox.owner()) {
        return failed(format!(
            "cannot give the job directory to the job's user: {e}"
        ));
    }
    // Tools that need a step of their own before the command (the Azure CLI's login).
    if let Some(argv) = tools::login_step(&env) {
        exec::say(events, redactor, tools::LOGIN_SAYS).await;
        let login = Process {
            argv: &argv,
            env: &env,
            cwd: &cwd,
            binds: &binds,
        };
        match exec::run(sandbox, &login, redactor, events, &mut stops).await {
            Exit::Code(0) => {}
            Exit::Code(code) => return failed(tools::login_failed(code)),
            Exit::NotStarted(e) => return failed(format!("cannot run the login step: {e}")),
            stopped => return ended_early(stopped),
        }
    }
    let command = Process {
        argv: &job.command,
        env: &env,
        cwd: &cwd,
        binds: &binds,
    };
    let outcome = match exec::run(sandbox, &command, redactor, events, &mut stops).await {
        Exit::Code(code) => Outcome {
            status: if code == 0 { "succeeded" } else { "failed" },
            exit_code: Some(code),
            error: None,
        },
        Exit::NotStarted(e) => Outcome {
            status: "failed",
            exit_code: Some(127),
            error: Some(format!("cannot start `{}`: {e}", job.command[0])),
        },
        stopped => ended_early(stopped),
    };
    if !job.artifacts.is_empty() && outcome.exit_code.is_some() {
        let message = format!(
            "collecting artifacts {} (their contents are not masked)",
            bundle::listed(&job.artifacts)
        );
        exec::say(events, redactor, &message).await;
        let message = match bundle::send_artifacts(transport, &cwd, &job.artifacts).await {
            Ok((summary, missing)) if missing.is_empty() => {
                format!("kept artifacts: {}", bundle::describe(&summary))
            }
            Ok((summary, missing)) => format!(
                "kept artifacts: {}; not found: {}",
                bundle::describe(&summary),
                bundle::listed(&missing)
            ),
            Err(e) => e,
        };
        exec::say(events, redactor, &message).await;
    }
    drop(workspace);
    outcome
}

/// The outcome of a job stopped by its runner: canceled, out of time, or out of output.
fn ended_early(exit: Exit) -> Outcome {
    let error = match exit {
        Exit::TimedOut(after) => format!(
            "the job ran longer than its timeout of {} and was stopped; raise it with \
             `lanyard run --timeout` if it needs longer",
            humanize(after)
        ),
        Exit::OutputCapped(max) => format!(
            "the job printed more than {} MiB of output and was stopped; write large output to \
             a file instead",
            max / (1024 * 1024)
        ),
        _ => return canceled(),
    };
    Outcome {
        status: "failed",
        exit_code: None,
        error: Some(error),
    }
}

fn humanize(duration: Duration) -> String {
    let secs = duration.as_secs();
    match secs {
        s if s % 3600 == 0 && s > 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 && s > 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

fn canceled() -> Outcome {
    Outcome {
        status: "canceled",
        exit_code: None,
        error: Some("canceled".to_owned()),
    }
}

/// Sends output in batches, and a heartbeat when there is none; relays cancellation.
async fn forward(
    mut events: mpsc::Receiver<Emitted>,
    transport: &dyn JobTransport,
    cancel: &watch::Sender<bool>,
    heartbeat: Duration,
) {
    let mut pending: Vec<Chunk> = Vec::new();
    let mut pending_bytes = 0;
    let mut seq = 0;
    let mut last_report = tokio::time::Instant::now();
    let mut open = true;
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    while open || !pending.is_empty() {
        tokio::select! {
            event = events.recv(), if open => match event {
                Some(Emitted { stream, data }) => {
                    pending_bytes += data.len();
                    pending.push(Chunk { seq, stream, data });
                    seq += 1;
                    if pending_bytes < FLUSH_BYTES {
                        continue;
                    }
                }
                None => open = false,
            },
            _ = tick.tick() => {}
        }
        let due = !pending.is_empty() || last_report.elapsed() >= heartbeat;
        if !due {
            continue;
        }
        match transport.report(pending.clone()).await {
            Ok(stop) => {
                pending.clear();
                pending_bytes = 0;
                last_report = tokio::time::Instant::now();
                if stop {
                    let _ = cancel.send(true);
                }
            }
            Err(e) => {
                // Keep the output and try again on the next tick.
                tracing::warn!(error = %e, "could not report job output; retrying");
                if last_report.elapsed() > GIVE_UP_AFTER {
                    // The server's reaper has failed the job by now.
                    tracing::error!("giving up on reporting this job's output");
                    pending.clear();
                    let _ = cancel.send(true);
                }
                if !open {
                    tokio::time::sleep(FLUSH_EVERY * 5).await;
                }
            }
        }
    }
}
