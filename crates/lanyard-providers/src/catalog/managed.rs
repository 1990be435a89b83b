//! Managed services configured through their Terraform/Pulumi providers.
//!
//! The reference lists MongoDB Atlas, Snowflake and Confluent as API-only; they sit in this
//! category here. All allow runner mode, where the runner's environment holds the credentials.

use super::{CA_BUNDLE, INLINE, INLINE_AND_RUNNER, RUNNER};
use crate::format::Format;
use crate::mode::Category;
use crate::spec::{FieldSpec, ProviderSpec, Rule};

pub(super) const AUTH0: ProviderSpec = ProviderSpec {
    id: "auth0",
    display_name: "Auth0",
    category: Category::ManagedServices,
    description: "An Auth0 tenant, managed through a machine-to-machine application.",
    auth_modes: INLINE_AND_RUNNER,
    kinds: &[],
    fields: &[
        FieldSpec::new(
            "domain",
            "Domain",
            "The tenant domain, e.g. acme.eu.auth0.com.",
        )
        .required()
        .checked(Format::Hostname),
        FieldSpec::new(
            "client_id",
            "Client ID",
            "Client id of a machine-to-machine application authorized for the Management API.",
        )
        .required_in(INLINE)
        .only_in(INLINE)
        .checked(Format::Token { min_len: 16 }),
        FieldSpec::new(
            "client_secret",
            "Client secret",
            "The client secret of that application.",
        )
        .secret()
        .required_in(INLINE)
        .only_in(INLINE)
        .checked(Format::Token { min_len: 16 }),
        RUNNER,
    ],
    rules: &[],
};

// The reference enforces no credential rule for OpenFGA: servers without authentication are
// common in development. Client credentials are all-or-nothing, and an API token wins over them.
pub(super) const OPENFGA: ProviderSpec = ProviderSpec {
    id: "openfga",
    display_name: "OpenFGA",
    category: Category::ManagedServices,
    description: "An OpenFGA server (or Okta FGA), reached with an API token or OAuth client \
                  credentials.",
    auth_modes: INLINE_AND_RUNNER,
    kinds: &[],
    fields: &[
        FieldSpec::new(
            "api_url",
            "API URL",
            "The OpenFGA API URL, e.g. https://api.us1.fga.dev.",
        )
        .required()
        .checked(Format::Url),
        // Not in the reference; the fga CLI and SDKs read it, and most jobs target one store.
        FieldSpec::new(
            "store_id",
            "Store ID",
            "The store jobs work with (a ULID). Optional.",
        )
        .checked(Format::Token { min_len: 26 }),
        FieldSpec::new(
            "api_token",
            "API token",
            "A pre-shared key configured on the server.",
        )
        .secret()
        .only_in(INLINE)
        .checked(Format::Token { min_len: 8 }),
        FieldSpec::new(
            "client_id",
            "Client ID",
            "OAuth client id, for client-credentials authentication.",
        )
        .only_in(INLINE)
        .checked(Format::NonEmpty),
        FieldSpec::new(
            "client_secret",
            "Client secret",
            "OAuth client secret for that client id.",
        )
        .secret()
        .only_in(INLINE)
        .checked(Format::NonEmpty),
        FieldSpec::new(
            "api_token_issuer",
            "Token issuer",
            "The OAuth token issuer, e.g. auth.fga.dev or https://issuer.example.com.",
        )
        .only_in(INLINE)
        .checked(Format::HostOrUrl),
        FieldSpec::new(
            "api_scopes",
            "Scopes",
            "Space-separated OAuth scopes to request. Optional.",
        )
        .only_in(INLINE)
        .checked(Format::NonEmpty),
        FieldSpec::new(
            "api_audience",
            "Audience",
            "The OAuth audience, e.g. https://api.us1.fga.dev/. Optional.",
        )
        .only_in(INLINE)
        .checked(Format::NonEmpty),
        CA_BUNDLE,
        RUNNER,
    ],
    rules: &[
        Rule::Together(&["client_id", "client_secret", "api_token_issuer"]),
        Rule::Requires {
            field: "api_scopes",
            needs: "client_id",
        },
        Rule::Requires {
            field: "api_audience",
            needs: "client_id",
        },
    ],
};

