//! Running one process with piped output: each stream redacted on its way out, the whole
//! process group stopped on cancel, and stray children that hold the pipes open cleaned up.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use lanyard_redact::{Redactor, StreamRedactor};
use nix::sys::signal::{killpg, Signal};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::{mpsc, watch};

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
    NotStarted(std::io::Error),
    /// Stopped because the job was canceled.
    Canceled,
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

pub(crate) async fn run(
    argv: &[String],
    env: &BTreeMap<String, String>,
    cwd: &Path,
    redactor: &Arc<Redactor>,
    events: &mpsc::Sender<Emitted>,
    cancel: &mut watch::Receiver<bool>,
) -> Exit {
    let Some((program, args)) = argv.split_first() else {
        return Exit::NotStarted(std::io::Error::other("empty command"));
    };
    let mut command = tokio::process::Command::new(program);
    command
        .args(args)
        .env_clear()
        .envs(env)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return Exit::NotStarted(e),
    };
    let group = child
        .id()
        .and_then(|id| i32::try_from(id).ok())
        .map(Pid::from_raw);
    let readers = [
        child
            .stdout
            .take()
            .map(|s| pump(s, "stdout", redactor.clone(), events.clone())),
        child
            .stderr
            .take()
            .map(|s| pump(s, "stderr", redactor.clone(), events.clone())),
    ];
    let mut canceled = false;
    let status = tokio::select! {
        status = child.wait() => status,
        _ = wait_cancel(cancel) => {
            canceled = true;
            signal(group, Signal::SIGTERM);
            match tokio::time::timeout(STOP_GRACE, child.wait()).await {
                Ok(status) => status,
                Err(_) => {
                    signal(group, Signal::SIGKILL);
                    child.wait().await
                }
            }
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
    if canceled {
        return Exit::Canceled;
    }
    match status {
        Ok(status) => Exit::Code(exit_code(status)),
        Err(e) => Exit::NotStarted(e),
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
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut redacting = StreamRedactor::new(redactor);
        let mut buf = vec![0u8; 32 * 1024];
        loop {
            let mut out = Vec::new();
            let n = source.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                redacting.finish(&mut out);
            } else {
                redacting.push(&buf[..n], &mut out);
            }
            if !out.is_empty() && events.send(Emitted { stream, data: out }).await.is_err() {
                return;
            }
            if n == 0 {
                return;
            }
        }
    })
}
