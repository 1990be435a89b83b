//! The CloudFormation template of an AWS cross-account role: a role that trusts Lanyard's
//! identity on condition of the connection's external id, with one inline policy per
//! capability, and the console links that create a stack from it. Pure data, like the rest
//! of the catalog.

use serde_json::{json, Value};

/// The longest session the role allows, in seconds; jobs ask for exactly this.
pub const MAX_SESSION_SECONDS: i32 = 3600;

/// What the role may do, following the reference's AWS capabilities: `(name, IAM actions)`.
pub const CAPABILITIES: &[(&str, &[&str])] = &[
    ("eks", &["eks:*", "iam:PassRole"]),
    ("ecs", &["ecs:*", "iam:PassRole"]),
    ("vpc-networking", &["ec2:*", "elasticloadbalancing:*"]),
    ("s3-storage", &["s3:*"]),
    ("rds-database", &["rds:*"]),
    ("lambda-compute", &["lambda:*", "iam:PassRole"]),
    ("route53-dns", &["route53:*"]),
    ("cloudwatch-monitoring", &["cloudwatch:*", "logs:*"]),
    ("ecr-registry", &["ecr:*"]),
    ("kms-encryption", &["kms:*"]),
];

/// The principal a trust policy names for a caller ARN (from STS GetCallerIdentity): an
/// assumed-role session becomes its role (`arn:aws:iam::<account>:role/<name>`), a user or
/// role stays as it is.
pub fn trust_principal(caller_arn: &str) -> String {
    let parts: Vec<&str> = caller_arn.splitn(6, ':').collect();
    if let [_, partition, "sts", _, account, resource] = parts.as_slice() {
        if let Some(rest) = resource.strip_prefix("assumed-role/") {
            let role = rest.split('/').next().unwrap_or(rest);
            return format!("arn:{partition}:iam::{account}:role/{role}");
        }
    }
    caller_arn.to_owned()
}

/// A capability name that is not in [`CAPABILITIES`].
#[derive(Debug, thiserror::Error)]
#[error("unknown AWS capability `{0}`; choose from: {list}", list = names().join(", "))]
pub struct UnknownCapability(pub String);

fn names() -> Vec<&'static str> {
    CAPABILITIES.iter().map(|(n, _)| *n).collect()
}

/// Checks and normalizes capability names (underscores allowed, as the reference spells
/// them); an empty list means all of them.
pub fn capabilities(given: &[String]) -> Result<Vec<&'static str>, UnknownCapability> {
    if given.is_empty() {
        return Ok(names());
    }
    given
        .iter()
        .map(|raw| {
            let normalized = raw.trim().to_ascii_lowercase().replace('_', "-");
            CAPABILITIES
                .iter()
                .find(|(n, _)| *n == normalized)
                .map(|(n, _)| *n)
                .ok_or_else(|| UnknownCapability(raw.clone()))
        })
        .collect()
}

/// What the template is made of.
pub struct RoleTemplate<'a> {
    /// The connection's name; names the role.
    pub connection: &'a str,
    /// The organization, for the description.
    pub organization: &'a str,
    /// Principals (IAM user or role ARNs) that may assume the role.
    pub trusted_principals: &'a [String],
    /// The external id the trust condition requires.
    pub external_id: &'a str,
    /// Capability names from [`CAPABILITIES`].
    pub capabilities: &'a [&'a str],
}

fn pascal(name: &str) -> String {
    name.split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect()
}

