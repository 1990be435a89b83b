//! The OIDC issuer, checked from outside: job tokens verify with PyJWT against the JWKS the
//! server publishes (signature, issuer, audience, subject, lifetime), a rotated-out key leaves
//! the JWKS after its grace period, and replicas publish one key set.

use std::time::Duration;

use lanyard_api::CreateJob;
use lanyard_testkit::{backend_tests, moto, Backend, TestServer};

backend_tests!(
    a_jobs_token_verifies_against_the_served_jwks_with_an_independent_library,
    a_rotated_out_key_leaves_the_jwks_after_its_grace_period,
    replicas_publish_one_key_set_and_verify_each_others_tokens,
    without_a_public_url_there_is_no_issuer_and_oidc_jobs_are_refused,
    the_trust_setup_names_issuer_audience_and_each_trusted_subject,
);

const ROLE: &str = "arn:aws:iam::123456789012:role/lanyard-deployer";

/// Creates `environment` and an oidc AWS connection `name` authorized organization-wide.
async fn oidc_connection(server: &TestServer, environment: &str, name: &str) {
    server
        .admin()
        .create_environment("acme", environment)
        .await
        .unwrap();
    let request = serde_json::json!({"name": name, "provider": "aws", "auth_mode": "oidc",
        "fields": {"account_id": {"value": "123456789012"}, "iam_role_arn": {"value": ROLE}}});
    server.connect_authorized(request, &[]).await;
}

/// `true` in `environment` with `connection`, on the default runner.
fn job_using(environment: &str, connection: &str) -> CreateJob {
    CreateJob {
        environment: environment.into(),
        providers: vec![],
        connections: vec![connection.into()],
        runner: None,
        git: None,
        timeout_secs: None,
        upload: None,
        artifacts: vec![],
        command: vec!["true".into()],
    }
}

/// Runs a job with `connection` on a fresh runner of `server`, claims it as that runner and
/// returns the job id and the identity token its credentials carry.
async fn issued_token(
    server: &TestServer,
    environment: &str,
    connection: &str,
    timeout_secs: Option<u64>,
) -> (String, String) {
    let admin = server.admin();
    let name = format!("r{}", &uuid_like());
    let runner = admin.register_runner("acme", &name).await.unwrap();
    let runner = server.client(runner.token.expose_secret());
    let job = admin
        .create_job(
            "acme",
            &CreateJob {
                runner: Some(name),
                timeout_secs,
                ..job_using(environment, connection)
            },
        )
        .await
        .unwrap();
    runner.claim_job(0).await.unwrap().expect("the job");
    let credentials = runner.job_credentials(&job.id).await.unwrap();
    let released = &credentials.connections[0];
    assert_eq!(
        released.masks.len(),
        1,
        "the token, and nothing else, is masked"
    );
    let token = released
        .files
        .iter()
        .find(|f| f.id == "oidc-token")
        .expect("a token file")
        .contents
        .expose_secret()
        .to_owned();
    (job.id, token)
}

fn uuid_like() -> String {
    uuid::Uuid::now_v7().simple().to_string()[20..].to_owned()
}

/// Verifies `token` with PyJWT: discovery document, then its `jwks_uri`, then signature,
/// issuer, audience and (unless `check_exp` is off) expiry. The claims, or PyJWT's error.
async fn verify_with_pyjwt(
    base_url: &str,
    issuer: &str,
    audience: &str,
    token: &str,
    check_exp: bool,
) -> Result<serde_json::Value, String> {
    const SCRIPT: &str = r#"
import json, sys, urllib.request, jwt
base, issuer, audience, check_exp = sys.argv[1:5]
token = sys.stdin.read()
discovery = json.load(urllib.request.urlopen(base + "/.well-known/openid-configuration"))
assert discovery["issuer"] == issuer, discovery
jwks_uri = discovery["jwks_uri"].replace(issuer, base, 1)
try:
    key = jwt.PyJWKClient(jwks_uri, cache_keys=False, cache_jwk_set=False).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=audience, issuer=issuer,
                        options={"verify_exp": check_exp == "1", "require": ["exp", "iat", "sub"]})
    print(json.dumps(claims))
except Exception as e:
    print("error: " + type(e).__name__ + ": " + str(e))
"#;
    let mut child = tokio::process::Command::new(moto::venv_bin("python"))
        .args(["-c", SCRIPT, base_url, issuer, audience])
        .arg(if check_exp { "1" } else { "0" })
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the test virtualenv's python (scripts/test-deps)");
    use tokio::io::AsyncWriteExt as _;
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(token.as_bytes()).await.unwrap();
    drop(stdin);
    let out = child.wait_with_output().await.unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(
        out.status.success(),
        "pyjwt script failed: {stdout} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    match stdout.strip_prefix("error: ") {
        Some(error) => Err(error.to_owned()),
        None => Ok(serde_json::from_str(&stdout).unwrap()),
    }
}

