//! What one server learns of the changes other servers commit to the same database, so that its
//! caches and job followers never wait for a timer to see them.
//!
//! On PostgreSQL every change is announced with `NOTIFY` inside its own transaction (delivered
//! only if it commits) and every server `LISTEN`s. Embedded SQLite has one server, which sees
//! its own changes directly, so its feed is always live and never speaks.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::broadcast;

/// One announcement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Something cached reads depend on changed (tokens, organizations, connections, access).
    Data,
    /// A job was queued, claimed, reported output, or ended.
    Job,
    /// Announcements may have been missed (the listener connected again): assume anything
    /// changed.
    Resync,
}

impl Change {
    /// The `NOTIFY` payload.
    pub(crate) fn payload(self) -> &'static str {
        match self {
            Change::Data => "data",
            Change::Job => "job",
            Change::Resync => "resync",
        }
    }

    pub(crate) fn from_payload(payload: &str) -> Option<Self> {
        match payload {
            "data" => Some(Change::Data),
            "job" => Some(Change::Job),
            "resync" => Some(Change::Resync),
            _ => None,
        }
    }
}

/// A handle on the store's feed of changes made by other servers.
#[derive(Clone)]
pub struct ChangeFeed {
    sender: broadcast::Sender<Change>,
    live: Arc<AtomicBool>,
}

impl ChangeFeed {
    /// A feed that starts live (SQLite: no other server) or not (PostgreSQL, until its listener
    /// is connected).
    pub fn new(live: bool) -> Self {
        Self {
            sender: broadcast::channel(256).0,
            live: Arc::new(AtomicBool::new(live)),
        }
    }

    /// Announcements from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.sender.subscribe()
    }

    /// Whether every other server's changes are being heard right now. While not, a server
    /// must not trust anything it cached.
    pub fn is_live(&self) -> bool {
        self.live.load(Ordering::Acquire)
    }

    pub(crate) fn set_live(&self, live: bool) {
        let was = self.live.swap(live, Ordering::AcqRel);
        if was != live {
            // Whatever was cached before (or during) a gap may be stale.
            let _ = self.sender.send(Change::Resync);
        }
    }

    pub(crate) fn publish(&self, change: Change) {
        let _ = self.sender.send(change);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn losing_and_regaining_the_feed_asks_for_a_resync() {
        let feed = ChangeFeed::new(false);
        let mut heard = feed.subscribe();
        assert!(!feed.is_live());
        feed.set_live(true);
        assert!(feed.is_live());
        assert_eq!(heard.try_recv().ok(), Some(Change::Resync));
        feed.publish(Change::Job);
        feed.set_live(false);
        assert_eq!(heard.try_recv().ok(), Some(Change::Job));
        assert_eq!(heard.try_recv().ok(), Some(Change::Resync));
        for change in [Change::Data, Change::Job, Change::Resync] {
            assert_eq!(Change::from_payload(change.payload()), Some(change));
        }
        assert_eq!(Change::from_payload("ping"), None);
    }
}
