//! Live checks: is a connection's credential accepted by its provider right now? Each check is
//! the cheapest authenticated read the provider's API offers (GitHub `GET /user`, GitLab
//! `GET /api/v4/user`, a registry's `/v2/` handshake, npm `whoami`, an authenticated `HEAD` on a
//! Maven repository, Cloudflare's token verify, DigitalOcean's account...), against the host the
//! connection names.
//!
//! The verdict says what is wrong and how to fix it, in one sentence, and never carries a
//! secret: a provider's reason is cut short and every value the check sent is masked out of it.
//! Requests time out quickly and never follow redirects (a redirect could carry the credential
//! to another host).

mod atlas;
mod azure;
mod backends;
mod digest;
mod gcp;
mod guard;
mod http;
mod kubernetes;
mod own_identity;
pub use own_identity::OWN_IDENTITY_PROVIDERS;
mod packages;
mod registry;
mod saas;
mod scm;
mod snowflake;

use std::collections::BTreeMap;
use std::time::Duration;

use lanyard_providers::ResolvedFields;
use secrecy::ExposeSecret;

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The provider accepted the credential.
    Ok,
    /// Refused (401): wrong or revoked.
    WrongCredentials,
    /// Refused because it expired.
    Expired,
    /// Accepted, but not allowed to read what jobs need (403).
    MissingPermission,
    /// The bucket, repository, registry or organization does not exist (404).
    NotFound,
    /// No answer: DNS, TLS, connection or timeout.
    Unreachable,
    /// This provider (or kind) has no live check yet.
    Unchecked,
}

impl Outcome {
    /// The verdict as stored and shown.
    pub fn slug(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::WrongCredentials => "wrong_credentials",
            Outcome::Expired => "expired",
            Outcome::MissingPermission => "missing_permission",
            Outcome::NotFound => "not_found",
            Outcome::Unreachable => "unreachable",
            Outcome::Unchecked => "unchecked",
        }
    }
}

/// A check's verdict: the outcome, who the provider says the credential belongs to, and a
/// message for people (never a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub identity: Option<String>,
    pub message: String,
}

impl Verdict {
    pub(crate) fn ok(identity: Option<String>, message: impl Into<String>) -> Self {
        Self {
            outcome: Outcome::Ok,
            identity,
            message: message.into(),
        }
    }

    /// No check for this connection, and why.
    pub(crate) fn unchecked_because(why: &str) -> Self {
        Self {
            outcome: Outcome::Unchecked,
            identity: None,
            message: why.to_owned(),
        }
    }

    fn unchecked(provider: &str, kind: Option<&str>) -> Self {
        let what = kind.map_or_else(|| provider.to_owned(), |k| format!("{provider} ({k})"));
        Self {
            outcome: Outcome::Unchecked,
            identity: None,
            message: format!(
                "{what} connections have no live check yet; a job that uses it is the test"
            ),
        }
    }
}

/// Runs checks. One per process; cheap to clone.
#[derive(Clone)]
pub struct Checker {
    http: reqwest::Client,
    /// Extra CAs, trusted by per-target clients too (a test CA, or the runner's
    /// `SSL_CERT_FILE`).
    extra_roots: Vec<reqwest::Certificate>,
    /// Base URLs that replace the public APIs' (tests point them at local servers).
    bases: BTreeMap<&'static str, String>,
}

/// Why a checker could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot build the HTTP client for connection checks: {0}")]
pub struct BuildError(String);

impl Checker {
    /// A checker with the system's roots, short timeouts and no redirects.
    pub fn new() -> Result<Self, BuildError> {
        Self::builder(reqwest::Client::builder(), Vec::new())
    }

    /// Like [`Checker::new`], also trusting `der` (a test CA).
    pub fn trusting(der: &[u8]) -> Result<Self, BuildError> {
        let certificate =
            reqwest::Certificate::from_der(der).map_err(|e| BuildError(e.to_string()))?;
        Self::with_roots(vec![certificate])
    }

    /// Like [`Checker::new`], also trusting the PEM certificates in `pem` (a runner's
    /// `SSL_CERT_FILE`, which the tools of its jobs trust too).
    pub fn trusting_pem(pem: &[u8]) -> Result<Self, BuildError> {
        let certificates = reqwest::Certificate::from_pem_bundle(pem)
            .map_err(|e| BuildError(format!("the PEM bundle cannot be read: {e}")))?;
        if certificates.is_empty() {
            return Err(BuildError("the PEM bundle holds no certificate".to_owned()));
        }
        Self::with_roots(certificates)
    }

    fn with_roots(extra_roots: Vec<reqwest::Certificate>) -> Result<Self, BuildError> {
        let mut builder = reqwest::Client::builder();
        for certificate in &extra_roots {
            builder = builder.add_root_certificate(certificate.clone());
        }
        Self::builder(builder, extra_roots)
    }

    fn builder(
        builder: reqwest::ClientBuilder,
        extra_roots: Vec<reqwest::Certificate>,
    ) -> Result<Self, BuildError> {
        let http = configured(builder)
            .build()
            .map_err(|e| BuildError(e.to_string()))?;
        Ok(Self {
            http,
            extra_roots,
            bases: BTreeMap::new(),
        })
    }