async fn a_jobs_token_verifies_against_the_served_jwks_with_an_independent_library(
    backend: Backend,
) {
    let server = TestServer::start(backend).await;
    oidc_connection(&server, "prod", "aws-prod").await;
    let (job, token) = issued_token(&server, "prod", "aws-prod", Some(600)).await;
    let issuer = &server.public_url;
    let claims = verify_with_pyjwt(&server.url, issuer, "sts.amazonaws.com", &token, true)
        .await
        .unwrap();
    assert_eq!(claims["iss"], issuer.as_str());
    assert_eq!(claims["sub"], "org:acme:env:prod:connection:aws-prod");
    assert_eq!(claims["aud"], "sts.amazonaws.com");
    assert_eq!(claims["jti"], job.as_str());
    assert_eq!(claims["job_id"], job.as_str());
    assert_eq!(claims["environment"], "prod");
    let lifetime = claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap();
    assert!(
        (1..=600).contains(&lifetime),
        "the token outlived the job's 10-minute timeout: {lifetime}s"
    );

    // Another audience, or another issuer, is refused.
    let wrong = verify_with_pyjwt(
        &server.url,
        issuer,
        "api://AzureADTokenExchange",
        &token,
        true,
    )
    .await
    .unwrap_err();
    assert!(wrong.contains("InvalidAudience"), "{wrong}");
    let mut forged = token.clone();
    forged.truncate(forged.len() - 4);
    forged.push_str("AAAA");
    let bad = verify_with_pyjwt(&server.url, issuer, "sts.amazonaws.com", &forged, true)
        .await
        .unwrap_err();
    assert!(bad.contains("InvalidSignature"), "{bad}");

    // The release is audited with the token's claims, never the token.
    let events = server
        .admin()
        .audit_events("acme", None, Some("aws-prod"), None)
        .await
        .unwrap();
    let release = events
        .iter()
        .find(|e| e.action == "credential.release")
        .expect("a release event");
    assert_eq!(
        release.details["identity_token"]["sub"],
        "org:acme:env:prod:connection:aws-prod"
    );
    let trail = serde_json::to_string(&events).unwrap();
    let signature = token.rsplit('.').next().unwrap();
    assert!(
        !trail.contains(signature),
        "the audit trail holds the token"
    );
}

async fn a_rotated_out_key_leaves_the_jwks_after_its_grace_period(backend: Backend) {
    let server = TestServer::start_adjusted(backend, |prepared| {
        let settings = lanyard_core::IssuerSettings {
            token_lifetime: Duration::from_secs(4),
            grace_margin: Duration::ZERO,
            ..prepared.issuer_settings().clone()
        };
        prepared.with_issuer(settings)
    })
    .await;
    oidc_connection(&server, "dev", "aws-dev").await;
    let issuer = server.public_url.clone();
    let (_, old_token) = issued_token(&server, "dev", "aws-dev", None).await;
    let admin = server.admin();
    let rotated = admin.rotate_signing_key().await.unwrap();
    let states: Vec<&str> = rotated.keys.iter().map(|k| k.state.as_str()).collect();
    assert_eq!(states, ["active", "published"], "{rotated:?}");

    // Within the grace period both keys are published, so the old token still verifies, and
    // new tokens are signed by the new key.
    verify_with_pyjwt(&server.url, &issuer, "sts.amazonaws.com", &old_token, false)
        .await
        .unwrap();
    let (_, new_token) = issued_token(&server, "dev", "aws-dev", None).await;
    let kid = |token: &str| {
        use base64::Engine as _;
        let header = token.split('.').next().unwrap();
        let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(header)
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&header).unwrap()["kid"].clone()
    };
    assert_ne!(kid(&old_token), kid(&new_token));
    assert_eq!(kid(&new_token), rotated.keys[0].kid.as_str());

    tokio::time::sleep(Duration::from_secs(5)).await;
    // Past its grace the old key is gone: the token fails on its key, not only its expiry.
    let gone = verify_with_pyjwt(&server.url, &issuer, "sts.amazonaws.com", &old_token, false)
        .await
        .unwrap_err();
    assert!(gone.contains("PyJWKClientError"), "{gone}");
    verify_with_pyjwt(&server.url, &issuer, "sts.amazonaws.com", &new_token, false)
        .await
        .unwrap();
    let status = admin.signing_keys().await.unwrap();
    assert_eq!(status.keys[1].state, "expired", "{status:?}");
}

