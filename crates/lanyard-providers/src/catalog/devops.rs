//! DevOps pipeline providers: source control and the Worker bundle bucket.
//!
//! Registries and package feeds, which share their kinds, are in `packages.rs`.

use super::{CA_BUNDLE, INLINE};
use crate::format::Format;
use crate::mode::Category;
use crate::spec::{FieldSpec, ProviderSpec};

// Departure: the reference's GitHub connection is an installation of the vendor's platform
// GitHub App, minted into short-lived tokens by its control plane. Lanyard has no platform App,
// and materialization must not call GitHub, so the connection holds a token (a fine-grained
// PAT, or an App installation token refreshed by whoever stores it).
pub(super) const GITHUB: ProviderSpec = ProviderSpec {
    id: "github",
    display_name: "GitHub",
    category: Category::DevopsPipeline,
    description: "A GitHub (or GitHub Enterprise Server) account or organization, for cloning, \
                  gh and the GitHub Terraform provider.",
    auth_modes: INLINE,
    kinds: &[],
    fields: &[
        FieldSpec::new(
            "token",
            "Token",
            "A fine-grained personal access token or app installation token with access to the \
             repositories jobs use (github_pat_…, ghs_…).",
        )
        .secret()
        .required()
        .checked(Format::GithubToken),
        FieldSpec::new(
            "owner",
            "Owner",
            "The user or organization login the connection is for, e.g. acme. Optional.",
        )
        .checked(Format::GithubLogin),
        FieldSpec::new(
            "host",
            "Host",
            "Base URL of GitHub Enterprise Server, e.g. https://github.example.com. Leave empty \
             for github.com.",
        )
        .checked(Format::HttpsUrl),
        CA_BUNDLE,
    ],
    rules: &[],
};

// Departure: the reference requires an OAuth refresh token next to the access token because its
// console only offers the OAuth flow. Project, group and personal access tokens have no refresh
// token, so it is optional here.
pub(super) const GITLAB: ProviderSpec = ProviderSpec {
    id: "gitlab",
    display_name: "GitLab",
    category: Category::DevopsPipeline,
    description: "A GitLab group on gitlab.com or a self-managed instance.",
    auth_modes: INLINE,
    kinds: &[],
    fields: &[
        FieldSpec::new(
            "host",
            "Host",
            "Base URL of a self-managed GitLab, e.g. https://gitlab.example.com. Leave empty for \
             gitlab.com.",
        )
        .checked(Format::HttpsUrl),
        FieldSpec::new(
            "group_id",
            "Group",
            "The top-level group (full path such as acme, or its numeric id) whose projects jobs \
             use.",
        )
        .required()
        .checked(Format::GitlabGroup),
        FieldSpec::new(
            "access_token",
            "Access token",
            "A group, project or personal access token (glpat-…) or an OAuth access token, with \
             api or read_repository scope.",
        )
        .secret()
        .required()
        .checked(Format::Token { min_len: 20 }),
        FieldSpec::new(
            "refresh_token",
            "Refresh token",
            "The OAuth refresh token, when the access token came from GitLab OAuth.",
        )
        .secret()
        .checked(Format::Token { min_len: 20 }),
        CA_BUNDLE,
    ],
    rules: &[],
};

pub(super) const CLOUDFLARE_R2: ProviderSpec = ProviderSpec {
    id: "cloudflare-r2",
    display_name: "Cloudflare Wrangler (R2)",
    category: Category::DevopsPipeline,
    description: "The R2 bucket that builds upload Cloudflare Worker bundles to and deployments \
                  read them from.",
    auth_modes: INLINE,
    kinds: &[],
    fields: &[
        FieldSpec::new("bucket_name", "Bucket", "The R2 bucket name.")
            .required()
            .checked(Format::S3Bucket),
        FieldSpec::new(
            "account_id",
            "Account ID",
            "The 32-character Cloudflare account id that owns the bucket.",
        )
        .required()
        .checked(Format::CloudflareAccountId),
        // Departure: required by the reference, but it is always derivable from the account
        // id, so it is optional and defaults to https://<account_id>.r2.cloudflarestorage.com.
        FieldSpec::new(
            "endpoint_url",
            "Endpoint",
            "The R2 S3 endpoint; defaults to https://<account_id>.r2.cloudflarestorage.com (use \
             the .eu. form for EU-jurisdiction buckets).",
        )
        .checked(Format::HttpsUrl),
        FieldSpec::new(
            "access_key_id",
            "Access key ID",
            "The access key id of an R2 API token (R2 > Manage API tokens).",
        )
        .secret()
        .required()
        .checked(Format::Token { min_len: 20 }),
        FieldSpec::new(
            "secret_access_key",
            "Secret access key",
            "The secret access key shown once when the R2 API token was created.",
        )
        .secret()
        .required()
        .checked(Format::Token { min_len: 20 }),
        // Not in the reference: wrangler needs an API token to deploy the Worker itself.
        FieldSpec::new(
            "api_token",
            "API token",
            "A Cloudflare API token for wrangler (Workers and R2 edit permissions). Optional.",
        )
        .secret()
        .checked(Format::Token { min_len: 20 }),
    ],
    rules: &[],
};
