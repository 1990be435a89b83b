//! Managed services: the variables their Terraform and Pulumi providers (and CLIs) read.

use super::ctx::Ctx;

pub(super) fn auth0(cx: &mut Ctx<'_>) {
    cx.field_env("domain", &["AUTH0_DOMAIN"]);
    cx.field_env("client_id", &["AUTH0_CLIENT_ID"]);
    cx.field_env("client_secret", &["AUTH0_CLIENT_SECRET"]);
}

pub(super) fn openfga(cx: &mut Ctx<'_>) {
    cx.field_env("api_url", &["FGA_API_URL"]);
    // A self-hosted server's private CA, for the fga CLI (Go).
    cx.ca_bundle_as("openfga-ca-bundle", "SSL_CERT_FILE");
    cx.field_env("store_id", &["FGA_STORE_ID"]);
    if cx.get("api_token").is_some() {
        // A pre-shared key wins over client credentials, as in the reference; exporting both
        // would leave the choice to each tool.
        cx.field_env("api_token", &["FGA_API_TOKEN"]);
        return;
    }
    cx.field_env("client_id", &["FGA_CLIENT_ID"]);
    cx.field_env("client_secret", &["FGA_CLIENT_SECRET"]);
    cx.field_env("api_token_issuer", &["FGA_API_TOKEN_ISSUER"]);
    cx.field_env("api_scopes", &["FGA_API_SCOPES"]);
    cx.field_env("api_audience", &["FGA_API_AUDIENCE"]);
}

pub(super) fn mongodb_atlas(cx: &mut Ctx<'_>) {
    // The Terraform provider reads both spellings; the atlas CLI only the *_API_KEY ones.
    cx.field_env(
        "public_key",
        &["MONGODB_ATLAS_PUBLIC_KEY", "MONGODB_ATLAS_PUBLIC_API_KEY"],
    );
    cx.field_env(
        "private_key",
        &["MONGODB_ATLAS_PRIVATE_KEY", "MONGODB_ATLAS_PRIVATE_API_KEY"],
    );
}

pub(super) fn snowflake(cx: &mut Ctx<'_>) {
    cx.field_env("account", &["SNOWFLAKE_ACCOUNT"]);
    // The current Snowflake provider wants organization and account names separately; an
    // `org-account` identifier splits at its first hyphen (legacy locators contain dots).
    if let Some((org, account)) = cx
        .get("account")
        .filter(|a| !a.contains('.'))
        .and_then(|a| a.split_once('-'))
    {
        cx.plain("SNOWFLAKE_ORGANIZATION_NAME", org);
        cx.plain("SNOWFLAKE_ACCOUNT_NAME", account);
    }
    cx.field_env("region", &["SNOWFLAKE_REGION"]);
    // SNOWFLAKE_USER is the providers' name; the reference's runner used SNOWFLAKE_USERNAME.
    cx.field_env("username", &["SNOWFLAKE_USER", "SNOWFLAKE_USERNAME"]);
    cx.field_env("password", &["SNOWFLAKE_PASSWORD"]);
    if let Some(key) = cx.get("private_key") {
        cx.embedded_multiline_secret(key);
        cx.field_env("private_key", &["SNOWFLAKE_PRIVATE_KEY"]);
        cx.field_env(
            "private_key_passphrase",
            &["SNOWFLAKE_PRIVATE_KEY_PASSPHRASE"],
        );
        cx.plain("SNOWFLAKE_AUTHENTICATOR", "SNOWFLAKE_JWT");
    }
    cx.field_env("role", &["SNOWFLAKE_ROLE"]);
    cx.field_env("warehouse", &["SNOWFLAKE_WAREHOUSE"]);
}

pub(super) fn confluent(cx: &mut Ctx<'_>) {
    // CONFLUENT_CLOUD_* for the Terraform and Pulumi providers; the shorter names are what the
    // reference's engine documented, so both are set.
    cx.field_env("api_key", &["CONFLUENT_CLOUD_API_KEY", "CONFLUENT_API_KEY"]);
    cx.field_env(
        "api_secret",
        &["CONFLUENT_CLOUD_API_SECRET", "CONFLUENT_API_SECRET"],
    );
}
