//! Lanyard's cryptography: secret types, API tokens, master keys and envelope encryption.
//!
//! - [`secret`]: [`SecretBytes`] and re-exports of `secrecy`'s types; all zeroized on drop,
//!   all with redacted `Debug`.
//! - [`token`]: `lyd_…`/`lyr_…` API tokens and the SHA-256 [`TokenHash`] stored in their place.
//! - [`master_key`]: the [`MasterKey`] (key-encryption key), its public [`KeyId`] and
//!   [`KeyCheckValue`], and the [`Keyring`] used during rotation.
//! - [`envelope`]: [`seal`], [`open`] and [`rewrap`] of secret versions into [`SealedBlob`]s,
//!   whose wire format the module documents byte by byte.
//!
//! Randomness comes only from the operating system, and comparisons of hashes and check
//! values run in constant time.
//!
//! # Example
//!
//! ```
//! use lanyard_crypto::{open, seal, Keyring, MasterKey, SecretBytes, SecretContext};
//!
//! let keyring = Keyring::new(MasterKey::generate());
//! let ctx = SecretContext::new("org_01", "aws-prod", 1);
//! let plaintext = SecretBytes::from_vec(b"AKIAIOSFODNN7EXAMPLE".to_vec());
//!
//! let blob = seal(&keyring, &ctx, &plaintext)?;
//! let stored: Vec<u8> = blob.to_vec(); // what goes in the database
//!
//! let blob = lanyard_crypto::SealedBlob::parse(&stored)?;
//! let opened = open(&keyring, &ctx, &blob)?;
//! assert_eq!(opened.expose_secret(), b"AKIAIOSFODNN7EXAMPLE");
//!
//! // The same blob does not open as another version of the secret.
//! let other = SecretContext::new("org_01", "aws-prod", 2);
//! assert!(open(&keyring, &other, &blob).is_err());
//! # Ok::<(), lanyard_crypto::EnvelopeError>(())
//! ```

pub mod envelope;
pub mod master_key;
pub mod random;
pub mod secret;
pub mod token;

pub use envelope::{open, rewrap, seal, EnvelopeError, SealedBlob, SecretContext};
pub use master_key::{KeyCheckValue, KeyError, KeyId, Keyring, MasterKey};
pub use secret::{ExposeSecret, SecretBox, SecretBytes, SecretString};
pub use token::{ApiToken, TokenError, TokenHash, TokenKind};
