//! The set of master keys a server can decrypt with: one active key plus retired ones.
//!
//! Rotation works by adding the new key as active and the old one as retired, re-wrapping
//! every blob whose [`key_id`](crate::envelope::SealedBlob::key_id) is not the active id, then
//! dropping the retired key. Blobs carry their key id, so a rotation that stops halfway just
//! resumes: blobs already under the active key are skipped.

use std::fmt;

use super::{KeyId, MasterKey};

/// One active master key (used for all new wrapping) and zero or more retired ones (used only
/// to unwrap blobs that have not been re-wrapped yet).
pub struct Keyring {
    active: MasterKey,
    retired: Vec<MasterKey>,
}

impl Keyring {
    /// A keyring with just `active`.
    pub fn new(active: MasterKey) -> Keyring {
        Keyring {
            active,
            retired: Vec::new(),
        }
    }

    /// Adds a retired key. A key whose id is already in the keyring is ignored, since equal
    /// ids mean the same key.
    pub fn with_retired(mut self, key: MasterKey) -> Keyring {
        if self.get(key.key_id()).is_none() {
            self.retired.push(key);
        }
        self
    }

    /// The key that wraps new data keys.
    pub fn active(&self) -> &MasterKey {
        &self.active
    }

    /// The retired keys, in the order they were added.
    pub fn retired(&self) -> impl Iterator<Item = &MasterKey> {
        self.retired.iter()
    }

    /// The key with id `id`, active or retired.
    pub fn get(&self, id: KeyId) -> Option<&MasterKey> {
        std::iter::once(&self.active)
            .chain(&self.retired)
            .find(|key| key.key_id() == id)
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let retired: Vec<KeyId> = self.retired.iter().map(MasterKey::key_id).collect();
        f.debug_struct("Keyring")
            .field("active", &self.active.key_id())
            .field("retired", &retired)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_active_and_retired_keys() {
        let active = MasterKey::generate();
        let old = MasterKey::generate();
        let (active_id, old_id) = (active.key_id(), old.key_id());
        let ring = Keyring::new(active).with_retired(old);
        assert_eq!(ring.active().key_id(), active_id);
        assert_eq!(ring.get(active_id).map(MasterKey::key_id), Some(active_id));
        assert_eq!(ring.get(old_id).map(MasterKey::key_id), Some(old_id));
        assert!(ring.get(KeyId::from_bytes([0; 8])).is_none());
        assert_eq!(ring.retired().count(), 1);
    }

    #[test]
    fn duplicate_keys_are_ignored() {
        let active = MasterKey::generate();
        let copy = MasterKey::from_base64(&active.to_base64()).unwrap();
        let ring = Keyring::new(active).with_retired(copy);
        assert_eq!(ring.retired().count(), 0);
    }

    #[test]
    fn debug_shows_only_key_ids() {
        let active = MasterKey::generate();
        let secret = active.to_base64();
        let id = active.key_id();
        let printed = format!("{:?}", Keyring::new(active));
        assert_eq!(
            printed,
            format!("Keyring {{ active: KeyId({id}), retired: [] }}")
        );
        assert!(!printed.contains(secrecy::ExposeSecret::expose_secret(&secret)));
    }
}
