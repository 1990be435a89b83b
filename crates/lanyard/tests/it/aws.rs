//! AWS auth modes against moto: runner-delegated identity, cross-account trust through a
//! CloudFormation stack, and `connection test`. moto's IAM checks are on once set-up is done,
//! so signatures and external ids are really checked.

use std::time::{Duration, Instant};

use lanyard_testkit::moto::{self, Moto, TestKeys};

use crate::jobs::authorize_and_default;
use crate::support::{Backend, Background, Sandbox};

lanyard_testkit::backend_tests!(
    a_runner_mode_job_runs_on_its_runner_with_its_own_identity,
    a_runner_mode_job_is_refused_while_its_runner_is_offline,
    cross_account_trust_from_template_to_job,
    connect_tests_inline_keys_and_records_the_verdict,
    on_a_terminal_connect_waits_for_the_role_arn,
);

/// A job command that prints the caller's ARN (as `aws sts get-caller-identity` would) and,
/// to check masking, the secret key it was given.
fn whoami(moto: &Moto) -> Vec<String> {
    let script = "import boto3, os, sys\n\
                  sts = boto3.client('sts', endpoint_url=sys.argv[1], region_name='us-east-1')\n\
                  print('arn=' + sts.get_caller_identity()['Arn'])\n\
                  print('secret=' + os.environ['AWS_SECRET_ACCESS_KEY'])\n\
                  print('token=' + os.environ.get('AWS_SESSION_TOKEN', 'none'))\n";
    vec![
        moto::venv_bin("python").display().to_string(),
        "-c".to_owned(),
        script.to_owned(),
        moto.endpoint(),
    ]
}

/// Registers runner `name`, writing its credentials file; returns the file's path.
fn register_runner(sandbox: &Sandbox, name: &str) -> String {
    let credentials = sandbox.home().join(format!("{name}.json"));
    let path = credentials.to_str().unwrap().to_owned();
    sandbox
        .run(&["runner", "register", name, "--credentials-file", &path])
        .ok();
    path
}

