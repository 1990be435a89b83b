//! Lanyard's wire types: every JSON body of the HTTP API under `/api/v1`.
//!
//! This is the only crate whose types derive `Serialize`/`Deserialize` for the wire. The server
//! converts domain records into these; the client and CLI read them. Timestamps travel as RFC 3339
//! strings in UTC. The OpenAPI document is generated from these types.

mod access;
mod connections;
mod field_arg;
mod jobs;
mod oidc;
mod resources;
mod wire_secret;

pub use access::*;
pub use connections::*;
pub use field_arg::{parse_field_arg, FieldArg, FieldArgError};
pub use jobs::*;
pub use oidc::*;
pub use resources::*;
pub use wire_secret::WireSecret;

/// The path prefix of every API route.
pub const API_PREFIX: &str = "/api/v1";

/// Formats milliseconds since the Unix epoch as RFC 3339 (UTC, millisecond precision).
pub fn rfc3339(millis: i64) -> String {
    let nanos = i128::from(millis) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| millis.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            super::rfc3339(1_700_000_000_123),
            "2023-11-14T22:13:20.123Z"
        );
    }
}
