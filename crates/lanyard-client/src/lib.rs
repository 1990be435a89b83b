//! A typed client for Lanyard's HTTP API. The CLI and the runner reach the server only through it.
//!
//! ```no_run
//! # async fn demo() -> Result<(), lanyard_client::ClientError> {
//! use lanyard_client::Client;
//! let client = Client::new("http://127.0.0.1:8420", Some("lyd_…".to_owned().into()))?;
//! for env in client.list_environments("default").await? {
//!     println!("{}", env.name);
//! }
//! # Ok(()) }
//! ```

mod bundles;
mod error;
mod jobs;

use lanyard_api::{
    AuditCheckpoint, AuditEvent, AuditVerification, Authorization, AuthorizationRequest,
    DefaultConnection, ProviderMatrix, Resolution, SavedDefault, SetDefault,
};
use lanyard_api::{AuditPruned, KeyStatus, PruneAudit, RotateKeys, RotationStep};
use lanyard_api::{
    Connection, CreateConnection, CreateEnvironment, CreateOrganization, CreateToken,
    CreatedOrganization, CreatedToken, Environment, Health, List, Organization, Provider, Secret,
    SecretVersion, SetSecret, SetVariable, Token, UpdateConnection, Variable, WhoAmI, WireSecret,
};
use reqwest::{Method, RequestBuilder};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub use bundles::ArchiveDownload;
pub use error::ClientError;
pub use jobs::{Claim, OutputStream};

