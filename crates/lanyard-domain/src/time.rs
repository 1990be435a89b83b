//! Timestamps as stored: milliseconds since the Unix epoch, UTC.

/// A point in time, in milliseconds since the Unix epoch (UTC). Both database backends store it
/// as a 64-bit integer, so comparisons and ordering behave the same on SQLite and PostgreSQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

impl Timestamp {
    /// Milliseconds since the Unix epoch.
    pub fn millis(self) -> i64 {
        self.0
    }
}
