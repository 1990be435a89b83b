//! Auth modes and console categories: the two small vocabularies every provider is described with.

use std::fmt;
use std::str::FromStr;

/// Where a connection's identity comes from when a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AuthMode {
    /// The connection's own fields (keys, tokens, key files) are resolved and handed to the
    /// runner.
    Inline,
    /// The runner uses its own ambient identity (AWS SDK chain, GCP ADC, Azure managed
    /// identity, in-cluster service account, its environment). The connection stores no
    /// credentials, only the runner that has them.
    Runner,
    /// AWS only: the runner assumes an IAM role in the customer's account, passing an external
    /// id that the server generated.
    CrossAccountTrust,
    /// Keyless (AWS, Google Cloud, Azure): the server signs a short-lived OIDC token per job,
    /// which the cloud's own SDKs exchange for temporary credentials of a role or identity that
    /// trusts Lanyard as an issuer. The connection stores no secret.
    Oidc,
}

impl AuthMode {
    /// Every mode, in the order the console lists them.
    pub const ALL: [AuthMode; 4] = [
        AuthMode::Inline,
        AuthMode::Runner,
        AuthMode::CrossAccountTrust,
        AuthMode::Oidc,
    ];

    /// The spelling used on the command line and in the API.
    pub const fn slug(self) -> &'static str {
        match self {
            AuthMode::Inline => "inline",
            AuthMode::Runner => "runner",
            AuthMode::CrossAccountTrust => "cross-account-trust",
            AuthMode::Oidc => "oidc",
        }
    }
}

impl fmt::Display for AuthMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.slug())
    }
}

/// An auth mode name that is not one of [`AuthMode::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown auth mode {given}; expected one of: inline, runner, cross-account-trust, oidc")]
pub struct UnknownAuthMode {
    /// What was given.
    pub given: String,
}

impl FromStr for AuthMode {
    type Err = UnknownAuthMode;

    /// Accepts the slug, and also the underscore spelling (`cross_account_trust`) that
    /// protojson manifests from the reference product use.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalized = s.trim().to_ascii_lowercase().replace('_', "-");
        AuthMode::ALL
            .into_iter()
            .find(|mode| mode.slug() == normalized)
            .ok_or_else(|| UnknownAuthMode {
                given: s.to_owned(),
            })
    }
}

/// The console groups provider cards into these four categories.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Clouds and clusters that infrastructure is deployed into.
    Infrastructure,
    /// Source control, registries and package feeds that pipelines use.
    DevopsPipeline,
    /// Pulumi and Terraform/OpenTofu state backends.
    InfrastructureAsCode,
    /// Hosted services managed through their Terraform/Pulumi providers.
    ManagedServices,
}

impl Category {
    /// Every category, in console order.
    pub const ALL: [Category; 4] = [
        Category::Infrastructure,
        Category::DevopsPipeline,
        Category::InfrastructureAsCode,
        Category::ManagedServices,
    ];

    /// The heading the console shows.
    pub const fn display_name(self) -> &'static str {
        match self {
            Category::Infrastructure => "Infrastructure",
            Category::DevopsPipeline => "DevOps Pipeline",
            Category::InfrastructureAsCode => "Infrastructure as Code",
            Category::ManagedServices => "Managed Services",
        }
    }

    /// A stable machine spelling, for JSON output and filters.
    pub const fn slug(self) -> &'static str {
        match self {
            Category::Infrastructure => "infrastructure",
            Category::DevopsPipeline => "devops-pipeline",
            Category::InfrastructureAsCode => "infrastructure-as-code",
            Category::ManagedServices => "managed-services",
        }
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.display_name())
    }
}

/// A category name that is not one of [`Category::ALL`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown category {given}; expected one of: infrastructure, devops-pipeline, \
     infrastructure-as-code, managed-services"
)]
pub struct UnknownCategory {
    /// What was given.
    pub given: String,
}

impl FromStr for Category {
    type Err = UnknownCategory;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let normalized = s.trim().to_ascii_lowercase().replace('_', "-");
        Category::ALL
            .into_iter()
            .find(|c| c.slug() == normalized)
            .ok_or_else(|| UnknownCategory {
                given: s.to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_mode_slugs_round_trip() {
        for mode in AuthMode::ALL {
            assert_eq!(mode.slug().parse::<AuthMode>(), Ok(mode));
            assert_eq!(mode.to_string(), mode.slug());
        }
    }

    #[test]
    fn auth_mode_accepts_protojson_spelling() {
        assert_eq!(
            "cross_account_trust".parse(),
            Ok(AuthMode::CrossAccountTrust)
        );
        assert_eq!("Runner".parse(), Ok(AuthMode::Runner));
    }

    #[test]
    fn unknown_auth_mode_lists_the_valid_ones() {
        let err = "browser_oauth".parse::<AuthMode>().unwrap_err();
        assert!(err
            .to_string()
            .contains("inline, runner, cross-account-trust"));
    }

    #[test]
    fn category_slugs_round_trip() {
        for category in Category::ALL {
            assert_eq!(category.slug().parse::<Category>(), Ok(category));
        }
        assert_eq!(Category::DevopsPipeline.display_name(), "DevOps Pipeline");
    }
}
