//! Runner-mode connections are checked on their runner: it checks the identity it finds in its
//! own environment (here Azure's `AZURE_*` credential, at the custom-cloud peer named by
//! `AZURE_AUTHORITY_HOST` and trusted through `SSL_CERT_FILE`) and reports what the provider
//! said; the connections' checks on save, `connection test`, `--failing` and `runner list`
//! show it. The server never sees the runner's secret.

use std::time::{Duration, Instant};

use lanyard_testkit::azure_cloud::{AzureCloud, CLIENT_ID, SUBSCRIPTION, TENANT};

use crate::support::{Background, Sandbox};

lanyard_testkit::backend_tests!(runner_mode_connections_show_what_their_runner_found);

const SECRET: &str = "az-runner-secret-PLANTED-0123";
const WRONG_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.wrong-PLANTED-federated.sig";

/// Waits until runner `name` has reported its identity checks; returns them.
pub(crate) fn reported(sandbox: &Sandbox, name: &str, runner: &Background) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let runners = sandbox.run(&["runner", "list", "-o", "json"]).json();
        let checks = runners
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .map(|r| r["identity_checks"].clone())
            .unwrap_or_default();
        if checks.as_array().is_some_and(|c| !c.is_empty()) {
            return checks;
        }
        assert!(
            Instant::now() < deadline,
            "runner {name} never reported: {}",
            runner.output()
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn connect(sandbox: &Sandbox, name: &str, runner: &str) -> String {
    sandbox
        .run(&[
            "connect",
            "azure",
            "--name",
            name,
            "--auth-mode",
            "runner",
            "--field",
            &format!("runner={runner}"),
            "--field",
            &format!("tenant_id={TENANT}"),
            "--field",
            &format!("subscription_id={SUBSCRIPTION}"),
        ])
        .ok()
        .stdout
}

/// The check of `provider` among a runner's identity checks.
pub(crate) fn of(checks: &serde_json::Value, provider: &str) -> serde_json::Value {
    checks
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["provider"] == provider)
        .cloned()
        .unwrap_or_else(|| panic!("no {provider} check in {checks}"))
}

