//! The AWS pages against moto: the cross-account wizard (the template download, the role made
//! from it, the two-sided check and its refusal of a confused-deputy role, the external id
//! never shown) and "Test connection" storing and showing its verdict.
//!
//! The server runs in this process; it is pointed at moto, with its own AWS identity, through
//! `PreparedServer::with_aws_origin`, never through the process environment.

use lanyard_aws::session::{AwsKeys, AwsOrigin};
use lanyard_crypto::SecretString;
use lanyard_testkit::moto::{self, Moto, TestKeys};
use lanyard_testkit::{backend_tests, Backend, TestServer};

use crate::support::Visitor;

backend_tests!(
    cross_account_wizard_from_template_to_ready,
    test_connection_stores_and_shows_the_verdict,
);

/// A server whose own AWS calls (connection tests, the trust check) go to `endpoint`, as
/// `identity` when given; nothing touches the process environment, so tests run side by side.
pub(crate) async fn server_reaching(
    backend: Backend,
    endpoint: &str,
    identity: Option<&TestKeys>,
) -> TestServer {
    let origin = AwsOrigin {
        endpoint_url: Some(endpoint.to_owned()),
        keys: identity.map(|k| AwsKeys {
            access_key_id: SecretString::from(k.access_key_id.clone()),
            secret_access_key: SecretString::from(k.secret_access_key.clone()),
            session_token: None,
        }),
    };
    TestServer::start_adjusted(backend, |prepared| prepared.with_aws_origin(origin)).await
}

/// A closed local port: for tests that press "Test connection" on a connection with example
/// keys, so that no request leaves the machine.
pub(crate) const UNREACHABLE_AWS: &str = "http://127.0.0.1:9";

const WIZARD: &str = "/connections/new/aws?mode=cross-account-trust";

