//! The Azure CLI, which reads no `AZURE_CLIENT_*` variable: with `az_login`, a job-private
//! `AZURE_CONFIG_DIR` and a login script the runner runs before the command
//! (`LANYARD_AZ_LOGIN`); with `ca_bundle`, the private CA of an Azure Stack Hub for the CLI and
//! the Python SDKs (`REQUESTS_CA_BUNDLE`).
//!
//! The script names no secret: it reads the client secret (or the federated token's file) from
//! the variables the connection already sets, so the file is readable and nothing new is masked.

use super::ctx::Ctx;
use crate::mode::AuthMode;

/// The name the CLI knows a custom cloud (Azure Stack Hub) by, in the job's own config.
const CUSTOM_CLOUD: &str = "lanyard-custom";

pub(super) fn login(cx: &mut Ctx<'_>, cloud: &str) {
    cx.ca_bundle_as("azure-ca-bundle", "REQUESTS_CA_BUNDLE");
    if cx.get("az_login") != Some("true") {
        return;
    }
    let custom = cx.get("resource_manager_endpoint");
    // Telemetry off; a custom cloud has no Microsoft instance discovery (the CLI's setting
    // for Azure Stack).
    let mut config = String::from("[core]\ncollect_telemetry = false\n");
    if custom.is_some() {
        config.push_str("instance_discovery = false\n");
    }
    cx.structured_file("azure-cli", "config", config);
    cx.file_dir("AZURE_CONFIG_DIR", "azure-cli");
    cx.structured_file("az-login", "az-login.sh", script(cloud, custom, cx.mode()));
    cx.file_path("LANYARD_AZ_LOGIN", "az-login");
}

/// The commands, in the order the CLI needs them.
fn script(cloud: &str, custom: Option<&str>, mode: AuthMode) -> String {
    let mut lines = vec![
        "# Written by Lanyard: logs the Azure CLI in for this job (the connection's az_login)."
            .to_owned(),
        "set -e".to_owned(),
    ];
    let named = match (custom, cloud) {
        (Some(endpoint), _) => {
            lines.push(format!(
                "az cloud register --name {CUSTOM_CLOUD} --endpoint-resource-manager {} \
                 --output none",
                single_quoted(endpoint)
            ));
            Some(CUSTOM_CLOUD)
        }
        (None, "usgovernment") => Some("AzureUSGovernment"),
        (None, "china") => Some("AzureChinaCloud"),
        (None, _) => None,
    };
    if let Some(name) = named {
        lines.push(format!("az cloud set --name {name} --output none"));
    }
    let credential = if mode == AuthMode::Oidc {
        "--federated-token \"$(cat \"$AZURE_FEDERATED_TOKEN_FILE\")\""
    } else {
        "--password \"$AZURE_CLIENT_SECRET\""
    };
    lines.push(format!(
        "az login --service-principal --username \"$AZURE_CLIENT_ID\" --tenant \
         \"$AZURE_TENANT_ID\" {credential} --output none"
    ));
    lines.push("az account set --subscription \"$AZURE_SUBSCRIPTION_ID\" --output none".to_owned());
    lines.push(String::new());
    lines.join("\n")
}

/// `value` as one shell word.
fn single_quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', "'\\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_follows_the_cloud_and_the_mode() {
        let public = script("public", None, AuthMode::Inline);
        assert!(!public.contains("az cloud"), "{public}");
        assert!(
            public.contains("--password \"$AZURE_CLIENT_SECRET\""),
            "{public}"
        );
        let government = script("usgovernment", None, AuthMode::Oidc);
        assert!(government.contains("az cloud set --name AzureUSGovernment"));
        assert!(government.contains("--federated-token"), "{government}");
        let stack = script("public", Some("https://arm.local/x'y"), AuthMode::Inline);
        let register = stack.find("az cloud register").unwrap();
        let set = stack.find("az cloud set --name lanyard-custom").unwrap();
        let login = stack.find("az login").unwrap();
        assert!(register < set && set < login, "{stack}");
        assert!(stack.contains("'https://arm.local/x'\\''y'"), "{stack}");
    }
}
