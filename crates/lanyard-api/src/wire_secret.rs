//! A secret shown exactly once on the wire: a newly issued token, never anything stored.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret the server reveals once, in the response that creates it (a new API token or runner
/// credential). It serializes to its value because that response is its one delivery; `Debug`
/// redacts it, it has no `Display`, and it is never stored by the server.
pub struct OneTimeSecret(SecretString);

impl OneTimeSecret {
    /// Wraps a freshly issued secret for its one delivery.
    pub fn new(secret: SecretString) -> Self {
        Self(secret)
    }

    /// The value, for the caller to save or print once.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for OneTimeSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("OneTimeSecret([REDACTED])")
    }
}

impl Serialize for OneTimeSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.expose_secret())
    }
}

impl<'de> Deserialize<'de> for OneTimeSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Self(SecretString::from(s)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = OneTimeSecret::new(SecretString::from("lyd_planted-secret-value"));
        assert!(!format!("{s:?}").contains("planted"));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            "\"lyd_planted-secret-value\""
        );
    }
}
