//! Which secret version a blob belongs to, and its encoding as AES-GCM associated data.
//!
//! Binding every blob to its context means a blob copied into another organisation's,
//! another secret's or another version's row fails to decrypt instead of silently
//! handing out the wrong credential.

use super::blob::FORMAT_V1;
use crate::master_key::KeyId;

/// Domain-separation label: no other Lanyard (or other) use of these keys can produce
/// associated data that parses the same way.
const DOMAIN: &[u8] = b"lanyard envelope v1";

/// Identifies one stored secret version.
///
/// Use identifiers that never change (database ids, not display names): the context is
/// baked into the ciphertext, so renaming an identifier used here makes old versions
/// undecryptable until they are re-sealed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SecretContext {
    /// The owning organisation's id.
    pub org: String,
    /// The secret's id within the organisation.
    pub secret: String,
    /// The version number of this secret value.
    pub version: u32,
}

impl SecretContext {
    /// Builds a context from its three parts.
    pub fn new(org: impl Into<String>, secret: impl Into<String>, version: u32) -> SecretContext {
        SecretContext {
            org: org.into(),
            secret: secret.into(),
            version,
        }
    }

    /// Associated data for the data layer (plaintext under the data key).
    ///
    /// It deliberately excludes the key id, so re-wrapping under another master key leaves
    /// the data ciphertext valid.
    pub(crate) fn data_aad(&self) -> Vec<u8> {
        self.encode(b"data", None)
    }

    /// Associated data for the key layer (data key under master key `kek`).
    pub(crate) fn dek_aad(&self, kek: KeyId) -> Vec<u8> {
        self.encode(b"dek", Some(kek))
    }

    /// `lp(DOMAIN) || lp(layer) || format || lp(org) || lp(secret) || u32be(version) [|| key id]`
    /// where `lp(x) = u64be(len(x)) || x`. Every variable-length field is length-prefixed,
    /// so distinct contexts always give distinct bytes (("ab","c") vs ("a","bc")).
    fn encode(&self, layer: &[u8], kek: Option<KeyId>) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            4 * 8 + DOMAIN.len() + layer.len() + 1 + self.org.len() + self.secret.len() + 4 + 8,
        );
        for field in [DOMAIN, layer] {
            push_prefixed(&mut out, field);
        }
        out.push(FORMAT_V1);
        push_prefixed(&mut out, self.org.as_bytes());
        push_prefixed(&mut out, self.secret.as_bytes());
        out.extend_from_slice(&self.version.to_be_bytes());
        if let Some(id) = kek {
            out.extend_from_slice(id.as_bytes());
        }
        out
    }
}

fn push_prefixed(out: &mut Vec<u8>, field: &[u8]) {
    // usize -> u64 is lossless on every platform Rust supports.
    out.extend_from_slice(&(field.len() as u64).to_be_bytes());
    out.extend_from_slice(field);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn field_boundaries_are_unambiguous() {
        let a = SecretContext::new("ab", "c", 1);
        let b = SecretContext::new("a", "bc", 1);
        assert_ne!(a.data_aad(), b.data_aad());
        assert_ne!(
            a.dek_aad(KeyId::from_bytes([0; 8])),
            b.dek_aad(KeyId::from_bytes([0; 8]))
        );
    }

    #[test]
    fn layers_are_separated() {
        let ctx = SecretContext::new("org", "secret", 3);
        assert_ne!(ctx.data_aad(), ctx.dek_aad(KeyId::from_bytes([0; 8])));
    }

    #[test]
    fn encoding_is_stable() {
        let aad = SecretContext::new("o", "s", 258).data_aad();
        let mut expected = Vec::new();
        expected.extend_from_slice(&19u64.to_be_bytes());
        expected.extend_from_slice(b"lanyard envelope v1");
        expected.extend_from_slice(&4u64.to_be_bytes());
        expected.extend_from_slice(b"data");
        expected.push(1);
        expected.extend_from_slice(&1u64.to_be_bytes());
        expected.push(b'o');
        expected.extend_from_slice(&1u64.to_be_bytes());
        expected.push(b's');
        expected.extend_from_slice(&[0, 0, 1, 2]);
        assert_eq!(aad, expected);
    }

    proptest! {
        #[test]
        fn distinct_contexts_give_distinct_aad(
            a in ("[a-c]{0,3}", "[a-c]{0,3}", 0u32..3),
            b in ("[a-c]{0,3}", "[a-c]{0,3}", 0u32..3),
        ) {
            let a = SecretContext::new(a.0, a.1, a.2);
            let b = SecretContext::new(b.0, b.1, b.2);
            prop_assert_eq!(a == b, a.data_aad() == b.data_aad());
            let id = KeyId::from_bytes([9; 8]);
            prop_assert_eq!(a == b, a.dek_aad(id) == b.dek_aad(id));
        }
    }
}
