//! Short-lived caches for the hot read path (token checks, organization lookups, resolutions).
//!
//! Servers stay stateless: every change made through this server clears the caches at once, and
//! one made through another replica clears them as soon as the database announces it (see
//! `lanyard_store::ChangeFeed`). While announcements cannot be heard, nothing cached is used; and
//! an entry lives at most [`TTL`] regardless. Credential release never reads from them: it
//! always checks the database.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lanyard_domain::{Principal, Slug};
use lanyard_store::{ChangeFeed, OrgRecord};

use crate::Resolution;

/// How long a cached answer may be used.
pub const TTL: Duration = Duration::from_secs(1);

/// Entries kept per cache before it is emptied; bounds memory under a flood of distinct keys.
const CAPACITY: usize = 10_000;

/// A map whose entries expire, and are not used while other servers' changes go unheard.
pub(crate) struct TtlCache<K, V> {
    entries: Mutex<HashMap<K, (V, Instant)>>,
    feed: ChangeFeed,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    fn new(feed: ChangeFeed) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            feed,
        }
    }

    pub(crate) fn get(&self, key: &K) -> Option<V> {
        if !self.feed.is_live() {
            return None;
        }
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
    pub(crate) fn new(feed: &ChangeFeed) -> Self {
        Self {
            tokens: TtlCache::new(feed.clone()),
            orgs: TtlCache::new(feed.clone()),
            resolutions: TtlCache::new(feed.clone()),
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
        let cache: TtlCache<u8, u8> = TtlCache::new(ChangeFeed::new(true));
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

    #[test]
    fn nothing_cached_is_used_while_other_servers_go_unheard() {
        let cache: TtlCache<u8, u8> = TtlCache::new(ChangeFeed::new(false));
        cache.insert(1, 10);
        assert_eq!(cache.get(&1), None);
    }
}
