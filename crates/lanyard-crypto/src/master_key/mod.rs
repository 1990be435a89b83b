//! The master key (key-encryption key, KEK) that wraps every secret's data key.
//!
//! The operator supplies the master key as standard base64 of 32 bytes (an environment
//! variable or a file). From it the crate derives two public values with HMAC-SHA256 under
//! distinct labels, so neither reveals anything about the key or about the other:
//!
//! - a [`KeyId`] (8 bytes), written into every sealed blob to say which key wrapped it;
//! - a [`KeyCheckValue`] (32 bytes), which the server stores so that starting it with a
//!   different key fails loudly instead of producing undecryptable data.
//!
//! A [`Keyring`] holds the active key plus retired ones while a rotation is in progress.

mod ids;
mod keyring;

use std::fmt;

use aes_gcm::{Aes256Gcm, Key, KeyInit};
use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;
use zeroize::Zeroizing;

pub use ids::{KeyCheckValue, KeyId, CHECK_VALUE_LEN, KEY_ID_LEN};
pub use keyring::Keyring;

use crate::random;

/// Length of a master key in bytes.
pub const MASTER_KEY_LEN: usize = 32;

/// HMAC label for deriving a [`KeyId`].
const KEY_ID_LABEL: &[u8] = b"lanyard key id v1";
/// HMAC label for deriving a [`KeyCheckValue`].
const CHECK_VALUE_LABEL: &[u8] = b"lanyard key check v1";

/// Base64 as operators will paste it: standard alphabet, padding optional.
const LENIENT_STANDARD: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Errors from loading master keys and parsing their public identifiers.
///
/// No message includes the rejected input: it may be (most of) a real key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// The master key text is not base64.
    #[error("invalid master key: not valid base64")]
    InvalidBase64,
    /// The master key decodes to the wrong number of bytes.
    #[error("invalid master key: expected base64 of exactly 32 bytes, got {got} bytes")]
    WrongLength {
        /// How many bytes the text decoded to.
        got: usize,
    },
    /// A key id is not 16 hexadecimal characters.
    #[error("invalid key id: expected 16 hexadecimal characters")]
    InvalidKeyId,
    /// A key check value is not 64 hexadecimal characters.
    #[error("invalid key check value: expected 64 hexadecimal characters")]
    InvalidCheckValue,
    /// The master key does not match the check value stored by an earlier run.
    #[error(
        "master key {key_id} does not match the stored key check value: \
         this data was encrypted under a different master key"
    )]
    Mismatch {
        /// Id of the key that was offered (public, safe to print).
        key_id: KeyId,
    },
}

/// A 32-byte key-encryption key. Zeroized on drop; `Debug` prints only its [`KeyId`].
pub struct MasterKey {
    // Boxed so moving a `MasterKey` around never leaves copies of the key on the stack.
    bytes: SecretBox<[u8; MASTER_KEY_LEN]>,
    // Cached because keyring lookups compare ids on every `open`.
    id: KeyId,
}

impl MasterKey {
    /// Generates a new key from OS randomness.
    ///
    /// # Panics
    /// If the operating system's random number generator fails.
    pub fn generate() -> MasterKey {
        Self::from_secret_box(SecretBox::init_with_mut(
            |bytes: &mut [u8; MASTER_KEY_LEN]| random::fill(bytes),
        ))
    }

    /// Loads a key from standard base64 (padding optional, surrounding whitespace ignored).
    pub fn from_base64(encoded: &SecretString) -> Result<MasterKey, KeyError> {
        let text = encoded.expose_secret().trim();
        let mut decoded = Zeroizing::new(vec![0u8; base64::decoded_len_estimate(text.len())]);
        let len = LENIENT_STANDARD
            .decode_slice(text, &mut decoded[..])
            .map_err(|_| KeyError::InvalidBase64)?;
        if len != MASTER_KEY_LEN {
            return Err(KeyError::WrongLength { got: len });
        }
        Ok(Self::from_secret_box(SecretBox::init_with_mut(
            |bytes: &mut [u8; MASTER_KEY_LEN]| bytes.copy_from_slice(&decoded[..MASTER_KEY_LEN]),
        )))
    }

    /// The key as standard padded base64, the form [`from_base64`](Self::from_base64) reads.
    pub fn to_base64(&self) -> SecretString {
        SecretString::from(STANDARD.encode(self.expose_secret()))
    }

    /// The raw key bytes.
    pub fn expose_secret(&self) -> &[u8; MASTER_KEY_LEN] {
        self.bytes.expose_secret()
    }

    /// The key's public identifier: the first 8 bytes of HMAC-SHA256(key, "lanyard key id v1").
    pub fn key_id(&self) -> KeyId {
        self.id
    }

