//! State backends that are not S3 or GCS (the server's verifier and `gcp.rs` check those):
//! Pulumi Cloud, and Azure Blob Storage containers for Pulumi (a storage account key) and
//! Terraform's `azurerm` backend (a service principal).

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::http::{unreachable_with, Auth, Probe};
use crate::{Checker, Fields, Outcome, Verdict};

/// The Blob service version every request names (learn.microsoft.com/rest/api/storageservices/
/// versioning-for-the-azure-storage-services); old enough for Azurite and every region.
const BLOB_VERSION: &str = "2021-08-06";

/// `GET /api/user/stacks?organization=ORG` (pulumi.com/docs/pulumi-cloud/reference/
/// cloud-rest-api/stacks/#list-stacks), with `Authorization: token …` as the REST API's
/// authentication section says.
pub(crate) async fn pulumi_cloud(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let organization = fields.get("pulumi_organization")?;
    let token = fields.get("access_token")?;
    let base = match fields.get("api_url") {
        Some(url) => crate::origin(url),
        None => checker.base("pulumi", "https://api.pulumi.com"),
    };
    let authorization = format!("token {token}");
    // A self-hosted Pulumi Cloud may have a private CA (its `ca_bundle`).
    let http = match checker.client_with_ca(fields) {
        Ok(http) => http,
        Err(verdict) => return Some(verdict),
    };
    Some(
        Probe {
            method: reqwest::Method::GET,
            url: format!("{base}/api/user/stacks?organization={organization}"),
            auth: Auth::Headers(vec![
                ("Authorization", authorization.as_str()),
                ("Accept", "application/vnd.pulumi+8"),
            ]),
            thing: format!("organization {organization}"),
            fix: "create a new access token (pulumi.com > Settings > Access tokens) and update \
                  the connection's secret",
            form: Vec::new(),
        }
        .verdict(&http, |answer| {
            let stacks = answer.body["stacks"].as_array().map_or(0, Vec::len);
            Verdict::ok(
                None,
                format!(
                    "Pulumi Cloud accepted the token; organization {organization} shows it \
                     {stacks} stack(s)"
                ),
            )
        })
        .await,
    )
}

/// How a Blob request is authorized.
enum BlobAuth<'a> {
    /// Shared Key: the account key signs the request
    /// (learn.microsoft.com/rest/api/storageservices/authorize-with-shared-key).
    SharedKey(&'a str),
    /// A Microsoft Entra token for `https://storage.azure.com/`.
    Bearer(String),
}

/// Pulumi's `azblob://` backend: the storage account key lists one blob of the container.
pub(crate) async fn pulumi_blob(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let account = fields.get("storage_account_name")?;
    let container = fields.get("blob_storage_container")?;
    let key = fields.get("storage_account_key")?;
    Some(list_one_blob(checker, account, container, BlobAuth::SharedKey(key)).await)
}

/// Terraform's `azurerm` backend with a service principal: a token for Azure Storage
/// (learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow), then one
/// blob of the container listed with it.
pub(crate) async fn terraform_blob(checker: &Checker, fields: &Fields<'_>) -> Option<Verdict> {
    let tenant = fields.get("tenant_id")?;
    let id = fields.get("client_id")?;
    let secret = fields.get("client_secret")?;
    let account = fields.get("storage_account_name")?;
    let container = fields.get("container_name")?;
    let login = checker.base("azure", "https://login.microsoftonline.com");
    let grant = crate::azure::entra_grant(
        &login,
        tenant,
        id,
        crate::azure::Proof::Secret(secret),
        "https://storage.azure.com/.default".to_owned(),
    );
    let token = match grant.send(&checker.http).await {
        Ok(answer) => answer.body["access_token"].as_str()?.to_owned(),
        Err(verdict) => return Some(verdict),
    };
    Some(list_one_blob(checker, account, container, BlobAuth::Bearer(token)).await)
}

