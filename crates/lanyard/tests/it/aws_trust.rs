//! AWS cross-account trust against moto: the CloudFormation template, the two-sided check,
//! jobs' AssumeRole, the terminal wizard, and `connection test`.

use lanyard_testkit::moto::{self, Moto, TestKeys};

use crate::aws::{start_runner, whoami};
use crate::jobs::authorize_and_default;
use crate::support::{Backend, Sandbox};

lanyard_testkit::backend_tests!(
    cross_account_trust_from_template_to_job,
    connect_tests_inline_keys_and_records_the_verdict,
    on_a_terminal_connect_waits_for_the_role_arn,
    a_connection_endpoint_is_used_by_its_test_and_its_jobs,
);

/// A server whose own AWS identity is moto user `lanyard-server` (it may do anything).
fn server_with_identity(sandbox: &Sandbox, moto: &Moto, keys: &TestKeys) -> crate::support::Server {
    let endpoint = moto.endpoint();
    sandbox
        .try_start(
            "127.0.0.1:0",
            &[],
            &[
                ("AWS_ACCESS_KEY_ID", &keys.access_key_id),
                ("AWS_SECRET_ACCESS_KEY", &keys.secret_access_key),
                ("AWS_ENDPOINT_URL", &endpoint),
                ("AWS_REGION", "us-east-1"),
            ],
        )
        .expect("server starts")
}

/// `lanyard connect aws --auth-mode cross-account-trust`; returns the template's path.
/// `capabilities` empty: the default, all of them; `extra`: more arguments.
fn begin_cross_account(
    sandbox: &Sandbox,
    name: &str,
    capabilities: &str,
    extra: &[&str],
) -> std::path::PathBuf {
    let template = sandbox.home().join(format!("{name}.json"));
    let account = format!("account_id={}", moto::ACCOUNT);
    let mut args = vec![
        "connect",
        "aws",
        "--auth-mode",
        "cross-account-trust",
        "--name",
        name,
        "--field",
        &account,
        "--template-file",
        template.to_str().unwrap(),
    ];
    if !capabilities.is_empty() {
        args.extend(["--capabilities", capabilities]);
    }
    args.extend(extra);
    let out = sandbox.run(&args).ok();
    assert!(out.stderr.contains("is pending"), "{out:?}");
    assert!(
        out.stderr.contains("iam_role_arn=ARN"),
        "no completion hint: {out:?}"
    );
    template
}

