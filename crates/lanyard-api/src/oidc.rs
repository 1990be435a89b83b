//! The OIDC issuer's public documents (discovery and JWKS, served at the root for clouds) and
//! its key status under `/api/v1/keys/signing`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `GET /.well-known/openid-configuration`: what AWS, Google Cloud and Entra ID read to find the
/// issuer's keys.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct OidcDiscovery {
    pub issuer: String,
    pub jwks_uri: String,
    pub response_types_supported: Vec<String>,
    pub subject_types_supported: Vec<String>,
    pub id_token_signing_alg_values_supported: Vec<String>,
    pub scopes_supported: Vec<String>,
    pub claims_supported: Vec<String>,
}

/// `GET /.well-known/jwks.json`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

/// One RSA public key.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct Jwk {
    /// `RSA`.
    pub kty: String,
    /// `sig`.
    #[serde(rename = "use")]
    pub use_: String,
    /// `RS256`.
    pub alg: String,
    pub kid: String,
    /// The modulus, base64url.
    pub n: String,
    /// The exponent, base64url.
    pub e: String,
}

/// One signing key's state.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct SigningKeyView {
    pub kid: String,
    pub created_at: String,
    pub retired_at: Option<String>,
    /// `active` (signs new tokens), `published` (retired, still in the JWKS until the tokens it
    /// signed expire) or `expired` (about to be deleted).
    pub state: String,
}

/// `GET /keys/signing` and `POST /keys/signing/rotate`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
pub struct SigningKeys {
    /// The issuer URL tokens carry; `None` when the server has no public URL.
    pub issuer: Option<String>,
    pub keys: Vec<SigningKeyView>,
}

/// `GET /orgs/{org}/connections/{name}/oidc-trust`: what a cloud must be told to trust an
/// `oidc` connection's job tokens.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct OidcTrust {
    pub issuer: String,
    pub audience: String,
    /// The `sub` values trusted (`*` standing for every environment, on AWS).
    pub subjects: Vec<String>,
    /// AWS: a CloudFormation template (the OIDC provider and the role).
    pub template: Option<serde_json::Value>,
    /// Google Cloud and Azure: the gcloud / az commands.
    pub commands: Option<String>,
}