pub(super) const MONGODB_ATLAS: ProviderSpec = ProviderSpec {
    id: "mongodb-atlas",
    display_name: "MongoDB Atlas",
    category: Category::ManagedServices,
    description: "A MongoDB Atlas organization or project, reached with a programmatic API key.",
    auth_modes: INLINE_AND_RUNNER,
    kinds: &[],
    fields: &[
        FieldSpec::new(
            "public_key",
            "Public key",
            "The public part of an Atlas programmatic API key (8 characters).",
        )
        .required_in(INLINE)
        .only_in(INLINE)
        .checked(Format::Token { min_len: 8 }),
        FieldSpec::new(
            "private_key",
            "Private key",
            "The private part of that API key (a UUID).",
        )
        .secret()
        .required_in(INLINE)
        .only_in(INLINE)
        .checked(Format::Uuid),
        RUNNER,
    ],
    rules: &[],
};

// Beyond the reference (account, region, username, password): key-pair authentication, role
// and warehouse, which Snowflake recommends for automation and its providers read.
pub(super) const SNOWFLAKE: ProviderSpec = ProviderSpec {
    id: "snowflake",
    display_name: "Snowflake",
    category: Category::ManagedServices,
    description: "A Snowflake account, reached as a service user with a password or key pair.",
    auth_modes: INLINE_AND_RUNNER,
    kinds: &[],
    fields: &[
        FieldSpec::new(
            "account",
            "Account",
            "The account identifier, e.g. myorg-myaccount (or a legacy locator such as \
             xy12345.us-east-2.aws).",
        )
        .required()
        .checked(Format::SnowflakeAccount),
        FieldSpec::new(
            "region",
            "Region",
            "The account's region, needed only with legacy account locators, e.g. us-west-2.",
        )
        .checked(Format::S3Region),
        FieldSpec::new("username", "User", "The Snowflake user jobs log in as.")
            .required_in(INLINE)
            .checked(Format::NonEmpty),
        FieldSpec::new("password", "Password", "The user's password.")
            .secret()
            .only_in(INLINE)
            .checked(Format::NonEmpty),
        FieldSpec::new(
            "private_key",
            "Private key",
            "The user's PKCS#8 private key in PEM form, for key-pair authentication.",
        )
        .secret()
        .only_in(INLINE)
        .checked(Format::Pem)
        .multiline(),
        FieldSpec::new(
            "private_key_passphrase",
            "Private key passphrase",
            "The passphrase of an encrypted private key.",
        )
        .secret()
        .only_in(INLINE)
        .checked(Format::NonEmpty),
        FieldSpec::new("role", "Role", "The role to use, e.g. SYSADMIN. Optional.")
            .checked(Format::NonEmpty),
        FieldSpec::new("warehouse", "Warehouse", "The warehouse to use. Optional.")
            .checked(Format::NonEmpty),
        RUNNER,
    ],
    rules: &[
        Rule::OneOf {
            modes: INLINE,
            alternatives: &[&["password"], &["private_key"]],
        },
        Rule::Requires {
            field: "private_key_passphrase",
            needs: "private_key",
        },
    ],
};

pub(super) const CONFLUENT: ProviderSpec = ProviderSpec {
    id: "confluent",
    display_name: "Confluent Cloud",
    category: Category::ManagedServices,
    description: "A Confluent Cloud organization, reached with a Cloud API key.",
    auth_modes: INLINE_AND_RUNNER,
    kinds: &[],
    fields: &[
        FieldSpec::new(
            "api_key",
            "Cloud API key",
            "A Cloud resource management API key (about 16 characters; not a cluster key).",
        )
        .required_in(INLINE)
        .only_in(INLINE)
        .checked(Format::Token { min_len: 8 }),
        FieldSpec::new(
            "api_secret",
            "Cloud API secret",
            "The secret of that API key.",
        )
        .secret()
        .required_in(INLINE)
        .only_in(INLINE)
        .checked(Format::Token { min_len: 16 }),
        RUNNER,
    ],
    rules: &[],
};