async fn runner_mode_connections_show_what_their_runner_found(backend: crate::support::Backend) {
    let cloud = AzureCloud::start(SECRET);
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("federated-token");
    std::fs::write(&token_file, WRONG_TOKEN).unwrap();
    let authority = cloud.resource_manager();
    let certificate = cloud.certificate().display().to_string();
    let token_file = token_file.display().to_string();
    let base = [
        ("AZURE_TENANT_ID", TENANT),
        ("AZURE_CLIENT_ID", CLIENT_ID),
        ("AZURE_AUTHORITY_HOST", authority.as_str()),
        ("SSL_CERT_FILE", certificate.as_str()),
    ];
    let edge = sandbox.start_runner(
        "edge",
        &[&base[..], &[("AZURE_CLIENT_SECRET", SECRET)]].concat(),
    );
    let federated = sandbox.start_runner(
        "edge-federated",
        &[
            &base[..],
            &[("AZURE_FEDERATED_TOKEN_FILE", token_file.as_str())],
        ]
        .concat(),
    );
    sandbox.register_runner("idle");

    // What each runner found, per provider: its Azure identity, and no cluster around it.
    let checks = reported(&sandbox, "edge", &edge);
    assert_eq!(of(&checks, "azure")["verdict"], "ok", "{checks}");
    let kubernetes = of(&checks, "kubernetes");
    assert_eq!(kubernetes["verdict"], "failed", "{checks}");
    assert!(
        kubernetes["message"]
            .as_str()
            .unwrap()
            .contains("not inside a Kubernetes cluster"),
        "{checks}"
    );
    assert!(of(&checks, "azure")["checked_at"].is_string(), "{checks}");
    let refused = reported(&sandbox, "edge-federated", &federated);
    assert_eq!(of(&refused, "azure")["verdict"], "wrong_credentials");

    // Checked on save, with what the connection's runner found.
    let saved = connect(&sandbox, "az-edge", "edge");
    assert!(
        saved.contains("runner `edge` checked its own azure identity just now"),
        "{saved}"
    );
    assert!(
        saved.contains("granted the service principal a token"),
        "{saved}"
    );
    let saved = connect(&sandbox, "az-federated", "edge-federated");
    assert!(saved.contains("AADSTS700213"), "{saved}");
    connect(&sandbox, "az-idle", "idle");
    // The runner's identity is in another tenant than this connection's.
    let other_tenant = sandbox
        .run(&[
            "connect",
            "azure",
            "--name",
            "az-elsewhere",
            "--auth-mode",
            "runner",
            "--field",
            "runner=edge",
            "--field",
            "tenant_id=00000000-0000-4000-8000-0000000000ff",
            "--field",
            &format!("subscription_id={SUBSCRIPTION}"),
        ])
        .ok()
        .stdout;
    assert!(
        other_tenant.contains(&format!(
            "is in tenant {TENANT}, but the connection is for tenant \
             00000000-0000-4000-8000-0000000000ff"
        )),
        "{other_tenant}"
    );

    let tested = sandbox
        .run(&["connection", "test", "az-edge", "-o", "json"])
        .ok()
        .json();
    assert_eq!(tested["verdict"], "ok", "{tested}");
    let tested = sandbox.run(&["connection", "test", "az-federated"]);
    assert_eq!(tested.status.code(), Some(1), "{tested:?}");
    assert!(tested.stdout.contains("federated credential"), "{tested:?}");
    let tested = sandbox.run(&["connection", "test", "az-idle"]);
    assert_eq!(tested.status.code(), Some(1), "{tested:?}");
    assert!(
        tested.stdout.contains("runner `idle` is not online"),
        "{tested:?}"
    );
    let failing = sandbox
        .run(&["connection", "list", "--failing", "-o", "json"])
        .json();
    let mut names: Vec<&str> = failing
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["az-elsewhere", "az-federated", "az-idle"],
        "{failing}"
    );

    // The peer saw the secret from one runner and the assertion from the other.
    let requests = cloud.requests();
    let token = format!("POST /{TENANT}/oauth2/v2.0/token client_id={CLIENT_ID}");
    assert!(
        requests.contains(&format!("{token} granted")),
        "{requests:?}"
    );
    assert!(
        requests.contains(&format!("{token} assertion refused")),
        "{requests:?}"
    );

    // The federated token is rotated on the runner's host: `connection test` asks the runner to
    // check now (through its next claim) instead of showing its last periodic report.
    std::fs::write(&token_file, SECRET).unwrap();
    let tested = sandbox
        .run(&["connection", "test", "az-federated", "-o", "json"])
        .ok()
        .json();
    assert_eq!(tested["verdict"], "ok", "{tested}");
    assert!(
        cloud
            .requests()
            .contains(&format!("{token} assertion granted")),
        "{:?}",
        cloud.requests()
    );

    // The runners' secrets reached neither the server's answers nor its database.
    let shown = format!(
        "{}{}",
        sandbox.run(&["runner", "list", "-o", "json"]).stdout,
        sandbox.run(&["connection", "list", "-o", "json"]).stdout
    );
    let stored = sandbox.database_bytes().await;
    let logs = format!("{}{}", edge.output(), federated.output());
    assert!(logs.contains("own identity checked"), "{logs}");
    for planted in [SECRET, WRONG_TOKEN] {
        assert!(!shown.contains(planted), "{shown}");
        assert!(
            !logs.contains(planted),
            "a runner logged its secret: {logs}"
        );
        assert!(
            !stored
                .windows(planted.len())
                .any(|w| w == planted.as_bytes()),
            "the database holds a runner's secret"
        );
    }
    drop((edge, federated));
}
