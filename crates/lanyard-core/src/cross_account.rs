//! The AWS cross-account trust setup: a pending connection with a generated external id and
//! the CloudFormation template of its role, then its completion behind the two-sided trust
//! check (through the server's [`crate::CloudVerifier`]).

use std::collections::BTreeMap;

use lanyard_crypto::{ExposeSecret, SecretString};
use lanyard_domain::{Action, Principal, Slug};
use lanyard_providers::aws_template::{self, RoleTemplate};
use lanyard_store::{ConnectionRecord, OrgRecord};

use crate::connections::{ConnectionSpec, FieldValue};
use crate::verify::TrustCheck;
use crate::{CoreError, CoreResult, Lanyard};

/// What `lanyard connect aws --auth-mode cross-account-trust` starts with.
pub struct CrossAccountSetup {
    pub name: Slug,
    pub account_id: String,
    pub region: Option<String>,
    /// The runner that will assume the role, if not the built-in one.
    pub runner: Option<String>,
    /// Capability names (see `lanyard_providers::aws_template`); empty: all.
    pub capabilities: Vec<String>,
    /// Principals to trust besides the server's own and the pinned runner's reported one.
    pub trusted_principals: Vec<String>,
    /// Where the template will be published, for the console's Quick Create link.
    pub template_url: Option<String>,
}

/// A pending cross-account connection and its CloudFormation template. The template and the
/// link embed the external id, so all three are secret types.
pub struct CrossAccountStarted {
    pub connection: ConnectionRecord,
    /// Goes into the template's trust condition; shown in this one response.
    pub external_id: SecretString,
    /// The server's own principal first, then the extra ones.
    pub trusted_principals: Vec<String>,
    pub role_name: String,
    /// CloudFormation JSON.
    pub template: SecretString,
    pub console_link: SecretString,
}

/// Checks the request's capabilities and principals; returns the capability names.
fn check_setup(setup: &CrossAccountSetup) -> CoreResult<Vec<&'static str>> {
    let capabilities = aws_template::capabilities(&setup.capabilities)
        .map_err(|e| CoreError::Invalid(e.to_string()))?;
    if let Some(bad) = setup
        .trusted_principals
        .iter()
        .find(|p| !p.starts_with("arn:aws") || p.split(':').count() < 6)
    {
        return Err(CoreError::Invalid(format!(
            "trusted principal `{bad}` is not an IAM ARN; give a user or role ARN, e.g. \
             arn:aws:iam::123456789012:role/lanyard-runner"
        )));
    }
    Ok(capabilities)
}

impl Lanyard {
    /// Starts the cross-account setup: saves the connection as pending with a new external id
    /// (again for an existing connection: a reconnect), and finds the server's principal.
    pub async fn begin_cross_account(
        &self,
        principal: &Principal,
        org: &Slug,
        setup: CrossAccountSetup,
    ) -> CoreResult<CrossAccountStarted> {
        principal.authorize(Action::Manage, "create connections")?;
        let org = self.own_org(principal, org).await?;
        let capabilities = check_setup(&setup)?;
        let random = lanyard_crypto::random::alphanumeric(32);
        let external_id = SecretString::from(format!(
            "{}@{}@{}",
            org.slug,
            setup.name,
            random.expose_secret()
        ));
        self.secrets_seen
            .add(external_id.expose_secret().as_bytes());
        let mut fields = BTreeMap::new();
        let literal = |v: &str| FieldValue::Literal(SecretString::from(v.to_owned()));
        fields.insert("account_id".to_owned(), literal(&setup.account_id));
        if let Some(region) = &setup.region {
            fields.insert("region".to_owned(), literal(region));
        }
        if let Some(runner) = &setup.runner {
            fields.insert("runner".to_owned(), literal(runner));
        }
        fields.insert(
            "external_id".to_owned(),
            FieldValue::Literal(SecretString::from(external_id.expose_secret().to_owned())),
        );
        let spec = ConnectionSpec {
            provider: "aws".to_owned(),
            kind: None,
            auth_mode: Some("cross-account-trust".to_owned()),
            fields,
        };
        let existing = self.store.find_connection(&org.id, &setup.name).await?;
        if let Some(other) = existing
            .as_ref()
            .filter(|c| c.provider != "aws" || c.auth_mode != "cross-account-trust")
        {
            return Err(CoreError::Conflict(format!(
                "connection `{}` already exists (provider {}, auth mode {}); pick another name, or \
                 `lanyard connection delete {}` first (running the setup again on a \
                 cross-account connection reconnects it with a new external id)",
                other.name, other.provider, other.auth_mode, other.name
            )));
        }
        let connection = self
            .write_connection_with(principal, &org, setup.name.clone(), existing, spec, true)
            .await?;
        // After the write, so that a request that is invalid anyway costs no STS call.
        let aws_principal = self.verifier()?.aws_principal().await.map_err(|e| {
            CoreError::Invalid(format!(
                "the server cannot tell which AWS identity the role must trust: {e}; connection \
                 `{}` stays pending, run the setup again once the server has one",
                connection.name
            ))
        })?;
        let mut trusted_principals = vec![aws_principal];
        // The pinned runner assumes the role for jobs, with the identity it reported.
        let runner_principal = match &setup.runner {
            Some(runner) => match Slug::parse(runner) {
                Ok(runner) => self
                    .store
                    .find_runner(&org.id, &runner)
                    .await?
                    .and_then(|r| r.aws_identity)
                    .map(|arn| aws_template::trust_principal(&arn)),
                Err(_) => None,
            },
            None => None,
        };
        for extra in runner_principal.into_iter().chain(setup.trusted_principals) {
            if !trusted_principals.contains(&extra) {
                trusted_principals.push(extra);
            }
        }
        let role = RoleTemplate {
            connection: setup.name.as_str(),
            organization: org.slug.as_str(),
            trusted_principals: &trusted_principals,
            external_id: external_id.expose_secret(),
            capabilities: &capabilities,
        };
        let template = serde_json::to_string_pretty(&role.render())
            .map_err(|e| CoreError::Internal(Box::new(e)))?;
        let console_link = aws_template::console_link(
            setup.region.as_deref().unwrap_or("us-east-1"),
            &role.role_name(),
            setup.template_url.as_deref(),
            external_id.expose_secret(),
        );
        Ok(CrossAccountStarted {
            connection,
            role_name: role.role_name(),
            template: SecretString::from(template),
            console_link: SecretString::from(console_link),
            trusted_principals,
            external_id,
        })
    }

