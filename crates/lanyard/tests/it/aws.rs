//! AWS auth modes against moto, runner-delegated identity here (cross-account trust is in
//! `aws_trust`). moto's IAM checks are on once set-up is done, so signatures and external ids
//! are really checked. The helpers are shared with `aws_trust`.

use std::time::{Duration, Instant};

use lanyard_testkit::moto::{self, Moto, TestKeys};

use crate::jobs::authorize_and_default;
use crate::support::{Backend, Background, Sandbox};

lanyard_testkit::backend_tests!(
    a_runner_mode_job_runs_on_its_runner_with_its_own_identity,
    a_runner_mode_job_is_refused_while_its_runner_is_offline,
);

/// A job command that prints the caller's ARN (as `aws sts get-caller-identity` would) and,
/// to check masking, the secret key it was given.
pub(crate) fn whoami(moto: &Moto) -> Vec<String> {
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

/// Starts the runner with AWS keys in its environment and waits until the server sees it online.
pub(crate) fn start_runner(
    sandbox: &Sandbox,
    credentials: &str,
    keys: &TestKeys,
    moto: &Moto,
) -> Background {
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
            .any(|r| r["online"] == true && r["builtin"] != true)
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

    let credentials = sandbox.register_runner("edge");
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

    // Another runner is refused for it, by name.
    sandbox.register_runner("other");
    let elsewhere = sandbox.run(&[
        "run",
        "--env",
        "dev",
        "--provider",
        "aws",
        "--runner",
        "other",
        "--",
        "true",
    ]);
    assert_eq!(elsewhere.status.code(), Some(125), "{elsewhere:?}");
    assert!(
        elsewhere.stderr.contains("runs only on runner `edge`"),
        "{elsewhere:?}"
    );

    // `connection test` uses the identity the runner reported.
    let tested = sandbox.run(&["connection", "test", "acct"]).ok();
    assert!(
        tested
            .stdout
            .contains(&format!("arn:aws:iam::{}:user/edge-runner", moto::ACCOUNT)),
        "{tested:?}"
    );

    // The runner checks its AWS identity with the others; a runner whose keys STS refuses (one
    // revoked since it started looks the same) fails the connections that use it, saying why.
    let checks = crate::runner_identity::reported(&sandbox, "edge", &runner);
    let aws = crate::runner_identity::of(&checks, "aws");
    assert_eq!(aws["verdict"], "ok", "{checks}");
    assert!(
        aws["identity"]
            .as_str()
            .unwrap()
            .ends_with(":user/edge-runner"),
        "{checks}"
    );
    let revoked_keys = TestKeys {
        access_key_id: keys.access_key_id.clone(),
        secret_access_key: format!("{}-revoked", keys.secret_access_key),
    };
    let revoked_credentials = sandbox.register_runner("revoked");
    let revoked = start_runner(&sandbox, &revoked_credentials, &revoked_keys, &moto);
    let checks = crate::runner_identity::reported(&sandbox, "revoked", &revoked);
    assert_eq!(
        crate::runner_identity::of(&checks, "aws")["verdict"],
        "wrong_credentials",
        "{checks}"
    );
    sandbox
        .run(&[
            "connect",
            "aws",
            "--name",
            "acct-revoked",
            "--auth-mode",
            "runner",
            "--field",
            &format!("account_id={}", moto::ACCOUNT),
            "--field",
            "runner=revoked",
            "--no-verify",
        ])
        .ok();
    let tested = sandbox.run(&["connection", "test", "acct-revoked"]);
    assert_eq!(tested.status.code(), Some(1), "{tested:?}");
    assert!(
        tested.stdout.contains(
            "runner `revoked` checked its own AWS identity: AWS STS GetCallerIdentity failed"
        ),
        "{tested:?}"
    );
    assert!(!tested.stdout.contains(&revoked_keys.secret_access_key));
    drop(revoked);

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
    sandbox.register_runner("edge");
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