#[track_caller]
pub(crate) fn cfn_lint(template: &std::path::Path) {
    let lint = std::process::Command::new(moto::venv_bin("cfn-lint"))
        .arg(template)
        .output()
        .expect("run cfn-lint");
    assert!(
        lint.status.success(),
        "cfn-lint: {}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
}

fn connection(sandbox: &Sandbox, name: &str) -> serde_json::Value {
    sandbox
        .run(&["connection", "get", name, "-o", "json"])
        .json()
}

async fn cross_account_trust_from_template_to_job(backend: Backend) {
    let moto = Moto::start();
    let admin = moto.create_user("lanyard-server", &["*"]);
    let edge_keys = moto.create_user("edge-user", &["sts:*"]);
    let sandbox = Sandbox::new(backend).await;
    let _server = server_with_identity(&sandbox, &moto, &admin);
    sandbox.run(&["env", "create", "dev"]).ok();

    // 1. A pending connection and its template, which cfn-lint accepts.
    let template = begin_cross_account(&sandbox, "xacct", "s3-storage,cloudwatch-monitoring", &[]);
    assert_eq!(connection(&sandbox, "xacct")["pending"], true);
    cfn_lint(&template);
    authorize_and_default(&sandbox, "aws", "xacct");
    let early = sandbox.run(&["run", "--env", "dev", "--provider", "aws", "--", "true"]);
    assert!(
        early.stderr.contains("waiting for its IAM role"),
        "{early:?}"
    );

    // The stack creates the role; another role trusts the server without the condition.
    let role_arn = create_stack(&moto, &admin, "xacct", &template);
    assert!(role_arn.ends_with(":role/lanyard-xacct"), "{role_arn}");
    let loose_arn = moto.create_role(&admin, "loose", &moto::user_arn("lanyard-server"), None);
    // With every capability (the default), the template is still lint-clean.
    cfn_lint(&begin_cross_account(&sandbox, "loose", "", &[]));
    // The setup does not take over a connection of another mode.
    sandbox
        .run(&[
            "connect",
            "aws",
            "--name",
            "plain",
            "--no-verify",
            "--field",
            "account_id=123456789012",
            "--field",
            "access_key_id=AKIAIOSFODNN7EXAMPLE",
            "--field",
            "secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ])
        .ok();
    let taken = sandbox.run(&[
        "connect",
        "aws",
        "--auth-mode",
        "cross-account-trust",
        "--name",
        "plain",
        "--field",
        "account_id=123456789012",
    ]);
    assert!(
        taken
            .error_line()
            .contains("already exists (provider aws, auth mode inline)"),
        "{taken:?}"
    );
    moto.enable_auth();

    // 2. The role without the external-id condition is refused, and the connection stays
    // pending; the stack's role completes its connection.
    let refused = sandbox.run(&[
        "connection",
        "update",
        "loose",
        "--field",
        &format!("iam_role_arn={loose_arn}"),
    ]);
    let line = refused.error_line();
    assert!(line.contains("confused-deputy"), "{refused:?}");
    assert!(line.contains("sts:ExternalId"), "{refused:?}");
    assert_eq!(connection(&sandbox, "loose")["pending"], true);
    sandbox
        .run(&[
            "connection",
            "update",
            "xacct",
            "--field",
            &format!("iam_role_arn={role_arn}"),
        ])
        .ok();
    let completed = connection(&sandbox, "xacct");
    assert_eq!(completed["pending"], false, "{completed}");
    assert_eq!(completed["verdict"], "trusted", "{completed}");

    // 3. A job gets the role's temporary credentials, named after the job, masked.
    let mut args = vec!["run", "--env", "dev", "--provider", "aws", "--"];
    let command = whoami(&moto);
    args.extend(command.iter().map(String::as_str));
    let ran = sandbox.run(&args);
    assert!(ran.status.success(), "{ran:?}");
    let output = format!("{}{}", ran.stdout, ran.stderr);
    let jobs = sandbox.run(&["job", "list", "-o", "json"]).json();
    let job_id = jobs[0]["id"].as_str().unwrap().to_owned();
    assert!(
        output.contains(&format!(
            "arn=arn:aws:sts::{}:assumed-role/lanyard-xacct/{job_id}",
            moto::ACCOUNT
        )),
        "{output}"
    );
    assert!(output.contains("secret=[REDACTED]"), "{output}");
    assert!(output.contains("token=[REDACTED]"), "{output}");

    // On an external runner: a connection pinned to it also trusts the identity that runner
    // reported, and the runner assumes the role with it.
    let credentials = sandbox.register_runner("edge");
    let runner = start_runner(&sandbox, &credentials, &edge_keys, &moto);
    let pinned = begin_cross_account(
        &sandbox,
        "viaedge",
        "s3-storage",
        &["--field", "runner=edge"],
    );
    let text = std::fs::read_to_string(&pinned).unwrap();
    assert!(
        text.contains(&format!("arn:aws:iam::{}:user/edge-user", moto::ACCOUNT)),
        "{text}"
    );
    let pinned_arn = create_stack(&moto, &admin, "viaedge", &pinned);
    sandbox
        .run(&[
            "connection",
            "update",
            "viaedge",
            "--field",
            &format!("iam_role_arn={pinned_arn}"),
        ])
        .ok();
    authorize_and_default(&sandbox, "aws", "viaedge");
    let ran = sandbox.run(&args);
    assert!(ran.status.success(), "{ran:?}\nrunner: {}", runner.output());
    let jobs = sandbox.run(&["job", "list", "-o", "json"]).json();
    assert_eq!(jobs[0]["runner"], "edge", "{jobs}");
    let job_id = jobs[0]["id"].as_str().unwrap();
    assert!(
        ran.stdout
            .contains(&format!("assumed-role/lanyard-viaedge/{job_id}")),
        "{ran:?}"
    );
    drop(runner);

    // 4. `connection test` assumes the role too, and records when.
    let tested = sandbox.run(&["connection", "test", "xacct"]).ok();
    assert!(
        tested.stdout.contains("assumed-role/lanyard-xacct/"),
        "{tested:?}"
    );
    assert!(connection(&sandbox, "xacct")["last_verified_at"].is_string());

    // The audit trail has the completion's verdict and the test, and no external id.
    let audit = sandbox
        .run(&["audit", "list", "--connection", "xacct", "-o", "json"])
        .ok();
    let events: serde_json::Value = serde_json::from_str(&audit.stdout).unwrap();
    let events = events
        .as_array()
        .or_else(|| events["items"].as_array())
        .expect("a list of events")
        .clone();
    assert!(
        events
            .iter()
            .any(|e| e["action"] == "connection.verify" && e["details"]["verdict"] == "ok"),
        "{events:?}"
    );
    assert!(
        events
            .iter()
            .any(|e| e["action"] == "connection.update" && e["details"]["verdict"] == "trusted"),
        "{events:?}"
    );
    let template_text = std::fs::read_to_string(&template).unwrap();
    let template_json: serde_json::Value = serde_json::from_str(&template_text).unwrap();
    let external_id = template_json["Parameters"]["ExternalId"]["Default"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        !audit.stdout.contains(&external_id),
        "the audit shows the external id"
    );

    // The server stores no long-lived key.
    let stored = sandbox.database_bytes().await;
    let secret = admin.secret_access_key.as_bytes();
    assert!(!stored.windows(secret.len()).any(|w| w == secret));
}

async fn connect_tests_inline_keys_and_records_the_verdict(backend: Backend) {
    let moto = Moto::start();
    let keys = moto.create_user("deployer", &["sts:*"]);
    moto.enable_auth();
    let sandbox = Sandbox::new(backend).await;
    let endpoint = moto.endpoint();
    let _server = sandbox
        .try_start("127.0.0.1:0", &[], &[("AWS_ENDPOINT_URL", &endpoint)])
        .expect("server starts");
    let connect = |name: &str, secret: &str| {
        sandbox.run(&[
            "connect",
            "aws",
            "--name",
            name,
            "--field",
            &format!("account_id={}", moto::ACCOUNT),
            "--field",
            &format!("access_key_id={}", keys.access_key_id),
            "--field",
            &format!("secret_access_key={secret}"),
        ])
    };
    let good = connect("good", &keys.secret_access_key).ok();
    assert!(
        good.stdout.contains(&format!(
            "AWS answers as arn:aws:iam::{}:user/deployer",
            moto::ACCOUNT
        )),
        "{good:?}"
    );
    let record = connection(&sandbox, "good");
    assert_eq!(record["verdict"], "ok", "{record}");
    assert!(record["last_verified_at"].is_string(), "{record}");

    // A wrong secret key: saved (connect warns and succeeds), but the test fails, says why,
    // and shows no key.
    let wrong: String = keys.secret_access_key.chars().rev().collect();
    let bad = connect("bad", &wrong);
    assert_eq!(bad.status.code(), Some(0), "{bad:?}");
    assert!(
        bad.stderr.contains("Warning: connection `bad` is saved"),
        "{bad:?}"
    );
    let all = format!("{}{}", bad.stdout, bad.stderr);
    assert!(all.contains("failed its test"), "{bad:?}");
    assert!(all.contains("SignatureDoesNotMatch"), "{bad:?}");
    assert!(
        !all.contains(&wrong) && !all.contains(&keys.secret_access_key),
        "{bad:?}"
    );
    assert_eq!(connection(&sandbox, "bad")["verdict"], "failed");
    let again = sandbox.run(&["connection", "test", "bad"]);
    assert_eq!(again.status.code(), Some(1), "{again:?}");
}

/// Creates the stack of the template `lanyard connect` wrote; returns its RoleArn output.
fn create_stack(moto: &Moto, admin: &TestKeys, name: &str, template: &std::path::Path) -> String {
    let body = std::fs::read_to_string(template).expect("the written template");
    moto.create_stack(admin, name, &body)
}

async fn on_a_terminal_connect_waits_for_the_role_arn(backend: Backend) {
    let moto = Moto::start();
    let admin = moto.create_user("lanyard-server", &["*"]);
    moto.enable_auth();
    let sandbox = Sandbox::new(backend).await;
    let _server = server_with_identity(&sandbox, &moto, &admin);
    let template = sandbox.home().join("wizard.json");
    let mut command = sandbox.command();
    command
        .args([
            "connect",
            "aws",
            "--auth-mode",
            "cross-account-trust",
            "--name",
            "wizard",
            "--field",
            &format!("account_id={}", moto::ACCOUNT),
            "--template-file",
            template.to_str().unwrap(),
        ])
        .env("TERM", "dumb")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    let mut session = rexpect::session::spawn_command(command, Some(30_000)).unwrap();
    session.exp_string("Role ARN").unwrap();
    let arn = create_stack(&moto, &admin, "wizard", &template);
    session.send_line(&arn).unwrap();
    let rest = session.exp_eof().unwrap();
    assert!(rest.contains("is trusted"), "{rest}");
    let completed = connection(&sandbox, "wizard");
    assert_eq!(completed["pending"], false, "{completed}");
    assert_eq!(
        completed["fields"]["iam_role_arn"]["value"], arn,
        "{completed}"
    );
}

/// `endpoint_url` on an AWS connection points `connection test` and the job's own tools at
/// that endpoint (here moto), with nothing set in the server's environment.
async fn a_connection_endpoint_is_used_by_its_test_and_its_jobs(backend: Backend) {
    let moto = Moto::start();
    let keys = moto.create_user("deployer", &["sts:*"]);
    moto.enable_auth();
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    let connected = sandbox.run(&[
        "connect",
        "aws",
        "--name",
        "local",
        "-f",
        &format!("account_id={}", moto::ACCOUNT),
        "-f",
        &format!("endpoint_url={}", moto.endpoint()),
        "-f",
        "region=us-east-1",
        "-f",
        &format!("access_key_id={}", keys.access_key_id),
        "-f",
        &format!("secret_access_key={}", keys.secret_access_key),
    ]);
    assert!(connected.status.success(), "{connected:?}");
    let tested = sandbox
        .run(&["connection", "get", "local", "-o", "json"])
        .json();
    assert_eq!(tested["verdict"], "ok", "{tested}");
    authorize_and_default(&sandbox, "aws", "local");
    // The job's boto3 gets only what the connection injects: no endpoint on its command line.
    let script = "import boto3\nprint('arn=' + boto3.client('sts').get_caller_identity()['Arn'])";
    let python = moto::venv_bin("python").display().to_string();
    let ran = sandbox.run(&[
        "run", "--env", "dev", "-p", "aws", "--", &python, "-c", script,
    ]);
    assert_eq!(ran.status.code(), Some(0), "{ran:?}");
    assert!(
        ran.stdout
            .contains(&format!("arn=arn:aws:iam::{}:user/deployer", moto::ACCOUNT)),
        "{ran:?}"
    );
    // The aws CLI too, unmodified, with nothing on its command line.
    let aws = moto::venv_bin("aws").display().to_string();
    let cli = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "-p",
        "aws",
        "--",
        &aws,
        "sts",
        "get-caller-identity",
        "--query",
        "Arn",
        "--output",
        "text",
    ]);
    assert_eq!(cli.status.code(), Some(0), "{cli:?}");
    assert!(
        cli.stdout
            .contains(&format!("arn:aws:iam::{}:user/deployer", moto::ACCOUNT)),
        "{cli:?}"
    );
    // A wrong secret fails the test clearly.
    let wrong = sandbox.run(&[
        "connection",
        "update",
        "local",
        "-f",
        "secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYWRONGWRONGKEY",
    ]);
    assert!(!wrong.status.success(), "{wrong:?}");
}
