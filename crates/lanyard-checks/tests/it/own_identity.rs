//! A runner's check of its own identity: what `lanyard_aws::ambient` finds in an environment
//! (as a runner's would be) checked against the contract server, one case per kind of identity.

use std::path::Path;

use base64::Engine as _;
use lanyard_checks::{Checker, Outcome};
use lanyard_providers::Materialization;

use crate::contract::{Contract, Exchange};
use crate::{assert_documented, bearer, exchange, pem, service_account_key};

const TENANT: &str = "00000000-0000-4000-8000-0000000000aa";
const AZ_SECRET: &str = "azsecretPLANTEDrunner";
const FEDERATED: &str = "eyJhbGciOiJSUzI1NiJ9.PLANTEDfederated.sig";
const KUBE_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.PLANTEDserviceaccount.sig";

/// A runner's environment: variables (`{base}`: the contract server, `{dir}`: the case's
/// directory) and files in that directory (`{ca}`: the server's certificate, PEM).
struct Case {
    doc: &'static str,
    provider: &'static str,
    env: Vec<(&'static str, &'static str)>,
    files: Vec<(&'static str, String)>,
    exchanges: Vec<Exchange>,
    outcome: Outcome,
    says: &'static str,
}

fn token_grant(status: u16, path: &'static str, body: &str) -> Exchange {
    exchange(
        "POST",
        path,
        ("content-type", "application/x-www-form-urlencoded"),
        status,
        body,
    )
}

const ENTRA_TOKEN: &str = "/00000000-0000-4000-8000-0000000000aa/oauth2/v2.0/token";
const GRANTED: &str = r#"{"token_type":"Bearer","expires_in":3599,"access_token":"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.e30.sig"}"#;

fn cases() -> Vec<Case> {
    let azure_env = vec![
        ("AZURE_TENANT_ID", TENANT),
        ("AZURE_CLIENT_ID", "00000000-0000-4000-8000-00000000c1d0"),
        ("AZURE_AUTHORITY_HOST", "{base}"),
    ];
    let with = |mut env: Vec<(&'static str, &'static str)>,
                more: &[(&'static str, &'static str)]| {
        env.extend_from_slice(more);
        env
    };
    vec![
        Case {
            doc: "cloud.google.com/docs/authentication/application-default-credentials (a key file in GOOGLE_APPLICATION_CREDENTIALS)",
            provider: "gcp",
            env: vec![("GOOGLE_APPLICATION_CREDENTIALS", "{dir}/adc.json")],
            files: vec![("adc.json", service_account_key())],
            exchanges: vec![token_grant(200, "/token", r#"{"access_token":"ya29.c.PLANTED","expires_in":3599,"token_type":"Bearer"}"#)],
            outcome: Outcome::Ok,
            says: "Google granted deployer@acme-prod.iam.gserviceaccount.com a token",
        },
        Case {
            doc: "developers.google.com/identity/protocols/oauth2/service-account#error-codes (a deleted key)",
            provider: "gcp",
            env: vec![("GOOGLE_APPLICATION_CREDENTIALS", "{dir}/adc.json")],
            files: vec![("adc.json", service_account_key())],
            exchanges: vec![token_grant(400, "/token", r#"{"error":"invalid_grant","error_description":"Invalid JWT Signature."}"#)],
            outcome: Outcome::WrongCredentials,
            says: "Invalid JWT Signature",
        },
        Case {
            doc: "cloud.google.com/docs/authentication/application-default-credentials (a user's gcloud login)",
            provider: "gcp",
            env: vec![("GOOGLE_APPLICATION_CREDENTIALS", "{dir}/adc.json")],
            files: vec![("adc.json", r#"{"type":"authorized_user","client_id":"x","client_secret":"PLANTEDuser","refresh_token":"PLANTEDrefresh"}"#.to_owned())],
            exchanges: Vec::new(),
            outcome: Outcome::Unchecked,
            says: "of type `authorized_user`",
        },
        Case {
            doc: "cloud.google.com/docs/authentication/application-default-credentials (no file: the metadata server)",
            provider: "gcp",
            env: vec![("HOME", "{dir}")],
            files: Vec::new(),
            exchanges: Vec::new(),
            outcome: Outcome::Unchecked,
            says: "metadata server",
        },
        Case {
            doc: "learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow (EnvironmentCredential with a secret, at AZURE_AUTHORITY_HOST)",
            provider: "azure",
            env: with(azure_env.clone(), &[("AZURE_CLIENT_SECRET", AZ_SECRET)]),
            files: Vec::new(),
            exchanges: vec![token_grant(200, ENTRA_TOKEN, GRANTED)],
            outcome: Outcome::Ok,
            says: "granted the service principal a token in tenant",
        },
        Case {
            doc: "learn.microsoft.com/entra/workload-id/workload-identity-federation (AADSTS700213, answered as 401 invalid_client: no federated credential matches the token)",
            provider: "azure",
            env: with(azure_env.clone(), &[("AZURE_FEDERATED_TOKEN_FILE", "{dir}/token")]),
            files: vec![("token", FEDERATED.to_owned())],
            exchanges: vec![token_grant(401, ENTRA_TOKEN,
                r#"{"error":"invalid_client","error_description":"AADSTS700213: No matching federated identity record found for presented assertion subject 'system:serviceaccount:ci:runner'. Check your federated identity credential Subject, Audience and Issuer against the presented assertion.","error_codes":[700213]}"#)],
            outcome: Outcome::WrongCredentials,
            says: "federated credential",
        },
        Case {
            doc: "learn.microsoft.com/entra/identity/managed-identities-azure-resources/overview (no AZURE_* credential: managed identity)",
            provider: "azure",
            env: Vec::new(),
            files: Vec::new(),
            exchanges: Vec::new(),
            outcome: Outcome::Unchecked,
            says: "managed identity",
        },
        Case {
            doc: "kubernetes.io/docs/tasks/run-application/access-api-from-pod/ (the pod's service account)",
            provider: "kubernetes",
            env: vec![("KUBERNETES_SERVICE_HOST", "127.0.0.1"), ("KUBERNETES_SERVICE_PORT", "{port}")],
            files: vec![
                ("token", KUBE_TOKEN.to_owned()),
                ("ca.crt", "{ca}".to_owned()),
                ("namespace", "ci".to_owned()),
            ],
            exchanges: vec![
                exchange("GET", "/version", ("authorization", &bearer(KUBE_TOKEN)), 200,
                    r#"{"major":"1","minor":"31","gitVersion":"v1.31.2"}"#),
                exchange("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ("authorization", &bearer(KUBE_TOKEN)), 201,
                    r#"{"kind":"SelfSubjectAccessReview","apiVersion":"authorization.k8s.io/v1","status":{"allowed":true}}"#),
            ],
            outcome: Outcome::Ok,
            says: "lets the credential list pods in ci",
        },
    ]
}

#[tokio::test]
async fn a_runner_checks_the_identity_it_finds_in_its_environment() {
    for case in cases() {
        let server = Contract::start().await;
        server.answer_with(case.exchanges);
        let base = server.url();
        let port = base.rsplit(':').next().unwrap().to_owned();
        let ca = pem("CERTIFICATE", &server.certificate);
        let dir = tempfile::tempdir().unwrap();
        let fill = |text: &str| {
            text.replace("{base}", &base)
                .replace("{port}", &port)
                .replace("{dir}", &dir.path().display().to_string())
                .replace("{ca}", &ca)
        };
        for (name, contents) in &case.files {
            std::fs::write(dir.path().join(name), fill(contents)).unwrap();
        }
        let env: Vec<(&str, String)> = case.env.iter().map(|(n, v)| (*n, fill(v))).collect();
        let lookup = |name: &str| env.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
        let mut found = Materialization::default();
        lanyard_aws::ambient::inject_from(case.provider, &mut found, &lookup, dir.path())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.doc));

        let checker = Checker::trusting(&server.certificate).unwrap();
        let verdict = checker.check_own_identity(case.provider, &found).await;
        assert_documented(&server, case.doc, &verdict, case.outcome, case.says);
        if case.provider == "azure" && !case.env.is_empty() {
            let whose = format!("{TENANT}/00000000-0000-4000-8000-00000000c1d0");
            assert_eq!(
                verdict.identity.as_deref(),
                Some(whose.as_str()),
                "{}",
                case.doc
            );
        }
        assert!(
            !verdict.message.contains("PLANTED"),
            "{}: {}",
            case.doc,
            verdict.message
        );
    }
}

/// The runner trusts the CAs of its `SSL_CERT_FILE` (its jobs' tools do too): a bundle that
/// holds no certificate is refused, saying so.
#[tokio::test]
async fn a_pem_bundle_adds_roots_or_is_refused() {
    let server = Contract::start().await;
    server.answer_with(vec![token_grant(200, ENTRA_TOKEN, GRANTED)]);
    let bundle = format!(
        "{}{}",
        pem("CERTIFICATE", &server.certificate),
        pem("CERTIFICATE", &server.certificate)
    );
    let mut found = Materialization::default();
    let base = server.url();
    let env = move |name: &str| match name {
        "AZURE_TENANT_ID" => Some(TENANT.to_owned()),
        "AZURE_CLIENT_ID" => Some("00000000-0000-4000-8000-00000000c1d0".to_owned()),
        "AZURE_CLIENT_SECRET" => Some(AZ_SECRET.to_owned()),
        "AZURE_AUTHORITY_HOST" => Some(base.clone()),
        _ => None,
    };
    lanyard_aws::ambient::inject_from("azure", &mut found, &env, Path::new("/nonexistent"))
        .await
        .unwrap();
    let untrusting = Checker::new().unwrap();
    let verdict = untrusting.check_own_identity("azure", &found).await;
    assert_eq!(verdict.outcome, Outcome::Unreachable, "{}", verdict.message);
    let trusting = Checker::trusting_pem(bundle.as_bytes()).unwrap();
    let verdict = trusting.check_own_identity("azure", &found).await;
    assert_eq!(verdict.outcome, Outcome::Ok, "{}", verdict.message);
    let empty = base64::engine::general_purpose::STANDARD.encode("no certificate here");
    let refused = Checker::trusting_pem(empty.as_bytes()).err().unwrap();
    assert!(refused.to_string().contains("no certificate"), "{refused}");
}
