//! Audit records and the hash that chains them.

use sha2::{Digest, Sha256};

/// The hash an organization's first event chains from.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An event to append: who did what to which object, from where. Never a secret value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub org_id: String,
    /// Milliseconds since the epoch.
    pub at: i64,
    /// The token id (or `bootstrap`, `runner:NAME`).
    pub actor: String,
    /// The client address, when known.
    pub source: String,
    /// What happened, e.g. `connection.create`, `connection.resolve`.
    pub action: String,
    /// What it happened to, e.g. `connection/aws-prod`.
    pub target: String,
    /// A JSON object with the change's particulars (names, versions, scopes; never values).
    pub details: String,
}

/// A stored event, with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub seq: i64,
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of an event: SHA-256 over the previous hash and every field, encoded as a JSON array
/// so that no two different events encode alike.
pub fn audit_hash(prev_hash: &str, seq: i64, entry: &AuditEntry) -> String {
    let encoded = serde_json::json!([
        prev_hash,
        entry.org_id,
        seq,
        entry.at,
        entry.actor,
        entry.source,
        entry.action,
        entry.target,
        entry.details,
    ])
    .to_string();
    hex::encode(Sha256::digest(encoded.as_bytes()))
}

/// What `audit verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainVerdict {
    /// Every event hashes correctly, in sequence, up to the recorded head.
    Intact { events: i64 },
    /// The first place the chain breaks, described for a person.
    Broken { at_seq: i64, reason: String },
}

/// Checks a chain (events in sequence order) against its recorded head.
pub fn verify_chain(events: &[AuditEvent], head: Option<(i64, &str)>) -> ChainVerdict {
    let mut check = ChainCheck::new();
    for event in events {
        if let Err(broken) = check.feed(event) {
            return broken;
        }
    }
    check.finish(head)
}

/// Checks a chain one event at a time, in constant memory: feed every event in sequence order,
/// then compare the end with the recorded head.
#[derive(Debug, Clone)]
pub struct ChainCheck {
    prev: String,
    last: i64,
}

impl Default for ChainCheck {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainCheck {
    /// A check at the start of a chain.
    pub fn new() -> Self {
        Self {
            prev: GENESIS_HASH.to_owned(),
            last: 0,
        }
    }

    /// The last event checked (0 before the first).
    pub fn last(&self) -> i64 {
        self.last
    }

    /// Checks the next event: it must follow the last one and hash to what it says.
    pub fn feed(&mut self, event: &AuditEvent) -> Result<(), ChainVerdict> {
        let expected_seq = self.last + 1;
        if event.seq != expected_seq {
            return Err(ChainVerdict::Broken {
                at_seq: expected_seq,
                reason: format!(
                    "event {expected_seq} is missing (the next one is {})",
                    event.seq
                ),
            });
        }
        if event.prev_hash != self.prev {
            return Err(ChainVerdict::Broken {
                at_seq: event.seq,
                reason: format!(
                    "event {} does not follow event {}",
                    event.seq,
                    event.seq - 1
                ),
            });
        }
        if audit_hash(&event.prev_hash, event.seq, &event.entry) != event.hash {
            return Err(ChainVerdict::Broken {
                at_seq: event.seq,
                reason: format!("event {} was altered after it was written", event.seq),
            });
        }
        self.prev.clone_from(&event.hash);
        self.last = event.seq;
        Ok(())
    }

    /// The verdict once every event up to the head was fed.
    pub fn finish(self, head: Option<(i64, &str)>) -> ChainVerdict {
        let last = self.last;
        match head {
            Some((seq, hash)) if seq != last || hash != self.prev => ChainVerdict::Broken {
                at_seq: last + 1,
                reason: format!(
                    "the log ends at event {last} but event {seq} was written; events were deleted"
                ),
            },
            None if last > 0 => ChainVerdict::Broken {
                at_seq: last,
                reason: "the chain's head record is missing".to_owned(),
            },
            _ => ChainVerdict::Intact { events: last },
        }
    }
}
