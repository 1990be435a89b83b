//! Slugs: the names of organizations, environments, secrets, variables, connections and runners.

use std::fmt;

/// Longest slug we accept; DNS labels have the same limit, so slugs fit in hostnames and paths.
pub const MAX_SLUG_LEN: usize = 63;

/// A validated name: lowercase ASCII letters, digits and single hyphens, starting with a letter.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

/// Why a string is not a valid slug. Messages say what the rule is, so the user can fix the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    /// The input was empty.
    #[error("a name cannot be empty; use lowercase letters, digits and hyphens, e.g. `dev`")]
    Empty,
    /// The input was longer than [`MAX_SLUG_LEN`].
    #[error("`{0}` is longer than 63 characters")]
    TooLong(String),
    /// The first character was not a lowercase letter.
    #[error("`{name}` must start with a lowercase letter (a-z), e.g. `{suggestion}`")]
    BadStart { name: String, suggestion: String },
    /// A character outside `a-z`, `0-9`, `-`.
    #[error(
        "`{name}` contains `{ch}`; names use only lowercase letters, digits and hyphens, \
         e.g. `{suggestion}`"
    )]
    BadChar {
        name: String,
        ch: char,
        suggestion: String,
    },
    /// Ends with a hyphen or contains two in a row.
    #[error("`{0}` cannot end with a hyphen or contain two hyphens in a row")]
    BadHyphen(String),
}

impl Slug {
    /// Parses `input` as a slug.
    pub fn parse(input: &str) -> Result<Self, SlugError> {
        if input.is_empty() {
            return Err(SlugError::Empty);
        }
        // Long inputs are truncated in the message: they are user typos, not data to echo back.
        let shown = || input.chars().take(80).collect::<String>();
        if input.len() > MAX_SLUG_LEN {
            return Err(SlugError::TooLong(shown()));
        }
        if !input.starts_with(|c: char| c.is_ascii_lowercase()) {
            return Err(SlugError::BadStart {
                name: shown(),
                suggestion: suggest(input),
            });
        }
        if let Some(ch) = input
            .chars()
            .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
        {
            return Err(SlugError::BadChar {
                name: shown(),
                ch,
                suggestion: suggest(input),
            });
        }
        if input.ends_with('-') || input.contains("--") {
            return Err(SlugError::BadHyphen(shown()));
        }
        Ok(Self(input.to_owned()))
    }

    /// The slug as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A slug the user probably meant: lowercased, other characters turned into single hyphens.
fn suggest(input: &str) -> String {
    let mut out = String::new();
    for c in input.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let trimmed = out
        .trim_start_matches(|c: char| !c.is_ascii_lowercase())
        .trim_end_matches('-');
    if trimmed.is_empty() {
        "my-name".to_owned()
    } else {
        trimmed.to_owned()
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Slug({})", self.0)
    }
}

impl std::str::FromStr for Slug {
    type Err = SlugError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;

    fn try_from(raw: String) -> Result<Self, SlugError> {
        Self::parse(&raw)
    }
}

impl From<Slug> for String {
    fn from(slug: Slug) -> String {
        slug.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_typical_names() {
        for ok in ["dev", "staging", "prod-eu-1", "a", "team42"] {
            assert_eq!(Slug::parse(ok).unwrap().as_str(), ok);
        }
        assert!(Slug::parse(&"a".repeat(63)).is_ok());
    }

    #[test]
    fn rejects_with_a_reason_and_a_suggestion() {
        assert_eq!(Slug::parse(""), Err(SlugError::Empty));
        assert!(matches!(
            Slug::parse("1dev"),
            Err(SlugError::BadStart { .. })
        ));
        assert!(matches!(
            Slug::parse("-dev"),
            Err(SlugError::BadStart { .. })
        ));
        assert!(matches!(Slug::parse("dev-"), Err(SlugError::BadHyphen(_))));
        assert!(matches!(Slug::parse("de--v"), Err(SlugError::BadHyphen(_))));
        assert!(matches!(
            Slug::parse(&"a".repeat(64)),
            Err(SlugError::TooLong(_))
        ));
        let err = Slug::parse("dEv").unwrap_err();
        assert!(matches!(
            err,
            SlugError::BadStart { .. } | SlugError::BadChar { .. }
        ));
        let err = Slug::parse("prod_EU 1").unwrap_err().to_string();
        assert!(err.contains("`_`"), "{err}");
        assert!(err.contains("prod-eu-1"), "{err}");
    }
}