    /// A client for one target with its own CA (PEM) and client certificate (PEM certificate
    /// and key), as a kubeconfig gives them. The error is for people.
    pub(crate) fn client_for(
        &self,
        ca_pem: Option<&[u8]>,
        identity_pem: Option<&[u8]>,
    ) -> Result<reqwest::Client, String> {
        let mut builder = reqwest::Client::builder();
        if let Some(ca) = ca_pem {
            let certificate = reqwest::Certificate::from_pem(ca).map_err(|_| {
                "the kubeconfig's certificate-authority-data is not a PEM certificate; fix the \
                 kubeconfig"
                    .to_owned()
            })?;
            builder = builder.add_root_certificate(certificate);
        }
        for certificate in &self.extra_roots {
            builder = builder.add_root_certificate(certificate.clone());
        }
        if let Some(identity) = identity_pem {
            let identity = reqwest::Identity::from_pem(identity).map_err(|_| {
                "the kubeconfig's client certificate or key cannot be read; fix the kubeconfig"
                    .to_owned()
            })?;
            builder = builder.identity(identity);
        }
        configured(builder)
            .build()
            .map_err(|e| format!("cannot build a client for the cluster: {e}"))
    }

    /// The shared client, or one that also trusts the connection's own CA (its `ca_bundle`
    /// field, for a self-hosted server).
    pub(crate) fn client_with_ca(&self, fields: &Fields<'_>) -> Result<reqwest::Client, Verdict> {
        match fields.get("ca_bundle") {
            None => Ok(self.http.clone()),
            Some(pem) => self
                .client_for(Some(pem.as_bytes()), None)
                .map_err(|_| Verdict {
                    outcome: Outcome::Unreachable,
                    identity: None,
                    message: "the connection's ca_bundle is not PEM certificates; fix the field"
                        .to_owned(),
                }),
        }
    }

    /// Sends `api`'s requests (`cloudflare`, `digitalocean`, `civo`, `github`, `ghcr`, `gar`, `maven-gar`,
    /// `npm-github`, `maven-github`, `confluent`, `azure`, `azure-usgovernment`, `azure-china`,
    /// `azure-blob`, `pulumi`, `mongodb-atlas`, `snowflake`, `gcs`, `artifactregistry`) to
    /// `base` instead of its public
    /// endpoint.
    #[must_use]
    pub fn with_base(mut self, api: &'static str, base: impl Into<String>) -> Self {
        self.bases.insert(api, base.into());
        self
    }

    pub(crate) fn base(&self, api: &str, public: &str) -> String {
        self.bases
            .get(api)
            .cloned()
            .unwrap_or_else(|| public.to_owned())
    }

    /// Checks a connection of `provider` (and `kind`) with its resolved field values.
    pub async fn check(
        &self,
        provider: &str,
        kind: Option<&str>,
        values: &ResolvedFields,
    ) -> Verdict {
        let fields = Fields(values);
        let verdict = match (provider, kind) {
            ("github", _) => scm::github(self, &fields).await,
            ("gitlab", _) => scm::gitlab(self, &fields).await,
            ("container-registry", Some(kind)) => registry::check(self, kind, &fields).await,
            ("npm", Some("gar")) => gcp::artifact_repository(self, &fields).await,
            ("npm", Some(kind)) => packages::npm(self, kind, &fields).await,
            ("maven", Some(kind)) => packages::maven(self, kind, &fields).await,
            ("cloudflare" | "cloudflare-r2", _) => saas::cloudflare(self, &fields).await,
            ("digitalocean", _) => saas::digitalocean(self, &fields).await,
            ("civo", _) => saas::civo(self, &fields).await,
            ("auth0", _) => saas::auth0(self, &fields).await,
            ("openfga", _) => saas::openfga(self, &fields).await,
            ("kubernetes", _) => kubernetes::check(self, &fields).await,
            ("confluent", _) => saas::confluent(self, &fields).await,
            ("mongodb-atlas", _) => atlas::check(self, &fields).await,
            ("snowflake", _) => snowflake::check(self, &fields).await,
            ("azure", _) => azure::check(self, &fields).await,
            ("pulumi-backend", Some("http")) => backends::pulumi_cloud(self, &fields).await,
            ("pulumi-backend", Some("azurerm")) => backends::pulumi_blob(self, &fields).await,
            ("terraform-backend", Some("azurerm")) => backends::terraform_blob(self, &fields).await,
            ("gcp", _) | ("terraform-backend" | "pulumi-backend", Some("gcs")) => {
                gcp::check(self, &fields).await
            }
            _ => None,
        };
        let verdict = verdict.unwrap_or_else(|| Verdict::unchecked(provider, kind));
        masked(verdict, provider, values)
    }
}

/// A provider may echo what it was sent; no secret sent leaves in a message (fields the
/// catalog does not know are treated as secret).
pub(crate) fn masked(mut verdict: Verdict, provider: &str, values: &ResolvedFields) -> Verdict {
    let spec = lanyard_providers::find(provider);
    let secret = |name: &str| spec.and_then(|s| s.field(name)).is_none_or(|f| f.secret);
    for (_, value) in values.iter().filter(|(name, _)| secret(name)) {
        let value = value.expose_secret();
        if value.len() >= 6 && verdict.message.contains(value) {
            verdict.message = verdict.message.replace(value, "[REDACTED]");
        }
    }
    verdict
}

/// Short timeouts, no redirects, a user agent that says what this is.
fn configured(builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
    builder
        .dns_resolver(std::sync::Arc::new(guard::GuardedResolver))
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!(
            "lanyard/",
            env!("CARGO_PKG_VERSION"),
            " connection-check"
        ))
}

/// Field values by name.
pub(crate) struct Fields<'a>(&'a ResolvedFields);

impl Fields<'_> {
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(|v| v.expose_secret().trim())
            .filter(|v| !v.is_empty())
    }
}

/// `https://host` for a host or URL field, without a trailing slash.
pub(crate) fn origin(value: &str) -> String {
    let value = value.trim().trim_end_matches('/');
    if value.contains("://") {
        value.to_owned()
    } else {
        format!("https://{value}")
    }
}
