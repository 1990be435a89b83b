//! The runner's liveness endpoint (`--health-listen`), for Kubernetes probes and load
//! balancers: `GET /healthz` answers 200 while the runner is in touch with its server (no failed
//! claim since the last answered one, which came within [`STALE_AFTER`]; a claim is a long poll,
//! so the first answer may take a while) or busy with as many jobs as it takes, else 503.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

/// Longer than a claim's long poll plus the longest backoff: a runner past it has lost its
/// server.
pub(crate) const STALE_AFTER: Duration = Duration::from_secs(90);

/// When the server last answered, shared by the claim loop and the endpoint.
#[derive(Clone)]
pub(crate) struct Health {
    started: Instant,
    /// Milliseconds after `started` of the last answered claim (0: none yet).
    last_contact: Arc<AtomicU64>,
    /// The last claim failed: the server could not be reached.
    failing: Arc<AtomicBool>,
    slots: Arc<Semaphore>,
}

impl Health {
    pub(crate) fn new(slots: Arc<Semaphore>) -> Self {
        Self {
            started: Instant::now(),
            last_contact: Arc::new(AtomicU64::new(0)),
            failing: Arc::new(AtomicBool::new(false)),
            slots,
        }
    }

    /// The server answered a claim.
    pub(crate) fn contact(&self) {
        let at = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_contact.store(at, Ordering::Relaxed);
        self.failing.store(false, Ordering::Relaxed);
    }

    /// A claim failed: the server could not be reached.
    pub(crate) fn lost(&self) {
        self.failing.store(true, Ordering::Relaxed);
    }

    fn healthy(&self) -> bool {
        // Every slot taken: the loop waits for a job to end before it claims again.
        if self.slots.available_permits() == 0 {
            return true;
        }
        if self.failing.load(Ordering::Relaxed) {
            return false;
        }
        // Since the last answer, or since the start while the first long poll is out.
        let since = Duration::from_millis(self.last_contact.load(Ordering::Relaxed));
        self.started.elapsed().saturating_sub(since) < STALE_AFTER
    }

    /// Serves `/healthz` on `listener` until the process ends.
    pub(crate) async fn serve(self, listener: TcpListener) {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                continue;
            };
            let health = self.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 1024];
                let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut request))
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or(0);
                let line = String::from_utf8_lossy(&request[..read]);
                let (status, body) = if !line.starts_with("GET /healthz ") {
                    ("404 Not Found", "GET /healthz\n")
                } else if health.healthy() {
                    ("200 OK", "ok\n")
                } else {
                    ("503 Service Unavailable", "no answer from the server\n")
                };
                let response = format!(
                    "HTTP/1.1 {status}\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\
                     Connection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
            });
        }
    }
}
