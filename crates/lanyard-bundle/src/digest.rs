//! The digest that names an archive in the audit trail and lets the runner check that it
//! unpacks exactly what was uploaded: SHA-256 of the compressed bytes.

use sha2::{Digest as _, Sha256};

/// A running SHA-256 over an archive's bytes.
#[derive(Default, Clone)]
pub struct ArchiveDigest(Sha256);

impl ArchiveDigest {
    pub fn update(&mut self, bytes: &[u8]) {
        self.0.update(bytes);
    }

    /// `sha256:<64 hex digits>`.
    pub fn finish(self) -> String {
        format!("sha256:{}", hex::encode(self.0.finalize()))
    }
}