/// Starts the runner with AWS keys in its environment and waits until the server sees it online.
fn start_runner(sandbox: &Sandbox, credentials: &str, keys: &TestKeys, moto: &Moto) -> Background {
    let endpoint = moto.endpoint();
    let runner = sandbox.spawn(
        &["runner", "start", "--credentials-file", credentials],
        &[
            ("AWS_ACCESS_KEY_ID", &keys.access_key_id),
            ("AWS_SECRET_ACCESS_KEY", &keys.secret_access_key),
            ("AWS_ENDPOINT_URL", &endpoint),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let runners = sandbox.run(&["runner", "list", "-o", "json"]).json();
        if runners
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["online"] == true)
        {
            return runner;
        }
        assert!(
            Instant::now() < deadline,
            "runner never came online: {}",
            runner.output()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn connect_runner_mode(sandbox: &Sandbox, runner: &str) {
    sandbox
        .run(&[
            "connect",
            "aws",
            "--name",
            "acct",
            "--auth-mode",
            "runner",
            "--field",
            &format!("account_id={}", moto::ACCOUNT),
            "--field",
            &format!("runner={runner}"),
            "--no-verify",
        ])
        .ok();
    authorize_and_default(sandbox, "aws", "acct");
}

async fn a_runner_mode_job_runs_on_its_runner_with_its_own_identity(backend: Backend) {
    let moto = Moto::start();
    let keys = moto.create_user("edge-runner", &["sts:*"]);
    moto.enable_auth();
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();

    // Without a runner the connection is refused, with the command that makes one.
    let refused = sandbox.run(&[
        "connect",
        "aws",
        "--name",
        "acct",
        "--auth-mode",
        "runner",
        "--field",
        "account_id=123456789012",
        "--no-verify",
    ]);
    assert!(!refused.status.success(), "{refused:?}");
    assert!(
        refused.error_line().contains("lanyard runner register"),
        "{refused:?}"
    );

    let credentials = register_runner(&sandbox, "edge");
    connect_runner_mode(&sandbox, "edge");
    let runner = start_runner(&sandbox, &credentials, &keys, &moto);

    // No --runner: the connection sends its job to `edge`, never the built-in runner.
    let mut args = vec!["run", "--env", "dev", "--provider", "aws", "--"];
    let command = whoami(&moto);
    args.extend(command.iter().map(String::as_str));
    let ran = sandbox.run(&args);
    assert!(ran.status.success(), "{ran:?}\nrunner: {}", runner.output());
    let output = format!("{}{}", ran.stdout, ran.stderr);
    assert!(
        output.contains(&format!(
            "arn=arn:aws:iam::{}:user/edge-runner",
            moto::ACCOUNT
        )),
        "{output}"
    );
    assert!(output.contains("secret=[REDACTED]"), "{output}");
    assert!(!output.contains(&keys.secret_access_key), "{output}");
    let jobs = sandbox.run(&["job", "list", "-o", "json"]).json();
    assert_eq!(jobs[0]["runner"], "edge", "{jobs}");

    // `connection test` uses the identity the runner reported.
    let tested = sandbox.run(&["connection", "test", "acct"]).ok();
    assert!(
        tested
            .stdout
            .contains(&format!("arn:aws:iam::{}:user/edge-runner", moto::ACCOUNT)),
        "{tested:?}"
    );

    // The server never held the runner's keys.
    let stored = sandbox.database_bytes().await;
    for key in [&keys.access_key_id, &keys.secret_access_key] {
        assert!(
            !stored.windows(key.len()).any(|w| w == key.as_bytes()),
            "the database holds a runner key"
        );
    }
    drop(runner);
}

async fn a_runner_mode_job_is_refused_while_its_runner_is_offline(backend: Backend) {
    let sandbox = Sandbox::new(backend).await;
    let _server = sandbox.start(&[]);
    sandbox.run(&["env", "create", "dev"]).ok();
    register_runner(&sandbox, "edge");
    connect_runner_mode(&sandbox, "edge");
    let ran = sandbox.run(&["run", "--env", "dev", "--provider", "aws", "--", "true"]);
    assert_eq!(ran.status.code(), Some(125), "{ran:?}");
    let line = &ran.stderr;
    assert!(line.contains("runner `edge` is not online"), "{ran:?}");
    assert!(line.contains("lanyard runner start"), "{ran:?}");
    let tested = sandbox.run(&["connection", "test", "acct"]);
    assert_eq!(tested.status.code(), Some(1), "{tested:?}");
    assert!(
        tested.stdout.contains("runner `edge` is not online"),
        "{tested:?}"
    );
    // Nothing was queued for the built-in runner either.
    let jobs = sandbox.run(&["job", "list", "-o", "json"]).json();
    assert_eq!(jobs.as_array().map(Vec::len), Some(0), "{jobs}");
}

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
fn begin_cross_account(sandbox: &Sandbox, name: &str) -> std::path::PathBuf {
    let template = sandbox.home().join(format!("{name}.json"));
    let out = sandbox
        .run(&[
            "connect",
            "aws",
            "--auth-mode",
            "cross-account-trust",
            "--name",
            name,
            "--field",
            &format!("account_id={}", moto::ACCOUNT),
            "--capabilities",
            "s3-storage,cloudwatch-monitoring",
            "--template-file",
            template.to_str().unwrap(),
        ])
        .ok();
    assert!(out.stderr.contains("is pending"), "{out:?}");
    assert!(
        out.stderr.contains("iam_role_arn=ARN"),
        "no completion hint: {out:?}"
    );
    template
}

fn connection(sandbox: &Sandbox, name: &str) -> serde_json::Value {
    sandbox
        .run(&["connection", "get", name, "-o", "json"])
        .json()
}

async fn cross_account_trust_from_template_to_job(backend: Backend) {
    let moto = Moto::start();
    let admin = moto.create_user("lanyard-server", &["*"]);
    let sandbox = Sandbox::new(backend).await;
    let _server = server_with_identity(&sandbox, &moto, &admin);
    sandbox.run(&["env", "create", "dev"]).ok();

    // 1. A pending connection and its template, which cfn-lint accepts.
    let template = begin_cross_account(&sandbox, "xacct");
    assert_eq!(connection(&sandbox, "xacct")["pending"], true);
    let lint = std::process::Command::new(moto::venv_bin("cfn-lint"))
        .arg(&template)
        .output()
        .expect("run cfn-lint");
    assert!(
        lint.status.success(),
        "cfn-lint: {}{}",
        String::from_utf8_lossy(&lint.stdout),
        String::from_utf8_lossy(&lint.stderr)
    );
    authorize_and_default(&sandbox, "aws", "xacct");
    let early = sandbox.run(&["run", "--env", "dev", "--provider", "aws", "--", "true"]);
    assert!(
        early.stderr.contains("waiting for its IAM role"),
        "{early:?}"
    );

    // The stack creates the role; another role trusts the server without the condition.
    let role_arn = create_stack(&moto, &admin, "xacct", &template);
    assert!(role_arn.ends_with(":role/lanyard-xacct"), "{role_arn}");
    let loose_arn = moto.python(
        Some(&admin),
        "trust = {'Version': '2012-10-17', 'Statement': [{'Effect': 'Allow', \
         'Principal': {'AWS': 'arn:aws:iam::123456789012:user/lanyard-server'}, \
         'Action': 'sts:AssumeRole'}]}\n\
         print(client('iam').create_role(RoleName='loose', \
         AssumeRolePolicyDocument=json.dumps(trust))['Role']['Arn'])\n",
    );
    begin_cross_account(&sandbox, "loose");
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

    // On an external runner the runner assumes the role, with its own identity.
    let credentials = register_runner(&sandbox, "edge");
    sandbox
        .run(&["connection", "update", "xacct", "--field", "runner=edge"])
        .ok();
    let runner = start_runner(&sandbox, &credentials, &admin, &moto);
    let ran = sandbox.run(&args);
    assert!(ran.status.success(), "{ran:?}\nrunner: {}", runner.output());
    let jobs = sandbox.run(&["job", "list", "-o", "json"]).json();
    assert_eq!(jobs[0]["runner"], "edge", "{jobs}");
    let job_id = jobs[0]["id"].as_str().unwrap();
    assert!(
        ran.stdout
            .contains(&format!("assumed-role/lanyard-xacct/{job_id}")),
        "{ran:?}"
    );
    drop(runner);

    // 4. `connection test` assumes the role too, and records when.
    let tested = sandbox.run(&["connection", "test", "xacct"]).ok();
    assert!(
        tested.stdout.contains("assumed-role/lanyard-xacct/"),
        "{tested:?}"
    );
    assert!(connection(&sandbox, "xacct")["verified_at"].is_string());

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
    assert!(record["verified_at"].is_string(), "{record}");

    // A wrong secret key: saved, but the test fails, says why, and shows no key.
    let wrong: String = keys.secret_access_key.chars().rev().collect();
    let bad = connect("bad", &wrong);
    assert_eq!(bad.status.code(), Some(1), "{bad:?}");
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
    moto.python(
        Some(admin),
        &format!(
            "cf = client('cloudformation')\n\
             cf.create_stack(StackName='lanyard-{name}', TemplateBody=open('{}').read(), \
             Capabilities=['CAPABILITY_NAMED_IAM'])\n\
             stack = cf.describe_stacks(StackName='lanyard-{name}')['Stacks'][0]\n\
             assert stack['StackStatus'] == 'CREATE_COMPLETE', stack['StackStatus']\n\
             print([o['OutputValue'] for o in stack['Outputs'] if o['OutputKey'] == 'RoleArn'][0])\n",
            template.display()
        ),
    )
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
