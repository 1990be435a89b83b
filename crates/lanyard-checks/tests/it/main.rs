//! Contract tests: each check against a local HTTPS server that replays the provider's
//! documented answers (the page each case follows is named), and refuses requests whose path,
//! host or credential header differ from the documentation.

mod azurite;
mod contract;
mod own_identity;

use base64::Engine as _;
use contract::{Contract, Exchange};
use lanyard_checks::{Checker, Outcome};
use lanyard_providers::ResolvedFields;

const GH_TOKEN: &str = "ghp_PLANTEDplantedPLANTEDplanted0000000";

/// A documented case: the provider and kind, the fields (`{base}` is the contract server),
/// the exchanges the documentation describes, the outcome and a fragment of the message.
struct Case {
    doc: &'static str,
    provider: &'static str,
    kind: Option<&'static str>,
    fields: Vec<(&'static str, String)>,
    exchanges: Vec<Exchange>,
    outcome: Outcome,
    says: &'static str,
}

fn exchange(
    method: &'static str,
    path: &'static str,
    header: (&'static str, &str),
    status: u16,
    body: &str,
) -> Exchange {
    Exchange {
        method,
        path,
        header: (header.0, header.1.to_owned()),
        status,
        headers: Vec::new(),
        body: body.to_owned(),
        digest: None,
    }
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

fn basic(user: &str, password: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
    )
}

/// A service account key as `gcloud iam service-accounts keys create` writes it, whose
/// token_uri is the contract server.
fn service_account_key() -> String {
    let key = lanyard_oidc::SigningKey::generate().unwrap();
    let pem = pem("RSA PRIVATE KEY", key.pkcs1_der().expose_secret());
    serde_json::json!({
        "type": "service_account",
        "project_id": "acme-prod",
        "private_key_id": "0123456789abcdef",
        "private_key": pem,
        "client_email": "deployer@acme-prod.iam.gserviceaccount.com",
        "token_uri": "{base}/token",
    })
    .to_string()
}

/// A kubeconfig whose current context points at the contract server (`{ca}`: its certificate).
fn kubeconfig(token: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: deploy\n\
         clusters:\n- name: edge\n  cluster:\n    server: {{base}}\n    certificate-authority-data: {{ca}}\n\
         contexts:\n- name: deploy\n  context:\n    cluster: edge\n    user: ci\n    namespace: deploy\n\
         users:\n- name: ci\n  user:\n    token: {token}\n"
    )
}

/// A kubeconfig whose user runs `aws eks get-token` (EKS's own), pointing at the contract server.
fn kubeconfig_exec() -> String {
    "apiVersion: v1\nkind: Config\ncurrent-context: eks\n\
     clusters:\n- name: eks\n  cluster:\n    server: {base}\n    certificate-authority-data: {ca}\n\
     contexts:\n- name: eks\n  context:\n    cluster: eks\n    user: eks\n\
     users:\n- name: eks\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: /usr/local/bin/aws\n      args: [eks, get-token, --cluster-name, PLANTEDcluster]\n"
        .to_owned()
}

/// An Artifact Registry connection's fields: its key as `gcloud iam service-accounts keys
/// create` writes it (only its shape matters to the registry check).
const GAR_KEY: &str = r#"{"type":"service_account","project_id":"acme-prod","private_key_id":"0123","private_key":"-----BEGIN PRIVATE KEY-----\nPLANTEDgarKEY\n-----END PRIVATE KEY-----\n","client_email":"pusher@acme-prod.iam.gserviceaccount.com"}"#;

fn gar_fields() -> Vec<(&'static str, String)> {
    vec![
        ("gcp_project_id", "acme-prod".into()),
        ("gcp_region", "us-central1".into()),
        ("gcp_artifact_registry_repo_name", "images".into()),
        ("service_account_key", GAR_KEY.into()),
    ]
}

/// An npm feed on Artifact Registry with a key that signs (its token_uri is the contract server).
fn gar_npm_fields(key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("gcp_project_id", "acme-prod".into()),
        ("gcp_region", "us-central1".into()),
        ("gcp_artifact_registry_repo_name", "packages".into()),
        ("service_account_key", key.to_owned()),
    ]
}

/// Google's token endpoint granting the key a token.
fn gcp_token() -> Exchange {
    exchange(
        "POST",
        "/token",
        ("content-type", "application/x-www-form-urlencoded"),
        200,
        r#"{"access_token":"ya29.PLANTEDplanted","expires_in":3599,"token_type":"Bearer"}"#,
    )
}

/// Artifact Registry's answer to an anonymous `GET /v2/`: where to get a token.
fn gar_challenge() -> Exchange {
    Exchange {
        headers: vec![(
            "www-authenticate",
            r#"Bearer realm="{base}/v2/token",service="us-central1-docker.pkg.dev""#.into(),
        )],
        ..exchange(
            "GET",
            "/v2/",
            ("authorization", ""),
            401,
            r#"{"errors":[{"code":"UNAUTHORIZED"}]}"#,
        )
    }
}

fn gar_password() -> String {
    base64::engine::general_purpose::STANDARD.encode(GAR_KEY)
}

const ATLAS_KEY: &str = "00000000-0000-4000-8000-00000000a71a";

/// The Atlas organizations listing behind Digest with the `plantedpub` key: `status` and
/// `body` once the request is signed with [`ATLAS_KEY`].
fn atlas(status: u16, body: &str) -> Exchange {
    Exchange {
        digest: Some(("plantedpub", ATLAS_KEY.to_owned())),
        ..exchange(
            "GET",
            "/api/atlas/v2/orgs",
            ("accept", "application/vnd.atlas.2023-01-01+json"),
            status,
            body,
        )
    }
}

