//! Lanyard as an OpenID Connect issuer: the RS256 signing keys, the identity tokens minted for
//! jobs, and the public keys a cloud fetches to check them.
//!
//! A cloud that trusts Lanyard (an AWS IAM OIDC provider, a GCP workload identity pool, an
//! Entra federated credential) exchanges a job's token for short-lived credentials of its own,
//! so no long-lived key reaches the job. Trust is narrowed by the token's claims, above all its
//! `sub`, whose format ([`subject`]) is part of Lanyard's public interface.
//!
//! This crate is pure: keys come in and go out as DER bytes (the core seals them under the
//! master key and keeps them in the database, so every replica signs with and publishes the same
//! set), and nothing here does I/O. Signing is ring's (through `jsonwebtoken`); the `rsa` crate
//! only generates and parses keys.

mod claims;
mod key;

pub use claims::{subject, IdentityClaims, JobIdentity, MAX_TOKEN_LIFETIME_SECS};
pub use key::{PublicJwk, SigningKey, ALGORITHM, KEY_BITS};

/// What can go wrong with keys and tokens. Messages never contain key material or tokens.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OidcError {
    /// Generating a key failed (the operating system's randomness, most likely).
    #[error("a signing key could not be generated: {0}")]
    Generate(String),
    /// Stored key bytes are not an RSA private key.
    #[error("a stored signing key is damaged: {0}")]
    Damaged(String),
    /// Signing failed.
    #[error("an identity token could not be signed: {0}")]
    Sign(String),
    /// A token did not verify (used by `verify`, for tests and self-checks).
    #[error("the identity token does not verify: {0}")]
    Invalid(String),
    /// A token would be issued with a lifetime that is not positive.
    #[error("an identity token would expire before it is issued (the job's deadline has passed)")]
    Expired,
}