async fn replicas_publish_one_key_set_and_verify_each_others_tokens(backend: Backend) {
    let one = TestServer::start(backend).await;
    let two = one.start_another().await;
    oidc_connection(&one, "prod", "aws-prod").await;
    // Both ask for their keys at once on an empty table.
    let (a, b) = tokio::join!(
        reqwest::get(format!("{}/.well-known/jwks.json", one.url)),
        reqwest::get(format!("{}/.well-known/jwks.json", two.url)),
    );
    assert!(a.unwrap().status().is_success() && b.unwrap().status().is_success());
    let jwks = |server: &TestServer| {
        let url = format!("{}/.well-known/jwks.json", server.url);
        async move {
            reqwest::get(url)
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(jwks(&one).await, jwks(&two).await);
    let (_, from_one) = issued_token(&one, "prod", "aws-prod", None).await;
    let (_, from_two) = issued_token(&two, "prod", "aws-prod", None).await;
    for base in [&one.url, &two.url] {
        for token in [&from_one, &from_two] {
            verify_with_pyjwt(base, &one.public_url, "sts.amazonaws.com", token, true)
                .await
                .unwrap();
        }
    }
}

async fn without_a_public_url_there_is_no_issuer_and_oidc_jobs_are_refused(backend: Backend) {
    let server = TestServer::start_adjusted(backend, |prepared| {
        let settings = lanyard_core::IssuerSettings {
            url: None,
            ..prepared.issuer_settings().clone()
        };
        prepared.with_issuer(settings)
    })
    .await;
    let discovery = reqwest::get(format!("{}/.well-known/openid-configuration", server.url))
        .await
        .unwrap();
    assert_eq!(discovery.status(), 404);
    assert!(discovery
        .text()
        .await
        .unwrap()
        .contains("LANYARD_PUBLIC_URL"));
    oidc_connection(&server, "dev", "aws-dev").await;
    let refused = server
        .admin()
        .create_job("acme", &job_using("dev", "aws-dev"))
        .await
        .unwrap_err();
    assert!(
        refused.to_string().contains("LANYARD_PUBLIC_URL"),
        "{refused}"
    );
}

/// A connection, its provider and fields, the environments it is authorized in (none:
/// organization-wide), and what its trust set-up must say.
type TrustCase = (
    &'static str,
    &'static str,
    serde_json::Value,
    Vec<String>,
    Vec<String>,
);

async fn the_trust_setup_names_issuer_audience_and_each_trusted_subject(backend: Backend) {
    const POOL: &str =
        "projects/123456789012/locations/global/workloadIdentityPools/lanyard/providers/acme";
    let server = TestServer::start(backend).await;
    let admin = server.admin();
    for env in ["dev", "prod"] {
        admin.create_environment("acme", env).await.unwrap();
    }
    let cases: [TrustCase; 2] = [
        (
            "gcp-prod",
            "gcp",
            serde_json::json!({"workload_identity_provider": {"value": POOL},
                "service_account_email": {"value": "deployer@acme-prod.iam.gserviceaccount.com"}}),
            vec!["prod".into()],
            vec![
                "workload-identity-pools providers create-oidc acme".into(),
                format!("--issuer-uri=\"{}\"", server.public_url),
                format!("--allowed-audiences=\"https://iam.googleapis.com/{POOL}\""),
                "assertion.org == 'acme' && assertion.connection == 'gcp-prod' && \
                 assertion.environment in ['prod']"
                    .into(),
                "add-iam-policy-binding deployer@acme-prod.iam.gserviceaccount.com".into(),
                "attribute.connection/gcp-prod".into(),
            ],
        ),
        (
            "azure-all",
            "azure",
            serde_json::json!({"client_id": {"value": "00000000-0000-4000-8000-00000000c1d0"},
                "tenant_id": {"value": "00000000-0000-4000-8000-0000000000aa"},
                "subscription_id": {"value": "00000000-0000-4000-8000-0000000000bb"}}),
            vec![],
            vec![
                r#""subject":"org:acme:env:dev:connection:azure-all""#.into(),
                r#""subject":"org:acme:env:prod:connection:azure-all""#.into(),
                r#""audiences":["api://AzureADTokenExchange"]"#.into(),
                format!(r#""issuer":"{}""#, server.public_url),
            ],
        ),
    ];
    for (name, provider, fields, environments, expected) in cases {
        let request = serde_json::json!({"name": name, "provider": provider,
            "auth_mode": "oidc", "fields": fields});
        let environments: Vec<&str> = environments.iter().map(String::as_str).collect();
        server.connect_authorized(request, &environments).await;
        let trust = admin.oidc_trust("acme", name, &[]).await.unwrap();
        assert_eq!(trust.issuer, server.public_url);
        let commands = trust.commands.expect("commands");
        for line in expected {
            assert!(commands.contains(&line), "{name}: {line}\n{commands}");
        }
        // Secrets never appear; an oidc Azure client id is an identifier, named as it is.
        if provider == "azure" {
            assert!(
                commands.contains("--id 00000000-0000-4000-8000-00000000c1d0"),
                "{commands}"
            );
        }
    }
    let refused = admin.oidc_trust("acme", "nope", &[]).await.unwrap_err();
    assert!(refused.to_string().contains("nope"), "{refused}");
}
