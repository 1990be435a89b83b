//! The `SealedBlob` wire format: parsing, field access and assembly.
//!
//! The layout is documented byte by byte in the [`envelope`](super) module docs; the
//! constants below are its single source of truth.

use std::fmt;
use std::ops::Range;

use super::EnvelopeError;
use crate::master_key::KeyId;

/// Format version byte of the only format so far.
pub(crate) const FORMAT_V1: u8 = 1;
/// Length of an AES-GCM nonce.
pub(crate) const NONCE_LEN: usize = 12;
/// Length of an AES-GCM authentication tag.
pub(crate) const TAG_LEN: usize = 16;
/// Length of a data key.
pub(crate) const DEK_LEN: usize = 32;

const VERSION_AT: usize = 0;
const KEY_ID: Range<usize> = 1..9;
pub(crate) const DEK_NONCE: Range<usize> = 9..21;
/// Wrapped data key: `DEK_LEN` bytes of ciphertext then its tag.
pub(crate) const WRAPPED_DEK: Range<usize> = 21..69;
pub(crate) const DATA_NONCE: Range<usize> = 69..81;
/// Everything before the data ciphertext.
pub(crate) const HEADER_LEN: usize = 81;
/// The smallest v1 blob: a header and the tag of an empty plaintext.
pub const MIN_BLOB_LEN: usize = HEADER_LEN + TAG_LEN;

/// An encrypted secret version in the v1 wire format.
///
/// It is ciphertext, so it is fine to store, copy, compare and print. A value of this type
/// always has a supported version byte and at least [`MIN_BLOB_LEN`] bytes; whether it
/// decrypts is only known when it is opened.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedBlob {
    bytes: Vec<u8>,
}

impl SealedBlob {
    /// Checks the version byte and length of `bytes` and copies them.
    pub fn parse(bytes: &[u8]) -> Result<SealedBlob, EnvelopeError> {
        check(bytes)?;
        Ok(SealedBlob {
            bytes: bytes.to_vec(),
        })
    }

    /// Like [`parse`](Self::parse) but takes ownership instead of copying.
    pub fn from_vec(bytes: Vec<u8>) -> Result<SealedBlob, EnvelopeError> {
        check(&bytes)?;
        Ok(SealedBlob { bytes })
    }

    /// The format version byte (currently always 1).
    pub fn format_version(&self) -> u8 {
        self.bytes[VERSION_AT]
    }

    /// Id of the master key that wrapped this blob's data key.
    pub fn key_id(&self) -> KeyId {
        let mut id = [0u8; 8];
        id.copy_from_slice(&self.bytes[KEY_ID]);
        KeyId::from_bytes(id)
    }

    /// The encoded blob, ready to store.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// A copy of the encoded blob.
    pub fn to_vec(&self) -> Vec<u8> {
        self.bytes.clone()
    }

    /// The encoded blob, without copying.
    pub fn into_vec(self) -> Vec<u8> {
        self.bytes
    }

    /// Total encoded length in bytes.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Always false: a parsed blob has at least [`MIN_BLOB_LEN`] bytes.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// Length of the plaintext this blob decrypts to (visible to anyone holding the blob).
    pub fn plaintext_len(&self) -> usize {
        self.bytes.len() - MIN_BLOB_LEN
    }

    pub(crate) fn field(&self, range: Range<usize>) -> &[u8] {
        &self.bytes[range]
    }

    /// Data ciphertext followed by its tag.
    pub(crate) fn data(&self) -> &[u8] {
        &self.bytes[HEADER_LEN..]
    }

    /// Wraps bytes that the crate itself assembled in the v1 layout.
    pub(crate) fn from_assembled(bytes: Vec<u8>) -> SealedBlob {
        debug_assert!(check(&bytes).is_ok());
        SealedBlob { bytes }
    }
}

impl TryFrom<&[u8]> for SealedBlob {
    type Error = EnvelopeError;

    fn try_from(bytes: &[u8]) -> Result<Self, Self::Error> {
        SealedBlob::parse(bytes)
    }
}

impl TryFrom<Vec<u8>> for SealedBlob {
    type Error = EnvelopeError;

    fn try_from(bytes: Vec<u8>) -> Result<Self, Self::Error> {
        SealedBlob::from_vec(bytes)
    }
}

impl AsRef<[u8]> for SealedBlob {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

impl fmt::Debug for SealedBlob {
    // A summary rather than a byte dump: ciphertext is not secret, but it is noise in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedBlob")
            .field("format_version", &self.format_version())
            .field("key_id", &self.key_id())
            .field("len", &self.len())
            .finish()
    }
}

/// The version is checked before the length so that a newer, possibly shorter, format is
/// reported as unsupported rather than as damaged.
fn check(bytes: &[u8]) -> Result<(), EnvelopeError> {
    match bytes.first() {
        None => Err(EnvelopeError::Truncated),
        Some(&FORMAT_V1) if bytes.len() < MIN_BLOB_LEN => Err(EnvelopeError::Truncated),
        Some(&FORMAT_V1) => Ok(()),
        Some(&other) => Err(EnvelopeError::UnsupportedVersion(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn minimal() -> Vec<u8> {
        let mut bytes = vec![0u8; MIN_BLOB_LEN];
        bytes[0] = FORMAT_V1;
        bytes[KEY_ID].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        bytes
    }

    #[test]
    fn layout_constants_agree() {
        assert_eq!(KEY_ID.len(), 8);
        assert_eq!(DEK_NONCE.len(), NONCE_LEN);
        assert_eq!(WRAPPED_DEK.len(), DEK_LEN + TAG_LEN);
        assert_eq!(DATA_NONCE.len(), NONCE_LEN);
        assert_eq!(DATA_NONCE.end, HEADER_LEN);
        assert_eq!(MIN_BLOB_LEN, 97);
    }

    #[test]
    fn parses_minimal_blob() {
        let blob = SealedBlob::parse(&minimal()).unwrap();
        assert_eq!(blob.format_version(), 1);
        assert_eq!(blob.key_id().to_string(), "0102030405060708");
        assert_eq!(blob.plaintext_len(), 0);
        assert_eq!(blob.as_bytes(), &minimal()[..]);
        assert_eq!(SealedBlob::from_vec(minimal()).unwrap(), blob);
    }

    #[test]
    fn rejects_short_and_unknown_versions() {
        assert_eq!(SealedBlob::parse(&[]), Err(EnvelopeError::Truncated));
        assert_eq!(SealedBlob::parse(&[1]), Err(EnvelopeError::Truncated));
        let bytes = minimal();
        assert_eq!(
            SealedBlob::parse(&bytes[..MIN_BLOB_LEN - 1]),
            Err(EnvelopeError::Truncated)
        );
        for version in [0u8, 2, 0xff] {
            let mut other = bytes.clone();
            other[0] = version;
            assert_eq!(
                SealedBlob::parse(&other),
                Err(EnvelopeError::UnsupportedVersion(version))
            );
            assert_eq!(
                SealedBlob::parse(&[version]),
                Err(EnvelopeError::UnsupportedVersion(version))
            );
        }
    }

    #[test]
    fn debug_summarises() {
        let blob = SealedBlob::parse(&minimal()).unwrap();
        assert_eq!(
            format!("{blob:?}"),
            "SealedBlob { format_version: 1, key_id: KeyId(0102030405060708), len: 97 }"
        );
    }
}
