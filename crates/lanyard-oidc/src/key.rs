//! One RS256 signing key: generated here, stored by the core as sealed PKCS#1 DER, published as
//! a JWK whose `kid` is its RFC 7638 thumbprint (so the same key has the same id everywhere).

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lanyard_crypto::{SecretBytes, SecretString};
use rsa::pkcs1::{DecodeRsaPrivateKey as _, EncodeRsaPrivateKey as _};
use rsa::traits::PublicKeyParts as _;
use rsa::RsaPrivateKey;
use sha2::{Digest as _, Sha256};

use crate::{IdentityClaims, OidcError};

/// The JWS algorithm: RS256 is the one every cloud's federation accepts (Entra ID takes only it).
pub const ALGORITHM: &str = "RS256";

/// The modulus size of generated keys.
pub const KEY_BITS: usize = 2048;

/// A private signing key. Its `Debug` shows the key id only.
pub struct SigningKey {
    kid: String,
    der: SecretBytes,
    encoding: EncodingKey,
    public: PublicJwk,
}

/// The public half, as published in the JWKS (base64url, unpadded, big-endian).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicJwk {
    pub kid: String,
    /// The modulus.
    pub n: String,
    /// The public exponent.
    pub e: String,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A new random key from the operating system's randomness.
    pub fn generate() -> Result<Self, OidcError> {
        let key = RsaPrivateKey::new(&mut rand_core::OsRng, KEY_BITS)
            .map_err(|e| OidcError::Generate(e.to_string()))?;
        Self::from_rsa(&key)
    }

    /// A key from the PKCS#1 DER that [`SigningKey::pkcs1_der`] gave.
    pub fn from_pkcs1_der(der: &[u8]) -> Result<Self, OidcError> {
        let key = RsaPrivateKey::from_pkcs1_der(der)
            .map_err(|e| OidcError::Damaged(format!("not a PKCS#1 RSA private key ({e})")))?;
        if key.size() * 8 < KEY_BITS {
            return Err(OidcError::Damaged(format!(
                "the key has {} bits, fewer than {KEY_BITS}",
                key.size() * 8
            )));
        }
        Self::from_rsa(&key)
    }

    fn from_rsa(key: &RsaPrivateKey) -> Result<Self, OidcError> {
        let document = key
            .to_pkcs1_der()
            .map_err(|e| OidcError::Damaged(e.to_string()))?;
        let der = SecretBytes::copy_from_slice(document.as_bytes());
        let encoding = EncodingKey::from_rsa_der(der.expose_secret());
        let n = URL_SAFE_NO_PAD.encode(key.n().to_bytes_be());
        let e = URL_SAFE_NO_PAD.encode(key.e().to_bytes_be());
        let kid = thumbprint(&n, &e);
        Ok(Self {
            public: PublicJwk {
                kid: kid.clone(),
                n,
                e,
            },
            kid,
            der,
            encoding,
        })
    }

    /// The key id: the RFC 7638 SHA-256 thumbprint of the public key, base64url.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The private key as PKCS#1 DER, to be sealed before it is stored.
    pub fn pkcs1_der(&self) -> &SecretBytes {
        &self.der
    }

    /// The public key as published.
    pub fn public_jwk(&self) -> &PublicJwk {
        &self.public
    }

    /// Signs `claims` as a compact JWS with this key's `kid` in the header.
    pub fn sign(&self, claims: &IdentityClaims) -> Result<SecretString, OidcError> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map(SecretString::from)
            .map_err(|e| OidcError::Sign(e.to_string()))
    }
}

impl PublicJwk {
    /// Checks a token's signature, issuer, audience and lifetime against this key (a
    /// self-check; clouds do this with their own code).
    pub fn verify(
        &self,
        token: &str,
        issuer: &str,
        audience: &str,
    ) -> Result<IdentityClaims, OidcError> {
        let key = DecodingKey::from_rsa_components(&self.n, &self.e)
            .map_err(|e| OidcError::Invalid(e.to_string()))?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[issuer]);
        validation.set_audience(&[audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub", "nbf"]);
        validation.leeway = 0;
        let header =
            jsonwebtoken::decode_header(token).map_err(|e| OidcError::Invalid(e.to_string()))?;
        if header.kid.as_deref() != Some(self.kid.as_str()) {
            return Err(OidcError::Invalid(
                "the token was signed by another key".to_owned(),
            ));
        }
        jsonwebtoken::decode::<IdentityClaims>(token, &key, &validation)
            .map(|data| data.claims)
            .map_err(|e| OidcError::Invalid(e.to_string()))
    }
}

/// RFC 7638: SHA-256 over the required members in lexicographic order, no whitespace.
fn thumbprint(n: &str, e: &str) -> String {
    let canonical = format!(r#"{{"e":"{e}","kty":"RSA","n":"{n}"}}"#);
    URL_SAFE_NO_PAD.encode(Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thumbprint_matches_rfc_7638_example() {
        // The example key of RFC 7638, section 3.1.
        let n = "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
        assert_eq!(
            thumbprint(n, "AQAB"),
            "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
        );
    }
}
