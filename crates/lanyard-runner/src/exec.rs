//! Running one process of a job in its sandbox with piped output: each stream redacted on its
//! way out, the whole process group stopped on cancel, timeout or too much output, and stray
//! children that hold the pipes open cleaned up.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lanyard_redact::{Redactor, StreamRedactor};
use lanyard_sandbox::{Launch, Sandbox};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::{mpsc, watch, Notify};

/// A redacted piece of output.
pub(crate) struct Emitted {
    pub stream: &'static str,
    pub data: Vec<u8>,
}

/// How a process ended.
pub(crate) enum Exit {
    /// Its exit code (128 + signal number when a signal killed it).
    Code(i64),
    /// It could not be started.
    NotStarted(String),
    /// Stopped because the job was canceled.
    Canceled,
    /// Stopped because the job ran past its timeout.
    TimedOut(Duration),
    /// Stopped because it printed more than the job may.
    OutputCapped(u64),
}

/// Grace period between SIGTERM and SIGKILL on cancel.
const STOP_GRACE: Duration = Duration::from_secs(5);
/// How long output may keep flowing after the process exits (from children it left behind).
const DRAIN_GRACE: Duration = Duration::from_secs(2);

/// Sends one message of the runner's own, redacted like everything else.
pub(crate) async fn say(events: &mpsc::Sender<Emitted>, redactor: &Redactor, text: &str) {
    let line = format!("lanyard: {text}\n");
    let data = redactor.redact(line.as_bytes()).into_owned();
    let _ = events
        .send(Emitted {
            stream: "lanyard",
            data,
        })
        .await;
}

/// What ends a job early: cancellation, its deadline, its output budget.
pub(crate) struct Stops {
    pub cancel: watch::Receiver<bool>,
    pub deadline: Option<(tokio::time::Instant, Duration)>,
    pub output: Arc<OutputBudget>,
}

/// The bytes a job may still print, shared by its streams and all its processes.
pub(crate) struct OutputBudget {
    used: AtomicU64,
    max: u64,
    exceeded: Notify,
}

impl OutputBudget {
    pub(crate) fn new(max: u64) -> Arc<Self> {
        Arc::new(Self {
            used: AtomicU64::new(0),
            max,
            exceeded: Notify::new(),
        })
    }

    /// Counts `n` bytes; false once the budget is spent (and says so, once).
    fn spend(&self, n: usize) -> bool {
        let before = self.used.fetch_add(n as u64, Ordering::Relaxed);
        let after = before.saturating_add(n as u64);
        if after > self.max {
            if before <= self.max {
                self.exceeded.notify_one();
            }
            return false;
        }
        true
    }
}

/// One process of a job: its command line, environment, directory, and the job's own
/// directories its sandbox must show it.
pub(crate) struct Process<'a> {
    pub argv: &'a [String],
    pub env: &'a BTreeMap<String, String>,
    pub cwd: &'a Path,
    pub binds: &'a [PathBuf],
}

pub(crate) async fn run(
    sandbox: &Sandbox,
    process: &Process<'_>,
    redactor: &Arc<Redactor>,
    events: &mpsc::Sender<Emitted>,
    stops: &mut Stops,
) -> Exit {
    let launch = Launch {
        argv: process.argv,
        env: process.env,
        cwd: process.cwd,
        binds: process.binds,
    };
    let mut command = match sandbox.command(&launch) {
        Ok(command) => command,
        Err(e) => return Exit::NotStarted(e.to_string()),
    };
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return Exit::NotStarted(e.to_string()),
    };
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(Pid::from_raw);
    let readers = [
        child.stdout.take().map(|s| {
            pump(
                s,
                "stdout",
                redactor.clone(),
                events.clone(),
                stops.output.clone(),
            )
        }),
        child.stderr.take().map(|s| {
            pump(
                s,
                "stderr",
                redactor.clone(),
                events.clone(),
                stops.output.clone(),
            )
        }),
    ];
    let deadline = stops.deadline;
    let output = stops.output.clone();
    let mut stopped = None;
    let status = tokio::select! {
        status = child.wait() => status,
        () = wait_cancel(&mut stops.cancel) => {
            stopped = Some(Exit::Canceled);
            stop(group, &mut child).await
        }
        () = wait_until(deadline) => {
            stopped = deadline.map(|(_, after)| Exit::TimedOut(after));
            stop(group, &mut child).await
        }
        () = output.exceeded.notified() => {
            stopped = Some(Exit::OutputCapped(output.max));
            stop(group, &mut child).await
        }
    };
    for reader in readers.into_iter().flatten() {
        let abort = reader.abort_handle();
        if tokio::time::timeout(DRAIN_GRACE, reader).await.is_err() {
            // Something the command started still holds the pipe: stop the whole group.
            signal(group, Signal::SIGKILL);
            abort.abort();
        }
    }
    if let Some(stopped) = stopped {
        return stopped;
    }
    match status {
        Ok(status) => Exit::Code(exit_code(status)),
        Err(e) => Exit::NotStarted(e.to_string()),
    }
}

/// SIGTERM to the process group, SIGKILL after the grace period. In a sandbox the group is
/// bubblewrap's, and its death takes the job's whole PID namespace with it.
async fn stop(
    group: Option<Pid>,
    child: &mut tokio::process::Child,
) -> std::io::Result<std::process::ExitStatus> {
    signal(group, Signal::SIGTERM);
    match tokio::time::timeout(STOP_GRACE, child.wait()).await {
        Ok(status) => status,
        Err(_) => {
            signal(group, Signal::SIGKILL);
            child.wait().await
        }
    }
}

async fn wait_until(deadline: Option<(tokio::time::Instant, Duration)>) {
    match deadline {
        Some((at, _)) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

async fn wait_cancel(cancel: &mut watch::Receiver<bool>) {
    while !*cancel.borrow_and_update() {
        if cancel.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

fn signal(group: Option<Pid>, signal: Signal) {
    if let Some(group) = group {
        let _ = killpg(group, signal);
    }
}

fn exit_code(status: std::process::ExitStatus) -> i64 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => i64::from(code),
        (None, Some(signal)) => 128 + i64::from(signal),
        (None, None) => -1,
    }
}

/// Copies one stream through its redactor to `events` until it closes.
fn pump(
    mut source: impl AsyncRead + Unpin + Send + 'static,
    stream: &'static str,
    redactor: Arc<Redactor>,
    events: mpsc::Sender<Emitted>,
    budget: Arc<OutputBudget>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut redacting = StreamRedactor::new(redactor);
        let mut buf = vec![0u8; 32 * 1024];
        let mut within_budget = true;
        loop {
            let mut out = Vec::new();
            let n = source.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                redacting.finish(&mut out);
            } else {
                redacting.push(&buf[..n], &mut out);
            }
            within_budget = within_budget && budget.spend(out.len());
            // Past the budget the job is being stopped: read on, so that it never blocks on a
            // full pipe, but keep nothing.
            if within_budget
                && !out.is_empty()
                && events.send(Emitted { stream, data: out }).await.is_err()
            {
                return;
            }
            if n == 0 {
                return;
            }
        }
    })
}
