//! Errors from sealing, opening and re-wrapping secrets.

use crate::master_key::KeyId;

/// What went wrong with a sealed blob.
///
/// The kinds that an operator can act on (wrong format, missing key, damaged length) are
/// distinguished. Authentication failures are one opaque kind on purpose: saying *which*
/// check failed would help an attacker probing with modified blobs and helps nobody else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EnvelopeError {
    /// The blob is shorter than the smallest blob its format allows.
    #[error("sealed secret is truncated: shorter than the smallest valid blob")]
    Truncated,
    /// The blob's format version byte is not one this build can read.
    #[error("sealed secret has unsupported format version {0} (this build reads version 1)")]
    UnsupportedVersion(u8),
    /// The master key that wrapped the blob is not in the keyring.
    #[error("sealed secret was wrapped by master key {0}, which is not in the keyring")]
    UnknownKey(KeyId),
    /// Authentication failed: the key is wrong, or the blob was altered or belongs to
    /// another organisation, secret or version.
    #[error("decryption failed: wrong key, or the data was altered or moved")]
    DecryptionFailed,
    /// The plaintext exceeds AES-GCM's limit of about 64 GiB.
    #[error("secret is too large to encrypt")]
    TooLarge,
    /// The operating system's random number generator failed.
    #[error("operating system random number generator failed")]
    RandomnessUnavailable,
}
