//! A secret on the wire: a value written to the server, or a newly issued token shown once.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A secret that must cross the wire: a value a person writes to the server (a secret's new
/// version), or a token the server reveals once in the response that issues it. It serializes
/// to its value because that request or response is its one delivery; `Debug` redacts it and it
/// has no `Display`. No response ever carries a stored secret's value.
pub struct WireSecret(SecretString);

impl WireSecret {
    /// Wraps a secret for its one delivery.
    pub fn new(secret: SecretString) -> Self {
        Self(secret)
    }

    /// The value.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for WireSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WireSecret([REDACTED])")
    }
}

impl Serialize for WireSecret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.expose_secret())
    }
}

impl<'de> Deserialize<'de> for WireSecret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Self(SecretString::from(s)))
    }
}

/// On the wire it is a plain string.
impl utoipa::PartialSchema for WireSecret {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        <String as utoipa::PartialSchema>::schema()
    }
}

impl utoipa::ToSchema for WireSecret {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let s = WireSecret::new(SecretString::from("lyd_planted-secret-value"));
        assert!(!format!("{s:?}").contains("planted"));
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            "\"lyd_planted-secret-value\""
        );
    }
}
