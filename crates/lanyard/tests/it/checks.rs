//! Connection checks end to end against a real peer (Debian's docker-registry with htpasswd):
//! checked on save, a failing check is a warning, not a lost connection; `--failing` and the
//! matrix show it; a changed secret and the organization's schedule check it again.

use std::time::{Duration, Instant};

use lanyard_testkit::moto::Moto;
use lanyard_testkit::registry::Registry;

use crate::jobs::authorize_and_default;
use crate::support::{Backend, Sandbox};

lanyard_testkit::backend_tests!(
    a_registry_connection_is_checked_on_save_on_change_and_on_schedule,
    apply_checks_what_it_creates_or_changes,
    verify_required_keeps_nothing_that_fails,
    an_unreachable_cloud_is_said_in_a_sentence,
    s3_state_backends_are_checked_for_keys_permission_and_bucket,
    ecr_registries_are_checked_for_account_keys_and_permission,
    s3_compatible_stores_behind_a_private_ca_are_trusted_through_ca_bundle,
);

const PASSWORD: &str = "s3cret-PLANTED-registry-pw";

fn connect(
    sandbox: &Sandbox,
    name: &str,
    registry: &Registry,
    password: &str,
) -> crate::support::Out {
    let args = connect_args(name, registry, password);
    sandbox.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `--verify required` with a wrong password keeps neither the connection nor its secret; a
/// name taken says how to change or re-check it; a provider that cannot be reached is a
/// warning, not a failure.
async fn verify_required_keeps_nothing_that_fails(backend: Backend) {
    let registry = Registry::start("ci", PASSWORD);
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    let strict = |name: &str, password: &str| {
        let mut args = connect_args(name, &registry, password);
        args.extend(["--verify".to_owned(), "required".to_owned()]);
        sandbox.run(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let refused = strict("reg", "wrong-password-123");
    let line = refused.error_line();
    assert!(line.contains("nothing was saved"), "{line}");
    assert!(!line.contains("wrong-password-123"), "{line}");
    let left = sandbox.run(&["connection", "list", "-o", "json"]).json();
    assert_eq!(left, serde_json::json!([]), "{left}");
    let secrets = sandbox.run(&["secret", "list", "-o", "json"]).json();
    assert_eq!(secrets, serde_json::json!([]), "{secrets}");

    strict("reg", PASSWORD).ok();
    let again = strict("reg", PASSWORD);
    let line = again.error_line();
    for says in [
        "already exists",
        "connection update reg",
        "connection test reg",
    ] {
        assert!(line.contains(says), "{line}");
    }

    // Nothing listens here: the check cannot run, the connection is kept with a warning.
    let unreachable = sandbox.run(&[
        "connect",
        "github",
        "--name",
        "ghe",
        "-f",
        "token=ghp_0123456789abcdefghijABCDEFGHIJ012345",
        "-f",
        "host=https://127.0.0.1:9",
    ]);
    assert!(unreachable.status.success(), "{unreachable:?}");
    assert!(unreachable.stderr.contains("Warning"), "{unreachable:?}");
    assert!(
        !unreachable.stderr.contains("{ "),
        "a debug dump: {unreachable:?}"
    );
    connection(&sandbox, "ghe");
}

/// AWS cannot be reached: `connect` keeps the connection and says why in a sentence, not with
/// the SDK's debug dump of its internals.
async fn an_unreachable_cloud_is_said_in_a_sentence(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox
        .try_start(
            "127.0.0.1:0",
            &[],
            &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")],
        )
        .unwrap_or_else(|out| panic!("the server did not start: {out:?}"));
    let out = sandbox.run(&[
        "connect",
        "aws",
        "--name",
        "offline",
        "-f",
        "account_id=123456789012",
        "-f",
        "access_key_id=AKIAIOSFODNN7EXAMPLE",
        "-f",
        "secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    ]);
    assert!(out.status.success(), "{out:?}");
    let said = format!("{}{}", out.stdout, out.stderr);
    assert!(said.contains("unreachable"), "{out:?}");
    for dump in ["DispatchFailure(", "ConnectorError {", "{ source"] {
        assert!(!said.contains(dump), "a debug dump: {out:?}");
    }
    connection(&sandbox, "offline");
}

fn connect_args(name: &str, registry: &Registry, password: &str) -> Vec<String> {
    [
        "connect",
        "container-registry",
        "--kind",
        "generic",
        "--name",
        name,
        "--field",
        &format!("registry_url={}", registry.url()),
        "--field",
        "registry_username=ci",
        "--field",
        &format!("registry_password={password}"),
    ]
    .map(str::to_owned)
    .to_vec()
}

fn connection(sandbox: &Sandbox, name: &str) -> serde_json::Value {
    sandbox
        .run(&["connection", "get", name, "-o", "json"])
        .json()
}

/// Waits until `name`'s verdict is `want` (the scheduler runs every two seconds).
fn wait_for_verdict(sandbox: &Sandbox, name: &str, want: &str) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let shown = connection(sandbox, name);
        if shown["verdict"] == want {
            return shown;
        }
        assert!(
            Instant::now() < deadline,
            "{name} never became {want}: {shown}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

async fn a_registry_connection_is_checked_on_save_on_change_and_on_schedule(backend: Backend) {
    let registry = Registry::start("ci", PASSWORD);
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();

    // Good credentials: checked on save, verdict and message stored.
    let good = connect(&sandbox, "reg", &registry, PASSWORD);
    assert!(good.status.success(), "{good:?}");
    assert!(good.stdout.contains("works"), "{good:?}");
    let shown = connection(&sandbox, "reg");
    assert_eq!(shown["verdict"], "ok", "{shown}");
    assert_eq!(shown["failing"], false, "{shown}");
    assert!(shown["verification_message"]
        .as_str()
        .unwrap()
        .contains("accepted ci's credentials"));

    // A wrong password: saved with a warning, the verdict names the problem, no secret shown.
    let bad = connect(&sandbox, "reg-bad", &registry, "wrong-PLANTED-password");
    assert!(bad.status.success(), "{bad:?}");
    let all = format!("{}{}", bad.stdout, bad.stderr);
    assert!(all.contains("failed its test (wrong credentials)"), "{all}");
    assert!(
        all.contains("Warning: connection `reg-bad` is saved"),
        "{all}"
    );
    assert!(!all.contains("wrong-PLANTED-password"), "{all}");
    let failing = sandbox
        .run(&["connection", "list", "--failing", "-o", "json"])
        .json();
    let names: Vec<&str> = failing
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["reg-bad"]);
    authorize_and_default(&sandbox, "container-registry", "reg-bad");
    let matrix = sandbox.run(&["connection", "matrix", "-o", "json"]).json();
    let row = matrix["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["connection"] == "reg-bad")
        .unwrap();
    assert_eq!(row["cells"][0], "failing", "{matrix}");
    let tested = sandbox.run(&["connection", "test", "reg-bad"]);
    assert_eq!(tested.status.code(), Some(1), "{tested:?}");

    // Fixing it with `connection update` checks it again (the update is a save).
    let fixed = sandbox.run(&[
        "connection",
        "update",
        "reg-bad",
        "--field",
        &format!("registry_password={PASSWORD}"),
    ]);
    assert!(fixed.status.success(), "{fixed:?}");
    wait_for_verdict(&sandbox, "reg-bad", "ok");

    // Someone changes the password elsewhere: the connection is checked again soon after its
    // secret changes, and on the organization's schedule.
    let secrets = sandbox.run(&["secret", "list", "-o", "json"]).json();
    let secret = secrets
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .find(|n| n.starts_with("reg-") && !n.starts_with("reg-bad"))
        .expect("the good connection's password secret");
    let set = sandbox.run(&["secret", "set", &secret, "rotated-PLANTED-elsewhere"]);
    assert!(set.status.success(), "{set:?}");
    let changed = wait_for_verdict(&sandbox, "reg", "wrong_credentials");
    assert_eq!(changed["failing"], true, "{changed}");

    // With a one-second interval, a fixed credential recovers without anyone asking.
    sandbox.run(&["org", "check-interval", "1s"]).ok();
    let restored = sandbox.run(&["secret", "set", &secret, PASSWORD]);
    assert!(restored.status.success(), "{restored:?}");
    let before = connection(&sandbox, "reg-bad")["last_verified_at"].clone();
    assert!(before.is_string(), "reg-bad was checked after its update");
    wait_for_verdict(&sandbox, "reg", "ok");
    let deadline = Instant::now() + Duration::from_secs(30);
    while connection(&sandbox, "reg-bad")["last_verified_at"] == before {
        assert!(
            Instant::now() < deadline,
            "the schedule never checked reg-bad again"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

async fn s3_state_backends_are_checked_for_keys_permission_and_bucket(backend: Backend) {
    let moto = Moto::start();
    let writer = moto.create_user("state-writer", &["s3:*"]);
    let stranger = moto.create_user("stranger", &["sts:*"]);
    moto.python(None, "client('s3').create_bucket(Bucket='acme-tf-state')");
    moto.enable_auth();
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    let wrong: String = writer.secret_access_key.chars().rev().collect();
    // (connection, bucket, key id, secret, verdict, what the message says)
    let cases = [
        (
            "tf-ok",
            "acme-tf-state",
            &writer.access_key_id,
            &writer.secret_access_key,
            "ok",
            "may read bucket acme-tf-state",
        ),
        (
            "tf-wrong",
            "acme-tf-state",
            &writer.access_key_id,
            &wrong,
            "wrong_credentials",
            "SignatureDoesNotMatch",
        ),
        (
            "tf-denied",
            "acme-tf-state",
            &stranger.access_key_id,
            &stranger.secret_access_key,
            "missing_permission",
            "grant s3:ListBucket",
        ),
        (
            "tf-missing",
            "acme-no-such-bucket",
            &writer.access_key_id,
            &writer.secret_access_key,
            "not_found",
            "there is no bucket acme-no-such-bucket",
        ),
    ];
    for (name, bucket, key_id, secret, verdict, says) in cases {
        let saved = sandbox.run(&[
            "connect",
            "terraform-backend",
            "--kind",
            "s3",
            "--name",
            name,
            "--field",
            &format!("bucket={bucket}"),
            "--field",
            "key=network/terraform.tfstate",
            "--field",
            "region=us-east-1",
            "--field",
            &format!("endpoint={}", moto.endpoint()),
            "--field",
            &format!("aws_access_key_id={key_id}"),
            "--field",
            &format!("aws_secret_access_key={secret}"),
        ]);
        assert!(saved.status.success(), "{name}: {saved:?}");
        let shown = connection(&sandbox, name);
        assert_eq!(shown["verdict"], verdict, "{name}: {shown}");
        let message = shown["verification_message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{name}: {message}");
        assert!(!message.contains(secret.as_str()), "{name}: {message}");
    }

    // Keys never go to a metadata address, whatever the endpoint field says: refused before
    // any packet (the AWS SDK's client has the checks' egress guard too).
    for (provider, kind, endpoint_field) in [
        ("terraform-backend", Some("s3"), "endpoint"),
        ("aws", None, "endpoint_url"),
    ] {
        let name = format!("{provider}-metadata");
        let mut args = vec!["connect", provider, "--name", &name];
        args.extend(kind.map(|k| ["--kind", k]).into_iter().flatten());
        let fields: Vec<String> = match kind {
            Some(_) => vec![
                "bucket=acme-tf-state".to_owned(),
                "key=network/terraform.tfstate".to_owned(),
                "region=us-east-1".to_owned(),
                format!("aws_access_key_id={}", writer.access_key_id),
                format!("aws_secret_access_key={}", writer.secret_access_key),
            ],
            None => vec![
                format!("account_id={}", lanyard_testkit::moto::ACCOUNT),
                format!("access_key_id={}", writer.access_key_id),
                format!("secret_access_key={}", writer.secret_access_key),
            ],
        };
        let endpoint = format!("{endpoint_field}=http://169.254.169.254");
        for field in fields.iter().chain(std::iter::once(&endpoint)) {
            args.extend(["--field", field]);
        }
        let started = std::time::Instant::now();
        let saved = sandbox.run(&args);
        assert!(saved.status.success(), "{name}: {saved:?}");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(3),
            "{name}: the check tried to connect"
        );
        let shown = connection(&sandbox, &name);
        assert_eq!(shown["verdict"], "unreachable", "{name}: {shown}");
        let message = shown["verification_message"].as_str().unwrap_or_default();
        assert!(
            message.contains("cloud metadata address"),
            "{name}: {message}"
        );
    }
}

async fn apply_checks_what_it_creates_or_changes(backend: Backend) {
    let registry = Registry::start("ci", PASSWORD);
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox
        .run(&["secret", "set", "registry-pw", PASSWORD])
        .ok();
    sandbox
        .run(&["secret", "set", "stale-pw", "stale-PLANTED-password"])
        .ok();
    let manifest = |name: &str, secret: &str| {
        format!(
            "apiVersion: lanyard.dev/v1\nkind: Connection\nmetadata:\n  name: {name}\nspec:\n  \
             provider: container-registry\n  kind: generic\n  fields:\n    registry_url: {}\n    \
             registry_username: ci\n    registry_password: {{secret: {secret}}}\n",
            registry.url()
        )
    };
    let file = sandbox.home().join("registries.yaml");
    std::fs::write(
        &file,
        format!(
            "{}---\n{}",
            manifest("reg-a", "registry-pw"),
            manifest("reg-b", "stale-pw")
        ),
    )
    .unwrap();
    let applied = sandbox.run(&["apply", "-f", file.to_str().unwrap()]);
    assert!(applied.status.success(), "{applied:?}");
    assert!(
        applied.stdout.contains("connection/reg-a created"),
        "{applied:?}"
    );
    assert!(
        applied.stdout.contains("check: the registry at"),
        "{applied:?}"
    );
    assert!(
        applied.stderr.contains("check failed (wrong credentials)"),
        "{applied:?}"
    );
    assert!(!applied.stderr.contains("stale-PLANTED"), "{applied:?}");
    assert_eq!(
        connection(&sandbox, "reg-b")["verdict"],
        "wrong_credentials"
    );
    // Unchanged documents are not checked again; --no-verify checks nothing.
    let again = sandbox.run(&["apply", "-f", file.to_str().unwrap(), "--no-verify"]);
    assert!(again.status.success(), "{again:?}");
    assert!(
        !again.stdout.contains("check:") && !again.stderr.contains("check"),
        "{again:?}"
    );
}

/// ECR registry connections against moto (the server's AWS endpoint): STS says whose keys they
/// are, then GetAuthorizationToken, as docker-credential-ecr-login calls it. A table of keys,
/// accounts and what the check must say.
async fn ecr_registries_are_checked_for_account_keys_and_permission(backend: Backend) {
    let moto = Moto::start();
    let pusher = moto.create_user("pusher", &["ecr:*", "sts:*"]);
    let stranger = moto.create_user("stranger", &["sts:*"]);
    moto.enable_auth();
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox
        .try_start(
            "127.0.0.1:0",
            &[],
            &[("AWS_ENDPOINT_URL", &moto.endpoint())],
        )
        .unwrap_or_else(|out| panic!("the server did not start: {out:?}"));
    let account = lanyard_testkit::moto::ACCOUNT;
    let wrong: String = pusher.secret_access_key.chars().rev().collect();
    // (connection, account, key id, secret, verdict, what the message says)
    let cases = [
        (
            "ecr-ok",
            account,
            &pusher.access_key_id,
            &pusher.secret_access_key,
            "ok",
            "ECR issued a login token",
        ),
        (
            "ecr-wrong",
            account,
            &pusher.access_key_id,
            &wrong,
            "wrong_credentials",
            "AWS refused the keys",
        ),
        (
            "ecr-denied",
            account,
            &stranger.access_key_id,
            &stranger.secret_access_key,
            "missing_permission",
            "ecr:GetAuthorizationToken",
        ),
        (
            "ecr-elsewhere",
            "210987654321",
            &pusher.access_key_id,
            &pusher.secret_access_key,
            "missing_permission",
            "not 210987654321",
        ),
    ];
    for (name, account_id, key_id, secret, verdict, says) in cases {
        let saved = sandbox.run(&[
            "connect",
            "container-registry",
            "--kind",
            "ecr",
            "--name",
            name,
            "--field",
            &format!("account_id={account_id}"),
            "--field",
            "region=us-east-1",
            "--field",
            &format!("access_key_id={key_id}"),
            "--field",
            &format!("secret_access_key={secret}"),
        ]);
        assert!(saved.status.success(), "{name}: {saved:?}");
        let shown = connection(&sandbox, name);
        assert_eq!(shown["verdict"], verdict, "{name}: {shown}");
        let message = shown["verification_message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{name}: {message}");
        assert!(!message.contains(secret.as_str()), "{name}: {message}");
    }
}

/// An S3-compatible store behind a private CA (moto behind nginx's TLS with a self-signed
/// certificate): a Terraform S3 backend and an aws connection are trusted by their checks only
/// with the CA in `ca_bundle`, and the aws CLI in a job trusts it through AWS_CA_BUNDLE.
async fn s3_compatible_stores_behind_a_private_ca_are_trusted_through_ca_bundle(backend: Backend) {
    let moto = Moto::start();
    let writer = moto.create_user("state-writer", &["s3:*", "sts:*"]);
    moto.python(None, "client('s3').create_bucket(Bucket='acme-tf-state')");
    moto.enable_auth();
    let proxy = lanyard_testkit::tls_proxy::TlsProxy::start(moto.port());
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let ca = format!("ca_bundle=@{}", proxy.certificate().display());
    let backend_fields = vec![
        "bucket=acme-tf-state".to_owned(),
        "key=network/terraform.tfstate".to_owned(),
        "region=us-east-1".to_owned(),
        format!("endpoint={}", proxy.url()),
        format!("aws_access_key_id={}", writer.access_key_id),
        format!("aws_secret_access_key={}", writer.secret_access_key),
    ];
    let aws_fields = vec![
        format!("account_id={}", lanyard_testkit::moto::ACCOUNT),
        "region=us-east-1".to_owned(),
        format!("endpoint_url={}", proxy.url()),
        format!("access_key_id={}", writer.access_key_id),
        format!("secret_access_key={}", writer.secret_access_key),
    ];
    // (connection, provider, kind, fields, with the CA?, verdict)
    let cases = [
        (
            "state-untrusted",
            "terraform-backend",
            Some("s3"),
            &backend_fields,
            false,
            "unreachable",
        ),
        (
            "state-trusted",
            "terraform-backend",
            Some("s3"),
            &backend_fields,
            true,
            "ok",
        ),
        (
            "aws-untrusted",
            "aws",
            None,
            &aws_fields,
            false,
            "unreachable",
        ),
        ("aws-trusted", "aws", None, &aws_fields, true, "ok"),
    ];
    for (name, provider, kind, fields, trusted, verdict) in cases {
        let mut args = vec!["connect", provider, "--name", name];
        args.extend(kind.map(|k| ["--kind", k]).into_iter().flatten());
        let mut all: Vec<String> = fields.clone();
        if trusted {
            all.push(ca.clone());
        }
        for field in &all {
            args.extend(["--field", field.as_str()]);
        }
        let saved = sandbox.run(&args);
        assert!(saved.status.success(), "{name}: {saved:?}");
        let shown = connection(&sandbox, name);
        assert_eq!(shown["verdict"], verdict, "{name}: {shown}");
    }
    // The aws CLI in a job: the endpoint and the CA come from the connection.
    let aws = lanyard_testkit::moto::venv_bin("aws").display().to_string();
    for (name, lists) in [("aws-trusted", true), ("aws-untrusted", false)] {
        crate::jobs::authorize_in(&sandbox, "aws", name, "dev");
        let out = sandbox.run(&[
            "run",
            "--env",
            "dev",
            "-c",
            name,
            "--",
            &aws,
            "s3api",
            "list-objects-v2",
            "--bucket",
            "acme-tf-state",
        ]);
        assert_eq!(out.status.success(), lists, "{name}: {out:?}");
        if !lists {
            assert!(out.stderr.contains("SSL"), "{name}: {out:?}");
        }
    }
}
