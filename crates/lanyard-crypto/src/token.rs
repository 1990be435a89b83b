//! API tokens for users and runners, and the hash the server stores in their place.
//!
//! A token is `lyd_` (user) or `lyr_` (runner) followed by the unpadded base64url encoding of
//! 32 random bytes, 47 characters in all. The prefix lets secret scanners and people tell at a
//! glance what leaked; the body carries 256 bits of entropy.
//!
//! The server never stores tokens, only [`TokenHash`]es (SHA-256 of the whole token string).
//! A plain fast hash is the right tool here: password hashes such as Argon2 exist to slow
//! down guessing of low-entropy secrets, but guessing a 256-bit random value is infeasible at
//! any speed. A deterministic hash also lets the server find a token's row by an index lookup.

use std::fmt;
use std::str::FromStr;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::random;

/// Number of random bytes in a token.
const TOKEN_BYTES: usize = 32;
/// Length of the base64url (no padding) encoding of [`TOKEN_BYTES`].
const BODY_LEN: usize = 43;
/// Length of a [`TokenHash`] in bytes.
const HASH_LEN: usize = 32;

/// Errors from parsing tokens and token hashes.
///
/// Messages describe the expected shape and never include the rejected input, which may be
/// a real (if mistyped) credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The text does not start with a known token prefix.
    #[error("api token must start with `lyd_` (user token) or `lyr_` (runner token)")]
    UnknownPrefix,
    /// The part after the prefix is not 43 base64url characters encoding 32 bytes.
    #[error(
        "api token must be its prefix followed by 43 base64url characters (A-Z, a-z, 0-9, `-`, `_`)"
    )]
    Malformed,
    /// A stored token hash is not 64 hexadecimal characters.
    #[error("token hash must be 64 hexadecimal characters")]
    InvalidHash,
}

/// Who a token authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A person using the CLI or API.
    User,
    /// A runner that fetches credentials for deployment jobs.
    Runner,
}

impl TokenKind {
    /// The prefix that starts tokens of this kind (`lyd_` or `lyr_`).
    pub const fn prefix(self) -> &'static str {
        match self {
            TokenKind::User => "lyd_",
            TokenKind::Runner => "lyr_",
        }
    }

    /// A lowercase name for messages and storage (`user` or `runner`).
    pub const fn as_str(self) -> &'static str {
        match self {
            TokenKind::User => "user",
            TokenKind::Runner => "runner",
        }
    }
}

impl fmt::Display for TokenKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A user or runner API token. Its `Debug` output is redacted.
pub struct ApiToken {
    kind: TokenKind,
    secret: SecretString,
}

impl ApiToken {
    /// Creates a new token of `kind` from 32 bytes of OS randomness.
    ///
    /// # Panics
    /// If the operating system's random number generator fails.
    pub fn generate(kind: TokenKind) -> ApiToken {
        let mut raw = Zeroizing::new([0u8; TOKEN_BYTES]);
        random::fill(&mut raw[..]);
        // Exact capacity, so the string never reallocates and leaves no stray copy behind.
        let mut text = String::with_capacity(kind.prefix().len() + BODY_LEN);
        text.push_str(kind.prefix());
        URL_SAFE_NO_PAD.encode_string(&raw[..], &mut text);
        ApiToken {
            kind,
            secret: SecretString::from(text),
        }
    }

    /// Parses a token, checking its prefix, length and alphabet.
    ///
    /// Surrounding whitespace (say, a newline from a token file) is ignored.
    pub fn parse(input: &str) -> Result<ApiToken, TokenError> {
        let input = input.trim();
        let (kind, body) = [TokenKind::User, TokenKind::Runner]
            .into_iter()
            .find_map(|kind| input.strip_prefix(kind.prefix()).map(|body| (kind, body)))
            .ok_or(TokenError::UnknownPrefix)?;
        if body.len() != BODY_LEN {
            return Err(TokenError::Malformed);
        }
        // Decoding checks the alphabet and also rejects a non-canonical last character
        // (43 characters carry 258 bits, and the 2 spare bits must be zero), so every
        // accepted token has exactly one spelling and therefore exactly one hash.
        let mut raw = Zeroizing::new([0u8; TOKEN_BYTES + 1]);
        match URL_SAFE_NO_PAD.decode_slice(body, &mut raw[..]) {
            Ok(TOKEN_BYTES) => {}
            _ => return Err(TokenError::Malformed),
        }
        Ok(ApiToken {
            kind,
            secret: SecretString::from(input.to_owned()),
        })
    }

    /// Which kind of principal this token authenticates.
    pub fn kind(&self) -> TokenKind {
        self.kind
    }