/// A Snowflake user's key pair: a fresh RSA key as PKCS#8 PEM (what `openssl genpkey` writes
/// and the documentation asks for).
fn snowflake_key() -> String {
    use rsa::pkcs1::DecodeRsaPrivateKey as _;
    use rsa::pkcs8::EncodePrivateKey as _;
    let key = lanyard_oidc::SigningKey::generate().unwrap();
    let rsa = rsa::RsaPrivateKey::from_pkcs1_der(key.pkcs1_der().expose_secret()).unwrap();
    rsa.to_pkcs8_pem(rsa::pkcs8::LineEnding::LF)
        .unwrap()
        .to_string()
}

fn snowflake_fields(key: &str) -> Vec<(&'static str, String)> {
    vec![
        ("account", "myorg-myaccount".into()),
        ("username", "deployer".into()),
        ("private_key", key.to_owned()),
    ]
}

const PULUMI_TOKEN: &str = "pul-PLANTEDplantedPLANTEDplanted0000";
const STORAGE_TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.PLANTEDstorage.sig";

/// A Terraform `azurerm` backend connection's fields (a service principal).
fn azurerm_fields() -> Vec<(&'static str, String)> {
    vec![
        ("tenant_id", "00000000-0000-4000-8000-0000000000aa".into()),
        ("client_id", "00000000-0000-4000-8000-00000000c1d0".into()),
        ("client_secret", "azsecretPLANTEDplanted".into()),
        (
            "subscription_id",
            "00000000-0000-4000-8000-0000000000bb".into(),
        ),
        ("resource_group_name", "state".into()),
        ("storage_account_name", "acmestate".into()),
        ("container_name", "tfstate".into()),
    ]
}

