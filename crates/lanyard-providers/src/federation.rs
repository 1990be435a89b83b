//! What a cloud needs to trust Lanyard's identity tokens (`oidc` connections): the audience it
//! expects, and the exact commands that set up the trust on Google Cloud and Azure (AWS has a
//! CloudFormation template, `aws_template`).

use crate::AuthMode;

/// What a connection's jobs receive, for people deciding whether to trust it with production:
/// `short-lived` (an STS session, an identity token: expires within hours), `long-lived` (the
/// stored keys or tokens as they are), or `runner identity` (whatever the runner itself has).
pub fn credential_lifetime(
    provider: &str,
    mode: AuthMode,
    has_field: impl Fn(&str) -> bool,
) -> &'static str {
    match mode {
        AuthMode::Oidc | AuthMode::CrossAccountTrust => "short-lived",
        AuthMode::Runner => "runner identity",
        AuthMode::Inline if provider == "aws" && has_field("session_duration") => "short-lived",
        AuthMode::Inline => "long-lived",
    }
}

/// The audience Entra ID expects of federated tokens unless told otherwise.
pub const AZURE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// The audience AWS STS expects of web identity tokens by default.
pub const AWS_AUDIENCE: &str = "sts.amazonaws.com";

/// The audience a cloud expects of a job's identity token when the connection names none.
pub fn default_audience(
    provider: &str,
    workload_identity_provider: Option<&str>,
) -> Option<String> {
    match provider {
        "aws" => Some(AWS_AUDIENCE.to_owned()),
        "azure" => Some(AZURE_AUDIENCE.to_owned()),
        // Google's default allowed audience is the provider's name as an https URL.
        "gcp" => workload_identity_provider.map(|p| format!("https://iam.googleapis.com/{p}")),
        _ => None,
    }
}

/// Who may exchange which tokens: what every cloud's trust is built from.
#[derive(Debug, Clone)]
pub struct FederatedTrust<'a> {
    /// The issuer URL (`iss`), exactly as tokens carry it.
    pub issuer: &'a str,
    /// The `aud` the connection's tokens carry.
    pub audience: &'a str,
    pub organization: &'a str,
    pub connection: &'a str,
    /// The environments the connection is authorized in; `None`: every one, also later ones.
    pub environments: Option<&'a [String]>,
}

