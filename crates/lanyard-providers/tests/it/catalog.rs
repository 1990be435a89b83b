//! The catalog holds exactly the product's providers, in the right categories and modes.

use lanyard_providers::{catalog, find, AuthMode, Category};

const EXPECTED: [(&str, Category); 20] = [
    ("aws", Category::Infrastructure),
    ("gcp", Category::Infrastructure),
    ("azure", Category::Infrastructure),
    ("digitalocean", Category::Infrastructure),
    ("civo", Category::Infrastructure),
    ("cloudflare", Category::Infrastructure),
    ("kubernetes", Category::Infrastructure),
    ("github", Category::DevopsPipeline),
    ("gitlab", Category::DevopsPipeline),
    ("container-registry", Category::DevopsPipeline),
    ("npm", Category::DevopsPipeline),
    ("maven", Category::DevopsPipeline),
    ("cloudflare-r2", Category::DevopsPipeline),
    ("pulumi-backend", Category::InfrastructureAsCode),
    ("terraform-backend", Category::InfrastructureAsCode),
    ("auth0", Category::ManagedServices),
    ("openfga", Category::ManagedServices),
    ("mongodb-atlas", Category::ManagedServices),
    ("snowflake", Category::ManagedServices),
    ("confluent", Category::ManagedServices),
];

#[test]
fn every_provider_is_present_with_its_category() {
    assert_eq!(catalog().len(), EXPECTED.len());
    for (id, category) in EXPECTED {
        let spec = find(id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(spec.category, category, "{id}");
        assert!(
            !spec.display_name.is_empty() && !spec.description.is_empty(),
            "{id}"
        );
    }
}

#[test]
fn kinds_match_the_product() {
    let kinds = |id: &str| {
        find(id)
            .unwrap()
            .kinds
            .iter()
            .map(|k| k.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        kinds("container-registry"),
        ["gar", "ecr", "acr", "jfrog", "ghcr", "generic"]
    );
    assert_eq!(kinds("npm"), ["gar", "jfrog", "github-packages", "generic"]);
    assert_eq!(
        kinds("maven"),
        ["gar", "jfrog", "github-packages", "generic"]
    );
    assert_eq!(kinds("pulumi-backend"), ["http", "s3", "gcs", "azurerm"]);
    assert_eq!(kinds("terraform-backend"), ["s3", "gcs", "azurerm"]);
    let without: Vec<&str> = catalog()
        .iter()
        .filter(|p| p.kinds.is_empty())
        .map(|p| p.id)
        .collect();
    assert_eq!(without.len(), 15);
}

#[test]
fn auth_modes_follow_the_reference() {
    let modes = |id: &str| find(id).unwrap().auth_modes.to_vec();
    use AuthMode::*;
    assert_eq!(modes("aws"), [Inline, Runner, CrossAccountTrust, Oidc]);
    for id in ["gcp", "azure"] {
        assert_eq!(modes(id), [Inline, Runner, Oidc], "{id}");
    }
    for id in [
        "kubernetes",
        "digitalocean",
        "civo",
        "cloudflare",
        "pulumi-backend",
        "terraform-backend",
        "auth0",
        "openfga",
        "mongodb-atlas",
        "snowflake",
        "confluent",
    ] {
        assert_eq!(modes(id), [Inline, Runner], "{id}");
    }
    for id in [
        "github",
        "gitlab",
        "container-registry",
        "npm",
        "maven",
        "cloudflare-r2",
    ] {
        assert_eq!(modes(id), [Inline], "{id}");
    }
}

#[test]
fn secret_flags_follow_the_reference() {
    let secret = |id: &str, field: &str| find(id).unwrap().field(field).unwrap().secret;
    assert!(secret("aws", "secret_access_key"));
    assert!(secret("aws", "external_id"));
    assert!(!secret("aws", "iam_role_arn"));
    assert!(!secret("aws", "account_id"));
    // A departure from the reference, which stores it as a secret: an application id that
    // engineers need to read (issue: Azure output shows the application id in clear).
    assert!(!secret("azure", "client_id"));
    assert!(secret("azure", "client_secret"));
    assert!(!secret("container-registry", "client_id"));
    assert!(!secret("confluent", "api_key"));
    assert!(secret("confluent", "api_secret"));
    assert!(!secret("auth0", "client_id"));
    assert!(secret("pulumi-backend", "secrets_passphrase"));
}

#[test]
fn fields_for_depends_on_kind_and_mode() {
    let names = |id: &str, kind, mode| {
        find(id)
            .unwrap()
            .fields_for(kind, mode)
            .map(|f| f.name)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names("aws", None, AuthMode::CrossAccountTrust),
        [
            "account_id",
            "region",
            "endpoint_url",
            "ca_bundle",
            "iam_role_arn",
            "external_id",
            "runner"
        ]
    );
    assert_eq!(
        names("aws", None, AuthMode::Runner),
        [
            "account_id",
            "region",
            "endpoint_url",
            "ca_bundle",
            "runner"
        ]
    );
    assert_eq!(
        names("container-registry", Some("ghcr"), AuthMode::Inline),
        ["github_username", "personal_access_token"]
    );
    let required: Vec<&str> = find("aws")
        .unwrap()
        .required_fields(None, AuthMode::Inline)
        .map(|f| f.name)
        .collect();
    assert_eq!(
        required,
        ["account_id", "access_key_id", "secret_access_key"]
    );
}
