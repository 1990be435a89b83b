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

/// What keys the audit chain: a MAC under a key the database never holds (the core's, sealed by
/// the master key). The store only calls it.
pub trait AuditKey: Send + Sync {
    /// HMAC-SHA256 of `message`.
    fn mac(&self, message: &[u8]) -> [u8; 32];
}

/// Keyed links are written `k1:<hex>`, so that a chain says per event how it was linked.
pub const KEYED_PREFIX: &str = "k1:";

/// The link of an event: with a key, its MAC over the previous link and every field
/// (`k1:<hex>`); without one, their SHA-256 (`<hex>`, the chains written before keys).
pub fn audit_link(
    key: Option<&dyn AuditKey>,
    prev_hash: &str,
    seq: i64,
    entry: &AuditEntry,
) -> String {
    let encoded = encode(prev_hash, seq, entry);
    match key {
        Some(key) => format!("{KEYED_PREFIX}{}", hex::encode(key.mac(encoded.as_bytes()))),
        None => hex::encode(Sha256::digest(encoded.as_bytes())),
    }
}

/// The hash of an event in an unkeyed chain: SHA-256 over the previous hash and every field.
pub fn audit_hash(prev_hash: &str, seq: i64, entry: &AuditEntry) -> String {
    audit_link(None, prev_hash, seq, entry)
}

/// Every field as a JSON array, so that no two different events encode alike.
fn encode(prev_hash: &str, seq: i64, entry: &AuditEntry) -> String {
    serde_json::json!([
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
    .to_string()
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
#[derive(Clone)]
pub struct ChainCheck {
    prev: String,
    last: i64,
    key: Option<std::sync::Arc<dyn AuditKey>>,
    /// Events written at or after this time (ms) must be keyed: the key existed then.
    keyed_since: Option<i64>,
    seen_keyed: bool,
    /// An event an earlier checkpoint saw: (seq, link).
    checkpoint: Option<(i64, String)>,
    /// When the trail starts after event 1: the last removed event and its link, which an
    /// `audit.prune` event later in the chain must name.
    pruned: Option<(i64, String)>,
    prune_recorded: bool,
}

/// The action of the event that records removing the oldest events (after an export). Its
/// details name the last removed event and its link: `{"through": N, "link": "…"}`.
pub const PRUNE_ACTION: &str = "audit.prune";

/// What an `audit.prune` event records.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PruneRecord {
    /// The last removed event.
    pub through: i64,
    /// Its link, which the first remaining event names as its predecessor.
    pub link: String,
    /// How many events were removed.
    pub removed: i64,
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
            key: None,
            keyed_since: None,
            seen_keyed: false,
            checkpoint: None,
            pruned: None,
            prune_recorded: false,
        }
    }

    /// Also checks the chain against a checkpoint taken earlier (and kept outside the
    /// database): event `seq` must still be there, with the same link. This is what catches
    /// newest events deleted with the head re-pointed at what is left.
    pub fn expecting(mut self, seq: i64, hash: impl Into<String>) -> Self {
        self.checkpoint = Some((seq, hash.into()));
        self
    }

    /// Continues from a checkpoint (already verified up to it, its MAC checked by the caller):
    /// the next event must be `seq + 1` and follow `hash`. Events up to the checkpoint are not
    /// read again, so a long trail verifies in time proportional to what came after.
    pub fn resuming_after(mut self, seq: i64, hash: impl Into<String>) -> Self {
        let hash = hash.into();
        self.seen_keyed = hash.starts_with(KEYED_PREFIX);
        self.last = seq;
        self.prev = hash;
        self
    }

    /// A check of a keyed chain: keyed links are checked with `key`, and an event written at or
    /// after `keyed_since` (when the key was made) without one was rewritten by someone who
    /// did not have the key.
    pub fn keyed(key: std::sync::Arc<dyn AuditKey>, keyed_since: i64) -> Self {
        Self {
            key: Some(key),
            keyed_since: Some(keyed_since),
            ..Self::new()
        }
    }

    /// The last event checked (0 before the first).
    pub fn last(&self) -> i64 {
        self.last
    }

    /// Checks the next event: it must follow the last one and hash to what it says.
    pub fn feed(&mut self, event: &AuditEvent) -> Result<(), ChainVerdict> {
        if self.last == 0 && self.pruned.is_none() && event.seq > 1 {
            // The oldest events were removed: start from the first one left, on condition
            // that an `audit.prune` event (keyed, so unforgeable without the key) says so.
            self.last = event.seq - 1;
            self.prev.clone_from(&event.prev_hash);
            self.pruned = Some((self.last, event.prev_hash.clone()));
        }
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
        let broken = |reason: String| ChainVerdict::Broken {
            at_seq: event.seq,
            reason,
        };
        let keyed = event.hash.starts_with(KEYED_PREFIX);
        if keyed {
            self.seen_keyed = true;
        } else if self.seen_keyed || self.keyed_since.is_some_and(|since| event.entry.at > since) {
            return Err(broken(format!(
                "event {} is not keyed although the chain was keyed when it was written: the log \
                 was rewritten without the key",
                event.seq
            )));
        }
        let key = match (keyed, &self.key) {
            (true, None) => {
                return Err(broken(format!(
                    "event {} is keyed and this check has no key",
                    event.seq
                )))
            }
            (true, Some(key)) => Some(key.as_ref()),
            (false, _) => None,
        };
        if audit_link(key, &event.prev_hash, event.seq, &event.entry) != event.hash {
            return Err(broken(format!(
                "event {} was altered after it was written",
                event.seq
            )));
        }
        if let Some((seq, hash)) = &self.checkpoint {
            if *seq == event.seq && *hash != event.hash {
                return Err(broken(format!(
                    "event {seq} is not the one the checkpoint saw: the log was rewritten"
                )));
            }
        }
        if event.entry.action == PRUNE_ACTION {
            let record = serde_json::from_str::<PruneRecord>(&event.entry.details).ok();
            if let (Some(record), Some((through, link))) = (record, &self.pruned) {
                self.prune_recorded |= record.through == *through && record.link == *link;
            }
        }
        self.prev.clone_from(&event.hash);
        self.last = event.seq;
        Ok(())
    }

    /// The verdict once every event up to the head was fed.
    pub fn finish(self, head: Option<(i64, &str)>) -> ChainVerdict {
        let last = self.last;
        if let (Some((through, _)), false) = (&self.pruned, self.prune_recorded) {
            return ChainVerdict::Broken {
                at_seq: 1,
                reason: format!(
                    "events 1 to {through} are missing and no audit.prune event records removing \
                     them: the start of the log was deleted"
                ),
            };
        }
        if let Some((seq, _)) = &self.checkpoint {
            if *seq > last {
                return ChainVerdict::Broken {
                    at_seq: last + 1,
                    reason: format!(
                        "the log ends at event {last} but a checkpoint saw event {seq}: events \
                         were deleted and the head re-pointed"
                    ),
                };
            }
        }
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