/// The wizard's first step for `name`; returns the role's template and its external id.
async fn begin(v: &mut Visitor, name: &str) -> (String, String) {
    let started = v
        .submit(
            WIZARD,
            "/connections/new/aws",
            &[
                ("mode", "cross-account-trust"),
                ("name", name),
                ("field.account_id", moto::ACCOUNT),
                ("capabilities", "s3-storage"),
                ("capabilities", "cloudwatch-monitoring"),
            ],
        )
        .await;
    assert_eq!(
        started.location.as_deref(),
        Some(format!("/connections/{name}/role").as_str()),
        "{}",
        started.body
    );
    let step = v.follow(started).await;
    assert!(step.body.contains("is pending"), "{}", step.body);
    assert!(step.body.contains(r#"id="download-template""#));
    assert!(step.body.contains(r#"id="console-link""#));
    assert!(step.body.contains(r#"action="/connections/"#));
    let download = v.get(&format!("/connections/{name}/template")).await;
    assert_eq!(download.status, 200, "{}", download.body);
    assert_eq!(
        download.disposition.as_deref(),
        Some(format!("attachment; filename=\"lanyard-{name}.json\"").as_str())
    );
    let template: serde_json::Value = serde_json::from_str(&download.body).expect("JSON");
    assert_eq!(template["AWSTemplateFormatVersion"], "2010-09-09");
    assert_eq!(template["Resources"]["Role"]["Type"], "AWS::IAM::Role");
    assert!(
        download.body.contains(&format!(
            "arn:aws:iam::{}:user/lanyard-server",
            moto::ACCOUNT
        )),
        "the role trusts the server's identity in the account: {}",
        download.body
    );
    let policies: Vec<&str> = template["Resources"]["Role"]["Properties"]["Policies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["PolicyName"].as_str().unwrap())
        .collect();
    assert_eq!(
        policies,
        ["lanyard-s3-storage", "lanyard-cloudwatch-monitoring"]
    );
    let external_id = template["Parameters"]["ExternalId"]["Default"]
        .as_str()
        .unwrap()
        .to_owned();
    (download.body, external_id)
}

async fn cross_account_wizard_from_template_to_ready(backend: Backend) {
    let moto = Moto::start();
    let admin = moto.create_user("lanyard-server", &["*"]);
    let server = server_reaching(backend, &moto.endpoint(), Some(&admin)).await;
    let mut v = Visitor::new(&server);
    v.login(server.admin_token()).await;

    let wizard = v.get(WIZARD).await;
    assert!(wizard.body.contains(r#"id="cap-s3-storage""#));
    assert!(!wizard.body.contains("field.iam_role_arn"), "the next step");
    assert!(!wizard.body.contains("field.external_id"), "generated");
    let none = v
        .submit(
            WIZARD,
            "/connections/new/aws",
            &[
                ("mode", "cross-account-trust"),
                ("name", "nocaps"),
                ("field.account_id", moto::ACCOUNT),
            ],
        )
        .await;
    assert_eq!(none.status, 400);
    assert!(none.body.contains("choose at least one capability"));

    let typo = v
        .submit(
            WIZARD,
            "/connections/new/aws",
            &[
                ("mode", "cross-account-trust"),
                ("name", "typo"),
                ("field.account_id", "12345"),
                ("capabilities", "s3-storage"),
            ],
        )
        .await;
    assert_eq!(typo.status, 400);
    assert!(typo.body.contains("12-digit"), "{}", typo.body);
    assert!(typo.body.contains(r#"value="12345""#), "typed values stay");

    let (template, external_id) = begin(&mut v, "xacct").await;
    let (_, loose_id) = begin(&mut v, "loose").await;
    // The sessions keep both templates for their downloads, sealed: the database holds neither
    // external id in the clear (nor its random part, however encoded in a template).
    let stored = server.database().dump(server.database().data_dir()).await;
    for id in [&external_id, &loose_id] {
        let random = id.rsplit('@').next().unwrap();
        assert!(
            !stored.windows(random.len()).any(|w| w == random.as_bytes()),
            "an external id is stored in the clear"
        );
    }
    let role_arn = moto.create_stack(&admin, "xacct", &template);
    assert!(role_arn.ends_with(":role/lanyard-xacct"), "{role_arn}");
    let loose_arn = moto.create_role(&admin, "loose", &moto::user_arn("lanyard-server"), None);
    let other_arn = moto.create_role(
        &admin,
        "other",
        &moto::user_arn("lanyard-server"),
        Some("someone-else"),
    );
    moto.enable_auth();
    let mut seen = Vec::new();

    // A role without the external-id condition is refused, on the page, and stays pending.
    let pending = v.get("/connections/loose").await;
    assert!(
        pending.body.contains(r#"id="pending-role""#),
        "{}",
        pending.body
    );
    assert!(
        !pending
            .body
            .contains(r#"action="/connections/loose/fields/external_id""#),
        "the generated external id is not replaced by hand"
    );
    assert!(
        !pending.body.contains("lanyard-pending"),
        "no placeholder role"
    );
    let refused = v
        .submit(
            "/connections/loose",
            "/connections/loose/role",
            &[("iam_role_arn", &loose_arn)],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(refused.body.contains(r#"id="role-error""#));
    assert!(refused.body.contains("confused-deputy"), "{}", refused.body);
    assert!(refused.body.contains("sts:ExternalId"), "{}", refused.body);
    seen.push(refused.body);
    let connected = v.get("/connections?tab=connected").await;
    assert!(connected
        .body
        .contains(r#"<a href="/connections/loose/role">"#));
    seen.push(connected.body);

    // A role that cannot be assumed with the connection's external id says so.
    let missing = v
        .submit(
            "/connections/loose/role",
            "/connections/loose/role",
            &[("iam_role_arn", &other_arn)],
        )
        .await;
    assert_eq!(missing.status, 400);
    assert!(
        missing.body.contains("could not assume"),
        "{}",
        missing.body
    );
    seen.push(missing.body);

    // The stack's role completes its connection, verified.
    let done = v
        .submit(
            "/connections/xacct/role",
            "/connections/xacct/role",
            &[("iam_role_arn", &role_arn)],
        )
        .await;
    let ready = v.follow(done).await;
    assert!(ready.body.contains("is ready"), "{}", ready.body);
    assert!(!ready.body.contains(r#"id="pending-role""#));
    assert!(ready.body.contains(" · trusted</dd>"), "{}", ready.body);
    seen.push(ready.body);
    // Another session is not offered the template; it is told how to get a new one.
    let mut other = Visitor::new(&server);
    other.login(server.admin_token()).await;
    let elsewhere = other.get("/connections/loose/template").await;
    assert_eq!(elsewhere.status, 404);
    assert!(
        elsewhere.body.contains("run the setup again"),
        "{}",
        elsewhere.body
    );
    let step = other.get("/connections/loose/role").await;
    assert!(step.body.contains(r#"id="no-template""#), "{}", step.body);
    assert!(step.body.contains(r#"id="role-form""#));
    seen.push(step.body);
    let gone = v.get("/connections/xacct/template").await;
    assert_eq!(gone.status, 404, "offered until the connection is complete");

    for path in [
        WIZARD,
        "/connections/xacct",
        "/connections/xacct/role",
        "/connections/loose",
        "/connections/loose/role",
        "/connections?tab=connected",
        "/audit",
    ] {
        seen.push(v.get(path).await.body);
    }
    for page in &seen {
        assert!(!page.contains(&external_id) && !page.contains(&loose_id));
        let random = |id: &str| id.rsplit('@').next().unwrap().to_owned();
        assert!(!page.contains(&random(&external_id)) && !page.contains(&random(&loose_id)));
    }
}

async fn test_connection_stores_and_shows_the_verdict(backend: Backend) {
    let moto = Moto::start();
    let keys = moto.create_user("deployer", &["sts:*"]);
    moto.enable_auth();
    let server = server_reaching(backend, &moto.endpoint(), None).await;
    let mut v = Visitor::new(&server);
    v.login(server.admin_token()).await;
    let wrong: String = keys.secret_access_key.chars().rev().collect();
    for (name, secret) in [("good", &keys.secret_access_key), ("bad", &wrong)] {
        let saved = v
            .submit(
                "/connections/new/aws",
                "/connections/new/aws",
                &[
                    ("mode", "inline"),
                    ("name", name),
                    ("field.account_id", moto::ACCOUNT),
                    ("field.access_key_id", &keys.access_key_id),
                    ("field.secret_access_key", secret),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
    }
    // The wizard checked each on save: the good one passed, the bad one is flagged.
    let good = v.get("/connections/good").await;
    assert!(good.body.contains(" · ok</dd>"), "{}", good.body);
    let bad = v.get("/connections/bad").await;
    assert!(bad.body.contains(" · failed</dd>"), "{}", bad.body);

    let tested = v
        .submit("/connections/good", "/connections/good/test", &[])
        .await;
    assert_eq!(tested.status, 200, "{}", tested.body);
    let identity = format!(
        "AWS answers as arn:aws:iam::{}:user/deployer",
        moto::ACCOUNT
    );
    assert!(tested.body.contains(&identity), "{}", tested.body);
    let page = v.get("/connections/good").await;
    assert!(page.body.contains(" · ok</dd>"), "{}", page.body);

    let failed = v
        .submit("/connections/bad", "/connections/bad/test", &[])
        .await;
    assert!(
        failed.body.contains("The test against AWS failed"),
        "{}",
        failed.body
    );
    assert!(
        failed.body.contains("SignatureDoesNotMatch"),
        "{}",
        failed.body
    );
    assert!(!failed.body.contains(&wrong) && !failed.body.contains(&keys.secret_access_key));

    let connected = v.get("/connections?tab=connected").await;
    assert!(connected.body.contains(" · ok</td>"), "{}", connected.body);
    assert!(
        connected.body.contains(" · failed</td>"),
        "{}",
        connected.body
    );
    assert!(
        !connected.body.contains("Not verified"),
        "{}",
        connected.body
    );

    // Other providers keep the configuration checks and say so.
    let saved = v
        .submit(
            "/connections/new/digitalocean",
            "/connections/new/digitalocean",
            &[
                ("mode", "inline"),
                ("name", "do"),
                (
                    "field.api_token",
                    "dop_v1_0123456789abcdef0123456789abcdef0123456789abcdef",
                ),
                ("field.default_region", "nyc3"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let other = v
        .submit("/connections/do", "/connections/do/test", &[])
        .await;
    // Every provider is checked now; this machine cannot reach DigitalOcean's API, and the
    // page says so, naming the host.
    assert!(
        other
            .body
            .contains("The test against DigitalOcean failed (unreachable)")
            && other.body.contains("cannot reach api.digitalocean.com"),
        "{}",
        other.body
    );
}
