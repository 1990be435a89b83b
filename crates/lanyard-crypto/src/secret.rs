//! Secret-holding types: values that are wiped from memory on drop and never printed.
//!
//! Everything in Lanyard that holds a credential goes through these types, so a stray
//! `{:?}` in a log line prints `[REDACTED]` rather than the credential.

use std::fmt;

pub use secrecy::{ExposeSecret, SecretBox, SecretString};

/// A byte string that must stay secret (a credential's value, a plaintext).
///
/// The bytes live in one heap allocation that is zeroized when the value is dropped.
/// There is deliberately no `Clone`, `PartialEq`, `Display` or `Serialize`: copies and
/// comparisons of secrets should be rare and visible, and go through
/// [`expose_secret`](SecretBytes::expose_secret).
pub struct SecretBytes(SecretBox<[u8]>);

impl SecretBytes {
    /// Takes ownership of `bytes` without copying them.
    ///
    /// Any spare capacity is released first, which may move the data; callers that care
    /// should pass a vector whose capacity equals its length (as `to_vec()` produces).
    pub fn from_vec(bytes: Vec<u8>) -> Self {
        Self(SecretBox::from(bytes.into_boxed_slice()))
    }

    /// Copies the UTF-8 bytes of a secret string.
    pub fn from_str_secret(secret: &SecretString) -> Self {
        Self::from_vec(secret.expose_secret().as_bytes().to_vec())
    }

    /// Copies `bytes` into a new secret.
    pub fn copy_from_slice(bytes: &[u8]) -> Self {
        Self::from_vec(bytes.to_vec())
    }

    /// Gives read access to the secret bytes.
    pub fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }

    /// Number of secret bytes (not itself considered secret).
    pub fn len(&self) -> usize {
        self.expose_secret().len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Interprets the bytes as UTF-8 and moves them into a [`SecretString`].
    ///
    /// On invalid UTF-8 the bytes are wiped and `None` is returned; the error carries no
    /// detail because the detail (an offset, a byte) would come from the secret.
    pub fn into_secret_string(self) -> Option<SecretString> {
        let text = std::str::from_utf8(self.expose_secret()).ok()?;
        Some(SecretString::from(text.to_owned()))
    }
}

impl From<Vec<u8>> for SecretBytes {
    fn from(bytes: Vec<u8>) -> Self {
        Self::from_vec(bytes)
    }
}

impl From<String> for SecretBytes {
    fn from(text: String) -> Self {
        Self::from_vec(text.into_bytes())
    }
}

impl ExposeSecret<[u8]> for SecretBytes {
    fn expose_secret(&self) -> &[u8] {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SecretBytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretBytes([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let secret = SecretBytes::from_vec(b"hunter2".to_vec());
        let printed = format!("{secret:?}");
        assert_eq!(printed, "SecretBytes([REDACTED])");
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    fn from_str_secret_copies_utf8_bytes() {
        let text = SecretString::from("pässword");
        let bytes = SecretBytes::from_str_secret(&text);
        assert_eq!(bytes.expose_secret(), "pässword".as_bytes());
        assert_eq!(bytes.len(), "pässword".len());
    }

    #[test]
    fn into_secret_string_round_trips_and_rejects_invalid_utf8() {
        let text = SecretBytes::from(String::from("token-value"))
            .into_secret_string()
            .expect("valid utf-8");
        assert_eq!(text.expose_secret(), "token-value");
        assert!(SecretBytes::from_vec(vec![0xff, 0xfe])
            .into_secret_string()
            .is_none());
    }
}
