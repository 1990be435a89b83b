//! Short-lived caches for the hot read path (token checks, organization lookups, resolutions).
//!
//! Servers stay stateless: an entry lives at most [`TTL`], so a change made through another
//! replica is seen within that time, and every change made through this server clears the caches
//! at once. Credential release never reads from them: it always checks the database.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lanyard_domain::{Principal, Slug};
use lanyard_store::OrgRecord;

use crate::Resolution;

/// How long a cached answer may be used.
pub const TTL: Duration = Duration::from_secs(1);

/// Entries kept per cache before it is emptied; bounds memory under a flood of distinct keys.
const CAPACITY: usize = 10_000;

/// A map whose entries expire.
pub(crate) struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    fn new() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(value, _)| value.clone())
    }

    pub(crate) fn insert(&self, key: K, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= CAPACITY {
                entries.clear();
            }
            entries.insert(key, (value, Instant::now()));
        }
    }

    fn clear(&self) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.clear();
        }
    }
}

/// The key of a cached resolution: organization id, provider, environment, explicit connection.
pub(crate) type ResolutionKey = (String, String, Slug, Option<Slug>);

/// Every cache of one server.
pub(crate) struct Caches {
    /// Token hash (hex) → the principal it authenticates.
    pub tokens: TtlCache<String, Principal>,
    pub orgs: TtlCache<Slug, OrgRecord>,
    pub resolutions: TtlCache<ResolutionKey, Resolution>,
}

impl Caches {
    pub(crate) fn new() -> Self {
        Self {
            tokens: TtlCache::new(),
            orgs: TtlCache::new(),
            resolutions: TtlCache::new(),
        }
    }

    /// Forgets everything: called on every change made through this server.
    pub(crate) fn clear(&self) {
        self.tokens.clear();
        self.orgs.clear();
        self.resolutions.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_clear() {
        let cache: TtlCache<u8, u8> = TtlCache::new();
        cache.insert(1, 10);
        assert_eq!(cache.get(&1), Some(10));
        cache.clear();
        assert_eq!(cache.get(&1), None);
        cache
            .entries
            .lock()
            .unwrap()
            .insert(2, (20, Instant::now() - TTL));
        assert_eq!(
            cache.get(&2),
            None,
            "an entry older than the TTL is not used"
        );
    }
}