impl RoleTemplate<'_> {
    /// The role name the stack creates by default.
    pub fn role_name(&self) -> String {
        format!("lanyard-{}", self.connection)
    }

    /// The template, as CloudFormation JSON.
    pub fn render(&self) -> Value {
        let policies: Vec<Value> = self
            .capabilities
            .iter()
            .filter_map(|name| CAPABILITIES.iter().find(|(n, _)| n == name))
            .map(|(name, actions)| {
                json!({
                    "PolicyName": format!("lanyard-{name}"),
                    "PolicyDocument": {
                        "Version": "2012-10-17",
                        "Statement": [{
                            "Sid": pascal(name),
                            "Effect": "Allow",
                            "Action": actions,
                            "Resource": "*"
                        }]
                    }
                })
            })
            .collect();
        json!({
            "AWSTemplateFormatVersion": "2010-09-09",
            "Description": format!(
                "Lanyard cross-account role for connection {} of organization {}: trusts \
                 Lanyard's identity only with the connection's external id.",
                self.connection, self.organization
            ),
            "Parameters": {
                "RoleName": {
                    "Type": "String",
                    "Default": self.role_name(),
                    "Description": "Name of the IAM role to create."
                },
                "ExternalId": {
                    "Type": "String",
                    "Default": self.external_id,
                    "Description": "The sts:ExternalId Lanyard generated for this connection; keep it as it is.",
                    "MinLength": 2,
                    "AllowedPattern": "[\\w+=,.@:/-]+"
                }
            },
            "Resources": {
                "Role": {
                    "Type": "AWS::IAM::Role",
                    "Properties": {
                        "RoleName": { "Ref": "RoleName" },
                        "MaxSessionDuration": MAX_SESSION_SECONDS,
                        "AssumeRolePolicyDocument": {
                            "Version": "2012-10-17",
                            "Statement": [
                                {
                                    "Sid": "LanyardAssumeWithExternalId",
                                    "Effect": "Allow",
                                    "Principal": { "AWS": self.trusted_principals },
                                    "Action": "sts:AssumeRole",
                                    "Condition": {
                                        "StringEquals": { "sts:ExternalId": { "Ref": "ExternalId" } }
                                    }
                                },
                                {
                                    "Sid": "LanyardSessionTags",
                                    "Effect": "Allow",
                                    "Principal": { "AWS": self.trusted_principals },
                                    "Action": "sts:TagSession"
                                }
                            ]
                        },
                        "Policies": policies
                    }
                }
            },
            "Outputs": {
                "RoleArn": {
                    "Description": "Give this to `lanyard connection update NAME --field iam_role_arn=ARN`.",
                    "Value": { "Fn::GetAtt": ["Role", "Arn"] }
                }
            }
        })
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The console's Quick Create link for a template published at `template_url` (the console
/// takes templates from S3 only); without one, the console page that creates a stack from an
/// uploaded file.
pub fn console_link(
    region: &str,
    stack_name: &str,
    template_url: Option<&str>,
    external_id: &str,
) -> String {
    let base =
        format!("https://{region}.console.aws.amazon.com/cloudformation/home?region={region}");
    match template_url {
        Some(url) => format!(
            "{base}#/stacks/quickcreate?templateURL={}&stackName={}&param_ExternalId={}",
            encode(url),
            encode(stack_name),
            encode(external_id)
        ),
        None => format!(
            "{base}#/stacks/create/template?stackName={}",
            encode(stack_name)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capabilities_default_to_all_and_reject_unknown_names() {
        assert_eq!(capabilities(&[]).unwrap().len(), CAPABILITIES.len());
        assert_eq!(
            capabilities(&["S3_storage".into()]).unwrap(),
            ["s3-storage"]
        );
        let err = capabilities(&["s4".into()]).unwrap_err().to_string();
        assert!(err.contains("s3-storage"), "{err}");
    }

    #[test]
    fn the_trust_statement_requires_the_external_id() {
        let principals = ["arn:aws:iam::123456789012:user/lanyard".to_owned()];
        let template = RoleTemplate {
            connection: "prod",
            organization: "acme",
            trusted_principals: &principals,
            external_id: "acme@abc",
            capabilities: &["s3-storage"],
        }
        .render();
        let role = &template["Resources"]["Role"]["Properties"];
        let statement = &role["AssumeRolePolicyDocument"]["Statement"][0];
        assert_eq!(statement["Action"], "sts:AssumeRole");
        assert_eq!(
            statement["Condition"]["StringEquals"]["sts:ExternalId"]["Ref"],
            "ExternalId"
        );
        assert_eq!(template["Parameters"]["ExternalId"]["Default"], "acme@abc");
        assert_eq!(role["Policies"][0]["PolicyName"], "lanyard-s3-storage");
        assert_eq!(role["MaxSessionDuration"], 3600);
    }

    #[test]
    fn quick_create_links_encode_their_parameters() {
        let link = console_link(
            "eu-west-1",
            "lanyard-prod",
            Some("https://b.s3.amazonaws.com/t.json"),
            "a@b",
        );
        assert!(
            link.contains("#/stacks/quickcreate?templateURL=https%3A%2F%2Fb.s3"),
            "{link}"
        );
        assert!(link.ends_with("param_ExternalId=a%40b"), "{link}");
    }
}
