//! Hearing other replicas: this server's caches are cleared and its job followers woken as soon
//! as another server's change commits, instead of when a timer runs out; and each server says it
//! is alive, so that all know how many share the load.

use lanyard_store::Change;
use tokio::sync::broadcast::error::RecvError;

use crate::Lanyard;

impl Lanyard {
    /// Follows the database's announcements of other servers' changes until the returned task
    /// is aborted.
    pub fn follow_changes(&self) -> tokio::task::JoinHandle<()> {
        let mut changes = self.store.changes().subscribe();
        let caches = self.caches.clone();
        let signals = self.signals.clone();
        tokio::spawn(async move {
            loop {
                match changes.recv().await {
                    Ok(Change::Data) => caches.clear(),
                    Ok(Change::Job) => signals.job_queued(),
                    // Something may have been missed: forget and look again.
                    Ok(Change::Resync) | Err(RecvError::Lagged(_)) => {
                        caches.clear();
                        signals.job_queued();
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        })
    }

    /// Whether other servers' changes are heard as they commit; while not, followers poll
    /// sooner.
    pub fn hears_other_servers(&self) -> bool {
        self.store.changes().is_live()
    }

    /// Records that this server (`id`) is alive and returns how many servers are: those heard
    /// from within three `interval`s.
    pub async fn replica_heartbeat(
        &self,
        id: &str,
        interval: std::time::Duration,
    ) -> crate::CoreResult<u32> {
        let at = crate::now().millis();
        let window = i64::try_from(interval.as_millis().saturating_mul(3)).unwrap_or(i64::MAX);
        Ok(self
            .store
            .replica_heartbeat(id, at, at.saturating_sub(window))
            .await?)
    }
}
