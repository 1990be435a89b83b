//! Public values derived from a master key: its id and its check value.
//!
//! Both are one-way HMAC outputs, so they are safe to log and store in the clear.

use std::fmt;
use std::str::FromStr;

use subtle::ConstantTimeEq;

use super::KeyError;

/// Length of a [`KeyId`] in bytes.
pub const KEY_ID_LEN: usize = 8;
/// Length of a [`KeyCheckValue`] in bytes.
pub const CHECK_VALUE_LEN: usize = 32;

/// Short public identifier of a master key; `Display` gives 16 lowercase hex characters.
///
/// 64 bits only need to tell apart the handful of keys one installation ever uses, not
/// resist attack: the blob's authentication tag, not the id, is what proves the right key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId([u8; KEY_ID_LEN]);

impl KeyId {
    /// Wraps raw id bytes, e.g. read from a sealed blob.
    pub const fn from_bytes(bytes: [u8; KEY_ID_LEN]) -> KeyId {
        KeyId(bytes)
    }

    /// The raw id bytes.
    pub const fn as_bytes(&self) -> &[u8; KEY_ID_LEN] {
        &self.0
    }

    /// Lowercase hexadecimal form (16 characters).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses the 16-character hexadecimal form (either case).
    pub fn from_hex(text: &str) -> Result<KeyId, KeyError> {
        let mut bytes = [0u8; KEY_ID_LEN];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| KeyError::InvalidKeyId)?;
        Ok(KeyId(bytes))
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({self})")
    }
}

impl FromStr for KeyId {
    type Err = KeyError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        KeyId::from_hex(text)
    }
}

/// Proof of which master key an installation uses, stored next to the data it encrypted.
///
/// No `PartialEq`: compare with [`MasterKey::verify_check_value`](super::MasterKey::verify_check_value)
/// or [`KeyCheckValue::ct_eq`], which run in constant time.
#[derive(Clone, Copy)]
pub struct KeyCheckValue([u8; CHECK_VALUE_LEN]);

impl KeyCheckValue {
    /// Wraps raw check value bytes, e.g. read from a database column.
    pub const fn from_bytes(bytes: [u8; CHECK_VALUE_LEN]) -> KeyCheckValue {
        KeyCheckValue(bytes)
    }

    /// The raw check value bytes.
    pub const fn as_bytes(&self) -> &[u8; CHECK_VALUE_LEN] {
        &self.0
    }

    /// Lowercase hexadecimal form (64 characters).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses the 64-character hexadecimal form (either case).
    pub fn from_hex(text: &str) -> Result<KeyCheckValue, KeyError> {
        let mut bytes = [0u8; CHECK_VALUE_LEN];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| KeyError::InvalidCheckValue)?;
        Ok(KeyCheckValue(bytes))
    }

    /// Constant-time equality.
    pub fn ct_eq(&self, other: &KeyCheckValue) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for KeyCheckValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyCheckValue({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_id_hex_round_trip() {
        let id = KeyId::from_bytes([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]);
        assert_eq!(id.to_string(), "deadbeef00010203");
        assert_eq!(format!("{id:?}"), "KeyId(deadbeef00010203)");
        assert_eq!("DEADBEEF00010203".parse::<KeyId>(), Ok(id));
        assert_eq!(KeyId::from_hex("deadbeef"), Err(KeyError::InvalidKeyId));
        assert_eq!(
            KeyId::from_hex("deadbeef0001020g"),
            Err(KeyError::InvalidKeyId)
        );
    }

    #[test]
    fn check_value_hex_round_trip() {
        let value = KeyCheckValue::from_bytes([7; CHECK_VALUE_LEN]);
        let parsed = KeyCheckValue::from_hex(&value.to_hex()).unwrap();
        assert!(parsed.ct_eq(&value));
        assert!(!parsed.ct_eq(&KeyCheckValue::from_bytes([8; CHECK_VALUE_LEN])));
        assert!(matches!(
            KeyCheckValue::from_hex("07"),
            Err(KeyError::InvalidCheckValue)
        ));
    }
}