/// `GET {container}?restype=container&comp=list&maxresults=1` (List Blobs,
/// learn.microsoft.com/rest/api/storageservices/list-blobs): the cheapest read that proves the
/// credential may read state there. Errors come as XML; their code is in `x-ms-error-code`.
async fn list_one_blob(
    checker: &Checker,
    account: &str,
    container: &str,
    auth: BlobAuth<'_>,
) -> Verdict {
    let base = checker.base(
        "azure-blob",
        &format!("https://{account}.blob.core.windows.net"),
    );
    let url = format!("{base}/{container}?restype=container&comp=list&maxresults=1");
    let parsed = reqwest::Url::parse(&url).ok();
    let host = parsed
        .as_ref()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_default();
    if crate::guard::forbidden_literal(&host) {
        return Verdict {
            outcome: Outcome::Unreachable,
            identity: None,
            message: crate::guard::refusal(&host),
        };
    }
    let date = httpdate::fmt_http_date(std::time::SystemTime::now());
    let mut request = checker
        .http
        .get(&url)
        .header("x-ms-date", &date)
        .header("x-ms-version", BLOB_VERSION);
    let keyed = matches!(auth, BlobAuth::SharedKey(_));
    request = match auth {
        BlobAuth::Bearer(token) => request.bearer_auth(token),
        BlobAuth::SharedKey(key) => {
            let path = parsed.as_ref().map_or("", |u| u.path());
            match shared_key(account, key, path, &date) {
                Some(signature) => request.header("authorization", signature),
                None => {
                    return Verdict {
                        outcome: Outcome::WrongCredentials,
                        identity: None,
                        message: "the storage account key is not base64; copy it again from \
                                  the portal (Security + networking > Access keys)"
                            .to_owned(),
                    }
                }
            }
        }
    };
    let response = match request.send().await {
        Ok(response) => response,
        Err(e) => {
            return unreachable_with(
                &host,
                &e,
                "check the storage account name and this server's network",
            )
        }
    };
    let status = response.status().as_u16();
    let code = response
        .headers()
        .get("x-ms-error-code")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let (outcome, message) = match (status, code.as_str()) {
        (200, _) => {
            return Verdict::ok(
                None,
                format!("storage account {account} let the credential read container {container}"),
            )
        }
        (404, "ContainerNotFound") => (
            Outcome::NotFound,
            format!(
                "storage account {account} has no container {container}; create it or fix the \
                 connection's container"
            ),
        ),
        // An account key may do everything, so a key refused for any reason is the key's
        // problem: the service says AuthenticationFailed for a bad signature, Azurite says
        // AuthorizationFailure (which the service also says when its firewall keeps the
        // caller out: the message names both).
        (403, _) if keyed => (
            Outcome::WrongCredentials,
            format!(
                "storage account {account} refused the account key ({code}); copy the key again \
                 (Security + networking > Access keys), or allow this server through the \
                 account's firewall"
            ),
        ),
        (403, "AuthenticationFailed") | (401, _) => (
            Outcome::WrongCredentials,
            format!(
                "storage account {account} refused the credential ({}); {}",
                if code.is_empty() {
                    "HTTP 401"
                } else {
                    code.as_str()
                },
                "update the connection's key or secret"
            ),
        ),
        (403, _) => (
            Outcome::MissingPermission,
            format!(
                "storage account {account} accepted the credential but refused to list container \
                 {container} ({code}); grant it Storage Blob Data Contributor there"
            ),
        ),
        (404, _) => (
            Outcome::NotFound,
            format!("no storage account {account} answered ({code}); check its name"),
        ),
        _ => (
            Outcome::Unreachable,
            format!("storage account {account} answered HTTP {status} ({code}); try again later"),
        ),
    };
    Verdict {
        outcome,
        identity: None,
        message,
    }
}

/// `SharedKey ACCOUNT:SIGNATURE` for a GET of `path` with this query, no body and only the
/// `x-ms-date` and `x-ms-version` headers; `None` when the key is not base64.
fn shared_key(account: &str, key: &str, path: &str, date: &str) -> Option<String> {
    let key = base64::engine::general_purpose::STANDARD.decode(key).ok()?;
    // VERB, then eleven standard headers (all empty here), then the canonicalized x-ms-
    // headers and resource. The resource is the account and the URL's path (for an emulator's
    // path-style URL that repeats the account, as its docs say), then the query sorted.
    let to_sign = format!(
        "GET\n\n\n\n\n\n\n\n\n\n\n\nx-ms-date:{date}\nx-ms-version:{BLOB_VERSION}\n\
         /{account}{path}\ncomp:list\nmaxresults:1\nrestype:container"
    );
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(to_sign.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    Some(format!("SharedKey {account}:{signature}"))
}

#[cfg(test)]
mod tests {
    use super::shared_key;

    /// The string to sign is fixed by the request; a different key, path or date signs
    /// differently, and a key that is not base64 is said so.
    #[test]
    fn shared_key_signs_what_it_is_given() {
        let key = "c2VjcmV0LWtleS1ieXRlcw==";
        let date = "Mon, 07 Dec 2026 08:00:00 GMT";
        let one = shared_key("acme", key, "/state", date).unwrap();
        assert!(one.starts_with("SharedKey acme:"));
        assert_eq!(one, shared_key("acme", key, "/state", date).unwrap());
        assert_ne!(one, shared_key("acme", key, "/other", date).unwrap());
        assert_ne!(one, shared_key("acme", "b3RoZXI=", "/state", date).unwrap());
        assert!(shared_key("acme", "not base64!", "/state", date).is_none());
    }
}
