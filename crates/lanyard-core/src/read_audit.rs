//! Reads are audited without letting any token fill the disk.
//!
//! Every change and every credential release is recorded as it happens. Reads (resolve) are
//! recorded differently: the first of a kind (same token, action, target and particulars) in a
//! window is recorded at once; identical ones within the window are only counted, and when the
//! window ends the count is recorded as one more event (`"repeated": N`). A token that resolves
//! in a loop thus writes two events per kind per window instead of one per request, and nothing
//! is lost but the exact times of the repeats. Each server counts its own reads; a crash loses
//! at most one window's count.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lanyard_store::AuditEntry;

/// How long identical reads are counted into one event unless configured.
pub const DEFAULT_READ_WINDOW: Duration = Duration::from_secs(60);

#[derive(Hash, PartialEq, Eq)]
struct Kind {
    org_id: String,
    actor: String,
    action: String,
    target: String,
    details: String,
}

struct Window {
    opened: Instant,
    repeats: u64,
    last: AuditEntry,
}

pub(crate) struct ReadAudit {
    window: Duration,
    open: Mutex<HashMap<Kind, Window>>,
}

impl ReadAudit {
    pub(crate) fn new(window: Duration) -> Self {
        Self {
            window,
            open: Mutex::new(HashMap::new()),
        }
    }

    /// The events to record now for this read: itself when it opens a window (after the
    /// summary of the window it replaces), nothing when it is counted.
    pub(crate) fn admit(&self, entry: AuditEntry) -> Vec<AuditEntry> {
        let now = Instant::now();
        let kind = Kind {
            org_id: entry.org_id.clone(),
            actor: entry.actor.clone(),
            action: entry.action.clone(),
            target: entry.target.clone(),
            details: entry.details.clone(),
        };
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let mut record = Vec::new();
        match open.get_mut(&kind) {
            Some(window) if now.duration_since(window.opened) < self.window => {
                window.repeats += 1;
                window.last = entry;
                return record;
            }
            Some(window) => record.extend(self.summary(window)),
            None => {}
        }
        open.insert(
            kind,
            Window {
                opened: now,
                repeats: 0,
                last: entry.clone(),
            },
        );
        record.push(entry);
        record
    }

    /// Summaries of the windows that have ended (all of them with `all`), which are closed.
    pub(crate) fn ended(&self, all: bool) -> Vec<AuditEntry> {
        let now = Instant::now();
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let mut record = Vec::new();
        open.retain(|_, window| {
            let over = all || now.duration_since(window.opened) >= self.window;
            if over {
                record.extend(self.summary(window));
            }
            !over
        });
        record
    }

    /// One event for a window's repeats, if it had any.
    fn summary(&self, window: &Window) -> Option<AuditEntry> {
        if window.repeats == 0 {
            return None;
        }
        let mut details: serde_json::Value =
            serde_json::from_str(&window.last.details).unwrap_or_else(|_| serde_json::json!({}));
        if let Some(map) = details.as_object_mut() {
            map.insert("repeated".to_owned(), window.repeats.into());
            map.insert("window_secs".to_owned(), self.window.as_secs().into());
        }
        Some(AuditEntry {
            details: details.to_string(),
            ..window.last.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(target: &str) -> AuditEntry {
        AuditEntry {
            org_id: "o".into(),
            at: 1,
            actor: "viewer".into(),
            source: "127.0.0.1".into(),
            action: "connection.resolve".into(),
            target: target.into(),
            details: "{\"environment\":\"dev\"}".into(),
        }
    }

    #[test]
    fn repeats_are_counted_into_one_event_per_window() {
        let audit = ReadAudit::new(Duration::from_secs(3600));
        assert_eq!(audit.admit(read("connection/a")).len(), 1);
        for _ in 0..999 {
            assert!(audit.admit(read("connection/a")).is_empty());
        }
        // Another kind of read is recorded on its own.
        assert_eq!(audit.admit(read("connection/b")).len(), 1);
        assert!(audit.ended(false).is_empty(), "the window is still open");
        let summaries = audit.ended(true);
        assert_eq!(summaries.len(), 1);
        let details: serde_json::Value = serde_json::from_str(&summaries[0].details).unwrap();
        assert_eq!(details["repeated"], 999);
        assert_eq!(details["environment"], "dev");
        assert!(audit.ended(true).is_empty());
    }

    #[test]
    fn a_read_after_the_window_records_the_summary_and_itself() {
        let audit = ReadAudit::new(Duration::ZERO);
        audit.admit(read("connection/a"));
        let again = audit.admit(read("connection/a"));
        assert_eq!(again.len(), 1, "no repeats to summarize");
        let audit = ReadAudit::new(Duration::from_millis(30));
        audit.admit(read("connection/a"));
        audit.admit(read("connection/a"));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(audit.admit(read("connection/a")).len(), 2);
    }
}