/// A connection to one Lanyard server, optionally with an API token.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: url::Url,
    token: Option<std::sync::Arc<SecretString>>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("server", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for the server at `server` (e.g. `http://127.0.0.1:8420`).
    pub fn new(server: &str, token: Option<SecretString>) -> Result<Self, ClientError> {
        let base = url::Url::parse(server)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| ClientError::InvalidServer(server.chars().take(100).collect()))?;
        let http = reqwest::Client::builder()
            .user_agent(concat!("lanyard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        Ok(Self {
            http,
            base,
            token: token.map(std::sync::Arc::new),
        })
    }

    /// The server's base URL.
    pub fn server(&self) -> &str {
        self.base.as_str()
    }

    fn url(&self, segments: &[&str]) -> url::Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(segments);
        }
        url
    }

    fn request(&self, method: Method, segments: &[&str]) -> RequestBuilder {
        let mut all = vec!["api", "v1"];
        all.extend_from_slice(segments);
        let builder = self.http.request(method, self.url(&all));
        match &self.token {
            Some(token) => builder.bearer_auth(token.expose_secret()),
            None => builder,
        }
    }

    async fn send<T: DeserializeOwned>(&self, builder: RequestBuilder) -> Result<T, ClientError> {
        let response = self.execute(builder).await?;
        let bytes = response
            .bytes()
            .await
            .map_err(|e| ClientError::Transport(e.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode(e.to_string()))
    }

    async fn execute(&self, builder: RequestBuilder) -> Result<reqwest::Response, ClientError> {
        let response = builder
            .send()
            .await
            .map_err(|e| ClientError::connect(self.server(), &e))?;
        if response.status().is_success() {
            return Ok(response);
        }
        Err(ClientError::from_response(response).await)
    }

    async fn get<T: DeserializeOwned>(&self, segments: &[&str]) -> Result<T, ClientError> {
        self.send(self.request(Method::GET, segments)).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        segments: &[&str],
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(self.request(Method::POST, segments).json(body))
            .await
    }

    async fn put<B: Serialize, T: DeserializeOwned>(
        &self,
        segments: &[&str],
        body: &B,
    ) -> Result<T, ClientError> {
        self.send(self.request(Method::PUT, segments).json(body))
            .await
    }

    async fn delete(&self, segments: &[&str]) -> Result<(), ClientError> {
        self.execute(self.request(Method::DELETE, segments))
            .await
            .map(drop)
    }

    /// `GET /healthz`.
    pub async fn health(&self) -> Result<Health, ClientError> {
        self.send(self.http.get(self.url(&["healthz"]))).await
    }

    /// The calling token.
    pub async fn whoami(&self) -> Result<WhoAmI, ClientError> {
        self.get(&["whoami"]).await
    }

    /// The organizations this token can see.
    pub async fn list_organizations(&self) -> Result<Vec<Organization>, ClientError> {
        Ok(self.get::<List<_>>(&["orgs"]).await?.items)
    }

    /// Creates an organization; the response carries its first admin token, once.
    pub async fn create_organization(
        &self,
        name: &str,
    ) -> Result<CreatedOrganization, ClientError> {
        self.post(
            &["orgs"],
            &CreateOrganization {
                name: name.to_owned(),
            },
        )
        .await
    }

    /// One organization.
    pub async fn get_organization(&self, org: &str) -> Result<Organization, ClientError> {
        self.get(&["orgs", org]).await
    }

    /// Sets (or, with `None`, clears) the organization's default job timeout, in seconds.
    /// Sets how often the organization's connections are checked again (`None`: daily).
    pub async fn set_check_interval(
        &self,
        org: &str,
        seconds: Option<u64>,
    ) -> Result<(), ClientError> {
        let body = lanyard_api::SetCheckInterval { seconds };
        self.execute(
            self.request(Method::PUT, &["orgs", org, "check-interval"])
                .json(&body),
        )
        .await
        .map(drop)
    }

    /// Sets or clears the organization's default job timeout.
    pub async fn set_job_timeout(
        &self,
        org: &str,
        seconds: Option<u64>,
    ) -> Result<Organization, ClientError> {
        self.put(
            &["orgs", org, "job-timeout"],
            &lanyard_api::SetJobTimeout { seconds },
        )
        .await
    }

    /// Deletes an organization and everything in it.
    pub async fn delete_organization(&self, org: &str) -> Result<(), ClientError> {
        self.delete(&["orgs", org]).await
    }

    /// What deleting `doomed` (`("environment" | "connection" | "runner", NAME)`) in `org`
    /// would remove besides it; with `None`, what deleting the organization would.
    pub async fn deletion_impact(
        &self,
        org: &str,
        doomed: Option<(&str, &str)>,
    ) -> Result<Vec<String>, ClientError> {
        let mut request = self.request(Method::GET, &["orgs", org, "deletion-impact"]);
        if let Some((what, name)) = doomed {
            request = request.query(&[(what, name)]);
        }
        let impact: lanyard_api::DeletionImpact = self.send(request).await?;
        Ok(impact.removes)
    }

    /// Every environment of `org`.
    pub async fn list_environments(&self, org: &str) -> Result<Vec<Environment>, ClientError> {
        Ok(self
            .get::<List<_>>(&["orgs", org, "environments"])
            .await?
            .items)
    }

    /// Creates an environment.
    pub async fn create_environment(
        &self,
        org: &str,
        name: &str,
    ) -> Result<Environment, ClientError> {
        let body = CreateEnvironment {
            name: name.to_owned(),
        };
        self.post(&["orgs", org, "environments"], &body).await
    }

    /// One environment.
    pub async fn get_environment(&self, org: &str, name: &str) -> Result<Environment, ClientError> {
        self.get(&["orgs", org, "environments", name]).await
    }

    /// Deletes an environment.
    pub async fn delete_environment(&self, org: &str, name: &str) -> Result<(), ClientError> {
        self.delete(&["orgs", org, "environments", name]).await
    }

    /// The live tokens of `org`.
    pub async fn list_tokens(&self, org: &str) -> Result<Vec<Token>, ClientError> {
        Ok(self.get::<List<_>>(&["orgs", org, "tokens"]).await?.items)
    }

    /// Issues a token; the response carries it, once.
    pub async fn create_token(
        &self,
        org: &str,
        request: &CreateToken,
    ) -> Result<CreatedToken, ClientError> {
        self.post(&["orgs", org, "tokens"], request).await
    }

    /// Revokes a token.
    pub async fn revoke_token(&self, org: &str, id: &str) -> Result<(), ClientError> {
        self.delete(&["orgs", org, "tokens", id]).await
    }

    /// Sets a secret (a new version); the value is sent once and never returned.
    pub async fn set_secret(
        &self,
        org: &str,
        name: &str,
        value: SecretString,
    ) -> Result<Secret, ClientError> {
        self.put(
            &["orgs", org, "secrets", name],
            &SetSecret {
                value: WireSecret::new(value),
            },
        )
        .await
    }

    /// Every secret's metadata.
    pub async fn list_secrets(&self, org: &str) -> Result<Vec<Secret>, ClientError> {
        Ok(self.get::<List<_>>(&["orgs", org, "secrets"]).await?.items)
    }

    /// A secret's version history.
    pub async fn secret_versions(
        &self,
        org: &str,
        name: &str,
    ) -> Result<Vec<SecretVersion>, ClientError> {
        Ok(self
            .get::<List<_>>(&["orgs", org, "secrets", name, "versions"])
            .await?
            .items)
    }

    /// Deletes a secret.
    pub async fn delete_secret(&self, org: &str, name: &str) -> Result<(), ClientError> {
        self.delete(&["orgs", org, "secrets", name]).await
    }

    /// Creates or overwrites a variable.
    pub async fn set_variable(
        &self,
        org: &str,
        name: &str,
        value: &str,
    ) -> Result<Variable, ClientError> {
        self.put(
            &["orgs", org, "variables", name],
            &SetVariable {
                value: value.to_owned(),
            },
        )
        .await
    }

    /// Every variable.
    pub async fn list_variables(&self, org: &str) -> Result<Vec<Variable>, ClientError> {
        Ok(self
            .get::<List<_>>(&["orgs", org, "variables"])
            .await?
            .items)
    }

    /// Deletes a variable.
    pub async fn delete_variable(&self, org: &str, name: &str) -> Result<(), ClientError> {
        self.delete(&["orgs", org, "variables", name]).await
    }

    /// The provider catalog.
    pub async fn list_providers(&self) -> Result<Vec<Provider>, ClientError> {
        Ok(self.get::<List<_>>(&["providers"]).await?.items)
    }

    /// One provider.
    pub async fn get_provider(&self, id: &str) -> Result<Provider, ClientError> {
        self.get(&["providers", id]).await
    }

    /// Creates a connection.
    pub async fn create_connection(
        &self,
        org: &str,
        request: &CreateConnection,
    ) -> Result<Connection, ClientError> {
        self.post(&["orgs", org, "connections"], request).await
    }

    /// The organization's connections, optionally of one provider.
    pub async fn list_connections(
        &self,
        org: &str,
        provider: Option<&str>,
    ) -> Result<Vec<Connection>, ClientError> {
        let mut request = self.request(Method::GET, &["orgs", org, "connections"]);
        if let Some(provider) = provider {
            request = request.query(&[("provider", provider)]);
        }
        Ok(self.send::<List<_>>(request).await?.items)
    }

    /// One connection.
    pub async fn get_connection(&self, org: &str, name: &str) -> Result<Connection, ClientError> {
        self.get(&["orgs", org, "connections", name]).await
    }

    /// What a cloud must be told to trust an oidc connection's job tokens.
    pub async fn oidc_trust(
        &self,
        org: &str,
        name: &str,
        capabilities: &[String],
    ) -> Result<lanyard_api::OidcTrust, ClientError> {
        let mut request = self.request(
            Method::GET,
            &["orgs", org, "connections", name, "oidc-trust"],
        );
        if !capabilities.is_empty() {
            request = request.query(&[("capabilities", capabilities.join(","))]);
        }
        self.send(request).await
    }

    /// Changes a connection.
    pub async fn update_connection(
        &self,
        org: &str,
        name: &str,
        request: &UpdateConnection,
    ) -> Result<Connection, ClientError> {
        self.send(
            self.request(Method::PATCH, &["orgs", org, "connections", name])
                .json(request),
        )
        .await
    }

    /// Starts (or restarts) the AWS cross-account trust setup of connection `name`.
    pub async fn cross_account_setup(
        &self,
        org: &str,
        name: &str,
        request: &lanyard_api::CrossAccountSetupRequest,
    ) -> Result<lanyard_api::CrossAccountSetup, ClientError> {
        self.send(
            self.request(
                Method::POST,
                &["orgs", org, "connections", name, "cross-account-setup"],
            )
            .json(request),
        )
        .await
    }

    /// Verifies a connection against its provider; the verdict is stored on it.
    pub async fn test_connection(
        &self,
        org: &str,
        name: &str,
    ) -> Result<lanyard_api::ConnectionTestResult, ClientError> {
        self.send(self.request(Method::POST, &["orgs", org, "connections", name, "test"]))
            .await
    }

    /// Deletes a connection.
    pub async fn delete_connection(&self, org: &str, name: &str) -> Result<(), ClientError> {
        self.delete(&["orgs", org, "connections", name]).await
    }

    /// The organization's authorizations.
    pub async fn list_authorizations(
        &self,
        org: &str,
        provider: Option<&str>,
    ) -> Result<Vec<Authorization>, ClientError> {
        let mut request = self.request(Method::GET, &["orgs", org, "authorizations"]);
        if let Some(provider) = provider {
            request = request.query(&[("provider", provider)]);
        }
        Ok(self.send::<List<_>>(request).await?.items)
    }

    /// Authorizes a connection.
    pub async fn create_authorization(
        &self,
        org: &str,
        request: &AuthorizationRequest,
    ) -> Result<Authorization, ClientError> {
        self.post(&["orgs", org, "authorizations"], request).await
    }

    /// A connection's authorization.
    pub async fn get_authorization(
        &self,
        org: &str,
        provider: &str,
        connection: &str,
    ) -> Result<Authorization, ClientError> {
        let request = self.request(Method::GET, &["orgs", org, "authorizations", connection]);
        self.send(request.query(&[("provider", provider)])).await
    }

    /// Replaces a connection's authorization.
    pub async fn update_authorization(
        &self,
        org: &str,
        request: &AuthorizationRequest,
    ) -> Result<Authorization, ClientError> {
        self.put(
            &["orgs", org, "authorizations", &request.connection],
            request,
        )
        .await
    }

    /// Removes a connection's authorization.
    pub async fn delete_authorization(
        &self,
        org: &str,
        provider: &str,
        connection: &str,
    ) -> Result<(), ClientError> {
        let request = self.request(Method::DELETE, &["orgs", org, "authorizations", connection]);
        self.execute(request.query(&[("provider", provider)]))
            .await
            .map(drop)
    }

    /// The organization's defaults.
    pub async fn list_defaults(
        &self,
        org: &str,
        provider: Option<&str>,
    ) -> Result<Vec<DefaultConnection>, ClientError> {
        let mut request = self.request(Method::GET, &["orgs", org, "defaults"]);
        if let Some(provider) = provider {
            request = request.query(&[("provider", provider)]);
        }
        Ok(self.send::<List<_>>(request).await?.items)
    }

    /// Sets a provider's default connection.
    pub async fn set_default(
        &self,
        org: &str,
        provider: &str,
        request: &SetDefault,
    ) -> Result<SavedDefault, ClientError> {
        self.put(&["orgs", org, "defaults", provider], request)
            .await
    }

    /// Removes a provider's default.
    pub async fn unset_default(
        &self,
        org: &str,
        provider: &str,
        env: Option<&str>,
    ) -> Result<(), ClientError> {
        let mut request = self.request(Method::DELETE, &["orgs", org, "defaults", provider]);
        if let Some(env) = env {
            request = request.query(&[("env", env)]);
        }
        self.execute(request).await.map(drop)
    }

    /// Resolves a provider in an environment.
    pub async fn resolve(
        &self,
        org: &str,
        provider: &str,
        env: &str,
        connection: Option<&str>,
    ) -> Result<Resolution, ClientError> {
        let mut query = vec![("provider", provider), ("env", env)];
        if let Some(connection) = connection {
            query.push(("connection", connection));
        }
        self.send(
            self.request(Method::GET, &["orgs", org, "resolve"])
                .query(&query),
        )
        .await
    }

    /// The provider matrix.
    pub async fn matrix(
        &self,
        org: &str,
        provider: Option<&str>,
    ) -> Result<ProviderMatrix, ClientError> {
        let mut request = self.request(Method::GET, &["orgs", org, "matrix"]);
        if let Some(provider) = provider {
            request = request.query(&[("provider", provider)]);
        }
        self.send(request).await
    }

    /// Audit events, newest first.
    pub async fn audit_events(
        &self,
        org: &str,
        since: Option<&str>,
        connection: Option<&str>,
        limit: Option<i64>,
    ) -> Result<Vec<AuditEvent>, ClientError> {
        let mut query: Vec<(&str, String)> = Vec::new();
        if let Some(since) = since {
            query.push(("since", since.to_owned()));
        }
        if let Some(connection) = connection {
            query.push(("connection", connection.to_owned()));
        }
        if let Some(limit) = limit {
            query.push(("limit", limit.to_string()));
        }
        let request = self
            .request(Method::GET, &["orgs", org, "audit"])
            .query(&query);
        Ok(self.send::<List<_>>(request).await?.items)
    }

    /// Verifies the organization's audit chain.
    /// A page of the trail for export: up to `limit` events after `after`, oldest first.
    pub async fn export_audit(
        &self,
        org: &str,
        after: i64,
        limit: i64,
    ) -> Result<Vec<AuditEvent>, ClientError> {
        let request = self
            .request(Method::GET, &["orgs", org, "audit", "export"])
            .query(&[("after", after), ("limit", limit)]);
        Ok(self.send::<List<AuditEvent>>(request).await?.items)
    }

    pub async fn verify_audit(&self, org: &str) -> Result<AuditVerification, ClientError> {
        self.get(&["orgs", org, "audit", "verify"]).await
    }

    /// The audit chain's head now, with its MAC, to keep outside the database.
    pub async fn audit_checkpoint(&self, org: &str) -> Result<AuditCheckpoint, ClientError> {
        self.get(&["orgs", org, "audit", "checkpoint"]).await
    }

    /// Verifies the audit chain against a checkpoint taken earlier.
    pub async fn verify_audit_checkpoint(
        &self,
        org: &str,
        checkpoint: &AuditCheckpoint,
    ) -> Result<AuditVerification, ClientError> {
        self.post(&["orgs", org, "audit", "verify"], checkpoint)
            .await
    }

    /// Verifies only the audit events after a checkpoint taken earlier.
    pub async fn verify_audit_since_checkpoint(
        &self,
        org: &str,
        checkpoint: &AuditCheckpoint,
    ) -> Result<AuditVerification, ClientError> {
        let request = self
            .request(Method::POST, &["orgs", org, "audit", "verify"])
            .query(&[("since_checkpoint", "true")])
            .json(checkpoint);
        self.send(request).await
    }

    /// Removes the oldest audit events, through `through` (after an export).
    pub async fn prune_audit(&self, org: &str, through: i64) -> Result<AuditPruned, ClientError> {
        self.post(&["orgs", org, "audit", "prune"], &PruneAudit { through })
            .await
    }

    /// Which master keys wrap how many sealed versions.
    pub async fn key_status(&self) -> Result<KeyStatus, ClientError> {
        self.get(&["keys"]).await
    }

    /// Re-wraps one batch of sealed versions under the active key.
    pub async fn rotate_keys(&self, batch: i64) -> Result<RotationStep, ClientError> {
        self.post(&["keys", "rotate"], &RotateKeys { batch: Some(batch) })
            .await
    }

    /// The OIDC issuer and its signing keys.
    pub async fn signing_keys(&self) -> Result<lanyard_api::SigningKeys, ClientError> {
        self.get(&["keys", "signing"]).await
    }

    /// Replaces the OIDC signing key now.
    pub async fn rotate_signing_key(&self) -> Result<lanyard_api::SigningKeys, ClientError> {
        self.post(&["keys", "signing", "rotate"], &serde_json::json!({}))
            .await
    }
}