    /// The key's check value: HMAC-SHA256(key, "lanyard key check v1").
    pub fn check_value(&self) -> KeyCheckValue {
        KeyCheckValue::from_bytes(derive(self.expose_secret(), CHECK_VALUE_LABEL))
    }

    /// Whether `expected` is this key's check value, compared in constant time.
    pub fn verify_check_value(&self, expected: &KeyCheckValue) -> bool {
        self.check_value().ct_eq(expected)
    }

    /// Like [`verify_check_value`](Self::verify_check_value), but as an error the server
    /// can print at startup.
    pub fn ensure_check_value(&self, expected: &KeyCheckValue) -> Result<(), KeyError> {
        if self.verify_check_value(expected) {
            Ok(())
        } else {
            Err(KeyError::Mismatch {
                key_id: self.key_id(),
            })
        }
    }

    /// An AES-256-GCM instance keyed with this key, for wrapping data keys.
    pub(crate) fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(self.expose_secret()))
    }

    fn from_secret_box(bytes: SecretBox<[u8; MASTER_KEY_LEN]>) -> MasterKey {
        let mac = derive(bytes.expose_secret(), KEY_ID_LABEL);
        let mut id = [0u8; 8];
        id.copy_from_slice(&mac[..8]);
        MasterKey {
            bytes,
            id: KeyId::from_bytes(id),
        }
    }
}

/// HMAC-SHA256(key, label): one-way, so the derived public values reveal nothing about the key.
fn derive(key: &[u8; MASTER_KEY_LEN], label: &[u8]) -> [u8; 32] {
    let mut mac =
        <Hmac<Sha256> as Mac>::new_from_slice(key).expect("hmac accepts keys of any length");
    mac.update(label);
    mac.finalize().into_bytes().into()
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({}, [REDACTED])", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_B64: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    fn key() -> MasterKey {
        MasterKey::from_base64(&SecretString::from(KEY_B64)).expect("valid key")
    }

    #[test]
    fn base64_round_trip() {
        let key = key();
        let expected: Vec<u8> = (0u8..32).collect();
        assert_eq!(&key.expose_secret()[..], &expected[..]);
        assert_eq!(key.to_base64().expose_secret(), KEY_B64);
    }

    #[test]
    fn from_base64_trims_and_accepts_missing_padding() {
        let padded = format!("  {KEY_B64}\n");
        let unpadded = KEY_B64.trim_end_matches('=');
        for text in [padded.as_str(), unpadded] {
            let loaded = MasterKey::from_base64(&SecretString::from(text)).unwrap();
            assert_eq!(loaded.key_id(), key().key_id());
        }
    }

    #[test]
    fn from_base64_errors_name_the_problem_not_the_value() {
        let short = MasterKey::from_base64(&SecretString::from("c2VjcmV0LXZhbHVl")).unwrap_err();
        assert_eq!(short, KeyError::WrongLength { got: 12 });
        assert_eq!(
            short.to_string(),
            "invalid master key: expected base64 of exactly 32 bytes, got 12 bytes"
        );
        let bad = MasterKey::from_base64(&SecretString::from("secret value!")).unwrap_err();
        assert_eq!(bad, KeyError::InvalidBase64);
        assert!(!bad.to_string().contains("secret"));
        let empty = MasterKey::from_base64(&SecretString::from("  ")).unwrap_err();
        assert_eq!(empty, KeyError::WrongLength { got: 0 });
    }

    #[test]
    fn debug_is_redacted() {
        let key = key();
        let printed = format!("{key:?}");
        assert_eq!(printed, format!("MasterKey({}, [REDACTED])", key.key_id()));
        assert!(!printed.contains(KEY_B64));
    }

    #[test]
    fn check_value_detects_a_different_key() {
        let key = key();
        let other = MasterKey::generate();
        assert!(key.verify_check_value(&key.check_value()));
        assert!(!other.verify_check_value(&key.check_value()));
        assert_eq!(
            other.ensure_check_value(&key.check_value()),
            Err(KeyError::Mismatch {
                key_id: other.key_id()
            })
        );
        assert_eq!(key.ensure_check_value(&key.check_value()), Ok(()));
    }

    #[test]
    fn id_and_check_value_use_different_labels() {
        let key = key();
        assert_ne!(
            &key.check_value().as_bytes()[..8],
            key.key_id().as_bytes().as_slice()
        );
    }

    #[test]
    fn generated_keys_differ() {
        assert_ne!(
            MasterKey::generate().key_id(),
            MasterKey::generate().key_id()
        );
    }
}
