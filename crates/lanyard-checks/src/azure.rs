//! Microsoft Azure: a service principal proves itself with a client-credentials grant at the
//! authority of its cloud (public, sovereign, or an Azure Stack Hub's own).

use crate::http::{Auth, Probe};
use crate::{Checker, Fields, Outcome, Verdict};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// What proves a service principal.
#[derive(Clone, Copy)]
pub(crate) enum Proof<'a> {
    /// A client secret.
    Secret(&'a str),
    /// A federated token (workload identity), sent as a client assertion.
    FederatedToken(&'a str),
}

/// A client-credentials grant for Azure Resource Manager
/// (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow), at the
/// authority of the connection's cloud: a sovereign cloud's own, or for Azure Stack Hub the one
/// its Resource Manager metadata names (learn.microsoft.com/azure-stack/user/
/// azure-stack-version-profiles-azurecli2: `GET /metadata/endpoints`).
pub(crate) async fn check(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let secret = fields.get("client_secret")?;
    check_with(checker, fields, Proof::Secret(secret)).await
}

/// [`check`] with the given proof (a runner's own workload identity proves itself with its
/// federated token).
pub(crate) async fn check_with(
    checker: &Checker,
    fields: &Fields<'_>,
    proof: Proof<'_>,
) -> Option<Verdict> {
    let tenant = fields.get("tenant_id")?;
    let id = fields.get("client_id")?;
    let http = match checker.client_with_ca(fields) {
        Ok(http) => http,
        Err(verdict) => return Some(verdict),
    };
    let (login, scope) = match fields.get("resource_manager_endpoint") {
        Some(arm) => match stack_authority(&http, arm).await {
            Ok(found) => found,
            Err(verdict) => return Some(verdict),
        },
        None => {
            // The catalog knows each cloud's authority; Resource Manager's scope is the check's.
            let cloud = fields.get("cloud").unwrap_or("public");
            let authority = lanyard_providers::azure_authority(cloud)?;
            let (api, scope) = match cloud {
                "usgovernment" => (
                    "azure-usgovernment",
                    "https://management.usgovcloudapi.net/.default",
                ),
                "china" => (
                    "azure-china",
                    "https://management.chinacloudapi.cn/.default",
                ),
                _ => ("azure", "https://management.azure.com/.default"),
            };
            (checker.base(api, authority), scope.to_owned())
        }
    };
    let grant = entra_grant(&login, tenant, id, proof, scope);
    Some(match grant.send(&http).await {
        Ok(_) => Verdict::ok(
            None,
            format!("Microsoft Entra ID granted the service principal a token in tenant {tenant}"),
        ),
        // Entra answers a wrong secret with 400/401 invalid_client (AADSTS7000215).
        Err(verdict) => verdict,
    })
}

/// An Azure Stack Hub's sign-in authority and Resource Manager audience, from its metadata.
async fn stack_authority(http: &reqwest::Client, arm: &str) -> Result<(String, String), Verdict> {
    let arm = crate::origin(arm);
    let answer = Probe {
        method: reqwest::Method::GET,
        url: format!("{arm}/metadata/endpoints?api-version=2015-01-01"),
        auth: Auth::None,
        thing: "Resource Manager metadata (check resource_manager_endpoint)".to_owned(),
        fix: "check the connection's resource_manager_endpoint",
        form: Vec::new(),
    }
    .send(http)
    .await?;
    let auth = &answer.body["authentication"];
    match (
        auth["loginEndpoint"].as_str(),
        auth["audiences"][0].as_str(),
    ) {
        (Some(login), Some(audience)) => Ok((
            login.to_owned(),
            format!("{}/.default", audience.trim_end_matches('/')),
        )),
        _ => Err(Verdict {
            outcome: Outcome::NotFound,
            identity: None,
            message: format!(
                "{arm} serves no Resource Manager metadata (no authentication endpoints); check \
                 the connection's resource_manager_endpoint"
            ),
        }),
    }
}

/// A client-credentials grant at Microsoft Entra ID (or an Azure Stack Hub's authority) for
/// `scope` (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow).
pub(crate) fn entra_grant<'a>(
    login: &str,
    tenant: &str,
    id: &str,
    proof: Proof<'_>,
    scope: String,
) -> Probe<'a> {
    let (proof, fix) = match proof {
        Proof::Secret(secret) => (
            vec![("client_secret", secret.to_owned())],
            "create a new client secret for the service principal and update the connection",
        ),
        // learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow
        // #third-case-access-token-request-with-a-federated-credential
        Proof::FederatedToken(token) => (
            vec![
                ("client_assertion_type", JWT_BEARER.to_owned()),
                ("client_assertion", token.to_owned()),
            ],
            "check the application's federated credential (issuer, subject and audience of the \
             runner's token)",
        ),
    };
    let mut form = vec![
        ("grant_type", "client_credentials".to_owned()),
        ("client_id", id.to_owned()),
    ];
    form.extend(proof);
    form.push(("scope", scope));
    Probe {
        method: reqwest::Method::POST,
        url: format!("{}/{tenant}/oauth2/v2.0/token", login.trim_end_matches('/')),
        auth: Auth::None,
        thing: format!("a token in tenant {tenant}"),
        fix,
        form,
    }
}
