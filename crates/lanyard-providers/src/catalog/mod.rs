//! The catalog: every provider Lanyard can hold connections for, as static data.
//!
//! One file per console category. Field names, which fields are secret and which are required
//! in which auth mode follow the reference product's connection specs; the few departures are
//! commented where they are made.

mod devops;
mod iac;
mod infrastructure;
mod managed;
mod packages;

use crate::format::Format;
use crate::mode::AuthMode;
use crate::spec::{FieldSpec, ProviderSpec};

const INLINE: &[AuthMode] = &[AuthMode::Inline];
const RUNNER_MODE: &[AuthMode] = &[AuthMode::Runner];
const INLINE_AND_RUNNER: &[AuthMode] = &[AuthMode::Inline, AuthMode::Runner];
const CROSS_ACCOUNT: &[AuthMode] = &[AuthMode::CrossAccountTrust];
const OIDC: &[AuthMode] = &[AuthMode::Oidc];
const INLINE_AND_OIDC: &[AuthMode] = &[AuthMode::Inline, AuthMode::Oidc];
const CROSS_ACCOUNT_AND_OIDC: &[AuthMode] = &[AuthMode::CrossAccountTrust, AuthMode::Oidc];
/// Clouds that federate with an OIDC issuer.
const FEDERATED_MODES: &[AuthMode] = &[AuthMode::Inline, AuthMode::Runner, AuthMode::Oidc];
const ALL_MODES: &[AuthMode] = &AuthMode::ALL;

/// The `runner` field every runner-capable provider has: required in runner mode (the runner
/// holds the identity), optional otherwise (it pins jobs to that runner instead of the server's
/// built-in one).
const RUNNER: FieldSpec = FieldSpec::new(
    "runner",
    "Runner",
    "Slug of a registered runner (lanyard runner register NAME) that runs this connection's jobs. \
     Required in runner mode, where that runner's own identity is used; optional otherwise.",
)
.required_in(RUNNER_MODE)
.checked(Format::Slug);

/// A private CA for a self-hosted server (GitHub Enterprise Server, self-managed GitLab, an
/// npm registry, a container registry, a Maven repository, OpenFGA, Pulumi Cloud, Azure Stack
/// Hub, an S3-compatible store): used by the clone, the live check and the job's tools
/// (`GIT_SSL_CAINFO`, `NODE_EXTRA_CA_CERTS`, npm's `cafile`, `SSL_CERT_FILE` for Go tools,
/// `REQUESTS_CA_BUNDLE` for Python, `AWS_CA_BUNDLE` or the S3 backend's `custom_ca_bundle`,
/// a Java truststore for Maven and Gradle). Not a secret.
pub(super) const CA_BUNDLE: FieldSpec = FieldSpec::new(
    "ca_bundle",
    "CA certificates",
    "PEM certificates of the private CA that signed the server's certificate, when it is not \
     publicly trusted (give it as @ca.crt).",
)
.checked(Format::PemCertificates)
.multiline();

static CATALOG: [ProviderSpec; 20] = [
    infrastructure::AWS,
    infrastructure::GCP,
    infrastructure::AZURE,
    infrastructure::DIGITALOCEAN,
    infrastructure::CIVO,
    infrastructure::CLOUDFLARE,
    infrastructure::KUBERNETES,
    devops::GITHUB,
    devops::GITLAB,
    packages::CONTAINER_REGISTRY,
    packages::NPM,
    packages::MAVEN,
    devops::CLOUDFLARE_R2,
    iac::PULUMI_BACKEND,
    iac::TERRAFORM_BACKEND,
    managed::AUTH0,
    managed::OPENFGA,
    managed::MONGODB_ATLAS,
    managed::SNOWFLAKE,
    managed::CONFLUENT,
];

/// Every provider, grouped by console category.
pub fn catalog() -> &'static [ProviderSpec] {
    &CATALOG
}

/// The provider with this id.
pub fn find(id: &str) -> Option<&'static ProviderSpec> {
    CATALOG.iter().find(|p| p.id == id)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::spec::{Requirement, Rule};

    #[test]
    fn ids_are_unique_and_findable() {
        let ids: BTreeSet<_> = catalog().iter().map(|p| p.id).collect();
        assert_eq!(ids.len(), catalog().len());
        for provider in catalog() {
            assert_eq!(find(provider.id).map(|p| p.id), Some(provider.id));
        }
        assert!(find("nope").is_none());
    }

    /// Catches typos in the declarative tables that the type system cannot.
    #[test]
    fn tables_are_consistent() {
        for p in catalog() {
            assert!(!p.auth_modes.is_empty(), "{}", p.id);
            assert!(p.auth_modes.contains(&AuthMode::Inline), "{}", p.id);
            let mut names = BTreeSet::new();
            for f in p.fields {
                assert!(names.insert(f.name), "{}: duplicate field {}", p.id, f.name);
                assert!(
                    !f.help.is_empty() && !f.label.is_empty(),
                    "{}.{}",
                    p.id,
                    f.name
                );
                for kind in f.kinds.unwrap_or_default() {
                    assert!(
                        p.kind(kind).is_some(),
                        "{}.{}: unknown kind {kind}",
                        p.id,
                        f.name
                    );
                }
                for mode in f.modes.unwrap_or_default() {
                    assert!(
                        p.allows(*mode),
                        "{}.{}: mode {mode} not allowed",
                        p.id,
                        f.name
                    );
                }
                if let Requirement::InModes(modes) = f.requirement {
                    for mode in modes {
                        assert!(
                            f.applies_in(*mode),
                            "{}.{}: required where unused",
                            p.id,
                            f.name
                        );
                    }
                }
            }
            for rule in p.rules {
                let fields: Vec<&str> = match *rule {
                    Rule::Together(group) => group.to_vec(),
                    Rule::OneOf { alternatives, .. } => alternatives.concat(),
                    Rule::Requires { field, needs } => vec![field, needs],
                    Rule::CleartextNeeds { urls, opt_in } => [urls, &[opt_in][..]].concat(),
                };
                for name in fields {
                    assert!(
                        p.field(name).is_some(),
                        "{}: rule names unknown field {name}",
                        p.id
                    );
                }
            }
            let has_runner = p.field("runner").is_some();
            assert_eq!(
                has_runner,
                p.allows(AuthMode::Runner),
                "{}: runner field",
                p.id
            );
        }
    }

    #[test]
    fn only_aws_allows_cross_account_trust() {
        for p in catalog() {
            assert_eq!(
                p.allows(AuthMode::CrossAccountTrust),
                p.id == "aws",
                "{}",
                p.id
            );
        }
    }
}
