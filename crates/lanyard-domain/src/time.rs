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

/// Parses a duration as people write it: `90s`, `15m`, `2h`, `1d`, or a number of seconds.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let scale = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => 0,
    };
    match number.parse::<u64>() {
        Ok(n) if n > 0 && scale > 0 => n
            .checked_mul(scale)
            .map(std::time::Duration::from_secs)
            .ok_or_else(|| format!("duration `{text}` is too long")),
        _ => Err(format!(
            "invalid duration `{text}`: use a positive number with s, m, h or d, e.g. 90s, 15m, 2h"
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::parse_duration;

    #[test]
    fn durations_read_as_written() {
        for (text, secs) in [
            ("90", 90),
            ("90s", 90),
            ("15m", 900),
            ("2h", 7200),
            ("1d", 86_400),
        ] {
            assert_eq!(
                parse_duration(text),
                Ok(Duration::from_secs(secs)),
                "{text}"
            );
        }
        for bad in ["", "0", "5x", "m", "-3s", "1.5h", "99999999999999999999d"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(
                err.contains(bad) || err.contains("too long"),
                "{bad}: {err}"
            );
        }
    }
}
