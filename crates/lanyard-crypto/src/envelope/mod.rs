//! Envelope encryption of secret versions: seal, open, and re-wrap under a new master key.
//!
//! Each [`seal`] draws a fresh 256-bit data key (DEK), encrypts the plaintext with it
//! (AES-256-GCM), then encrypts ("wraps") the DEK under the keyring's active master key
//! (AES-256-GCM again). Both layers authenticate the [`SecretContext`], so a blob only opens
//! for the organisation, secret and version it was sealed for. Rotating the master key
//! ([`rewrap`]) re-encrypts only the 32-byte DEK; the data ciphertext is left untouched.
//!
//! # Wire format, version 1
//!
//! | offset | length | field                                                  |
//! |-------:|-------:|--------------------------------------------------------|
//! | 0      | 1      | format version, `0x01`                                 |
//! | 1      | 8      | [`KeyId`] of the master key that wrapped the DEK       |
//! | 9      | 12     | nonce of the DEK wrapping                              |
//! | 21     | 32     | wrapped DEK (AES-256-GCM ciphertext of the 32-byte DEK) |
//! | 53     | 16     | tag of the DEK wrapping                                |
//! | 69     | 12     | nonce of the data encryption                           |
//! | 81     | n      | data ciphertext (same length n as the plaintext)       |
//! | 81 + n | 16     | tag of the data encryption                             |
//!
//! A v1 blob is therefore `97 + n` bytes. The associated data of each layer is
//! `lp("lanyard envelope v1") || lp(layer) || 0x01 || lp(org) || lp(secret) || u32be(version)`
//! with `layer` = `"data"` or `"dek"`, `lp(x) = u64be(len(x)) || x`, and, for the `"dek"` layer
//! only, the 8-byte key id appended. The data layer omits the key id so re-wrapping under a
//! new key does not invalidate the data ciphertext.
//!
//! Nonces are random. A DEK encrypts exactly one message, so its nonce can never repeat; a
//! master key wraps one DEK per seal or re-wrap, far below the 2^32 messages that random
//! 96-bit nonces allow per key.

mod blob;
mod context;
mod error;

use aes_gcm::aead::AeadInPlace;
use aes_gcm::{Aes256Gcm, Key, KeyInit, Nonce, Tag};
use zeroize::Zeroizing;

pub use blob::{SealedBlob, MIN_BLOB_LEN};
pub use context::SecretContext;
pub use error::EnvelopeError;

use blob::{
    DATA_NONCE, DEK_LEN, DEK_NONCE, FORMAT_V1, HEADER_LEN, NONCE_LEN, TAG_LEN, WRAPPED_DEK,
};

use crate::master_key::{KeyId, Keyring, MasterKey};
use crate::random;
use crate::secret::SecretBytes;

/// Encrypts `plaintext` for `ctx` under a fresh data key wrapped by the active master key.
pub fn seal(
    keyring: &Keyring,
    ctx: &SecretContext,
    plaintext: &SecretBytes,
) -> Result<SealedBlob, EnvelopeError> {
    let mut dek = Zeroizing::new([0u8; DEK_LEN]);
    let mut dek_nonce = [0u8; NONCE_LEN];
    let mut data_nonce = [0u8; NONCE_LEN];
    for buf in [&mut dek[..], &mut dek_nonce[..], &mut data_nonce[..]] {
        random::try_fill(buf).map_err(|_| EnvelopeError::RandomnessUnavailable)?;
    }
    seal_with_nonces(keyring, ctx, plaintext, &dek, dek_nonce, data_nonce)
}

/// Decrypts a blob sealed for `ctx`, with whichever keyring key wrapped it.
pub fn open(
    keyring: &Keyring,
    ctx: &SecretContext,
    blob: &SealedBlob,
) -> Result<SecretBytes, EnvelopeError> {
    let mut dek = Zeroizing::new([0u8; DEK_LEN]);
    unwrap_dek(keyring, ctx, blob, &mut dek)?;
    let data = blob.data();
    let (ciphertext, tag) = data.split_at(data.len() - TAG_LEN);
    // `to_vec` allocates exactly `len` bytes, so handing the vector to `SecretBytes` below
    // neither reallocates nor leaves a copy of the plaintext behind.
    let mut plaintext = Zeroizing::new(ciphertext.to_vec());
    data_cipher(&dek)
        .decrypt_in_place_detached(
            Nonce::from_slice(blob.field(DATA_NONCE)),
            &ctx.data_aad(),
            &mut plaintext[..],
            Tag::from_slice(tag),
        )
        .map_err(|_| EnvelopeError::DecryptionFailed)?;
    Ok(SecretBytes::from_vec(std::mem::take(&mut *plaintext)))
}