/// Entra ID's token for Azure Storage (learn.microsoft.com/entra/identity-platform/
/// v2-oauth2-client-creds-grant-flow#successful-response-1).
fn storage_token() -> Exchange {
    exchange(
        "POST",
        "/00000000-0000-4000-8000-0000000000aa/oauth2/v2.0/token",
        ("content-type", "application/x-www-form-urlencoded"),
        200,
        &format!(r#"{{"token_type":"Bearer","expires_in":3599,"access_token":"{STORAGE_TOKEN}"}}"#),
    )
}

fn cases() -> Vec<Case> {
    let snowflake_key = snowflake_key();
    let gh_auth = bearer(GH_TOKEN);
    let sa_key = service_account_key();
    let kube_token = "eyJhbGciOiJSUzI1NiJ9.PLANTED.kube";
    vec![
        Case {
            doc: "kubernetes.io/docs/reference/access-authn-authz/authorization/#checking-api-access (SelfSubjectAccessReview)",
            provider: "kubernetes",
            kind: None,
            fields: vec![("kubeconfig", kubeconfig(kube_token))],
            exchanges: vec![
                exchange("GET", "/version", ("authorization", &bearer(kube_token)), 200,
                    r#"{"major":"1","minor":"31","gitVersion":"v1.31.2"}"#),
                exchange("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ("authorization", &bearer(kube_token)), 201,
                    r#"{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","status":{"allowed":false}}"#),
            ],
            outcome: Outcome::MissingPermission,
            says: "may not list pods in namespace deploy",
        },
        Case {
            doc: "kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins (an exec user: the server never runs it) and rbac#discovery-roles (system:public-info-viewer reads /version)",
            provider: "kubernetes",
            kind: None,
            fields: vec![("kubeconfig", kubeconfig_exec())],
            exchanges: vec![exchange("GET", "/version", ("authorization", ""), 200,
                r#"{"major":"1","minor":"31","gitVersion":"v1.31.2-eks-7f9249a"}"#)],
            outcome: Outcome::Unchecked,
            says: "the cluster (v1.31.2-eks-7f9249a) answers; the kubeconfig's user gets its credential from `aws`",
        },
        Case {
            doc: "kubernetes.io/docs/reference/access-authn-authz/rbac/#discovery-roles (anonymous access turned off: 401)",
            provider: "kubernetes",
            kind: None,
            fields: vec![("kubeconfig", kubeconfig_exec())],
            exchanges: vec![exchange("GET", "/version", ("authorization", ""), 401,
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#)],
            outcome: Outcome::Unchecked,
            says: "the cluster answers (it refuses anonymous requests)",
        },
        Case {
            doc: "kubernetes.io/docs/reference/access-authn-authz/authentication/ (401 Status for a bad token)",
            provider: "kubernetes",
            kind: None,
            fields: vec![("kubeconfig", kubeconfig(kube_token))],
            exchanges: vec![exchange("GET", "/version", ("authorization", &bearer(kube_token)), 401,
                r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#)],
            outcome: Outcome::WrongCredentials,
            says: "HTTP 401: Unauthorized",
        },
        Case {
            doc: "cloud.google.com/artifact-registry/docs/reference/rest/v1/projects.locations.repositories/get (npm on Artifact Registry)",
            provider: "npm",
            kind: Some("gar"),
            fields: gar_npm_fields(&sa_key),
            exchanges: vec![
                gcp_token(),
                exchange("GET", "/v1/projects/acme-prod/locations/us-central1/repositories/packages", ("authorization", &bearer("ya29.PLANTEDplanted")), 200,
                    r#"{"name":"projects/acme-prod/locations/us-central1/repositories/packages","format":"NPM","mode":"STANDARD_REPOSITORY"}"#),
            ],
            outcome: Outcome::Ok,
            says: "deployer@acme-prod.iam.gserviceaccount.com may read Artifact Registry repository packages (NPM)",
        },
        Case {
            doc: "cloud.google.com/artifact-registry/docs/access-control (PERMISSION_DENIED without a reader role)",
            provider: "npm",
            kind: Some("gar"),
            fields: gar_npm_fields(&sa_key),
            exchanges: vec![
                gcp_token(),
                exchange("GET", "/v1/projects/acme-prod/locations/us-central1/repositories/packages", ("authorization", &bearer("ya29.PLANTEDplanted")), 403,
                    r#"{"error":{"code":403,"message":"Permission 'artifactregistry.repositories.get' denied on resource '//artifactregistry.googleapis.com/projects/acme-prod/locations/us-central1/repositories/packages' (or it may not exist).","status":"PERMISSION_DENIED"}}"#),
            ],
            outcome: Outcome::MissingPermission,
            says: "(HTTP 403: Permission 'artifactregistry.repositories.get' denied",
        },
        Case {
            doc: "cloud.google.com/artifact-registry/docs/reference/rest/v1/projects.locations.repositories/get (NOT_FOUND)",
            provider: "npm",
            kind: Some("gar"),
            fields: gar_npm_fields(&sa_key),
            exchanges: vec![
                gcp_token(),
                exchange("GET", "/v1/projects/acme-prod/locations/us-central1/repositories/packages", ("authorization", &bearer("ya29.PLANTEDplanted")), 404,
                    r#"{"error":{"code":404,"message":"Requested entity was not found.","status":"NOT_FOUND"}}"#),
            ],
            outcome: Outcome::NotFound,
            says: "repository packages in project acme-prod",
        },
        Case {
            doc: "developers.google.com/identity/protocols/oauth2/service-account#httprest and cloud.google.com/storage/docs/json_api/v1/objects/list",
            provider: "terraform-backend",
            kind: Some("gcs"),
            fields: vec![("service_account_key", sa_key.clone()), ("gcs_bucket", "acme-state".into())],
            exchanges: vec![
                exchange("POST", "/token", ("content-type", "application/x-www-form-urlencoded"), 200,
                    r#"{"access_token":"ya29.PLANTEDplanted","expires_in":3599,"token_type":"Bearer"}"#),
                exchange("GET", "/storage/v1/b/acme-state/o", ("authorization", &bearer("ya29.PLANTEDplanted")), 404,
                    r#"{"error":{"code":404,"message":"The specified bucket does not exist."}}"#),
            ],
            outcome: Outcome::NotFound,
            says: "has no bucket acme-state",
        },
        Case {
            doc: "developers.google.com/identity/protocols/oauth2/service-account#error-codes (invalid_grant)",
            provider: "gcp",
            kind: None,
            fields: vec![("service_account_key", sa_key.clone())],
            exchanges: vec![exchange("POST", "/token", ("content-type", "application/x-www-form-urlencoded"), 400,
                r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#)],
            outcome: Outcome::WrongCredentials,
            says: "Invalid JWT Signature",
        },
        Case {
            doc: "docs.github.com/en/rest/users/users#get-the-authenticated-user (GHES: /api/v3)",
            provider: "github",
            kind: None,
            fields: vec![("token", GH_TOKEN.into()), ("host", "{base}".into())],
            exchanges: vec![Exchange {
                headers: vec![
                    ("x-oauth-scopes", "repo, read:org".into()),
                    ("github-authentication-token-expiration", "2027-01-01 00:00:00 UTC".into()),
                ],
                ..exchange("GET", "/api/v3/user", ("authorization", &gh_auth), 200, r#"{"login":"octocat","id":1}"#)
            }],
            outcome: Outcome::Ok,
            says: "octocat; scopes: repo, read:org; it expires 2027-01-01",
        },
        Case {
            doc: "docs.github.com/en/rest/overview/troubleshooting-the-rest-api#bad-credentials",
            provider: "github",
            kind: None,
            fields: vec![("token", GH_TOKEN.into())],
            exchanges: vec![exchange("GET", "/user", ("authorization", &gh_auth), 401,
                &format!(r#"{{"message":"Bad credentials: {GH_TOKEN}","documentation_url":"https://docs.github.com/rest"}}"#))],
            outcome: Outcome::WrongCredentials,
            says: "HTTP 401: Bad credentials: [REDACTED]",
        },
        Case {
            doc: "docs.github.com/en/rest/authentication/permissions-required-for-fine-grained-personal-access-tokens",
            provider: "github",
            kind: None,
            fields: vec![("token", GH_TOKEN.into())],
            exchanges: vec![exchange("GET", "/user", ("authorization", &gh_auth), 403,
                r#"{"message":"Resource not accessible by personal access token"}"#)],
            outcome: Outcome::MissingPermission,
            says: "Resource not accessible by personal access token",
        },
        Case {
            doc: "docs.gitlab.com/api/users/#retrieve-the-current-user and docs.gitlab.com/api/groups/#get-a-single-group",
            provider: "gitlab",
            kind: None,
            fields: vec![("access_token", "glpat-PLANTEDplanted00000".into()), ("host", "{base}".into()), ("group_id", "acme/platform".into())],
            exchanges: vec![
                exchange("GET", "/api/v4/user", ("authorization", &bearer("glpat-PLANTEDplanted00000")), 200, r#"{"id":7,"username":"jdoe"}"#),
                exchange("GET", "/api/v4/groups/acme%2Fplatform", ("authorization", &bearer("glpat-PLANTEDplanted00000")), 200, r#"{"id":9,"full_path":"acme/platform"}"#),
            ],
            outcome: Outcome::Ok,
            says: "GitLab accepted the token of jdoe",
        },
        Case {
            doc: "docs.gitlab.com/api/rest/troubleshooting/#status-code-401 (expired token)",
            provider: "gitlab",
            kind: None,
            fields: vec![("access_token", "glpat-PLANTEDplanted00000".into()), ("host", "{base}".into())],
            exchanges: vec![exchange("GET", "/api/v4/user", ("authorization", &bearer("glpat-PLANTEDplanted00000")), 401,
                r#"{"error":"invalid_token","error_description":"Token is expired. You can either do re-authorization or token refresh."}"#)],
            outcome: Outcome::Expired,
            says: "says the credential expired",
        },
        Case {
            doc: "docs.gitlab.com/api/groups/#get-a-single-group (404 for a missing group)",
            provider: "gitlab",
            kind: None,
            fields: vec![("access_token", "glpat-PLANTEDplanted00000".into()), ("host", "{base}".into()), ("group_id", "42".into())],
            exchanges: vec![
                exchange("GET", "/api/v4/user", ("authorization", &bearer("glpat-PLANTEDplanted00000")), 200, r#"{"username":"jdoe"}"#),
                exchange("GET", "/api/v4/groups/42", ("authorization", &bearer("glpat-PLANTEDplanted00000")), 404, r#"{"message":"404 Group Not Found"}"#),
            ],
            outcome: Outcome::NotFound,
            says: "has no group 42",
        },
        Case {
            doc: "developers.cloudflare.com/api/resources/user/subresources/tokens/methods/verify/",
            provider: "cloudflare",
            kind: None,
            fields: vec![("api_token", "cf-PLANTEDplantedPLANTED".into())],
            exchanges: vec![exchange("GET", "/client/v4/user/tokens/verify", ("authorization", &bearer("cf-PLANTEDplantedPLANTED")), 200,
                r#"{"success":true,"errors":[],"messages":[],"result":{"id":"f267e341f3dd4697bd3b9f71dd96247f","status":"active"}}"#)],
            outcome: Outcome::Ok,
            says: "Cloudflare accepted",
        },
        Case {
            doc: "developers.cloudflare.com/fundamentals/api/troubleshooting/ (1000 Invalid API Token)",
            provider: "cloudflare",
            kind: None,
            fields: vec![("api_token", "cf-PLANTEDplantedPLANTED".into())],
            exchanges: vec![exchange("GET", "/client/v4/user/tokens/verify", ("authorization", &bearer("cf-PLANTEDplantedPLANTED")), 401,
                r#"{"success":false,"errors":[{"code":1000,"message":"Invalid API Token"}],"messages":[],"result":null}"#)],
            outcome: Outcome::WrongCredentials,
            says: "Invalid API Token",
        },
        Case {
            doc: "developers.cloudflare.com/fundamentals/api/get-started/keys/ (global key: X-Auth-Email, X-Auth-Key)",
            provider: "cloudflare",
            kind: None,
            fields: vec![("api_key", "0123456789abcdefPLANTED".into()), ("email", "ops@acme.test".into())],
            exchanges: vec![exchange("GET", "/client/v4/user", ("x-auth-key", "0123456789abcdefPLANTED"), 200, r#"{"success":true,"result":{"id":"u1"}}"#)],
            outcome: Outcome::Ok,
            says: "Cloudflare accepted",
        },
        Case {
            doc: "docs.digitalocean.com/reference/api/digitalocean/#tag/Account/operation/account_get",
            provider: "digitalocean",
            kind: None,
            fields: vec![("api_token", "dop_v1_PLANTEDplantedPLANTEDplanted000".into())],
            exchanges: vec![exchange("GET", "/v2/account", ("authorization", &bearer("dop_v1_PLANTEDplantedPLANTEDplanted000")), 200,
                r#"{"account":{"email":"ops@acme.test","status":"active"}}"#)],
            outcome: Outcome::Ok,
            says: "ops@acme.test",
        },
        Case {
            doc: "docs.digitalocean.com/reference/api/digitalocean/ (401 unauthorized)",
            provider: "digitalocean",
            kind: None,
            fields: vec![("api_token", "dop_v1_PLANTEDplantedPLANTEDplanted000".into())],
            exchanges: vec![exchange("GET", "/v2/account", ("authorization", &bearer("dop_v1_PLANTEDplantedPLANTEDplanted000")), 401,
                r#"{"id":"Unauthorized","message":"Unable to authenticate you"}"#)],
            outcome: Outcome::WrongCredentials,
            says: "Unable to authenticate you",
        },
        Case {
            doc: "civo.com/api/quota",
            provider: "civo",
            kind: None,
            fields: vec![("api_token", "civoPLANTEDplantedPLANTED".into())],
            exchanges: vec![exchange("GET", "/v2/quota", ("authorization", &bearer("civoPLANTEDplantedPLANTED")), 200, r#"{"instance_count_limit":16}"#)],
            outcome: Outcome::Ok,
            says: "Civo accepted",
        },
        Case {
            doc: "auth0.com/docs/secure/tokens/access-tokens/management-api-access-tokens (403 unauthorized client)",
            provider: "auth0",
            kind: None,
            fields: vec![("domain", "{base}".into()), ("client_id", "cid-PLANTED".into()), ("client_secret", "csecret-PLANTED-0000".into())],
            exchanges: vec![exchange("POST", "/oauth/token", ("content-type", "application/x-www-form-urlencoded"), 403,
                r#"{"error":"access_denied","error_description":"Client is not authorized to access the Management API."}"#)],
            outcome: Outcome::MissingPermission,
            says: "Client is not authorized",
        },
        Case {
            doc: "docs.github.com/en/packages/working-with-a-github-packages-registry/working-with-the-npm-registry",
            provider: "npm",
            kind: Some("github-packages"),
            fields: vec![("github_username", "octocat".into()), ("personal_access_token", GH_TOKEN.into())],
            exchanges: vec![exchange("GET", "/-/whoami", ("authorization", &gh_auth), 200, r#"{"username":"octocat"}"#)],
            outcome: Outcome::Ok,
            says: "knows octocat",
        },
        Case {
            doc: "docs.github.com/en/packages/working-with-a-github-packages-registry/working-with-the-apache-maven-registry",
            provider: "maven",
            kind: Some("github-packages"),
            fields: vec![("github_username", "octocat".into()), ("personal_access_token", GH_TOKEN.into()), ("github_repository", "acme/libs".into())],
            exchanges: vec![exchange("HEAD", "/acme/libs/", ("authorization", &basic("octocat", GH_TOKEN)), 401, "")],
            outcome: Outcome::WrongCredentials,
            says: "refused the credential",
        },
        Case {
            doc: "distribution.github.io/distribution/spec/auth/token/ (the Bearer token flow ghcr.io uses)",
            provider: "container-registry",
            kind: Some("ghcr"),
            fields: vec![("github_username", "octocat".into()), ("personal_access_token", GH_TOKEN.into())],
            exchanges: vec![
                Exchange {
                    headers: vec![("www-authenticate", r#"Bearer realm="{base}/token",service="ghcr.io",scope="repository:user/image:pull""#.into())],
                    ..exchange("GET", "/v2/", ("authorization", ""), 401, r#"{"errors":[{"code":"UNAUTHORIZED"}]}"#)
                },
                exchange("GET", "/token", ("authorization", &basic("octocat", GH_TOKEN)), 200, r#"{"token":"registry-token-PLANTED"}"#),
                exchange("GET", "/v2/", ("authorization", &bearer("registry-token-PLANTED")), 200, "{}"),
            ],
            outcome: Outcome::Ok,
            says: "accepted octocat's credentials",
        },
        Case {
            doc: "cloud.google.com/artifact-registry/docs/docker/authentication#json-key (user _json_key_base64, then the registry's Bearer token flow)",
            provider: "container-registry",
            kind: Some("gar"),
            fields: gar_fields(),
            exchanges: vec![
                gar_challenge(),
                exchange("GET", "/v2/token", ("authorization", &basic("_json_key_base64", &gar_password())), 200, r#"{"token":"gar-token-PLANTED"}"#),
                exchange("GET", "/v2/", ("authorization", &bearer("gar-token-PLANTED")), 200, "{}"),
            ],
            outcome: Outcome::Ok,
            says: "accepted _json_key_base64's credentials",
        },
        Case {
            doc: "cloud.google.com/artifact-registry/docs/docker/troubleshoot#auth (a disabled or deleted key: the token request is refused)",
            provider: "container-registry",
            kind: Some("gar"),
            fields: gar_fields(),
            exchanges: vec![
                gar_challenge(),
                exchange("GET", "/v2/token", ("authorization", &basic("_json_key_base64", &gar_password())), 401,
                    r#"{"errors":[{"code":"UNAUTHORIZED","message":"failed to authenticate the service account key"}]}"#),
            ],
            outcome: Outcome::WrongCredentials,
            says: "failed to authenticate",
        },
        Case {
            doc: "cloud.google.com/artifact-registry/docs/java/authentication#json-key (Maven: user _json_key_base64, HTTP Basic)",
            provider: "maven",
            kind: Some("gar"),
            fields: gar_fields(),
            exchanges: vec![exchange("HEAD", "/acme-prod/images/", ("authorization", &basic("_json_key_base64", &gar_password())), 403, "")],
            outcome: Outcome::MissingPermission,
            says: "refused repository",
        },
        Case {
            doc: "openfga.dev/api/service#/Stores/GetStore",
            provider: "openfga",
            kind: None,
            fields: vec![("api_url", "{base}".into()), ("store_id", "01HVMMBCMGZNT3SED4Z17ECXCA".into()), ("api_token", "fga-PLANTEDplanted".into())],
            exchanges: vec![exchange("GET", "/stores/01HVMMBCMGZNT3SED4Z17ECXCA", ("authorization", &bearer("fga-PLANTEDplanted")), 404,
                r#"{"code":"store_id_not_found","message":"store not found"}"#)],
            outcome: Outcome::NotFound,
            says: "has no store 01HVMMBCMGZNT3SED4Z17ECXCA",
        },
        Case {
            doc: "docs.confluent.io/cloud/current/api.html#section/Authentication (Cloud API key, HTTP Basic)",
            provider: "confluent",
            kind: None,
            fields: vec![("api_key", "CKEYPLANTED00001".into()), ("api_secret", "csecretPLANTEDplantedPLANTED".into())],
            exchanges: vec![exchange("GET", "/org/v2/environments", ("authorization", &basic("CKEYPLANTED00001", "csecretPLANTEDplantedPLANTED")), 401,
                r#"{"errors":[{"status":"401","detail":"Unauthorized"}]}"#)],
            outcome: Outcome::WrongCredentials,
            says: "refused the credential",
        },
        Case {
            doc: "learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#error-response",
            provider: "azure",
            kind: None,
            fields: vec![("tenant_id", "00000000-0000-4000-8000-0000000000aa".into()), ("client_id", "00000000-0000-4000-8000-00000000c1d0".into()),
                ("client_secret", "azsecretPLANTEDplanted".into()), ("subscription_id", "00000000-0000-4000-8000-0000000000bb".into())],
            exchanges: vec![exchange("POST", "/00000000-0000-4000-8000-0000000000aa/oauth2/v2.0/token", ("content-type", "application/x-www-form-urlencoded"), 401,
                r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.","error_codes":[7000215]}"#)],
            outcome: Outcome::WrongCredentials,
            says: "AADSTS7000215",
        },
        Case {
            doc: "learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow#successful-response-1",
            provider: "azure",
            kind: None,
            fields: vec![("tenant_id", "00000000-0000-4000-8000-0000000000aa".into()), ("client_id", "00000000-0000-4000-8000-00000000c1d0".into()),
                ("client_secret", "azsecretPLANTEDplanted".into())],
            exchanges: vec![exchange("POST", "/00000000-0000-4000-8000-0000000000aa/oauth2/v2.0/token", ("content-type", "application/x-www-form-urlencoded"), 200,
                r#"{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.sig"}"#)],
            outcome: Outcome::Ok,
            says: "granted the service principal a token",
        },
        Case {
            doc: "(hardening) a host field pointed at a service that is not the provider: its body is never echoed",
            provider: "gitlab",
            kind: None,
            fields: vec![("access_token", "glpat-PLANTEDplanted00000".into()), ("host", "{base}".into())],
            exchanges: vec![exchange("GET", "/api/v4/user", ("authorization", &bearer("glpat-PLANTEDplanted00000")), 401,
                "ami-id\ninstance-id\niam/security-credentials/internal-role")],
            outcome: Outcome::WrongCredentials,
            says: "HTTP 401: no reason given",
        },
        Case {
            doc: "docs.github.com/en/rest/using-the-rest-api/best-practices (a redirect is never followed with a token)",
            provider: "github",
            kind: None,
            fields: vec![("token", GH_TOKEN.into())],
            exchanges: vec![Exchange {
                headers: vec![("location", "https://elsewhere.example/user".into())],
                ..exchange("GET", "/user", ("authorization", &gh_auth), 302, "")
            }],
            outcome: Outcome::Unreachable,
            says: "never follows with credentials",
        },
        Case {
            doc: "learn.microsoft.com/azure-stack/user/azure-stack-version-profiles-azurecli2 (an Azure Stack Hub's metadata names its authority and audience)",
            provider: "azure",
            kind: None,
            fields: vec![("tenant_id", "00000000-0000-4000-8000-0000000000aa".into()), ("client_id", "00000000-0000-4000-8000-00000000c1d0".into()),
                ("client_secret", "azsecretPLANTEDplanted".into()), ("resource_manager_endpoint", "{base}".into())],
            exchanges: vec![
                exchange("GET", "/metadata/endpoints", ("authorization", ""), 200,
                    r#"{"galleryEndpoint":"{base}/gallery","authentication":{"loginEndpoint":"{base}/adfs-like/","audiences":["https://management.adfs.azurestack.local/0000"]}}"#),
                exchange("POST", "/adfs-like/00000000-0000-4000-8000-0000000000aa/oauth2/v2.0/token", ("content-type", "application/x-www-form-urlencoded"), 200,
                    r#"{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.sig"}"#),
            ],
            outcome: Outcome::Ok,
            says: "granted the service principal a token",
        },
        Case {
            doc: "mongodb.com/docs/atlas/configure-api-access/#make-an-api-request (HTTP Digest, GET /api/atlas/v2/orgs)",
            provider: "mongodb-atlas",
            kind: None,
            fields: vec![("public_key", "plantedpub".into()), ("private_key", ATLAS_KEY.into())],
            exchanges: vec![atlas(200, r#"{"links":[],"results":[{"id":"5e2211c17a3e5a48f5497de3","name":"acme","isDeleted":false}],"totalCount":1}"#)],
            outcome: Outcome::Ok,
            says: "accepted API key plantedpub (it sees 1 organization(s))",
        },
        Case {
            doc: "mongodb.com/docs/atlas/reference/api-errors/ (a private key that does not sign: 401)",
            provider: "mongodb-atlas",
            kind: None,
            fields: vec![("public_key", "plantedpub".into()), ("private_key", "00000000-0000-4000-8000-0000000000ff".into())],
            exchanges: vec![atlas(200, r#"{"results":[]}"#)],
            outcome: Outcome::WrongCredentials,
            says: "You are not authorized for this resource",
        },
        Case {
            doc: "mongodb.com/docs/atlas/reference/api-errors/ (IP_ADDRESS_NOT_ON_ACCESS_LIST, 403)",
            provider: "mongodb-atlas",
            kind: None,
            fields: vec![("public_key", "plantedpub".into()), ("private_key", ATLAS_KEY.into())],
            exchanges: vec![atlas(403, r#"{"detail":"IP address 203.0.113.5 is not allowed to access this resource.","error":403,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","reason":"Forbidden"}"#)],
            outcome: Outcome::MissingPermission,
            says: "add it to the key's IP access list",
        },
        Case {
            doc: "docs.snowflake.com/en/developer-guide/sql-api/authenticating#using-key-pair-authentication (KEYPAIR_JWT) and sql-api/submitting-requests",
            provider: "snowflake",
            kind: None,
            fields: snowflake_fields(&snowflake_key),
            exchanges: vec![exchange("POST", "/api/v2/statements", ("x-snowflake-authorization-token-type", "KEYPAIR_JWT"), 200,
                r#"{"resultSetMetaData":{"numRows":1},"data":[["DEPLOYER"]],"code":"090001","statementStatusUrl":"/api/v2/statements/01b0","sqlState":"00000","statementHandle":"01b0","message":"Statement executed successfully."}"#)],
            outcome: Outcome::Ok,
            says: "accepted the key pair of deployer",
        },
        Case {
            doc: "docs.snowflake.com/en/developer-guide/sql-api/handling-responses (a key the user does not have: 401 390144)",
            provider: "snowflake",
            kind: None,
            fields: snowflake_fields(&snowflake_key),
            exchanges: vec![exchange("POST", "/api/v2/statements", ("x-snowflake-authorization-token-type", "KEYPAIR_JWT"), 401,
                r#"{"code":"390144","message":"JWT token is invalid."}"#)],
            outcome: Outcome::WrongCredentials,
            says: "JWT token is invalid",
        },
        Case {
            doc: "(no documented REST login for passwords: said, not guessed)",
            provider: "snowflake",
            kind: None,
            fields: vec![("account", "myorg-myaccount".into()), ("username", "deployer".into()), ("password", "sf-PLANTED-password".into())],
            exchanges: vec![],
            outcome: Outcome::Unchecked,
            says: "password connections are not checked",
        },
        Case {
            doc: "pulumi.com/docs/pulumi-cloud/reference/cloud-rest-api/stacks/#list-stacks (Authorization: token, #authentication)",
            provider: "pulumi-backend",
            kind: Some("http"),
            fields: vec![("pulumi_organization", "acme".into()), ("access_token", PULUMI_TOKEN.into())],
            exchanges: vec![exchange("GET", "/api/user/stacks", ("authorization", &format!("token {PULUMI_TOKEN}")), 200,
                r#"{"stacks":[{"orgName":"acme","projectName":"network","stackName":"prod","lastUpdate":1700000000,"resourceCount":42}]}"#)],
            outcome: Outcome::Ok,
            says: "organization acme shows it 1 stack(s)",
        },
        Case {
            doc: "pulumi.com/docs/pulumi-cloud/reference/cloud-rest-api/#authentication (a revoked token: 401)",
            provider: "pulumi-backend",
            kind: Some("http"),
            fields: vec![("pulumi_organization", "acme".into()), ("access_token", PULUMI_TOKEN.into())],
            exchanges: vec![exchange("GET", "/api/user/stacks", ("authorization", &format!("token {PULUMI_TOKEN}")), 401,
                r#"{"code":401,"message":"Unauthorized: No credentials provided or are invalid."}"#)],
            outcome: Outcome::WrongCredentials,
            says: "No credentials provided or are invalid",
        },
        Case {
            doc: "learn.microsoft.com/rest/api/storageservices/list-blobs with a token from learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow (scope https://storage.azure.com/.default)",
            provider: "terraform-backend",
            kind: Some("azurerm"),
            fields: azurerm_fields(),
            exchanges: vec![storage_token(), exchange("GET", "/tfstate", ("authorization", &bearer(STORAGE_TOKEN)), 200,
                r#"<?xml version="1.0" encoding="utf-8"?><EnumerationResults ContainerName="tfstate"><Blobs/></EnumerationResults>"#)],
            outcome: Outcome::Ok,
            says: "let the credential read container tfstate",
        },
        Case {
            doc: "learn.microsoft.com/rest/api/storageservices/blob-service-error-codes (ContainerNotFound, 404)",
            provider: "terraform-backend",
            kind: Some("azurerm"),
            fields: azurerm_fields(),
            exchanges: vec![storage_token(), Exchange {
                headers: vec![("x-ms-error-code", "ContainerNotFound".into())],
                ..exchange("GET", "/tfstate", ("authorization", &bearer(STORAGE_TOKEN)), 404,
                    r#"<?xml version="1.0" encoding="utf-8"?><Error><Code>ContainerNotFound</Code><Message>The specified container does not exist.</Message></Error>"#)
            }],
            outcome: Outcome::NotFound,
            says: "has no container tfstate",
        },
        Case {
            doc: "learn.microsoft.com/rest/api/storageservices/blob-service-error-codes (AuthorizationPermissionMismatch, 403: no data role)",
            provider: "terraform-backend",
            kind: Some("azurerm"),
            fields: azurerm_fields(),
            exchanges: vec![storage_token(), Exchange {
                headers: vec![("x-ms-error-code", "AuthorizationPermissionMismatch".into())],
                ..exchange("GET", "/tfstate", ("authorization", &bearer(STORAGE_TOKEN)), 403,
                    r#"<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthorizationPermissionMismatch</Code></Error>"#)
            }],
            outcome: Outcome::MissingPermission,
            says: "Storage Blob Data Contributor",
        },
    ]
}

/// `der` as PEM with `label` (64-character lines).
fn pem(label: &str, der: &[u8]) -> String {
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}

/// The server saw only documented requests, and the verdict is the documented one.
fn assert_documented(
    server: &Contract,
    doc: &str,
    verdict: &lanyard_checks::Verdict,
    outcome: Outcome,
    says: &str,
) {
    let refused = server.refused.lock().unwrap().clone();
    assert!(
        refused.is_empty(),
        "{doc}: undocumented requests {refused:?}"
    );
    assert_eq!(verdict.outcome, outcome, "{doc}: {}", verdict.message);
    assert!(
        verdict.message.contains(says),
        "{doc}: {:?} lacks {says:?}",
        verdict.message
    );
}

#[tokio::test]
async fn every_check_makes_the_documented_request_and_reads_the_documented_answers() {
    for case in cases() {
        let server = Contract::start().await;
        server.answer_with(case.exchanges);
        let base = server.url();
        let checker = Checker::trusting(&server.certificate)
            .unwrap()
            .with_base("github", base.clone())
            .with_base("ghcr", base.clone())
            .with_base("gar", base.clone())
            .with_base("maven-gar", base.clone())
            .with_base("npm-github", base.clone())
            .with_base("maven-github", base.clone())
            .with_base("cloudflare", base.clone())
            .with_base("digitalocean", base.clone())
            .with_base("civo", base.clone())
            .with_base("confluent", base.clone())
            .with_base("azure", base.clone())
            .with_base("azure-blob", base.clone())
            .with_base("pulumi", base.clone())
            .with_base("mongodb-atlas", base.clone())
            .with_base("snowflake", base.clone())
            .with_base("gcs", base.clone())
            .with_base("artifactregistry", base.clone());
        let ca = base64::engine::general_purpose::STANDARD
            .encode(pem("CERTIFICATE", &server.certificate));
        let mut values = ResolvedFields::new();
        for (name, value) in &case.fields {
            let value = value.replace("{base}", &base).replace("{ca}", &ca);
            values.insert(*name, value.into());
        }
        let verdict = checker.check(case.provider, case.kind, &values).await;
        assert_documented(&server, case.doc, &verdict, case.outcome, case.says);
        assert!(
            !verdict.message.contains("ami-id"),
            "{}: {}",
            case.doc,
            verdict.message
        );
        for (_, value) in &case.fields {
            if value.contains("PLANTED") {
                assert!(
                    !verdict.message.contains(value.as_str()),
                    "{}: a secret in {}",
                    case.doc,
                    verdict.message
                );
            }
        }
    }
}

/// A self-hosted server behind a private CA (OpenFGA, Pulumi Cloud): not trusted by a checker
/// that only knows public roots, trusted once the connection's `ca_bundle` names the CA.
#[tokio::test]
async fn a_private_ca_in_the_connection_is_trusted_by_its_check() {
    let token = "fga-PLANTED-token";
    let server = Contract::start().await;
    server.answer_with(vec![exchange(
        "GET",
        "/stores",
        ("authorization", &bearer(token)),
        200,
        r#"{"stores":[],"continuation_token":""}"#,
    )]);
    let checker = Checker::new().unwrap();
    let ca = pem("CERTIFICATE", &server.certificate);
    let values = ResolvedFields::new()
        .with("api_url", server.url())
        .with("api_token", token);
    let untrusted = checker.check("openfga", None, &values).await;
    assert_eq!(
        untrusted.outcome,
        Outcome::Unreachable,
        "{}",
        untrusted.message
    );
    assert!(
        untrusted.message.contains("certificate"),
        "{}",
        untrusted.message
    );
    let trusted = checker
        .check("openfga", None, &values.with("ca_bundle", ca))
        .await;
    assert_eq!(trusted.outcome, Outcome::Ok, "{}", trusted.message);
}

#[tokio::test]
async fn a_host_that_does_not_answer_is_unreachable_and_says_where() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let checker = Checker::new().unwrap();
    let values = ResolvedFields::new()
        .with("access_token", "glpat-PLANTEDplanted00000")
        .with("host", format!("https://127.0.0.1:{port}"));
    let verdict = checker.check("gitlab", None, &values).await;
    assert_eq!(verdict.outcome, Outcome::Unreachable, "{}", verdict.message);
    assert!(
        verdict.message.contains("cannot reach 127.0.0.1"),
        "{}",
        verdict.message
    );
    let unchecked = checker
        .check("snowflake", None, &ResolvedFields::new())
        .await;
    assert_eq!(unchecked.outcome, Outcome::Unchecked);
}

/// A host field pointed at the cloud's metadata service (or any link-local address) is refused
/// before a packet is sent, however it is written; loopback stays allowed (the case above).
#[tokio::test]
async fn metadata_and_link_local_hosts_are_never_contacted() {
    let checker = Checker::new().unwrap();
    for host in [
        "https://169.254.169.254",
        "https://[fd00:ec2::254]",
        "https://[::ffff:169.254.169.254]",
        "https://100.100.100.200",
    ] {
        let values = ResolvedFields::new()
            .with("token", GH_TOKEN)
            .with("host", host);
        let started = std::time::Instant::now();
        let verdict = checker.check("github", None, &values).await;
        assert_eq!(
            verdict.outcome,
            Outcome::Unreachable,
            "{host}: {}",
            verdict.message
        );
        assert!(
            verdict.message.contains("cloud metadata address"),
            "{host}: {}",
            verdict.message
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "{host}: it tried to connect"
        );
    }
}