impl FederatedTrust<'_> {
    /// The subjects to trust: one per listed environment, or the pattern of all of them
    /// (`*`, which AWS matches with `StringLike`; Entra ID has no wildcards).
    pub fn subjects(&self) -> Vec<String> {
        match self.environments {
            Some(envs) => envs
                .iter()
                .map(|env| crate::federation::subject(self.organization, env, self.connection))
                .collect(),
            None => vec![subject(self.organization, "*", self.connection)],
        }
    }

    /// The issuer without its scheme: how AWS names the provider and its condition keys.
    pub fn issuer_host_path(&self) -> &str {
        self.issuer
            .split_once("://")
            .map_or(self.issuer, |(_, rest)| rest)
    }

    /// A CloudFormation template that registers the issuer as an IAM OIDC provider (unless
    /// the account has it already: pass its ARN as `OidcProviderArn`) and creates a role that
    /// only this connection's tokens, with this audience, may assume.
    pub fn aws_template(&self, capabilities: &[&str]) -> serde_json::Value {
        let host = self.issuer_host_path();
        let sub_key = format!("{host}:sub");
        let aud_key = format!("{host}:aud");
        let subjects = self.subjects();
        let (operator, subjects) = match self.environments {
            Some(_) => ("StringEquals", serde_json::json!(subjects)),
            None => ("StringLike", serde_json::json!(subjects[0])),
        };
        let policies: Vec<serde_json::Value> = capabilities
            .iter()
            .filter_map(|name| {
                crate::aws_template::CAPABILITIES
                    .iter()
                    .find(|(n, _)| n == name)
            })
            .map(|(name, actions)| {
                serde_json::json!({
                    "PolicyName": format!("lanyard-{name}"),
                    "PolicyDocument": {"Version": "2012-10-17", "Statement": [
                        {"Effect": "Allow", "Action": actions, "Resource": "*"}]}
                })
            })
            .collect();
        serde_json::json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": format!(
                "Lanyard keyless role for connection {} of organization {}: trusts only this \
                 connection's job identity tokens from {}.",
                self.connection, self.organization, self.issuer
            ),
            "Parameters": {
                "RoleName": {"Type": "String", "Default": format!("lanyard-{}", self.connection),
                    "Description": "Name of the IAM role to create."},
                "OidcProviderArn": {"Type": "String", "Default": "",
                    "Description": "The ARN of an IAM OIDC provider for this issuer that the \
                                    account already has; empty: create one."}
            },
            "Conditions": {
                "CreateProvider": {"Fn::Equals": [{"Ref": "OidcProviderArn"}, ""]}
            },
            "Resources": {
                "Provider": {
                    "Type": "AWS::IAM::OIDCProvider",
                    "Condition": "CreateProvider",
                    "Properties": {"Url": self.issuer, "ClientIdList": [self.audience]}
                },
                "Role": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "RoleName": {"Ref": "RoleName"},
                        "MaxSessionDuration": crate::aws_template::MAX_SESSION_SECONDS,
                        "AssumeRolePolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [{
                                "Sid": "LanyardJobTokens",
                                "Effect": "Allow",
                                "Principal": {"Federated": {"Fn::If": ["CreateProvider",
                                    {"Ref": "Provider"}, {"Ref": "OidcProviderArn"}]}},
                                "Action": "sts:AssumeRoleWithWebIdentity",
                                "Condition": {
                                    "StringEquals": {aud_key: self.audience},
                                    operator: {sub_key: subjects}
                                }
                            }]
                        },
                        "Policies": policies
                    }
                }
            },
            "Outputs": {
                "RoleArn": {
                    "Description": "Give this to `lanyard connection update NAME --field iam_role_arn=ARN`.",
                    "Value": {"Fn::GetAtt": ["Role", "Arn"]}
                }
            }
        })
    }

    /// The gcloud commands that create the pool provider (trusting only this organization's
    /// tokens for this connection) and let its tokens act as `service_account`.
    pub fn gcp_commands(
        &self,
        workload_identity_provider: &str,
        service_account: Option<&str>,
    ) -> String {
        let parts: Vec<&str> = workload_identity_provider.split('/').collect();
        let (number, pool, provider) = match parts.as_slice() {
            [_, number, _, _, _, pool, _, provider] => (*number, *pool, *provider),
            _ => ("PROJECT_NUMBER", "POOL_ID", "PROVIDER_ID"),
        };
        let mut condition = format!(
            "assertion.org == '{}' && assertion.connection == '{}'",
            self.organization, self.connection
        );
        if let Some(envs) = self.environments {
            let list: Vec<String> = envs.iter().map(|e| format!("'{e}'")).collect();
            condition.push_str(&format!(
                " && assertion.environment in [{}]",
                list.join(", ")
            ));
        }
        let mut commands = format!(
            "gcloud iam workload-identity-pools create {pool} --location=global \\\n\
             \x20   --project={number} --display-name=\"Lanyard\"\n\
             gcloud iam workload-identity-pools providers create-oidc {provider} \\\n\
             \x20   --location=global --workload-identity-pool={pool} --project={number} \\\n\
             \x20   --issuer-uri=\"{issuer}\" --allowed-audiences=\"{audience}\" \\\n\
             \x20   --attribute-mapping=\"google.subject=assertion.sub,attribute.org=assertion.org,\
             attribute.environment=assertion.environment,attribute.connection=assertion.connection\" \\\n\
             \x20   --attribute-condition=\"{condition}\"\n",
            issuer = self.issuer,
            audience = self.audience,
        );
        let member = format!(
            "principalSet://iam.googleapis.com/projects/{number}/locations/global/\
             workloadIdentityPools/{pool}/attribute.connection/{}",
            self.connection
        );
        match service_account {
            Some(account) => commands.push_str(&format!(
                "gcloud iam service-accounts add-iam-policy-binding {account} \\\n\
                 \x20   --role=roles/iam.workloadIdentityUser --member=\"{member}\"\n"
            )),
            None => commands.push_str(&format!(
                "# Grant roles to the federated principal directly, e.g.:\n\
                 gcloud projects add-iam-policy-binding PROJECT_ID --role=ROLE --member=\"{member}\"\n"
            )),
        }
        commands
    }

    /// The az commands that add one federated credential per subject (Entra ID matches
    /// subjects exactly, so an organization-wide connection needs one per environment, and a
    /// new one when an environment is added).
    pub fn azure_commands(&self, client_id: &str, all_environments: &[String]) -> String {
        let environments: Vec<String> = match self.environments {
            Some(envs) => envs.to_vec(),
            None => all_environments.to_vec(),
        };
        environments
            .iter()
            .map(|env| {
                let parameters = serde_json::json!({
                    "name": format!("lanyard-{}-{env}", self.connection),
                    "issuer": self.issuer,
                    "subject": subject(self.organization, env, self.connection),
                    "audiences": [self.audience],
                });
                format!(
                    "az ad app federated-credential create --id {client_id} --parameters '{parameters}'\n"
                )
            })
            .collect()
    }
}

/// A job token's subject: see `lanyard_oidc::subject`, whose format this repeats (the catalog
/// crate has no dependency on the issuer's).
pub fn subject(organization: &str, environment: &str, connection: &str) -> String {
    format!("org:{organization}:env:{environment}:connection:{connection}")
}
