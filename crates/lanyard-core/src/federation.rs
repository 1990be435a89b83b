//! Setting up a cloud's trust in this server's identity tokens for one `oidc` connection: the
//! issuer, audience and subjects to trust, as an AWS CloudFormation template or the exact
//! gcloud / az commands, with the connection's own values filled in.

use lanyard_domain::{Action, Principal, Slug};
use lanyard_providers::federation::FederatedTrust;
use lanyard_providers::AuthMode;

use crate::issuer::audience_of;
use crate::verify::field_text;
use crate::{CoreError, CoreResult, Lanyard};

/// What to give the cloud.
#[derive(Debug, Clone, PartialEq)]
pub struct TrustSetup {
    pub issuer: String,
    pub audience: String,
    /// The token subjects the trust admits (`*` standing for every environment on AWS).
    pub subjects: Vec<String>,
    /// AWS: a CloudFormation template creating the OIDC provider and the role.
    pub template: Option<serde_json::Value>,
    /// Google Cloud and Azure: shell commands.
    pub commands: Option<String>,
}

impl Lanyard {
    /// The trust set-up of an `oidc` connection. Its authorization decides the subjects: one
    /// per listed environment, or every environment.
    pub async fn oidc_trust_setup(
        &self,
        principal: &Principal,
        org: &Slug,
        name: &Slug,
        capabilities: &[String],
    ) -> CoreResult<TrustSetup> {
        principal.authorize(Action::Read, "read connections")?;
        let org = self.own_org(principal, org).await?;
        let connection = self.require_connection(&org, name).await?;
        if connection.auth_mode != AuthMode::Oidc.slug() {
            return Err(CoreError::Invalid(format!(
                "connection `{name}` uses {}, not oidc; only oidc connections trust this \
                 server's identity tokens",
                connection.auth_mode
            )));
        }
        let issuer = self.require_issuer_url()?.to_owned();
        let audience = audience_of(&connection)?;
        let environments = self.authorized_environment_names(&connection).await?;
        let trust = FederatedTrust {
            issuer: &issuer,
            audience: &audience,
            organization: org.slug.as_str(),
            connection: name.as_str(),
            environments: environments.as_deref(),
        };
        let (template, commands) = match connection.provider.as_str() {
            "aws" => {
                let capabilities = lanyard_providers::aws_template::capabilities(capabilities)
                    .map_err(|e| CoreError::Invalid(e.to_string()))?;
                (Some(trust.aws_template(&capabilities)), None)
            }
            "gcp" => {
                let pool =
                    field_text(&connection, "workload_identity_provider").ok_or_else(|| {
                        CoreError::Invalid(format!(
                            "connection `{name}` has no workload identity provider"
                        ))
                    })?;
                let account = field_text(&connection, "service_account_email");
                (None, Some(trust.gcp_commands(&pool, account.as_deref())))
            }
            "azure" => {
                let all: Vec<String> = self
                    .store
                    .list_environments(&org.id)
                    .await?
                    .into_iter()
                    .map(|e| e.name.to_string())
                    .collect();
                // Plain in oidc mode; one saved before that is sealed, and named by its shell
                // variable instead of being opened here.
                let client = field_text(&connection, "client_id")
                    .unwrap_or_else(|| "\"$AZURE_CLIENT_ID\"".to_owned());
                (None, Some(trust.azure_commands(&client, &all)))
            }
            other => {
                return Err(CoreError::Invalid(format!(
                    "{other} connections cannot use oidc"
                )))
            }
        };
        Ok(TrustSetup {
            subjects: trust.subjects(),
            issuer,
            audience,
            template,
            commands,
        })
    }

    /// The names of the environments a connection is authorized in; `None` for organization
    /// scope (every environment) or no authorization yet.
    async fn authorized_environment_names(
        &self,
        connection: &lanyard_store::ConnectionRecord,
    ) -> CoreResult<Option<Vec<String>>> {
        let Some(authorization) = self.store.find_authorization(&connection.id).await? else {
            return Ok(None);
        };
        Ok(authorization
            .environments
            .map(|envs| envs.into_iter().map(|e| e.to_string()).collect()))
    }
}
