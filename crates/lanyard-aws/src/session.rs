//! SDK configurations: the standard credential chain, or a connection's own keys. Both honor
//! `AWS_ENDPOINT_URL` (and `AWS_ENDPOINT_URL_STS`), read by the SDK itself.

use std::fmt;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::Credentials;
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider, TlsContext, TrustStore};
use secrecy::{ExposeSecret, SecretString};

use crate::AwsError;

/// Used when neither the caller nor the environment names a region; STS answers everywhere.
pub const FALLBACK_REGION: &str = "us-east-1";

/// An access key pair, with the session token of temporary credentials. No `Debug` or
/// `Display` shows the values.
#[derive(Clone)]
pub struct AwsKeys {
    /// `AKIA…` or `ASIA…`.
    pub access_key_id: SecretString,
    /// The 40-character secret.
    pub secret_access_key: SecretString,
    /// Present for temporary credentials.
    pub session_token: Option<SecretString>,
}

impl fmt::Debug for AwsKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AwsKeys([REDACTED])")
    }
}

impl AwsKeys {
    fn from_sdk(credentials: &Credentials) -> Self {
        Self {
            access_key_id: SecretString::from(credentials.access_key_id().to_owned()),
            secret_access_key: SecretString::from(credentials.secret_access_key().to_owned()),
            session_token: credentials
                .session_token()
                .map(|t| SecretString::from(t.to_owned())),
        }
    }

    fn to_sdk(&self) -> Credentials {
        Credentials::new(
            self.access_key_id.expose_secret(),
            self.secret_access_key.expose_secret(),
            self.session_token
                .as_ref()
                .map(|t| t.expose_secret().to_owned()),
            None,
            "lanyard-connection",
        )
    }
}

/// Whose identity an SDK configuration carries.
pub enum Identity<'a> {
    /// This process's own: the standard chain (environment, web identity token file, shared
    /// profile, container and instance metadata).
    Ambient,
    /// A connection's keys.
    Keys(&'a AwsKeys),
}

/// Where this process's own AWS calls go and as whom, when that is not to be read from its
/// environment: the server is given one explicitly by embedders and tests, so that nothing has
/// to change the process environment. The default defers to the environment.
#[derive(Debug, Default)]
pub struct AwsOrigin {
    /// An endpoint for every service (an emulator such as moto), instead of `AWS_ENDPOINT_URL`.
    pub endpoint_url: Option<String>,
    /// The ambient identity's keys, instead of the standard credential chain.
    pub keys: Option<AwsKeys>,
}

/// An SDK configuration for `identity`, in `region` (else the environment's, else
/// [`FALLBACK_REGION`]).
pub async fn config(identity: Identity<'_>, region: Option<&str>) -> SdkConfig {
    config_from(&AwsOrigin::default(), identity, region).await
}

/// Like [`config`], with `origin` overriding what the environment would say.
pub async fn config_from(
    origin: &AwsOrigin,
    identity: Identity<'_>,
    region: Option<&str>,
) -> SdkConfig {
    config_trusting(origin, identity, region, None).await
}

/// Like [`config_from`], also trusting the PEM certificates `ca` (a connection's `ca_bundle`,
/// for an S3-compatible store behind a private CA) beside the machine's roots.
pub async fn config_trusting(
    origin: &AwsOrigin,
    identity: Identity<'_>,
    region: Option<&str>,
    ca: Option<&str>,
) -> SdkConfig {
    // rustls with ring, the workspace's TLS stack: no second crypto library to build.
    let mut builder =
        aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring));
    if let Some(pem) = ca {
        let roots = TrustStore::empty()
            .with_native_roots(true)
            .with_pem_certificate(pem.as_bytes().to_vec());
        if let Ok(context) = TlsContext::builder().with_trust_store(roots).build() {
            builder = builder.tls_context(context);
        }
    }
    // A connection's keys go only where the server's egress policy allows (never to a
    // metadata address, whatever its endpoint field says or resolves to). The server's own
    // ambient identity keeps the plain client: its credential chain reads the instance
    // metadata service on purpose.
    let http_client = match identity {
        Identity::Keys(_) => builder.build_with_resolver(crate::egress::GuardedDns),
        Identity::Ambient => builder.build_https(),
    };
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http_client);
    // Without an explicit region the loader's own default chain applies (it shares the HTTP
    // client, which a separately built region chain would lack).
    if let Some(region) = region {
        loader = loader.region(Region::new(region.to_owned()));
    }
    if let Some(endpoint) = &origin.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    match (identity, &origin.keys) {
        (Identity::Keys(keys), _) | (Identity::Ambient, Some(keys)) => {
            loader = loader.credentials_provider(keys.to_sdk());
        }
        (Identity::Ambient, None) => {}
    }
    let config = loader.load().await;
    if config.region().is_some() {
        return config;
    }
    config
        .to_builder()
        .region(Region::from_static(FALLBACK_REGION))
        .build()
}

/// Resolves the configuration's credentials to keys (for runner mode, which injects them).
pub async fn resolve_keys(config: &SdkConfig) -> Result<AwsKeys, AwsError> {
    let provider = config
        .credentials_provider()
        .ok_or_else(|| AwsError::NoCredentials {
            detail: "no credential provider is configured".to_owned(),
        })?;
    let credentials =
        provider
            .provide_credentials()
            .await
            .map_err(|e| AwsError::NoCredentials {
                detail: crate::said(&e),
            })?;
    Ok(AwsKeys::from_sdk(&credentials))
}