/// Re-wraps a blob's data key under the keyring's active master key.
///
/// The data nonce and ciphertext are copied unchanged, so this costs one 32-byte unwrap and
/// wrap however large the secret is. It authenticates the wrapped key (and with it the
/// context) but not the data layer; damaged data stays damaged and is reported by [`open`].
/// Blobs that [`SealedBlob::key_id`] shows are already under the active key can be skipped.
pub fn rewrap(
    keyring: &Keyring,
    ctx: &SecretContext,
    blob: &SealedBlob,
) -> Result<SealedBlob, EnvelopeError> {
    let mut dek = Zeroizing::new([0u8; DEK_LEN]);
    unwrap_dek(keyring, ctx, blob, &mut dek)?;
    let mut dek_nonce = [0u8; NONCE_LEN];
    random::try_fill(&mut dek_nonce).map_err(|_| EnvelopeError::RandomnessUnavailable)?;
    let mut out = start_blob(keyring.active(), ctx, &dek, &dek_nonce, blob.len())?;
    out.extend_from_slice(&blob.as_bytes()[DATA_NONCE.start..]);
    Ok(SealedBlob::from_assembled(std::mem::take(&mut *out)))
}

/// Deterministic [`seal`] with caller-chosen data key and nonces, for wire-format tests.
///
/// Never use it outside tests: reusing a nonce under the same key breaks AES-GCM's
/// confidentiality and authenticity.
#[doc(hidden)]
pub fn seal_with_nonces(
    keyring: &Keyring,
    ctx: &SecretContext,
    plaintext: &SecretBytes,
    dek: &[u8; DEK_LEN],
    dek_nonce: [u8; NONCE_LEN],
    data_nonce: [u8; NONCE_LEN],
) -> Result<SealedBlob, EnvelopeError> {
    let plaintext = plaintext.expose_secret();
    let total = HEADER_LEN + plaintext.len() + TAG_LEN;
    let mut out = start_blob(keyring.active(), ctx, dek, &dek_nonce, total)?;
    out.extend_from_slice(&data_nonce);
    let start = out.len();
    // Encrypt in place inside the output buffer: the plaintext copy is overwritten by
    // ciphertext, and `out` is zeroizing in case encryption fails first.
    out.extend_from_slice(plaintext);
    let tag = data_cipher(dek)
        .encrypt_in_place_detached(
            Nonce::from_slice(&data_nonce),
            &ctx.data_aad(),
            &mut out[start..],
        )
        .map_err(|_| EnvelopeError::TooLarge)?;
    out.extend_from_slice(&tag);
    Ok(SealedBlob::from_assembled(std::mem::take(&mut *out)))
}

/// Writes the format byte, key id, DEK nonce and wrapped DEK into a new buffer with room
/// for `capacity` bytes in all.
fn start_blob(
    kek: &MasterKey,
    ctx: &SecretContext,
    dek: &[u8; DEK_LEN],
    dek_nonce: &[u8; NONCE_LEN],
    capacity: usize,
) -> Result<Zeroizing<Vec<u8>>, EnvelopeError> {
    let mut out = Zeroizing::new(Vec::with_capacity(capacity));
    out.push(FORMAT_V1);
    out.extend_from_slice(kek.key_id().as_bytes());
    out.extend_from_slice(dek_nonce);
    let start = out.len();
    out.extend_from_slice(dek);
    let tag = kek
        .cipher()
        .encrypt_in_place_detached(
            Nonce::from_slice(dek_nonce),
            &ctx.dek_aad(kek.key_id()),
            &mut out[start..],
        )
        .map_err(|_| EnvelopeError::TooLarge)?;
    out.extend_from_slice(&tag);
    debug_assert_eq!(out.len(), WRAPPED_DEK.end);
    Ok(out)
}

/// Decrypts the blob's wrapped data key into `dek`.
fn unwrap_dek(
    keyring: &Keyring,
    ctx: &SecretContext,
    blob: &SealedBlob,
    dek: &mut [u8; DEK_LEN],
) -> Result<(), EnvelopeError> {
    let id: KeyId = blob.key_id();
    let kek = keyring.get(id).ok_or(EnvelopeError::UnknownKey(id))?;
    let (wrapped, tag) = blob.field(WRAPPED_DEK).split_at(DEK_LEN);
    dek.copy_from_slice(wrapped);
    kek.cipher()
        .decrypt_in_place_detached(
            Nonce::from_slice(blob.field(DEK_NONCE)),
            &ctx.dek_aad(id),
            &mut dek[..],
            Tag::from_slice(tag),
        )
        .map_err(|_| EnvelopeError::DecryptionFailed)
}

fn data_cipher(dek: &[u8; DEK_LEN]) -> Aes256Gcm {
    Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(dek))
}

#[cfg(test)]
mod tests;