    /// The full token text, prefix included, e.g. to show it to the user once.
    pub fn expose_secret(&self) -> &str {
        self.secret.expose_secret()
    }

    /// SHA-256 of the full token text: what the server stores and looks tokens up by.
    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.expose_secret().as_bytes()).into())
    }

    /// Whether this token hashes to `stored`, compared in constant time.
    pub fn verify(&self, stored: &TokenHash) -> bool {
        self.hash().ct_eq(stored)
    }
}

impl FromStr for ApiToken {
    type Err = TokenError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        ApiToken::parse(input)
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiToken")
            .field("kind", &self.kind)
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

/// SHA-256 of an API token, safe to store and to print.
///
/// There is no `PartialEq`: comparisons go through [`TokenHash::ct_eq`] so that they take
/// the same time wherever the first differing byte is.
#[derive(Clone, Copy)]
pub struct TokenHash([u8; HASH_LEN]);

impl TokenHash {
    /// Wraps raw hash bytes, e.g. read from a database column.
    pub const fn from_bytes(bytes: [u8; HASH_LEN]) -> TokenHash {
        TokenHash(bytes)
    }

    /// The raw hash bytes.
    pub const fn as_bytes(&self) -> &[u8; HASH_LEN] {
        &self.0
    }

    /// Lowercase hexadecimal form (64 characters).
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Parses the 64-character hexadecimal form (either case).
    pub fn from_hex(text: &str) -> Result<TokenHash, TokenError> {
        let mut bytes = [0u8; HASH_LEN];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| TokenError::InvalidHash)?;
        Ok(TokenHash(bytes))
    }

    /// Constant-time equality.
    pub fn ct_eq(&self, other: &TokenHash) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({})", self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_have_the_documented_shape() {
        for kind in [TokenKind::User, TokenKind::Runner] {
            let token = ApiToken::generate(kind);
            let text = token.expose_secret();
            assert_eq!(text.len(), 47);
            assert!(text.starts_with(kind.prefix()));
            assert_eq!(token.kind(), kind);
            let reparsed = ApiToken::parse(text).expect("generated token parses");
            assert_eq!(reparsed.kind(), kind);
            assert!(reparsed.verify(&token.hash()));
        }
    }

    #[test]
    fn generated_tokens_differ() {
        let a = ApiToken::generate(TokenKind::User);
        let b = ApiToken::generate(TokenKind::User);
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert!(!a.hash().ct_eq(&b.hash()));
    }

    #[test]
    fn debug_is_redacted() {
        let token = ApiToken::generate(TokenKind::Runner);
        let printed = format!("{token:?}");
        assert_eq!(
            printed,
            r#"ApiToken { kind: Runner, secret: "[REDACTED]" }"#
        );
        assert!(!printed.contains(&token.expose_secret()[4..]));
    }

    #[test]
    fn parse_rejects_wrong_shapes_without_echoing_input() {
        let body = "A".repeat(43);
        let cases = [
            (format!("xyz_{body}"), TokenError::UnknownPrefix),
            (body.clone(), TokenError::UnknownPrefix),
            (format!("lyd_{}", &body[..42]), TokenError::Malformed),
            (format!("lyd_{body}A"), TokenError::Malformed),
            (format!("lyr_{}+", &body[..42]), TokenError::Malformed),
            (format!("lyr_{}=", &body[..42]), TokenError::Malformed),
            // Last character carries non-zero spare bits: not the canonical encoding.
            (format!("lyd_{}B", &body[..42]), TokenError::Malformed),
        ];
        for (input, expected) in cases {
            let err = ApiToken::parse(&input).expect_err(&input);
            assert_eq!(err, expected, "{input}");
            assert!(!err.to_string().contains(&input[..10]));
        }
    }

    #[test]
    fn parse_trims_surrounding_whitespace() {
        let token = ApiToken::generate(TokenKind::User);
        let padded = format!("  {}\n", token.expose_secret());
        let parsed = ApiToken::parse(&padded).expect("parses");
        assert_eq!(parsed.expose_secret(), token.expose_secret());
    }

    #[test]
    fn hash_hex_round_trip() {
        let hash = ApiToken::generate(TokenKind::User).hash();
        let hex = hash.to_hex();
        assert_eq!(hex.len(), 64);
        assert!(TokenHash::from_hex(&hex).unwrap().ct_eq(&hash));
        assert!(TokenHash::from_hex(&hex.to_uppercase())
            .unwrap()
            .ct_eq(&hash));
        assert_eq!(
            TokenHash::from_hex(&hex[..62]).unwrap_err(),
            TokenError::InvalidHash
        );
        assert_eq!(
            TokenHash::from_hex("zz").unwrap_err(),
            TokenError::InvalidHash
        );
    }
}