    /// The value of a connection field as it is about to be saved (opening a referenced
    /// secret), or `None`.
    pub(crate) async fn spec_value(
        &self,
        org: &OrgRecord,
        value: Option<&FieldValue>,
    ) -> CoreResult<Option<SecretString>> {
        Ok(match value {
            None => None,
            Some(FieldValue::Literal(v)) => Some(v.clone()),
            Some(FieldValue::Variable(name)) => self
                .store
                .find_variable(&org.id, name)
                .await?
                .map(|v| SecretString::from(v.value)),
            Some(FieldValue::Secret(name)) => {
                let secret = self.require_secret(&org.id, &org.slug, name).await?;
                Some(
                    self.open_secret(&org.id, &secret.id, name, secret.current_version)
                        .await?,
                )
            }
        })
    }

    /// The two-sided check a cross-account connection must pass before it is saved ready.
    /// Returns the verdict to store.
    pub(crate) async fn check_cross_account(
        &self,
        org: &OrgRecord,
        name: &Slug,
        spec: &ConnectionSpec,
    ) -> CoreResult<String> {
        let role = self
            .spec_value(org, spec.fields.get("iam_role_arn"))
            .await?
            .map(|r| r.expose_secret().to_owned())
            .unwrap_or_default();
        let external_id = self
            .spec_value(org, spec.fields.get("external_id"))
            .await?
            .ok_or_else(|| {
                CoreError::Invalid(format!(
                    "connection `{name}` has no external id; Lanyard generates it: run `lanyard \
                     connect aws --auth-mode cross-account-trust --name {name} --field \
                     account_id=...` and create the role from the template it writes"
                ))
            })?;
        let verdict = self
            .verifier()?
            .aws_check_trust(&role, &external_id)
            .await
            .map_err(|e| {
                CoreError::Invalid(format!("could not check role {role} for `{name}`: {e}"))
            })?;
        match verdict {
            TrustCheck::Trusted => Ok("trusted".to_owned()),
            TrustCheck::AssumeFailed(why) => Err(CoreError::Invalid(format!(
                "Lanyard could not assume role {role} with connection `{name}`'s external id \
                 ({why}); create the role from the connection's CloudFormation template (the one \
                 `lanyard connect` wrote or the console's role step offers: it trusts this \
                 server's identity on condition of that external id) and give its ARN"
            ))),
            TrustCheck::ConfusedDeputy => Err(CoreError::Invalid(format!(
                "refused: role {role} can be assumed with a wrong external id, so its trust \
                 policy lacks the sts:ExternalId condition and anyone able to make Lanyard's \
                 identity assume roles could reach this account (a confused-deputy risk); add \
                 the condition (create the role from the connection's CloudFormation template, \
                 which `lanyard connect` wrote or the console's role step offers) and give the \
                 role's ARN again"
            ))),
        }
    }
}
